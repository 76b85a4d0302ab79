// The x86-64 JIT: a prepared vm::Program compiled to machine code, emitted directly (no code
// generator library). See docs/architecture.md ("The JIT") for the register mapping, the
// frame layout, the calling conventions and how tail calls and errors work.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "support/error.h"
#include "vm/vm.h"

namespace xbpf::jit::x86_64 {

// The native calling convention the code follows: System V (Linux) or Win64 (Windows).
enum class Abi : std::uint8_t { sysv, win64 };
Abi native_abi();
bool host_has_bmi2();

struct Options {
  Abi abi = native_abi();
  // Constant blinding: every immediate of the program is emitted xor-ed with a random key and
  // the key, and recombined at run time.
  bool blind = false;
  std::uint64_t seed = 0;  // blinding keys; 0: random
  // Variable shifts with BMI2's shlx/shrx/sarx (one instruction, any count register), as
  // Linux's JIT does where the CPU has them; otherwise through cl.
  bool bmi2 = host_has_bmi2();
};

// Machine code in memory that is read+execute only (written, then flipped: never W+X).
class Image {
 public:
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;
  ~Image();

  // Enters the code: r1..r5 from args[0..4], r10 = frame + 512 - 512 (the callee's frame
  // is 512 bytes below `caller_frame`), running the function whose prologue is `function`.
  // Returns r0; state.jit_scratch.error != 0 when the code stopped with an error.
  using Entry = std::uint64_t (*)(const std::uint64_t* args, vm::RunState* state,
                                  std::uint64_t caller_frame, const void* function);
  [[nodiscard]] Entry entry() const { return entry_; }
  // Where entry() enters the function starting at `slot`, or nullptr when none starts there.
  [[nodiscard]] const void* function(std::uint64_t slot) const {
    return slot < entries_.size() ? entries_[slot] : nullptr;
  }
  // Where a tail call into this program lands: past the main function's prologue.
  [[nodiscard]] const void* tail_entry() const { return tail_entry_; }
  // How many of r1..r5 entry() reads from args (the registers the program uses): an args
  // array at least this long may be passed as it is.
  [[nodiscard]] std::size_t arguments() const { return arguments_; }

  // For `xbpf prog dump jited`: the code, and per instruction (by index in
  // Program::instructions()) the offset where its machine code starts; instruction i ends
  // where i + 1 starts, the last one at body_end(). Before the first: the entry stub; after
  // body_end(): out-of-line error paths.
  [[nodiscard]] std::span<const std::uint8_t> code() const { return {memory_, code_size_}; }
  [[nodiscard]] std::span<const std::uint32_t> instruction_offsets() const { return offsets_; }
  [[nodiscard]] std::size_t body_end() const { return body_end_; }

 private:
  friend Result<std::shared_ptr<const Image>> compile(const vm::Program&, const Options&);
  Image() = default;
  std::uint8_t* pages_ = nullptr;   // the mapping
  std::uint8_t* memory_ = nullptr;  // the code, inside it
  std::size_t mapped_size_ = 0;
  std::size_t code_size_ = 0;
  std::size_t body_end_ = 0;
  std::size_t arguments_ = 5;
  Entry entry_ = nullptr;
  const void* tail_entry_ = nullptr;
  std::vector<const void*> functions_;  // per slot: the prologue local calls (callx) use
  std::vector<const void*> entries_;    // per slot: the outer entry
  std::vector<std::uint32_t> offsets_;
};

// Compiles a prepared program. Fails only when executable memory cannot be had.
Result<std::shared_ptr<const Image>> compile(const vm::Program& program, const Options& options);

// The machine code without placing it in executable memory (tests, blinding checks).
struct Listing {
  static constexpr std::uint32_t kNone = 0xffffffffU;
  std::vector<std::uint8_t> code;
  std::vector<std::uint32_t> offsets;    // per instruction
  std::vector<std::uint32_t> functions;  // per slot: the function prologue, or kNone
  std::vector<std::uint32_t> entries;    // per slot: where the entry stub enters, or kNone
  std::uint32_t tail_entry = 0;
  std::size_t body_end = 0;
  std::size_t arguments = 5;             // the entry stub reads args[0 .. arguments)
  std::vector<std::uint32_t> slot_code;  // per slot: its code past any prologue
};
Listing generate(const vm::Program& program, const Options& options);

// Why JITed code stopped (RunState::jit_scratch.error).
enum class Stop : std::uint32_t { none = 0, helper_failed = 1, call_depth = 2, bad_callx = 3 };

}  // namespace xbpf::jit::x86_64
