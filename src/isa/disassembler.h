// Program listings in the style of llvm-objdump -d, or as re-assemblable source.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "isa/instruction.h"
#include "isa/syntax.h"

namespace xbpf::isa {

struct ListingSymbol {
  std::uint32_t slot = 0;
  std::string name;
};

struct ListingOptions {
  Syntax syntax = Syntax::llvm;
  // true: "     12:\t<bytes>\t<text>" lines and "<sym>:" headers, as llvm-objdump -d prints them.
  // false: source that the assembler reads back (labels as "name:", one instruction a line).
  bool addresses = true;
  std::string section_name;            // names branch targets when no symbol precedes them
  std::vector<ListingSymbol> symbols;  // function and label symbols, any order
  // Names of local-call targets known from relocations, by the calling instruction's slot.
  std::map<std::uint32_t, std::string> call_names;
  // C source lines (from BTF line info) printed as "; line" before the instruction at their
  // slot, as llvm-objdump -S prints them.
  std::map<std::uint32_t, std::string> source;
};

std::string disassemble(std::span<const Instruction> program, const ListingOptions& options);

}  // namespace xbpf::isa
