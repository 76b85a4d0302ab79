/* An application written as any libbpf application is: a skeleton (made by bpftool gen
 * skeleton or xbpf gen skeleton), global data set before load, a test run, the results read
 * through the skeleton's pointers and the maps. Compiled as C against Debian's libbpf headers;
 * the same binary runs on xbpf's libbpf.so.1 or, where the kernel allows, the system's, and
 * prints the same. Exit 0 when every check holds. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libbpf_globals.skel.h"

static int failures;

#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                    \
    }                                                                \
  } while (0)

static int run(struct libbpf_globals *skel, unsigned size) {
  unsigned char packet[256] = {0};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet, .data_size_in = size, .repeat = 1);
  int err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.count_packets), &opts);
  return err ? err : (int)opts.retval;
}

int main(void) {
  struct libbpf_globals *skel = libbpf_globals__open();
  if (!skel) {
    fprintf(stderr, "open failed: %d\n", -errno);
    return 1;
  }
  CHECK(skel->rodata->config_port == 80);
  CHECK(skel->data->counter == 5);
  CHECK(strcmp(skel->data_custom->custom, "hello") == 0);
  skel->rodata->config_port = 1000;
  skel->data->counter = 7;
  void *rodata_before = skel->rodata, *bss_before = skel->bss;
  int err = libbpf_globals__load(skel);
  if (err) {
    fprintf(stderr, "load failed: %d\n", err);
    libbpf_globals__destroy(skel);
    return 1;
  }
  /* The global data keeps its address across load. */
  CHECK((void *)skel->rodata == rodata_before);
  CHECK((void *)skel->bss == bss_before);
  CHECK(libbpf_globals__attach(skel) == 0); /* xdp and socket: nothing attaches by section */
  for (unsigned size = 60; size <= 64; size += 2) CHECK(run(skel, size) == 2 /* XDP_PASS */);
  CHECK(run(skel, 60) == 2);
  printf("counter %llu seen %llu custom %s\n", (unsigned long long)skel->data->counter,
         (unsigned long long)skel->bss->seen, skel->data_custom->custom);
  /* The lengths seen, in order (a hash map's own order is its seed's). */
  unsigned lengths[16], count = 0, next, *previous = NULL;
  while (count < 16 &&
         bpf_map_get_next_key(bpf_map__fd(skel->maps.counts), previous, &next) == 0) {
    lengths[count] = next;
    previous = &lengths[count++];
  }
  for (unsigned i = 0; i < count; i++) {
    for (unsigned j = i + 1; j < count; j++) {
      if (lengths[j] < lengths[i]) {
        unsigned swap = lengths[i];
        lengths[i] = lengths[j];
        lengths[j] = swap;
      }
    }
  }
  for (unsigned i = 0; i < count; i++) {
    unsigned long long packets = 0;
    CHECK(bpf_map_lookup_elem(bpf_map__fd(skel->maps.counts), &lengths[i], &packets) == 0);
    printf("length %u: %llu packets\n", lengths[i], packets);
  }
  CHECK(skel->data->counter == 7 + 4 * 1000);
  CHECK(skel->bss->seen == 4);
  CHECK(skel->data_custom->custom[0] == 'H');
  /* .rodata is frozen after load. */
  unsigned zero = 0, port = 1;
  CHECK(bpf_map_update_elem(bpf_map__fd(skel->maps.rodata), &zero, &port, BPF_ANY) == -EPERM);
  libbpf_globals__detach(skel);
  libbpf_globals__destroy(skel);
  printf("%s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
