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

// Reads `path` (an ELF object) with the program type `type` (--type) if given.
Result<object::Object> read_object_file(const std::string& path,
                                        const std::optional<std::string>& type);

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
// loads them and its maps into a new runtime. `type` overrides the program type the section
// names select (--type). `possible_cpus` (0: the machine's) is the number of per-CPU slots of
// per-CPU maps. With engine native, the programs get native code: from `engine.image` when
// given, else from the image cache (built there first).
Result<LoadedFile> load_object_file(const std::string& path, const std::optional<std::string>& type,
                                    const EngineChoice& engine = {}, std::string trace_output = "",
                                    unsigned possible_cpus = 0);

// Reports a load_object_file error: exit 1 when the verifier rejected a program (as
// `xbpf verify`), 2 for input that cannot be loaded.
int report_load_error(const Error& error);

// The program `name FN` or `section S` selects; without either, the only program.
Result<const runtime::LoadedProgram*> select_program(const runtime::LoadedObject& object,
                                                     const std::optional<std::string>& name,
                                                     const std::optional<std::string>& section);

}  // namespace xbpf::cli
