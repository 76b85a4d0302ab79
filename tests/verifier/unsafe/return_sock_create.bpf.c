// cgroup/sock_create must return 0 or 1.
// EXPECT: the return value 3 may be outside [0, 1], the valid range of cgroup_sock programs
#include "../common.h"
SEC("cgroup/sock_create")
int return_sock_create(struct bpf_sock* sk) {
  return 3;  // <- error
}

char LICENSE[] SEC("license") = "GPL";
