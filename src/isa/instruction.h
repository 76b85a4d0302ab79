// Typed eBPF instructions: decoded once from bytes, encoded back exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "isa/opcode.h"
#include "support/error.h"

namespace xbpf::isa {

inline constexpr std::size_t kSlotSize = 8;    // bytes per instruction slot
inline constexpr std::uint8_t kRegCount = 11;  // r0..r10
inline constexpr std::uint8_t kFramePointer = 10;

// A decoded instruction. `op` names the exact row of the opcode table, so consumers switch on
// it (or on info(op).form / .sem) and never look at the opcode byte again.
struct Instruction {
  Op op{};
  std::uint8_t dst = 0;
  std::uint8_t src = 0;
  std::int16_t off = 0;
  std::int32_t imm = 0;
  std::int32_t next_imm = 0;  // second immediate of lddw
  std::uint32_t slot = 0;     // index of the instruction's first 8-byte slot

  [[nodiscard]] const OpInfo& info() const { return isa::info(op); }
  [[nodiscard]] std::uint32_t slots() const { return is_wide(info().form) ? 2 : 1; }
  // The 64-bit immediate of lddw (next_imm:imm).
  [[nodiscard]] std::uint64_t imm64() const {
    return static_cast<std::uint32_t>(imm) |
           (static_cast<std::uint64_t>(static_cast<std::uint32_t>(next_imm)) << 32);
  }
  // Slot index of a branch or local-call target (relative to the following slot).
  [[nodiscard]] std::int64_t target() const;

  bool operator==(const Instruction&) const = default;
};

// Build an instruction with the fields that select `op` already set (src for call/lddw kinds,
// off for sdiv/smod/movsx, imm for byte swaps and atomics).
Instruction make(Op op, std::uint8_t dst = 0, std::uint8_t src = 0, std::int16_t off = 0,
                 std::int32_t imm = 0, std::int32_t next_imm = 0);

// Decodes every instruction of a raw program (little-endian, a multiple of 8 bytes). Checks
// each instruction on its own: known opcode, registers in range, reserved fields zero, r10
// not written, lddw not truncated. Program-level rules are validate()'s.
Result<std::vector<Instruction>> decode(std::span<const std::uint8_t> bytes);

// The rules one instruction must follow on its own: registers r0 to r10, the fields its form
// does not use zero, r10 never written. decode(), validate() and the assembler apply them.
Status check_instruction(const Instruction& insn);

// Program-level rules: check_instruction() for each; non-empty; jump and call targets inside
// the program and not in the middle of an lddw; the last instruction exit or an
// unconditional jump.
Status validate(std::span<const Instruction> program);

// decode() then validate().
Result<std::vector<Instruction>> decode_and_validate(std::span<const std::uint8_t> bytes);

void encode(const Instruction& insn, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encode(std::span<const Instruction> program);

// Total number of slots in a program.
std::uint32_t slot_count(std::span<const Instruction> program);

// Reads one little-endian 8-byte slot.
struct RawSlot {
  std::uint8_t opcode;
  std::uint8_t dst;
  std::uint8_t src;
  std::int16_t off;
  std::int32_t imm;
};
RawSlot read_slot(std::span<const std::uint8_t> bytes, std::size_t slot);

}  // namespace xbpf::isa
