// cgroup/connect4 must return 0 or 1.
// EXPECT: the return value 2 may be outside [0, 1], the valid range of cgroup_sock_addr programs
#include "../common.h"
SEC("cgroup/connect4")
int return_sock_addr_out_of_range(struct bpf_sock_addr* ctx) {
  return 2;  // <- error
}

char LICENSE[] SEC("license") = "GPL";
