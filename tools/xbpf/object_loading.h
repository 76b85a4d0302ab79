// Loading an object file for a command: read, select a program, load into a runtime.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cli.h"
#include "runtime/runtime.h"

namespace xbpf::cli {

using runtime::LoadedFile;

// Reads `path` (an ELF object) with the program type `type` (--type) if given.
Result<object::Object> read_object_file(const std::string& path,
                                        const std::optional<std::string>& type);

// Reads `path` (an ELF object), loads every program and map into a new runtime.
// `type` overrides the program type the section names select (--type).
// `possible_cpus` (0: the machine's) is the number of per-CPU slots of per-CPU maps.
// With `native`, the programs get native code (engine native): from the image
// `native->image` when given (xbpf gen native), else from the image cache, built there first.
struct NativeChoice {
  std::optional<std::string> image;
};
Result<LoadedFile> load_object_file(const std::string& path, const std::optional<std::string>& type,
                                    std::string trace_output = "", unsigned possible_cpus = 0,
                                    const std::optional<NativeChoice>& native = std::nullopt);

// The program `name FN` or `section S` selects; without either, the only program.
Result<const runtime::LoadedProgram*> select_program(const runtime::LoadedObject& object,
                                                     const std::optional<std::string>& name,
                                                     const std::optional<std::string>& section);

}  // namespace xbpf::cli
