// xbpf gen native
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "object_loading.h"
#include "platform/platform.h"
#include "runtime/native_image.h"
#include "skeleton_gen.h"
#include "support/files.h"
#include "support/json.h"

namespace xbpf::cli {
namespace {

constexpr const char* kGenHelp =
    R"help(Usage: xbpf gen native FILE [-o OUT] [--type TYPE] [--c SOURCE] [--no-verify]

Builds a native image of an eBPF object: every program is verified (a program the verifier
rejects stops the build with its diagnostic), translated to C and compiled by the system C
compiler at -O2 into a shared object (a DLL on Windows). The image records the programs
(name, section, type, SHA-256 of the bytecode), the maps and global data, and the hash of the
program-type and helper contract the programs were verified against: a runtime with another
contract refuses to load it. Run it with

  xbpf prog run FILE engine native image OUT ...

  -o OUT          the image to write (default: FILE without .o, plus .so or .dll)
  --type TYPE     the program type, overriding the section names (xdp, sched_cls, ...)
  --c SOURCE      also write the generated C to SOURCE
  --no-verify     compile programs the verifier rejects too (debugging, benchmarks of
                  programs it cannot prove yet): their native code runs unchecked
  $XBPF_CC        the C compiler (default: cc, else gcc; x86_64-w64-mingw32-gcc on Windows)
)help";

int gen_native(Args& args) {
  if (args.wants_help()) {
    std::fputs(kGenHelp, stdout);
    return kExitOk;
  }
  Result<std::optional<std::string>> out = args.value("-o");
  if (!out) return report(out.error());
  Result<ProgramSelection> selection = parse_program_selection(args);
  if (!selection) return report(selection.error());
  Result<std::optional<std::string>> c_file = args.value("--c");
  if (!c_file) return report(c_file.error());
  runtime::NativeBuildOptions build;
  build.verify = !args.flag("--no-verify");
  build.independent_programs = true;
  std::optional<std::string> file = args.positional();
  if (!file) return report(usage_error("gen native needs an object FILE"));
  if (Status rest = args.finish(); !rest) return report(rest.error());
  Result<object::Object> object = read_object_file(*file, *selection);
  if (!object) return report(object.error());
  std::string output = out->value_or("");
  if (output.empty()) {
    std::filesystem::path path(*file);
    if (path.extension() == ".o") path.replace_extension();
    output = path.string() + platform::shared_library_suffix();
  }
  if (!build.verify) {
    std::fprintf(stderr, "xbpf: warning: --no-verify: the image's programs are not verified\n");
  }
  // The image holds the programs that load and verify; the others are named and left out.
  std::vector<runtime::ProgramFailure> omitted;
  Result<aot::ImageSource> source = runtime::native_image_source(*object, build, &omitted);
  if (!source) return report(source.error(), kExitFailed);
  std::erase_if(source->programs, [&](const aot::ProgramSource& program) {
    return (selection->name && program.name != *selection->name) ||
           (selection->section && program.section != *selection->section);
  });
  for (const runtime::ProgramFailure& failure : omitted) {
    if ((selection->name && failure.name != *selection->name) ||
        (selection->section && failure.section != *selection->section)) {
      continue;
    }
    std::fprintf(stderr, "xbpf: warning: program '%s' (section %s) is left out: %s\n",
                 failure.name.c_str(), failure.section.c_str(), failure.error.to_string().c_str());
  }
  if (source->programs.empty()) {
    return report(make_error(*file + ": no program to compile" +
                             (omitted.empty() ? std::string(" matches")
                                              : std::string(" (the warnings above say why)"))),
                  omitted.empty() ? kExitBadInput : kExitFailed);
  }
  Result<std::string> c_source = aot::translate(*source);
  if (!c_source) return report(c_source.error(), kExitFailed);
  if (*c_file) {
    if (Status written = write_text_file(**c_file, *c_source); !written)
      return report(written.error());
  }
  if (Status built = aot::compile(*c_source, output); !built) {
    return report(built.error(), kExitFailed);
  }
  if (args.options().json) {
    JsonWriter json(args.options().pretty);
    json.begin_object()
        .field("image", std::string_view(output))
        .field("contract", std::string_view(runtime::contract_hash()));
    json.key("programs").begin_array();
    for (const aot::ProgramSource& program : source->programs) {
      json.begin_object()
          .field("name", std::string_view(program.name))
          .field("section", std::string_view(program.section))
          .field("sha256", std::string_view(aot::bytecode_digest(program.code)))
          .end_object();
    }
    json.end_array().end_object();
    std::printf("%s\n", json.str().c_str());
  } else {
    std::printf("wrote %s: %zu program%s, contract %s\n", output.c_str(), source->programs.size(),
                source->programs.size() == 1 ? "" : "s", runtime::contract_hash().c_str());
  }
  return kExitOk;
}

constexpr const char* kSkeletonHelp =
    R"help(Usage: xbpf gen skeleton FILE [name NAME]

Writes to standard output the C header `bpftool gen skeleton` writes for an eBPF object (the
same structs and calls, byte for byte): an application includes it and links against libbpf
(xbpf's build/lib/libbpf.so.1, or the system's), and reaches the object's maps, programs,
links and global data (.rodata, .data, .bss, .data.*, .rodata.*) through it.

  name NAME       the object's name in the skeleton (default: FILE's name without .o)
)help";

int gen_skeleton(Args& args) {
  if (args.wants_help()) {
    std::fputs(kSkeletonHelp, stdout);
    return kExitOk;
  }
  std::optional<std::string> file = args.positional();
  if (!file) return report(usage_error("gen skeleton needs an object FILE"));
  Result<std::optional<std::string>> name = args.value("name");
  if (!name) return report(name.error());
  if (Status rest = args.finish(); !rest) return report(rest.error());
  Result<std::vector<std::uint8_t>> bytes = read_file(*file);
  if (!bytes) return report(bytes.error());
  Result<std::string> header = generate_skeleton(*bytes, *file, name->value_or(""));
  if (!header) return report(header.error());
  std::fwrite(header->data(), 1, header->size(), stdout);
  return kExitOk;
}

}  // namespace

int command_gen(Args& args) {
  std::optional<std::string> what = args.positional();
  if (!what || *what == "help" || *what == "--help" || *what == "-h") {
    std::fputs(kGenHelp, what ? stdout : stderr);
    return what ? kExitOk : kExitBadInput;
  }
  if (*what == "native") return gen_native(args);
  if (*what == "skeleton") return gen_skeleton(args);
  return report(usage_error("unknown gen command '" + *what + "' (expected native or skeleton)"));
}

}  // namespace xbpf::cli
