// bpf_trace_printk and bpf_trace_vprintk on the format features Linux accepts (flags, widths,
// l/ll, %c, %s, %pI4/%pi4/%pI6/%pi6, %%) and refuses (precision, '#', h and z modifiers,
// %o, %n, too many or too few arguments, a trailing '%'): each slot holds the helper's return
// value, the formatted length or -EINVAL. Slots: enum printk_slot in runtime_common.h.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "runtime_common.h"

#define FMT(name, text) const char name[] = text

FMT(f_ints, "%d %i %u %x %X");
FMT(f_hash, "%#x");
FMT(f_precision, "%.3s");
FMT(f_strings, "%5s|%-5s|");
FMT(f_short, "%hd");
FMT(f_octal, "%o");
FMT(f_longs, "%lx %llx %lu");
FMT(f_ip4, "%pI4 %pi4");
FMT(f_ip6, "%pI6");
FMT(f_ip6_plain, "%pi6");
FMT(f_four, "%d %d %d %d");
FMT(f_null_string, "[%s]");
FMT(f_nul_char, "%c");
FMT(f_flags, "%+d|% d|%-4d|%04d");
FMT(f_wide, "%30d");
FMT(f_min, "%lld");
FMT(f_max, "%llu");
FMT(f_low_word, "%x %d");
FMT(f_percent, "100%%");
FMT(f_trailing, "50%");
FMT(f_size_t, "%zu");
FMT(f_unknown, "%q");
FMT(f_too_few, "%d %d");
FMT(f_char_width, "%3c|");
FMT(f_long_string, "%s");
FMT(f_string_letter, "%sx");
FMT(f_control, "a\x01b");
FMT(f_early_nul, "ab\0cd");
FMT(f_pointers, "%p %px %pK");
FMT(f_kernel_string, "%pks");
FMT(f_no_room, "%s%d");
const char long_text[601] = {[0 ... 599] = 'a'};

// vprintk's argument arrays, in .data (the stack is small).
__u64 ints[5] = {(__u64)-1, (__u64)-2, 3, 0xabc, 0xabc};
__u64 four[4] = {1, 2, 3, 4};
__u64 fives[4] = {5, 5, 5, 5};
__u64 thirteen[13] = {1};

SEC("xdp")
int runtime_printk(struct xdp_md *ctx) {
  struct results r = {};
  r.v[PK_INTS] = bpf_trace_vprintk(f_ints, sizeof f_ints, ints, sizeof ints);
  r.v[PK_HASH_FLAG] = bpf_trace_printk(f_hash, sizeof f_hash, 0x1f);
  char ab[3] = "ab", cd[3] = "cd", text[8] = "abcdefg";
  r.v[PK_PRECISION] = bpf_trace_printk(f_precision, sizeof f_precision, text);
  r.v[PK_STRINGS] = bpf_trace_printk(f_strings, sizeof f_strings, ab, cd);
  r.v[PK_SHORT] = bpf_trace_printk(f_short, sizeof f_short, 7);
  r.v[PK_OCTAL] = bpf_trace_printk(f_octal, sizeof f_octal, 8);
  r.v[PK_LONGS] = bpf_trace_printk(f_longs, sizeof f_longs, 0x123456789aULL, 0xfedcba9876543210ULL, 42);
  __u8 ip4[4] = {192, 168, 1, 10};
  r.v[PK_IP4] = bpf_trace_printk(f_ip4, sizeof f_ip4, ip4, ip4);
  __u8 ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  r.v[PK_IP6] = bpf_trace_printk(f_ip6, sizeof f_ip6, ip6);
  r.v[PK_IP6_PLAIN] = bpf_trace_printk(f_ip6_plain, sizeof f_ip6_plain, ip6);
  r.v[PK_FOUR_PRINTK] = bpf_trace_printk(f_four, sizeof f_four, 1, 2, 3);
  r.v[PK_FOUR_VPRINTK] = bpf_trace_vprintk(f_four, sizeof f_four, four, sizeof four);
  r.v[PK_NULL_STRING] = bpf_trace_printk(f_null_string, sizeof f_null_string, 0);
  r.v[PK_NUL_CHAR] = bpf_trace_printk(f_nul_char, sizeof f_nul_char, 0);
  r.v[PK_FLAGS] = bpf_trace_vprintk(f_flags, sizeof f_flags, fives, sizeof fives);
  r.v[PK_WIDE] = bpf_trace_printk(f_wide, sizeof f_wide, 1);
  r.v[PK_MIN] = bpf_trace_printk(f_min, sizeof f_min, 0x8000000000000000ULL);
  r.v[PK_MAX] = bpf_trace_printk(f_max, sizeof f_max, ~0ULL);
  r.v[PK_LOW_WORD] = bpf_trace_printk(f_low_word, sizeof f_low_word, ~0ULL, 0x100000005ULL);
  r.v[PK_PERCENT] = bpf_trace_printk(f_percent, sizeof f_percent);
  r.v[PK_TRAILING] = bpf_trace_printk(f_trailing, sizeof f_trailing);
  r.v[PK_SIZE_T] = bpf_trace_printk(f_size_t, sizeof f_size_t, 3);
  r.v[PK_UNKNOWN] = bpf_trace_printk(f_unknown, sizeof f_unknown, 3);
  r.v[PK_TOO_FEW] = bpf_trace_vprintk(f_too_few, sizeof f_too_few, four, 8);
  r.v[PK_TOO_MANY_ARGS] = bpf_trace_vprintk(f_ints, sizeof f_ints, thirteen, sizeof thirteen);
  r.v[PK_CHAR_WIDTH] = bpf_trace_printk(f_char_width, sizeof f_char_width, 'z');
  r.v[PK_NOT_TERMINATED] = bpf_trace_printk(f_percent, sizeof f_percent - 1);
  r.v[PK_STRING_LETTER] = bpf_trace_printk(f_string_letter, sizeof f_string_letter, ab);
  r.v[PK_CONTROL_CHAR] = bpf_trace_printk(f_control, sizeof f_control);
  r.v[PK_EARLY_NUL] = bpf_trace_printk(f_early_nul, sizeof f_early_nul);
  r.v[PK_POINTERS] = bpf_trace_printk(f_pointers, sizeof f_pointers, ab, ab, ab);
  r.v[PK_KERNEL_STRING] = bpf_trace_printk(f_kernel_string, sizeof f_kernel_string, ab);
  // Strings go through a 512-byte buffer: a longer one is cut to 511 characters, and then
  // nothing else fits.
  r.v[PK_LONG_STRING] = bpf_trace_printk(f_long_string, sizeof f_long_string, long_text);
  r.v[PK_NO_ROOM] = bpf_trace_printk(f_no_room, sizeof f_no_room, long_text, 1);
  __u8 *line = (void *)(long)ctx->data;
  if ((void *)(line + 64) <= (void *)(long)ctx->data_end) {
    r.v[PK_PACKET_STRING] = bpf_trace_printk(f_long_string, sizeof f_long_string, line + 34);
  }
  return STORE_XDP_RESULTS(ctx, &r) ? XDP_PASS : XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
