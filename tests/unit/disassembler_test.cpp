// The printer (isa::format) and the listing (isa::disassemble): the exact text of every form in
// both syntaxes, llvm-objdump-style listings, and assemble(format(insn)) == insn for every row
// of the opcode table with representative field values.
#include "isa/disassembler.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "instruction_samples.h"
#include "isa/assembler.h"
#include "isa/instruction.h"
#include "isa/pattern.h"
#include "isa/syntax.h"

namespace xbpf::isa {
namespace {

struct Golden {
  Instruction insn;
  const char* llvm;
  const char* conformance;
};

// One or more of every form, as llvm-objdump -d (LLVM 19) and the bpf_conformance suite write
// them (the LLVM texts were checked against llvm-objdump-19; see disasm_objdump_test.cpp).
const std::vector<Golden>& goldens() {
  static const std::vector<Golden> list = {
      {make(Op::add64_imm, 2, 0, 0, -4), "r2 += -4", "add %r2, -4"},
      {make(Op::add32_reg, 9, 1), "w9 += w1", "add32 %r9, %r1"},
      {make(Op::mov32_imm, 1, 0, 0, INT32_MIN), "w1 = -2147483648", "mov32 %r1, -2147483648"},
      {make(Op::mov64_imm, 0, 0, 0, INT32_MAX), "r0 = 2147483647", "mov %r0, 2147483647"},
      {make(Op::mov64_reg, 6, 1), "r6 = r1", "mov %r6, %r1"},
      {make(Op::lsh32_imm, 9, 0, 0, 8), "w9 <<= 8", "lsh32 %r9, 8"},
      {make(Op::arsh64_reg, 2, 3), "r2 s>>= r3", "arsh %r2, %r3"},
      {make(Op::sdiv64_imm, 2, 0, 0, -7), "r2 s/= -7", "sdiv %r2, -7"},
      {make(Op::smod32_reg, 3, 1), "w3 s%= w1", "smod32 %r3, %r1"},
      {make(Op::mod64_imm, 3, 0, 0, 13), "r3 %= 13", "mod %r3, 13"},
      {make(Op::neg32, 2), "w2 = -w2", "neg32 %r2"},
      {make(Op::neg64, 7), "r7 = -r7", "neg %r7"},
      {make(Op::movsx32_16, 1, 2), "w1 = (s16)w2", "movsx1632 %r1, %r2"},
      {make(Op::movsx64_32, 0, 5), "r0 = (s32)r5", "movsx3264 %r0, %r5"},
      {make(Op::le32, 4), "r4 = le32 r4", "le32 %r4"},
      {make(Op::be16, 1), "r1 = be16 r1", "be16 %r1"},
      {make(Op::bswap64, 1), "r1 = bswap64 r1", "bswap64 %r1"},
      {make(Op::ja, 0, 0, -1), "goto -1", "ja -1"},
      {make(Op::ja, 0, 0, 0), "goto +0", "ja +0"},
      {make(Op::gotol, 0, 0, 0, 25213), "gotol +25213", "ja32 +25213"},
      {make(Op::jeq64_imm, 1, 0, 3, -1), "if r1 == -1 goto +3", "jeq %r1, -1, +3"},
      {make(Op::jset64_reg, 1, 2, 7), "if r1 & r2 goto +7", "jset %r1, %r2, +7"},
      {make(Op::jgt32_imm, 7, 0, 1, 1500), "if w7 > 1500 goto +1", "jgt32 %r7, 1500, +1"},
      {make(Op::jslt32_reg, 1, 2, -5), "if w1 s< w2 goto -5", "jslt32 %r1, %r2, -5"},
      {make(Op::jsle64_imm, 1, 0, INT16_MIN, 0), "if r1 s<= 0 goto -32768", "jsle %r1, 0, -32768"},
      {make(Op::call_helper, 0, 0, 0, 1), "call 1", "call 1"},
      {make(Op::call_local, 0, 0, 0, -1), "call pc-1", "call local pc-1"},
      {make(Op::call_local, 0, 0, 0, 20), "call pc+20", "call local pc+20"},
      {make(Op::call_btf, 0, 0, 0, 7), "call btf_id 7", "call btf_id 7"},
      {make(Op::callx, 2), "callx r2", "callx %r2"},
      {make(Op::exit), "exit", "exit"},
      {make(Op::lddw, 1, 0, 0, -1, -1), "r1 = -1 ll", "lddw %r1, 0xffffffffffffffff"},
      {make(Op::lddw, 1, 0, 0, 7, -3), "r1 = -12884901881 ll", "lddw %r1, 0xfffffffd00000007"},
      {make(Op::lddw, 2, 0, 0, 0, INT32_MIN), "r2 = -9223372036854775808 ll",
       "lddw %r2, 0x8000000000000000"},
      {make(Op::lddw, 2, 0, 0, -1, INT32_MAX), "r2 = 9223372036854775807 ll",
       "lddw %r2, 0x7fffffffffffffff"},
      {make(Op::lddw_map_fd, 1, 0, 0, 5), "r1 = map_by_fd(5) ll", "lddw %r1, map_by_fd(5)"},
      {make(Op::lddw_map_value_fd, 1, 0, 0, 5, 16), "r1 = map_val(map_by_fd(5)) + 16 ll",
       "lddw %r1, map_val(map_by_fd(5)) + 16"},
      {make(Op::lddw_var_addr, 3, 0, 0, 2), "r3 = var_addr(2) ll", "lddw %r3, var_addr(2)"},
      {make(Op::lddw_code_addr, 3, 0, 0, 4), "r3 = code_addr(pc+4) ll",
       "lddw %r3, code_addr(pc+4)"},
      {make(Op::lddw_map_idx, 1, 0, 0, 0), "r1 = map_by_idx(0) ll", "lddw %r1, map_by_idx(0)"},
      {make(Op::lddw_map_value_idx, 2, 0, 0, 3, -8), "r2 = map_val(map_by_idx(3)) + -8 ll",
       "lddw %r2, map_val(map_by_idx(3)) + -8"},
      {make(Op::ldabsh, 0, 0, 0, 12), "r0 = *(u16 *)skb[12]", "ldabsh 12"},
      {make(Op::ldindb, 0, 3, 0, 0), "r0 = *(u8 *)skb[r3]", "ldindb %r3, 0"},
      {make(Op::ldindw, 0, 3, 0, -4), "r0 = *(u32 *)skb[r3 - 4]", "ldindw %r3, -4"},
      {make(Op::ldxdw, 0, 10, -8), "r0 = *(u64 *)(r10 - 8)", "ldxdw %r0, [%r10-8]"},
      {make(Op::ldxb, 0, 1, 0), "r0 = *(u8 *)(r1 + 0)", "ldxb %r0, [%r1]"},
      {make(Op::ldxh, 0, 1, INT16_MIN), "r0 = *(u16 *)(r1 - 32768)", "ldxh %r0, [%r1-32768]"},
      {make(Op::ldxsh, 2, 1, 2), "r2 = *(s16 *)(r1 + 2)", "ldxsh %r2, [%r1+2]"},
      {make(Op::stw, 10, 0, -20, -70000), "*(u32 *)(r10 - 20) = -70000", "stw [%r10-20], -70000"},
      {make(Op::stb, 10, 0, -24, 253), "*(u8 *)(r10 - 24) = 253", "stb [%r10-24], 253"},
      {make(Op::stxw, 10, 1, -4), "*(u32 *)(r10 - 4) = r1", "stxw [%r10-4], %r1"},
      {make(Op::stxdw, 0, 2, INT16_MAX), "*(u64 *)(r0 + 32767) = r2", "stxdw [%r0+32767], %r2"},
      {make(Op::atomic32_add, 2, 1, 0), "lock *(u32 *)(r2 + 0) += r1", "lock add32 [%r2], %r1"},
      {make(Op::atomic32_or, 1, 2, 16), "lock *(u32 *)(r1 + 16) |= w2", "lock or32 [%r1+16], %r2"},
      {make(Op::atomic64_xor, 1, 2, 24), "lock *(u64 *)(r1 + 24) ^= r2", "lock xor [%r1+24], %r2"},
      {make(Op::atomic32_fetch_add, 1, 2, 40), "w2 = atomic_fetch_add((u32 *)(r1 + 40), w2)",
       "lock fetch add32 [%r1+40], %r2"},
      {make(Op::atomic64_fetch_and, 1, 4, 24), "r4 = atomic_fetch_and((u64 *)(r1 + 24), r4)",
       "lock fetch and [%r1+24], %r4"},
      {make(Op::atomic32_xchg, 1, 0, 20), "w0 = xchg32_32(r1 + 20, w0)",
       "lock xchg32 [%r1+20], %r0"},
      {make(Op::atomic64_xchg, 1, 3, 32), "r3 = xchg_64(r1 + 32, r3)", "lock xchg [%r1+32], %r3"},
      {make(Op::atomic32_cmpxchg, 1, 7, 20), "w0 = cmpxchg32_32(r1 + 20, w0, w7)",
       "lock cmpxchg32 [%r1+20], %r7"},
      {make(Op::atomic64_cmpxchg, 6, 7, 0), "r0 = cmpxchg_64(r6 + 0, r0, r7)",
       "lock cmpxchg [%r6], %r7"},
  };
  return list;
}

TEST(Format, GoldenTextInBothSyntaxes) {
  for (const Golden& golden : goldens()) {
    EXPECT_EQ(format(golden.insn, Syntax::llvm), golden.llvm) << golden.insn.info().name;
    EXPECT_EQ(format(golden.insn, Syntax::conformance), golden.conformance)
        << golden.insn.info().name;
  }
}

TEST(Format, GoldensCoverEveryForm) {
  std::set<Form> forms;
  for (const Golden& golden : goldens()) forms.insert(golden.insn.info().form);
  for (const OpInfo& row : all_ops()) {
    EXPECT_EQ(forms.count(row.form), 1U) << "no golden text for form " << form_name(row.form);
  }
}

TEST(Format, GoldenTextAssemblesBack) {
  for (const Golden& golden : goldens()) {
    for (Syntax syntax : {Syntax::llvm, Syntax::conformance}) {
      const char* text = syntax == Syntax::llvm ? golden.llvm : golden.conformance;
      Result<Instruction> back = assemble_one(text, syntax);
      ASSERT_TRUE(back.ok()) << text << ": " << back.error().to_string();
      EXPECT_EQ(*back, golden.insn) << text;
    }
  }
}

// Every pattern of the table uses only placeholders the printer knows, and only those that
// match its form's fields.
TEST(Format, PatternsUseKnownPlaceholders) {
  for (const detail::Pattern& pattern : detail::patterns()) {
    for (const detail::Token& token : pattern.tokens) {
      if (token.kind != detail::TokenKind::placeholder) continue;
      EXPECT_NE(token.placeholder, detail::Placeholder::none)
          << info(pattern.op).name << " " << syntax_name(pattern.syntax);
    }
  }
}

// assemble(format(insn)) == insn for every sample of every row, in both syntaxes; and the
// samples survive encode/decode.
TEST(RoundTrip, EveryFormInBothSyntaxes) {
  std::size_t checked = 0;
  for (const OpInfo& row : all_ops()) {
    const std::vector<Instruction> samples = test::instruction_samples(row);
    ASSERT_FALSE(samples.empty()) << row.name;
    for (const Instruction& insn : samples) {
      const std::vector<std::uint8_t> bytes = encode(std::span(&insn, 1));
      Result<std::vector<Instruction>> decoded = decode(bytes);
      ASSERT_TRUE(decoded.ok()) << row.name << ": " << decoded.error().to_string();
      ASSERT_EQ(decoded->size(), 1U);
      EXPECT_EQ(decoded->front(), insn) << row.name;
      for (Syntax syntax : {Syntax::llvm, Syntax::conformance}) {
        const std::string text = format(insn, syntax);
        Result<Instruction> back = assemble_one(text, syntax);
        ASSERT_TRUE(back.ok()) << row.name << " '" << text << "': " << back.error().to_string();
        EXPECT_EQ(*back, insn) << row.name << " '" << text << "'";
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 2 * kOpCount);
}

// The text of a form is unique: no two different instructions print the same.
TEST(RoundTrip, TextIsUniquePerInstruction) {
  for (Syntax syntax : {Syntax::llvm, Syntax::conformance}) {
    std::set<std::string> seen;
    std::set<std::tuple<Op, int, int, int, int, int>> encodings;
    for (const Instruction& insn : test::all_instruction_samples()) {
      if (!encodings.insert({insn.op, insn.dst, insn.src, insn.off, insn.imm, insn.next_imm})
               .second) {
        continue;  // the same sample twice
      }
      EXPECT_TRUE(seen.insert(format(insn, syntax)).second)
          << format(insn, syntax) << " (" << insn.info().name << ")";
    }
  }
}

// A whole program: every sample, printed as source (no addresses) and assembled back.
TEST(RoundTrip, WholeProgramListing) {
  std::vector<Instruction> program = test::all_instruction_samples();
  std::uint32_t slot = 0;
  for (Instruction& insn : program) {
    insn.slot = slot;
    slot += insn.slots();
  }
  for (Syntax syntax : {Syntax::llvm, Syntax::conformance}) {
    ListingOptions options;
    options.syntax = syntax;
    options.addresses = false;
    options.symbols = {{0, "start"}, {17, "middle"}, {slot - 1, "last"}};
    AssembleOptions assemble_options;
    assemble_options.syntax = syntax;
    Result<std::vector<Instruction>> back =
        assemble(disassemble(program, options), assemble_options);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(*back, program);
  }
}

std::vector<Instruction> with_slots(std::vector<Instruction> program) {
  std::uint32_t slot = 0;
  for (Instruction& insn : program) {
    insn.slot = slot;
    slot += insn.slots();
  }
  return program;
}

const std::vector<Instruction>& sample_program() {
  static const std::vector<Instruction> program = with_slots({
      make(Op::mov64_imm, 0, 0, 0, 0),
      make(Op::jeq64_imm, 1, 0, 2, 0),
      make(Op::lddw, 1, 0, 0, -1, -1),
      make(Op::call_local, 0, 0, 0, 1),
      make(Op::exit),
      make(Op::mov64_imm, 0, 0, 0, 1),
      make(Op::ja, 0, 0, -3),
  });
  return program;
}

TEST(Listing, LikeLlvmObjdump) {
  ListingOptions options;
  options.section_name = "xdp";
  options.symbols = {{6, "LBB0_3"}, {0, "prog"}};
  EXPECT_EQ(disassemble(sample_program(), options),
            "0000000000000000 <prog>:\n"
            "       0:\tb7 00 00 00 00 00 00 00\tr0 = 0\n"
            "       1:\t15 01 02 00 00 00 00 00\tif r1 == 0 goto +2 <prog+0x20>\n"
            "       2:\t18 01 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff\tr1 = -1 ll\n"
            "       4:\t85 10 00 00 01 00 00 00\tcall pc+1\n"
            "       5:\t95 00 00 00 00 00 00 00\texit\n"
            "\n"
            "0000000000000030 <LBB0_3>:\n"
            "       6:\tb7 00 00 00 01 00 00 00\tr0 = 1\n"
            "       7:\t05 00 fd ff 00 00 00 00\tgoto -3 <prog+0x28>\n");
}

TEST(Listing, SectionNameWhenNoSymbolPrecedes) {
  ListingOptions options;
  options.section_name = "xdp";
  EXPECT_EQ(
      disassemble(std::vector<Instruction>(sample_program().begin(), sample_program().begin() + 2),
                  options),
      "0000000000000000 <xdp>:\n"
      "       0:\tb7 00 00 00 00 00 00 00\tr0 = 0\n"
      "       1:\t15 01 02 00 00 00 00 00\tif r1 == 0 goto +2 <xdp+0x20>\n");
}

TEST(Listing, RelocatedCallsByName) {
  ListingOptions options;
  options.symbols = {{0, "prog"}};
  options.call_names = {{4, "helper_fn"}};
  const std::string llvm = disassemble(sample_program(), options);
  EXPECT_NE(llvm.find("\tcall helper_fn\n"), std::string::npos) << llvm;
  options.syntax = Syntax::conformance;
  const std::string conformance = disassemble(sample_program(), options);
  EXPECT_NE(conformance.find("\tcall local helper_fn\n"), std::string::npos) << conformance;
  // No annotations in the conformance syntax: its assembler would not read them.
  EXPECT_NE(conformance.find("\tjeq %r1, 0, +2\n"), std::string::npos) << conformance;
}

TEST(Listing, SourceWithoutAddresses) {
  ListingOptions options;
  options.addresses = false;
  options.symbols = {{0, "prog"}, {6, "again"}};
  const std::string text = disassemble(sample_program(), options);
  EXPECT_EQ(text,
            "prog:\n"
            "\tr0 = 0\n"
            "\tif r1 == 0 goto +2\n"
            "\tr1 = -1 ll\n"
            "\tcall pc+1\n"
            "\texit\n"
            "again:\n"
            "\tr0 = 1\n"
            "\tgoto -3\n");
  Result<std::vector<Instruction>> back = assemble(text);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, sample_program());
}

TEST(Listing, EmptyProgram) { EXPECT_EQ(disassemble({}, ListingOptions{}), ""); }

}  // namespace
}  // namespace xbpf::isa
