/* Map operations from a program, for bench/runtime_bench.cpp: each XDP program performs one
 * map operation OPS times in a bounded loop and returns how many succeeded (hits, updates,
 * reservations); `baseline` is the same loop without the operation. The benchmark reports
 * (time of a run - time of a baseline run) / OPS per operation, in xbpf and in the kernel.
 *
 * User space fills the maps first: `array` and `hash` hold the keys 0..65535 (value = key),
 * `lpm` an IPv4 table inside 10.0.0.0/8 (every address of 10/8 matches at least the /8).
 * Successive runs walk the keys through a global cursor, so that a run does not touch the
 * same few cache lines as the previous one: run r uses the keys scatter(r * OPS + i), a
 * bijection of the 16 (24 for LPM) low bits that strides through the key space.
 *
 * Build: clang -O2 -g -target bpf -c map_ops.bpf.c -o map_ops.o */
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define OPS 1000
#define ENTRIES 65536

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, ENTRIES);
    __type(key, __u32);
    __type(value, __u64);
} array SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, ENTRIES);
    __type(key, __u32);
    __type(value, __u64);
} hash SEC(".maps");

struct lpm_key {
    __u32 prefixlen;
    __u8 addr[4]; /* network byte order */
};

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, ENTRIES);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct lpm_key);
    __type(value, __u64);
} lpm SEC(".maps");

/* 4 MiB: room for 100 runs of 1000 records of 24 bytes (16 + the 8-byte header); the
 * benchmark empties it between test runs. */
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4 << 20);
} ring SEC(".maps");

struct event {
    __u64 index;
    __u64 base;
};

/* Where the next run's keys start. */
__u32 cursor = 0;

static __always_inline __u32 next_base(void)
{
    __u32 base = cursor;
    cursor = base + OPS;
    return base;
}

static __always_inline __u32 scatter16(__u32 n) { return (n * 0x9e3779b1u) & 0xffff; }
static __always_inline __u32 scatter24(__u32 n) { return (n * 0x9e3779b1u) & 0xffffff; }

/* The loop without an operation: the key computed and stored on the stack, a sum kept. */
SEC("xdp")
int baseline(struct xdp_md *ctx)
{
    __u32 base = next_base();
    __u64 sum = 0;
#pragma clang loop unroll(disable)
    for (__u32 i = 0; i < OPS; i++) {
        __u32 key = scatter16(base + i);
        asm volatile("" : : "r"(&key) : "memory"); /* the key lives on the stack */
        sum += key;
    }
    return sum == 0xffffffffffffffffull; /* 0: keeps the sum alive */
}

/* Each lookup/update program comes twice: NAME walks the whole key space over successive
 * runs (a run's keys are new to the caches, as with real traffic over a large table), and
 * NAME_hot uses the same 1000 keys in every run (the working set stays in the caches: the
 * cost of the code path). */
#define KEY_BASE(hot) ((hot) ? 0 : next_base())

#define LOOKUP(name, map, hot, make_key)                                                   \
    SEC("xdp")                                                                             \
    int name(struct xdp_md *ctx)                                                           \
    {                                                                                      \
        __u32 base = KEY_BASE(hot);                                                        \
        __u32 hits = 0;                                                                    \
        _Pragma("clang loop unroll(disable)")                                              \
        for (__u32 i = 0; i < OPS; i++) {                                                  \
            __u32 key = make_key(base + i);                                                \
            __u64 *value = bpf_map_lookup_elem(&map, &key);                                \
            if (value)                                                                     \
                hits += *value == key;                                                     \
        }                                                                                  \
        return hits;                                                                       \
    }

#define HIT_KEY(n) scatter16(n)
#define MISS_KEY(n) (scatter16(n) | ENTRIES) /* 65536..131071: never present */

LOOKUP(array_lookup, array, 0, HIT_KEY)
LOOKUP(array_lookup_hot, array, 1, HIT_KEY)
LOOKUP(hash_lookup_hit, hash, 0, HIT_KEY)
LOOKUP(hash_lookup_hit_hot, hash, 1, HIT_KEY)
LOOKUP(hash_lookup_miss, hash, 0, MISS_KEY)
LOOKUP(hash_lookup_miss_hot, hash, 1, MISS_KEY)

#define UPDATE(name, hot)                                                                  \
    SEC("xdp")                                                                             \
    int name(struct xdp_md *ctx)                                                           \
    {                                                                                      \
        __u32 base = KEY_BASE(hot);                                                        \
        __u32 updated = 0;                                                                 \
        _Pragma("clang loop unroll(disable)")                                              \
        for (__u32 i = 0; i < OPS; i++) {                                                  \
            __u32 key = scatter16(base + i);                                               \
            __u64 value = key; /* what user space stored: the map stays the same */       \
            updated += bpf_map_update_elem(&hash, &key, &value, BPF_EXIST) == 0;           \
        }                                                                                  \
        return updated;                                                                    \
    }

UPDATE(hash_update, 0)
UPDATE(hash_update_hot, 1)

/* Addresses 10.x.y.z: every one matches at least 10.0.0.0/8. */
#define LPM(name, hot)                                                                     \
    SEC("xdp")                                                                             \
    int name(struct xdp_md *ctx)                                                           \
    {                                                                                      \
        __u32 base = KEY_BASE(hot);                                                        \
        __u32 hits = 0;                                                                    \
        _Pragma("clang loop unroll(disable)")                                              \
        for (__u32 i = 0; i < OPS; i++) {                                                  \
            struct lpm_key key = {.prefixlen = 32};                                        \
            __u32 addr = bpf_htonl(0x0a000000u | scatter24(base + i));                     \
            __builtin_memcpy(key.addr, &addr, 4);                                          \
            __u64 *value = bpf_map_lookup_elem(&lpm, &key);                                \
            if (value)                                                                     \
                hits += *value != 0;                                                       \
        }                                                                                  \
        return hits;                                                                       \
    }

LPM(lpm_lookup, 0)
LPM(lpm_lookup_hot, 1)

SEC("xdp")
int ringbuf_reserve_submit(struct xdp_md *ctx)
{
    __u32 base = next_base();
    __u32 submitted = 0;
#pragma clang loop unroll(disable)
    for (__u32 i = 0; i < OPS; i++) {
        struct event *event = bpf_ringbuf_reserve(&ring, sizeof *event, 0);
        if (!event)
            continue;
        event->index = i;
        event->base = base;
        bpf_ringbuf_submit(event, 0);
        submitted++;
    }
    return submitted;
}

char _license[] SEC("license") = "GPL";
