// getpeername4 programs must return 1: the call cannot be refused.
// EXPECT: the return value 0 may be outside [1, 1], the valid range of cgroup_sock_addr programs
#include "../common.h"
SEC("cgroup/getpeername4")
int return_getpeername_refuses(struct bpf_sock_addr* ctx) {
  return 0;  // <- error
}

char LICENSE[] SEC("license") = "GPL";
