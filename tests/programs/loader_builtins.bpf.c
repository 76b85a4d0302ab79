// clang-flags: -fno-builtin
// memset, memcpy, memmove and memcmp left as calls to externs, as clang leaves them in code
// built with -fno-builtin or older toolchains (Falco's probe): the loader lowers each to a
// subprogram of plain instructions (object_builtins.cpp). The program writes what it did into
// the packet, where object_builtins_test.cpp compares it with the same operations done by the
// C library.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

void* memset(void* s, int c, unsigned long n);
void* memcpy(void* dst, const void* src, unsigned long n);
void* memmove(void* dst, const void* src, unsigned long n);
int memcmp(const void* a, const void* b, unsigned long n);

#define BIG 40000  // beyond the 16-bit reach of one load or store offset

struct big {
  __u8 bytes[BIG];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct big);
} big_values SEC(".maps");

static const __u8 pattern[64] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
    22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
    44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63};

// Packet layout (BUILTINS_* in object_builtins_test.cpp): [0, 64) the buffer after the
// operations, [64, 80) four memcmp results as signs, [80, 88) bytes of the big value.
SEC("xdp")
int builtins(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  __u8 buf[64];
  memcpy(buf, pattern, 64);
  memset(buf + 3, 0xa5, 13);     // odd length at an odd offset, a byte that is not 0
  memmove(buf + 17, buf + 16, 20);  // overlapping, forwards: three pieces in registers
  memmove(buf + 40, buf + 41, 23);  // overlapping, backwards: five pieces, through the stack
  memmove(buf + 1, buf + 2, 7);     // three small pieces
  memset(buf + 63, 0x7f, 1);
  if (data + 88 > data_end) return XDP_ABORTED;
  memcpy(data, buf, 64);
  __s32* signs = data + 64;
  int equal = memcmp(pattern, pattern + 0, 16);
  int less = memcmp(pattern, pattern + 1, 5);
  int greater = memcmp(buf, pattern, 64);
  int empty = memcmp(buf, pattern + 9, 0);
  signs[0] = equal < 0 ? -1 : equal > 0;
  signs[1] = less < 0 ? -1 : less > 0;
  signs[2] = greater < 0 ? -1 : greater > 0;
  signs[3] = empty < 0 ? -1 : empty > 0;

  __u32 zero = 0;
  struct big* value = bpf_map_lookup_elem(&big_values, &zero);
  if (!value) return XDP_ABORTED;
  memset(value, 0x5a, BIG);
  memcpy(value->bytes + 20001, buf, 48);
  memset(value->bytes + 39990, 0x3c, 10);
  __u8* out = data + 80;
  out[0] = value->bytes[0];
  out[1] = value->bytes[20000];
  out[2] = value->bytes[20001];
  out[3] = value->bytes[20048];
  out[4] = value->bytes[20049];
  out[5] = value->bytes[32800];
  out[6] = value->bytes[39989];
  out[7] = value->bytes[39999];
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
