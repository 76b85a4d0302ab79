// Socket hook policy for the socket hooks' end-to-end tests (tests/e2e/sock_e2e.sh):
// - connect4/connect6: a connect to port 7 is refused; a connect to the service 10.9.9.9:80
//   (or [fd00::9]:80, or its IPv4-mapped form) goes to 127.0.0.1 (::1, ::ffff:127.0.0.1) at
//   the backend port in `config[0]`;
// - bind4/bind6: a bind to port 9 is refused; a bind to port 5555 binds port 6666; port 80
//   is allowed without the privilege check (return 3);
// - every decision counted in `decisions` (hook * 4 + outcome: 0 allowed, 1 refused,
//   2 rewritten), the last caller's pid in `last_pid`.
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define HOOK_CONNECT4 0
#define HOOK_CONNECT6 1
#define HOOK_BIND4 2
#define HOOK_BIND6 3
#define ALLOWED 0
#define REFUSED 1
#define REWRITTEN 2

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} decisions SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} last_pid SEC(".maps");

static __always_inline void count(__u32 hook, __u32 outcome) {
  __u32 key = hook * 4 + outcome;
  __u64 *value = bpf_map_lookup_elem(&decisions, &key);
  if (value) __sync_fetch_and_add(value, 1);
  __u32 zero = 0;
  __u64 pid = bpf_get_current_pid_tgid() >> 32;
  bpf_map_update_elem(&last_pid, &zero, &pid, BPF_ANY);
}

static __always_inline __u16 backend_port(void) {
  __u32 zero = 0;
  __u32 *port = bpf_map_lookup_elem(&config, &zero);
  return port && *port ? (__u16)*port : 8080;
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx) {
  if (ctx->user_port == bpf_htons(7)) {
    count(HOOK_CONNECT4, REFUSED);
    return 0;
  }
  if (ctx->user_ip4 == bpf_htonl(0x0a090909) && ctx->user_port == bpf_htons(80)) {
    ctx->user_ip4 = bpf_htonl(0x7f000001);
    ctx->user_port = bpf_htons(backend_port());
    count(HOOK_CONNECT4, REWRITTEN);
    return 1;
  }
  count(HOOK_CONNECT4, ALLOWED);
  return 1;
}

SEC("cgroup/connect6")
int connect6(struct bpf_sock_addr *ctx) {
  if (ctx->user_port == bpf_htons(7)) {
    count(HOOK_CONNECT6, REFUSED);
    return 0;
  }
  const __u32 mapped = ctx->user_ip6[0] == 0 && ctx->user_ip6[1] == 0 &&
                       ctx->user_ip6[2] == bpf_htonl(0xffff);
  // fd00::9, or the service's IPv4-mapped address ::ffff:10.9.9.9.
  const __u32 service =
      (ctx->user_ip6[0] == bpf_htonl(0xfd000000) && ctx->user_ip6[1] == 0 &&
       ctx->user_ip6[2] == 0 && ctx->user_ip6[3] == bpf_htonl(9)) ||
      (mapped && ctx->user_ip6[3] == bpf_htonl(0x0a090909));
  if (service && ctx->user_port == bpf_htons(80)) {
    if (mapped) {
      ctx->user_ip6[3] = bpf_htonl(0x7f000001);
    } else {
      ctx->user_ip6[0] = 0;
      ctx->user_ip6[1] = 0;
      ctx->user_ip6[2] = 0;
      ctx->user_ip6[3] = bpf_htonl(1);
    }
    ctx->user_port = bpf_htons(backend_port());
    count(HOOK_CONNECT6, REWRITTEN);
    return 1;
  }
  count(HOOK_CONNECT6, ALLOWED);
  return 1;
}

static __always_inline int bind_decision(struct bpf_sock_addr *ctx, __u32 hook) {
  if (ctx->user_port == bpf_htons(9)) {
    count(hook, REFUSED);
    return 0;
  }
  if (ctx->user_port == bpf_htons(5555)) {
    ctx->user_port = bpf_htons(6666);
    count(hook, REWRITTEN);
    return 1;
  }
  count(hook, ALLOWED);
  return ctx->user_port == bpf_htons(80) ? 3 : 1;
}

SEC("cgroup/bind4")
int bind4(struct bpf_sock_addr *ctx) { return bind_decision(ctx, HOOK_BIND4); }

SEC("cgroup/bind6")
int bind6(struct bpf_sock_addr *ctx) { return bind_decision(ctx, HOOK_BIND6); }

char _license[] SEC("license") = "GPL";
