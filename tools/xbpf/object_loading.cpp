#include "object_loading.h"

#include <cstdio>

#include "object/object.h"
#include "progtype/progtype.h"
#include "runtime/native_image.h"
#include "support/files.h"
#include "support/linux_abi.h"

namespace xbpf::cli {

namespace {

// The loader options `--type` selects, or a usage error naming the known types.
Result<object::LoadObjectOptions> load_options(const std::optional<std::string>& type) {
  object::LoadObjectOptions options;
  if (!type) return options;
  const progtype::ProgramTypeInfo* info = progtype::program_type_named(*type);
  if (info == nullptr) {
    std::string known;
    for (const progtype::ProgramTypeInfo& each : progtype::all_program_types()) {
      known += (known.empty() ? "" : ", ") + std::string(each.name);
    }
    return usage_error("unknown program type '" + *type + "' (known: " + known + ")");
  }
  options.type = info->type;
  return options;
}

}  // namespace

Result<object::Object> read_object_file(const std::string& path,
                                        const std::optional<std::string>& type) {
  Result<object::LoadObjectOptions> options = load_options(type);
  if (!options) return std::move(options).error();
  Result<std::vector<std::uint8_t>> bytes = read_file(path);
  if (!bytes) return std::move(bytes).error();
  return object::read_object(std::move(*bytes), path, *options);
}

Result<EngineChoice> parse_engine_choice(Args& args) {
  EngineChoice choice;
  Result<std::optional<std::string>> engine = args.value("engine");
  if (!engine) return std::move(engine).error();
  if (*engine) {
    choice.engine = vm::parse_engine(**engine);
    if (!choice.engine)
      return usage_error("unknown engine '" + **engine +
                         "' (expected jit, interp, interp-checked or native)");
  }
  Result<std::optional<std::string>> image = args.value("image");
  if (!image) return std::move(image).error();
  choice.image = std::move(*image);
  if (choice.image && choice.engine != vm::Engine::native)
    return usage_error("image IMAGE goes with engine native");
  choice.verify = !args.flag("--no-verify");
  return choice;
}

vm::Engine choose_engine(const EngineChoice& choice, const runtime::LoadedProgram& program) {
  if (!program.verified) {
    if (!choice.engine) return vm::Engine::checked;
    if (*choice.engine != vm::Engine::checked) {
      std::fprintf(stderr,
                   "xbpf: warning: running an unverified program (--no-verify) without run-time "
                   "checks\n");
    }
    return *choice.engine;
  }
  if (choice.engine) return *choice.engine;
  return program.code->jit() != nullptr ? vm::Engine::jit : vm::Engine::interpreter;
}

Result<LoadedFile> load_object_file(const std::string& path, const std::optional<std::string>& type,
                                    const EngineChoice& engine, std::string trace_output,
                                    unsigned possible_cpus) {
  Result<object::LoadObjectOptions> options = load_options(type);
  if (!options) return std::move(options).error();
  runtime::RuntimeOptions runtime_options;
  runtime_options.trace_output = std::move(trace_output);
  runtime_options.possible_cpus = possible_cpus;
  runtime_options.verify = engine.verify;
  if (engine.engine != vm::Engine::native)
    return runtime::load_file(path, runtime_options, *options);
  runtime::NativeBuildOptions build;
  build.verify = engine.verify;
  return runtime::load_file_native(path, runtime_options, *options, build, engine.image);
}

int report_load_error(const Error& error) {
  return report(error, error.linux_errno == linux_abi::kEACCES ? kExitFailed : kExitBadInput);
}

Result<const runtime::LoadedProgram*> select_program(const runtime::LoadedObject& object,
                                                     const std::optional<std::string>& name,
                                                     const std::optional<std::string>& section) {
  std::vector<const runtime::LoadedProgram*> matches;
  for (const auto& program : object.programs()) {
    if (name && program->name != *name) continue;
    if (section && program->section != *section) continue;
    matches.push_back(program.get());
  }
  auto list = [&object] {
    std::string names;
    for (const auto& program : object.programs()) {
      names += (names.empty() ? "" : ", ") + program->section + "/" + program->name;
    }
    return names.empty() ? std::string("none") : names;
  };
  const std::string file = object.object().file;
  if (matches.empty()) {
    if (name)
      return make_error(file + ": no program named '" + *name + "' (programs: " + list() + ")");
    if (section)
      return make_error(file + ": no program in section '" + *section + "' (programs: " + list() +
                        ")");
    return make_error(file + ": the object has no programs");
  }
  if (matches.size() > 1) {
    return usage_error(file + " has several programs (" + list() +
                       "): choose one with 'name FN' or 'section S'");
  }
  return matches.front();
}

}  // namespace xbpf::cli
