// Global data of every kind, two maps and two programs: what the object and skeleton tests of
// the libbpf API read, edit and run.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 config_port = 80;   // .rodata: set before load
const volatile __u8 config_verbose = 0;  // .rodata
__u64 counter = 5;                       // .data
__u64 seen;                              // .bss
char custom[16] SEC(".data.custom") = "hello";

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} per_cpu SEC(".maps");

SEC("xdp")
int count_packets(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  __u32 length = (__u32)(data_end - data);
  __u64 one = 1;
  __u64* value = bpf_map_lookup_elem(&counts, &length);
  seen++;
  counter += config_port;
  custom[0] = 'H';
  if (value) {
    __sync_fetch_and_add(value, 1);
  } else {
    bpf_map_update_elem(&counts, &length, &one, BPF_ANY);
  }
  __u32 zero = 0;
  __u32* slot = bpf_map_lookup_elem(&per_cpu, &zero);
  if (slot) *slot += 1;
  return config_verbose ? XDP_DROP : XDP_PASS;
}

SEC("socket")
int socket_length(struct __sk_buff* skb) { return skb->len; }

char LICENSE[] SEC("license") = "GPL";
