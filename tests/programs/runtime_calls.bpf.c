// Global data (.data, .bss, .rodata: a const table and a string read through it), static and
// global subprograms, bpf_loop and bpf_for_each_map_elem callbacks, and the helpers that
// return scalars: strncmp, csum_diff, trace_printk / trace_vprintk (the formatted length),
// the clocks, prandom, the CPU, pid/tgid and comm. What differs from run to run (times,
// random numbers, pids, the CPU) is reduced to facts that do not.
// Slots: enum calls_slot in runtime_common.h.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "runtime_common.h"

// .rodata
static const __u32 table[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
const volatile char greeting[16] = "hello, xbpf";
const char str_hello[] = "hello";
const char str_abd[] = "abd";
const char str_abcxyz[] = "abcxyz";
const char fmt_basic[] = "x=%d y=%u s=%s\n";
const char fmt_width[] = "[%5d|%-4u|%05x]";
const char fmt_many[] = "%c%c %lld %llx %s";
const char fmt_bad[] = "bad %n";

// .data and .bss
__u32 data_counter = 5;
__u32 bss_counter;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 6);
  __type(key, __u32);
  __type(value, __u64);
} numbers SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u64);
} pairs SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 3);
  __type(key, __u32);
  __type(value, __u64);
} per_cpu SEC(".maps");

static __noinline int multiply(int a, int b) { return a * b; }

// A global function: verified on its own by Linux, with scalar arguments.
__noinline int fibonacci(int n) {
  int a = 0, b = 1;
  for (int i = 0; i < n && i < 40; i++) {
    int next = a + b;
    a = b;
    b = next;
  }
  return a;
}

static __noinline int digit_pair(int high, int low) { return multiply(high, 10) + low; }

static __noinline int digits(int a, int b, int c, int d) {
  return digit_pair(a, b) * 100 + digit_pair(c, d) + fibonacci(0);
}

struct loop_state {
  __u32 sum;
  __u32 calls;
  __u32 stop_at;
};

static long loop_step(__u32 index, void *data) {
  struct loop_state *state = data;
  state->sum += index;
  state->calls++;
  bss_counter++;
  return index == state->stop_at ? 1 : 0;
}

struct walk_state {
  __u64 sum;
  __u32 visited;
  __u32 order;
  __u32 stop_after;
};

static long inner_step(__u32 index, void *data) {
  (*(__u32 *)data)++;
  return 0;
}

// A callback that runs a loop of its own.
static long outer_step(__u32 index, void *data) {
  bpf_loop(4, inner_step, data, 0);
  return 0;
}

static long array_step(void *map, __u32 *key, __u64 *value, struct walk_state *state) {
  state->sum += *value;
  state->visited++;
  state->order = state->order * 10 + *key;
  return state->visited == state->stop_after ? 1 : 0;
}

static long hash_step(void *map, __u32 *key, __u64 *value, struct walk_state *state) {
  state->sum += *key * 100 + *value;
  state->visited++;
  *value *= 2;
  return 0;
}

static __noinline void globals_and_calls(struct results *r, __u32 rotation) {
  __u32 sum = 0;
  for (__u32 i = 0; i < 16; i++) sum += table[(i + rotation) & 15];
  r->v[CALLS_RODATA_TABLE] = sum;
  int length = 0;
  for (int i = 0; i < 16; i++) {
    if (greeting[i] == 0) break;
    length++;
  }
  r->v[CALLS_RODATA_STRING] = length;
  r->v[CALLS_DATA_BEFORE] = data_counter;
  r->v[CALLS_BSS_BEFORE] = bss_counter;
  data_counter += 3;
  r->v[CALLS_DATA_AFTER] = data_counter;
  r->v[CALLS_STATIC_SUB] = multiply(7, 6);
  r->v[CALLS_GLOBAL_SUB] = fibonacci(20);
  r->v[CALLS_NESTED_SUB] = digits(1, 2, 3, 4);
}

static __noinline void callbacks(struct results *r) {
  struct loop_state loop = {.stop_at = 100};
  r->v[CALLS_LOOP_COUNT] = bpf_loop(10, loop_step, &loop, 0);
  r->v[CALLS_LOOP_SUM] = loop.sum;
  struct loop_state early = {.stop_at = 4};
  r->v[CALLS_LOOP_EARLY] = bpf_loop(10, loop_step, &early, 0) * 100 + early.calls;
  r->v[CALLS_LOOP_ZERO] = bpf_loop(0, loop_step, &loop, 0);
  r->v[CALLS_LOOP_BAD_FLAGS] = bpf_loop(10, loop_step, &loop, 1);
  r->v[CALLS_LOOP_TOO_MANY] = bpf_loop(1 << 24, loop_step, &loop, 0);

#pragma unroll
  for (int i = 0; i < 6; i++) {
    __u32 key = i;
    __u64 value = 10 + i;
    bpf_map_update_elem(&numbers, &key, &value, BPF_ANY);
  }
  struct walk_state walk = {.stop_after = 100};
  r->v[CALLS_FOREACH_ARRAY] = bpf_for_each_map_elem(&numbers, array_step, &walk, 0);
  r->v[CALLS_FOREACH_ARRAY_SUM] = walk.sum;
  r->v[CALLS_FOREACH_ORDER] = walk.order;
  struct walk_state stop = {.stop_after = 3};
  r->v[CALLS_FOREACH_STOP] = bpf_for_each_map_elem(&numbers, array_step, &stop, 0) * 1000 + stop.order;

#pragma unroll
  for (int i = 1; i <= 4; i++) {
    __u32 key = i;
    __u64 value = i * 10;
    bpf_map_update_elem(&pairs, &key, &value, BPF_ANY);
  }
  struct walk_state pairs_walk = {};
  r->v[CALLS_FOREACH_HASH] = bpf_for_each_map_elem(&pairs, hash_step, &pairs_walk, 0);
  r->v[CALLS_FOREACH_HASH_SUM] = pairs_walk.sum;
  __u64 doubled = 0;
#pragma unroll
  for (int i = 1; i <= 4; i++) {
    __u32 key = i;
    __u64 *value = bpf_map_lookup_elem(&pairs, &key);
    if (value) doubled += *value;
  }
  r->v[CALLS_FOREACH_WRITE] = doubled;
  r->v[CALLS_FOREACH_BAD_FLAGS] = bpf_for_each_map_elem(&pairs, hash_step, &pairs_walk, 1);

  __u32 inner_calls = 0;
  r->v[CALLS_NESTED_LOOP] = bpf_loop(3, outer_step, &inner_calls, 0) * 100 + inner_calls;
  // A per-CPU array: the callback sees this CPU's copies.
#pragma unroll
  for (int i = 0; i < 3; i++) {
    __u32 key = i;
    __u64 value = 100 * (i + 1);
    bpf_map_update_elem(&per_cpu, &key, &value, BPF_ANY);
  }
  struct walk_state cpu_walk = {.stop_after = 100};
  r->v[CALLS_FOREACH_PERCPU] = bpf_for_each_map_elem(&per_cpu, array_step, &cpu_walk, 0) * 1000 + cpu_walk.sum;
}

static __noinline void strings_and_sums(struct results *r, void *data, void *data_end) {
  char hello[8] = "hello";
  char abc[4] = "abc";
  char abe[4] = "abe";
  char abcdef[8] = "abcdef";
  r->v[CALLS_STRNCMP_EQ] = bpf_strncmp(hello, sizeof hello, str_hello);
  r->v[CALLS_STRNCMP_LT] = bpf_strncmp(abc, sizeof abc, str_abd);
  r->v[CALLS_STRNCMP_GT] = bpf_strncmp(abe, sizeof abe, str_abd);
  r->v[CALLS_STRNCMP_PREFIX] = bpf_strncmp(abcdef, 3, str_abcxyz);

  __u32 from[2] = {0x04030201, 0x08070605};
  __u32 to[3] = {0x14131211, 0x18171615, 0xfffefdfc};
  r->v[CALLS_CSUM_DIFF] = bpf_csum_diff(from, 8, to, 8, 0);
  r->v[CALLS_CSUM_PUSH] = bpf_csum_diff(0, 0, to, 12, 0x1234);
  r->v[CALLS_CSUM_PULL] = bpf_csum_diff(from, 4, 0, 0, 0xffff);
  r->v[CALLS_CSUM_BAD_SIZE] = bpf_csum_diff(from, 3, to, 4, 0);
  // The IPv4 header's checksum verifies: its one's-complement sum folds to 0xffff.
  if (data + 14 + 20 <= data_end) {
    __u32 sum = bpf_csum_diff(0, 0, data + 14, 20, 0);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    r->v[CALLS_CSUM_FOLDED] = sum;
  }
}

static __noinline void printing(struct results *r) {
  char text[4] = "abc";
  r->v[CALLS_PRINTK] = bpf_trace_printk(fmt_basic, sizeof fmt_basic, -5, 7, text);
  r->v[CALLS_PRINTK_WIDTH] = bpf_trace_printk(fmt_width, sizeof fmt_width, 42, 7, 0xab);
  __u64 args[5] = {'o', 'k', (__u64)-123456789012LL, 0xdeadbeefcafeULL, (__u64)(long)text};
  r->v[CALLS_VPRINTK] = bpf_trace_vprintk(fmt_many, sizeof fmt_many, args, sizeof args);
  r->v[CALLS_VPRINTK_BAD] = bpf_trace_vprintk(fmt_many, sizeof fmt_many, args, 12);
  r->v[CALLS_PRINTK_BAD_SPEC] = bpf_trace_printk(fmt_bad, sizeof fmt_bad, 1, 2, 3);
}

static __noinline void environment(struct results *r) {
  __u64 t1 = bpf_ktime_get_ns();
  __u64 t2 = bpf_ktime_get_ns();
  r->v[CALLS_TIME_MONOTONIC] = t1 > 0 && t2 >= t1;
  t1 = bpf_ktime_get_boot_ns();
  t2 = bpf_ktime_get_boot_ns();
  r->v[CALLS_TIME_BOOT] = t1 > 0 && t2 >= t1;
  t1 = bpf_ktime_get_coarse_ns();
  t2 = bpf_ktime_get_coarse_ns();
  r->v[CALLS_TIME_COARSE] = t1 > 0 && t2 >= t1;
  __u32 a = bpf_get_prandom_u32(), b = bpf_get_prandom_u32();
  __u32 c = bpf_get_prandom_u32(), d = bpf_get_prandom_u32();
  r->v[CALLS_PRANDOM] = !(a == b && b == c && c == d);
  r->v[CALLS_CPU] = bpf_get_smp_processor_id() < 4096;
  __u64 id = bpf_get_current_pid_tgid();
  r->v[CALLS_PID] = (id >> 32) != 0 && (__u32)id != 0;
  char comm[16];
  long ret = bpf_get_current_comm(comm, sizeof comm);
  r->v[CALLS_COMM] = ret == 0 && comm[0] != 0 && comm[15] == 0;
  char small[1] = {'x'};
  ret = bpf_get_current_comm(small, sizeof small);
  r->v[CALLS_COMM_SMALL] = ret * 10 + (small[0] == 0);
}

SEC("xdp")
int runtime_calls(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  __u32 rotation = 0;
  if (data + 1 <= data_end) rotation = *(__u8 *)data;
  struct results r = {};
  globals_and_calls(&r, rotation);
  callbacks(&r);
  strings_and_sums(&r, data, data_end);
  printing(&r);
  environment(&r);
  r.v[CALLS_BSS_AFTER] = bss_counter;
  return STORE_XDP_RESULTS(ctx, &r) ? XDP_PASS : XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
