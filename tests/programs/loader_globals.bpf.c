// Global data the loader turns into single-entry array maps: .data, .rodata, .bss and named
// subsections (.data.counters, .rodata.config, .bss.scratch), read and written by two programs
// in one section and by a cgroup program.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 packets = 3;                             // .data
__u32 drops;                                   // .bss
const volatile __u32 threshold = 100;          // .rodata
const volatile __u16 ports[4] = {22, 80, 443, 8080};  // .rodata
__u64 per_protocol[4] SEC(".data.counters") = {1, 2, 3, 4};
const volatile char banner[8] SEC(".rodata.config") = "xbpf";
__u8 scratch[64] SEC(".bss.scratch");
static volatile __u32 hidden = 7;  // .data, local symbol

SEC("xdp")
int count_packets(struct xdp_md* ctx) {
  packets++;
  per_protocol[ctx->rx_queue_index & 3]++;
  if (packets > threshold + hidden) {
    drops++;
    return XDP_DROP;
  }
  return XDP_PASS;
}

SEC("xdp")
int check_ports(struct xdp_md* ctx) {
  __u32 port = ctx->ingress_ifindex;
  for (int i = 0; i < 4; i++)
    if (ports[i] == port) return XDP_PASS;
  scratch[port & 63] = banner[0];
  return XDP_DROP;
}

SEC("cgroup/connect4")
int connect_hook(struct bpf_sock_addr* ctx) {
  hidden = ctx->user_port;
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
