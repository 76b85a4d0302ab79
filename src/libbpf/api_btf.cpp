// btf.h's read side: parsing files and memory, types and strings, sizes and alignment, raw
// data, BTF objects in the execution context, .BTF.ext.
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "libbpf/btf_internal.h"
#include "libbpf/library.h"
#include "libbpf/map_access.h"
#include "support/files.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)

namespace {

constexpr int kMaxResolveDepth = 32;

std::uint32_t kind_of(const btf_type* type) { return (type->info >> 24) & 0x1f; }

bool is_void_or_null(const btf_type* type) { return type == nullptr || kind_of(type) == 0; }

// A failed parse: NULL, errno, and the reason printed at DEBUG as libbpf does.
struct btf* failed(const xbpf::Error& error, int fallback) {
  debug(error.to_string());
  return fail_null<struct btf>(errno_of(error, fallback));
}

struct btf* from_memory(const void* data, std::size_t size, const struct btf* base) {
  xbpf::Result<struct btf*> parsed = parse_btf(static_cast<const std::uint8_t*>(data), size, base);
  return parsed ? *parsed : failed(parsed.error(), EINVAL);
}

// Raw BTF if the file starts with BTF's magic, else an ELF object's .BTF (btf_parse).
struct btf* from_file(const char* path, const struct btf* base, struct btf_ext** ext, bool raw,
                      bool elf) {
  if (ext != nullptr) *ext = nullptr;
  if (path == nullptr) return fail_null<struct btf>(EINVAL);
  std::error_code ignored;
  if (!std::filesystem::exists(path, ignored)) return fail_null<struct btf>(ENOENT);
  xbpf::Result<std::vector<std::uint8_t>> bytes = xbpf::read_file(path);
  if (!bytes) return failed(bytes.error(), EIO);
  const bool is_raw = bytes->size() >= 2 && (*bytes)[0] == 0x9f && (*bytes)[1] == 0xeb;
  if (is_raw && raw) return from_memory(bytes->data(), bytes->size(), base);
  if (!elf) return fail_null<struct btf>(EPROTO);
  if (base != nullptr) {
    // Split BTF from an ELF file: its .BTF on top of `base`.
    xbpf::Result<struct btf*> whole = btf_of_elf(*bytes, path, ext, false);
    if (!whole) return failed(whole.error(), EINVAL);
    std::unique_ptr<struct btf> owned(*whole);
    __u32 size = 0;
    const void* data = btf__raw_data(owned.get(), &size);
    return from_memory(data, size, base);
  }
  xbpf::Result<struct btf*> parsed = btf_of_elf(*bytes, path, ext, false);
  return parsed ? *parsed : failed(parsed.error(), EINVAL);
}

std::size_t determine_pointer_size(const struct btf* btf) {
  static const char* const kLongs[] = {"long",
                                       "long int",
                                       "int long",
                                       "unsigned long",
                                       "long unsigned",
                                       "unsigned long int",
                                       "unsigned int long",
                                       "long unsigned int",
                                       "long int unsigned",
                                       "int unsigned long",
                                       "int long unsigned"};
  if (btf->base != nullptr && btf->base->pointer_size > 0) return btf->base->pointer_size;
  for (std::uint32_t id = 1; id < btf->type_count(); ++id) {
    const btf_type* type = btf->type(id);
    if (kind_of(type) != BTF_KIND_INT || (type->size != 4 && type->size != 8)) continue;
    const char* name = btf->string(type->name_off);
    if (name == nullptr) continue;
    for (const char* alias : kLongs) {
      if (std::strcmp(name, alias) == 0) return type->size;
    }
  }
  return 0;
}

std::size_t pointer_size_or_host(const struct btf* btf) {
  const std::size_t size = btf__pointer_size(btf);
  return size != 0 ? size : sizeof(void*);
}

}  // namespace

void btf__free(struct btf* btf) { delete btf; }

struct btf* btf__new(const void* data, __u32 size) {
  return from_memory(data, size, nullptr);
}

struct btf* btf__new_split(const void* data, __u32 size, struct btf* base_btf) {
  return from_memory(data, size, base_btf);
}

struct btf* btf__new_empty(void) {
  return btf__new_empty_split(nullptr);
}

struct btf* btf__new_empty_split(struct btf* base_btf) {
  auto* result = new struct btf();
  result->base = base_btf;
  if (base_btf != nullptr) {
    result->start_id = base_btf->type_count();
    result->start_str = base_btf->start_str + static_cast<std::uint32_t>(base_btf->strings.size());
  } else {
    result->strings.push_back('\0');
    result->string_offsets.emplace("", 0);
  }
  return result;
}

struct btf* btf__parse(const char* path, struct btf_ext** btf_ext) {
  return from_file(path, nullptr, btf_ext, true, true);
}
struct btf* btf__parse_split(const char* path, struct btf* base_btf) {
  return from_file(path, base_btf, nullptr, true, true);
}
struct btf* btf__parse_elf(const char* path, struct btf_ext** btf_ext) {
  return from_file(path, nullptr, btf_ext, false, true);
}
struct btf* btf__parse_elf_split(const char* path, struct btf* base_btf) {
  return from_file(path, base_btf, nullptr, false, true);
}
struct btf* btf__parse_raw(const char* path) {
  return from_file(path, nullptr, nullptr, true, false);
}
struct btf* btf__parse_raw_split(const char* path, struct btf* base_btf) {
  return from_file(path, base_btf, nullptr, true, false);
}

__u32 btf__type_cnt(const struct btf* btf) { return btf->type_count(); }

const struct btf* btf__base_btf(const struct btf* btf) { return btf->base; }

const struct btf_type* btf__type_by_id(const struct btf* btf, __u32 id) {
  const btf_type* type = btf->type(id);
  return type != nullptr ? type : fail_null<const btf_type>(EINVAL);
}

const char* btf__str_by_offset(const struct btf* btf, __u32 offset) {
  const char* text = btf->string(offset);
  return text != nullptr ? text : fail_null<const char>(EINVAL);
}

const char* btf__name_by_offset(const struct btf* btf, __u32 offset) {
  return btf__str_by_offset(btf, offset);
}

__s32 btf__find_by_name(const struct btf* btf, const char* type_name) {
  if (std::strcmp(type_name, "void") == 0) return 0;
  for (std::uint32_t id = 1; id < btf->type_count(); ++id) {
    const char* name = btf->string(btf->type(id)->name_off);
    if (name != nullptr && std::strcmp(name, type_name) == 0) return static_cast<__s32>(id);
  }
  return fail(ENOENT);
}

__s32 btf__find_by_name_kind(const struct btf* btf, const char* type_name, __u32 kind) {
  if (kind == BTF_KIND_UNKN || std::strcmp(type_name, "void") == 0) return 0;
  for (std::uint32_t id = 1; id < btf->type_count(); ++id) {
    const btf_type* type = btf->type(id);
    if (kind_of(type) != kind) continue;
    const char* name = btf->string(type->name_off);
    if (name != nullptr && std::strcmp(name, type_name) == 0) return static_cast<__s32>(id);
  }
  return fail(ENOENT);
}

size_t btf__pointer_size(const struct btf* btf) {
  if (btf->pointer_size == 0)
    const_cast<struct btf*>(btf)->pointer_size = determine_pointer_size(btf);
  return btf->pointer_size;
}

int btf__set_pointer_size(struct btf* btf, size_t ptr_sz) {
  if (ptr_sz != 4 && ptr_sz != 8) return fail(EINVAL);
  btf->pointer_size = ptr_sz;
  return 0;
}

enum btf_endianness btf__endianness(const struct btf* btf) { return btf->endianness; }

int btf__set_endianness(struct btf* btf, enum btf_endianness endian) {
  if (endian != BTF_LITTLE_ENDIAN && endian != BTF_BIG_ENDIAN) return fail(EINVAL);
  btf->endianness = endian;
  btf->raw_valid = false;
  return 0;
}

__s64 btf__resolve_size(const struct btf* btf, __u32 type_id) {
  std::uint32_t elements = 1;
  __s64 size = -1;
  const btf_type* type = btf->type(type_id);
  for (int depth = 0; depth < kMaxResolveDepth && !is_void_or_null(type); ++depth) {
    switch (kind_of(type)) {
      case BTF_KIND_INT:
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
      case BTF_KIND_DATASEC:
      case BTF_KIND_FLOAT: size = type->size; break;
      case BTF_KIND_PTR: size = static_cast<__s64>(pointer_size_or_host(btf)); break;
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_VAR:
      case BTF_KIND_DECL_TAG:
      case BTF_KIND_TYPE_TAG: type_id = type->type; break;
      case BTF_KIND_ARRAY: {
        const auto* array = reinterpret_cast<const struct btf_array*>(type + 1);
        if (elements != 0 && array->nelems > UINT32_MAX / elements) return fail(E2BIG);
        elements *= array->nelems;
        type_id = array->type;
        break;
      }
      default: return fail(EINVAL);
    }
    if (size >= 0) break;
    type = btf->type(type_id);
  }
  if (size < 0) return fail(EINVAL);
  if (elements != 0 && size > static_cast<__s64>(UINT32_MAX / elements)) return fail(E2BIG);
  return elements * size;
}

int btf__resolve_type(const struct btf* btf, __u32 type_id) {
  const btf_type* type = btf->type(type_id);
  int depth = 0;
  auto follows = [](const btf_type* t) {
    const std::uint32_t kind = kind_of(t);
    return kind == BTF_KIND_VOLATILE || kind == BTF_KIND_CONST || kind == BTF_KIND_RESTRICT ||
           kind == BTF_KIND_TYPE_TAG || kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VAR;
  };
  while (depth < kMaxResolveDepth && !is_void_or_null(type) && follows(type)) {
    type_id = type->type;
    type = btf->type(type_id);
    ++depth;
  }
  if (depth == kMaxResolveDepth || is_void_or_null(type)) return fail(EINVAL);
  return static_cast<int>(type_id);
}

int btf__align_of(const struct btf* btf, __u32 id) {
  const btf_type* type = btf->type(id);
  if (type == nullptr) return fail(EINVAL);
  switch (kind_of(type)) {
    case BTF_KIND_INT:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
    case BTF_KIND_FLOAT:
      return static_cast<int>(std::min<std::size_t>(pointer_size_or_host(btf), type->size));
    case BTF_KIND_PTR: return static_cast<int>(pointer_size_or_host(btf));
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG: return btf__align_of(btf, type->type);
    case BTF_KIND_ARRAY:
      return btf__align_of(btf, reinterpret_cast<const struct btf_array*>(type + 1)->type);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
      const auto* members = reinterpret_cast<const btf_member*>(type + 1);
      const bool bitfields = (type->info >> 31) != 0;
      int widest = 1;
      for (std::uint32_t i = 0; i < (type->info & 0xffff); ++i) {
        const int align = btf__align_of(btf, members[i].type);
        if (align <= 0) return align;
        widest = std::max(widest, align);
        const std::uint32_t bit_size = bitfields ? members[i].offset >> 24 : 0;
        const std::uint32_t bit_offset =
            bitfields ? members[i].offset & 0xffffff : members[i].offset;
        // A member off its type's alignment: the struct is packed.
        if (bit_size == 0 && bit_offset % (8 * static_cast<std::uint32_t>(align)) != 0) return 1;
      }
      if (type->size % static_cast<std::uint32_t>(widest) != 0) return 1;
      return widest;
    }
    default:
      warn("unsupported BTF_KIND:" + std::to_string(kind_of(type)));
      errno = EINVAL;
      return 0;
  }
}

int btf__fd(const struct btf* btf) { return btf->fd; }

void btf__set_fd(struct btf* btf, int fd) { btf->fd = fd; }

const void* btf__raw_data(const struct btf* btf_ro, __u32* size) {
  const struct btf* btf = btf_ro;
  if (!btf->raw_valid) {
    btf_header header{};
    header.magic = 0xeb9f;
    header.version = BTF_VERSION;
    header.hdr_len = sizeof header;
    header.type_off = 0;
    header.type_len = static_cast<__u32>(btf->types.size());
    header.str_off = header.type_len;
    header.str_len = static_cast<__u32>(btf->strings.size());
    std::vector<std::uint8_t>& raw = btf->raw;
    raw.resize(sizeof header + btf->types.size() + btf->strings.size());
    std::memcpy(raw.data(), &header, sizeof header);
    std::memcpy(raw.data() + sizeof header, btf->types.data(), btf->types.size());
    std::memcpy(raw.data() + sizeof header + btf->types.size(), btf->strings.data(),
                btf->strings.size());
    if (btf->endianness == BTF_BIG_ENDIAN) swap_btf_bytes(raw);
    btf->raw_valid = true;
  }
  if (size != nullptr) *size = static_cast<__u32>(btf->raw.size());
  return btf->raw.data();
}

const void* btf__get_raw_data(const struct btf* btf, __u32* size) {
  return btf__raw_data(btf, size);
}

int btf__load_into_kernel(struct btf* btf) {
  __u32 size = 0;
  const void* data = btf__raw_data(btf, &size);
  const int fd = bpf_btf_load(data, size, nullptr);
  if (fd < 0) return fd;
  btf->fd = fd;
  return 0;
}

struct btf* btf__load_from_kernel_by_id_split(__u32 id, struct btf* base_btf) {
  std::shared_ptr<Resource> found = Registry::instance().find(ResourceKind::btf, id);
  if (found == nullptr) return fail_null<struct btf>(ENOENT);
  const auto& resource = static_cast<const BtfResource&>(*found);
  return from_memory(resource.raw.data(), resource.raw.size(), base_btf);
}

struct btf* btf__load_from_kernel_by_id(__u32 id) {
  return btf__load_from_kernel_by_id_split(id, nullptr);
}

int bpf_btf_load(const void* btf_data, size_t btf_size, const struct bpf_btf_load_opts* opts) {
  if (!XBPF_OPTS_VALID(opts, bpf_btf_load_opts)) return fail(EINVAL);
  char* log_buf = XBPF_OPTS_GET(opts, log_buf, nullptr);
  const __u32 log_size = XBPF_OPTS_GET(opts, log_size, 0U);
  if ((log_buf == nullptr) != (log_size == 0)) return fail(EINVAL);
  xbpf::Result<struct btf*> parsed =
      parse_btf(static_cast<const std::uint8_t*>(btf_data), btf_size, nullptr);
  if (!parsed) {
    if (log_buf != nullptr) {
      std::snprintf(log_buf, log_size, "%s\n", parsed.error().message.c_str());
    }
    return fail(EINVAL);
  }
  delete *parsed;
  auto resource = std::make_shared<BtfResource>();
  resource->id = Registry::instance().new_id(ResourceKind::btf);
  const auto* bytes = static_cast<const std::uint8_t*>(btf_data);
  resource->raw.assign(bytes, bytes + btf_size);
  Registry::instance().add(ResourceKind::btf, resource->id, resource);
  const int fd = Descriptors::instance().open(resource);
  return fd < 0 ? fail(-fd) : fd;
}

struct btf_ext* btf_ext__new(const __u8* data, __u32 size) {
  // struct btf_ext_header (libbpf-internal): magic, version, flags, hdr_len, then the
  // func_info and line_info offsets and lengths.
  constexpr std::size_t kMinimumHeader = 24;
  if (data == nullptr || size < kMinimumHeader) return fail_null<struct btf_ext>(EINVAL);
  std::uint16_t magic = 0;
  std::uint32_t header_length = 0;
  std::memcpy(&magic, data, 2);
  std::memcpy(&header_length, data + 4, 4);
  if (magic != 0xeb9f || data[2] != 1 || header_length < kMinimumHeader || header_length > size) {
    return fail_null<struct btf_ext>(EINVAL);
  }
  return new btf_ext{std::vector<std::uint8_t>(data, data + size)};
}

void btf_ext__free(struct btf_ext* btf_ext) { delete btf_ext; }

const void* btf_ext__raw_data(const struct btf_ext* btf_ext, __u32* size) {
  *size = static_cast<__u32>(btf_ext->raw.size());
  return btf_ext->raw.data();
}

const void* btf_ext__get_raw_data(const struct btf_ext* btf_ext, __u32* size) {
  return btf_ext__raw_data(btf_ext, size);
}

// The machine's kernel BTF is a file in user mode: read when the system has one.
struct btf* btf__load_vmlinux_btf(void) {
  return btf__parse("/sys/kernel/btf/vmlinux", nullptr);
}

struct btf* libbpf_find_kernel_btf(void) {
  return btf__load_vmlinux_btf();
}

struct btf* btf__load_module_btf(const char* module_name, struct btf* vmlinux_btf) {
  if (module_name == nullptr) return fail_null<struct btf>(EINVAL);
  const std::string path = std::string("/sys/kernel/btf/") + module_name;
  return btf__parse_split(path.c_str(), vmlinux_btf);
}
