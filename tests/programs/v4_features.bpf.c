// Instructions that only -mcpu=v4 (clang 17 and later) emits: signed division and modulo,
// sign-extending moves and loads, unconditional byte swaps and stores of immediates. Built for
// v1-v3 too, where the same C compiles to the older forms. At v4 it also makes an indirect
// call through a function pointer (callx) and calls a kernel function (kfunc).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct record {
  __s8 tiny;
  __s16 small;
  __s32 medium;
  __s64 large;
  __u32 divisor;
  __s32 signed_divisor;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 128);
  __type(key, __s32);
  __type(value, struct record);
} records SEC(".maps");

__s64 sums[4];

static __noinline __s64 signed_ops(const struct record* r) {
  __s64 result = 0;
  // Sign-extending loads (ldxsb/ldxsh/ldxsw at v4).
  result += r->tiny;
  result += r->small;
  result += r->medium;
#if XBPF_MCPU >= 4
  if (r->signed_divisor != 0) {
    // sdiv/smod, 64- and 32-bit (clang rejects signed division before v4).
    result += r->large / r->signed_divisor;
    result += r->large % r->signed_divisor;
    result += r->medium / r->signed_divisor;
    result += r->medium % r->signed_divisor;
  }
  result += r->large / -7;
  result += r->medium % 13;
#else
  if (r->divisor != 0) {
    result += (__u64)r->large / r->divisor;
    result += (__u32)r->medium % r->divisor;
  }
#endif
  return result;
}

static __noinline __u64 swaps(__u64 value) {
  // Unconditional byte swaps (bswap16/32/64 at v4, be* before).
  return __builtin_bswap64(value) ^ __builtin_bswap32((__u32)value) ^
         __builtin_bswap16((__u16)(value >> 8));
}

static __noinline __s64 extend(__s64 value) {
  // Sign-extending register moves (movsx at v4, shifts before).
  const __s8 a = (__s8)value;
  const __s16 b = (__s16)(value >> 8);
  const __s32 c = (__s32)(value >> 16);
  const __s32 d = (__s32)(__s8)(value >> 24);
  const __s32 e = (__s32)(__s16)(value >> 32);
  return (__s64)a * 3 + (__s64)b * 5 + (__s64)c * 7 + d - e;
}

#if XBPF_MCPU >= 4
extern __u64 bpf_xbpf_test_kfunc(__u64 value) __ksym __weak;
typedef __s64 (*extend_fn)(__s64);
static volatile extend_fn extender = extend;
#endif

SEC("xdp")
int xdp_v4(struct xdp_md* ctx) {
  struct record stack_record;
  // Padding included: helpers may only read initialised stack bytes.
  __builtin_memset(&stack_record, 0, sizeof stack_record);
  // Stores of immediates to the stack (st at v4).
  stack_record.tiny = -3;
  stack_record.small = -300;
  stack_record.medium = -70000;
  stack_record.large = -5000000000LL;
  stack_record.divisor = 7;
  stack_record.signed_divisor = -3;
  __s32 key = (__s32)ctx->rx_queue_index - 8;
  struct record* r = bpf_map_lookup_elem(&records, &key);
  if (!r) {
    bpf_map_update_elem(&records, &key, &stack_record, BPF_ANY);
    r = &stack_record;
  }
  __s64 total = signed_ops(r);
  total += swaps((__u64)total);
#if XBPF_MCPU >= 4
  total += extender(total);
  if (bpf_xbpf_test_kfunc) total += bpf_xbpf_test_kfunc(total);
#else
  total += extend(total);
#endif
  sums[ctx->rx_queue_index & 3] = total;
  return total < 0 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
