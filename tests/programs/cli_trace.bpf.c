// For the CLI tests: bpf_printk to the trace pipe, and a counter in a map.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} runs SEC(".maps");

SEC("xdp")
int hello(struct xdp_md *ctx) {
  __u32 key = 0;
  __u64 *count = bpf_map_lookup_elem(&runs, &key);
  if (count) __sync_fetch_and_add(count, 1);
  bpf_printk("hello %d from %s", 42, "xbpf");
  return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
