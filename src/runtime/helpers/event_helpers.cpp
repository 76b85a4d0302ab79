// Events to user space: bpf_perf_event_output and the ring buffer helpers; bpf_redirect_map.
#include <cstring>
#include <vector>

#include "runtime/helpers/helper_support.h"
#include "runtime/helpers/table.h"
#include "runtime/maps/devmap.h"
#include "runtime/maps/perf_event_array.h"
#include "runtime/maps/ringbuf.h"

namespace xbpf::runtime::helpers {
namespace {

constexpr u64 kCtxLenMask = 0xfffffULL << 32;  // BPF_F_CTXLEN_MASK
constexpr u64 kXdpRedirect = 4;
constexpr u64 kActionMask = 3;  // the fallback action in bpf_redirect_map's flags

template <class T>
T* map_of_type(RunState& state, std::string_view helper, u64 value, MapType type) {
  Map* map = check_map(state, helper, value);
  if (map == nullptr) return nullptr;
  if (map->type() != type) {
    state.fail(make_error("bpf_" + std::string(helper) + ": the map '" + map->spec().name +
                          "' has the wrong type"));
    return nullptr;
  }
  return static_cast<T*>(map);
}

// bpf_perf_event_output(ctx, map, flags, data, size): flags name the CPU (BPF_F_CURRENT_CPU)
// and, for programs with a packet (bpf_xdp_event_output, bpf_skb_event_output), how many of
// its bytes to append in BPF_F_CTXLEN_MASK: other flag bits are EINVAL, more bytes than the
// packet has EFAULT, in that order.
XBPF_DEFINE_HELPER(perf_event_output) {
  auto* map =
      map_of_type<PerfEventArray>(state, "perf_event_output", r2, MapType::perf_event_array);
  if (map == nullptr) return 0;
  if (!check_memory(state, "perf_event_output", "data", r4, r5, false)) return 0;
  const RunContext& run = run_context(state);
  if (run.xdp == nullptr && run.packet.data() == nullptr) {
    // No packet (tracing programs): BPF_F_CTXLEN_MASK is one more unknown flag.
    return error_code(map->output(r3, pointer<const void>(r4), r5, state.cpu));
  }
  if ((r3 & ~(kCtxLenMask | kPerfIndexMask)) != 0) return error_code(-linux_abi::kEINVAL);
  const u64 context_length = (r3 & kCtxLenMask) >> 32;
  const u64 available = run.xdp != nullptr ? run.xdp->buff_length() : run.packet.size();
  if (context_length > available) return error_code(-linux_abi::kEFAULT);
  if (context_length == 0)
    return error_code(map->output(r3, pointer<const void>(r4), r5, state.cpu));
  std::vector<std::uint8_t> record(pointer<const std::uint8_t>(r4),
                                   pointer<const std::uint8_t>(r4) + r5);
  record.resize(r5 + context_length);
  if (run.xdp != nullptr) {
    run.xdp->load(0, record.data() + r5, context_length);  // bpf_xdp_copy: fragments included
  } else {
    std::memcpy(record.data() + r5, run.packet.data(), context_length);
  }
  return error_code(map->output(r3 & ~kCtxLenMask, record.data(), record.size(), state.cpu));
}

XBPF_DEFINE_HELPER(ringbuf_output) {
  auto* ring = map_of_type<RingBuf>(state, "ringbuf_output", r1, MapType::ringbuf);
  if (ring == nullptr || !check_memory(state, "ringbuf_output", "data", r2, r3, false)) return 0;
  return error_code(ring->output(pointer<const void>(r2), r3, r4));
}

XBPF_DEFINE_HELPER(ringbuf_reserve) {
  auto* ring = map_of_type<RingBuf>(state, "ringbuf_reserve", r1, MapType::ringbuf);
  if (ring == nullptr) return 0;
  return reinterpret_cast<u64>(ring->reserve(r2, r3));
}

// The sample must be one reserve() handed out: its header says so.
bool check_sample(RunState& state, std::string_view helper, u64 sample) {
  if (!check_memory(state, helper, "the ring buffer sample header", sample - kRingbufHeaderSize,
                    kRingbufHeaderSize, true)) {
    return false;
  }
  std::uint32_t length;
  std::memcpy(&length, pointer<const void>(sample - kRingbufHeaderSize), sizeof length);
  if (state.engine == vm::Engine::checked && (length & kRingbufBusyBit) == 0) {
    state.fail(make_error("bpf_" + std::string(helper) +
                          ": the sample is not reserved (submitted or discarded twice?)"));
    return false;
  }
  return true;
}

XBPF_DEFINE_HELPER(ringbuf_submit) {
  if (!check_sample(state, "ringbuf_submit", r1)) return 0;
  RingBuf::submit_sample(pointer<void>(r1), r2);
  return 0;
}

XBPF_DEFINE_HELPER(ringbuf_discard) {
  if (!check_sample(state, "ringbuf_discard", r1)) return 0;
  RingBuf::discard_sample(pointer<void>(r1), r2);
  return 0;
}

XBPF_DEFINE_HELPER(ringbuf_query) {
  auto* ring = map_of_type<RingBuf>(state, "ringbuf_query", r1, MapType::ringbuf);
  return ring == nullptr ? 0 : ring->query(r2);
}

// bpf_redirect_map(map, key, flags): XDP_REDIRECT to the entry's interface, or the action in
// the low bits of flags when the entry is missing.
XBPF_DEFINE_HELPER(redirect_map) {
  Map* map = check_map(state, "redirect_map", r1);
  if (map == nullptr) return 0;
  constexpr u64 kBroadcast = 1U << 3,
                kExcludeIngress = 1U << 4;  // BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS
  if ((r3 & ~(kActionMask | kBroadcast | kExcludeIngress)) != 0) return 0;  // XDP_ABORTED, as Linux
  DeviceMap* devices = as_device_map(*map);
  if (devices == nullptr) {
    state.fail(make_error("bpf_redirect_map: the map '" + map->spec().name +
                          "' is not a devmap or devmap_hash (xbpf redirects to devices only)"));
    return 0;
  }
  RunContext& run = run_context(state);
  if ((r3 & kBroadcast) != 0) {  // every entry of the map (but the ingress one, when asked)
    run.redirect_ifindex.reset();
    run.redirect_flags = r3;
    return kXdpRedirect;
  }
  const std::optional<std::uint32_t> ifindex =
      devices->target_ifindex(static_cast<std::uint32_t>(r2));
  if (!ifindex) return r3 & kActionMask;
  run.redirect_ifindex = *ifindex;
  run.redirect_flags = r3;
  return kXdpRedirect;
}

}  // namespace

void register_event_helpers(HelperTable& table) {
  table.add(25, perf_event_output);
  table.add(51, redirect_map);
  table.add(130, ringbuf_output);
  table.add(131, ringbuf_reserve);
  table.add(132, ringbuf_submit);
  table.add(133, ringbuf_discard);
  table.add(134, ringbuf_query);
}

}  // namespace xbpf::runtime::helpers
