// Shared by the runtime_*.bpf.c programs and the tests that read what they observed
// (tests/unit/runtime_programs_test.cpp, runtime_kernel_diff_test.cpp).
//
// Each program gathers what it observed into RESULT_SLOTS signed 32-bit slots (return codes of
// helpers and map operations, negative errno values included; values read back; facts
// reduced to 0/1 where the raw value differs from run to run: times, random numbers, pids)
// and copies them into the packet at RESULT_OFFSET, where data_out shows them. The slot
// names of each program are the enums below. The input frame must be at least RESULT_END
// bytes long.
#ifndef XBPF_TESTS_PROGRAMS_RUNTIME_COMMON_H
#define XBPF_TESTS_PROGRAMS_RUNTIME_COMMON_H

#define RESULT_OFFSET 64
#define RESULT_SLOTS 48
#define RESULT_END (RESULT_OFFSET + 4 * RESULT_SLOTS)

// runtime_maps.bpf.c: hash, array, per-CPU and LRU maps from a program.
enum maps_slot {
  MAPS_HASH_INSERT,          // updates of keys 1..4 into a 4-entry hash: 0 each, summed
  MAPS_HASH_FULL,            // key 5 into the full hash: -E2BIG
  MAPS_HASH_REPLACE_FULL,    // key 2 again while full (BPF_ANY): 0
  MAPS_HASH_NOEXIST,         // key 3 with BPF_NOEXIST: -EEXIST
  MAPS_HASH_EXIST_MISSING,   // key 9 with BPF_EXIST: -ENOENT
  MAPS_HASH_BAD_FLAGS,       // flags 8: -EINVAL
  MAPS_HASH_LOCK_NO_LOCK,    // BPF_F_LOCK on a value without a spin lock: -EINVAL
  MAPS_HASH_VALUE,           // lookup of key 2: 2000 (the replaced value)
  MAPS_HASH_MISSING,         // lookup of key 7 is NULL: 1
  MAPS_HASH_DELETE,          // delete key 1: 0
  MAPS_HASH_DELETE_AGAIN,    // delete key 1 again: -ENOENT
  MAPS_HASH_AFTER_DELETE,    // key 5 now fits: 0
  MAPS_HASH_IN_PLACE,        // value changed through the looked-up pointer, read back: 43
  MAPS_ARRAY_UPDATE,         // array index 3 = 33: 0
  MAPS_ARRAY_OUT_OF_RANGE,   // index 4 of 4: -E2BIG
  MAPS_ARRAY_NOEXIST,        // BPF_NOEXIST: -EEXIST
  MAPS_ARRAY_RANGE_NOEXIST,  // index 4 with BPF_NOEXIST: -E2BIG (the range is checked first)
  MAPS_ARRAY_DELETE,         // delete: -EINVAL
  MAPS_ARRAY_LOOKUP_OUT,     // lookup of index 4 is NULL: 1
  MAPS_ARRAY_SUM,            // sum of the 4 values (0 + 0 + 0 + 33) + 100 * (index 0 zero)
  MAPS_ARRAY_LOCK_NO_LOCK,   // BPF_F_LOCK on a value without a spin lock: -EINVAL
  MAPS_PERCPU_HASH_UPDATE,   // percpu hash key 1 = 11: 0
  MAPS_PERCPU_HASH_VALUE,    // this CPU's copy after += 1: 12
  MAPS_PERCPU_ARRAY_VALUE,   // percpu array [1] = 21, then += 2 in place: 23
  MAPS_PERCPU_ARRAY_OUT,     // percpu array index 2 of 2: -E2BIG
  MAPS_LRU_INSERT,           // 8 keys into a 4-entry LRU hash: every update returns 0 (sum)
  MAPS_LRU_LAST_FOUND,       // the last key inserted is found: 1
  MAPS_LRU_AT_MOST_MAX,      // at most 4 of the 8 keys remain: 1
  MAPS_LRU_NOEXIST,          // the last key with BPF_NOEXIST: -EEXIST, or 0 when Linux evicted
                             // that very key to make room first (both -> 1)
  MAPS_LRU_DELETE,           // delete the last key: 0, then again: -ENOENT (sum: -ENOENT)
  MAPS_LRU_PERCPU_UPDATE,    // lru percpu hash key 7 = 70: 0
  MAPS_LRU_PERCPU_VALUE,     // read back: 70
  MAPS_LRU_PERCPU_EXIST,     // key 8 with BPF_EXIST: -ENOENT
  MAPS_HASH_FINAL_COUNT,     // keys 1..9 found in the hash at the end: 4 (2, 3, 4, 5)
  MAPS_SLOTS
};

// runtime_lpm_queue.bpf.c: LPM trie, queue and stack.
enum lpm_slot {
  LPM_INSERT,            // 6 prefixes inserted (the last with BPF_NOEXIST): 0 each, summed
  LPM_MATCH_32,          // 10.1.2.3 -> the /32: 132
  LPM_MATCH_24,          // 10.1.2.4 -> 10.1.2.0/24: 124
  LPM_MATCH_16,          // 10.1.9.9 -> 10.1.0.0/16: 116
  LPM_MATCH_8,           // 10.9.9.9 -> 10.0.0.0/8: 108
  LPM_MATCH_0,           // 11.0.0.1 -> 0.0.0.0/0: 100
  LPM_MATCH_SHORT,       // a lookup key 10.1.2.3 with prefixlen 20: the /16 (116)
  LPM_LOOKUP_SHORTER,    // 192.168.0.0/16 (only 192.168.1.0/24 exists): the /0 (100)
  LPM_DELETE,            // delete 10.1.0.0/16: 0
  LPM_DELETE_MISSING,    // delete it again: -ENOENT
  LPM_AFTER_DELETE,      // 10.1.9.9 now -> the /8: 108
  LPM_BAD_PREFIX,        // insert with prefixlen 33: -EINVAL
  LPM_NOEXIST,           // 10.1.2.0/24 again with BPF_NOEXIST: -EEXIST
  LPM_MATCH_192,         // 192.168.1.77 -> 192.168.1.0/24: 224
  LPM_EXIST_MISSING,     // 172.16.0.0/12 with BPF_EXIST while absent: -ENOENT
  LPM_FILL,              // 3 more prefixes fill the 8 entries: 0 each, summed
  LPM_FULL,              // a 9th: -ENOSPC
  LPM_REPLACE_FULL,      // replacing 172.16.0.0/16 while full: 0
  LPM_MATCH_AFTER_FULL,  // 172.16.5.5 (the replaced /16: 416) * 1000 + 172.31.5.5 (the /12: 312)
  QUEUE_PUSH,            // pushes of 1, 2, 3 into a 3-entry queue: 0 each, summed
  QUEUE_PUSH_FULL,       // a 4th push: -E2BIG
  QUEUE_PUSH_EXIST,      // a 4th push with BPF_EXIST: 0 (the oldest is dropped)
  QUEUE_PEEK,            // peek: 2
  QUEUE_POP_ORDER,       // pops: 2, 3, 4 -> 234
  QUEUE_POP_EMPTY,       // pop when empty: -ENOENT
  QUEUE_PEEK_EMPTY,      // peek when empty: -ENOENT
  QUEUE_BAD_FLAGS,       // push with BPF_NOEXIST: -EINVAL
  STACK_PUSH,            // pushes 1, 2, 3: 0 each, summed
  STACK_PUSH_FULL,       // a 4th: -E2BIG
  STACK_PUSH_EXIST,      // a 4th with BPF_EXIST: 0 (the oldest, 1, is dropped)
  STACK_PEEK,            // peek: 4
  STACK_POP_ORDER,       // pops: 4, 3, 2 -> 432
  STACK_POP_EMPTY,       // -ENOENT
  LPM_SLOTS
};

// runtime_ringbuf.bpf.c: ring buffer and perf event array.
enum ringbuf_slot {
  RB_QUERY_SIZE,              // BPF_RB_RING_SIZE: 4096
  RB_QUERY_EMPTY,             // BPF_RB_AVAIL_DATA before anything: 0
  RB_RESERVE_OK,              // a 16-byte reserve succeeded: 1
  RB_PROD_AFTER_RESERVE,      // BPF_RB_PROD_POS while reserved: 24
  RB_AVAIL_RESERVED,          // BPF_RB_AVAIL_DATA while reserved: 24 (counts reserved records)
  RB_AVAIL_SUBMITTED,         // after submit: 24
  RB_DISCARD,                 // a second reserve (40 bytes) then discard: producer 72
  RB_OUTPUT,                  // bpf_ringbuf_output of 12 bytes: 0
  RB_PROD_POS,                // BPF_RB_PROD_POS: 72 + 24 = 96
  RB_CONS_POS,                // BPF_RB_CONS_POS: 0
  RB_OUTPUT_BAD_FLAGS,        // flags 4: -EINVAL
  RB_RESERVE_TOO_BIG,         // a reserve larger than the ring: NULL -> 1
  RB_RESERVE_BAD_FLAGS,       // reserve with flags 1: NULL -> 1
  RB_FILL,                    // 1000-byte outputs until one fails: how many fit (3)
  RB_FILL_ERROR,              // the failing one: -EAGAIN
  RB_AVAIL_FULL,              // BPF_RB_AVAIL_DATA at the end: 96 + 3 * 1008 = 3120
  RB_QUERY_BAD,               // an unknown query flag: 0
  RB_RESERVE_ZERO,            // a 0-byte reserve succeeds: 1
  RB_PROD_AFTER_ZERO,         // its record is the 8-byte header alone: 3128
  PERF_OUTPUT,                // bpf_perf_event_output, no perf event at the index: -ENOENT
  PERF_OUTPUT_INDEX,          // index 1000 (past max_entries, the possible CPUs): -E2BIG
  PERF_OUTPUT_BAD_FLAGS,      // a flag outside BPF_F_INDEX_MASK | BPF_F_CTXLEN_MASK: -EINVAL
  PERF_OUTPUT_CTXLEN,         // with 64 packet bytes appended: -ENOENT
  PERF_OUTPUT_CTXLEN_BIG,     // more packet bytes than the packet has: -EFAULT
  PERF_OUTPUT_BAD_FLAGS_BIG,  // both: the flags are checked first, -EINVAL
  RB_SLOTS
};

// runtime_calls.bpf.c: global data, subprograms, callbacks and the scalar helpers.
enum calls_slot {
  CALLS_RODATA_TABLE,       // sum of a const table in .rodata: 1 + 2 + ... + 16 = 136
  CALLS_RODATA_STRING,      // a const string's length: 11
  CALLS_DATA_BEFORE,        // .data counter at entry: 5 (its initial value)
  CALLS_BSS_BEFORE,         // .bss counter at entry: 0
  CALLS_DATA_AFTER,         // .data counter after += 3: 8
  CALLS_STATIC_SUB,         // a static subprogram: 7 * 6 = 42
  CALLS_GLOBAL_SUB,         // a global subprogram: fib(20) = 6765
  CALLS_NESTED_SUB,         // a subprogram calling subprograms: 1234
  CALLS_LOOP_COUNT,         // bpf_loop(10, ...): 10
  CALLS_LOOP_SUM,           // the callback's sum of indexes: 45
  CALLS_LOOP_EARLY,         // bpf_loop stopped by the callback at index 4: 5 * 100 + 5 calls
  CALLS_LOOP_ZERO,          // bpf_loop(0, ...): 0
  CALLS_LOOP_BAD_FLAGS,     // bpf_loop with flags 1: -EINVAL
  CALLS_LOOP_TOO_MANY,      // bpf_loop(1 << 24, ...): -E2BIG
  CALLS_FOREACH_ARRAY,      // for_each_map_elem on an array of 6: 6
  CALLS_FOREACH_ARRAY_SUM,  // the values seen, sum: 10 + 11 + ... + 15 = 75
  CALLS_FOREACH_ORDER,      // indexes seen, in order, as digits: 12345 (after 0, stopped at 5)
  CALLS_FOREACH_STOP,       // the callback stops at the 3rd: 3 visited * 1000 + order 12 (0, 1, 2)
  CALLS_FOREACH_HASH,       // for_each on a hash of 4: 4
  CALLS_FOREACH_HASH_SUM,   // keys * 100 + values, summed (order-independent): 1100
  CALLS_FOREACH_WRITE,      // the callback doubled each hash value: their sum, read back, 200
  CALLS_FOREACH_BAD_FLAGS,  // for_each_map_elem with flags 1: -EINVAL
  CALLS_STRNCMP_EQ,         // bpf_strncmp equal: 0
  CALLS_STRNCMP_LT,         // s1 < s2: -1
  CALLS_STRNCMP_GT,         // s1 > s2: 1
  CALLS_STRNCMP_PREFIX,     // equal in the first n bytes: 0
  // csum_diff returns the sum folded to 16 bits (Linux 6.12 and later):
  CALLS_CSUM_DIFF,        // csum_diff(from 8 bytes, to 8 bytes, seed 0): 0x4040
  CALLS_CSUM_PUSH,        // csum_diff(NULL, 0, to 12 bytes, seed 0x1234): 0x6480
  CALLS_CSUM_PULL,        // csum_diff(from 4 bytes, NULL, 0, seed 0xffff): 0xf9fb
  CALLS_CSUM_BAD_SIZE,    // from 3 bytes, to 4 (any sizes since 6.12): 0x2420
  CALLS_CSUM_FOLDED,      // the sum of the IPv4 header (its checksum valid): 0xffff
  CALLS_PRINTK,           // bpf_trace_printk("x=%d y=%u s=%s\n"): "x=-5 y=7 s=abc\n", 15
  CALLS_PRINTK_WIDTH,     // "[%5d|%-4u|%05x]": "[   42|7   |000ab]", 18
  CALLS_VPRINTK,          // bpf_trace_vprintk, 5 arguments: "ok -123456789012 deadbeefcafe abc", 33
  CALLS_VPRINTK_BAD,      // bpf_trace_vprintk with data_len 12: -EINVAL
  CALLS_PRINTK_BAD_SPEC,  // %n: -EINVAL
  CALLS_TIME_MONOTONIC,   // ktime_get_ns: t2 >= t1 > 0 -> 1
  CALLS_TIME_BOOT,        // ktime_get_boot_ns: t2 >= t1 > 0 -> 1
  CALLS_TIME_COARSE,      // ktime_get_coarse_ns: t2 >= t1 > 0 -> 1
  CALLS_PRANDOM,          // four calls not all equal -> 1
  CALLS_CPU,              // get_smp_processor_id() < 4096 -> 1
  CALLS_PID,              // get_current_pid_tgid(): pid and tgid non-zero -> 1
  CALLS_COMM,             // get_current_comm: 0, a non-empty NUL-terminated name -> 1
  CALLS_COMM_SMALL,       // get_current_comm into 1 byte: 0 * 10 + (an empty string: 1)
  CALLS_BSS_AFTER,        // .bss counter after the callbacks (10 + 5 calls): 15
  CALLS_NESTED_LOOP,      // bpf_loop(3) whose callback runs bpf_loop(4): 3 * 100 + 12 inner calls
  CALLS_FOREACH_PERCPU,   // for_each on a per-CPU array of 3: 3 * 1000 + this CPU's 100 + 200 + 300
  CALLS_SLOTS
};

// runtime_printk.bpf.c: bpf_trace_printk / bpf_trace_vprintk, the formatted length or -EINVAL.
enum printk_slot {
  PK_INTS,            // "%d %i %u %x %X" of -1, -2, 3, 0xabc, 0xabc: "-1 -2 3 abc ABC", 15
  PK_HASH_FLAG,       // "%#x": -EINVAL (no '#' flag)
  PK_PRECISION,       // "%.3s": -EINVAL (no precision)
  PK_STRINGS,         // "%5s|%-5s|": "   ab|cd   |", 12
  PK_SHORT,           // "%hd": -EINVAL (no h modifier)
  PK_OCTAL,           // "%o": -EINVAL
  PK_LONGS,           // "%lx %llx %lu": "123456789a fedcba9876543210 42", 30
  PK_IP4,             // "%pI4 %pi4": "192.168.1.10 192.168.001.010", 28
  PK_IP6,             // "%pI6": 8 groups of 4 hex digits with colons, 39
  PK_IP6_PLAIN,       // "%pi6": 32 hex digits
  PK_FOUR_PRINTK,     // 4 conversions, 3 arguments: -EINVAL
  PK_FOUR_VPRINTK,    // the same with 4 arguments: "1 2 3 4", 7
  PK_NULL_STRING,     // "[%s]" of NULL: a fault reads as an empty string, "[]", 2
  PK_NUL_CHAR,        // "%c" of 0: one (NUL) character, 1
  PK_FLAGS,           // "%+d|% d|%-4d|%04d" of 5: "+5| 5|5   |0005", 15
  PK_WIDE,            // "%30d": 30
  PK_MIN,             // "%lld" of INT64_MIN: 20
  PK_MAX,             // "%llu" of UINT64_MAX: 20
  PK_LOW_WORD,        // "%x %d" of ~0 and 0x100000005: the low 32 bits, "ffffffff 5", 10
  PK_PERCENT,         // "100%%": 4
  PK_TRAILING,        // "50%": -EINVAL
  PK_SIZE_T,          // "%zu": -EINVAL
  PK_UNKNOWN,         // "%q": -EINVAL
  PK_TOO_FEW,         // vprintk "%d %d" with one argument: -EINVAL
  PK_TOO_MANY_ARGS,   // vprintk with 13 arguments: -EINVAL
  PK_CHAR_WIDTH,      // "%3c|": "  z|", 4
  PK_NOT_TERMINATED,  // a format whose size leaves out the NUL: -EINVAL
  PK_PACKET_STRING,   // "%s" of packet bytes from offset 34 (up to the first NUL)
  PK_STRING_LETTER,   // "%sx": -EINVAL (%s must be followed by a space, punctuation or the end)
  PK_CONTROL_CHAR,    // "a\x01b": -EINVAL (neither printable nor a space)
  PK_EARLY_NUL,       // "ab\0cd" (the format ends at the first NUL): 2
  PK_POINTERS,        // "%p %px %pK": 16 hex digits each, 50
  PK_KERNEL_STRING,   // "%pks" of "ab": 2
  PK_LONG_STRING,     // "%s" of 600 characters: cut to 511 by the 512-byte argument buffer
  PK_NO_ROOM,         // "%s%d" of them and 1: the %d does not fit, -ENOSPC
  PK_SLOTS
};

// runtime_tail.bpf.c: tail calls.
enum tail_slot {
  TAIL_SELF_RUNS,       // tail_self: a program tail-calling itself ran 34 times (1 + 33)
  TAIL_CHAIN,           // tail_chain: stages 1 -> 2 -> 3 each append their digit: 123
  TAIL_EMPTY_SLOT,      // a tail call to an empty slot falls through: 1
  TAIL_OUT_OF_RANGE,    // a tail call past max_entries falls through: 1
  TAIL_FROM_SUB,        // tail_from_sub: the target's return value (7) * 100 + its runs (1)
  TAIL_FROM_SUB_EMPTY,  // a failed tail call from the subprogram: it returns -1
  TAIL_SLOTS
};

// runtime_map_in_map.bpf.c: arrays and hashes of maps.
enum mim_slot {
  MIM_OUTER_ARRAY_0,      // array_of_maps[0] (initial value: inner_a) is found: 1
  MIM_OUTER_ARRAY_1,      // array_of_maps[1] (inner_b): 1
  MIM_OUTER_ARRAY_2,      // array_of_maps[2] (no initial value): NULL -> 1
  MIM_OUTER_ARRAY_OUT,    // index 3 of 3: NULL -> 1
  MIM_INNER_A_WRITE,      // inner_a[1] = 101 through the outer map: 0
  MIM_INNER_OUT,          // inner array index 8 of 8: -E2BIG
  MIM_INNER_B_WRITE,      // inner_b[1] = 202 through the outer map: 0
  MIM_INNER_B_READ,       // read back through the outer map: 202
  MIM_INNER_A_READ,       // inner_a[1] read directly: 101
  MIM_INNER_B_DIRECT,     // inner_b[1] read directly: 202
  MIM_HASH_FOUND,         // hash_of_maps[7] (initial value: inner_h) found: 1
  MIM_HASH_MISSING,       // hash_of_maps[6]: NULL -> 1
  MIM_HASH_INNER_FULL,    // a 4th key into the 3-entry inner hash: -E2BIG
  MIM_HASH_INNER,         // 3 inserts (0 each) and the values read back: 600
  MIM_HASH_INNER_DIRECT,  // inner_h[2] read directly: 200
  MIM_HASH_OF_ARRAY,      // hash_of_maps[9] (an array): [0] = 909 written, read directly
  MIM_SLOTS
};

// runtime_atomics.bpf.c: atomics and bpf_spin_lock.
enum atomics_slot {
  AT_ADD_MAP,              // 64-bit add (no fetch) on a map value: 100 + 5 = 105
  AT_ADD32_MAP,            // 32-bit add on a map value: 7 + 3 = 10
  AT_ADD_STACK,            // add on a stack slot: 40 + 2 = 42
  AT_ADD_GLOBAL,           // add on a .bss variable: 0 + 9 = 9
  AT_FETCH_ADD,            // v3+: fetch_add returns the old value: 105
  AT_FETCH_ADD_NEW,        // and the new value: 115
  AT_FETCH_OR,             // fetch_or(0xf0, 0x0f): old 0xf0
  AT_OR_RESULT,            // 0xff
  AT_FETCH_AND,            // fetch_and(0xff, 0x3c): old 0xff
  AT_AND_RESULT,           // 0x3c
  AT_FETCH_XOR,            // fetch_xor(0x3c, 0xff): old 0x3c
  AT_XOR_RESULT,           // 0xc3
  AT_CMPXCHG_HIT,          // val_compare_and_swap(expected = current): old value 0xc3
  AT_CMPXCHG_HIT_NEW,      // the new value: 0x77
  AT_CMPXCHG_MISS,         // with the wrong expected value: returns the current 0x77
  AT_CMPXCHG_MISS_NEW,     // unchanged: 0x77
  AT_XCHG,                 // __atomic_exchange_n: old 0x77
  AT_XCHG_NEW,             // new 0x5a5a
  AT_STACK_CMPXCHG,        // compare-and-swap on the stack (32-bit): old 42, new 43 -> 4243
  AT_STACK_XCHG64,         // exchange on the stack (64-bit): old 43 -> 43
  AT_FETCH32_NEG,          // 32-bit fetch_add of -1 on 0: old 0, new as s32 -1 -> packed -1
  AT_OR_NO_FETCH,          // or/and/xor without fetch (v3+): result 0x1e
  AT_SPIN_LOCK,            // counter updated under bpf_spin_lock: 1 + 1 = 2
  AT_SPIN_LOCK_HASH,       // the same in a hash value: 3
  AT_V1_MARK,              // 1 at v1/v2 (only the no-fetch add), 3 at v3+
  AT_UPDATE_LOCK_HASH,     // update with BPF_F_LOCK of the hash value: 0 * 1000 + count 40
  AT_UPDATE_LOCK_ARRAY,    // the same on the array value: 0 * 1000 + 50
  AT_UPDATE_LOCK_MISSING,  // BPF_F_LOCK | BPF_EXIST on a missing key: -ENOENT
  AT_SLOTS
};

// runtime_xdp.bpf.c: XDP frame helpers and redirects.
enum xdp_slot {
  XDP_BUFF_LEN,            // xdp_get_buff_len: the frame's length L
  XDP_LOAD,                // xdp_load_bytes of the EtherType: 0
  XDP_LOAD_VALUE,          // the bytes read: 0x0800
  XDP_LOAD_OUT,            // 4 bytes at L - 2: -EINVAL
  XDP_LOAD_HUGE_OFFSET,    // offset 0x10000: -EFAULT
  XDP_STORE,               // xdp_store_bytes of 4 bytes at offset 40: 0
  XDP_STORE_OUT,           // 4 bytes at L - 1: -EINVAL
  XDP_INGRESS_IFINDEX,     // ctx->ingress_ifindex: 1 (lo, where Linux's test runs receive)
  XDP_RX_QUEUE,            // ctx->rx_queue_index: 0
  XDP_META_INITIAL,        // metadata at entry (ctx_in's data): M
  XDP_META_GROW,           // xdp_adjust_meta(-8): 0
  XDP_META_UNALIGNED,      // xdp_adjust_meta(-2): -EACCES
  XDP_META_TOO_FAR,        // data_meta past data: -EINVAL
  XDP_META_HEADROOM,       // data_meta inside the xdp_frame at the frame's start: -EINVAL
  XDP_META_MAX,            // data_meta right after the xdp_frame (216 bytes): 0
  XDP_META_MAX_LEN,        // 216
  XDP_META_SHRINK,         // back to 8 bytes: 0
  XDP_META_LEN,            // 8
  XDP_HEAD_GROW,           // xdp_adjust_head(-16): 0
  XDP_HEAD_LEN,            // the length grew by 16
  XDP_HEAD_TOO_FAR,        // data 4 bytes inside xdp_frame + metadata: -EINVAL
  XDP_HEAD_LIMIT,          // data right after them: 0
  XDP_HEAD_LIMIT_LEN,      // the length grew by 16 + 192 = 208
  XDP_HEAD_BACK,           // and back: 0
  XDP_HEAD_SHRINK_ALL,     // data past data_end - ETH_HLEN: -EINVAL
  XDP_HEAD_SHRINK_TO_ETH,  // xdp_adjust_head(0): 0
  XDP_TAIL_GROW,           // xdp_adjust_tail(+20): 0
  XDP_TAIL_ZEROED,         // the grown bytes are zero (100) + the growth (20): 120
  XDP_TAIL_SHRINK,         // xdp_adjust_tail(-30): 0
  XDP_TAIL_TOO_BIG,        // xdp_adjust_tail(+4096): -EINVAL
  XDP_TAIL_TOO_SMALL,      // below ETH_HLEN: -EINVAL
  XDP_TAIL_MAX,            // data_end at the frame's end (4096 - 320 bytes in): 0
  XDP_TAIL_MAX_OVER,       // one more byte: -EINVAL
  XDP_TAIL_MAX_LEN,        // 4096 - 320 - 240 = 3536
  XDP_TAIL_RESTORE,        // down to L + 6: 0
  XDP_FINAL_LEN,           // xdp_get_buff_len at the end: L + 6
  XDP_META_READ,           // the metadata written, read back after moving with the head: 0xfeedf00d
  XDP_SLOTS
};

// runtime_redirect.bpf.c: bpf_redirect / bpf_redirect_map (the test puts ifindex 1 at key 1
// of both device maps).
enum redirect_slot {
  RD_REDIRECT,            // bpf_redirect(1, 0): XDP_REDIRECT
  RD_REDIRECT_FLAGS,      // bpf_redirect(1, 1): XDP_ABORTED
  RD_MAP_HIT,             // bpf_redirect_map(devmap, 1, 0): XDP_REDIRECT
  RD_MAP_MISS,            // key 2 (empty), fallback XDP_PASS: XDP_PASS
  RD_MAP_MISS_DROP,       // key 9 (out of range), fallback XDP_DROP: XDP_DROP
  RD_MAP_BAD_FLAGS,       // flags 0x40: XDP_ABORTED
  RD_MAP_BROADCAST,       // BPF_F_BROADCAST: XDP_REDIRECT
  RD_HASH_HIT,            // bpf_redirect_map(devmap_hash, 1, 0): XDP_REDIRECT
  RD_HASH_MISS,           // key 5, fallback XDP_TX: XDP_TX
  RD_LOOKUP_DEVMAP,       // bpf_map_lookup_elem(devmap, 1): the ifindex, 1
  RD_LOOKUP_MISSING,      // key 2: NULL -> 1
  RD_LOOKUP_DEVMAP_HASH,  // bpf_map_lookup_elem(devmap_hash, 1): 1
  RD_SLOTS
};

// runtime_skb.bpf.c, runtime_tc (results in the packet, from the MAC header).
enum skb_slot {
  SKB_LEN,                 // skb->len: the frame's length
  SKB_PROTOCOL,            // skb->protocol: htons(ETH_P_IP) = 8
  SKB_PKT_TYPE,            // skb->pkt_type: PACKET_OTHERHOST (3), the frame is not to lo's
                           // address 00:00:00:00:00:00
  SKB_IFINDEX,             // skb->ifindex: 1 (lo)
  SKB_INGRESS_IFINDEX,     // skb->ingress_ifindex (ctx_in)
  SKB_MARK,                // skb->mark (ctx_in)
  SKB_PRIORITY,            // skb->priority (ctx_in)
  SKB_CB0,                 // skb->cb[0] (ctx_in)
  SKB_CB4,                 // skb->cb[4] (ctx_in)
  SKB_DATA_LEN,            // data_end - data: the frame's length
  SKB_HASH,                // skb->hash: 0
  SKB_QUEUE_MAPPING,       // 0
  SKB_VLAN_PRESENT,        // 0
  SKB_WIRE_LEN,            // the frame's length, or ctx_in's
  SKB_TC_INDEX,            // 0
  SKB_GSO_SEGS,            // ctx_in
  SKB_GSO_SIZE,            // ctx_in
  SKB_TSTAMP,              // low 32 bits of ctx_in's tstamp
  SKB_DATA_META,           // data_meta == data: 1
  SKB_MAP_COUNT,           // the packet count for the protocol in a hash map
  SKB_CSUM_DIFF,           // csum_diff over the IPv4 addresses: 0xb6cd
  SKB_PERF_OUTPUT,         // bpf_perf_event_output, no perf event: -ENOENT
  SKB_PERF_CTXLEN,         // with 64 packet bytes appended: -ENOENT
  SKB_PERF_CTXLEN_BIG,     // more packet bytes than skb->len: -EFAULT
  SKB_REDIRECT_BAD_FLAGS,  // bpf_redirect(1, 2): TC_ACT_SHOT
  SKB_REDIRECT,            // bpf_redirect(1, BPF_F_INGRESS): TC_ACT_REDIRECT
  SKB_TAIL_CALL,           // set to 1 by tc_tail_target, tail-called at the end
  SKB_SLOTS
};

// runtime_skb.bpf.c, runtime_socket reports in cb[] (ctx_out):
//   cb[0] = ld_abs byte 9 (IP protocol) | ld_abs half (UDP/TCP destination port) << 8
//   cb[1] = ld_abs word 12 (the IPv4 source address, host order)
//   cb[2] = ld_ind half (the UDP checksum / TCP sequence's high half) | first L4 byte << 16
//   cb[3] = skb->len | pkt_type << 16 | ifindex << 24
//   cb[4] = facts, bit by bit (SOCKET_FACTS: all set for ctx_in mark 0x77, priority 5)
#define SOCKET_FACTS 0x1ff

#if defined(__bpf__)
// The program side: the results, and copying them into the packet.
struct results {
  __s32 v[RESULT_SLOTS];
};

// Copies the results into the packet at RESULT_OFFSET from `data`; 0 when it is too short.
static __always_inline int store_results(void* data, void* data_end, const struct results* r) {
  struct results* out = (struct results*)((char*)data + RESULT_OFFSET);
  if ((void*)(out + 1) > data_end) return 0;
  __builtin_memcpy(out, r, sizeof *r);
  return 1;
}

#define STORE_XDP_RESULTS(ctx, r) \
  store_results((void*)(long)(ctx)->data, (void*)(long)(ctx)->data_end, (r))
#endif

#endif
