// A transparent service address, as a load balancer's socket programs make it (Cilium's
// bpf_sock): connect4 sends a connect to the service 10.9.9.9:80 to the backend
// 127.0.0.1:8080, and getpeername4 tells the process it is connected to the service.
// getsockname4 counts its calls in `names`.
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define SERVICE_IP 0x0a090909
#define BACKEND_IP 0x7f000001

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} names SEC(".maps");

static __always_inline void count(__u32 key) {
  __u64 *value = bpf_map_lookup_elem(&names, &key);
  if (value) __sync_fetch_and_add(value, 1);
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx) {
  if (ctx->user_ip4 == bpf_htonl(SERVICE_IP) && ctx->user_port == bpf_htons(80)) {
    ctx->user_ip4 = bpf_htonl(BACKEND_IP);
    ctx->user_port = bpf_htons(8080);
  }
  return 1;
}

SEC("cgroup/getpeername4")
int getpeername4(struct bpf_sock_addr *ctx) {
  if (ctx->user_ip4 == bpf_htonl(BACKEND_IP) && ctx->user_port == bpf_htons(8080)) {
    ctx->user_ip4 = bpf_htonl(SERVICE_IP);
    ctx->user_port = bpf_htons(80);
    count(0);
  }
  return 1;
}

SEC("cgroup/getsockname4")
int getsockname4(struct bpf_sock_addr *ctx) {
  count(1);
  return 1;
}

char _license[] SEC("license") = "GPL";
