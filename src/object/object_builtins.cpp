// memset, memcpy, memmove and memcmp left as extern calls: clang leaves them so on large or
// -fno-builtin code (Falco's probe has 1,224 such calls). Linux's loader refuses them and
// PREVAIL treats them as built-ins its verifier knows. xbpf lowers each call whose length
// is a constant to a subprogram of ordinary instructions, one per (function, length), which
// the verifier proves like any other code and every engine runs: a fill or copy of that many
// bytes, widest stores first.
#include <algorithm>
#include <functional>

#include "object/loader.h"
#include "support/text.h"

namespace xbpf::object::detail {
namespace {

using isa::make;
using isa::Op;

constexpr std::uint64_t kMaxBuiltinBytes = 64 * 1024;
constexpr std::uint64_t kMaxCompareBytes = 4096;  // memcmp compares byte by byte
constexpr std::uint64_t kStackSize = 512;         // memmove's bounce buffer: its own frame
constexpr std::int64_t kMaxOffset = INT16_MAX;    // reach of a load or store from one base

enum class Builtin : std::uint8_t { memset, memcpy, memmove, memcmp };

std::optional<Builtin> builtin_named(std::string_view name) {
  if (name == "memset") return Builtin::memset;
  if (name == "memcpy") return Builtin::memcpy;
  if (name == "memmove") return Builtin::memmove;
  if (name == "memcmp") return Builtin::memcmp;
  return std::nullopt;
}

Op load_of(std::uint64_t width) {
  switch (width) {
    case 8: return Op::ldxdw;
    case 4: return Op::ldxw;
    case 2: return Op::ldxh;
    default: return Op::ldxb;
  }
}

Op store_of(std::uint64_t width) {
  switch (width) {
    case 8: return Op::stxdw;
    case 4: return Op::stxw;
    case 2: return Op::stxh;
    default: return Op::stxb;
  }
}

// Calls `each(offset, width)` over [0, length), widest pieces first.
template <typename Each>
void for_each_piece(std::uint64_t length, const Each& each) {
  std::uint64_t offset = 0;
  for (const std::uint64_t width : {8U, 4U, 2U, 1U}) {
    for (; length - offset >= width; offset += width) each(offset, width);
  }
}

// Emits the body of a builtin, r1 = destination (or first buffer), r2 = byte or source,
// length bytes. r0 returns the destination, or memcmp's result. Lengths beyond one base's
// 16-bit reach move the bases along.
class BuiltinWriter {
 public:
  explicit BuiltinWriter(std::vector<isa::Instruction>& out) : out_(out) {}

  void emit(const isa::Instruction& insn) { out_.push_back(insn); }

  // A load or store at `offset` from `base`, moving `base` (and `other`, when moving) so
  // that the offset fits.
  std::int16_t reach(std::uint8_t base, std::uint64_t offset, std::uint8_t other = 0) {
    while (static_cast<std::int64_t>(offset) - moved_ > kMaxOffset - 8) {
      emit(make(Op::add64_imm, base, 0, 0, static_cast<std::int32_t>(kMaxOffset - 8)));
      if (other != 0)
        emit(make(Op::add64_imm, other, 0, 0, static_cast<std::int32_t>(kMaxOffset - 8)));
      moved_ += kMaxOffset - 8;
    }
    return static_cast<std::int16_t>(static_cast<std::int64_t>(offset) - moved_);
  }

  void memset(std::uint64_t length) {
    emit(make(Op::mov64_reg, 0, 1));
    if (length == 0) return emit(make(Op::exit));
    emit(make(Op::and64_imm, 2, 0, 0, 0xff));
    if (length > 1) {
      constexpr std::uint64_t kEveryByte = 0x0101010101010101ULL;
      emit(make(Op::lddw, 4, 0, 0, static_cast<std::int32_t>(kEveryByte & 0xffffffff),
                static_cast<std::int32_t>(kEveryByte >> 32)));
      emit(make(Op::mul64_reg, 2, 4));
    }
    for_each_piece(length, [&](std::uint64_t offset, std::uint64_t width) {
      const std::int16_t at = reach(1, offset);
      emit(make(store_of(width), 1, 2, at));
    });
    emit(make(Op::exit));
  }

  void memcpy(std::uint64_t length) {
    emit(make(Op::mov64_reg, 0, 1));
    for_each_piece(length, [&](std::uint64_t offset, std::uint64_t width) {
      const std::int16_t at = reach(1, offset, 2);
      emit(make(load_of(width), 4, 2, at));
      emit(make(store_of(width), 1, 4, at));
    });
    emit(make(Op::exit));
  }

  // Overlapping buffers: every byte is read before any is written, through r3-r5 when the
  // length takes three pieces at most, else through this subprogram's own stack frame.
  void memmove(std::uint64_t length) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> pieces;
    for_each_piece(length, [&](std::uint64_t offset, std::uint64_t width) {
      pieces.emplace_back(offset, width);
    });
    if (pieces.size() > 3) return memmove_through_stack(length);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      const auto [offset, width] = pieces[i];
      emit(make(load_of(width), static_cast<std::uint8_t>(3 + i), 2,
                static_cast<std::int16_t>(offset)));
    }
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      const auto [offset, width] = pieces[i];
      emit(make(store_of(width), 1, static_cast<std::uint8_t>(3 + i),
                static_cast<std::int16_t>(offset)));
    }
    emit(make(Op::mov64_reg, 0, 1));
    emit(make(Op::exit));
  }

  void memcmp(std::uint64_t length) {
    std::vector<std::size_t> jumps;
    for (std::uint64_t offset = 0; offset < length; ++offset) {
      emit(make(Op::ldxb, 4, 1, static_cast<std::int16_t>(offset)));
      emit(make(Op::ldxb, 5, 2, static_cast<std::int16_t>(offset)));
      jumps.push_back(out_.size());
      emit(make(Op::jne64_reg, 4, 5));
    }
    emit(make(Op::mov64_imm, 0));
    emit(make(Op::exit));
    const std::size_t differ = out_.size();
    for (const std::size_t jump : jumps) {
      out_[jump].off = static_cast<std::int16_t>(differ - jump - 1);
    }
    emit(make(Op::mov64_reg, 0, 4));
    emit(make(Op::sub64_reg, 0, 5));
    emit(make(Op::exit));
  }

 private:
  void memmove_through_stack(std::uint64_t length) {
    const auto base = static_cast<std::int64_t>(length);
    for_each_piece(length, [&](std::uint64_t offset, std::uint64_t width) {
      emit(make(load_of(width), 4, 2, static_cast<std::int16_t>(offset)));
      emit(make(store_of(width), 10, 4,
                static_cast<std::int16_t>(static_cast<std::int64_t>(offset) - base)));
    });
    for_each_piece(length, [&](std::uint64_t offset, std::uint64_t width) {
      emit(make(load_of(width), 4, 10,
                static_cast<std::int16_t>(static_cast<std::int64_t>(offset) - base)));
      emit(make(store_of(width), 1, 4, static_cast<std::int16_t>(offset)));
    });
    emit(make(Op::mov64_reg, 0, 1));
    emit(make(Op::exit));
  }

  std::vector<isa::Instruction>& out_;
  std::int64_t moved_ = 0;
};

// The length a call passes in r3, when the instructions before it in the same straight-line
// run set r3 to a constant; nullopt otherwise (a jump may land between, or r3 is computed).
std::optional<std::uint64_t> constant_length(const CodeSection& code, const Function& function,
                                             std::size_t call) {
  std::vector<bool> targeted(code.at_slot.size(), false);
  for (std::uint32_t slot = function.start; slot < function.end; ++slot) {
    if (code.at_slot[slot] < 0) continue;
    const isa::Instruction& insn = code.instructions[static_cast<std::size_t>(code.at_slot[slot])];
    if (!isa::is_branch(insn.info().form)) continue;
    const std::int64_t target = insn.target();
    if (target >= 0 && static_cast<std::uint64_t>(target) < targeted.size()) {
      targeted[static_cast<std::size_t>(target)] = true;
    }
  }
  for (std::size_t i = call; i > 0;) {
    if (targeted[code.instructions[i].slot] || code.instructions[i].slot == function.start) {
      return std::nullopt;
    }
    const isa::Instruction& insn = code.instructions[--i];
    const isa::OpInfo& info = insn.info();
    if (isa::is_branch(info.form) || info.form == isa::Form::call_local ||
        info.form == isa::Form::call_helper || info.form == isa::Form::exit) {
      return std::nullopt;
    }
    const bool writes_r3 = (isa::writes_dst(info.form, info.sem) && insn.dst == 3) ||
                           (isa::writes_src(info.sem) && insn.src == 3);
    if (!writes_r3) continue;
    if (insn.op == Op::mov64_imm && insn.imm >= 0) return static_cast<std::uint64_t>(insn.imm);
    if (insn.op == Op::mov32_imm) return static_cast<std::uint32_t>(insn.imm);
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

bool Loader::is_builtin(std::string_view name) { return builtin_named(name).has_value(); }

Status Loader::lower_builtin_call(CodeSection& code, std::size_t index, const std::string& name) {
  const Builtin builtin = *builtin_named(name);
  const isa::Instruction& call = code.instructions[index];
  const std::string where = describe_instruction(code, call.slot);
  auto fail = [&](const std::string& message) {
    return error("call to " + name + " at " + where + ": " + message, code.elf->name);
  };
  const Function* caller = function_containing(code.elf->index, call.slot);
  if (caller == nullptr) return fail("the call is in no function");
  const std::optional<std::uint64_t> length = constant_length(code, *caller, index);
  if (!length) {
    return fail("the length (r3) is not a constant set just before the call; xbpf lowers " + name +
                " to code of a fixed length");
  }
  const std::uint64_t limit = builtin == Builtin::memcmp    ? kMaxCompareBytes
                              : builtin == Builtin::memmove ? kStackSize
                                                            : kMaxBuiltinBytes;
  if (*length > limit) {
    return fail(std::to_string(*length) + " bytes, more than the " + std::to_string(limit) +
                " xbpf lowers " + name + " to" +
                (builtin == Builtin::memmove ? " (it moves through a stack buffer)" : ""));
  }
  const std::string function_name = "__xbpf_" + name + "_" + std::to_string(*length);
  std::size_t target = 0;
  if (const auto found = builtins_.find(function_name); found != builtins_.end()) {
    target = found->second;
  } else {
    target = add_builtin(function_name, [&](std::vector<isa::Instruction>& out) {
      BuiltinWriter writer(out);
      switch (builtin) {
        case Builtin::memset: return writer.memset(*length);
        case Builtin::memcpy: return writer.memcpy(*length);
        case Builtin::memmove: return writer.memmove(*length);
        case Builtin::memcmp: return writer.memcmp(*length);
      }
    });
    builtins_[function_name] = target;
  }
  isa::Instruction lowered = isa::make(Op::call_local, 0, 0, 0, -1);
  lowered.slot = call.slot;
  code.instructions[index] = lowered;
  code.targets[index] = target;
  return {};
}

std::size_t Loader::add_builtin(const std::string& name,
                                const std::function<void(std::vector<isa::Instruction>&)>& write) {
  const std::size_t section = elf_.sections().size();
  if (!builtin_section_) {
    builtin_section_ = std::make_unique<ElfSection>();
    builtin_section_->index = section;
    builtin_section_->name = "(xbpf builtins)";
    builtin_section_->flags = kFlagExec | kFlagAlloc;
    CodeSection code;
    code.elf = builtin_section_.get();
    code_.emplace(section, std::move(code));
  }
  CodeSection& code = code_.at(section);
  std::vector<isa::Instruction> body;
  write(body);
  Function function;
  function.name = name;
  function.section = section;
  function.start = static_cast<std::uint32_t>(code.at_slot.size());
  for (isa::Instruction& insn : body) {
    insn.slot = static_cast<std::uint32_t>(code.at_slot.size());
    code.at_slot.push_back(static_cast<std::int32_t>(code.instructions.size()));
    if (insn.slots() == 2) code.at_slot.push_back(-1);
    code.instructions.push_back(insn);
    code.relocated.push_back(true);
  }
  function.end = static_cast<std::uint32_t>(code.at_slot.size());
  functions_.push_back(std::move(function));
  function_starts_.emplace(std::pair{section, functions_.back().start}, functions_.size() - 1);
  return functions_.size() - 1;
}

}  // namespace xbpf::object::detail
