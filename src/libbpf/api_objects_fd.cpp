// Ids and descriptors of everything (bpf_*_get_next_id, bpf_*_get_fd_by_id), object info
// with Linux's bpf_prog_info / bpf_map_info / bpf_link_info / bpf_btf_info layouts, pins.
#include <cerrno>
#include <cstring>

#include "jit/x86_64/jit.h"
#include "libbpf/library.h"
#include "libbpf/map_access.h"
#include "libbpf/pins.h"
#include "platform/platform.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)

namespace {

int next_id(ResourceKind kind, __u32 start_id, __u32* next_id) {
  if (next_id == nullptr) return fail(EINVAL);
  const std::uint32_t next = Registry::instance().next(kind, start_id);
  if (next == 0) return fail(ENOENT);
  *next_id = next;
  return 0;
}

int fd_by_id(ResourceKind kind, __u32 id, const bpf_get_fd_by_id_opts* opts) {
  if (!XBPF_OPTS_VALID(opts, bpf_get_fd_by_id_opts)) return fail(EINVAL);
  const __u32 flags = XBPF_OPTS_GET(opts, open_flags, 0U);
  if (flags != 0 && (kind != ResourceKind::map || (flags & ~(BPF_F_RDONLY | BPF_F_WRONLY)) != 0)) {
    return fail(EINVAL);
  }
  std::shared_ptr<Resource> resource = Registry::instance().find(kind, id);
  if (resource == nullptr) return fail(ENOENT);
  const int fd = Descriptors::instance().open(std::move(resource));
  return fd < 0 ? fail(-fd) : fd;
}

void copy_name(char (&out)[BPF_OBJ_NAME_LEN], const std::string& name) {
  std::memset(out, 0, sizeof out);
  std::memcpy(out, name.data(), std::min(name.size(), sizeof out - 1));
}

// Copies a kernel-side array into the user's: as much as the user's count allows, and the
// real count reported back (as bpf_prog_get_info_by_fd does for each array field).
template <class T>
void copy_array(__u64 user, __u32& count, const T* items, std::size_t available) {
  const std::size_t room = count;
  count = static_cast<__u32>(available);
  if (user != 0 && room != 0) {
    std::memcpy(reinterpret_cast<void*>(static_cast<std::uintptr_t>(user)), items,
                std::min(room, available) * sizeof(T));
  }
}

void map_info(const MapResource& map, bpf_map_info& info) {
  std::memset(&info, 0, sizeof info);
  const xbpf::runtime::MapSpec& spec = map.map->spec();
  info.type = static_cast<__u32>(spec.type);
  info.id = map.id();
  info.key_size = spec.key_size;
  info.value_size = spec.value_size;
  info.max_entries = spec.max_entries;
  info.map_flags = spec.flags;
  copy_name(info.name, map.name);
  info.btf_id = map.btf_id;
  info.btf_key_type_id = map.btf_key_type_id;
  info.btf_value_type_id = map.btf_value_type_id;
  info.map_extra = map.map_extra;
}

void program_info(const ProgramResource& resource, bpf_prog_info& info) {
  const xbpf::runtime::LoadedProgram& program = *resource.program;
  info.type = static_cast<__u32>(program.type->type);
  info.id = resource.id();
  std::memcpy(info.tag, resource.tag.data(), sizeof info.tag);
  const std::vector<std::uint8_t> xlated = xbpf::isa::encode(program.source->instructions);
  copy_array(info.xlated_prog_insns, info.xlated_prog_len, xlated.data(), xlated.size());
  const xbpf::jit::x86_64::Image* image = program.code->jit();
  const std::span<const std::uint8_t> jited =
      image != nullptr ? image->code() : std::span<const std::uint8_t>();
  copy_array(info.jited_prog_insns, info.jited_prog_len, jited.data(), jited.size());
  info.load_time = resource.load_time;
  info.created_by_uid = 0;
  std::vector<__u32> map_ids;
  for (const auto& map : resource.maps) map_ids.push_back(map->id());
  copy_array(info.map_ids, info.nr_map_ids, map_ids.data(), map_ids.size());
  copy_name(info.name, resource.name);
  info.gpl_compatible = resource.gpl_compatible ? 1 : 0;
  info.btf_id = resource.btf_id;
  // No func or line info is kept for loaded programs; one tag, for the whole program.
  info.nr_func_info = 0;
  info.nr_line_info = 0;
  info.nr_jited_line_info = 0;
  info.nr_jited_ksyms = 0;
  info.nr_jited_func_lens = 0;
  copy_array(info.prog_tags, info.nr_prog_tags, &resource.tag, 1);
  info.verified_insns = xbpf::isa::slot_count(program.source->instructions);
}

// bpf_check_uarg_tail_zero, then the info struct filled and its first `length` bytes copied.
template <class Info, class Fill>
int get_info(void* user, __u32* info_len, Fill fill) {
  const std::size_t given = *info_len;
  const auto* bytes = static_cast<const unsigned char*>(user);
  for (std::size_t i = sizeof(Info); i < given; ++i) {
    if (bytes[i] != 0) return fail(E2BIG);
  }
  const std::size_t length = std::min(given, sizeof(Info));
  Info info;
  std::memset(&info, 0, sizeof info);
  std::memcpy(&info, user, length);
  fill(info);
  std::memcpy(user, &info, length);
  *info_len = static_cast<__u32>(length);
  return 0;
}

}  // namespace

int bpf_prog_get_next_id(__u32 start_id, __u32* next) {
  return next_id(ResourceKind::program, start_id, next);
}
int bpf_map_get_next_id(__u32 start_id, __u32* next) {
  return next_id(ResourceKind::map, start_id, next);
}
int bpf_btf_get_next_id(__u32 start_id, __u32* next) {
  return next_id(ResourceKind::btf, start_id, next);
}
int bpf_link_get_next_id(__u32 start_id, __u32* next) {
  return next_id(ResourceKind::link, start_id, next);
}

int bpf_prog_get_fd_by_id(__u32 id) { return fd_by_id(ResourceKind::program, id, nullptr); }
int bpf_prog_get_fd_by_id_opts(__u32 id, const struct bpf_get_fd_by_id_opts* opts) {
  return fd_by_id(ResourceKind::program, id, opts);
}
int bpf_map_get_fd_by_id(__u32 id) { return fd_by_id(ResourceKind::map, id, nullptr); }
int bpf_map_get_fd_by_id_opts(__u32 id, const struct bpf_get_fd_by_id_opts* opts) {
  return fd_by_id(ResourceKind::map, id, opts);
}
int bpf_btf_get_fd_by_id(__u32 id) { return fd_by_id(ResourceKind::btf, id, nullptr); }
int bpf_btf_get_fd_by_id_opts(__u32 id, const struct bpf_get_fd_by_id_opts* opts) {
  return fd_by_id(ResourceKind::btf, id, opts);
}
int bpf_link_get_fd_by_id(__u32 id) { return fd_by_id(ResourceKind::link, id, nullptr); }
int bpf_link_get_fd_by_id_opts(__u32 id, const struct bpf_get_fd_by_id_opts* opts) {
  return fd_by_id(ResourceKind::link, id, opts);
}

int bpf_obj_get_info_by_fd(int bpf_fd, void* info, __u32* info_len) {
  if (info == nullptr || info_len == nullptr) return fail(EINVAL);
  std::shared_ptr<Resource> resource = Descriptors::instance().find(bpf_fd);
  if (resource == nullptr) return fail(bad_descriptor_errno(bpf_fd));
  switch (resource->kind) {
    case ResourceKind::map:
      return get_info<bpf_map_info>(info, info_len, [&](bpf_map_info& out) {
        map_info(static_cast<MapResource&>(*resource), out);
      });
    case ResourceKind::program:
      return get_info<bpf_prog_info>(info, info_len, [&](bpf_prog_info& out) {
        program_info(static_cast<ProgramResource&>(*resource), out);
      });
    case ResourceKind::link:
      return get_info<bpf_link_info>(info, info_len, [&](bpf_link_info& out) {
        const auto& link = static_cast<LinkResource&>(*resource);
        std::memset(&out, 0, sizeof out);
        out.type = link.type;
        out.id = link.id;
        out.prog_id = link.program != nullptr ? link.program->id() : 0;
        link.describe(out);
      });
    case ResourceKind::btf:
      return get_info<bpf_btf_info>(info, info_len, [&](bpf_btf_info& out) {
        const auto& btf = static_cast<BtfResource&>(*resource);
        copy_array(out.btf, out.btf_size, btf.raw.data(), btf.raw.size());
        out.id = btf.id;
        const std::string& name = btf.name;
        const __u32 room = out.name_len;
        out.name_len = static_cast<__u32>(name.size());
        if (out.name != 0 && room != 0) {
          auto* text = reinterpret_cast<char*>(static_cast<std::uintptr_t>(out.name));
          const std::size_t copied = std::min<std::size_t>(room - 1, name.size());
          std::memcpy(text, name.data(), copied);
          text[copied] = '\0';
        }
        out.kernel_btf = 0;
      });
  }
  return fail(EINVAL);
}

int bpf_obj_pin(int fd, const char* pathname) {
  if (pathname == nullptr) return fail(EINVAL);
  std::shared_ptr<Resource> resource = Descriptors::instance().find(fd);
  if (resource == nullptr) return fail(bad_descriptor_errno(fd));
  const int result = pin(pathname, std::move(resource));
  return result != 0 ? fail(-result) : 0;
}

int bpf_obj_get_opts(const char* pathname, const struct bpf_obj_get_opts* opts) {
  if (!XBPF_OPTS_VALID(opts, bpf_obj_get_opts)) return fail(EINVAL);
  if (pathname == nullptr) return fail(EINVAL);
  std::shared_ptr<Resource> resource = pinned(pathname);
  if (resource == nullptr) return fail(ENOENT);
  const int fd = Descriptors::instance().open(std::move(resource));
  return fd < 0 ? fail(-fd) : fd;
}

int bpf_obj_get(const char* pathname) { return bpf_obj_get_opts(pathname, nullptr); }

int bpf_prog_bind_map(int prog_fd, int map_fd, const struct bpf_prog_bind_opts* opts) {
  if (!XBPF_OPTS_VALID(opts, bpf_prog_bind_opts)) return fail(EINVAL);
  if (XBPF_OPTS_GET(opts, flags, 0U) != 0) return fail(EINVAL);
  int error = 0;
  std::shared_ptr<ProgramResource> program = program_of(prog_fd, &error);
  if (program == nullptr) return fail(error);
  std::shared_ptr<MapResource> map = map_of(map_fd, &error);
  if (map == nullptr) return fail(error);
  for (const auto& bound : program->maps) {
    if (bound == map) return 0;
  }
  program->maps.push_back(std::move(map));
  return 0;
}

int bpf_enable_stats(int /*type*/) {
  warn("run-time statistics (bpf_enable_stats) are not collected by xbpf");
  return fail(EOPNOTSUPP);
}
