// Attach points that are the kernel's own (kprobes, uprobes, tracepoints, BTF-typed tracing,
// LSM, cgroups, network namespaces, iterators, struct_ops, perf events): in user mode there is
// nothing to attach to, so each says so and fails with EOPNOTSUPP, never a silent success.
#include <cerrno>

#include "libbpf/bpf_object.h"
#include "libbpf/library.h"
#include "libbpf/links.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)
using xbpf::progtype::ProgramType;

namespace {

int unsupported(const std::string& what) {
  warn(what + " is the kernel's, which user mode does not have");
  return fail(EOPNOTSUPP);
}

}  // namespace

struct bpf_link* bpf_program__attach(const struct bpf_program* prog) {
  switch (prog->source().type) {
    case ProgramType::kprobe: return unsupported_attach(prog, "a kprobe or uprobe");
    case ProgramType::tracepoint: return unsupported_attach(prog, "a tracepoint");
    case ProgramType::raw_tracepoint:
    case ProgramType::raw_tracepoint_writable: return unsupported_attach(prog, "a raw tracepoint");
    case ProgramType::tracing: return unsupported_attach(prog, "an fentry/fexit/iter program");
    case ProgramType::lsm: return unsupported_attach(prog, "an LSM program");
    case ProgramType::ext: return unsupported_attach(prog, "a freplace program");
    default:
      // As libbpf: a section without a default attach point (xdp, tc, socket, cgroup/...)
      // attaches through its own call (bpf_program__attach_xdp, bpf_tc_attach, ...).
      return fail_null<bpf_link>(EOPNOTSUPP);
  }
}

struct bpf_link* bpf_program__attach_perf_event(const struct bpf_program* prog, int /*pfd*/) {
  return unsupported_attach(prog, "a perf event");
}
struct bpf_link* bpf_program__attach_perf_event_opts(const struct bpf_program* prog, int /*pfd*/,
                                                     const struct bpf_perf_event_opts* /*opts*/) {
  return unsupported_attach(prog, "a perf event");
}
struct bpf_link* bpf_program__attach_kprobe(const struct bpf_program* prog, bool /*retprobe*/,
                                            const char* /*func_name*/) {
  return unsupported_attach(prog, "a kprobe");
}
struct bpf_link* bpf_program__attach_kprobe_opts(const struct bpf_program* prog,
                                                 const char* /*func_name*/,
                                                 const struct bpf_kprobe_opts* /*opts*/) {
  return unsupported_attach(prog, "a kprobe");
}
struct bpf_link* bpf_program__attach_kprobe_multi_opts(
    const struct bpf_program* prog, const char* /*pattern*/,
    const struct bpf_kprobe_multi_opts* /*opts*/) {
  return unsupported_attach(prog, "a multi-kprobe");
}
struct bpf_link* bpf_program__attach_ksyscall(const struct bpf_program* prog,
                                              const char* /*syscall_name*/,
                                              const struct bpf_ksyscall_opts* /*opts*/) {
  return unsupported_attach(prog, "a system call kprobe");
}
struct bpf_link* bpf_program__attach_uprobe(const struct bpf_program* prog, bool /*retprobe*/,
                                            pid_t /*pid*/, const char* /*binary_path*/,
                                            size_t /*func_offset*/) {
  return unsupported_attach(prog, "a uprobe");
}
struct bpf_link* bpf_program__attach_uprobe_opts(const struct bpf_program* prog, pid_t /*pid*/,
                                                 const char* /*binary_path*/,
                                                 size_t /*func_offset*/,
                                                 const struct bpf_uprobe_opts* /*opts*/) {
  return unsupported_attach(prog, "a uprobe");
}
struct bpf_link* bpf_program__attach_usdt(const struct bpf_program* prog, pid_t /*pid*/,
                                          const char* /*binary_path*/,
                                          const char* /*usdt_provider*/, const char* /*usdt_name*/,
                                          const struct bpf_usdt_opts* /*opts*/) {
  return unsupported_attach(prog, "a USDT probe");
}
struct bpf_link* bpf_program__attach_tracepoint(const struct bpf_program* prog,
                                                const char* /*tp_category*/,
                                                const char* /*tp_name*/) {
  return unsupported_attach(prog, "a tracepoint");
}
struct bpf_link* bpf_program__attach_tracepoint_opts(const struct bpf_program* prog,
                                                     const char* /*tp_category*/,
                                                     const char* /*tp_name*/,
                                                     const struct bpf_tracepoint_opts* /*opts*/) {
  return unsupported_attach(prog, "a tracepoint");
}
struct bpf_link* bpf_program__attach_raw_tracepoint(const struct bpf_program* prog,
                                                    const char* /*tp_name*/) {
  return unsupported_attach(prog, "a raw tracepoint");
}
struct bpf_link* bpf_program__attach_trace(const struct bpf_program* prog) {
  return unsupported_attach(prog, "an fentry/fexit/fmod_ret program");
}
struct bpf_link* bpf_program__attach_trace_opts(const struct bpf_program* prog,
                                                const struct bpf_trace_opts* /*opts*/) {
  return unsupported_attach(prog, "an fentry/fexit/fmod_ret program");
}
struct bpf_link* bpf_program__attach_lsm(const struct bpf_program* prog) {
  return unsupported_attach(prog, "an LSM program");
}
struct bpf_link* bpf_program__attach_cgroup(const struct bpf_program* prog, int /*cgroup_fd*/) {
  return unsupported_attach(prog, "a cgroup program");
}
struct bpf_link* bpf_program__attach_netns(const struct bpf_program* prog, int /*netns_fd*/) {
  return unsupported_attach(prog, "a network namespace program");
}
struct bpf_link* bpf_program__attach_freplace(const struct bpf_program* prog, int /*target_fd*/,
                                              const char* /*attach_func_name*/) {
  return unsupported_attach(prog, "a freplace program");
}
struct bpf_link* bpf_program__attach_iter(const struct bpf_program* prog,
                                          const struct bpf_iter_attach_opts* /*opts*/) {
  return unsupported_attach(prog, "an iterator");
}
struct bpf_link* bpf_map__attach_struct_ops(const struct bpf_map* /*map*/) {
  warn("struct_ops maps implement kernel interfaces, which user mode does not have");
  return fail_null<bpf_link>(EOPNOTSUPP);
}

int bpf_prog_attach(int /*prog_fd*/, int /*attachable_fd*/, enum bpf_attach_type /*type*/,
                    unsigned int /*flags*/) {
  return unsupported("bpf_prog_attach's target (a cgroup, a sockmap, a network namespace)");
}
int bpf_prog_attach_opts(int /*prog_fd*/, int /*attachable_fd*/, enum bpf_attach_type /*type*/,
                         const struct bpf_prog_attach_opts* /*opts*/) {
  return unsupported("bpf_prog_attach's target (a cgroup, a sockmap, a network namespace)");
}
int bpf_prog_detach(int /*attachable_fd*/, enum bpf_attach_type /*type*/) {
  return unsupported("bpf_prog_detach's target (a cgroup, a sockmap, a network namespace)");
}
int bpf_prog_detach2(int /*prog_fd*/, int /*attachable_fd*/, enum bpf_attach_type /*type*/) {
  return unsupported("bpf_prog_detach's target (a cgroup, a sockmap, a network namespace)");
}
int bpf_prog_query_opts(int /*target_fd*/, enum bpf_attach_type /*type*/,
                        struct bpf_prog_query_opts* /*opts*/) {
  return unsupported("bpf_prog_query's target (a cgroup, a network namespace)");
}
int bpf_prog_query(int /*target_fd*/, enum bpf_attach_type /*type*/, __u32 /*query_flags*/,
                   __u32* /*attach_flags*/, __u32* /*prog_ids*/, __u32* /*prog_cnt*/) {
  return unsupported("bpf_prog_query's target (a cgroup, a network namespace)");
}
int bpf_raw_tracepoint_open(const char* /*name*/, int /*prog_fd*/) {
  return unsupported("a raw tracepoint");
}
int bpf_task_fd_query(int /*pid*/, int /*fd*/, __u32 /*flags*/, char* /*buf*/, __u32* /*buf_len*/,
                      __u32* /*prog_id*/, __u32* /*fd_type*/, __u64* /*probe_offset*/,
                      __u64* /*probe_addr*/) {
  return unsupported("a task's perf event (bpf_task_fd_query)");
}
int bpf_iter_create(int /*link_fd*/) { return unsupported("a BPF iterator"); }

int libbpf_find_vmlinux_btf_id(const char* name, enum bpf_attach_type /*attach_type*/) {
  return unsupported(std::string("attach target '") + (name != nullptr ? name : "") +
                     "' (a kernel function)");
}

int bpf_object__gen_loader(struct bpf_object* /*obj*/, struct gen_loader_opts* /*opts*/) {
  return unsupported("the light skeleton loader (a BPF_PROG_TYPE_SYSCALL program)");
}
