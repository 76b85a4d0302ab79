// Linking: global and static subprograms in .text, a static function in a program section,
// a subprogram called from two programs, a chain of calls, and a bpf_loop callback (a static
// function whose address is loaded with lddw and passed to a helper).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct loop_context {
  __u64 sum;
  __u32 limit;
};

static __noinline __u64 square(__u64 x) { return x * x; }

static __noinline __u64 sum_of_squares(__u64 a, __u64 b) { return square(a) + square(b); }

__noinline int global_helper(int x) { return x * 3 + 1; }

static long add_index(__u32 index, void* data) {
  struct loop_context* context = data;
  if (index >= context->limit) return 1;
  context->sum += square(index);
  return 0;
}

static __noinline __attribute__((section("tc"))) int local_in_tc(int x) { return x ^ 0x55; }

SEC("tc")
int tc_first(struct __sk_buff* skb) {
  return (int)sum_of_squares(skb->len, skb->protocol) + local_in_tc(skb->mark);
}

SEC("tc")
int tc_second(struct __sk_buff* skb) { return global_helper(skb->len) + local_in_tc(1); }

SEC("xdp")
int xdp_loop(struct xdp_md* ctx) {
  struct loop_context context = {0, ctx->rx_queue_index};
  bpf_loop(16, add_index, &context, 0);
  return context.sum > 100 ? XDP_DROP : XDP_PASS;
}

SEC("socket")
int plain(struct __sk_buff* skb) { return 0; }

char LICENSE[] SEC("license") = "GPL";
