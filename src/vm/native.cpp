// The C++ side of ahead-of-time compiled code (src/aot/): the link its C reads, the calls it
// makes back (tail calls, legacy packet loads), and turning its stops into errors.
#include "jit/x86_64/compiler.h"
#include "vm/interpreter_internal.h"

namespace xbpf::vm::detail {
namespace {

const NativeLink* native_tail_call(RunState* state, std::uint64_t map, std::uint64_t index) {
  if (state->tail_calls >= kMaxTailCalls) return nullptr;
  Host* host = state->program->environment().host;
  if (host == nullptr || !host->supports_tail_calls()) {
    state->fail(make_error("bpf_tail_call: the host does not support tail calls"));
    return nullptr;
  }
  const Program* next = host->tail_call_target(map, index);
  if (next == nullptr) return nullptr;
  if (next->native() == nullptr) {
    state->fail(make_error("the tail call target has no native code (no image provides it)"));
    return nullptr;
  }
  ++state->tail_calls;
  state->program = next;
  return next->native();
}

std::uint64_t native_packet_load(RunState* state, std::int64_t offset, std::uint64_t bytes,
                                 std::uint32_t* stop) {
  const std::span<const std::uint8_t> packet = state->packet();
  if (offset < 0 || static_cast<std::uint64_t>(offset) + bytes > packet.size()) {
    *stop = static_cast<std::uint32_t>(NativeStop::packet_end);
    return 0;
  }
  std::uint64_t value = 0;
  for (std::uint64_t i = 0; i < bytes; ++i) {
    value = (value << 8) | packet[static_cast<std::size_t>(offset) + i];
  }
  return value;
}

[[gnu::noinline]] Result<std::uint64_t> native_stopped(const NativeRun& run, RunState& state) {
  const auto slot = static_cast<std::ptrdiff_t>(run.slot);
  switch (static_cast<NativeStop>(run.stop)) {
    case NativeStop::helper_failed: {
      if (!state.failed()) break;
      Error error = state.take_failure();
      if (!error.where.instruction) error.where.instruction = static_cast<std::size_t>(slot);
      return error;
    }
    case NativeStop::call_depth:
      return fault_at(slot, "call depth exceeds " + std::to_string(kMaxCallDepth) + " frames");
    case NativeStop::bad_callx:
      return fault_at(slot, "callx target " + to_hex(run.value) +
                                " is neither a function entry nor an available helper");
    case NativeStop::packet_end: return std::uint64_t{0};
    case NativeStop::bad_jump:
      return fault_at(slot,
                      "control flow reaches another function (native code supports it "
                      "in verified programs only)");
    case NativeStop::none: break;
  }
  return fault_at(slot, "native code stopped for an unknown reason");
}

}  // namespace

NativeLink make_native_link(const Program& program, const NativeFunction& function,
                            const std::uint64_t* wide) {
  const RunStateLayout& layout = RunStateLayout::get();
  NativeLink link{};
  link.helpers = program.environment().helpers.data();
  link.wide = wide;
  link.tail_call = native_tail_call;
  link.packet_load = native_packet_load;
  link.main = function.main;
  link.program = &program;
  link.failed = layout.failed;
  link.frame_pointer = layout.frame_pointer;
  link.program_field = layout.program;
  link.depth = layout.depth;
  return link;
}

Result<std::uint64_t> run_native(const Program& program, std::uint64_t slot,
                                 std::span<const std::uint64_t> args, std::size_t depth,
                                 RunState& state) {
  std::uint64_t regs[5] = {};
  for (std::size_t i = 0; i < args.size() && i < 5; ++i) regs[i] = args[i];
  NativeRun run{&state, 0, 0, 0};
  const std::uint64_t r0 = program.environment().native->entry(
      regs, program.native(), slot, static_cast<std::uint32_t>(depth), &run);
  if (run.stop == 0) [[likely]] {
    return r0;
  }
  return native_stopped(run, state);
}

}  // namespace xbpf::vm::detail
