// The assembler: both syntaxes and their detection, labels, the conformance `exit`
// pseudo-label, comments, aliases, and errors that give line and column in the
// "file:LINE:COL: expected X, found 'Y'" style.
#include "isa/assembler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "isa/instruction.h"
#include "isa/syntax.h"

namespace xbpf::isa {
namespace {

std::vector<Instruction> assemble_ok(std::string_view source, std::optional<Syntax> syntax = {}) {
  AssembleOptions options;
  options.syntax = syntax;
  options.file_name = "prog.s";
  Result<std::vector<Instruction>> program = assemble(source, options);
  EXPECT_TRUE(program.ok()) << source << "\n" << program.error().to_string();
  return program.ok() ? *program : std::vector<Instruction>{};
}

// The error, as the command line prints it (prog.s:LINE:COL: message).
std::string assemble_error(std::string_view source, std::optional<Syntax> syntax = {}) {
  AssembleOptions options;
  options.syntax = syntax;
  options.file_name = "prog.s";
  Result<std::vector<Instruction>> program = assemble(source, options);
  EXPECT_FALSE(program.ok()) << source;
  return program.ok() ? "" : program.error().to_string();
}

Instruction at_slot(Instruction insn, std::uint32_t slot) {
  insn.slot = slot;
  return insn;
}

// ---- Both syntaxes, detection, comments, aliases ----

TEST(Assembler, LlvmSyntax) {
  EXPECT_EQ(assemble_ok("r0 = 1\n"
                        "w1 += w2\n"
                        "r2 = *(u32 *)(r1 - 4)\n"
                        "*(u64 *)(r10 - 8) = r2\n"
                        "r3 = 0x123456789 ll\n"
                        "exit\n"),
            (std::vector<Instruction>{
                at_slot(make(Op::mov64_imm, 0, 0, 0, 1), 0),
                at_slot(make(Op::add32_reg, 1, 2), 1),
                at_slot(make(Op::ldxw, 2, 1, -4), 2),
                at_slot(make(Op::stxdw, 10, 2, -8), 3),
                at_slot(make(Op::lddw, 3, 0, 0, 0x23456789, 1), 4),
                at_slot(make(Op::exit), 6),
            }));
}

TEST(Assembler, ConformanceSyntax) {
  EXPECT_EQ(assemble_ok("mov %r0, 1\n"
                        "add32 %r1, %r2\n"
                        "ldxw %r2, [%r1-4]\n"
                        "stxdw [%r10-8], %r2\n"
                        "ldxb %r4, [%r1]\n"
                        "lddw %r3, 0x123456789\n"
                        "exit\n"),
            (std::vector<Instruction>{
                at_slot(make(Op::mov64_imm, 0, 0, 0, 1), 0),
                at_slot(make(Op::add32_reg, 1, 2), 1),
                at_slot(make(Op::ldxw, 2, 1, -4), 2),
                at_slot(make(Op::stxdw, 10, 2, -8), 3),
                at_slot(make(Op::ldxb, 4, 1, 0), 4),
                at_slot(make(Op::lddw, 3, 0, 0, 0x23456789, 1), 5),
                at_slot(make(Op::exit), 7),
            }));
}

TEST(Assembler, SyntaxIsDetectedFromTheFirstUnambiguousLine) {
  // "exit" and "call 1" read the same in both syntaxes; line 3 decides.
  const std::vector<Instruction> program = assemble_ok("call 1\nexit\nmov %r0, 2\nexit\n");
  ASSERT_EQ(program.size(), 4U);
  EXPECT_EQ(program[2], at_slot(make(Op::mov64_imm, 0, 0, 0, 2), 2));
  // A forced syntax rejects the other.
  EXPECT_EQ(assemble_error("r0 = 1\n", Syntax::conformance),
            "prog.s:1:1: expected the conformance syntax, found the llvm syntax");
  EXPECT_EQ(assemble_error("exit\nmov32 %r1, 2\n", Syntax::llvm),
            "prog.s:2:1: expected the llvm syntax, found the conformance syntax");
}

TEST(Assembler, CommentsAndBlankLines) {
  EXPECT_EQ(assemble_ok("# a comment\n"
                        "\n"
                        "   ; another\n"
                        "r0 = 1 // trailing\n"
                        "r0 += 2 # trailing\n"
                        "  \t\n"
                        "exit ; done\r\n"),
            (std::vector<Instruction>{
                at_slot(make(Op::mov64_imm, 0, 0, 0, 1), 0),
                at_slot(make(Op::add64_imm, 0, 0, 0, 2), 1),
                at_slot(make(Op::exit), 2),
            }));
}

TEST(Assembler, Aliases) {
  EXPECT_EQ(*assemble_one("swap16 %r1", Syntax::conformance), make(Op::bswap16, 1));
  EXPECT_EQ(*assemble_one("swap32 %r2", Syntax::conformance), make(Op::bswap32, 2));
  EXPECT_EQ(*assemble_one("swap64 %r3", Syntax::conformance), make(Op::bswap64, 3));
  EXPECT_EQ(*assemble_one("call %r2", Syntax::conformance), make(Op::callx, 2));
  EXPECT_EQ(*assemble_one("callx %r2", Syntax::conformance), make(Op::callx, 2));
  // LLVM prints the 32-bit atomic add's source as rN without alu32 and wN with it.
  EXPECT_EQ(*assemble_one("lock *(u32 *)(r1 + 8) += r2", Syntax::llvm),
            make(Op::atomic32_add, 1, 2, 8));
  EXPECT_EQ(*assemble_one("lock *(u32 *)(r1 + 8) += w2", Syntax::llvm),
            make(Op::atomic32_add, 1, 2, 8));
}

TEST(Assembler, Numbers) {
  EXPECT_EQ(assemble_one("r0 = 0xffffffff", Syntax::llvm)->imm, -1);  // unsigned bit pattern
  EXPECT_EQ(assemble_one("r0 = -0x10", Syntax::llvm)->imm, -16);
  EXPECT_EQ(assemble_one("mov %r0, 4294967295", Syntax::conformance)->imm, -1);
  EXPECT_EQ(assemble_one("mov %r0, -2147483648", Syntax::conformance)->imm, INT32_MIN);
  EXPECT_EQ(assemble_one("r0 = -1 ll", Syntax::llvm)->imm64(), UINT64_MAX);
  EXPECT_EQ(assemble_one("r0 = 18446744073709551615 ll", Syntax::llvm)->imm64(), UINT64_MAX);
  EXPECT_EQ(assemble_one("r0 = -9223372036854775808 ll", Syntax::llvm)->imm64(),
            std::uint64_t{1} << 63);
  EXPECT_EQ(assemble_one("r1 = *(u8 *)(r2 + 32767)", Syntax::llvm)->off, INT16_MAX);
  EXPECT_EQ(assemble_one("ldxb %r1, [%r2-32768]", Syntax::conformance)->off, INT16_MIN);
  EXPECT_EQ(assemble_one("r0 = *(u16 *)skb[r1 - 2147483648]", Syntax::llvm)->imm, INT32_MIN);
  EXPECT_EQ(assemble_one("gotol -2147483648", Syntax::llvm)->imm, INT32_MIN);
}

// ---- Labels ----

TEST(Assembler, ForwardAndBackwardJumps) {
  const std::vector<Instruction> program = assemble_ok(
      "start: r0 = 0\n"
      "loop:\n"
      "  r0 += 1\n"
      "  if r0 > 10 goto done\n"
      "  r1 = 0x100000000 ll\n"  // two slots: the offsets count them
      "  if w0 != w1 goto loop\n"
      "  goto loop\n"
      "done:\n"
      "  gotol end\n"
      "  call start\n"
      "end: exit\n");
  ASSERT_EQ(program.size(), 9U);
  EXPECT_EQ(program[2].op, Op::jgt64_imm);
  EXPECT_EQ(program[2].off, 4);   // slot 2 -> done (slot 7)
  EXPECT_EQ(program[4].off, -5);  // slot 5 -> loop (slot 1)
  EXPECT_EQ(program[5].off, -6);  // slot 6 -> loop
  EXPECT_EQ(program[6].imm, 1);   // gotol, slot 7 -> end (slot 9)
  EXPECT_EQ(program[7].op, Op::call_local);
  EXPECT_EQ(program[7].imm, -9);  // slot 8 -> start (slot 0)
  EXPECT_TRUE(validate(program).ok());
}

TEST(Assembler, LocalCallsAndCodeAddresses) {
  const char* llvm =
      "r1 = code_addr(callee) ll\n"
      "call callee\n"
      "call pc+1\n"
      "exit\n"
      "callee:\n"
      "r0 = 7\n"
      "exit\n";
  const char* conformance =
      "lddw %r1, code_addr(callee)\n"
      "call local callee\n"
      "call local pc+1\n"
      "exit\n"
      "callee:\n"
      "mov %r0, 7\n"
      "exit\n";
  for (const char* source : {llvm, conformance}) {
    const std::vector<Instruction> program = assemble_ok(source);
    ASSERT_EQ(program.size(), 6U) << source;  // callee is slot 5
    EXPECT_EQ(program[0].op, Op::lddw_code_addr);
    EXPECT_EQ(program[0].imm, 4);  // counted from the lddw's second slot, like every target
    EXPECT_EQ(program[0].target(), 5);
    EXPECT_EQ(program[1].op, Op::call_local);
    EXPECT_EQ(program[1].target(), 5);
    EXPECT_EQ(program[2].target(), 5);
    EXPECT_TRUE(validate(program).ok()) << source;
  }
}

TEST(Assembler, LabelAtTheEndAndSeveralOnOneSlot) {
  const std::vector<Instruction> program = assemble_ok(
      "a: b: goto c\n"
      "exit\n"
      "c:\n");
  ASSERT_EQ(program.size(), 2U);
  EXPECT_EQ(program[0].off, 1);  // c is slot 2, just past the end
}

TEST(Assembler, ConformanceExitPseudoLabel) {
  // bpf_conformance programs jump to `exit` without defining it: the last exit instruction.
  const std::vector<Instruction> program = assemble_ok(
      "mov %r0, 1\n"
      "jeq %r1, 0, exit\n"
      "mov %r0, 2\n"
      "exit\n"
      "mov %r0, 3\n"
      "exit\n",
      Syntax::conformance);
  ASSERT_EQ(program.size(), 6U);
  EXPECT_EQ(program[1].target(), 5);
  // A label named exit wins.
  const std::vector<Instruction> defined = assemble_ok(
      "ja exit\n"
      "exit:\n"
      "mov %r0, 2\n"
      "exit\n",
      Syntax::conformance);
  EXPECT_EQ(defined[0].off, 0);
}

// ---- Errors ----

TEST(AssemblerErrors, UnknownInstruction) {
  EXPECT_EQ(assemble_error("r0 = 1\nfoo r1\n"), "prog.s:2:1: unknown instruction 'foo'");
  EXPECT_EQ(assemble_error("  frobnicate %r1, 2\n", Syntax::conformance),
            "prog.s:1:3: unknown instruction 'frobnicate'");
  EXPECT_EQ(assemble_error("5\n"), "prog.s:1:1: expected an instruction, found '5'");
}

TEST(AssemblerErrors, BadRegister) {
  EXPECT_EQ(assemble_error("r11 = 1\n"), "prog.s:1:1: expected a register r0-r10, found 'r11'");
  EXPECT_EQ(assemble_error("r1 = r11\n"), "prog.s:1:6: expected a register r0-r10, found 'r11'");
  EXPECT_EQ(assemble_error("w1 = w12\n"),
            "prog.s:1:6: expected a 32-bit register w0-w10, found 'w12'");
  EXPECT_EQ(assemble_error("r11 = 1\n", Syntax::conformance),
            "prog.s:1:1: expected an instruction, found 'r11'");
  EXPECT_EQ(assemble_error("mov %r11, 1\n"),
            "prog.s:1:5: expected a register %r0-%r10, found '%r11'");
  EXPECT_EQ(assemble_error("mov32 %r1, %r12\n"),
            "prog.s:1:12: expected a register %r0-%r10, found '%r12'");
  // A w register where an r register is expected, and the other way round.
  EXPECT_EQ(assemble_error("r1 += w2\n"), "prog.s:1:7: expected a register r0-r10, found 'w2'");
  EXPECT_EQ(assemble_error("*(u32 *)(r10 - 4) = w1\n"),
            "prog.s:1:21: expected a register r0-r10, found 'w1'");
  EXPECT_EQ(assemble_error("w1 += r2\n"),
            "prog.s:1:7: expected a 32-bit register w0-w10, found 'r2'");
  EXPECT_EQ(assemble_error("mov %r1, r2\n", Syntax::conformance),
            "prog.s:1:10: expected a register %r0-%r10, found 'r2'");
  // The same register twice where the form has one.
  EXPECT_EQ(assemble_error("r1 = be16 r2\n"),
            "prog.s:1:11: expected a register r0-r10, found 'r2'");
}

TEST(AssemblerErrors, FramePointerIsReadOnly) {
  // Found by the assembler fuzzer: the patterns accept r10 anywhere a register goes.
  EXPECT_EQ(assemble_error("r0 = 0\nr10 = r1\n"),
            "prog.s:2:1: r10 is the read-only frame pointer: mov64_reg cannot write it");
  EXPECT_EQ(assemble_error("o:\nmovsx1632 %r10, %r2\n", Syntax::conformance),
            "prog.s:2:1: r10 is the read-only frame pointer: movsx32_16 cannot write it");
  EXPECT_EQ(assemble_error("r10 = atomic_fetch_add((u64 *)(r1 + 0), r10)\n"),
            "prog.s:1:1: r10 is the read-only frame pointer: atomic64_fetch_add cannot write it");
  // Reading r10, and storing through it, are fine.
  EXPECT_TRUE(assemble("r1 = r10\n*(u64 *)(r10 - 8) = r1\nlock *(u64 *)(r10 - 8) += r1\n").ok());
}

TEST(AssemblerErrors, ImmediateOutOfRange) {
  EXPECT_EQ(assemble_error("r0 += 4294967296\n"),
            "prog.s:1:7: expected a 32-bit immediate (-2147483648 to 4294967295), found "
            "'4294967296'");
  EXPECT_EQ(assemble_error("add %r0, -2147483649\n"),
            "prog.s:1:10: expected a 32-bit immediate (-2147483648 to 4294967295), found "
            "'-2147483649'");
  EXPECT_EQ(assemble_error("*(u32 *)(r10 - 4) = 0x100000000\n"),
            "prog.s:1:21: expected a 32-bit immediate (-2147483648 to 4294967295), found "
            "'0x100000000'");
  // In the LLVM syntax a wide constant is an lddw, which wants its `ll`.
  EXPECT_EQ(assemble_error("r0 = 4294967296\n"), "prog.s:1:16: expected 'll', found end of line");
  EXPECT_EQ(assemble_error("lddw %r0, 0x1ffffffffffffffff\n"),
            "prog.s:1:11: expected a 64-bit immediate, found '0x1ffffffffffffffff'");
  EXPECT_EQ(assemble_error("r0 = 0x\n"),
            "prog.s:1:6: expected a 32-bit immediate or a 64-bit immediate, found '0x'");
}

TEST(AssemblerErrors, OffsetOutOfRange) {
  EXPECT_EQ(assemble_error("r0 = *(u32 *)(r1 + 32768)\n"),
            "prog.s:1:18: expected an offset from -32768 to +32767, found '+ 32768'");
  EXPECT_EQ(assemble_error("ldxw %r0, [%r1-32769]\n"),
            "prog.s:1:15: expected an offset from -32768 to +32767, found '-32769'");
  EXPECT_EQ(assemble_error("goto +32768\n"),
            "prog.s:1:6: expected a jump offset from -32768 to +32767, found '+32768'");
  EXPECT_EQ(assemble_error("jeq %r1, 0, -32769\n"),
            "prog.s:1:13: expected a jump offset from -32768 to +32767, found '-32769'");
  EXPECT_EQ(assemble_error("call pc+2147483648\n"),
            "prog.s:1:8: expected a call offset from pc-2147483648 to pc+2147483647, found "
            "'+2147483648'");
  EXPECT_EQ(assemble_error("r1 = *(u64 *)(r2 + 0x)\n"),
            "prog.s:1:18: expected an offset (+N or -N), found '+ 0x'");
}

TEST(AssemblerErrors, Labels) {
  EXPECT_EQ(assemble_error("goto nowhere\nexit\n"), "prog.s:1:6: undefined label 'nowhere'");
  EXPECT_EQ(assemble_error("a: r0 = 0\nexit\na:\n"),
            "prog.s:3:1: label 'a' is already defined on line 1");
  EXPECT_EQ(assemble_error("call missing\n"), "prog.s:1:6: undefined label 'missing'");
  EXPECT_EQ(assemble_error("r1 = code_addr(gone) ll\n"), "prog.s:1:16: undefined label 'gone'");
  // Registers are not labels.
  EXPECT_EQ(assemble_error("if r1 > r2 goto r3\n"),
            "prog.s:1:17: expected a jump offset (+N, -N) or a label, found 'r3'");
}

TEST(AssemblerErrors, JumpTooFarForSixteenBits) {
  std::string body;
  for (int i = 0; i < 40000; ++i) body += "r0 += 1\n";
  body += "far: exit\n";
  EXPECT_EQ(assemble_error("if r1 == 0 goto far\n" + body),
            "prog.s:1:17: label 'far' is 40000 slots away, beyond the 16-bit jump offset (use "
            "gotol)");
  EXPECT_EQ(assemble_error("r0 = 0\ngoto far\n" + body),
            "prog.s:2:6: label 'far' is 40000 slots away, beyond the 16-bit jump offset (use "
            "gotol)");
  // Backwards too.
  EXPECT_EQ(assemble_error("back: " + body + "goto back\n"),
            "prog.s:40002:6: label 'back' is -40002 slots away, beyond the 16-bit jump offset "
            "(use gotol)");
  // gotol has 32 bits.
  const std::vector<Instruction> program = assemble_ok("gotol far\n" + body);
  ASSERT_FALSE(program.empty());
  EXPECT_EQ(program[0].op, Op::gotol);
  EXPECT_EQ(program[0].imm, 40000);
}

TEST(AssemblerErrors, StrayCharacters) {
  EXPECT_EQ(assemble_error("r0 = 1 $\n"), "prog.s:1:8: expected end of line or 'll', found '$'");
  EXPECT_EQ(assemble_error("r0 = 1 )\n"), "prog.s:1:8: expected end of line or 'll', found ')'");
  EXPECT_EQ(assemble_error("exit extra\n"), "prog.s:1:6: expected end of line, found 'extra'");
  EXPECT_EQ(assemble_error("$r0 = 1\n"), "prog.s:1:1: expected an instruction, found '$'");
  EXPECT_EQ(assemble_error("mov %r0, @1\n"),
            "prog.s:1:10: expected a 32-bit immediate or a register %r0-%r10, found '@'");
  EXPECT_EQ(assemble_error("r0 = 1\nr1 = *(u32 *)[r1 + 0]\n"),
            "prog.s:2:14: expected '(', found '['");
}

TEST(AssemblerErrors, MissingOperands) {
  EXPECT_EQ(assemble_error("if r1 > 2 goto\n"),
            "prog.s:1:15: expected a jump offset (+N, -N) or a label, found end of line");
  EXPECT_EQ(assemble_error("mov %r0,\n"),
            "prog.s:1:9: expected a 32-bit immediate or a register %r0-%r10, found end of line");
  EXPECT_EQ(assemble_error("r1 foo 2\n"),
            "prog.s:1:4: expected '+=', '-=', '*=', '/=', 's', '|=' or ..., found 'foo'");
}

TEST(AssemblerErrors, MixedSyntaxes) {
  EXPECT_EQ(assemble_error("exit\nr0 = 1\nmov %r0, 1\n"),
            "prog.s:3:1: expected the llvm syntax (as on line 2), found the conformance syntax");
  EXPECT_EQ(assemble_error("mov %r0, 1\nr0 = 1\n"),
            "prog.s:2:1: expected the conformance syntax (as on line 1), found the llvm syntax");
}

TEST(AssemblerErrors, AssembleOneWantsOneInstruction) {
  Result<Instruction> two = assemble_one("r0 = 1\nexit", Syntax::llvm);
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().to_string(), "expected exactly one instruction");
  Result<Instruction> bad = assemble_one("r0 = ", Syntax::llvm);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().to_string(),
            "line 1:6: expected a 32-bit immediate, a register r0-r10, a 64-bit immediate, '-', "
            "'(', 'le16' or ..., found end of line");
}

}  // namespace
}  // namespace xbpf::isa
