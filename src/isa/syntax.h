// The two textual syntaxes of eBPF instructions and the one printer that serves both.
#pragma once

#include <string>
#include <string_view>

#include "isa/instruction.h"

namespace xbpf::isa {

enum class Syntax {
  llvm,         // r0 = *(u32 *)(r1 + 4), w0 += 1, if r1 s> 5 goto +3 (what llvm-objdump prints)
  conformance,  // ldxw %r0, [%r1+4], add32 %r0, 1, jsgt %r1, 5, +3 (bpf_conformance)
};

std::string_view syntax_name(Syntax syntax);

// One instruction as text, from the opcode table's pattern for the syntax.
std::string format(const Instruction& insn, Syntax syntax);

}  // namespace xbpf::isa
