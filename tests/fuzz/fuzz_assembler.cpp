// Fuzzes the assembler: any text either fails with an error carrying a line, or assembles to
// a program that encodes, decodes and prints back to itself in both syntaxes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "isa/assembler.h"
#include "isa/syntax.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xbpf::isa;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  xbpf::Result<std::vector<Instruction>> program = assemble(text);
  if (!program.ok()) {
    if (!program.error().where.line) std::abort();  // every assembler error names its line
    return 0;
  }
  const std::vector<std::uint8_t> bytes = encode(*program);
  xbpf::Result<std::vector<Instruction>> decoded = decode(bytes);
  if (!decoded.ok() || *decoded != *program) std::abort();
  for (const Instruction& insn : *program) {
    for (Syntax syntax : {Syntax::llvm, Syntax::conformance}) {
      xbpf::Result<Instruction> again = assemble_one(format(insn, syntax), syntax);
      if (!again.ok()) std::abort();
      Instruction expected = insn;
      expected.slot = 0;
      if (!(*again == expected)) std::abort();
    }
  }
  return 0;
}
