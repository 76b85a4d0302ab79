// The socket hooks' helpers, for tests/e2e/sock_e2e.sh: a connect4 program that, for a
// connect to port 8080, binds the socket to 127.0.0.2 (bpf_bind, port chosen at connect),
// sets SO_MARK 42 and reads it back, and records in `info` what the helpers and ctx->sk say.
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <linux/in.h>

#define SOL_SOCKET 1
#define SO_DEBUG 1
#define SO_MARK 36
#define AF_INET 2

enum {
  COOKIE,
  NETNS_COOKIE,
  PID_TGID,
  UID_GID,
  CGROUP_ID,
  BIND_RESULT,
  SETSOCKOPT_RESULT,
  MARK_READ,
  COMM,
  REFUSED_OPTION_RESULT,
  SK_FAMILY,
  SK_PROTOCOL,
  SK_SRC_IP4,
  SK_MARK,
  INFO_COUNT
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, INFO_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} info SEC(".maps");

static __always_inline void put(__u32 key, __u64 value) {
  bpf_map_update_elem(&info, &key, &value, BPF_ANY);
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx) {
  if (ctx->user_port != bpf_htons(8080)) return 1;
  struct sockaddr_in source = {};
  source.sin_family = AF_INET;
  source.sin_addr.s_addr = bpf_htonl(0x7f000002);
  put(BIND_RESULT, (__u64)(long)bpf_bind(ctx, (struct sockaddr *)&source, sizeof source));
  int mark = 42;
  put(SETSOCKOPT_RESULT,
      (__u64)(long)bpf_setsockopt(ctx, SOL_SOCKET, SO_MARK, &mark, sizeof mark));
  int read = 0;
  bpf_getsockopt(ctx, SOL_SOCKET, SO_MARK, &read, sizeof read);
  put(MARK_READ, (__u64)read);
  int debug = 1;  // not an option bpf_setsockopt takes: -EINVAL
  put(REFUSED_OPTION_RESULT,
      (__u64)(long)bpf_setsockopt(ctx, SOL_SOCKET, SO_DEBUG, &debug, sizeof debug));
  put(COOKIE, bpf_get_socket_cookie(ctx));
  put(NETNS_COOKIE, bpf_get_netns_cookie(ctx));
  put(PID_TGID, bpf_get_current_pid_tgid());
  put(UID_GID, bpf_get_current_uid_gid());
  put(CGROUP_ID, bpf_get_current_cgroup_id());
  __u64 comm[2] = {};
  bpf_get_current_comm(comm, sizeof comm);
  put(COMM, comm[0]);
  struct bpf_sock *sk = ctx->sk;
  put(SK_FAMILY, sk->family);
  put(SK_PROTOCOL, sk->protocol);
  put(SK_SRC_IP4, sk->src_ip4);
  put(SK_MARK, sk->mark);
  return 1;
}

char _license[] SEC("license") = "GPL";
