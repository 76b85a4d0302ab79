#include "runtime/test_run.h"

#include <cstring>

#include "platform/platform.h"
#include "runtime/run_context.h"
#include "runtime/skb.h"
#include "runtime/xdp_buffer.h"
#include "support/linux_abi.h"

namespace xbpf::runtime {
namespace {

using progtype::ProgramType;

constexpr std::uint32_t kLoopbackIfindex = 1;  // lo: Linux's test runs receive there

Error invalid(std::string message) {
  Error error = make_error(std::move(message));
  error.linux_errno = linux_abi::kEINVAL;
  return error;
}

// Runs the program `repeat` times with r1 = context; the last r0 and the average time.
Result<TestRunResult> run_repeated(const LoadedProgram& program, const TestRunOptions& options,
                                   vm::RunState& state, void* context) {
  const std::uint32_t repeat = options.repeat == 0 ? 1 : options.repeat;
  const std::uint64_t args[1] = {reinterpret_cast<std::uint64_t>(context)};
  Result<std::uint64_t> r0 = std::uint64_t{0};
  const std::uint64_t start = platform::monotonic_ns();
  for (std::uint32_t i = 0; i < repeat; ++i) {
    r0 = vm::run(*program.code, args, state, options.engine);
    if (!r0) break;
  }
  const std::uint64_t elapsed = platform::monotonic_ns() - start;
  if (!r0) {
    Error error = std::move(r0).error();
    error.where.section = program.section;
    error.message = program.name + ": " + error.message;
    return error;
  }
  TestRunResult result;
  result.r0 = *r0;
  result.retval = static_cast<std::uint32_t>(*r0);
  result.duration_ns = elapsed / repeat;
  return result;
}

Result<TestRunResult> run_xdp(const LoadedProgram& program, const TestRunOptions& options,
                              vm::RunState& state, RunContext& run) {
  XdpMd md{};
  std::size_t meta = 0;
  // The frame's linear part, metadata included: all of data_in unless ctx_in's data_end says
  // less (the rest goes to fragments).
  std::size_t linear = options.data_in.size();
  if (!options.ctx_in.empty()) {
    if (options.ctx_in.size() > sizeof md) return invalid("ctx_in is larger than struct xdp_md");
    std::memcpy(&md, options.ctx_in.data(), options.ctx_in.size());
    // As bpf_prog_test_run_xdp checks: no data before the metadata, data_end within data_in,
    // the metadata length valid (a multiple of 4, at most 255).
    if (md.data_meta != 0 || md.data_end > options.data_in.size() || md.data > md.data_end ||
        md.data % 4 != 0 || md.data > 255) {
      return invalid(
          "ctx_in: xdp_md must have data_meta 0, data the metadata length (a multiple of 4, at "
          "most 255), data_end at most the size of data_in");
    }
    meta = md.data;
    linear = md.data_end;
  }
  if (linear < 14) return invalid("data_in must hold at least an Ethernet header (14 bytes)");
  // xdp_convert_md_to_buff: no egress device; a queue needs a device, and the only device
  // here is lo (ifindex 1, one queue), where Linux's test runs receive by default.
  if (md.egress_ifindex != 0) return invalid("ctx_in: egress_ifindex must be 0");
  if (md.ingress_ifindex == 0 && md.rx_queue_index != 0) {
    return invalid("ctx_in: rx_queue_index needs an ingress_ifindex");
  }
  if (md.ingress_ifindex > kLoopbackIfindex) {
    Error error =
        make_error("ctx_in: no device with ifindex " + std::to_string(md.ingress_ifindex) +
                   " (test runs have only lo, ifindex 1)");
    error.linux_errno = linux_abi::kENODEV;
    return error;
  }
  if (md.rx_queue_index != 0) return invalid("ctx_in: lo has a single receive queue (0)");
  // The program reads lo's ifindex; ctx_out keeps ctx_in's.
  const std::uint32_t given_ifindex = md.ingress_ifindex;
  md.ingress_ifindex = kLoopbackIfindex;
  XdpBuffer frame;
  XBPF_TRY(frame.reset(std::span(options.data_in).subspan(meta), meta, linear - meta));
  if (meta != 0) std::memcpy(frame.data_meta(), options.data_in.data(), meta);
  frame.publish(md);
  run.xdp = &frame;
  run.xdp_md = &md;
  run.context = &md;
  state.add_region({reinterpret_cast<std::uint64_t>(&md), sizeof md, false, "the xdp_md context"});
  run.packet_region = state.regions().size();
  state.add_region(xdp_packet_region(frame));
  Result<TestRunResult> result = run_repeated(program, options, state, &md);
  if (!result) return result;
  result->data_out = frame.contents();
  XdpMd out = md;
  out.data_meta = 0;
  out.data = static_cast<std::uint32_t>(frame.meta_length());
  out.data_end = static_cast<std::uint32_t>(frame.meta_length() + frame.length());
  out.ingress_ifindex = given_ifindex;
  result->ctx_out.assign(reinterpret_cast<const std::uint8_t*>(&out),
                         reinterpret_cast<const std::uint8_t*>(&out) + sizeof out);
  result->redirect_ifindex = run.redirect_ifindex;
  return result;
}

Result<TestRunResult> run_skb(const LoadedProgram& program, const TestRunOptions& options,
                              vm::RunState& state, RunContext& run) {
  const ProgramType type = program.type->type;
  const bool l2 = type == ProgramType::sched_cls || type == ProgramType::sched_act;
  const bool direct_access = l2 || type == ProgramType::lwt_in || type == ProgramType::lwt_out ||
                             type == ProgramType::lwt_xmit || type == ProgramType::cgroup_skb;
  SkBuff skb;
  XBPF_TRY(skb.reset(options.data_in, l2));
  if (!options.ctx_in.empty()) XBPF_TRY(skb.apply_ctx_in(options.ctx_in));
  skb.publish(direct_access);
  run.context = &skb.context();
  run.packet = skb.data();
  state.set_packet(skb.data());
  state.add_region({reinterpret_cast<std::uint64_t>(&skb.context()), sizeof(SkBuffContext), true,
                    "the __sk_buff context"});
  state.add_region(
      {reinterpret_cast<std::uint64_t>(skb.data().data()), skb.data().size(), l2, "the packet"});
  Result<TestRunResult> result = run_repeated(program, options, state, &skb.context());
  if (!result) return result;
  result->data_out = skb.data_out(l2);
  result->ctx_out = skb.ctx_out();
  result->redirect_ifindex = run.redirect_ifindex;
  return result;
}

Result<TestRunResult> run_with_context(const LoadedProgram& program, const TestRunOptions& options,
                                       vm::RunState& state, RunContext& run) {
  const std::uint32_t size = program.type->context_size;
  if (options.ctx_in.size() > size) {
    return invalid("ctx_in has " + std::to_string(options.ctx_in.size()) + " bytes; struct " +
                   std::string(program.type->context) + " has " + std::to_string(size));
  }
  std::vector<std::uint8_t> context(std::max<std::uint32_t>(size, 8), 0);
  std::copy(options.ctx_in.begin(), options.ctx_in.end(), context.begin());
  run.context = context.data();
  state.add_region(
      {reinterpret_cast<std::uint64_t>(context.data()), context.size(), true, "the context"});
  Result<TestRunResult> result = run_repeated(program, options, state, context.data());
  if (!result) return result;
  result->ctx_out.assign(context.begin(), context.begin() + size);
  return result;
}

}  // namespace

// Every map's storage is memory the program may use (checked mode).
void add_map_regions(const LoadedProgram& program, vm::RunState& state) {
  for (const LoadedMap& map : program.owner->maps()) {
    if (!map.map) continue;
    const std::span<std::byte> storage = map.map->storage();
    if (storage.empty()) continue;
    state.add_region({reinterpret_cast<std::uint64_t>(storage.data()), storage.size(),
                      map.origin != object::MapOrigin::rodata, "map '" + map.name + "'"});
  }
}

Result<TestRunResult> test_run(const LoadedProgram& program, const TestRunOptions& options) {
  Runtime& runtime = program.owner->runtime();
  if (options.cpu >= runtime.possible_cpus()) {
    return invalid("cpu " + std::to_string(options.cpu) + " is not one of the " +
                   std::to_string(runtime.possible_cpus()) + " possible CPUs");
  }
  RunContext run;
  run.runtime = &runtime;
  run.program = &program;
  vm::RunState state;
  state.user = &run;
  state.cpu = options.cpu;
  state.instruction_limit = options.instruction_limit;
  add_map_regions(program, state);
  switch (program.type->type) {
    case ProgramType::xdp: return run_xdp(program, options, state, run);
    case ProgramType::socket_filter:
    case ProgramType::sched_cls:
    case ProgramType::sched_act:
    case ProgramType::cgroup_skb:
    case ProgramType::lwt_in:
    case ProgramType::lwt_out:
    case ProgramType::lwt_xmit:
    case ProgramType::lwt_seg6local: return run_skb(program, options, state, run);
    default:
      if (!options.data_in.empty()) {
        return invalid(std::string(program.type->name) +
                       " programs take no packet: give ctx_in, not data_in");
      }
      return run_with_context(program, options, state, run);
  }
}

}  // namespace xbpf::runtime
