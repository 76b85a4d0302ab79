// Running a loaded program once or `repeat` times on given input, with the semantics of
// Linux's BPF_PROG_TEST_RUN for its program type:
// - XDP: the packet in a page-sized frame with 256 bytes of headroom, its bytes past 3520 (or
//   past ctx_in's data_end) in page-sized fragments (a multi-buffer frame); ctx_in may carry
//   an xdp_md (ingress_ifindex 0 or 1, rx_queue_index 0: the only device is lo; `data` = the
//   length of metadata at the start of data_in); the program sees ingress_ifindex 1 (lo);
//   data_out is the frame from data_meta to data_end after the run, then the fragments, so
//   it shows head, meta and tail adjustments; ctx_out the resulting xdp_md.
// - sk_buff types (socket_filter, sched_cls/act, cgroup_skb, lwt_*): a __sk_buff over the
//   packet (data at the MAC header for tc, past it for the others, whose data_out has the
//   Ethernet header zeroed, as Linux's); ctx_in/ctx_out carry mark, priority, cb, ...
// - other types: the context is ctx_in (zero-padded to the context size).
// Repeated runs share the context and packet; retval is the last run's; duration the
// average in ns.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/runtime.h"
#include "support/error.h"
#include "vm/vm.h"

namespace xbpf::runtime {

struct TestRunOptions {
  std::vector<std::uint8_t> data_in;
  std::vector<std::uint8_t> ctx_in;  // empty: none
  std::uint32_t repeat = 1;          // 0 counts as 1
  vm::Engine engine = vm::Engine::checked;
  unsigned cpu = 0;
  // Checked mode only: stop with an error after this many instructions (0: no limit).
  std::uint64_t instruction_limit = 0;
};

struct TestRunResult {
  std::uint32_t retval = 0;  // r0's low 32 bits, as Linux reports it
  std::uint64_t r0 = 0;
  std::uint64_t duration_ns = 0;  // average per run
  std::vector<std::uint8_t> data_out;
  std::vector<std::uint8_t> ctx_out;
  std::optional<std::uint32_t> redirect_ifindex;  // XDP_REDIRECT / TC_ACT_REDIRECT target
};

Result<TestRunResult> test_run(const LoadedProgram& program, const TestRunOptions& options);

// Adds every map's storage of the program's object to the checked mode's regions (read-only
// for .rodata): what a run of `program` may touch besides its context, packet and stack.
void add_map_regions(const LoadedProgram& program, vm::RunState& state);

}  // namespace xbpf::runtime
