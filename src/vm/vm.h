// The eBPF virtual machine: programs prepared once, then run by the interpreter (fast or
// checked mode) or as x86-64 machine code from the JIT (src/jit/x86_64/). The runtime fills
// the helper table and resolves map references.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "isa/instruction.h"
#include "support/error.h"

namespace xbpf::vm {

inline constexpr std::size_t kStackSize = 512;       // bytes per frame
inline constexpr std::size_t kMaxCallDepth = 8;      // frames, including the entry function
inline constexpr std::uint32_t kMaxTailCalls = 33;   // as in Linux (MAX_TAIL_CALL_CNT)
inline constexpr std::int32_t kTailCallHelper = 12;  // bpf_tail_call
inline constexpr std::size_t kMaxHelpers = 512;      // helper ids are below this

class RunState;
class Program;
}  // namespace xbpf::vm

namespace xbpf::jit::x86_64 {
class Image;
}  // namespace xbpf::jit::x86_64

namespace xbpf::vm {

// A helper receives r1..r5 and the running program's state; its result goes to r0.
using Helper = std::uint64_t (*)(std::uint64_t r1, std::uint64_t r2, std::uint64_t r3,
                                 std::uint64_t r4, std::uint64_t r5, RunState& state);

// What the embedder (the runtime, a test harness) provides to programs.
class Host {
 public:
  virtual ~Host() = default;
  // The value of an lddw with a pseudo source (map_by_fd, map_val, var_addr, map_by_idx, ...).
  // code_addr is the VM's own: the target's instruction index.
  virtual Result<std::uint64_t> resolve_lddw(const isa::Instruction& insn);
  // bpf_tail_call(ctx, map, index): the program to continue with, or nullptr (the call then
  // falls through). Only consulted when a program calls helper 12 and this host
  // supports_tail_calls().
  virtual const Program* tail_call_target(std::uint64_t map, std::uint64_t index);
  virtual bool supports_tail_calls() const { return false; }
};

// Ahead-of-time compiled code (src/aot/): the C the translator emits calls back into the
// runtime through a NativeLink, one per prepared Program. The layout is shared with the C
// prelude in aot/translate.cpp (kNativeAbi names its version): change both together.
struct NativeLink;
inline constexpr std::uint32_t kNativeAbi = 1;

// One run of native code (a C struct on the C++ side): why it stopped, where, with what value.
struct NativeRun {
  RunState* state;
  std::uint32_t stop;  // 0, or a NativeStop
  std::uint32_t slot;
  std::uint64_t value;
};
enum class NativeStop : std::uint32_t {
  none = 0,
  helper_failed = 1,
  call_depth = 2,
  bad_callx = 3,
  packet_end = 4,  // a legacy packet load out of bounds: the program ends with r0 = 0
  bad_jump = 5,    // control flow into another function (unverified code only)
};

// An image's exported entry for one program: runs the function starting at `slot` at frame
// depth `depth` (0: the program's main function) with r1..r5 = args.
using NativeEntry = std::uint64_t (*)(const std::uint64_t* args, const NativeLink* link,
                                      std::uint64_t slot, std::uint32_t depth, NativeRun* run);

struct NativeLink {
  const Helper* helpers;      // Environment::helpers of the Program
  const std::uint64_t* wide;  // per slot: the value the lddw there loads
  const NativeLink* (*tail_call)(RunState* state, std::uint64_t map, std::uint64_t index);
  std::uint64_t (*packet_load)(RunState* state, std::int64_t offset, std::uint64_t bytes,
                               std::uint32_t* stop);
  const void* main;        // the program's main function in the image (tail calls land there)
  const Program* program;  // published in RunState::program at helper calls
  std::int32_t failed;     // byte offsets in RunState (RunStateLayout)
  std::int32_t frame_pointer;
  std::int32_t program_field;
  std::int32_t depth;
};

// A program's code in a loaded native image: its entry, its main function, and what keeps
// the image loaded.
struct NativeFunction {
  NativeEntry entry = nullptr;
  const void* main = nullptr;
  std::shared_ptr<const void> image;
};

struct Environment {
  // Indexed by helper id; a null entry is an unavailable helper.
  std::array<Helper, kMaxHelpers> helpers{};
  Host* host = nullptr;  // optional
  // JIT policy. Program::create compiles the program to machine code unless jit_allowed is
  // false or XBPF_JIT=off (no executable memory at all: the interpreters run instead).
  // jit_blind (or XBPF_JIT_BLIND=1) blinds constants: no immediate of the program appears
  // verbatim in the machine code (for untrusted programs).
  bool jit_allowed = true;
  bool jit_blind = false;
  // The program's ahead-of-time compiled code (Engine::native), when an image provides it.
  std::shared_ptr<const NativeFunction> native;

  void set_helper(std::int32_t id, Helper helper) {
    helpers.at(static_cast<std::size_t>(id)) = helper;
  }
};

// A memory region a program may touch in checked mode.
struct Region {
  std::uint64_t start = 0;
  std::uint64_t size = 0;
  bool writable = false;
  std::string name;
};

// One pre-decoded slot of threaded code: the handler to jump to and the instruction's fields.
struct alignas(16) Slot {
  const void* handler;
  std::uint8_t dst;
  std::uint8_t src;
  std::int16_t off;
  std::int32_t imm;
};
static_assert(sizeof(Slot) == 16);

enum class Engine { interpreter, checked, jit, native };

// A program ready to run: validated, lddw pseudo sources resolved, helpers checked against the
// environment, threaded code built for both interpreter modes. Immutable and shareable: any
// number of threads may run it at once.
class Program {
 public:
  static Result<std::shared_ptr<const Program>> create(std::span<const isa::Instruction> code,
                                                       const Environment& environment);

  [[nodiscard]] std::span<const isa::Instruction> instructions() const { return instructions_; }
  [[nodiscard]] const Environment& environment() const { return environment_; }
  [[nodiscard]] std::size_t slot_count() const { return fast_.size(); }
  // True where a function starts: the program's first slot and every target of a local call
  // or of code_addr. callx with such an index is a local call; with any other value it names
  // a helper by id, as in PREVAIL and uBPF.
  [[nodiscard]] bool is_function_entry(std::uint64_t slot) const {
    return slot < entries_.size() && entries_[slot];
  }

  // The 64-bit value an lddw at `slot` loads (pseudo sources resolved).
  [[nodiscard]] std::uint64_t wide_value(std::size_t slot) const {
    return static_cast<std::uint32_t>(fast_[slot].imm) |
           (static_cast<std::uint64_t>(static_cast<std::uint32_t>(fast_[slot + 1].imm)) << 32);
  }

  // The machine code, or nullptr when the JIT did not run (jit_unavailable() says why).
  [[nodiscard]] const jit::x86_64::Image* jit() const { return jit_.get(); }
  [[nodiscard]] const std::string& jit_unavailable() const { return jit_unavailable_; }

  // The native image's code (Engine::native), or nullptr when no image provided it.
  [[nodiscard]] const NativeLink* native() const { return native_link_ ? &*native_link_ : nullptr; }

  // Internal to the interpreter.
  [[nodiscard]] const Slot* code(Engine engine) const {
    return engine == Engine::interpreter ? fast_.data() : checked_.data();
  }

 private:
  Program() = default;
  std::vector<isa::Instruction> instructions_;
  Environment environment_;
  std::vector<Slot> fast_;
  std::vector<Slot> checked_;
  std::vector<bool> entries_;
  std::shared_ptr<const jit::x86_64::Image> jit_;
  std::string jit_unavailable_;
  std::vector<std::uint64_t> native_wide_;
  std::optional<NativeLink> native_link_;
  // Copied out of jit_ so that a run reaches the code in one load.
  std::uint64_t (*jit_entry_)(const std::uint64_t*, RunState*, std::uint64_t,
                              const void*) = nullptr;
  const void* jit_main_ = nullptr;
  std::size_t jit_arguments_ = 5;  // jit_entry_ reads args[0 .. jit_arguments_)
  friend Result<std::uint64_t> run(const Program&, std::span<const std::uint64_t>, RunState&,
                                   Engine);
  friend std::uint64_t run_raw(const Program&, std::span<const std::uint64_t>, RunState&, Engine);
};

// True unless XBPF_JIT=off (or 0, no, false) forbids executable memory in this process.
bool jit_permitted();

// Why a checked run stopped.
struct Fault {
  std::size_t pc = 0;  // slot
  std::string message;
};

// Per-run inputs and state. Helpers see it; the checked mode checks memory against it.
class RunState {
 public:
  RunState() = default;
  RunState(const RunState&) = delete;
  RunState& operator=(const RunState&) = delete;

  // Memory the program may touch (checked mode): context, packet, map values... The stack is
  // always allowed (the frames of the running function and its callers).
  void add_region(Region region) { regions_.push_back(std::move(region)); }
  void remove_last_region() { regions_.pop_back(); }
  // Replaces region `index` (0-based, in the order added): a packet that moved.
  void set_region(std::size_t index, Region region) { regions_.at(index) = std::move(region); }
  [[nodiscard]] const std::vector<Region>& regions() const { return regions_; }
  // Data seen by the legacy packet loads (ldabs/ldind).
  void set_packet(std::span<const std::uint8_t> packet) { packet_ = packet; }
  [[nodiscard]] std::span<const std::uint8_t> packet() const { return packet_; }
  // The embedder's per-run data, for its helpers.
  void* user = nullptr;
  // Checked mode only: stop with an error after this many instructions (0: no limit).
  std::uint64_t instruction_limit = 0;

  // The CPU the program runs on, as helpers see it (bpf_get_smp_processor_id, per-CPU maps).
  unsigned cpu = 0;

  // Filled by the run: instructions executed (checked mode only), tail calls taken.
  std::uint64_t instructions_executed = 0;
  std::uint32_t tail_calls = 0;

  // A helper stops the program with fail() (a bad argument, a fault in a callback); the run
  // then returns the error, located at the helper call.
  void fail(Error error) {
    failure_ = std::move(error);
    failed_ = 1;
  }
  [[nodiscard]] bool failed() const { return failed_ != 0; }
  [[nodiscard]] const std::optional<Error>& failure() const { return failure_; }
  Error take_failure() {
    Error error = std::move(*failure_);
    reset_failure();
    return error;
  }
  void reset_failure() {
    failure_.reset();
    failed_ = 0;
  }

  // Published by the interpreter at every helper call, for call_function(): the running
  // program, engine, frame pointer and call depth.
  const Program* program = nullptr;
  Engine engine = Engine::interpreter;
  std::uint64_t frame_pointer = 0;
  std::size_t depth = 0;  // (native code publishes it as a 64-bit value)

  // Stack memory for all frames, highest frame first. Exposed for diagnostics. Aligned to 16,
  // so that every frame pointer is (the JIT tells aligned atomics through r10 from its offset).
  alignas(16) std::array<std::uint8_t, kStackSize * kMaxCallDepth> stack{};

  // Internal to JITed code, which reaches it through a register: how to unwind and why.
  struct JitScratch {
    std::uint64_t stack_pointer = 0;  // the native stack at entry, for unwinding on errors
    std::uint64_t value = 0;          // the offending value (a bad callx target)
    std::uint32_t error = 0;          // 0, or why the code stopped
    std::uint32_t slot = 0;           // where
    std::uint8_t packet_fault = 0;    // a legacy packet load out of bounds: r0 = 0, stop
  } jit_scratch;

 private:
  friend struct RunStateLayout;
  std::optional<Error> failure_;
  std::uint8_t failed_ = 0;  // failure_ has a value; a byte JITed code tests after helper calls
  std::vector<Region> regions_;
  std::span<const std::uint8_t> packet_;
};

// Runs a program with r1..r5 set from `args`. Returns r0, or an error naming the instruction
// (a checked-mode violation, call depth exceeded, a bad callx target, an unsupported call).
Result<std::uint64_t> run(const Program& program, std::span<const std::uint64_t> args,
                          RunState& state, Engine engine = Engine::interpreter);

namespace detail {
// run_raw's way out of its fast path: another engine, no JIT code, a JIT stop (`stopped`).
std::uint64_t run_raw_slow(const Program& program, std::span<const std::uint64_t> args,
                           RunState& state, Engine engine, bool stopped);
// `args` padded with zeros to r1..r5, in `copy`.
const std::uint64_t* pad_arguments(std::span<const std::uint64_t> args, std::uint64_t (&copy)[5]);
}  // namespace detail

// The same run for a hook's per-packet loop: r0, and on failure 0 with the error left in
// `state` (state.failed(), state.take_failure()), so that no Result is built per packet.
// Inline: with the JIT, calling into the program is most of what an empty program costs.
inline std::uint64_t run_raw(const Program& program, std::span<const std::uint64_t> args,
                             RunState& state, Engine engine = Engine::interpreter) {
  if (engine != Engine::jit || program.jit_main_ == nullptr) [[unlikely]] {
    return detail::run_raw_slow(program, args, state, engine, false);
  }
  state.instructions_executed = 0;
  state.tail_calls = 0;
  if (state.failed() || state.failure().has_value()) [[unlikely]] {
    state.reset_failure();
  }
  state.engine = engine;
  state.program = &program;
  std::uint64_t copy[5];
  const std::uint64_t* regs =
      args.size() >= program.jit_arguments_ ? args.data() : detail::pad_arguments(args, copy);
  const auto top = reinterpret_cast<std::uint64_t>(state.stack.data() + state.stack.size());
  const std::uint64_t r0 = program.jit_entry_(regs, &state, top + kStackSize, program.jit_main_);
  if (state.jit_scratch.error == 0) [[likely]] {
    return r0;
  }
  return detail::run_raw_slow(program, args, state, engine, true);
}

// True when the running program may access [address, address + size): the checked mode's
// rule (the live stack frames and the run's regions), for helpers to check their pointer
// arguments with.
bool accessible(const RunState& state, std::uint64_t address, std::uint64_t size, bool write);

// Calls the running program's function at `function_slot` (a callback: bpf_loop,
// bpf_for_each_map_elem) from inside a helper, with r1..r5 = args, in a new frame below the
// caller's; the call depth counts against the limit of 8 frames.
Result<std::uint64_t> call_function(RunState& state, std::uint64_t function_slot,
                                    std::span<const std::uint64_t> args);

std::string_view engine_name(Engine engine);
std::optional<Engine> parse_engine(std::string_view name);

namespace detail {
// The interpreter entry points (one per mode). With program == nullptr they return the
// handler table instead of running, indexed by isa::Op, then the extra handlers.
struct HandlerTable {
  const void* const* handlers;
  const void* const* extra;  // [0] tail call, [1] an unavailable function
  [[nodiscard]] const void* tail_call() const { return extra[0]; }
  [[nodiscard]] const void* unavailable() const { return extra[1]; }
};
HandlerTable fast_handlers();
HandlerTable checked_handlers();
Result<std::uint64_t> run_fast(const Program& program, std::uint64_t entry,
                               std::span<const std::uint64_t> args, std::uint64_t frame_pointer,
                               std::size_t depth, RunState& state);
Result<std::uint64_t> run_checked(const Program& program, std::uint64_t entry,
                                  std::span<const std::uint64_t> args, std::uint64_t frame_pointer,
                                  std::size_t depth, RunState& state);
}  // namespace detail

}  // namespace xbpf::vm
