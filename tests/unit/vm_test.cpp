// The interpreter beyond what the conformance files can express: helpers, tail calls, call
// depth, the checked mode's reports, atomics under real concurrency, sharing across threads.
#include "vm/vm.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <thread>

#include "aot/image.h"
#include "isa/assembler.h"
#include "platform/platform.h"
#include "support/text.h"

namespace xbpf::vm {
namespace {

using ::testing::HasSubstr;

std::vector<isa::Instruction> assemble(std::string_view source) {
  isa::AssembleOptions options;
  options.syntax = isa::Syntax::llvm;
  Result<std::vector<isa::Instruction>> program = isa::assemble(source, options);
  EXPECT_TRUE(program.ok()) << program.error().to_string();
  return program.ok() ? *program : std::vector<isa::Instruction>{};
}

std::shared_ptr<const Program> prepare(std::string_view source,
                                       const Environment& environment = {}) {
  Result<std::shared_ptr<const Program>> program = Program::create(assemble(source), environment);
  EXPECT_TRUE(program.ok()) << program.error().to_string();
  return program.ok() ? *program : nullptr;
}

// Runs on the fast and checked interpreters and the JIT; all three must agree, errors too.
Result<std::uint64_t> run_both(const Program& program, std::span<const std::uint64_t> args = {}) {
  RunState fast_state, checked_state, jit_state;
  Result<std::uint64_t> fast = run(program, args, fast_state, Engine::interpreter);
  Result<std::uint64_t> checked = run(program, args, checked_state, Engine::checked);
  Result<std::uint64_t> jitted = run(program, args, jit_state, Engine::jit);
  EXPECT_EQ(fast.ok(), checked.ok());
  EXPECT_EQ(fast.ok(), jitted.ok());
  if (fast.ok() && checked.ok()) {
    EXPECT_EQ(*fast, *checked);
  }
  if (fast.ok() && jitted.ok()) {
    EXPECT_EQ(*fast, *jitted) << "the JIT disagrees";
  }
  if (!fast.ok() && !jitted.ok()) {
    EXPECT_EQ(fast.error().to_string(), jitted.error().to_string()) << "the JIT disagrees";
  }
  if (!jitted.ok() && fast.ok()) ADD_FAILURE() << jitted.error().to_string();
  return fast;
}

std::uint64_t sum_args(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d,
                       std::uint64_t e, RunState&) {
  return a + 10 * b + 100 * c + 1000 * d + 10000 * e;
}

TEST(Vm, HelperReceivesR1ToR5AndSetsR0) {
  Environment environment;
  environment.set_helper(7, sum_args);
  auto program = prepare(R"(
    r1 = 1
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    call 7
    exit
  )",
                         environment);
  ASSERT_TRUE(program);
  Result<std::uint64_t> r0 = run_both(*program);
  ASSERT_TRUE(r0.ok());
  EXPECT_EQ(*r0, 54321U);
}

TEST(Vm, MissingHelperIsRefusedBeforeRunning) {
  Result<std::shared_ptr<const Program>> program = Program::create(assemble("call 99\nexit"), {});
  ASSERT_FALSE(program.ok());
  EXPECT_THAT(program.error().to_string(), HasSubstr("helper 99 is not available"));
  EXPECT_THAT(program.error().to_string(), HasSubstr("insn 0"));
}

TEST(Vm, ArgumentsArriveInR1ToR5) {
  auto program = prepare("r0 = r1\nr0 += r5\nexit");
  ASSERT_TRUE(program);
  const std::uint64_t args[5] = {40, 0, 0, 0, 2};
  EXPECT_EQ(*run_both(*program, args), 42U);
}

TEST(Vm, LocalCallsPreserveR6ToR9AndGetTheirOwnFrame) {
  auto program = prepare(R"(
    r6 = 6
    *(u64 *)(r10 - 8) = r6
    r1 = r10
    call f
    r0 += r6
    r2 = *(u64 *)(r10 - 8)
    r0 += r2
    exit
  f:
    r6 = 100
    *(u64 *)(r10 - 8) = r6      # the callee's own frame
    r2 = *(u64 *)(r1 - 8)       # the caller's frame, through a pointer
    r0 = r2
    exit
  )");
  ASSERT_TRUE(program);
  // 6 (read by the callee) + 6 (r6 restored) + 6 (caller's slot untouched).
  EXPECT_EQ(*run_both(*program), 18U);
}

TEST(Vm, RunningIntoAFunctionContinuesWithoutANewFrame) {
  // Found by the differential fuzzer: after the call returns, main runs on into f's code
  // (validation allows it) and f's exit ends main.
  auto program = prepare(R"(
    call f
    r0 *= 0
  f:
    r0 += 5
    exit
  )");
  ASSERT_TRUE(program);
  EXPECT_EQ(*run_both(*program), 5U);
  // The same through a jump to the next instruction (the fuzzer's second find).
  auto jumping = prepare(R"(
    call f
    r0 *= 0
    goto +0
  f:
    r0 += 5
    exit
  )");
  ASSERT_TRUE(jumping);
  EXPECT_EQ(*run_both(*jumping), 5U);
}

TEST(Vm, CallDepthIsLimitedToEightFrames) {
  // f calls itself `depth` more times: 1 + 1 + depth frames in all.
  auto recursion = [](int depth) {
    return "r1 = " + std::to_string(depth) + R"(
      call f
      exit
    f:
      if r1 == 0 goto out
      r1 += -1
      call f
    out:
      r0 = 7
      exit
    )";
  };
  auto deep = prepare(recursion(6));  // 8 frames: allowed
  ASSERT_TRUE(deep);
  EXPECT_EQ(*run_both(*deep), 7U);
  auto too_deep = prepare(recursion(7));  // 9 frames: refused
  ASSERT_TRUE(too_deep);
  Result<std::uint64_t> r0 = run_both(*too_deep);
  ASSERT_FALSE(r0.ok());
  EXPECT_THAT(r0.error().to_string(), HasSubstr("call depth exceeds 8 frames"));
}

TEST(Vm, CallxCallsAnInstructionIndexOrAHelper) {
  Environment environment;
  environment.set_helper(7, sum_args);
  auto program = prepare(R"(
    r1 = code_addr(f) ll
    callx r1          # local call by index
    r6 = r0
    r2 = 7            # slot 7 is an instruction, but not a function entry:
    r1 = 1
    callx r2          # so this calls helper 7 by id (PREVAIL and uBPF compatibility)
    r0 += r6
    exit
  f:
    r0 = 1000
    exit
  )",
                         environment);
  ASSERT_TRUE(program);
  // f returns 1000; helper 7 sums 1 + 10 * r2 (7).
  EXPECT_EQ(*run_both(*program), 1000U + 1 + 70);
}

TEST(Vm, CallxToNothingIsAnError) {
  auto program = prepare("r1 = 4000\ncallx r1\nexit");
  ASSERT_TRUE(program);
  Result<std::uint64_t> r0 = run_both(*program);
  ASSERT_FALSE(r0.ok());
  EXPECT_THAT(r0.error().to_string(),
              HasSubstr("callx target 0xfa0 is neither a function entry nor an available helper"));
}

// A host with a program array for tail calls.
class TailCallHost : public Host {
 public:
  const Program* tail_call_target(std::uint64_t map, std::uint64_t index) override {
    ++lookups;
    if (map != 77 || index >= programs.size()) return nullptr;
    return programs[index].get();
  }
  bool supports_tail_calls() const override { return true; }
  std::vector<std::shared_ptr<const Program>> programs;
  int lookups = 0;
};

TEST(Vm, TailCallReplacesTheProgramAndKeepsR1) {
  TailCallHost host;
  Environment environment;
  environment.host = &host;
  host.programs.push_back(prepare("r0 = r1\nr0 += 1000\nexit", environment));
  auto entry = prepare(R"(
    r6 = r1
    r2 = 77
    r3 = 0
    call 12           # bpf_tail_call(ctx, map, 0): does not return
    r0 = 1
    exit
  )",
                       environment);
  ASSERT_TRUE(entry);
  const std::uint64_t args[1] = {5};
  EXPECT_EQ(*run_both(*entry, args), 1005U);
}

TEST(Vm, FailedTailCallFallsThrough) {
  TailCallHost host;
  Environment environment;
  environment.host = &host;
  auto entry = prepare("r2 = 77\nr3 = 3\ncall 12\nr0 = 9\nexit", environment);
  ASSERT_TRUE(entry);
  EXPECT_EQ(*run_both(*entry), 9U);
}

// A tail call from a function: the program it continues with replaces that function, and
// returns to its caller with the caller's r6-r9 intact. The JIT's frames differ here: the
// target saves only r7, so it rearranges the frame it lands in.
TEST(Vm, TailCallFromAFunctionReturnsToItsCallerWithItsRegisters) {
  TailCallHost host;
  Environment environment;
  environment.host = &host;
  host.programs.push_back(prepare("r7 = r1\nr7 *= 3\nr0 = r7\nexit", environment));
  auto entry = prepare(R"(
    r6 = 11
    r7 = 22
    r8 = 33
    r9 = 44
    call sub
    r0 <<= 32
    r7 <<= 8
    r8 <<= 16
    r9 <<= 24
    r0 += r6
    r0 += r7
    r0 += r8
    r0 += r9
    exit
  sub:
    r6 = 0
    r7 = 0
    r8 = 0
    r9 = 0
    r2 = 77
    r3 = 0
    call 12
    r0 = 1
    exit
  )",
                       environment);
  ASSERT_TRUE(entry);
  const std::uint64_t args[1] = {5};
  EXPECT_EQ(*run_both(*entry, args), (15ULL << 32) + 11 + (22 << 8) + (33 << 16) + (44 << 24));
}

// A program reached by a tail call from a function fails: the JIT unwinds every frame to
// the first program's entry, whose frames differ from the failing program's.
TEST(Vm, FailingAfterATailCallFromAFunctionUnwindsToTheEntry) {
  TailCallHost host;
  Environment environment;
  environment.host = &host;
  host.programs.push_back(prepare("r7 = 5\nr1 = 4000\ncallx r1\nexit", environment));
  auto entry = prepare(R"(
    r6 = 1
    call sub
    exit
  sub:
    r2 = 77
    r3 = 0
    call 12
    r0 = 1
    exit
  )",
                       environment);
  ASSERT_TRUE(entry);
  std::uint64_t sum = 0;
  for (std::uint64_t i = 0; i < 100; ++i) {
    const std::uint64_t args[1] = {i};
    Result<std::uint64_t> r0 = run_both(*entry, args);
    ASSERT_FALSE(r0.ok());
    EXPECT_THAT(r0.error().to_string(), HasSubstr("callx target 0xfa0"));
    sum += i * i;  // the caller's registers survived the unwinding
  }
  EXPECT_EQ(sum, 328350U);
}

TEST(Vm, TailCallsStopAfter33) {
  TailCallHost host;
  Environment environment;
  environment.host = &host;
  // Program 0 counts in r1 (kept across tail calls) and tail-calls itself.
  host.programs.push_back(prepare(R"(
    r1 += 1
    r0 = r1
    r2 = 77
    r3 = 0
    call 12
    exit              # reached when the 34th tail call is refused
  )",
                                  environment));
  RunState state;
  const std::uint64_t args[1] = {0};
  Result<std::uint64_t> r0 = run(*host.programs[0], args, state, Engine::interpreter);
  ASSERT_TRUE(r0.ok());
  EXPECT_EQ(*r0, 34U);  // the entry run plus 33 tail calls
  EXPECT_EQ(state.tail_calls, kMaxTailCalls);
  RunState checked;
  r0 = run(*host.programs[0], args, checked, Engine::checked);
  ASSERT_TRUE(r0.ok());
  EXPECT_EQ(*r0, 34U);
  RunState jitted;
  r0 = run(*host.programs[0], args, jitted, Engine::jit);
  ASSERT_TRUE(r0.ok()) << r0.error().to_string();
  EXPECT_EQ(*r0, 34U);
  EXPECT_EQ(jitted.tail_calls, kMaxTailCalls);
}

TEST(Vm, CheckedModeReportsOutOfBoundsWithTheNearestRegion) {
  auto program = prepare(R"(
    r0 = *(u32 *)(r1 + 14)
    exit
  )");
  ASSERT_TRUE(program);
  std::uint8_t data[16] = {};
  RunState state;
  state.add_region({reinterpret_cast<std::uint64_t>(data), sizeof data, false, "the packet"});
  const std::uint64_t args[1] = {reinterpret_cast<std::uint64_t>(data)};
  Result<std::uint64_t> r0 = run(*program, args, state, Engine::checked);
  ASSERT_FALSE(r0.ok());
  const std::string message = r0.error().to_string();
  EXPECT_THAT(message, HasSubstr("insn 0"));
  EXPECT_THAT(message, HasSubstr("read of 4 bytes at"));
  EXPECT_THAT(message, HasSubstr("2 bytes past the end of the packet"));
}

TEST(Vm, CheckedModeRefusesWritesToReadOnlyRegions) {
  auto program = prepare("*(u8 *)(r1 + 3) = 1\nr0 = 0\nexit");
  ASSERT_TRUE(program);
  std::uint8_t data[16] = {};
  RunState state;
  state.add_region({reinterpret_cast<std::uint64_t>(data), sizeof data, false, "the context"});
  const std::uint64_t args[1] = {reinterpret_cast<std::uint64_t>(data)};
  Result<std::uint64_t> r0 = run(*program, args, state, Engine::checked);
  ASSERT_FALSE(r0.ok());
  EXPECT_THAT(r0.error().to_string(), HasSubstr("write of 1 bytes"));
  EXPECT_THAT(r0.error().to_string(), HasSubstr("to read-only the context"));
  EXPECT_EQ(data[3], 0) << "the checked mode must stop before touching memory";
}

TEST(Vm, CheckedModeConfinesTheStackToLiveFrames) {
  auto below = prepare("r0 = *(u64 *)(r10 - 520)\nexit");
  ASSERT_TRUE(below);
  RunState state;
  Result<std::uint64_t> r0 = run(*below, {}, state, Engine::checked);
  ASSERT_FALSE(r0.ok());
  EXPECT_THAT(r0.error().to_string(), HasSubstr("8 bytes before the stack (frame 0)"));

  // A callee may not read its caller's caller's... only live frames: r10 + 0 is past the top.
  auto above = prepare("r0 = *(u64 *)(r10 + 0)\nexit");
  ASSERT_TRUE(above);
  r0 = run(*above, {}, state, Engine::checked);
  ASSERT_FALSE(r0.ok());
  EXPECT_THAT(r0.error().to_string(), HasSubstr("past the end of the stack"));
}

// Outside the stack a misaligned atomic faults (the verifier refuses it: it would split a bus
// lock); on the stack, private to the run, it is allowed (a plain read-modify-write).
TEST(Vm, CheckedModeRefusesMisalignedAtomicsOutsideTheStack) {
  alignas(8) std::uint8_t memory[32] = {};
  const std::uint64_t args[1] = {reinterpret_cast<std::uint64_t>(memory)};
  for (const char* source : {"r2 = 1\nlock *(u64 *)(r1 + 12) += r2\nr0 = 0\nexit",
                             "r2 = 1\nr2 = atomic_fetch_xor((u64 *)(r1 + 4), r2)\nr0 = 0\nexit",
                             "r2 = 1\nw0 = 0\nw0 = cmpxchg32_32(r1 + 2, w0, w2)\nexit"}) {
    auto program = prepare(source);
    ASSERT_TRUE(program);
    RunState state;
    state.add_region({args[0], sizeof memory, true, "the memory"});
    Result<std::uint64_t> r0 = run(*program, args, state, Engine::checked);
    ASSERT_FALSE(r0.ok()) << source;
    EXPECT_THAT(r0.error().to_string(), HasSubstr("misaligned atomic access of "));
  }
  auto on_stack = prepare(
      "r1 = 0\n*(u64 *)(r10 - 16) = r1\n*(u64 *)(r10 - 8) = r1\nr1 = 1\n"
      "lock *(u64 *)(r10 - 12) += r1\nr0 = *(u64 *)(r10 - 12)\nexit");
  ASSERT_TRUE(on_stack);
  RunState state;
  Result<std::uint64_t> r0 = run(*on_stack, {}, state, Engine::checked);
  ASSERT_TRUE(r0.ok()) << r0.error().to_string();
  EXPECT_EQ(*r0, 1U);
  // Partly on the stack is not on the stack: the access faults as any would.
  auto across = prepare("r1 = 1\nlock *(u64 *)(r10 - 4) += r1\nr0 = 0\nexit");
  ASSERT_TRUE(across);
  r0 = run(*across, {}, state, Engine::checked);
  ASSERT_FALSE(r0.ok());
  EXPECT_THAT(r0.error().to_string(), HasSubstr("misaligned atomic access of 8 bytes"));
}

// Misaligned atomics on the stack, which the verifier allows (the stack is private to the
// run): every operation and width, at offsets misaligned and not, through r10 (the JIT and
// native code decide at compile time), through a copy with the misalignment in the offset or
// in the register (a test at run time), and straddling a 64-byte boundary; src r2 or r0. Each
// case fills 16 bytes, runs the atomic and records src, r0 and the 16 bytes; every engine
// (both interpreters, the JIT plain and blinded, native code) must give exactly the expected
// values.
enum class AtomicOp {
  add,
  or_,
  and_,
  xor_,
  fetch_add,
  fetch_or,
  fetch_and,
  fetch_xor,
  xchg,
  cmpxchg_equal,
  cmpxchg_different
};
constexpr AtomicOp kAtomicOps[] = {AtomicOp::add,
                                   AtomicOp::or_,
                                   AtomicOp::and_,
                                   AtomicOp::xor_,
                                   AtomicOp::fetch_add,
                                   AtomicOp::fetch_or,
                                   AtomicOp::fetch_and,
                                   AtomicOp::fetch_xor,
                                   AtomicOp::xchg,
                                   AtomicOp::cmpxchg_equal,
                                   AtomicOp::cmpxchg_different};
constexpr bool is_cmpxchg(AtomicOp op) {
  return op == AtomicOp::cmpxchg_equal || op == AtomicOp::cmpxchg_different;
}

constexpr std::uint64_t kAreaLow = 0x8877665544332211;
constexpr std::uint64_t kAreaHigh = 0xf0debc9a78563412;
constexpr std::uint64_t kOperand = 0xa5c3e1f00f1e3c5a;  // junk in the high half for 32 bits
constexpr std::uint64_t kR0 = 0x0123456789abcdef;

struct AtomicCase {
  std::string where;  // for failure messages
  int position;       // of the access in the 16 bytes
};

struct AtomicRecord {
  std::uint64_t src, r0;
  std::uint8_t area[16];
};

std::string atomic_text(AtomicOp op, bool wide, const std::string& at, int src) {
  const std::string s = (wide ? "r" : "w") + std::to_string(src);
  const std::string pointer = std::string(wide ? "(u64 *)" : "(u32 *)") + "(" + at + ")";
  switch (op) {
    case AtomicOp::add: return "lock *" + pointer + " += " + s;
    case AtomicOp::or_: return "lock *" + pointer + " |= " + s;
    case AtomicOp::and_: return "lock *" + pointer + " &= " + s;
    case AtomicOp::xor_: return "lock *" + pointer + " ^= " + s;
    case AtomicOp::fetch_add: return s + " = atomic_fetch_add(" + pointer + ", " + s + ")";
    case AtomicOp::fetch_or: return s + " = atomic_fetch_or(" + pointer + ", " + s + ")";
    case AtomicOp::fetch_and: return s + " = atomic_fetch_and(" + pointer + ", " + s + ")";
    case AtomicOp::fetch_xor: return s + " = atomic_fetch_xor(" + pointer + ", " + s + ")";
    case AtomicOp::xchg:
      return s + " = " + (wide ? "xchg_64(" : "xchg32_32(") + at + ", " + s + ")";
    default:
      return wide ? "r0 = cmpxchg_64(" + at + ", r0, " + s + ")"
                  : "w0 = cmpxchg32_32(" + at + ", w0, " + s + ")";
  }
}

std::uint64_t area_value(const std::uint8_t* area, int position, bool wide) {
  std::uint64_t value = 0;
  std::memcpy(&value, area + position, wide ? 8 : 4);
  return value;
}

// r0 before the case: for cmpxchg, the old value (with junk above 32 bits) or another one.
std::uint64_t r0_before(AtomicOp op, bool wide, int position) {
  std::uint8_t area[16];
  std::memcpy(area, &kAreaLow, 8);
  std::memcpy(area + 8, &kAreaHigh, 8);
  const std::uint64_t old = area_value(area, position, wide);
  if (op == AtomicOp::cmpxchg_equal) return wide ? old : old | 0xdead000000000000;
  if (op == AtomicOp::cmpxchg_different) return (wide ? old : old | 0xdead000000000000) ^ 0x100;
  return kR0;
}

AtomicRecord expected_record(AtomicOp op, bool wide, int src, int position) {
  AtomicRecord record{};
  std::memcpy(record.area, &kAreaLow, 8);
  std::memcpy(record.area + 8, &kAreaHigh, 8);
  // The program sets r0, then src (r0 too, when src is r0).
  std::uint64_t r0 = src == 0 ? kOperand : r0_before(op, wide, position);
  std::uint64_t s = kOperand;
  const std::uint64_t mask = wide ? ~std::uint64_t{0} : 0xffffffff;
  const std::uint64_t old = area_value(record.area, position, wide);
  std::uint64_t updated = old;
  bool fetch = true;
  switch (op) {
    case AtomicOp::add: fetch = false; [[fallthrough]];
    case AtomicOp::fetch_add: updated = old + s; break;
    case AtomicOp::or_: fetch = false; [[fallthrough]];
    case AtomicOp::fetch_or: updated = old | s; break;
    case AtomicOp::and_: fetch = false; [[fallthrough]];
    case AtomicOp::fetch_and: updated = old & s; break;
    case AtomicOp::xor_: fetch = false; [[fallthrough]];
    case AtomicOp::fetch_xor: updated = old ^ s; break;
    case AtomicOp::xchg: updated = s; break;
    default:
      fetch = false;
      if ((r0 & mask) == old) updated = s;
      r0 = old;  // the old value, zero-extended
      break;
  }
  updated &= mask;
  std::memcpy(record.area + position, &updated, wide ? 8 : 4);
  if (fetch) {
    s = old;
    if (src == 0) r0 = old;
  }
  record.src = s;
  record.r0 = r0;
  return record;
}

// One program per operation, width and src: every case in turn, each recorded at r9 + 32 * i.
std::string atomic_program(AtomicOp op, bool wide, int src, std::vector<AtomicCase>& cases) {
  const int width = wide ? 8 : 4;
  std::string text = "r9 = r1\n";
  auto add_case = [&](const std::string& where, const std::string& area, int position,
                      const std::string& base_setup, const std::string& at) {
    const std::size_t index = cases.size();
    cases.push_back({where, position});
    text += area;  // r7 = the 16 bytes
    text += "r3 = " + to_hex(kAreaLow) + " ll\n*(u64 *)(r7 + 0) = r3\n";
    text += "r3 = " + to_hex(kAreaHigh) + " ll\n*(u64 *)(r7 + 8) = r3\n";
    text += base_setup;
    text += "r0 = " + to_hex(r0_before(op, wide, position)) + " ll\n";
    text += "r" + std::to_string(src) + " = " + to_hex(kOperand) + " ll\n";
    text += atomic_text(op, wide, at, src) + "\n";
    const std::string out = std::to_string(32 * index);
    text += "*(u64 *)(r9 + " + out + ") = r" + std::to_string(src) + "\n";
    text += "*(u64 *)(r9 + " + std::to_string(32 * index + 8) + ") = r0\n";
    text += "r3 = *(u64 *)(r7 + 0)\n*(u64 *)(r9 + " + std::to_string(32 * index + 16) + ") = r3\n";
    text += "r3 = *(u64 *)(r7 + 8)\n*(u64 *)(r9 + " + std::to_string(32 * index + 24) + ") = r3\n";
  };
  auto offset = [](int off) {
    return off < 0 ? " - " + std::to_string(-off) : " + " + std::to_string(off);
  };
  for (int position : {0, 1, 3, 4, 6, 8}) {
    const std::string p = std::to_string(position);
    add_case("r10 - 64 + " + p, "r7 = r10\nr7 += -64\n", position, "",
             "r10" + offset(position - 64));
    add_case("(r8 = r10 - 512) + " + p, "r7 = r10\nr7 += -512\n", position, "r8 = r7\n",
             "r8" + offset(position));
    add_case("(r8 = r10 - 512 + " + p + ") + 0", "r7 = r10\nr7 += -512\n", position,
             "r8 = r7\nr8 += " + p + "\n", "r8 + 0");
    add_case("(r8 = r10 - 509) + " + std::to_string(position - 3), "r7 = r10\nr7 += -512\n",
             position, "r8 = r7\nr8 += 3\n", "r8" + offset(position - 3));
  }
  // Across a 64-byte boundary (r7 + 8 is one).
  const int across = width == 8 ? 4 : 6;
  add_case("across a 64-byte boundary", "r7 = r10\nr7 += -256\nr7 &= -64\nr7 += -8\n", across,
           "r8 = r7\n", "r8" + offset(across));
  text += "r0 = 0\nexit\n";
  return text;
}

TEST(Vm, MisalignedStackAtomicsGiveTheSameResultsOnEveryEngine) {
  struct Source {
    std::string name, text;
    AtomicOp op;
    bool wide;
    int src;
    std::vector<AtomicCase> cases;
  };
  std::vector<Source> sources;
  for (AtomicOp op : kAtomicOps) {
    for (bool wide : {true, false}) {
      for (int src : {2, 0}) {
        if (src == 0 && is_cmpxchg(op)) continue;
        Source source{"op " + std::to_string(static_cast<int>(op)) + (wide ? " 64" : " 32") +
                          " src r" + std::to_string(src),
                      "",
                      op,
                      wide,
                      src,
                      {}};
        source.text = atomic_program(op, wide, src, source.cases);
        sources.push_back(std::move(source));
      }
    }
  }
  // Native code: one image for every program.
  std::shared_ptr<const aot::Image> image;
  if (aot::find_c_compiler()) {
    // Other tests point XBPF_STATE_DIR (where the image goes) at directories they remove.
    if (std::optional<std::string> state = platform::environment_variable("XBPF_STATE_DIR")) {
      std::error_code ignored;
      std::filesystem::create_directories(*state, ignored);
    }
    aot::ImageSource image_source;
    for (const Source& source : sources)
      image_source.programs.push_back({source.name, "", 0, assemble(source.text)});
    Result<std::shared_ptr<const aot::Image>> built = aot::build_temporary(image_source);
    ASSERT_TRUE(built.ok()) << built.error().to_string();
    image = *built;
  }
  Environment blinded;
  blinded.jit_blind = true;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const Source& source = sources[i];
    Environment environment;
    if (image) environment.native = image->function(image->programs()[i]);
    auto program = prepare(source.text, environment);
    auto blinded_program = prepare(source.text, blinded);
    ASSERT_TRUE(program && blinded_program) << source.name;
    struct Run {
      const Program* program;
      Engine engine;
      const char* name;
    };
    std::vector<Run> runs = {{program.get(), Engine::interpreter, "interpreter"},
                             {program.get(), Engine::checked, "checked"},
                             {program.get(), Engine::jit, "jit"},
                             {blinded_program.get(), Engine::jit, "jit (blinded)"}};
    if (image) runs.push_back({program.get(), Engine::native, "native"});
    for (const Run& r : runs) {
      std::vector<AtomicRecord> records(source.cases.size());
      const std::uint64_t args[1] = {reinterpret_cast<std::uint64_t>(records.data())};
      RunState state;
      state.add_region({args[0], records.size() * sizeof(AtomicRecord), true, "the records"});
      Result<std::uint64_t> r0 = run(*r.program, args, state, r.engine);
      ASSERT_TRUE(r0.ok()) << source.name << " on " << r.name << ": " << r0.error().to_string();
      for (std::size_t c = 0; c < source.cases.size(); ++c) {
        const AtomicRecord want =
            expected_record(source.op, source.wide, source.src, source.cases[c].position);
        const AtomicRecord& got = records[c];
        const std::string what = source.name + " at " + source.cases[c].where + " on " + r.name;
        EXPECT_EQ(got.src, want.src) << what << ": src";
        EXPECT_EQ(got.r0, want.r0) << what << ": r0";
        EXPECT_EQ(std::memcmp(got.area, want.area, 16), 0) << what << ": memory";
      }
    }
  }
}

// The same through every kind of base register (r0, the JIT's rax; an argument register; a
// callee-saved one), sources other than r0 and r2, and offsets small, large and negative, with
// every misalignment: each engine must agree with the interpreter on the memory and on every
// register r0..r9 (the JIT's scratch registers hold no eBPF register).
TEST(Vm, StackAtomicsAgreeForEveryBaseAndSourceRegister) {
  const std::uint64_t words[4] = {kAreaLow, kAreaHigh, 0x0f1e2d3c4b5a6978, 0x1122334455667788};
  std::uint8_t bytes[32];
  std::memcpy(bytes, words, sizeof bytes);
  for (AtomicOp op : kAtomicOps) {
    for (bool wide : {true, false}) {
      for (int base : {0, 3, 6, 9}) {
        for (int src : {0, 2, 7, 9}) {
          if (src == base || (is_cmpxchg(op) && base == 0)) continue;
          // Each case: 32 bytes at r10 - 96, r0..r9 set, the atomic at r10 - 88 + position,
          // then r0..r9 (the base relative to r10) and the 32 bytes hashed into r10 - 8.
          std::string text = "r1 = 0\n*(u64 *)(r10 - 8) = r1\n";
          for (int position = 0; position < 8; ++position) {
            for (int off : {position, 0, position - 1000, position + 1000}) {
              for (int w = 0; w < 4; ++w)
                text += "r1 = " + to_hex(words[w]) + " ll\n*(u64 *)(r10 - " +
                        std::to_string(96 - 8 * w) + ") = r1\n";
              for (int r = 0; r <= 9; ++r)
                text += "r" + std::to_string(r) + " = " + to_hex(0x1000 * r + position) + "\n";
              const std::string b = "r" + std::to_string(base);
              text += b + " = r10\n" + b + " += " + std::to_string(-88 + position - off) + "\n";
              std::uint64_t old = 0;
              std::memcpy(&old, bytes + 8 + position, wide ? 8 : 4);
              if (op == AtomicOp::cmpxchg_equal)
                text += "r0 = " + to_hex(wide ? old : old | 0xdead000000000000) + " ll\n";
              if (op == AtomicOp::cmpxchg_different)
                text += "r0 = " + to_hex(old ^ 0x100) + " ll\n";
              if (!(is_cmpxchg(op) && src == 0))
                text += "r" + std::to_string(src) + " = " + to_hex(kOperand) + " ll\n";
              const std::string at =
                  b + (off < 0 ? " - " + std::to_string(-off) : " + " + std::to_string(off));
              text += atomic_text(op, wide, at, src) + "\n" + b + " -= r10\n";
              for (int r = 0; r <= 9; ++r)
                text += "*(u64 *)(r10 - " + std::to_string(104 + 8 * r) + ") = r" +
                        std::to_string(r) + "\n";
              text += "r1 = *(u64 *)(r10 - 8)\n";
              for (int k = 0; k < 14; ++k) {
                const int slot = k < 10 ? 104 + 8 * k : 96 - 8 * (k - 10);
                text +=
                    "r2 = *(u64 *)(r10 - " + std::to_string(slot) + ")\nr1 *= 1000003\nr1 ^= r2\n";
              }
              text += "*(u64 *)(r10 - 8) = r1\n";
            }
          }
          text += "r0 = *(u64 *)(r10 - 8)\nexit\n";
          const std::string name = "op " + std::to_string(static_cast<int>(op)) +
                                   (wide ? " 64" : " 32") + " base r" + std::to_string(base) +
                                   " src r" + std::to_string(src);
          auto program = prepare(text);
          ASSERT_TRUE(program) << name;
          RunState fast_state, checked_state, jit_state;
          Result<std::uint64_t> fast = run(*program, {}, fast_state, Engine::interpreter);
          Result<std::uint64_t> checked = run(*program, {}, checked_state, Engine::checked);
          Result<std::uint64_t> jitted = run(*program, {}, jit_state, Engine::jit);
          ASSERT_TRUE(fast.ok() && checked.ok() && jitted.ok())
              << name << ": " << (checked.ok() ? "" : checked.error().to_string());
          EXPECT_EQ(*checked, *fast) << name << " on the checked interpreter";
          EXPECT_EQ(*jitted, *fast) << name << " on the JIT";
        }
      }
    }
  }
}

TEST(Vm, CheckedModeCountsInstructions) {
  auto program = prepare("r0 = 0\nr1 = 3\nloop:\nr0 += r1\nr1 += -1\nif r1 != 0 goto loop\nexit");
  ASSERT_TRUE(program);
  RunState state;
  ASSERT_TRUE(run(*program, {}, state, Engine::checked).ok());
  EXPECT_EQ(state.instructions_executed, 2U + 3 * 3 + 1);
}

TEST(Vm, CheckedModeStopsAtTheInstructionLimit) {
  auto program = prepare("r0 = 0\nloop:\nr0 += 1\ngoto loop");
  ASSERT_TRUE(program);
  RunState state;
  state.instruction_limit = 1000;
  Result<std::uint64_t> r0 = run(*program, {}, state, Engine::checked);
  ASSERT_FALSE(r0.ok());
  EXPECT_THAT(r0.error().to_string(), HasSubstr("the instruction limit (1000) was reached"));
  EXPECT_EQ(state.instructions_executed, 1000U);
}

TEST(Vm, AtomicsAreAtomicAcrossThreads) {
  auto program = prepare(R"(
    r2 = 1
    r3 = 0
  loop:
    lock *(u64 *)(r1 + 0) += r2
    r4 = 1
    r4 = atomic_fetch_add((u64 *)(r1 + 8), r4)
    lock *(u32 *)(r1 + 16) += w2
    r3 += 1
    if r3 < 10000 goto loop
    r0 = 0
    exit
  )");
  ASSERT_TRUE(program);
  alignas(8) std::uint64_t counters[3] = {};
  const std::uint64_t args[1] = {reinterpret_cast<std::uint64_t>(counters)};
  for (Engine engine : {Engine::interpreter, Engine::jit}) {
    counters[0] = counters[1] = counters[2] = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        RunState state;
        ASSERT_TRUE(run(*program, args, state, engine).ok());
      });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(counters[0], 40000U) << engine_name(engine);
    EXPECT_EQ(counters[1], 40000U) << engine_name(engine);
    EXPECT_EQ(counters[2] & 0xffffffff, 40000U) << engine_name(engine);
  }
}

TEST(Vm, LegacyPacketLoadsReadBigEndianAndStopOutOfBounds) {
  auto program = prepare(R"(
    r6 = r1
    r0 = *(u16 *)skb[2]
    r7 = r0
    r1 = 1
    r0 = *(u32 *)skb[r1 + 1]
    r0 += r7
    r0 = *(u8 *)skb[100]   # out of bounds: the program ends with r0 = 0
    r0 = 5
    exit
  )");
  ASSERT_TRUE(program);
  std::uint8_t packet[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  for (Engine engine : {Engine::interpreter, Engine::jit}) {
    RunState state;
    state.set_packet(packet);
    EXPECT_EQ(*run(*program, {}, state, engine), 0U) << engine_name(engine);

    auto in_bounds =
        prepare("r0 = *(u16 *)skb[2]\nr7 = r0\nr1 = 1\nr0 = *(u32 *)skb[r1 + 1]\nr0 += r7\nexit");
    ASSERT_TRUE(in_bounds);
    EXPECT_EQ(*run(*in_bounds, {}, state, engine), 0x33445566U + 0x3344U) << engine_name(engine);
    // r1..r5 survive the load, as the interpreter keeps them.
    auto kept = prepare(
        "r1 = 11\nr2 = 22\nr3 = 33\nr4 = 44\nr5 = 55\nr0 = *(u8 *)skb[0]\nr0 += r1\n"
        "r0 += r2\nr0 += r3\nr0 += r4\nr0 += r5\nexit");
    ASSERT_TRUE(kept);
    EXPECT_EQ(*run(*kept, {}, state, engine), 0x11U + 165) << engine_name(engine);
  }
}

TEST(Vm, ProgramsRunOnManyThreadsAtOnce) {
  auto program = prepare(R"(
    r0 = 0
    r2 = 0
  loop:
    r3 = r2
    r3 *= r1
    r0 += r3
    r2 += 1
    if r2 < 1000 goto loop
    exit
  )");
  ASSERT_TRUE(program);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (std::uint64_t t = 1; t <= 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        RunState state;
        const std::uint64_t args[1] = {t};
        const Engine engine = i % 2 == 0 ? Engine::interpreter : Engine::jit;
        Result<std::uint64_t> r0 = run(*program, args, state, engine);
        if (!r0.ok() || *r0 != t * 499500) ++wrong;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// A bpf_loop look-alike: calls the callback r2 for i in 0..r1 with (i, r3) until it returns 1.
std::uint64_t loop_helper(std::uint64_t count, std::uint64_t callback, std::uint64_t context,
                          std::uint64_t, std::uint64_t, RunState& state) {
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t args[2] = {i, context};
    Result<std::uint64_t> r0 = call_function(state, callback, args);
    if (!r0.ok()) {
      state.fail(std::move(r0).error());
      return 0;
    }
    if (*r0 == 1) return i + 1;
  }
  return count;
}

TEST(Vm, HelpersCallBackIntoTheProgram) {
  Environment environment;
  environment.set_helper(181, loop_helper);
  auto program = prepare(R"(
    r6 = 0
    *(u64 *)(r10 - 8) = r6      # the sum, on the caller's stack
    r1 = 5
    r2 = code_addr(add) ll
    r3 = r10
    r3 += -8
    call 181
    r0 = *(u64 *)(r10 - 8)
    exit
  add:                          # r1 = index, r2 = &sum
    *(u64 *)(r10 - 8) = r1      # the callback's own frame
    r3 = *(u64 *)(r2 + 0)
    r3 += r1
    *(u64 *)(r2 + 0) = r3
    r0 = 0
    exit
  )",
                         environment);
  ASSERT_TRUE(program);
  EXPECT_EQ(*run_both(*program), 0U + 1 + 2 + 3 + 4);
}

TEST(Vm, FaultsInsideCallbacksStopTheProgram) {
  Environment environment;
  environment.set_helper(181, loop_helper);
  auto program = prepare(R"(
    r1 = 3
    r2 = code_addr(bad) ll
    r3 = 0
    call 181
    r0 = 0
    exit
  bad:
    r0 = *(u64 *)(r10 + 8)      # above the callback's frame: the caller's frame, allowed
    r0 = *(u64 *)(r2 + 0)       # r2 = 0: a fault
    exit
  )",
                         environment);
  ASSERT_TRUE(program);
  RunState state;
  Result<std::uint64_t> r0 = run(*program, {}, state, Engine::checked);
  ASSERT_FALSE(r0.ok());
  EXPECT_THAT(r0.error().to_string(),
              HasSubstr("insn 8: read of 8 bytes at 0x0 dereferences NULL"));
}

TEST(Vm, CallbacksCountTowardsTheCallDepth) {
  Environment environment;
  environment.set_helper(181, loop_helper);
  // main -> f -> g -> h -> i -> j -> k (7 frames) -> callback (8th): allowed; one more call
  // inside the callback would be the 9th.
  auto program = prepare(R"(
    call f
    exit
  f:
    call g
    exit
  g:
    call h
    exit
  h:
    call i
    exit
  i:
    call j
    exit
  j:
    call k
    exit
  k:
    r1 = 1
    r2 = code_addr(cb) ll
    r3 = 0
    call 181
    exit
  cb:
    r0 = 0
    call leaf
    exit
  leaf:
    r0 = 0
    exit
  )",
                         environment);
  ASSERT_TRUE(program);
  for (Engine engine : {Engine::interpreter, Engine::jit}) {
    RunState state;
    Result<std::uint64_t> r0 = run(*program, {}, state, engine);
    ASSERT_FALSE(r0.ok());
    EXPECT_THAT(r0.error().to_string(), HasSubstr("call depth exceeds 8 frames"))
        << engine_name(engine);
  }
}

std::uint64_t failing_helper(std::uint64_t r1, std::uint64_t, std::uint64_t, std::uint64_t,
                             std::uint64_t, RunState& state) {
  if (r1 == 3) state.fail(make_error("helper refuses 3"));
  return r1 * 2;
}

TEST(Vm, AHelperFailureStopsTheProgramOnEveryEngine) {
  Environment environment;
  environment.set_helper(9, failing_helper);
  auto program = prepare(R"(
    r1 = 2
    call 9
    r6 = r0
    r1 = 3
    call 9
    r0 = 77
    exit
  )",
                         environment);
  ASSERT_TRUE(program);
  Result<std::uint64_t> r0 = run_both(*program);
  ASSERT_FALSE(r0.ok());
  EXPECT_THAT(r0.error().to_string(), HasSubstr("insn 4"));
  EXPECT_THAT(r0.error().to_string(), HasSubstr("helper refuses 3"));
  // The state is clean for the next run.
  RunState state;
  EXPECT_FALSE(run(*program, {}, state, Engine::jit).ok());
  EXPECT_FALSE(state.failed());
}

TEST(Vm, AHelperFailureInsideACallbackStopsTheJitProgram) {
  Environment environment;
  environment.set_helper(181, loop_helper);
  environment.set_helper(9, failing_helper);
  auto program = prepare(R"(
    r1 = 5
    r2 = code_addr(cb) ll
    r3 = 0
    call 181
    r0 = 0
    exit
  cb:
    call leaf          # a local call inside the callback: the error unwinds both frames
    exit
  leaf:
    call 9             # fails when r1 (the index) is 3
    exit
  )",
                         environment);
  ASSERT_TRUE(program);
  Result<std::uint64_t> r0 = run_both(*program);
  ASSERT_FALSE(r0.ok());
  EXPECT_THAT(r0.error().to_string(), HasSubstr("helper refuses 3"));
}

TEST(Vm, RequestingTheJitWhenForbiddenFailsClearly) {
  Environment environment;
  environment.jit_allowed = false;
  auto program = prepare("r0 = 1\nexit", environment);
  ASSERT_TRUE(program);
  EXPECT_EQ(program->jit(), nullptr);
  RunState state;
  Result<std::uint64_t> r0 = run(*program, {}, state, Engine::jit);
  ASSERT_FALSE(r0.ok());
  EXPECT_THAT(r0.error().to_string(), HasSubstr("the JIT is not available"));
  EXPECT_EQ(*run(*program, {}, state, Engine::interpreter), 1U);
}

TEST(Vm, UnresolvedPseudoLddwIsRefused) {
  Result<std::shared_ptr<const Program>> program =
      Program::create(assemble("r1 = map_by_fd(3) ll\nr0 = 0\nexit"), {});
  ASSERT_FALSE(program.ok());
  EXPECT_THAT(program.error().to_string(), HasSubstr("needs the runtime to resolve it"));
}

TEST(Vm, KernelFunctionCallsAreRefused) {
  Result<std::shared_ptr<const Program>> program =
      Program::create(assemble("call btf_id 5\nexit"), {});
  ASSERT_FALSE(program.ok());
  EXPECT_THAT(program.error().to_string(), HasSubstr("calls to kernel functions"));
}

}  // namespace
}  // namespace xbpf::vm
