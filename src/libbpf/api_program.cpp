// bpf_program__*: a program's name, section, type, settings before load, instructions, fd
// and pins. (Attaching is in the attach_*.cpp files.)
#include <cerrno>
#include <climits>
#include <cstring>

#include "isa/instruction.h"
#include "libbpf/bpf_object.h"
#include "libbpf/library.h"
#include "libbpf/pins.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)

namespace {

bool loaded(const bpf_program* prog) { return prog->owner->loaded; }

}  // namespace

const char* bpf_program__name(const struct bpf_program* prog) { return prog->name.c_str(); }

const char* bpf_program__section_name(const struct bpf_program* prog) {
  return prog->section.c_str();
}

bool bpf_program__autoload(const struct bpf_program* prog) { return prog->autoload; }

int bpf_program__set_autoload(struct bpf_program* prog, bool autoload) {
  if (loaded(prog)) return fail(EINVAL);
  prog->autoload = autoload;
  return 0;
}

bool bpf_program__autoattach(const struct bpf_program* prog) { return prog->autoattach; }

void bpf_program__set_autoattach(struct bpf_program* prog, bool autoattach) {
  prog->autoattach = autoattach;
}

const struct bpf_insn* bpf_program__insns(const struct bpf_program* prog) {
  return prog->insns.data();
}

size_t bpf_program__insn_cnt(const struct bpf_program* prog) { return prog->insns.size(); }

int bpf_program__set_insns(struct bpf_program* prog, struct bpf_insn* new_insns,
                           size_t new_insn_cnt) {
  if (loaded(prog)) return -EBUSY;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(new_insns);
  xbpf::Result<std::vector<xbpf::isa::Instruction>> decoded =
      xbpf::isa::decode({bytes, new_insn_cnt * sizeof(bpf_insn)});
  if (!decoded) {
    warn("prog '" + prog->name + "': " + decoded.error().to_string());
    return -EINVAL;
  }
  prog->source().instructions = std::move(*decoded);
  prog->source().lines.clear();
  prog->insns.assign(new_insns, new_insns + new_insn_cnt);
  return 0;
}

int bpf_program__fd(const struct bpf_program* prog) {
  if (prog == nullptr) return fail(EINVAL);
  if (prog->fd < 0) return fail(ENOENT);
  return prog->fd;
}

enum bpf_prog_type bpf_program__type(const struct bpf_program* prog) {
  return static_cast<bpf_prog_type>(prog->source().type);
}

int bpf_program__set_type(struct bpf_program* prog, enum bpf_prog_type type) {
  if (loaded(prog)) return fail(EBUSY);
  prog->source().type = static_cast<xbpf::progtype::ProgramType>(type);
  return 0;
}

enum bpf_attach_type bpf_program__expected_attach_type(const struct bpf_program* prog) {
  return static_cast<bpf_attach_type>(prog->expected_attach_type);
}

int bpf_program__set_expected_attach_type(struct bpf_program* prog, enum bpf_attach_type type) {
  if (loaded(prog)) return fail(EBUSY);
  prog->expected_attach_type = type;
  prog->source().attach = static_cast<xbpf::progtype::AttachType>(type);
  return 0;
}

__u32 bpf_program__flags(const struct bpf_program* prog) { return prog->flags; }

int bpf_program__set_flags(struct bpf_program* prog, __u32 flags) {
  if (loaded(prog)) return fail(EBUSY);
  prog->flags = flags;
  return 0;
}

__u32 bpf_program__log_level(const struct bpf_program* prog) { return prog->log_level; }

int bpf_program__set_log_level(struct bpf_program* prog, __u32 log_level) {
  if (loaded(prog)) return fail(EBUSY);
  prog->log_level = log_level;
  return 0;
}

const char* bpf_program__log_buf(const struct bpf_program* prog, size_t* log_size) {
  *log_size = prog->log_size;
  return prog->log_buf;
}

int bpf_program__set_log_buf(struct bpf_program* prog, char* log_buf, size_t log_size) {
  if (log_size != 0 && log_buf == nullptr) return -EINVAL;
  if (log_size > UINT_MAX) return -EINVAL;
  if (loaded(prog)) return -EBUSY;
  prog->log_buf = log_buf;
  prog->log_size = log_size;
  return 0;
}

void bpf_program__set_ifindex(struct bpf_program* /*prog*/, __u32 /*ifindex*/) {
  // Offload to a device: nothing to offload to in user mode; loading stays on the host.
}

int bpf_program__set_attach_target(struct bpf_program* prog, int attach_prog_fd,
                                   const char* attach_func_name) {
  if (prog == nullptr || attach_prog_fd < 0) return fail(EINVAL);
  if (loaded(prog)) return fail(EINVAL);
  warn("prog '" + prog->name + "': attach targets (" +
       (attach_func_name != nullptr ? attach_func_name : "") +
       ") are kernel functions or BTF-typed programs, which user mode does not have");
  return fail(EOPNOTSUPP);
}

int bpf_program__pin(struct bpf_program* prog, const char* path) {
  if (prog == nullptr || path == nullptr) return fail(EINVAL);
  if (prog->loaded == nullptr) {
    warn("prog '" + prog->name + "': can't pin program that wasn't loaded");
    return fail(EINVAL);
  }
  const int result = pin(path, prog->loaded);
  if (result != 0) {
    warn("prog '" + prog->name + "': failed to pin at '" + path + "': " + error_text(-result));
    return fail(-result);
  }
  debug("prog '" + prog->name + "': pinned at '" + path + "'");
  return 0;
}

int bpf_program__unpin(struct bpf_program* prog, const char* path) {
  if (prog == nullptr || path == nullptr) return fail(EINVAL);
  const int result = unpin(path);
  return result != 0 ? fail(-result) : 0;
}

void bpf_program__unload(struct bpf_program* prog) {
  if (prog == nullptr) return;
  if (prog->fd >= 0) Descriptors::instance().close(prog->fd);
  prog->fd = -1;
  prog->loaded = nullptr;
}
