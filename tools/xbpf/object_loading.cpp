#include "object_loading.h"

#include <cstdio>

#include "object/object.h"
#include "progtype/progtype.h"
#include "runtime/native_image.h"
#include "support/files.h"
#include "support/linux_abi.h"

namespace xbpf::cli {

namespace {

// The loader options `--type` and `name` select, or a usage error naming the known types.
Result<object::LoadObjectOptions> load_options(const ProgramSelection& selection) {
  object::LoadObjectOptions options;
  if (selection.name) options.entries.push_back(*selection.name);
  const std::optional<std::string>& type = selection.type;
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

Result<ProgramSelection> parse_program_selection(Args& args) {
  ProgramSelection selection;
  for (auto [keyword, field] : {std::pair{"name", &selection.name},
                                {"section", &selection.section},
                                {"type", &selection.type}}) {
    Result<std::optional<std::string>> value = args.value(keyword);
    if (!value) return std::move(value).error();
    *field = std::move(*value);
  }
  return selection;
}

Result<object::Object> read_object_file(const std::string& path,
                                        const ProgramSelection& selection) {
  Result<object::LoadObjectOptions> options = load_options(selection);
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

Result<LoadedFile> load_object_file(const std::string& path, const ProgramSelection& selection,
                                    const EngineChoice& engine, std::string trace_output,
                                    unsigned possible_cpus) {
  Result<object::LoadObjectOptions> options = load_options(selection);
  if (!options) return std::move(options).error();
  runtime::RuntimeOptions runtime_options;
  runtime_options.trace_output = std::move(trace_output);
  runtime_options.possible_cpus = possible_cpus;
  runtime_options.verify = engine.verify;
  runtime::LoadOptions load;
  load.independent_programs = true;
  if (engine.engine != vm::Engine::native)
    return runtime::load_file(path, runtime_options, *options, load);
  runtime::NativeBuildOptions build;
  build.verify = engine.verify;
  build.independent_programs = true;
  return runtime::load_file_native(path, runtime_options, *options, build, engine.image, load);
}

int report_load_error(const Error& error) {
  return report(error, error.linux_errno == linux_abi::kEACCES ? kExitFailed : kExitBadInput);
}

Result<const runtime::LoadedProgram*> select_program(const runtime::LoadedObject& object,
                                                     const ProgramSelection& selection) {
  auto selected = [&](const std::string& name, const std::string& section) {
    return (!selection.name || name == *selection.name) &&
           (!selection.section || section == *selection.section);
  };
  std::vector<const runtime::LoadedProgram*> matches;
  std::vector<const runtime::ProgramFailure*> failures;
  for (const auto& program : object.programs()) {
    if (selected(program->name, program->section)) matches.push_back(program.get());
  }
  for (const runtime::ProgramFailure& failure : object.failures()) {
    if (selected(failure.name, failure.section)) failures.push_back(&failure);
  }
  auto list = [&object] {
    std::string names;
    for (const auto& program : object.programs()) {
      names += (names.empty() ? "" : ", ") + program->section + "/" + program->name;
    }
    for (const runtime::ProgramFailure& failure : object.failures()) {
      names += (names.empty() ? "" : ", ") + failure.section + "/" + failure.name + " (not loaded)";
    }
    return names.empty() ? std::string("none") : names;
  };
  const std::string file = object.object().file;
  if (matches.size() + failures.size() > 1) {
    return usage_error(file + " has several programs (" + list() +
                       "): choose one with 'name FN' or 'section S'");
  }
  if (!failures.empty()) {
    Error error = failures.front()->error;
    error.message = "program '" + failures.front()->name + "' cannot be loaded: " + error.message;
    return error;
  }
  if (matches.empty()) {
    if (selection.name)
      return make_error(file + ": no program named '" + *selection.name + "' (programs: " + list() +
                        ")");
    if (selection.section)
      return make_error(file + ": no program in section '" + *selection.section +
                        "' (programs: " + list() + ")");
    return make_error(file + ": the object has no programs");
  }
  return matches.front();
}

}  // namespace xbpf::cli
