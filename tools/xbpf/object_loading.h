// Loading an object file for a command: read, select a program, load into a runtime.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cli.h"
#include "runtime/runtime.h"
#include "vm/vm.h"

namespace xbpf::cli {

using runtime::LoadedFile;

// Which program of an object a command works on (`name FN`, `section S`; neither: the only
// one) and the program type to give the object's programs (`--type T`, overriding the one the
// section names; needed where the section names none). `name` may name any function of the
// object, a function of .text included: it is then loaded as a program of its own.
struct ProgramSelection {
  std::optional<std::string> name, section, type;
};

// Reads `name FN`, `section S` and `--type T` (also `type T`) from `args`.
Result<ProgramSelection> parse_program_selection(Args& args);

// Reads `path` (an ELF object) with the type and extra entry `selection` gives.
Result<object::Object> read_object_file(const std::string& path, const ProgramSelection& selection);

// How a command runs its program: `engine E [image IMAGE]` and `--no-verify`.
struct EngineChoice {
  std::optional<vm::Engine> engine;  // asked for; otherwise chosen by choose_engine
  bool verify = true;                // false with --no-verify
  // With engine native: the image (xbpf gen native) instead of the image cache's.
  std::optional<std::string> image;
};

// Commands that run nothing (prog show, prog dump jited) load without verifying.
inline EngineChoice without_verification() {
  EngineChoice choice;
  choice.verify = false;
  return choice;
}

// Reads `engine E`, `image IMAGE` and `--no-verify` from `args`.
Result<EngineChoice> parse_engine_choice(Args& args);

// The engine `program` runs on: the one asked for, else the JIT where the policy allows it
// (XBPF_JIT=off does not), else the interpreter; an unverified program (--no-verify) runs in
// the interpreter's checked mode unless another engine is asked for, with a warning then.
vm::Engine choose_engine(const EngineChoice& choice, const runtime::LoadedProgram& program);

// Reads `path` (an ELF object), verifies its programs (unless `engine.verify` is false) and
// loads them and its maps into a new runtime, each program on its own: one that cannot load
// (or that the verifier rejects) is recorded in the object's failures and the others load.
// `selection` gives the type and extra entry (read_object_file). `possible_cpus` (0: the
// machine's) is the number of per-CPU slots of per-CPU maps. With engine native, the programs
// get native code: from `engine.image` when given, else from the image cache (built there
// first).
Result<LoadedFile> load_object_file(const std::string& path, const ProgramSelection& selection,
                                    const EngineChoice& engine = {}, std::string trace_output = "",
                                    unsigned possible_cpus = 0);

// Reports a load_object_file or select_program error: exit 1 when the verifier rejected a
// program (as `xbpf verify`), 2 for input that cannot be loaded.
int report_load_error(const Error& error);

// The program `selection` names; without a name or section, the only program. A selected
// program that did not load gives the reason it did not.
Result<const runtime::LoadedProgram*> select_program(const runtime::LoadedObject& object,
                                                     const ProgramSelection& selection);

}  // namespace xbpf::cli
