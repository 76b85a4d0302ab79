// struct btf: BTF in libbpf's raw form (the kernel's format), which applications read through
// btf.h's inline accessors (btf_members(), btf_vlen(), ...): types in one byte array indexed by
// id, strings in another, a base BTF for split BTF (module BTF on top of vmlinux's).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "libbpf/abi.h"
#include "support/error.h"

struct btf {
  const btf* base = nullptr;
  std::uint32_t start_id = 1;   // the first id this BTF holds (base types come before)
  std::uint32_t start_str = 0;  // the first string offset this BTF holds
  std::vector<std::uint8_t> types;
  std::vector<std::uint32_t> offsets;                             // of each own type in `types`
  std::vector<char> strings;                                      // starts with '\0' (unless split)
  std::unordered_map<std::string, std::uint32_t> string_offsets;  // for add_str and find_str
  std::size_t pointer_size = 0;                                   // 0: not yet determined
  btf_endianness endianness = BTF_LITTLE_ENDIAN;
  int fd = -1;
  mutable std::vector<std::uint8_t> raw;  // btf__raw_data's, rebuilt after changes
  mutable bool raw_valid = false;

  [[nodiscard]] std::uint32_t type_count() const {
    return start_id + static_cast<std::uint32_t>(offsets.size());
  }
  [[nodiscard]] const btf_type* type(std::uint32_t id) const;
  [[nodiscard]] btf_type* own_type(std::uint32_t id);
  [[nodiscard]] const char* string(std::uint32_t offset) const;
};

struct btf_ext {
  std::vector<std::uint8_t> raw;
};

namespace xbpf::libbpf {

// Parses raw BTF (header, types, strings), checking every size and offset; `base` for split
// BTF. The error says what is malformed.
Result<btf*> parse_btf(const std::uint8_t* data, std::size_t size, const btf* base);
// The size in bytes of a type's record (btf_type and what follows it), or 0 for a bad kind.
std::size_t type_record_size(const btf_type& type);
// Raw BTF (header, types, strings) in the other byte order: every field but the strings is
// a 32-bit word, after the 16-bit magic and two bytes.
void swap_btf_bytes(std::vector<std::uint8_t>& raw);
// Appends a type record; returns its id.
std::uint32_t append_type(btf& target, const void* record, std::size_t size);
// The BTF of an ELF object's .BTF section (and .BTF.ext). With `fix_datasecs`, libbpf's fixes
// for an object it opens: DATASEC sizes and their variables' offsets from the ELF sections and
// symbols, hidden globals made static, variables sorted by offset.
Result<btf*> btf_of_elf(const std::vector<std::uint8_t>& bytes, const std::string& path,
                        btf_ext** ext, bool fix_datasecs);

inline std::uint32_t btf_kind_of(const btf_type& type) { return (type.info >> 24) & 0x1f; }
inline std::uint32_t btf_vlen_of(const btf_type& type) { return type.info & 0xffff; }

// Calls `visit(std::uint32_t&)` on every string offset of a type record.
template <class Visit>
void visit_strings(btf_type& type, Visit visit) {
  visit(type.name_off);
  const std::uint32_t count = btf_vlen_of(type);
  switch (btf_kind_of(type)) {
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      for (std::uint32_t i = 0; i < count; ++i)
        visit(reinterpret_cast<btf_member*>(&type + 1)[i].name_off);
      break;
    case BTF_KIND_ENUM:
      for (std::uint32_t i = 0; i < count; ++i)
        visit(reinterpret_cast<struct btf_enum*>(&type + 1)[i].name_off);
      break;
    case BTF_KIND_ENUM64:
      for (std::uint32_t i = 0; i < count; ++i)
        visit(reinterpret_cast<struct btf_enum64*>(&type + 1)[i].name_off);
      break;
    case BTF_KIND_FUNC_PROTO:
      for (std::uint32_t i = 0; i < count; ++i)
        visit(reinterpret_cast<btf_param*>(&type + 1)[i].name_off);
      break;
    default: break;
  }
}

// Calls `visit(std::uint32_t&)` on every type id a type record refers to.
template <class Visit>
void visit_type_ids(btf_type& type, Visit visit) {
  const std::uint32_t count = btf_vlen_of(type);
  switch (btf_kind_of(type)) {
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_FUNC:
    case BTF_KIND_VAR:
    case BTF_KIND_DECL_TAG:
    case BTF_KIND_TYPE_TAG: visit(type.type); break;
    case BTF_KIND_ARRAY: {
      auto* array = reinterpret_cast<struct btf_array*>(&type + 1);
      visit(array->type);
      visit(array->index_type);
      break;
    }
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      for (std::uint32_t i = 0; i < count; ++i)
        visit(reinterpret_cast<btf_member*>(&type + 1)[i].type);
      break;
    case BTF_KIND_FUNC_PROTO:
      visit(type.type);
      for (std::uint32_t i = 0; i < count; ++i)
        visit(reinterpret_cast<btf_param*>(&type + 1)[i].type);
      break;
    case BTF_KIND_DATASEC:
      for (std::uint32_t i = 0; i < count; ++i)
        visit(reinterpret_cast<btf_var_secinfo*>(&type + 1)[i].type);
      break;
    default: break;
  }
}

// Adds a string (once: the same text gets the same offset) and returns its offset.
std::uint32_t add_string(btf& target, const std::string& text);

}  // namespace xbpf::libbpf
