// CO-RE resolution (core.h): a relocation's local meaning from the object's BTF, matched by
// name against xbpf's target BTF, as libbpf's relo_core.c matches it against the kernel's.
#include "object/core.h"

#include <algorithm>
#include <vector>

namespace xbpf::object {
namespace {

const std::uint8_t kTargetBtf[] = {
#include "object/core_targets_btf.inc"
};

}  // namespace

std::string_view core_kind_name(CoreKind kind) {
  switch (kind) {
    case CoreKind::field_byte_offset: return "field_byte_offset";
    case CoreKind::field_byte_size: return "field_byte_size";
    case CoreKind::field_exists: return "field_exists";
    case CoreKind::field_signed: return "field_signed";
    case CoreKind::field_lshift_u64: return "field_lshift_u64";
    case CoreKind::field_rshift_u64: return "field_rshift_u64";
    case CoreKind::type_id_local: return "type_id_local";
    case CoreKind::type_id_target: return "type_id_target";
    case CoreKind::type_exists: return "type_exists";
    case CoreKind::type_size: return "type_size";
    case CoreKind::enumval_exists: return "enumval_exists";
    case CoreKind::enumval_value: return "enumval_value";
    case CoreKind::type_matches: return "type_matches";
  }
  return "?";
}

namespace {

bool is_field_kind(CoreKind kind) {
  return kind == CoreKind::field_byte_offset || kind == CoreKind::field_byte_size ||
         kind == CoreKind::field_exists || kind == CoreKind::field_signed ||
         kind == CoreKind::field_lshift_u64 || kind == CoreKind::field_rshift_u64;
}

bool is_enum(const BtfType& type) {
  return type.kind == BtfKind::enum_ || type.kind == BtfKind::enum64;
}

bool is_composite(const BtfType& type) {
  return type.kind == BtfKind::struct_ || type.kind == BtfKind::union_;
}

Result<std::vector<std::uint32_t>> parse_access(std::string_view text) {
  std::vector<std::uint32_t> access;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = std::min(text.find(':', start), text.size());
    const std::string_view part = text.substr(start, end - start);
    std::uint64_t value = 0;
    bool valid = !part.empty() && part.size() <= 10;
    for (const char c : part) {
      valid = valid && c >= '0' && c <= '9';
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!valid || value > UINT32_MAX) {
      return make_error("malformed access string '" + std::string(text) +
                        "' (expected indexes separated by ':')");
    }
    access.push_back(static_cast<std::uint32_t>(value));
    if (end == text.size()) return access;
    start = end + 1;
  }
}

bool multiply_add(std::uint64_t& total, std::uint64_t count, std::uint64_t size) {
  if (size != 0 && count > (UINT64_MAX - total) / size) return false;
  total += count * size;
  return true;
}

// A field an access string reaches: its bit offset from the root and its member (for
// bitfields), and its type.
struct Field {
  std::uint64_t bit_offset = 0;
  const BtfMember* member = nullptr;
  std::uint32_t type = 0;
};

Result<Field> locate(const Btf& btf, std::uint32_t root, const std::vector<std::uint32_t>& access,
                     const std::string& text) {
  auto fail = [&](const std::string& message) {
    return make_error("access string '" + text + "' on " + btf.describe(root) + ": " + message);
  };
  const std::optional<std::uint64_t> root_size = btf.size_of(root);
  if (!root_size) return fail("the root type has no size");
  Field field;
  if (!multiply_add(field.bit_offset, access[0], *root_size * 8)) return fail("offset overflows");
  field.type = root;
  for (std::size_t i = 1; i < access.size(); ++i) {
    const std::uint32_t resolved = btf.resolve(field.type);
    const BtfType* type = btf.type(resolved);
    if (is_composite(*type)) {
      if (access[i] >= type->members.size()) {
        return fail("member index " + std::to_string(access[i]) + " is beyond the " +
                    std::to_string(type->members.size()) + " members of " + btf.describe(resolved));
      }
      field.member = &type->members[access[i]];
      field.bit_offset += field.member->bit_offset;
      field.type = field.member->type;
    } else if (type->kind == BtfKind::array) {
      const std::optional<std::uint64_t> element = btf.size_of(type->array_element);
      if (!element || !multiply_add(field.bit_offset, access[i], *element * 8)) {
        return fail("array element offset cannot be computed");
      }
      field.member = nullptr;
      field.type = type->array_element;
    } else {
      return fail("component " + std::to_string(i) + " indexes into " + btf.describe(field.type) +
                  ", which is neither a struct, a union nor an array");
    }
  }
  return field;
}

// A field relocation's value on one side; `size` gets the field's byte size (of the smallest
// naturally aligned load that covers a bitfield, as libbpf's bpf_core_calc_field_relo()).
Result<std::uint64_t> field_value(const Btf& btf, const Field& field, CoreKind kind,
                                  std::uint64_t& size) {
  auto fail = [&](const std::string& message) { return make_error(message); };
  const BtfType* type = btf.type(btf.resolve(field.type));
  const std::optional<std::uint64_t> field_size = btf.size_of(field.type);
  if (!field_size || *field_size == 0 || *field_size > 8 * 1024 * 1024) {
    return fail("the field's type " + btf.describe(field.type) + " has no size");
  }
  std::uint64_t byte_size = *field_size;
  std::uint64_t byte_offset = field.bit_offset / 8;
  std::uint64_t bit_size = byte_size * 8;
  if (field.member != nullptr && field.member->bitfield_size != 0) {
    bit_size = field.member->bitfield_size;
    byte_offset = field.bit_offset / 8 / byte_size * byte_size;
    while (field.bit_offset + bit_size - byte_offset * 8 > byte_size * 8) {
      if (byte_size >= 8) return fail("the bitfield does not fit an 8-byte load");
      byte_size *= 2;
      byte_offset = field.bit_offset / 8 / byte_size * byte_size;
    }
  }
  size = byte_size;
  switch (kind) {
    case CoreKind::field_byte_offset: return byte_offset;
    case CoreKind::field_byte_size: return byte_size;
    case CoreKind::field_exists: return 1;
    case CoreKind::field_signed:
      return static_cast<std::uint64_t>(
          (is_enum(*type) && type->kind_flag) ||
          (type->kind == BtfKind::integer && (type->int_encoding & 1) != 0));
    case CoreKind::field_lshift_u64: {
      const std::uint64_t shift = field.bit_offset + bit_size - byte_offset * 8;
      if (shift > 64) return fail("the field does not fit a 64-bit load");
      return 64 - shift;
    }
    case CoreKind::field_rshift_u64:
      if (bit_size > 64) return fail("the field does not fit a 64-bit load");
      return 64 - bit_size;
    default: return fail("not a field relocation");
  }
}

// A type's name without libbpf's flavor suffix: "iphdr___old" is "iphdr".
std::string_view essential_name(std::string_view name) {
  const std::size_t flavor = name.find("___");
  return flavor == std::string_view::npos ? name : name.substr(0, flavor);
}

// The members leading to the member named `name` of `type`, through anonymous structs and
// unions (libbpf's bpf_core_match_member), appended to `path`; false when there is none.
bool find_member(const Btf& btf, std::uint32_t type, std::string_view name,
                 std::vector<std::uint32_t>& path, int depth = 0) {
  const BtfType* composite = btf.type(btf.resolve(type));
  if (composite == nullptr || !is_composite(*composite) || depth > 16) return false;
  for (std::size_t i = 0; i < composite->members.size(); ++i) {
    const BtfMember& member = composite->members[i];
    if (member.name == name) {
      path.push_back(static_cast<std::uint32_t>(i));
      return true;
    }
    if (member.name.empty()) {
      path.push_back(static_cast<std::uint32_t>(i));
      if (find_member(btf, member.type, name, path, depth + 1)) return true;
      path.pop_back();
    }
  }
  return false;
}

// Whether a local field's type may be relocated to a target field's (libbpf's
// bpf_core_fields_are_compat): numbers with numbers, pointers with pointers, the same kind of
// aggregate otherwise.
bool compatible(const Btf& local, std::uint32_t local_type, const Btf& target,
                std::uint32_t target_type) {
  const BtfType* a = local.type(local.resolve(local_type));
  const BtfType* b = target.type(target.resolve(target_type));
  if (a == nullptr || b == nullptr) return false;
  auto scalar = [](const BtfType& t) {
    return t.kind == BtfKind::integer || is_enum(t) || t.kind == BtfKind::float_;
  };
  if (scalar(*a) || scalar(*b)) return scalar(*a) && scalar(*b);
  return a->kind == b->kind;
}

// The target access path of a local field access, by member names; nullopt when the target
// lacks a field (or an array is too short).
std::optional<std::vector<std::uint32_t>> target_access(const Btf& local, std::uint32_t local_root,
                                                        const std::vector<std::uint32_t>& access,
                                                        const Btf& target,
                                                        std::uint32_t target_root) {
  std::vector<std::uint32_t> path = {access[0]};
  std::uint32_t local_type = local_root, target_type = target_root;
  for (std::size_t i = 1; i < access.size(); ++i) {
    const BtfType* l = local.type(local.resolve(local_type));
    const BtfType* t = target.type(target.resolve(target_type));
    if (l == nullptr || t == nullptr) return std::nullopt;
    if (is_composite(*l)) {
      if (access[i] >= l->members.size() || !is_composite(*t)) return std::nullopt;
      const BtfMember& member = l->members[access[i]];
      local_type = member.type;
      if (member.name.empty()) {
        if (i + 1 == access.size()) return std::nullopt;  // ends on an anonymous member
        continue;  // the target's member is found by the next name, wherever it nests
      }
      const std::size_t first = path.size();
      if (!find_member(target, target_type, member.name, path)) return std::nullopt;
      std::uint32_t type = target.resolve(target_type);
      for (std::size_t k = first; k < path.size(); ++k) {
        type = target.type(target.resolve(type))->members[path[k]].type;
      }
      target_type = type;
    } else if (l->kind == BtfKind::array) {
      if (t->kind != BtfKind::array) return std::nullopt;
      if (t->array_count != 0 && access[i] >= t->array_count) return std::nullopt;
      path.push_back(access[i]);
      local_type = l->array_element;
      target_type = t->array_element;
    } else {
      return std::nullopt;
    }
  }
  if (!compatible(local, local_type, target, target_type)) return std::nullopt;
  return path;
}

}  // namespace

const Btf& core_target_btf() {
  static const Btf btf = [] {
    Result<Btf> parsed = Btf::parse(kTargetBtf);
    // The bytes are generated and tested (ObjectCore tests): a failure is a build defect.
    return parsed ? std::move(*parsed) : Btf();
  }();
  return btf;
}

bool is_core_known_type(std::string_view name) {
  const Btf& btf = core_target_btf();
  for (std::uint32_t id = 1; id < btf.size(); ++id) {
    const BtfType* type = btf.type(id);
    if ((is_composite(*type) || is_enum(*type)) && type->name == name) return true;
  }
  return false;
}

Result<std::uint64_t> core_local_value(const Btf& btf, const CoreRelocation& relocation) {
  if (btf.type(relocation.type) == nullptr || relocation.type == 0) {
    return make_error("CO-RE relocation names type " + std::to_string(relocation.type) +
                      ", which the BTF does not have");
  }
  Result<std::vector<std::uint32_t>> access = parse_access(relocation.access);
  if (!access) return std::move(access).error();
  switch (relocation.kind) {
    case CoreKind::type_id_local:
    case CoreKind::type_id_target: return relocation.type;
    case CoreKind::type_exists:
    case CoreKind::type_matches: return 1;
    case CoreKind::type_size: {
      const std::optional<std::uint64_t> size = btf.size_of(relocation.type);
      if (!size) return make_error(btf.describe(relocation.type) + " has no size");
      return *size;
    }
    case CoreKind::enumval_exists:
    case CoreKind::enumval_value: {
      const BtfType* type = btf.type(btf.resolve(relocation.type));
      if (!is_enum(*type)) {
        return make_error(std::string(core_kind_name(relocation.kind)) + " relocation on " +
                          btf.describe(relocation.type) + ", which is not an enum");
      }
      if ((*access)[0] >= type->values.size()) {
        return make_error("enumerator index " + std::to_string((*access)[0]) + " is beyond the " +
                          std::to_string(type->values.size()) + " enumerators of " +
                          btf.describe(relocation.type));
      }
      if (relocation.kind == CoreKind::enumval_exists) return 1;
      return static_cast<std::uint64_t>(type->values[(*access)[0]].value);
    }
    default: {
      Result<Field> field = locate(btf, relocation.type, *access, relocation.access);
      if (!field) return std::move(field).error();
      std::uint64_t size = 0;
      return field_value(btf, *field, relocation.kind, size);
    }
  }
}

Result<CoreResult> core_resolve(const Btf& local, const CoreRelocation& relocation) {
  CoreResult result;
  Result<std::uint64_t> local_value = core_local_value(local, relocation);
  if (!local_value) return std::move(local_value).error();
  result.local = *local_value;
  if (relocation.kind == CoreKind::type_id_local) {
    result.target = result.local;
    return result;
  }
  Result<std::vector<std::uint32_t>> access = parse_access(relocation.access);
  if (!access) return std::move(access).error();
  if (is_field_kind(relocation.kind)) {
    Result<Field> field = locate(local, relocation.type, *access, relocation.access);
    if (!field) return std::move(field).error();
    XBPF_TRY(field_value(local, *field, relocation.kind, result.local_size));
  }

  const std::uint32_t root = local.resolve(relocation.type);
  const BtfType* root_type = local.type(root);
  const std::string_view name = essential_name(root_type->name);
  const Btf& target = core_target_btf();
  for (std::uint32_t candidate = 1; candidate < target.size(); ++candidate) {
    const BtfType* type = target.type(candidate);
    const bool same_kind = type->kind == root_type->kind || (is_enum(*type) && is_enum(*root_type));
    if (!same_kind || name.empty() || type->name != name) continue;
    std::optional<std::uint64_t> value;
    std::uint64_t size = 0;
    if (is_field_kind(relocation.kind)) {
      const std::optional<std::vector<std::uint32_t>> path =
          target_access(local, relocation.type, *access, target, candidate);
      if (!path) continue;
      Result<Field> field = locate(target, candidate, *path, relocation.access);
      if (!field) return std::move(field).error();
      Result<std::uint64_t> computed = field_value(target, *field, relocation.kind, size);
      if (!computed) return std::move(computed).error();
      value = *computed;
    } else if (relocation.kind == CoreKind::enumval_exists ||
               relocation.kind == CoreKind::enumval_value) {
      const std::string& enumerator = root_type->values[(*access)[0]].name;
      const auto found =
          std::find_if(type->values.begin(), type->values.end(),
                       [&](const BtfEnumValue& each) { return each.name == enumerator; });
      if (found == type->values.end()) continue;
      value = relocation.kind == CoreKind::enumval_exists
                  ? 1
                  : static_cast<std::uint64_t>(found->value);
    } else if (relocation.kind == CoreKind::type_size) {
      value = target.size_of(candidate);
      if (!value) continue;
    } else if (relocation.kind == CoreKind::type_id_target) {
      value = candidate;
    } else {
      value = 1;  // type_exists; type_matches as a same-kind match of the name
    }
    if (result.target && *result.target != *value) {
      return make_error("xbpf describes several types named '" + std::string(name) +
                        "' that resolve differently");
    }
    result.target = value;
    result.target_size = size;
  }
  return result;
}

std::string core_unresolved(const Btf& local, const CoreRelocation& relocation) {
  const std::uint32_t root = local.resolve(relocation.type);
  const std::string described = local.describe(root);
  if (!is_core_known_type(essential_name(local.type(root)->name))) {
    return described +
           " is not a type xbpf describes (packet headers such as ethhdr, iphdr, "
           "ipv6hdr, tcphdr and udphdr, the types of <linux/bpf.h>, pt_regs); "
           "xbpf has no kernel BTF to find it in";
  }
  return "the access '" + relocation.access + "' on " + described +
         " names a field or enumerator that xbpf's " + described + " does not have";
}

}  // namespace xbpf::object
