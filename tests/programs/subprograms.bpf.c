// bpf-to-bpf calls and global data: static non-inlined subprograms (including one called from
// several places and one that calls another), a global function, loops with constant and
// data-dependent bounds, and variables in .data, .bss and .rodata.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define TABLE_SIZE 16

// .rodata: a CRC-like mixing table and a greeting.
static const __u32 mix_table[TABLE_SIZE] = {
    0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
    0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
    0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c};
const volatile __u32 seed = 0xdeadbeef;  // set by the loader before load

// .data and .bss.
__u64 calls = 1;
__u32 last_result;
__u64 histogram[8];
static volatile __s32 bias = -7;

static __noinline __u32 mix(__u32 crc, __u8 byte) {
  crc ^= byte;
  crc = (crc >> 4) ^ mix_table[crc & 0x0f];
  crc = (crc >> 4) ^ mix_table[crc & 0x0f];
  return crc;
}

static __noinline __u32 checksum(const __u8* data, const __u8* end, __u32 limit) {
  __u32 crc = ~seed;
  for (__u32 i = 0; i < limit && i < 256; i++) {
    if (data + i + 1 > end) break;
    crc = mix(crc, data[i]);
  }
  return ~crc;
}

static __noinline int bucket(__u64 value) {
  int result = 0;
  // Integer log2, bounded.
  while (value > 1 && result < 7) {
    value >>= 1;
    result++;
  }
  return result;
}

static __noinline __s64 clamp(__s64 value, __s64 low, __s64 high) {
  if (value < low) return low;
  if (value > high) return high;
  return value;
}

__noinline int scale(int value, int factor) {
  return (int)clamp((__s64)value * factor + bias, -1000000, 1000000);
}

SEC("xdp")
int xdp_checksum(struct xdp_md* ctx) {
  const __u8* data = (const __u8*)(long)ctx->data;
  const __u8* end = (const __u8*)(long)ctx->data_end;
  const __u32 length = (__u32)(end - data);
  const __u32 crc = checksum(data, end, length);
  last_result = crc;
  calls++;
  histogram[bucket(length)]++;
  return scale(crc & 0xff, 3) > 300 ? XDP_DROP : XDP_PASS;
}

SEC("tc")
int tc_histogram(struct __sk_buff* skb) {
  __u64 total = 0;
#pragma clang loop unroll(disable)
  for (int i = 0; i < 8; i++) total += histogram[i] * (i + 1);
  histogram[bucket(skb->len)]++;
  return scale((int)total, -2) < 0 ? 2 : 0;
}

char LICENSE[] SEC("license") = "GPL";
