// cgroup/sock_create: refuses raw sockets, marks the others.
#include "../common.h"

SEC("cgroup/sock_create")
int prog_sock_create(struct bpf_sock* sk) {
  if (sk->type == 3) return 0;
  sk->mark = 7;
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
