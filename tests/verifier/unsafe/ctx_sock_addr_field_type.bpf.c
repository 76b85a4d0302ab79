// bpf_sock_addr.family is read-only: connect4 programs may rewrite the address, not the family.
// EXPECT: write of 4 bytes at r1 + 28: field family of bpf_sock_addr is read-only in cgroup_sock_addr programs
#include "../common.h"
SEC("cgroup/connect4")
int ctx_sock_addr_field_type(struct bpf_sock_addr* ctx) {
  ctx->family = 10;  // <- error
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
