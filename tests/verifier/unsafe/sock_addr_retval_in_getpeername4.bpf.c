// getpeername cannot fail: its programs have no bpf_set_retval.
// EXPECT: bpf_set_retval
#include "../common.h"
SEC("cgroup/getpeername4")
int sock_addr_retval_in_getpeername4(struct bpf_sock_addr* ctx) {
  bpf_set_retval(-1);  // <- error
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
