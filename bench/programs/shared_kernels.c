/* The ../shared/bench kernels compiled natively by the system C compiler at -O2 (the
 * reference for native images: "native gcc -O2" in the shared README). Each function does
 * what the XDP program does around its kernel: the bounds check, the result at data + 1024,
 * XDP_PASS. */
#include "bench_common.h"

#define XBPF_KERNEL(name)                                                                      \
  __attribute__((noinline)) int bench_native_##name(unsigned char* data, unsigned char* end) { \
    if (data + PKT_LEN + 8 > end) return 0;                                                    \
    __u64 result = k_##name(data);                                                             \
    __builtin_memcpy(data + PKT_LEN, &result, sizeof result);                                  \
    return 2;                                                                                  \
  }

XBPF_KERNEL(hash)
XBPF_KERNEL(primes)
XBPF_KERNEL(branchy)
