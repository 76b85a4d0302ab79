// The ABI the library implements: Debian's libbpf-dev headers (libbpf 1.1), included as they
// are, so that every definition here is checked against libbpf's own declaration, and every
// struct (opts, bpf_prog_info, bpf_insn) is the one applications are compiled with. The only
// place in xbpf that includes them; on Windows the build points at copies of these headers'
// folders only (src/libbpf/CMakeLists.txt), not at the rest of /usr/include.
#pragma once

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
