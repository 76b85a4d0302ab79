// A connect6 program has no user_ip4: that field is the IPv4 hooks'.
// EXPECT: read of 4 bytes at r1 + 4: offset 4 of bpf_sock_addr is not a field cgroup_sock_addr programs may read
#include "../common.h"
SEC("cgroup/connect6")
int sock_addr_ip4_in_connect6(struct bpf_sock_addr* ctx) {
  return ctx->user_ip4 == 0;  // <- error
}

char LICENSE[] SEC("license") = "GPL";
