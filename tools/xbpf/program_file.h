// Reading the programs a command works on: an ELF object, assembly source or raw bytecode.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "isa/disassembler.h"
#include "isa/instruction.h"
#include "object/elf.h"
#include "support/error.h"

namespace xbpf::cli {

enum class FileKind { elf, assembly, raw };

// One executable section of a file (or the whole file for assembly and raw input).
struct CodeSection {
  std::string name;  // section name ("" for assembly and raw input)
  std::vector<isa::Instruction> instructions;
  std::vector<isa::ListingSymbol> symbols;
  std::map<std::uint32_t, std::string> call_names;  // local calls resolved by relocations
  std::map<std::uint32_t, std::string> source;      // C source lines from BTF line info, by slot
};

struct ProgramFile {
  std::string path;
  FileKind kind = FileKind::raw;
  std::vector<CodeSection> sections;
  // Why the C source is missing, when the object has line info that could not be read.
  std::string source_problem;
};

// Assembly is recognised by extension (.s, .S, .asm) or by being text; ELF by its magic;
// anything else is raw bytecode (a multiple of 8 bytes).
Result<ProgramFile> read_program_file(const std::string& path);

}  // namespace xbpf::cli
