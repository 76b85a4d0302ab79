// Internal to the JIT: the code generator and what the generated code calls back into.
#pragma once

#include <cstdint>

#include "jit/x86_64/jit.h"

namespace xbpf::vm {

// Where JITed code finds RunState's fields: byte offsets from the RunState pointer it keeps
// in r12. Measured on a real object (RunState is not standard-layout, so no offsetof).
struct RunStateLayout {
  std::int32_t failed;
  std::int32_t frame_pointer;
  std::int32_t program;
  std::int32_t depth;
  std::int32_t stack;  // RunState::stack.data()
  std::int32_t scratch_stack_pointer;
  std::int32_t scratch_value;
  std::int32_t scratch_error;
  std::int32_t scratch_slot;
  std::int32_t scratch_packet_fault;
  static const RunStateLayout& get();
};

}  // namespace xbpf::vm

namespace xbpf::jit::x86_64 {

// The generator, with the address of the per-slot function table callx reads.
Listing generate(const vm::Program& program, const Options& options,
                 const void* const* function_table);

// Called by JITed code (with the native calling convention).
// bpf_tail_call: the target's tail entry, or nullptr to fall through (limit reached, empty
// slot; or a target without machine code, which fails the run).
const void* tail_call(vm::RunState* state, std::uint64_t map, std::uint64_t index);
// A legacy packet load (ldabs/ldind): the big-endian value, or 0 with
// state->jit_scratch.packet_fault set when out of bounds.
std::uint64_t packet_load(vm::RunState* state, std::int64_t offset, std::uint64_t bytes);

}  // namespace xbpf::jit::x86_64
