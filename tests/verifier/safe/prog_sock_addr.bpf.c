// cgroup/connect4: redirects connections to port 8080 to 127.0.0.1:80.
#include "../common.h"

SEC("cgroup/connect4")
int prog_sock_addr(struct bpf_sock_addr* ctx) {
  if (ctx->user_family != 2 || ctx->user_port != bpf_htons(8080)) return 1;
  ctx->user_ip4 = bpf_htonl(0x7f000001);
  ctx->user_port = bpf_htons(80);
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
