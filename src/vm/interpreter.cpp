// The fast interpreter: no run-time checks beyond what the ISA defines (validation and, for
// programs from the loader, the verifier have proved the rest).
#include "vm/interpreter_internal.h"

namespace xbpf::vm::detail {
namespace {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#define XBPF_CHECKED 0
#define XBPF_RUN_IMPL run_fast_impl
#include "vm/interpreter_body.inc"
#pragma GCC diagnostic pop

}  // namespace

HandlerTable fast_handlers() {
  static const HandlerTable table = [] {
    HandlerTable result{};
    (void)run_fast_impl(nullptr, 0, {}, 0, 0, nullptr, &result);
    return result;
  }();
  return table;
}

Result<std::uint64_t> run_fast(const Program& program, std::uint64_t entry,
                               std::span<const std::uint64_t> args, std::uint64_t frame_pointer,
                               std::size_t depth, RunState& state) {
  return run_fast_impl(&program, entry, args, frame_pointer, depth, &state, nullptr);
}

}  // namespace xbpf::vm::detail
