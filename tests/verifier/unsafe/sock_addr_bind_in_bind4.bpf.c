// bpf_bind is for connect hooks only (it binds the socket before its connect).
// EXPECT: bpf_bind
#include "../common.h"
SEC("cgroup/bind4")
int sock_addr_bind_in_bind4(struct bpf_sock_addr* ctx) {
  struct sockaddr_in sa = {.sin_family = 2};  // AF_INET
  return bpf_bind(ctx, (struct sockaddr*)&sa, sizeof sa) == 0;  // <- error
}

char LICENSE[] SEC("license") = "GPL";
