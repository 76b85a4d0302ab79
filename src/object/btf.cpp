#include "object/btf.h"

#include <cstring>

#include "object/byte_reader.h"
#include "support/text.h"

namespace xbpf::object {
namespace {

constexpr std::uint16_t kBtfMagic = 0xeb9f;
constexpr std::uint32_t kHeaderSize = 24;  // struct btf_header
constexpr std::uint32_t kTypeSize = 12;    // struct btf_type
// Typedef and qualifier chains longer than this are refused (the kernel's MAX_RESOLVE_DEPTH).
constexpr int kMaxChain = 32;
constexpr int kMaxDescribeDepth = 16;
// Types describe() names at most (a prototype whose parameters are prototypes would otherwise
// take time exponential in the depth).
constexpr int kMaxDescribeNodes = 64;

std::string_view kind_name(BtfKind kind) {
  switch (kind) {
    case BtfKind::void_: return "void";
    case BtfKind::integer: return "int";
    case BtfKind::pointer: return "ptr";
    case BtfKind::array: return "array";
    case BtfKind::struct_: return "struct";
    case BtfKind::union_: return "union";
    case BtfKind::enum_: return "enum";
    case BtfKind::forward: return "fwd";
    case BtfKind::typedef_: return "typedef";
    case BtfKind::volatile_: return "volatile";
    case BtfKind::const_: return "const";
    case BtfKind::restrict: return "restrict";
    case BtfKind::function: return "func";
    case BtfKind::function_proto: return "func_proto";
    case BtfKind::variable: return "var";
    case BtfKind::datasec: return "datasec";
    case BtfKind::float_: return "float";
    case BtfKind::decl_tag: return "decl_tag";
    case BtfKind::type_tag: return "type_tag";
    case BtfKind::enum64: return "enum64";
  }
  return "?";
}

bool is_modifier(BtfKind kind) {
  return kind == BtfKind::typedef_ || kind == BtfKind::volatile_ || kind == BtfKind::const_ ||
         kind == BtfKind::restrict || kind == BtfKind::type_tag;
}

// Kinds whose `type` field names another type.
bool refers_to_type(BtfKind kind) {
  return is_modifier(kind) || kind == BtfKind::pointer || kind == BtfKind::function ||
         kind == BtfKind::function_proto || kind == BtfKind::variable || kind == BtfKind::decl_tag;
}

class Parser {
 public:
  explicit Parser(std::span<const std::uint8_t> bytes) : in_(bytes) {}

  Status parse(std::vector<BtfType>& types, std::string& strings) {
    if (!in_.has(0, kHeaderSize)) {
      return fail("truncated BTF header: " + std::to_string(in_.size()) +
                      " bytes, expected at least " + std::to_string(kHeaderSize),
                  0);
    }
    const std::uint16_t magic = in_.u16(0);
    if (magic != kBtfMagic) {
      return fail("bad BTF magic " + to_hex(magic) + " (expected 0xeb9f)", 0);
    }
    const std::uint64_t version = in_.u(2, 1);
    if (version != 1) return fail("BTF version " + std::to_string(version) + ", expected 1", 2);
    const std::uint32_t header_length = in_.u32(4);
    if (header_length < kHeaderSize || !in_.has(0, header_length)) {
      return fail("BTF header length " + std::to_string(header_length) + " is outside 24.." +
                      std::to_string(in_.size()) + " (the section size)",
                  4);
    }
    const std::uint64_t type_offset = in_.u32(8);
    const std::uint64_t type_length = in_.u32(12);
    const std::uint64_t string_offset = in_.u32(16);
    const std::uint64_t string_length = in_.u32(20);
    const std::uint64_t body = header_length;
    if (!in_.has(body + type_offset, type_length)) {
      return fail("BTF type section (" + std::to_string(type_length) + " bytes at " +
                      to_hex(type_offset) + " after the header) runs past the end of .BTF (" +
                      std::to_string(in_.size()) + " bytes)",
                  8);
    }
    if (!in_.has(body + string_offset, string_length)) {
      return fail("BTF string section (" + std::to_string(string_length) + " bytes at " +
                      to_hex(string_offset) + " after the header) runs past the end of .BTF (" +
                      std::to_string(in_.size()) + " bytes)",
                  16);
    }
    if (type_offset % 4 != 0) {
      return fail("BTF type section offset " + to_hex(type_offset) + " is not 4-byte aligned", 8);
    }
    if (type_offset < string_offset + string_length && string_offset < type_offset + type_length) {
      return fail("BTF type section and string section overlap", 8);
    }
    if (string_length == 0 || in_.u(body + string_offset, 1) != 0) {
      return fail("BTF string section must start with an empty string (a NUL byte)", 16);
    }
    if (in_.u(body + string_offset + string_length - 1, 1) != 0) {
      return fail("BTF string section does not end with a NUL byte", 16);
    }
    const auto string_bytes = in_.span(body + string_offset, string_length);
    strings.assign(reinterpret_cast<const char*>(string_bytes.data()), string_bytes.size());
    strings_ = &strings;

    types.clear();
    types.emplace_back();  // type 0: void
    offsets_.push_back(0);
    std::uint64_t at = body + type_offset;
    const std::uint64_t end = at + type_length;
    while (at < end) {
      BtfType type;
      Status status = read_type(at, end, type);
      if (!status) return std::move(status).error();
      types.push_back(std::move(type));
    }
    types_ = &types;
    XBPF_TRY(check_references());
    return check_chains();
  }

 private:
  Error fail(std::string message, std::uint64_t offset) const {
    Location where;
    where.byte_offset = static_cast<std::size_t>(offset);
    return make_error(std::move(message), std::move(where));
  }

  std::string which(std::uint32_t id) const { return "BTF type " + std::to_string(id); }

  // A name from the string section.
  Result<std::string> name_at(std::uint32_t offset, std::uint32_t id, std::uint64_t at,
                              std::string_view what) const {
    if (offset >= strings_->size()) {
      return fail(which(id) + ": " + std::string(what) + " name offset " + std::to_string(offset) +
                      " is outside the string section (" + std::to_string(strings_->size()) +
                      " bytes)",
                  at);
    }
    return std::string(strings_->c_str() + offset);
  }

  Status read_type(std::uint64_t& at, std::uint64_t end, BtfType& type) {
    const auto id = static_cast<std::uint32_t>(offsets_.size());
    const std::uint64_t start = at;
    if (end - at < kTypeSize) {
      return fail(which(id) + ": truncated type record (" + std::to_string(end - at) +
                      " bytes left in the type section, expected 12)",
                  at);
    }
    const std::uint32_t name_offset = in_.u32(at);
    const std::uint32_t info = in_.u32(at + 4);
    const std::uint32_t size_or_type = in_.u32(at + 8);
    at += kTypeSize;
    offsets_.push_back(start);
    const std::uint32_t vlen = info & 0xffff;
    const std::uint32_t kind_number = (info >> 24) & 0x1f;
    if ((info & 0x60ff0000U) != 0) {
      return fail(which(id) + ": reserved bits of info " + to_hex(info) + " are set", start + 4);
    }
    if (kind_number == 0 || kind_number > static_cast<std::uint32_t>(BtfKind::enum64)) {
      return fail(which(id) + ": unknown kind " + std::to_string(kind_number), start + 4);
    }
    type.kind = static_cast<BtfKind>(kind_number);
    type.kind_flag = (info >> 31) != 0;
    Result<std::string> name = name_at(name_offset, id, start, kind_name(type.kind));
    if (!name) return std::move(name).error();
    type.name = std::move(*name);
    const std::string what = which(id) + " (" + std::string(kind_name(type.kind)) +
                             (type.name.empty() ? "" : " '" + type.name + "'") + ")";

    // The bytes that follow the record: vlen entries of `entry` bytes, or one fixed part.
    auto extra = [&](std::uint64_t count, std::uint64_t entry) -> Status {
      if (count * entry > end - at) {
        return fail(what + ": " + std::to_string(count) + " entries of " + std::to_string(entry) +
                        " bytes run past the end of the type section",
                    start);
      }
      return {};
    };
    auto no_vlen = [&]() -> Status {
      if (vlen != 0)
        return fail(what + ": vlen must be 0, found " + std::to_string(vlen), start + 4);
      return {};
    };

    switch (type.kind) {
      case BtfKind::void_: break;
      case BtfKind::integer: {
        XBPF_TRY(no_vlen());
        XBPF_TRY(extra(1, 4));
        const std::uint32_t data = in_.u32(at);
        at += 4;
        type.size = size_or_type;
        type.int_encoding = (data >> 24) & 0xf;
        type.int_offset = (data >> 16) & 0xff;
        type.int_bits = data & 0xff;
        if (type.int_bits > 128 || type.size > 16 ||
            type.int_offset + type.int_bits > type.size * 8) {
          return fail(what + ": " + std::to_string(type.int_bits) + " bits at bit " +
                          std::to_string(type.int_offset) + " do not fit its " +
                          std::to_string(type.size) + " bytes",
                      start);
        }
        break;
      }
      case BtfKind::pointer:
      case BtfKind::typedef_:
      case BtfKind::volatile_:
      case BtfKind::const_:
      case BtfKind::restrict:
      case BtfKind::type_tag:
        XBPF_TRY(no_vlen());
        type.type = size_or_type;
        break;
      case BtfKind::forward: XBPF_TRY(no_vlen()); break;
      case BtfKind::array:
        XBPF_TRY(no_vlen());
        XBPF_TRY(extra(1, 12));
        type.array_element = in_.u32(at);
        type.array_index = in_.u32(at + 4);
        type.array_count = in_.u32(at + 8);
        at += 12;
        break;
      case BtfKind::struct_:
      case BtfKind::union_:
        type.size = size_or_type;
        XBPF_TRY(extra(vlen, 12));
        for (std::uint32_t i = 0; i < vlen; ++i, at += 12) {
          BtfMember member;
          Result<std::string> member_name = name_at(in_.u32(at), id, at, "member");
          if (!member_name) return std::move(member_name).error();
          member.name = std::move(*member_name);
          member.type = in_.u32(at + 4);
          const std::uint32_t offset = in_.u32(at + 8);
          if (type.kind_flag) {
            member.bit_offset = offset & 0xffffff;
            member.bitfield_size = offset >> 24;
          } else {
            member.bit_offset = offset;
          }
          type.members.push_back(std::move(member));
        }
        break;
      case BtfKind::enum_:
        type.size = size_or_type;
        XBPF_TRY(extra(vlen, 8));
        for (std::uint32_t i = 0; i < vlen; ++i, at += 8) {
          BtfEnumValue value;
          Result<std::string> value_name = name_at(in_.u32(at), id, at, "enumerator");
          if (!value_name) return std::move(value_name).error();
          value.name = std::move(*value_name);
          const std::uint32_t raw = in_.u32(at + 4);
          value.value = type.kind_flag ? static_cast<std::int64_t>(static_cast<std::int32_t>(raw))
                                       : static_cast<std::int64_t>(raw);
          type.values.push_back(std::move(value));
        }
        break;
      case BtfKind::enum64:
        type.size = size_or_type;
        XBPF_TRY(extra(vlen, 12));
        for (std::uint32_t i = 0; i < vlen; ++i, at += 12) {
          BtfEnumValue value;
          Result<std::string> value_name = name_at(in_.u32(at), id, at, "enumerator");
          if (!value_name) return std::move(value_name).error();
          value.name = std::move(*value_name);
          value.value = static_cast<std::int64_t>(
              in_.u32(at + 4) | (static_cast<std::uint64_t>(in_.u32(at + 8)) << 32));
          type.values.push_back(std::move(value));
        }
        break;
      case BtfKind::function:
        type.type = size_or_type;
        type.linkage = vlen;
        if (vlen > 2) {
          return fail(
              what + ": linkage " + std::to_string(vlen) + " is not static, global or extern",
              start + 4);
        }
        break;
      case BtfKind::function_proto:
        type.type = size_or_type;
        XBPF_TRY(extra(vlen, 8));
        for (std::uint32_t i = 0; i < vlen; ++i, at += 8) {
          BtfParam param;
          Result<std::string> param_name = name_at(in_.u32(at), id, at, "parameter");
          if (!param_name) return std::move(param_name).error();
          param.name = std::move(*param_name);
          param.type = in_.u32(at + 4);
          type.params.push_back(std::move(param));
        }
        break;
      case BtfKind::variable:
        XBPF_TRY(no_vlen());
        XBPF_TRY(extra(1, 4));
        type.type = size_or_type;
        type.linkage = in_.u32(at);
        at += 4;
        break;
      case BtfKind::datasec:
        type.size = size_or_type;
        XBPF_TRY(extra(vlen, 12));
        for (std::uint32_t i = 0; i < vlen; ++i, at += 12) {
          type.sections.push_back({in_.u32(at), in_.u32(at + 4), in_.u32(at + 8)});
        }
        break;
      case BtfKind::float_:
        XBPF_TRY(no_vlen());
        type.size = size_or_type;
        break;
      case BtfKind::decl_tag:
        XBPF_TRY(no_vlen());
        XBPF_TRY(extra(1, 4));
        type.type = size_or_type;
        type.component_index = static_cast<std::int32_t>(in_.u32(at));
        at += 4;
        break;
    }
    return {};
  }

  // Every type id a type names must exist; typedef and qualifier chains must end.
  Status check_references() const {
    const std::vector<BtfType>& types = *types_;
    const auto count = static_cast<std::uint32_t>(types.size());
    for (std::uint32_t id = 1; id < count; ++id) {
      const BtfType& type = types[id];
      auto check = [&](std::uint32_t target, std::string_view role) -> Status {
        if (target >= count) {
          return fail(which(id) + " (" + std::string(kind_name(type.kind)) +
                          (type.name.empty() ? "" : " '" + type.name + "'") +
                          "): " + std::string(role) + " refers to type " + std::to_string(target) +
                          ", but the BTF has types 0.." + std::to_string(count - 1),
                      offsets_[id]);
        }
        return {};
      };
      if (refers_to_type(type.kind)) XBPF_TRY(check(type.type, "its type"));
      if (type.kind == BtfKind::array) {
        XBPF_TRY(check(type.array_element, "its element type"));
        XBPF_TRY(check(type.array_index, "its index type"));
      }
      for (const BtfMember& member : type.members) {
        XBPF_TRY(check(member.type, "member '" + member.name + "'"));
      }
      for (const BtfParam& param : type.params) {
        XBPF_TRY(check(param.type, "parameter '" + param.name + "'"));
      }
      for (const BtfVarSecInfo& variable : type.sections) {
        XBPF_TRY(check(variable.type, "a variable"));
      }
      if (type.kind == BtfKind::function && types[type.type].kind != BtfKind::function_proto) {
        return fail(which(id) + " (func '" + type.name + "'): refers to type " +
                        std::to_string(type.type) + ", which is not a func_proto",
                    offsets_[id]);
      }
    }
    return {};
  }

  // Typedef and qualifier chains must end (check_references() made every link valid).
  Status check_chains() const {
    const std::vector<BtfType>& types = *types_;
    for (std::uint32_t id = 1; id < types.size(); ++id) {
      std::uint32_t at = id;
      int steps = 0;
      while (is_modifier(types[at].kind)) {
        if (++steps > kMaxChain) {
          return fail(which(id) + " (" + std::string(kind_name(types[id].kind)) +
                          "): the chain of typedefs and qualifiers is longer than " +
                          std::to_string(kMaxChain) + " (or loops)",
                      offsets_[id]);
        }
        at = types[at].type;
      }
    }
    return {};
  }

  ByteReader in_;
  const std::string* strings_ = nullptr;
  const std::vector<BtfType>* types_ = nullptr;
  std::vector<std::uint64_t> offsets_;  // byte offset of each type record in .BTF
};

}  // namespace

Result<Btf> Btf::parse(std::span<const std::uint8_t> bytes) {
  Btf btf;
  Parser parser(bytes);
  Status parsed = parser.parse(btf.types_, btf.strings_);
  if (!parsed) return std::move(parsed).error();
  return btf;
}

const BtfType* Btf::type(std::uint32_t id) const {
  return id < types_.size() ? &types_[id] : nullptr;
}

std::uint32_t Btf::resolve(std::uint32_t id) const {
  // Parsing guarantees the chain ends within kMaxChain steps.
  for (int steps = 0; steps <= kMaxChain && id < types_.size() && is_modifier(types_[id].kind);
       ++steps) {
    id = types_[id].type;
  }
  return id;
}

std::optional<std::uint64_t> Btf::size_of(std::uint32_t id) const {
  std::uint64_t multiplier = 1;
  for (int depth = 0; depth < kMaxChain * 2; ++depth) {
    const BtfType* t = type(resolve(id));
    if (t == nullptr) return std::nullopt;
    switch (t->kind) {
      case BtfKind::integer:
      case BtfKind::struct_:
      case BtfKind::union_:
      case BtfKind::enum_:
      case BtfKind::enum64:
      case BtfKind::datasec:
      case BtfKind::float_: {
        const std::uint64_t size = t->size;
        if (size != 0 && multiplier > UINT64_MAX / size) return std::nullopt;
        return size * multiplier;
      }
      case BtfKind::pointer:
        if (multiplier > UINT64_MAX / 8) return std::nullopt;
        return 8 * multiplier;
      case BtfKind::array:
        if (t->array_count != 0 && multiplier > UINT64_MAX / t->array_count) return std::nullopt;
        multiplier *= t->array_count;
        id = t->array_element;
        break;
      case BtfKind::variable: id = t->type; break;
      default: return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<std::uint32_t> Btf::find(BtfKind kind, std::string_view name) const {
  for (std::uint32_t id = 1; id < types_.size(); ++id) {
    if (types_[id].kind == kind && types_[id].name == name) return id;
  }
  return std::nullopt;
}

std::string_view Btf::string_at(std::uint32_t offset) const {
  if (offset >= strings_.size()) return {};
  return std::string_view(strings_.c_str() + offset);
}

namespace {

std::string describe_type(const Btf& btf, std::uint32_t id, int depth, int& budget) {
  const BtfType* t = btf.type(id);
  if (t == nullptr) return "<type " + std::to_string(id) + ">";
  if (depth > kMaxDescribeDepth || --budget < 0) return "...";
  auto named = [&](std::string_view keyword) {
    return std::string(keyword) + " " + (t->name.empty() ? "(anon)" : t->name);
  };
  switch (t->kind) {
    case BtfKind::void_: return "void";
    case BtfKind::integer:
    case BtfKind::float_:
    case BtfKind::typedef_: return t->name;
    case BtfKind::pointer: return describe_type(btf, t->type, depth + 1, budget) + " *";
    case BtfKind::array:
      return describe_type(btf, t->array_element, depth + 1, budget) + "[" +
             std::to_string(t->array_count) + "]";
    case BtfKind::struct_: return named("struct");
    case BtfKind::union_: return named("union");
    case BtfKind::enum_:
    case BtfKind::enum64: return named("enum");
    case BtfKind::forward: return named(t->kind_flag ? "union" : "struct");
    case BtfKind::volatile_: return "volatile " + describe_type(btf, t->type, depth + 1, budget);
    case BtfKind::const_: return "const " + describe_type(btf, t->type, depth + 1, budget);
    case BtfKind::restrict: return "restrict " + describe_type(btf, t->type, depth + 1, budget);
    case BtfKind::type_tag: return describe_type(btf, t->type, depth + 1, budget);
    case BtfKind::function: return "func " + t->name;
    case BtfKind::function_proto: {
      std::string text = describe_type(btf, t->type, depth + 1, budget) + " (";
      for (std::size_t i = 0; i < t->params.size(); ++i) {
        if (i != 0) text += ", ";
        if (budget < 0) {
          text += "...";
          break;
        }
        text += t->params[i].type == 0 ? "..."
                                       : describe_type(btf, t->params[i].type, depth + 1, budget);
      }
      return text + ")";
    }
    case BtfKind::variable: return "var " + t->name;
    case BtfKind::datasec: return "datasec " + t->name;
    case BtfKind::decl_tag: return "decl_tag " + t->name;
  }
  return "?";
}

}  // namespace

std::string Btf::describe(std::uint32_t id) const {
  int budget = kMaxDescribeNodes;
  return describe_type(*this, id, 0, budget);
}

}  // namespace xbpf::object
