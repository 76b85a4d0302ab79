// btf.h's write side: strings and types added one by one (as libbpf checks them), or copied
// from another BTF.
#include <cerrno>
#include <climits>
#include <cstring>

#include "libbpf/btf_internal.h"
#include "libbpf/library.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)

namespace xbpf::libbpf {

std::uint32_t add_string(btf& target, const std::string& text) {
  if (text.empty() && target.base == nullptr) return 0;
  if (auto found = target.string_offsets.find(text); found != target.string_offsets.end()) {
    return found->second;
  }
  for (const btf* base = target.base; base != nullptr; base = base->base) {
    if (auto found = base->string_offsets.find(text); found != base->string_offsets.end()) {
      return found->second;
    }
  }
  const auto offset = target.start_str + static_cast<std::uint32_t>(target.strings.size());
  target.strings.insert(target.strings.end(), text.begin(), text.end());
  target.strings.push_back('\0');
  target.string_offsets.emplace(text, offset);
  target.raw_valid = false;
  return offset;
}

}  // namespace xbpf::libbpf

namespace {

constexpr int kMaxTypes = 0xfffff;  // BTF_MAX_NR_TYPES

bool valid_id(int id) { return id >= 0 && id <= kMaxTypes; }

__u32 info(__u32 kind, __u32 vlen, bool flag) {
  return (kind << 24) | (vlen & 0xffff) | (flag ? 1U << 31 : 0);
}

std::string name_or_empty(const char* name) { return name != nullptr ? name : ""; }

// A type record: its btf_type and the fixed part after it.
template <class Extra = std::uint32_t>
int add(struct btf* btf, __u32 kind, const char* name, __u32 size_or_type,
        const Extra* extra = nullptr) {
  struct {
    btf_type type;
    Extra extra;
  } record{};
  record.type.name_off = add_string(*btf, name_or_empty(name));
  record.type.info = info(kind, 0, false);
  record.type.size = size_or_type;
  if (extra != nullptr) record.extra = *extra;
  const std::size_t size = sizeof(btf_type) + (extra != nullptr ? sizeof(Extra) : 0);
  return static_cast<int>(append_type(*btf, &record, size));
}

// The last type, when it is one of `kinds` (members are added to it).
btf_type* last_of(struct btf* btf, std::initializer_list<__u32> kinds) {
  if (btf->offsets.empty()) return nullptr;
  btf_type* type = btf->own_type(btf->type_count() - 1);
  for (const __u32 kind : kinds) {
    if (btf_kind_of(*type) == kind) return type;
  }
  return nullptr;
}

// Appends a member record to the last type and counts it there.
template <class Member>
void add_member(struct btf* btf, const Member& member, bool flag = false) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&member);
  btf->types.insert(btf->types.end(), bytes, bytes + sizeof member);
  btf_type* type = btf->own_type(btf->type_count() - 1);
  type->info = info(btf_kind_of(*type), btf_vlen_of(*type) + 1, flag || (type->info >> 31) != 0);
}

int add_ref(struct btf* btf, __u32 kind, const char* name, int ref) {
  if (!valid_id(ref)) return fail(EINVAL);
  return add(btf, kind, name, static_cast<__u32>(ref));
}

int add_enum_common(struct btf* btf, const char* name, __u32 size, bool is_signed, __u32 kind) {
  if (size == 0 || (size & (size - 1)) != 0 || size > 8) return fail(EINVAL);
  const int id = add(btf, kind, name, size);
  btf->own_type(static_cast<__u32>(id))->info = info(kind, 0, is_signed);
  return id;
}

}  // namespace

int btf__find_str(struct btf* btf, const char* s) {
  for (const struct btf* at = btf; at != nullptr; at = at->base) {
    if (auto found = at->string_offsets.find(s); found != at->string_offsets.end()) {
      return static_cast<int>(found->second);
    }
  }
  return fail(ENOENT);
}

int btf__add_str(struct btf* btf, const char* s) {
  if (s == nullptr) return fail(EINVAL);
  return static_cast<int>(add_string(*btf, s));
}

int btf__add_int(struct btf* btf, const char* name, size_t byte_sz, int encoding) {
  if (name == nullptr || name[0] == '\0') return fail(EINVAL);
  if (byte_sz == 0 || (byte_sz & (byte_sz - 1)) != 0 || byte_sz > 16) return fail(EINVAL);
  if ((encoding & ~(BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL)) != 0) return fail(EINVAL);
  const std::uint32_t encoded =
      (static_cast<std::uint32_t>(encoding) << 24) | static_cast<std::uint32_t>(byte_sz * 8);
  return add(btf, BTF_KIND_INT, name, static_cast<__u32>(byte_sz), &encoded);
}

int btf__add_float(struct btf* btf, const char* name, size_t byte_sz) {
  if (name == nullptr || name[0] == '\0') return fail(EINVAL);
  if (byte_sz != 2 && byte_sz != 4 && byte_sz != 8 && byte_sz != 12 && byte_sz != 16) {
    return fail(EINVAL);
  }
  return add(btf, BTF_KIND_FLOAT, name, static_cast<__u32>(byte_sz));
}

int btf__add_ptr(struct btf* btf, int ref_type_id) {
  return add_ref(btf, BTF_KIND_PTR, nullptr, ref_type_id);
}

int btf__add_array(struct btf* btf, int index_type_id, int elem_type_id, __u32 nr_elems) {
  if (!valid_id(index_type_id) || !valid_id(elem_type_id)) return fail(EINVAL);
  struct btf_array array {};
  array.type = static_cast<__u32>(elem_type_id);
  array.index_type = static_cast<__u32>(index_type_id);
  array.nelems = nr_elems;
  return add(btf, BTF_KIND_ARRAY, nullptr, 0, &array);
}

int btf__add_struct(struct btf* btf, const char* name, __u32 sz) {
  return add(btf, BTF_KIND_STRUCT, name, sz);
}

int btf__add_union(struct btf* btf, const char* name, __u32 sz) {
  return add(btf, BTF_KIND_UNION, name, sz);
}

int btf__add_field(struct btf* btf, const char* name, int field_type_id, __u32 bit_offset,
                   __u32 bit_size) {
  btf_type* type = last_of(btf, {BTF_KIND_STRUCT, BTF_KIND_UNION});
  if (type == nullptr || !valid_id(field_type_id)) return fail(EINVAL);
  const bool bitfield = bit_size != 0 || bit_offset % 8 != 0;
  if (bitfield && (bit_size == 0 || bit_size > 255 || bit_offset > 0xffffff)) return fail(EINVAL);
  if (btf_kind_of(*type) == BTF_KIND_UNION && bit_offset != 0) return fail(EINVAL);
  btf_member member{};
  member.name_off = add_string(*btf, name_or_empty(name));
  member.type = static_cast<__u32>(field_type_id);
  member.offset = bit_offset | (bit_size << 24);
  add_member(btf, member, bitfield);
  return 0;
}

int btf__add_enum(struct btf* btf, const char* name, __u32 bytes_sz) {
  return add_enum_common(btf, name, bytes_sz, false, BTF_KIND_ENUM);
}

int btf__add_enum_value(struct btf* btf, const char* name, __s64 value) {
  btf_type* type = last_of(btf, {BTF_KIND_ENUM});
  if (type == nullptr || name == nullptr || name[0] == '\0') return fail(EINVAL);
  if (value < INT_MIN || value > UINT_MAX) return fail(E2BIG);
  struct btf_enum entry {};
  entry.name_off = add_string(*btf, name);
  entry.val = static_cast<__s32>(value);
  add_member(btf, entry, value < 0);
  return 0;
}

int btf__add_enum64(struct btf* btf, const char* name, __u32 bytes_sz, bool is_signed) {
  return add_enum_common(btf, name, bytes_sz, is_signed, BTF_KIND_ENUM64);
}

int btf__add_enum64_value(struct btf* btf, const char* name, __u64 value) {
  btf_type* type = last_of(btf, {BTF_KIND_ENUM64});
  if (type == nullptr || name == nullptr || name[0] == '\0') return fail(EINVAL);
  struct btf_enum64 entry {};
  entry.name_off = add_string(*btf, name);
  entry.val_lo32 = static_cast<__u32>(value);
  entry.val_hi32 = static_cast<__u32>(value >> 32);
  add_member(btf, entry);
  return 0;
}

int btf__add_fwd(struct btf* btf, const char* name, enum btf_fwd_kind fwd_kind) {
  if (name == nullptr || name[0] == '\0') return fail(EINVAL);
  switch (fwd_kind) {
    case BTF_FWD_STRUCT:
    case BTF_FWD_UNION: {
      const int id = add(btf, BTF_KIND_FWD, name, 0);
      btf->own_type(static_cast<__u32>(id))->info =
          info(BTF_KIND_FWD, 0, fwd_kind == BTF_FWD_UNION);
      return id;
    }
    case BTF_FWD_ENUM: return btf__add_enum(btf, name, sizeof(int));
    default: return fail(EINVAL);
  }
}

int btf__add_typedef(struct btf* btf, const char* name, int ref_type_id) {
  if (name == nullptr || name[0] == '\0') return fail(EINVAL);
  return add_ref(btf, BTF_KIND_TYPEDEF, name, ref_type_id);
}

int btf__add_volatile(struct btf* btf, int ref_type_id) {
  return add_ref(btf, BTF_KIND_VOLATILE, nullptr, ref_type_id);
}

int btf__add_const(struct btf* btf, int ref_type_id) {
  return add_ref(btf, BTF_KIND_CONST, nullptr, ref_type_id);
}

int btf__add_restrict(struct btf* btf, int ref_type_id) {
  return add_ref(btf, BTF_KIND_RESTRICT, nullptr, ref_type_id);
}

int btf__add_type_tag(struct btf* btf, const char* value, int ref_type_id) {
  if (value == nullptr || value[0] == '\0') return fail(EINVAL);
  return add_ref(btf, BTF_KIND_TYPE_TAG, value, ref_type_id);
}

int btf__add_func(struct btf* btf, const char* name, enum btf_func_linkage linkage,
                  int proto_type_id) {
  if (name == nullptr || name[0] == '\0') return fail(EINVAL);
  if (linkage != BTF_FUNC_STATIC && linkage != BTF_FUNC_GLOBAL && linkage != BTF_FUNC_EXTERN) {
    return fail(EINVAL);
  }
  const int id = add_ref(btf, BTF_KIND_FUNC, name, proto_type_id);
  if (id > 0) btf->own_type(static_cast<__u32>(id))->info = info(BTF_KIND_FUNC, linkage, false);
  return id;
}

int btf__add_func_proto(struct btf* btf, int ret_type_id) {
  return add_ref(btf, BTF_KIND_FUNC_PROTO, nullptr, ret_type_id);
}

int btf__add_func_param(struct btf* btf, const char* name, int type_id) {
  if (!valid_id(type_id)) return fail(EINVAL);
  if (last_of(btf, {BTF_KIND_FUNC_PROTO}) == nullptr) return fail(EINVAL);
  btf_param param{};
  param.name_off = add_string(*btf, name_or_empty(name));
  param.type = static_cast<__u32>(type_id);
  add_member(btf, param);
  return 0;
}

int btf__add_var(struct btf* btf, const char* name, int linkage, int type_id) {
  if (name == nullptr || name[0] == '\0') return fail(EINVAL);
  if (linkage != BTF_VAR_STATIC && linkage != BTF_VAR_GLOBAL_ALLOCATED &&
      linkage != BTF_VAR_GLOBAL_EXTERN) {
    return fail(EINVAL);
  }
  if (!valid_id(type_id)) return fail(EINVAL);
  struct btf_var variable {};
  variable.linkage = static_cast<__u32>(linkage);
  return add(btf, BTF_KIND_VAR, name, static_cast<__u32>(type_id), &variable);
}

int btf__add_datasec(struct btf* btf, const char* name, __u32 byte_sz) {
  if (name == nullptr || name[0] == '\0') return fail(EINVAL);
  return add(btf, BTF_KIND_DATASEC, name, byte_sz);
}

int btf__add_datasec_var_info(struct btf* btf, int var_type_id, __u32 offset, __u32 byte_sz) {
  if (last_of(btf, {BTF_KIND_DATASEC}) == nullptr || !valid_id(var_type_id)) return fail(EINVAL);
  btf_var_secinfo info_record{};
  info_record.type = static_cast<__u32>(var_type_id);
  info_record.offset = offset;
  info_record.size = byte_sz;
  add_member(btf, info_record);
  return 0;
}

int btf__add_decl_tag(struct btf* btf, const char* value, int ref_type_id, int component_idx) {
  if (value == nullptr || value[0] == '\0' || component_idx < -1) return fail(EINVAL);
  if (!valid_id(ref_type_id)) return fail(EINVAL);
  struct btf_decl_tag tag {};
  tag.component_idx = component_idx;
  return add(btf, BTF_KIND_DECL_TAG, value, static_cast<__u32>(ref_type_id), &tag);
}

int btf__add_type(struct btf* btf, const struct btf* src_btf, const struct btf_type* src_type) {
  const std::size_t size = type_record_size(*src_type);
  if (size == 0) return fail(EINVAL);
  std::vector<std::uint8_t> record(size);
  std::memcpy(record.data(), src_type, size);
  auto* type = reinterpret_cast<btf_type*>(record.data());
  visit_strings(*type, [&](std::uint32_t& offset) {
    const char* text = src_btf->string(offset);
    offset = add_string(*btf, text != nullptr ? text : "");
  });
  return static_cast<int>(append_type(*btf, record.data(), size));
}

int btf__add_btf(struct btf* btf, const struct btf* src_btf) {
  if (src_btf->base != nullptr) return fail(ENOTSUP);
  const std::uint32_t shift = btf->type_count() - 1;
  const int first = static_cast<int>(btf->type_count());
  for (std::uint32_t id = 1; id < src_btf->type_count(); ++id) {
    const btf_type* source = src_btf->type(id);
    const std::size_t size = type_record_size(*source);
    std::vector<std::uint8_t> record(size);
    std::memcpy(record.data(), source, size);
    auto* type = reinterpret_cast<btf_type*>(record.data());
    visit_strings(*type, [&](std::uint32_t& offset) {
      const char* text = src_btf->string(offset);
      offset = add_string(*btf, text != nullptr ? text : "");
    });
    visit_type_ids(*type, [&](std::uint32_t& type_id) {
      if (type_id != 0) type_id += shift;
    });
    append_type(*btf, record.data(), size);
  }
  return first;
}
