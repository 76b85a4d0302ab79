// bpf_probe_read_kernel_str into a map value (a memory and size pair inside the value).
#include "../common.h"

struct name {
  char text[64];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct name);
} scratch SEC(".maps");

SEC("kprobe/vfs_open")
int probe_read_str(void* ctx) {
  __u32 key = 0;
  struct name* n = bpf_map_lookup_elem(&scratch, &key);
  if (!n) return 0;
  long length = bpf_probe_read_kernel_str(n->text, sizeof(n->text), ctx);
  if (length > 0 && length <= 64) n->text[length - 1] = 0;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
