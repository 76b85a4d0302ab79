// sock_ops: reads the operation and the ports, sets the reply.
#include "../common.h"

COUNTER_ARRAY(established, 1);

SEC("sockops")
int prog_sock_ops(struct bpf_sock_ops* ops) {
  switch (ops->op) {
    case BPF_SOCK_OPS_TIMEOUT_INIT:
      ops->reply = 10;
      break;
    case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
    case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
      if (ops->local_port == 22) bump(&established, 0);
      break;
    default:
      ops->reply = -1;
  }
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
