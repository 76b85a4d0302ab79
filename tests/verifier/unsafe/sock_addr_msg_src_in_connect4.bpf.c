// msg_src_ip4 is sendmsg4's: a connect4 program may not write it.
// EXPECT: write of 4 bytes at r1 + 40: offset 40 of bpf_sock_addr is not a field cgroup_sock_addr programs may read
#include "../common.h"
SEC("cgroup/connect4")
int sock_addr_msg_src_in_connect4(struct bpf_sock_addr* ctx) {
  ctx->msg_src_ip4 = 0x0100007f;  // <- error
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
