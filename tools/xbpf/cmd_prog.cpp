// xbpf prog run | show | tracelog
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>

#include "aot/image.h"
#include "commands.h"
#include "map_dump.h"
#include "object/elf.h"
#include "object_loading.h"
#include "platform/platform.h"
#include "program_file.h"
#include "runtime/test_run.h"
#include "support/files.h"
#include "support/json.h"
#include "support/text.h"
#include "vm/vm.h"

namespace xbpf::cli {
namespace {

constexpr const char* kRunHelp =
    R"help(Usage: xbpf prog run FILE [name FN | section S] [data_in FILE] [data_out FILE]
                     [ctx_in FILE] [ctx_out FILE] [repeat N] [engine ENGINE] [cpu N]
                     [image IMAGE] [--type TYPE] [--dump-maps] [--no-verify]

Runs a program once (or N times) on input, as Linux's BPF_PROG_TEST_RUN does, and prints
its return value and the average duration, as "bpftool prog run" does:
  Return value: R, duration (average): Dns

FILE is an eBPF object compiled by clang (the same .o Linux loads), assembly source, or raw
bytecode. Object programs get the context of their type: XDP programs an xdp_md over
data_in (data_out then shows head, meta and tail adjustments), sk_buff programs a
__sk_buff, other types the ctx_in bytes. Assembly and bytecode get r1 = a copy of
data_in and r2 = its length, as in the ISA conformance suite.

  name FN / section S   which program of the object (needed when it has several)
  data_in / data_out    packet in and out
  ctx_in / ctx_out      context in and out (struct xdp_md, struct __sk_buff, ...)
  repeat N              run N times (default 1); the duration is the average
  engine ENGINE         jit (x86-64 machine code; the default where allowed: XBPF_JIT=off
                        forbids it, XBPF_JIT_BLIND=1 blinds constants), interp (the
                        interpreter), interp-checked (the interpreter checking every
                        memory access at run time) or native (an ahead-of-time image: the
                        object's programs translated to C and compiled by the system C
                        compiler, cached in the state directory; see xbpf gen native)
  image IMAGE           with engine native: the image to run (from xbpf gen native) instead
                        of the cache's; it must match the object's bytecode and this
                        runtime's contract
  --no-verify           run without verifying (debugging): in interp-checked unless
                        another engine is asked for. Without it, a program the verifier
                        rejects does not run: the error shows why, at its source line
  cpu N                 the CPU the program runs as (per-CPU maps), default 0
  --type TYPE           the program type, overriding the section name (xdp, sched_cls, ...)
  --dump-maps           print every map's entries after the run (JSON with -j)
  -j, -p                print {"retval":R,"duration":D} as JSON
)help";

constexpr const char* kShowHelp = R"help(Usage: xbpf prog show FILE [--type TYPE]

Lists an object's programs (type, name, section, instructions, the maps they use) and its
maps (type, key and value sizes, entries), in bpftool's format; JSON with -j. A program that
cannot be loaded (its section names no program type and --type gives none, it calls an
extern, a relocation of its code cannot be resolved) is listed with the reason, and the
others are shown as usual.
)help";

constexpr const char* kTracelogHelp = R"help(Usage: xbpf prog tracelog [--no-follow]

Prints what bpf_trace_printk wrote, then follows new lines until interrupted, as
"bpftool prog tracelog" follows the kernel's trace pipe. Lines go to the trace pipe in
xbpf's state directory (see "xbpf prog tracelog --path").
)help";

std::uint64_t return_first(std::uint64_t r1, std::uint64_t, std::uint64_t, std::uint64_t,
                           std::uint64_t, vm::RunState&) {
  return r1;
}

struct RunArguments {
  ProgramSelection selection;
  std::optional<std::string> data_in, data_out, ctx_in, ctx_out;
  std::uint64_t repeat = 1;
  EngineChoice engine;
  unsigned cpu = 0;
  bool dump_maps = false;
  std::string file;
};

Result<RunArguments> parse_run(Args& args) {
  RunArguments run;
  Result<ProgramSelection> selection = parse_program_selection(args);
  if (!selection) return std::move(selection).error();
  run.selection = std::move(*selection);
  for (auto [keyword, field] : {std::pair{"data_in", &run.data_in},
                                {"data_out", &run.data_out},
                                {"ctx_in", &run.ctx_in},
                                {"ctx_out", &run.ctx_out}}) {
    Result<std::optional<std::string>> value = args.value(keyword);
    if (!value) return std::move(value).error();
    *field = std::move(*value);
  }
  Result<std::optional<std::string>> repeat = args.value("repeat");
  if (!repeat) return std::move(repeat).error();
  if (*repeat) {
    std::optional<ParsedNumber> value = parse_number(**repeat);
    if (!value || value->negative || value->magnitude == 0 || value->magnitude > 1'000'000'000) {
      return usage_error("repeat must be a number from 1 to 1000000000, found '" + **repeat + "'");
    }
    run.repeat = value->magnitude;
  }
  Result<EngineChoice> engine = parse_engine_choice(args);
  if (!engine) return std::move(engine).error();
  run.engine = *engine;
  Result<std::optional<std::string>> cpu = args.value("cpu");
  if (!cpu) return std::move(cpu).error();
  if (*cpu) {
    std::optional<ParsedNumber> value = parse_number(**cpu);
    if (!value || value->negative || value->magnitude > 4096)
      return usage_error("bad cpu '" + **cpu + "'");
    run.cpu = static_cast<unsigned>(value->magnitude);
  }
  run.dump_maps = args.flag("--dump-maps");
  std::optional<std::string> file = args.positional();
  if (!file) return usage_error("prog run needs a program FILE");
  run.file = *file;
  XBPF_TRY(args.finish());
  return run;
}

Result<std::vector<std::uint8_t>> read_optional(const std::optional<std::string>& path) {
  if (!path) return std::vector<std::uint8_t>{};
  return read_file(*path);
}

void print_result(const Args& args, std::uint64_t retval, std::uint64_t average,
                  std::uint64_t repeat, const std::vector<const runtime::LoadedMap*>& maps) {
  if (args.options().json) {
    JsonWriter json(args.options().pretty);
    json.begin_object().field("retval", retval).field("duration", average);
    if (!maps.empty()) {
      json.key("maps").begin_array();
      for (const runtime::LoadedMap* map : maps) dump_map_json(*map, json);
      json.end_array();
    }
    json.end_object();
    std::printf("%s\n", json.str().c_str());
    return;
  }
  std::printf("Return value: %llu, duration%s: %lluns\n", static_cast<unsigned long long>(retval),
              repeat > 1 ? " (average)" : "", static_cast<unsigned long long>(average));
  for (const runtime::LoadedMap* map : maps) std::fputs(dump_map_text(*map).c_str(), stdout);
}

// Assembly or bytecode: the conformance convention (r1 = data, r2 = length), helper 5.
int run_raw(Args& args, const RunArguments& run, const ProgramFile& file) {
  if (run.selection.name || run.selection.section || run.ctx_in || run.ctx_out ||
      run.selection.type || run.dump_maps || run.engine.image) {
    return report(usage_error(
        "name, section, ctx_in, ctx_out, image, --type and --dump-maps need an object file"));
  }
  // Assembly and bytecode have no program type to verify against (r1 and r2 are the
  // conformance suite's): they run as unverified programs.
  const vm::Engine engine = run.engine.engine.value_or(vm::Engine::checked);
  if (engine != vm::Engine::checked) {
    std::fprintf(stderr,
                 "xbpf: warning: assembly and bytecode are not verified; running without run-time "
                 "checks\n");
  }
  Result<std::vector<std::uint8_t>> data_in = read_optional(run.data_in);
  if (!data_in) return report(data_in.error());
  std::vector<std::uint8_t> data = std::move(*data_in);
  vm::Environment environment;
  environment.set_helper(5, return_first);
  std::shared_ptr<const aot::Image> image;
  if (engine == vm::Engine::native) {
    aot::ImageSource source;
    source.programs.push_back({"main", "", 0, file.sections.front().instructions});
    Result<std::shared_ptr<const aot::Image>> built = aot::build_temporary(source);
    if (!built) return report(built.error(), kExitFailed);
    image = std::move(*built);
    environment.native = image->function(image->programs().front());
  }
  Result<std::shared_ptr<const vm::Program>> program =
      vm::Program::create(file.sections.front().instructions, environment);
  if (!program) {
    Error error = std::move(program).error();
    error.where.file = run.file;
    return report(error);
  }
  vm::RunState state;
  state.cpu = run.cpu;
  const auto address = data.empty() ? 0 : reinterpret_cast<std::uint64_t>(data.data());
  if (!data.empty()) state.add_region({address, data.size(), true, "data_in"});
  state.set_packet(data);
  const std::uint64_t run_args[2] = {address, data.size()};
  Result<std::uint64_t> r0 = std::uint64_t{0};
  const std::uint64_t start = platform::monotonic_ns();
  for (std::uint64_t i = 0; i < run.repeat && r0; ++i)
    r0 = vm::run(**program, run_args, state, engine);
  const std::uint64_t elapsed = platform::monotonic_ns() - start;
  if (!r0) {
    Error error = std::move(r0).error();
    error.where.file = run.file;
    return report(error, kExitFailed);
  }
  if (run.data_out) {
    if (Status written = write_file(*run.data_out, data); !written) return report(written.error());
  }
  print_result(args, *r0, elapsed / run.repeat, run.repeat, {});
  return kExitOk;
}

int run_object(Args& args, const RunArguments& run) {
  Result<LoadedFile> loaded = load_object_file(run.file, run.selection, run.engine);
  if (!loaded) return report_load_error(loaded.error());
  Result<const runtime::LoadedProgram*> program = select_program(*loaded->object, run.selection);
  if (!program) return report_load_error(program.error());
  runtime::TestRunOptions options;
  Result<std::vector<std::uint8_t>> data_in = read_optional(run.data_in);
  if (!data_in) return report(data_in.error());
  Result<std::vector<std::uint8_t>> ctx_in = read_optional(run.ctx_in);
  if (!ctx_in) return report(ctx_in.error());
  options.data_in = std::move(*data_in);
  options.ctx_in = std::move(*ctx_in);
  options.repeat = static_cast<std::uint32_t>(run.repeat);
  options.cpu = run.cpu;
  options.engine = choose_engine(run.engine, **program);
  Result<runtime::TestRunResult> result = runtime::test_run(**program, options);
  if (!result) {
    Error error = std::move(result).error();
    if (error.where.file.empty()) error.where.file = run.file;
    return report(error, error.linux_errno != 0 ? kExitBadInput : kExitFailed);
  }
  if (run.data_out) {
    if (Status written = write_file(*run.data_out, result->data_out); !written)
      return report(written.error());
  }
  if (run.ctx_out) {
    if (Status written = write_file(*run.ctx_out, result->ctx_out); !written)
      return report(written.error());
  }
  std::vector<const runtime::LoadedMap*> maps;
  if (run.dump_maps) {
    for (const runtime::LoadedMap& map : loaded->object->maps()) maps.push_back(&map);
  }
  print_result(args, result->retval, result->duration_ns, run.repeat, maps);
  return kExitOk;
}

int command_prog_run(Args& args) {
  if (args.wants_help()) {
    std::fputs(kRunHelp, stdout);
    return kExitOk;
  }
  Result<RunArguments> run = parse_run(args);
  if (!run) return report(run.error());
  Result<std::vector<std::uint8_t>> head = read_file(run->file);
  if (!head) return report(head.error());
  if (object::is_elf(*head)) return run_object(args, *run);
  Result<ProgramFile> file = read_program_file(run->file);
  if (!file) return report(file.error());
  return run_raw(args, *run, *file);
}

int command_prog_show(Args& args) {
  if (args.wants_help()) {
    std::fputs(kShowHelp, stdout);
    return kExitOk;
  }
  Result<std::optional<std::string>> type = args.value("type");
  if (!type) return report(type.error());
  std::optional<std::string> file = args.positional();
  if (!file) return report(usage_error("prog show needs an object FILE"));
  if (Status rest = args.finish(); !rest) return report(rest.error());
  ProgramSelection selection;
  selection.type = *type;
  Result<LoadedFile> loaded = load_object_file(*file, selection, without_verification());
  if (!loaded) return report_load_error(loaded.error());
  const runtime::LoadedObject& object = *loaded->object;
  const bool gpl =
      object.object().license == "GPL" || object.object().license.rfind("GPL", 0) == 0 ||
      object.object().license == "Dual BSD/GPL" || object.object().license == "Dual MIT/GPL";
  auto map_ids = [&object](const runtime::LoadedProgram& program) {
    std::vector<std::uint32_t> ids;
    for (const runtime::LoadedMap& map : object.maps()) {
      for (const runtime::Map* used : program.maps) {
        if (used == map.map.get()) ids.push_back(map.id);
      }
    }
    return ids;
  };
  if (args.options().json) {
    JsonWriter json(args.options().pretty);
    json.begin_object().key("programs").begin_array();
    for (const auto& program : object.programs()) {
      json.begin_object()
          .field("id", program->id)
          .field("type", program->type->name)
          .field("name", program->name);
      json.field("section", program->section).field("gpl_compatible", gpl);
      json.field("insns", static_cast<std::uint64_t>(program->code->slot_count()));
      json.field("bytes_xlated", static_cast<std::uint64_t>(program->code->slot_count() * 8));
      json.key("map_ids").begin_array();
      for (std::uint32_t id : map_ids(*program)) json.value(id);
      json.end_array().end_object();
    }
    json.end_array().key("not_loaded").begin_array();
    for (const runtime::ProgramFailure& failure : object.failures()) {
      json.begin_object()
          .field("name", failure.name)
          .field("section", failure.section)
          .field("error", failure.error.to_string())
          .end_object();
    }
    json.end_array().key("maps_not_created").begin_array();
    for (const runtime::ProgramFailure& failure : object.map_failures()) {
      json.begin_object()
          .field("name", failure.name)
          .field("error", failure.error.to_string())
          .end_object();
    }
    json.end_array().key("maps").begin_array();
    for (const runtime::LoadedMap& map : object.maps()) {
      const runtime::MapSpec& spec = map.map->spec();
      json.begin_object()
          .field("id", map.id)
          .field("type", map_type_name(spec.type))
          .field("name", map.name);
      json.field("flags", spec.flags)
          .field("bytes_key", spec.key_size)
          .field("bytes_value", spec.value_size);
      json.field("max_entries", spec.max_entries).end_object();
    }
    json.end_array().end_object();
    std::printf("%s\n", json.str().c_str());
    return kExitOk;
  }
  for (const auto& program : object.programs()) {
    std::string ids;
    for (std::uint32_t id : map_ids(*program)) ids += (ids.empty() ? "" : ",") + std::to_string(id);
    std::printf("%u: %s  name %s  section %s%s\n", program->id,
                std::string(program->type->name).c_str(), program->name.c_str(),
                program->section.c_str(), gpl ? "  gpl" : "");
    std::printf("\tinsns %zu  xlated %zuB%s%s\n", program->code->slot_count(),
                program->code->slot_count() * 8, ids.empty() ? "" : "  map_ids ", ids.c_str());
  }
  for (const runtime::ProgramFailure& failure : object.failures()) {
    std::printf("-: not loaded  name %s  section %s\n\t%s\n", failure.name.c_str(),
                failure.section.c_str(), failure.error.to_string().c_str());
  }
  for (const runtime::ProgramFailure& failure : object.map_failures()) {
    std::printf("-: map not created  name %s\n\t%s\n", failure.name.c_str(),
                failure.error.to_string().c_str());
  }
  for (const runtime::LoadedMap& map : object.maps()) {
    const runtime::MapSpec& spec = map.map->spec();
    std::printf("%u: %s  name %s  flags 0x%x\n", map.id,
                std::string(map_type_name(spec.type)).c_str(), map.name.c_str(), spec.flags);
    std::printf("\tkey %uB  value %uB  max_entries %u\n", spec.key_size, spec.value_size,
                spec.max_entries);
  }
  return kExitOk;
}

int command_prog_tracelog(Args& args) {
  if (args.wants_help()) {
    std::fputs(kTracelogHelp, stdout);
    return kExitOk;
  }
  const bool no_follow = args.flag("--no-follow");
  const bool show_path = args.flag("--path");
  if (Status rest = args.finish(); !rest) return report(rest.error());
  Result<std::string> path = runtime::TracePipe::default_path();
  if (!path) return report(path.error());
  if (show_path) {
    std::printf("%s\n", path->c_str());
    return kExitOk;
  }
  std::ifstream in;
  std::streamoff offset = 0;
  std::string line;
  for (;;) {
    in.open(*path, std::ios::binary);
    if (in) {
      in.seekg(0, std::ios::end);
      if (in.tellg() < offset) offset = 0;  // rotated
      in.seekg(offset);
      // Whole lines only; a line still being written is read next time.
      while (std::getline(in, line) && !in.eof()) {
        std::printf("%s\n", line.c_str());
        offset += static_cast<std::streamoff>(line.size()) + 1;
      }
      in.clear();
      std::fflush(stdout);
      in.close();
    }
    if (no_follow) return kExitOk;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

int command_prog(Args& args) {
  std::optional<std::string> verb = args.positional();
  if (!verb || *verb == "help" || *verb == "--help" || *verb == "-h") {
    std::fputs(
        "Usage: xbpf prog run FILE [name FN | section S] [data_in FILE] ...\n"
        "       xbpf prog show FILE\n"
        "       xbpf prog dump jited FILE [name FN | section S]\n"
        "       xbpf prog tracelog\n"
        "       xbpf prog COMMAND --help\n",
        stdout);
    return verb ? kExitOk : kExitBadInput;
  }
  if (*verb == "run") return command_prog_run(args);
  if (*verb == "show" || *verb == "list") return command_prog_show(args);
  if (*verb == "tracelog") return command_prog_tracelog(args);
  if (*verb == "dump") return command_prog_dump(args);
  return report(
      usage_error("unknown prog command '" + *verb + "' (expected run, show, dump or tracelog)"));
}

}  // namespace xbpf::cli
