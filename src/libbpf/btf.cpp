// struct btf: parsing raw BTF and ELF objects' .BTF, the read side of btf.h, BTF objects in the
// execution context (bpf_btf_load, btf__load_into_kernel), .BTF.ext.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "libbpf/btf_internal.h"
#include "libbpf/library.h"
#include "libbpf/resources.h"
#include "object/elf.h"
#include "support/files.h"

namespace xbpf::libbpf {
namespace {

constexpr std::uint16_t kMagic = 0xeb9f;

std::uint32_t kind_of(const btf_type& type) { return (type.info >> 24) & 0x1f; }
std::uint32_t vlen_of(const btf_type& type) { return type.info & 0xffff; }

Error malformed(const std::string& what) {
  Error error = make_error("malformed BTF: " + what);
  error.linux_errno = EINVAL;
  return error;
}

}  // namespace

std::size_t type_record_size(const btf_type& type) {
  const std::size_t base = sizeof(btf_type);
  const std::size_t vlen = vlen_of(type);
  switch (kind_of(type)) {
    case BTF_KIND_FWD:
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_FUNC:
    case BTF_KIND_FLOAT:
    case BTF_KIND_TYPE_TAG: return base;
    case BTF_KIND_INT: return base + sizeof(std::uint32_t);
    case BTF_KIND_ARRAY: return base + sizeof(struct btf_array);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: return base + vlen * sizeof(btf_member);
    case BTF_KIND_ENUM: return base + vlen * sizeof(struct btf_enum);
    case BTF_KIND_ENUM64: return base + vlen * sizeof(struct btf_enum64);
    case BTF_KIND_FUNC_PROTO: return base + vlen * sizeof(btf_param);
    case BTF_KIND_VAR: return base + sizeof(struct btf_var);
    case BTF_KIND_DATASEC: return base + vlen * sizeof(btf_var_secinfo);
    case BTF_KIND_DECL_TAG: return base + sizeof(struct btf_decl_tag);
    default: return 0;
  }
}

std::uint32_t append_type(btf& target, const void* record, std::size_t size) {
  target.offsets.push_back(static_cast<std::uint32_t>(target.types.size()));
  const auto* bytes = static_cast<const std::uint8_t*>(record);
  target.types.insert(target.types.end(), bytes, bytes + size);
  target.raw_valid = false;
  return target.type_count() - 1;
}

void swap_btf_bytes(std::vector<std::uint8_t>& raw) {
  auto swap32 = [&](std::size_t at) {
    std::swap(raw[at], raw[at + 3]);
    std::swap(raw[at + 1], raw[at + 2]);
  };
  btf_header header{};
  std::memcpy(&header, raw.data(), sizeof header);
  std::swap(raw[0], raw[1]);
  for (std::size_t at = 4; at < header.hdr_len; at += 4) swap32(at);
  const std::size_t types = header.hdr_len + header.type_off;
  for (std::size_t at = types; at + 4 <= types + header.type_len; at += 4) swap32(at);
}

Result<btf*> parse_btf(const std::uint8_t* data, std::size_t size, const btf* base) {
  btf_header header{};
  if (data == nullptr || size < sizeof header) return malformed("shorter than its header");
  std::memcpy(&header, data, sizeof header);
  if (header.magic != kMagic) {
    return malformed("magic 0x" + std::to_string(header.magic) + ", expected 0xeb9f (" +
                     (header.magic == 0x9feb ? "big-endian BTF is not supported" : "not BTF") +
                     ")");
  }
  if (header.version != BTF_VERSION) return malformed("version " + std::to_string(header.version));
  if (header.hdr_len < sizeof header || header.hdr_len > size) return malformed("header length");
  const std::uint64_t types_end = std::uint64_t{header.hdr_len} + header.type_off + header.type_len;
  const std::uint64_t strings_end = std::uint64_t{header.hdr_len} + header.str_off + header.str_len;
  if (types_end > size || strings_end > size || header.type_off % 4 != 0) {
    return malformed("sections past the end of the data");
  }
  auto result = std::make_unique<btf>();
  result->base = base;
  if (base != nullptr) {
    result->start_id = base->type_count();
    result->start_str = base->start_str + static_cast<std::uint32_t>(base->strings.size());
  }
  const char* strings = reinterpret_cast<const char*>(data + header.hdr_len + header.str_off);
  result->strings.assign(strings, strings + header.str_len);
  if (base == nullptr && (result->strings.empty() || result->strings.front() != '\0')) {
    return malformed("the string section does not start with an empty string");
  }
  if (!result->strings.empty() && result->strings.back() != '\0') {
    return malformed("the string section does not end with a NUL");
  }
  const std::uint8_t* types = data + header.hdr_len + header.type_off;
  result->types.assign(types, types + header.type_len);
  for (std::size_t at = 0; at < result->types.size();) {
    if (result->types.size() - at < sizeof(btf_type)) return malformed("a truncated type");
    btf_type type{};
    std::memcpy(&type, result->types.data() + at, sizeof type);
    const std::size_t record = type_record_size(type);
    const std::uint32_t id = result->type_count();
    if (record == 0)
      return malformed("type [" + std::to_string(id) + "] has kind " +
                       std::to_string(kind_of(type)) + ", which BTF does not define");
    if (result->types.size() - at < record)
      return malformed("type [" + std::to_string(id) + "] is truncated");
    if (result->string(type.name_off) == nullptr) {
      return malformed("type [" + std::to_string(id) + "] has a name offset past the strings");
    }
    result->offsets.push_back(static_cast<std::uint32_t>(at));
    at += record;
  }
  for (std::size_t offset = 0; offset < result->strings.size();) {
    const std::string text(result->strings.data() + offset);
    result->string_offsets.emplace(text, result->start_str + static_cast<std::uint32_t>(offset));
    offset += text.size() + 1;
  }
  return result.release();
}

Result<btf*> btf_of_elf(const std::vector<std::uint8_t>& bytes, const std::string& path,
                        btf_ext** ext, bool fix_datasecs) {
  Result<object::ElfFile> elf = object::ElfFile::parse(bytes, path);
  if (!elf) return std::move(elf).error();
  const object::ElfSection* section = elf->find_section(".BTF");
  if (section == nullptr) {
    Error error = make_error(path + ": no .BTF section");
    error.linux_errno = ENOENT;
    return error;
  }
  Result<btf*> parsed = parse_btf(section->data.data(), section->data.size(), nullptr);
  if (!parsed) return parsed;
  std::unique_ptr<btf> result(*parsed);
  // libbpf's btf_fixup_datasec: clang leaves DATASEC sizes and variable offsets zero.
  for (std::uint32_t id = 1; fix_datasecs && id < result->type_count(); ++id) {
    btf_type* type = result->own_type(id);
    if (kind_of(*type) != BTF_KIND_DATASEC) continue;
    const std::string name = result->string(type->name_off);
    if (name == ".kconfig" || name == ".ksyms") continue;
    bool fix_offsets = false;
    if (type->size == 0) {
      const object::ElfSection* data = elf->find_section(name);
      if (data == nullptr || data->size == 0) continue;
      type->size = static_cast<std::uint32_t>(data->size);
      fix_offsets = true;
    }
    auto* infos = reinterpret_cast<btf_var_secinfo*>(type + 1);
    for (std::uint32_t i = 0; i < vlen_of(*type); ++i) {
      btf_type* variable = result->own_type(infos[i].type);
      if (variable == nullptr || kind_of(*variable) != BTF_KIND_VAR) continue;
      auto* linkage = reinterpret_cast<struct btf_var*>(variable + 1);
      if (linkage->linkage == BTF_VAR_STATIC || linkage->linkage == BTF_VAR_GLOBAL_EXTERN) continue;
      const std::string variable_name = result->string(variable->name_off);
      for (const object::ElfSymbol& symbol : elf->symbols()) {
        if (symbol.name != variable_name || symbol.type != object::kSymbolObject ||
            (symbol.bind != object::kBindGlobal && symbol.bind != object::kBindWeak)) {
          continue;
        }
        if (fix_offsets) infos[i].offset = static_cast<std::uint32_t>(symbol.value);
        // Hidden or internal globals are static to libbpf (not in skeletons).
        if (symbol.visibility == 1 || symbol.visibility == 2) linkage->linkage = BTF_VAR_STATIC;
        break;
      }
    }
    std::stable_sort(
        infos, infos + vlen_of(*type),
        [](const btf_var_secinfo& a, const btf_var_secinfo& b) { return a.offset < b.offset; });
  }
  if (ext != nullptr) {
    *ext = nullptr;
    if (const object::ElfSection* extension = elf->find_section(".BTF.ext")) {
      *ext = new btf_ext{std::vector<std::uint8_t>(extension->data.begin(), extension->data.end())};
    }
  }
  return result.release();
}

}  // namespace xbpf::libbpf

const btf_type* btf::type(std::uint32_t id) const {
  if (id < start_id) {
    if (base != nullptr) return base->type(id);
    static const btf_type kVoid{};
    return id == 0 ? &kVoid : nullptr;
  }
  if (id - start_id >= offsets.size()) return nullptr;
  return reinterpret_cast<const btf_type*>(types.data() + offsets[id - start_id]);
}

btf_type* btf::own_type(std::uint32_t id) {
  if (id < start_id || id - start_id >= offsets.size()) return nullptr;
  raw_valid = false;
  return reinterpret_cast<btf_type*>(types.data() + offsets[id - start_id]);
}

const char* btf::string(std::uint32_t offset) const {
  if (offset < start_str) return base != nullptr ? base->string(offset) : nullptr;
  if (offset - start_str >= strings.size()) return nullptr;
  return strings.data() + (offset - start_str);
}
