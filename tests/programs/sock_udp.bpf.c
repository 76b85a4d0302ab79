// A UDP service address for the socket hooks' end-to-end tests (tests/e2e/sock_e2e.sh), as a
// load balancer's socket programs make one (Cilium's bpf_sock for DNS):
// - sendmsg4/sendmsg6: a send to port 7 is refused; a send to the service 10.9.9.9:53 (or
//   [fd00::9]:53, or its IPv4-mapped form, which takes sendmsg4) goes to the backend
//   127.0.0.1:9053 ([::1]:9053); a send to 127.0.0.1:9054 leaves from 127.0.0.2
//   (msg_src_ip4);
// - recvmsg4/recvmsg6: a datagram from the backend seems to come from the service;
// - `counts`: sends allowed, refused, rewritten (sendmsg4 0..2, sendmsg6 4..6), receives
//   rewritten (recvmsg4 8, recvmsg6 9); `source` the last msg_src_ip4 sendmsg4 saw.
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define SERVICE_IP 0x0a090909
#define BACKEND_IP 0x7f000001
#define SERVICE_PORT 53
#define BACKEND_PORT 9053

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 12);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} source SEC(".maps");

static __always_inline void count(__u32 key) {
  __u64 *value = bpf_map_lookup_elem(&counts, &key);
  if (value) __sync_fetch_and_add(value, 1);
}

SEC("cgroup/sendmsg4")
int sendmsg4(struct bpf_sock_addr *ctx) {
  __u32 zero = 0, seen = ctx->msg_src_ip4;
  bpf_map_update_elem(&source, &zero, &seen, BPF_ANY);
  if (ctx->user_port == bpf_htons(7)) {
    count(1);
    return 0;
  }
  if (ctx->user_ip4 == bpf_htonl(SERVICE_IP) && ctx->user_port == bpf_htons(SERVICE_PORT)) {
    ctx->user_ip4 = bpf_htonl(BACKEND_IP);
    ctx->user_port = bpf_htons(BACKEND_PORT);
    count(2);
    return 1;
  }
  if (ctx->user_ip4 == bpf_htonl(BACKEND_IP) && ctx->user_port == bpf_htons(9054)) {
    ctx->msg_src_ip4 = bpf_htonl(0x7f000002);
    count(2);
    return 1;
  }
  count(0);
  return 1;
}

SEC("cgroup/sendmsg6")
int sendmsg6(struct bpf_sock_addr *ctx) {
  if (ctx->user_port == bpf_htons(7)) {
    count(5);
    return 0;
  }
  if (ctx->user_ip6[0] == bpf_htonl(0xfd000000) && ctx->user_ip6[1] == 0 &&
      ctx->user_ip6[2] == 0 && ctx->user_ip6[3] == bpf_htonl(9) &&
      ctx->user_port == bpf_htons(SERVICE_PORT)) {
    ctx->user_ip6[0] = 0;
    ctx->user_ip6[1] = 0;
    ctx->user_ip6[2] = 0;
    ctx->user_ip6[3] = bpf_htonl(1);
    ctx->user_port = bpf_htons(BACKEND_PORT);
    count(6);
    return 1;
  }
  count(4);
  return 1;
}

SEC("cgroup/recvmsg4")
int recvmsg4(struct bpf_sock_addr *ctx) {
  if (ctx->user_ip4 == bpf_htonl(BACKEND_IP) && ctx->user_port == bpf_htons(BACKEND_PORT)) {
    ctx->user_ip4 = bpf_htonl(SERVICE_IP);
    ctx->user_port = bpf_htons(SERVICE_PORT);
    count(8);
  }
  return 1;
}

SEC("cgroup/recvmsg6")
int recvmsg6(struct bpf_sock_addr *ctx) {
  if (ctx->user_port != bpf_htons(BACKEND_PORT) || ctx->user_ip6[0] != 0 || ctx->user_ip6[1] != 0)
    return 1;
  if (ctx->user_ip6[2] == 0 && ctx->user_ip6[3] == bpf_htonl(1)) {
    ctx->user_ip6[0] = bpf_htonl(0xfd000000);
    ctx->user_ip6[3] = bpf_htonl(9);
  } else if (ctx->user_ip6[2] == bpf_htonl(0xffff) && ctx->user_ip6[3] == bpf_htonl(BACKEND_IP)) {
    ctx->user_ip6[3] = bpf_htonl(SERVICE_IP);
  } else {
    return 1;
  }
  ctx->user_port = bpf_htons(SERVICE_PORT);
  count(9);
  return 1;
}

char _license[] SEC("license") = "GPL";
