// Representative instructions for every row of the opcode table: each field the row's form
// uses takes several values (registers low and high, zero, ±1, typical and extreme offsets and
// immediates), fields it does not use stay zero, so every sample decodes back to itself.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "isa/instruction.h"
#include "isa/opcode.h"

namespace xbpf::test {

inline constexpr std::int32_t kImmediates[] = {0, 1, -1, 42, -4096, 65535, INT32_MAX, INT32_MIN};
inline constexpr std::int16_t kOffsets[] = {0, 1, -1, 16, -512, INT16_MAX, INT16_MIN};
inline constexpr std::int64_t kWideImmediates[] = {
    0, 1, -1, 0x123456789abcdef0, INT32_MAX, std::int64_t{INT32_MAX} + 1, INT64_MAX, INT64_MIN};

inline std::vector<isa::Instruction> instruction_samples(const isa::OpInfo& row) {
  using isa::Form;
  std::vector<isa::Instruction> out;
  auto add = [&](std::uint8_t dst, std::uint8_t src, std::int16_t off, std::int32_t imm,
                 std::int32_t next_imm = 0) {
    out.push_back(isa::make(row.op, dst, src, off, imm, next_imm));
  };
  // dst registers: r10 only where the form does not write it.
  const bool writes = isa::writes_dst(row.form, row.sem);
  const std::vector<std::uint8_t> dsts =
      writes ? std::vector<std::uint8_t>{0, 1, 9} : std::vector<std::uint8_t>{0, 1, 10};
  const std::uint8_t srcs[] = {0, 2, 10};
  switch (row.form) {
    case Form::alu_imm:
    case Form::cond_imm:
      for (std::uint8_t dst : dsts) {
        for (std::int32_t imm : kImmediates) {
          add(dst, 0, row.form == Form::cond_imm ? kOffsets[(imm & 0xff) % 7] : 0, imm);
        }
      }
      if (row.form == Form::cond_imm) {
        for (std::int16_t off : kOffsets) add(3, 0, off, 7);
      }
      break;
    case Form::alu_reg:
    case Form::cond_reg:
      for (std::uint8_t dst : dsts) {
        for (std::uint8_t src : srcs) add(dst, src, 0, 0);
      }
      if (row.form == Form::cond_reg) {
        for (std::int16_t off : kOffsets) add(4, 5, off, 0);
      }
      break;
    case Form::alu_movsx:
      for (std::uint8_t dst : dsts) {
        for (std::uint8_t src : srcs) add(dst, src, 0, 0);
      }
      break;
    case Form::alu_neg:
    case Form::byteswap:
    case Form::callx:
      for (std::uint8_t dst : dsts) add(dst, 0, 0, 0);
      break;
    case Form::jump:
      for (std::int16_t off : kOffsets) add(0, 0, off, 0);
      break;
    case Form::jump_long:
    case Form::call_helper:
    case Form::call_local:
    case Form::call_btf:
    case Form::ld_abs:
      for (std::int32_t imm : kImmediates) add(0, 0, 0, imm);
      break;
    case Form::exit: add(0, 0, 0, 0); break;
    case Form::lddw:
      if (row.sem == isa::Sem::imm64) {
        for (std::uint8_t dst : dsts) {
          for (std::int64_t value : kWideImmediates) {
            const auto bits = static_cast<std::uint64_t>(value);
            add(dst, 0, 0, static_cast<std::int32_t>(static_cast<std::uint32_t>(bits)),
                static_cast<std::int32_t>(static_cast<std::uint32_t>(bits >> 32)));
          }
        }
      } else {
        const bool has_next = row.sem == isa::Sem::map_val_fd || row.sem == isa::Sem::map_val_idx;
        for (std::uint8_t dst : dsts) {
          for (std::int32_t imm : {0, 1, 5, -1, INT32_MAX, INT32_MIN}) {
            add(dst, 0, 0, imm, has_next ? imm / 2 - 3 : 0);
          }
        }
      }
      break;
    case Form::ld_ind:
      for (std::uint8_t src : srcs) {
        for (std::int32_t imm : kImmediates) add(0, src, 0, imm);
      }
      break;
    case Form::ldx:
      for (std::uint8_t dst : dsts) {
        for (std::uint8_t src : srcs) {
          for (std::int16_t off : kOffsets) add(dst, src, off, 0);
        }
      }
      break;
    case Form::st:
      for (std::uint8_t dst : dsts) {
        for (std::int16_t off : kOffsets) add(dst, 0, off, kImmediates[(off & 0xff) % 8]);
      }
      for (std::int32_t imm : kImmediates) add(10, 0, -8, imm);
      break;
    case Form::stx:
    case Form::atomic: {
      // The fetching atomics and xchg write the old value to src, so src may not be r10.
      const bool writes_src = row.form == Form::atomic && (row.match_value & 0x01) != 0 &&
                              row.sem != isa::Sem::atomic_cmpxchg;
      const std::uint8_t atomic_srcs[] = {0, 2, 9};
      for (std::uint8_t dst : dsts) {
        for (std::uint8_t src : writes_src ? atomic_srcs : srcs) {
          for (std::int16_t off : kOffsets) add(dst, src, off, 0);
        }
      }
      break;
    }
  }
  return out;
}

// Every sample of every row.
inline std::vector<isa::Instruction> all_instruction_samples() {
  std::vector<isa::Instruction> out;
  for (const isa::OpInfo& row : isa::all_ops()) {
    for (const isa::Instruction& insn : instruction_samples(row)) out.push_back(insn);
  }
  return out;
}

}  // namespace xbpf::test
