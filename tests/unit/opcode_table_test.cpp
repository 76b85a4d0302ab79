// The opcode table is internally consistent: every row decodes to itself, no two rows claim
// the same encoding, and every row's patterns name only the fields its form uses.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "isa/instruction.h"
#include "isa/opcode.h"

namespace xbpf::isa {
namespace {

TEST(OpcodeTable, CoversRfc9669) {
  // 37 ALU32 + 35 ALU64 + 2 unconditional + 44 conditional jumps + 5 calls/exit + 7 lddw +
  // 6 legacy packet loads + 7 loads + 8 stores + 20 atomics.
  EXPECT_EQ(kOpCount, 171U);
}

TEST(OpcodeTable, EnumOrderMatchesRows) {
  for (std::size_t i = 0; i < kOpCount; ++i) {
    EXPECT_EQ(static_cast<std::size_t>(all_ops()[i].op), i) << all_ops()[i].name;
  }
}

TEST(OpcodeTable, EncodingsAreUnique) {
  std::set<std::tuple<int, int, int>> seen;
  for (const OpInfo& row : all_ops()) {
    const auto key = std::make_tuple(row.opcode, static_cast<int>(row.match), row.match_value);
    EXPECT_TRUE(seen.insert(key).second) << row.name << " repeats an encoding";
  }
}

TEST(OpcodeTable, SharedOpcodesAreDistinguishedByOneField) {
  for (const OpInfo& a : all_ops()) {
    for (const OpInfo& b : all_ops()) {
      if (a.op == b.op || a.opcode != b.opcode) continue;
      EXPECT_EQ(a.match, b.match) << a.name << " and " << b.name;
      EXPECT_NE(a.match, Match::none) << a.name << " and " << b.name;
    }
  }
}

TEST(OpcodeTable, EveryRowDecodesToItself) {
  for (const OpInfo& row : all_ops()) {
    const bool uses_dst = row.form != Form::jump && row.form != Form::jump_long &&
                          row.form != Form::exit && row.form != Form::call_helper &&
                          row.form != Form::call_local && row.form != Form::call_btf &&
                          row.form != Form::ld_abs && row.form != Form::ld_ind;
    const Instruction insn = make(row.op, uses_dst ? 1 : 0);
    const std::vector<std::uint8_t> bytes = encode(std::span(&insn, 1));
    Result<std::vector<Instruction>> decoded = decode(bytes);
    ASSERT_TRUE(decoded.ok()) << row.name << ": " << decoded.error().to_string();
    ASSERT_EQ(decoded->size(), 1U);
    EXPECT_EQ(decoded->front().op, row.op) << row.name;
    EXPECT_EQ(decoded->front(), insn) << row.name;
  }
}

TEST(OpcodeTable, ClassMatchesForm) {
  for (const OpInfo& row : all_ops()) {
    const int klass = row.opcode & 0x07;
    switch (row.form) {
      case Form::alu_imm:
      case Form::alu_reg:
      case Form::alu_neg:
      case Form::alu_movsx:
        EXPECT_EQ(klass, row.width == 64 ? kClassAlu64 : kClassAlu) << row.name;
        break;
      case Form::cond_imm:
      case Form::cond_reg:
        EXPECT_EQ(klass, row.width == 64 ? kClassJmp : kClassJmp32) << row.name;
        break;
      case Form::ldx: EXPECT_EQ(klass, kClassLdx) << row.name; break;
      case Form::st: EXPECT_EQ(klass, kClassSt) << row.name; break;
      case Form::stx:
      case Form::atomic: EXPECT_EQ(klass, kClassStx) << row.name; break;
      case Form::lddw:
      case Form::ld_abs:
      case Form::ld_ind: EXPECT_EQ(klass, kClassLd) << row.name; break;
      default: break;
    }
  }
}

}  // namespace
}  // namespace xbpf::isa
