// Nine nested bpf-to-bpf calls (the limit is 8 frames).
// EXPECT: too many call stack frames: this call would be frame 9
#include "../common.h"
#define LEVEL(n, next) \
  static __attribute__((noinline)) int level##n(int x) { return next(x + 1) + n; }
static __attribute__((noinline)) int level9(int x) { return x * 3; }
LEVEL(8, level9)
LEVEL(7, level8)
LEVEL(6, level7)
LEVEL(5, level6)
LEVEL(4, level5)
LEVEL(3, level4)
LEVEL(2, level3)
LEVEL(1, level2)

SEC("xdp")
int calls_too_deep(struct xdp_md* ctx) { return level1(ctx->rx_queue_index) & 3; }

char LICENSE[] SEC("license") = "GPL";
