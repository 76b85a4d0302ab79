#include <array>
#include <cstdio>
#include <cstring>

#include "isa/instruction.h"

namespace xbpf::isa {
namespace {

std::string hex8(unsigned value) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", value & 0xffU);
  return buf;
}

// Rows grouped by opcode byte, for decoding.
struct OpcodeIndex {
  std::array<std::vector<Op>, 256> rows;
  OpcodeIndex() {
    for (const OpInfo& row : all_ops()) {
      rows[row.opcode].push_back(row.op);
    }
  }
};

const OpcodeIndex& opcode_index() {
  static const OpcodeIndex index;
  return index;
}

std::int32_t field_value(Match match, const RawSlot& raw) {
  switch (match) {
    case Match::src: return raw.src;
    case Match::off: return raw.off;
    case Match::imm: return raw.imm;
    case Match::none: return 0;
  }
  return 0;
}

std::string_view field_name(Match match) {
  switch (match) {
    case Match::src: return "src";
    case Match::off: return "offset";
    case Match::imm: return "imm";
    case Match::none: return "";
  }
  return "";
}

// Which fields a form leaves unused (they must be zero).
struct Unused {
  bool dst, src, off, imm;
};

Unused unused_fields(Form form) {
  switch (form) {
    case Form::alu_imm: return {false, true, false, false};
    case Form::alu_reg: return {false, false, false, true};
    case Form::alu_neg: return {false, true, true, true};
    case Form::alu_movsx: return {false, false, false, true};
    case Form::byteswap: return {false, true, true, false};
    case Form::jump: return {true, true, false, true};
    case Form::jump_long: return {true, true, true, false};
    case Form::cond_imm: return {false, true, false, false};
    case Form::cond_reg: return {false, false, false, true};
    case Form::call_helper:
    case Form::call_local:
    case Form::call_btf: return {true, false, true, false};
    case Form::callx: return {false, true, true, true};
    case Form::exit: return {true, true, true, true};
    case Form::lddw: return {false, false, true, false};
    case Form::ld_abs: return {true, true, true, false};
    case Form::ld_ind: return {true, false, true, false};
    case Form::ldx: return {false, false, false, true};
    case Form::st: return {false, true, false, false};
    case Form::stx: return {false, false, false, true};
    case Form::atomic: return {false, false, false, false};
  }
  return {};
}

Location at(std::size_t slot) {
  Location where;
  where.instruction = slot;
  return where;
}

Result<Op> find_row(const RawSlot& raw, std::size_t slot) {
  const std::vector<Op>& rows = opcode_index().rows[raw.opcode];
  if (rows.empty()) {
    return make_error("unknown opcode " + hex8(raw.opcode), at(slot));
  }
  for (Op op : rows) {
    const OpInfo& row = info(op);
    if (row.match == Match::none || field_value(row.match, raw) == row.match_value) {
      return op;
    }
  }
  // The opcode exists but the selecting field holds no known value: list the valid ones.
  const Match match = info(rows.front()).match;
  std::string expected;
  for (Op op : rows) {
    if (!expected.empty()) {
      expected += ", ";
    }
    expected += std::to_string(info(op).match_value);
  }
  return make_error("invalid " + std::string(field_name(match)) + " " +
                        std::to_string(field_value(match, raw)) + " for opcode " +
                        hex8(raw.opcode) + " (expected one of " + expected + ")",
                    at(slot));
}

}  // namespace

std::int64_t Instruction::target() const {
  const Form form = info().form;
  const std::int64_t delta =
      (form == Form::jump || form == Form::cond_imm || form == Form::cond_reg) ? off : imm;
  return static_cast<std::int64_t>(slot) + slots() + delta - (is_wide(form) ? 1 : 0);
}

Instruction make(Op op, std::uint8_t dst, std::uint8_t src, std::int16_t off, std::int32_t imm,
                 std::int32_t next_imm) {
  const OpInfo& row = info(op);
  Instruction insn{op, dst, src, off, imm, next_imm, 0};
  switch (row.match) {
    case Match::src: insn.src = static_cast<std::uint8_t>(row.match_value); break;
    case Match::off: insn.off = static_cast<std::int16_t>(row.match_value); break;
    case Match::imm: insn.imm = row.match_value; break;
    case Match::none: break;
  }
  return insn;
}

Status check_instruction(const Instruction& insn) {
  const OpInfo& row = insn.info();
  auto reserved = [&](std::string_view field, long long found) {
    return make_error("reserved field " + std::string(field) + " must be 0 in " +
                          std::string(row.name) + " (found " + std::to_string(found) + ")",
                      at(insn.slot));
  };
  const Unused unused = unused_fields(row.form);
  if (unused.dst && insn.dst != 0) return reserved("dst", insn.dst);
  if (unused.src && row.match != Match::src && insn.src != 0) return reserved("src", insn.src);
  if (unused.off && row.match != Match::off && insn.off != 0) return reserved("offset", insn.off);
  if (unused.imm && row.match != Match::imm && insn.imm != 0) return reserved("imm", insn.imm);
  if (!unused.dst && insn.dst >= kRegCount) {
    return make_error("bad register r" + std::to_string(insn.dst) + " in dst of " +
                          std::string(row.name) + " (registers are r0 to r10)",
                      at(insn.slot));
  }
  if (!unused.src && row.match != Match::src && insn.src >= kRegCount) {
    return make_error("bad register r" + std::to_string(insn.src) + " in src of " +
                          std::string(row.name) + " (registers are r0 to r10)",
                      at(insn.slot));
  }
  if ((insn.dst == kFramePointer && writes_dst(row.form, row.sem)) ||
      (insn.src == kFramePointer && writes_src(row.sem))) {
    return make_error(
        "r10 is the read-only frame pointer: " + std::string(row.name) + " cannot write it",
        at(insn.slot));
  }
  const bool second_immediate =
      row.sem == Sem::imm64 || row.sem == Sem::map_val_fd || row.sem == Sem::map_val_idx;
  if (insn.next_imm != 0 && !second_immediate) {
    Location where = at(insn.slot + 1);
    return make_error("reserved field next_imm must be 0 in " + std::string(row.name) + " (found " +
                          std::to_string(insn.next_imm) + ")",
                      where);
  }
  return {};
}

RawSlot read_slot(std::span<const std::uint8_t> bytes, std::size_t slot) {
  const std::uint8_t* p = bytes.data() + slot * kSlotSize;
  RawSlot raw{};
  raw.opcode = p[0];
  raw.dst = p[1] & 0x0f;
  raw.src = static_cast<std::uint8_t>(p[1] >> 4);
  raw.off = static_cast<std::int16_t>(static_cast<std::uint16_t>(p[2] | (p[3] << 8)));
  raw.imm = static_cast<std::int32_t>(
      static_cast<std::uint32_t>(p[4]) | (static_cast<std::uint32_t>(p[5]) << 8) |
      (static_cast<std::uint32_t>(p[6]) << 16) | (static_cast<std::uint32_t>(p[7]) << 24));
  return raw;
}

Result<std::vector<Instruction>> decode(std::span<const std::uint8_t> bytes) {
  if (bytes.size() % kSlotSize != 0) {
    Location where;
    where.byte_offset = bytes.size() - bytes.size() % kSlotSize;
    return make_error(
        "program size " + std::to_string(bytes.size()) + " is not a multiple of 8 bytes", where);
  }
  const std::size_t slot_total = bytes.size() / kSlotSize;
  std::vector<Instruction> program;
  program.reserve(slot_total);
  for (std::size_t slot = 0; slot < slot_total; ++slot) {
    const RawSlot raw = read_slot(bytes, slot);
    Result<Op> op = find_row(raw, slot);
    if (!op) {
      return std::move(op).error();
    }
    Instruction insn{*op, raw.dst, raw.src, raw.off, raw.imm, 0, static_cast<std::uint32_t>(slot)};
    if (is_wide(insn.info().form)) {
      if (slot + 1 >= slot_total) {
        return make_error("lddw is truncated: its second half is missing", at(slot));
      }
      const RawSlot next = read_slot(bytes, slot + 1);
      if (next.opcode != 0 || next.dst != 0 || next.src != 0 || next.off != 0) {
        return make_error("second half of lddw must have opcode, registers and offset 0",
                          at(slot + 1));
      }
      insn.next_imm = next.imm;
      ++slot;
    }
    XBPF_TRY(check_instruction(insn));
    program.push_back(insn);
  }
  return program;
}

std::uint32_t slot_count(std::span<const Instruction> program) {
  if (program.empty()) {
    return 0;
  }
  return program.back().slot + program.back().slots();
}

Status validate(std::span<const Instruction> program) {
  if (program.empty()) {
    return make_error("program is empty");
  }
  const std::uint32_t total = slot_count(program);
  // Slots that hold the second half of an lddw.
  std::vector<bool> inner(total, false);
  for (const Instruction& insn : program) {
    if (insn.slots() == 2) {
      inner[insn.slot + 1] = true;
    }
  }
  for (const Instruction& insn : program) {
    XBPF_TRY(check_instruction(insn));
    const Form form = insn.info().form;
    if (!is_branch(form) && form != Form::call_local && insn.info().sem != Sem::code_addr) {
      continue;
    }
    const std::int64_t target = insn.target();
    const char* what = is_branch(form) ? "jump" : "call";
    if (target < 0 || target >= static_cast<std::int64_t>(total)) {
      return make_error(std::string(what) + " target " + std::to_string(target) +
                            " is out of range (the program has " + std::to_string(total) +
                            " slots)",
                        at(insn.slot));
    }
    if (inner[static_cast<std::size_t>(target)]) {
      return make_error(std::string(what) + " target " + std::to_string(target) +
                            " is in the middle of the lddw at insn " + std::to_string(target - 1),
                        at(insn.slot));
    }
  }
  const Instruction& last = program.back();
  const Form last_form = last.info().form;
  if (last_form != Form::exit && last_form != Form::jump && last_form != Form::jump_long) {
    return make_error("last instruction must be exit or ja, found " + std::string(last.info().name),
                      at(last.slot));
  }
  return {};
}

Result<std::vector<Instruction>> decode_and_validate(std::span<const std::uint8_t> bytes) {
  Result<std::vector<Instruction>> program = decode(bytes);
  if (!program) {
    return program;
  }
  XBPF_TRY(validate(*program));
  return program;
}

void encode(const Instruction& insn, std::vector<std::uint8_t>& out) {
  auto put = [&out](std::uint8_t opcode, std::uint8_t regs, std::int16_t off, std::int32_t imm) {
    const auto uoff = static_cast<std::uint16_t>(off);
    const auto uimm = static_cast<std::uint32_t>(imm);
    out.insert(
        out.end(),
        {opcode, regs, static_cast<std::uint8_t>(uoff & 0xff), static_cast<std::uint8_t>(uoff >> 8),
         static_cast<std::uint8_t>(uimm & 0xff), static_cast<std::uint8_t>((uimm >> 8) & 0xff),
         static_cast<std::uint8_t>((uimm >> 16) & 0xff), static_cast<std::uint8_t>(uimm >> 24)});
  };
  const auto regs = static_cast<std::uint8_t>((insn.src << 4) | (insn.dst & 0x0f));
  put(insn.info().opcode, regs, insn.off, insn.imm);
  if (insn.slots() == 2) {
    put(0, 0, 0, insn.next_imm);
  }
}

std::vector<std::uint8_t> encode(std::span<const Instruction> program) {
  std::vector<std::uint8_t> out;
  out.reserve(program.size() * kSlotSize);
  for (const Instruction& insn : program) {
    encode(insn, out);
  }
  return out;
}

}  // namespace xbpf::isa
