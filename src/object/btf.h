// BTF (BPF Type Format, Documentation/bpf/btf.rst) and BTF.ext (function info, line info and
// CO-RE relocation records), read with bounds checks on every offset and size.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/error.h"

namespace xbpf::object {

enum class BtfKind : std::uint8_t {
  void_ = 0,  // type id 0
  integer = 1,
  pointer = 2,
  array = 3,
  struct_ = 4,
  union_ = 5,
  enum_ = 6,
  forward = 7,
  typedef_ = 8,
  volatile_ = 9,
  const_ = 10,
  restrict = 11,
  function = 12,
  function_proto = 13,
  variable = 14,
  datasec = 15,
  float_ = 16,
  decl_tag = 17,
  type_tag = 18,
  enum64 = 19,
};

struct BtfMember {
  std::string name;
  std::uint32_t type = 0;
  std::uint32_t bit_offset = 0;     // within the struct
  std::uint32_t bitfield_size = 0;  // 0 unless a bitfield (kind_flag structs)
};

struct BtfEnumValue {
  std::string name;
  std::int64_t value = 0;
};

struct BtfParam {
  std::string name;
  std::uint32_t type = 0;
};

struct BtfVarSecInfo {
  std::uint32_t type = 0;  // a VAR (or FUNC for .ksyms)
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

struct BtfType {
  BtfKind kind = BtfKind::void_;
  std::string name;
  bool kind_flag = false;
  std::uint32_t size = 0;  // int, struct, union, enum, datasec, float
  std::uint32_t type = 0;  // pointer, typedef, qualifiers, func, var, decl_tag: the referred type
  // int
  std::uint32_t int_encoding = 0, int_offset = 0, int_bits = 0;
  // array
  std::uint32_t array_element = 0, array_index = 0, array_count = 0;
  std::vector<BtfMember> members;       // struct, union
  std::vector<BtfEnumValue> values;     // enum, enum64
  std::vector<BtfParam> params;         // func_proto
  std::uint32_t linkage = 0;            // var, func
  std::vector<BtfVarSecInfo> sections;  // datasec
  std::int32_t component_index = -1;    // decl_tag
};

class Btf {
 public:
  static Result<Btf> parse(std::span<const std::uint8_t> bytes);

  // Type 0 is void; ids run from 1 to size() - 1.
  [[nodiscard]] std::size_t size() const { return types_.size(); }
  [[nodiscard]] const BtfType* type(std::uint32_t id) const;
  // Follows typedefs and qualifiers (const, volatile, restrict, type tags).
  [[nodiscard]] std::uint32_t resolve(std::uint32_t id) const;
  // The size in bytes of a type (following typedefs; arrays multiply), or nullopt.
  [[nodiscard]] std::optional<std::uint64_t> size_of(std::uint32_t id) const;
  [[nodiscard]] std::optional<std::uint32_t> find(BtfKind kind, std::string_view name) const;
  // A readable name: "struct xdp_md", "int", "unsigned int *".
  [[nodiscard]] std::string describe(std::uint32_t id) const;
  [[nodiscard]] std::string_view string_at(std::uint32_t offset) const;

 private:
  std::vector<BtfType> types_;
  std::string strings_;
};

// One line_info record, with its strings resolved.
struct LineInfo {
  std::uint32_t instruction = 0;  // slot within the section
  std::string file;
  std::string source;  // the C source line as BTF recorded it
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

struct FuncInfo {
  std::uint32_t instruction = 0;  // slot within the section
  std::uint32_t type = 0;         // a BTF FUNC
};

// enum bpf_core_relo_kind
enum class CoreKind : std::uint32_t {
  field_byte_offset = 0,
  field_byte_size = 1,
  field_exists = 2,
  field_signed = 3,
  field_lshift_u64 = 4,
  field_rshift_u64 = 5,
  type_id_local = 6,
  type_id_target = 7,
  type_exists = 8,
  type_size = 9,
  enumval_exists = 10,
  enumval_value = 11,
  type_matches = 12,
};

struct CoreRelocation {
  std::uint32_t instruction = 0;  // slot within the section
  std::uint32_t type = 0;         // local BTF type id of the root type
  std::string access;             // "0:1:2" access string
  CoreKind kind = CoreKind::field_byte_offset;
};

// BTF.ext, per section name.
struct BtfExtSection {
  std::string section;
  std::vector<FuncInfo> functions;
  std::vector<LineInfo> lines;
  std::vector<CoreRelocation> core;
};

Result<std::vector<BtfExtSection>> parse_btf_ext(std::span<const std::uint8_t> bytes,
                                                 const Btf& btf);

}  // namespace xbpf::object
