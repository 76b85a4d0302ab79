// XDP helpers: head/meta/tail adjustments, frame length, byte access, redirects.
#include <cstring>

#include "runtime/helpers/helper_support.h"
#include "runtime/helpers/table.h"
#include "runtime/runtime.h"

namespace xbpf::runtime::helpers {
namespace {

constexpr u64 kXdpAborted = 0;
constexpr u64 kXdpRedirect = 4;
constexpr u64 kTcActRedirect = 7;
constexpr u64 kIngress = 1;  // BPF_F_INGRESS

// The XDP frame behind the context argument, or a failure when there is none.
XdpBuffer* frame_of(RunState& state, std::string_view helper, u64 ctx) {
  RunContext& run = run_context(state);
  if (run.xdp == nullptr || reinterpret_cast<u64>(run.xdp_md) != ctx) {
    state.fail(
        make_error("bpf_" + std::string(helper) + ": the first argument is not the XDP context"));
    return nullptr;
  }
  return run.xdp;
}

u64 adjusted(RunState& state, XdpBuffer& frame, long result) {
  if (result == 0) {
    RunContext& run = run_context(state);
    frame.publish(*run.xdp_md);
    state.set_region(run.packet_region, xdp_packet_region(frame));
  }
  return error_code(result);
}

XBPF_DEFINE_HELPER(xdp_adjust_head) {
  XdpBuffer* frame = frame_of(state, "xdp_adjust_head", r1);
  return frame ? adjusted(state, *frame, frame->adjust_head(static_cast<std::int32_t>(r2))) : 0;
}

XBPF_DEFINE_HELPER(xdp_adjust_meta) {
  XdpBuffer* frame = frame_of(state, "xdp_adjust_meta", r1);
  return frame ? adjusted(state, *frame, frame->adjust_meta(static_cast<std::int32_t>(r2))) : 0;
}

XBPF_DEFINE_HELPER(xdp_adjust_tail) {
  XdpBuffer* frame = frame_of(state, "xdp_adjust_tail", r1);
  return frame ? adjusted(state, *frame, frame->adjust_tail(static_cast<std::int32_t>(r2))) : 0;
}

XBPF_DEFINE_HELPER(xdp_get_buff_len) {
  XdpBuffer* frame = frame_of(state, "xdp_get_buff_len", r1);
  return frame ? frame->buff_length() : 0;
}

// bpf_xdp_load_bytes(ctx, offset, buf, len) / bpf_xdp_store_bytes(ctx, offset, buf, len), over
// the linear part and the fragments.
u64 copy_bytes(RunState& state, std::string_view helper, u64 ctx, u64 offset, u64 buf, u64 len,
               bool store) {
  XdpBuffer* frame = frame_of(state, helper, ctx);
  if (frame == nullptr) return 0;
  const auto off = static_cast<std::uint32_t>(offset);
  const auto size = static_cast<std::uint32_t>(len);
  // As bpf_xdp_pointer: offsets and lengths above 0xffff are EFAULT, beyond the frame EINVAL.
  if (off > 0xffff || size > 0xffff) return error_code(-linux_abi::kEFAULT);
  if (size == 0 || static_cast<u64>(off) + size > frame->buff_length())
    return error_code(-linux_abi::kEINVAL);
  if (!check_memory(state, helper, "buf", buf, size, !store)) return 0;
  if (store) {
    frame->store(off, pointer<const void>(buf), size);
  } else {
    frame->load(off, pointer<void>(buf), size);
  }
  return 0;
}

XBPF_DEFINE_HELPER(xdp_load_bytes) {
  return copy_bytes(state, "xdp_load_bytes", r1, r2, r3, r4, false);
}

XBPF_DEFINE_HELPER(xdp_store_bytes) {
  return copy_bytes(state, "xdp_store_bytes", r1, r2, r3, r4, true);
}

// bpf_redirect(ifindex, flags): XDP_REDIRECT (or XDP_ABORTED with flags) for XDP programs,
// TC_ACT_REDIRECT for the others.
XBPF_DEFINE_HELPER(redirect) {
  RunContext& run = run_context(state);
  const bool xdp = run.xdp != nullptr;
  if (xdp ? r2 != 0 : (r2 & ~kIngress) != 0) return xdp ? kXdpAborted : 2;  // TC_ACT_SHOT
  run.redirect_ifindex = static_cast<std::uint32_t>(r1);
  run.redirect_flags = r2;
  return xdp ? kXdpRedirect : kTcActRedirect;
}

}  // namespace

void register_xdp_helpers(HelperTable& table) {
  table.add(23, redirect);
  table.add(44, xdp_adjust_head);
  table.add(54, xdp_adjust_meta);
  table.add(65, xdp_adjust_tail);
  table.add(188, xdp_get_buff_len);
  table.add(189, xdp_load_bytes);
  table.add(190, xdp_store_bytes);
}

}  // namespace xbpf::runtime::helpers
