// Assembler for both syntaxes (see syntax.h), with labels.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isa/instruction.h"
#include "isa/syntax.h"

namespace xbpf::isa {

struct AssembleOptions {
  // nullopt: decided from the text (the first line that only one syntax accepts).
  std::optional<Syntax> syntax;
  std::string file_name;  // for error locations
};

// Assembles a program. Labels are `name:` at the start of a line; branches, `call` (local) and
// `code_addr(...)` may name them. Comments start with '#', ';' or '//'. In the conformance
// syntax, a jump to the undefined label `exit` goes to the last exit instruction, as the
// bpf_conformance suite expects. Errors give line and column.
Result<std::vector<Instruction>> assemble(std::string_view source,
                                          const AssembleOptions& options = {});

// Assembles one instruction (no labels).
Result<Instruction> assemble_one(std::string_view line, Syntax syntax);

}  // namespace xbpf::isa
