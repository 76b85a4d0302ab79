// A lookup result checked for NULL, used on one path, the default on the other.
#include "../common.h"

COUNTER_ARRAY(limits, 8);

SEC("xdp")
int null_check_both_paths(struct xdp_md* ctx) {
  __u32 key = ctx->rx_queue_index & 7;
  __u64* limit = bpf_map_lookup_elem(&limits, &key);
  __u64 value = 1000;
  if (limit != NULL) value = *limit;
  return value > 500 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
