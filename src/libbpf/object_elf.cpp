// libbpf's reading of programs and kconfig externs (bpf_object__add_programs,
// bpf_object__collect_externs in libbpf 1.1).
#include "libbpf/object_elf.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "libbpf/abi.h"

namespace xbpf::libbpf {

namespace {

Error unsupported(std::string message) {
  Error error = make_error(std::move(message));
  error.linux_errno = ENOTSUP;
  return error;
}

// find_kcfg_type: bool, char, integers of 1, 2, 4 or 8 bytes, enum libbpf_tristate, char
// arrays.
bool kconfig_type(const btf& types, std::uint32_t id, bool char_only = false) {
  const btf_type* type = btf__type_by_id(&types, id);
  while (type != nullptr && (btf_is_mod(type) || btf_is_typedef(type))) {
    type = btf__type_by_id(&types, type->type);
  }
  if (type == nullptr) return false;
  if (btf_is_int(type)) {
    if ((btf_int_encoding(type) & BTF_INT_BOOL) != 0) return !char_only && type->size == 1;
    if (char_only) return type->size == 1;
    return type->size == 1 || type->size == 2 || type->size == 4 || type->size == 8;
  }
  if (char_only) return false;
  if (btf_is_any_enum(type)) {
    return std::strcmp(btf__name_by_offset(&types, type->name_off), "libbpf_tristate") == 0 &&
           (btf_is_enum64(type) || type->size == 4);
  }
  if (btf_is_array(type)) {
    return btf_array(type)->nelems != 0 && kconfig_type(types, btf_array(type)->type, true);
  }
  return false;
}

struct KconfigExtern {
  std::uint32_t var = 0;  // BTF id of its VAR
  std::string name;
  std::int64_t size = 0;
  int align = 0;
  std::uint32_t offset = 0;
};

}  // namespace

Result<std::vector<std::string>> libbpf_programs(const object::ElfFile& elf) {
  const std::vector<object::ElfSection>& sections = elf.sections();
  struct Found {
    std::size_t section;
    std::uint64_t offset;
    std::string name;
    bool text;
  };
  std::vector<Found> found;
  for (const object::ElfSymbol& symbol : elf.symbols()) {
    if (symbol.type != object::kSymbolFunc || symbol.section == 0 ||
        symbol.section >= sections.size()) {
      continue;
    }
    const object::ElfSection& section = sections[symbol.section];
    if (!section.executable() || section.type != object::kSectionProgbits || section.data.empty()) {
      continue;
    }
    const bool text = section.name == ".text";
    if (!text && symbol.bind == object::kBindLocal) {
      return unsupported("sec '" + section.name + "': program '" + symbol.name +
                         "' is static and not supported");
    }
    found.push_back({section.index, symbol.value, symbol.name, text});
  }
  std::stable_sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return a.section != b.section ? a.section < b.section : a.offset < b.offset;
  });
  std::vector<std::string> names;
  for (const Found& program : found) {
    if (!program.text || found.size() == 1) names.push_back(program.name);
  }
  return names;
}

Result<std::uint32_t> layout_kconfig(btf& types) {
  const __s32 section_id = btf__find_by_name_kind(&types, ".kconfig", BTF_KIND_DATASEC);
  if (section_id <= 0) return std::uint32_t{0};
  std::vector<KconfigExtern> externs;
  {
    const btf_type* section = btf__type_by_id(&types, static_cast<std::uint32_t>(section_id));
    const btf_var_secinfo* infos = btf_var_secinfos(section);
    for (std::uint32_t i = 0; i < btf_vlen(section); ++i) {
      const btf_type* variable = btf__type_by_id(&types, infos[i].type);
      if (variable == nullptr || !btf_is_var(variable)) {
        return unsupported("extern function in .kconfig is unsupported");
      }
      KconfigExtern entry;
      entry.var = infos[i].type;
      entry.name = btf__name_by_offset(&types, variable->name_off);
      entry.size = btf__resolve_size(&types, variable->type);
      entry.align = btf__align_of(&types, variable->type);
      if (entry.size <= 0 || entry.align <= 0) {
        Error error = make_error("failed to resolve size of extern (kcfg) '" + entry.name + "'");
        error.linux_errno = EINVAL;
        return error;
      }
      if (!kconfig_type(types, variable->type)) {
        return unsupported("extern (kcfg) '" + entry.name + "': type is unsupported");
      }
      externs.push_back(std::move(entry));
    }
  }
  std::sort(externs.begin(), externs.end(), [](const KconfigExtern& a, const KconfigExtern& b) {
    if (a.align != b.align) return a.align > b.align;
    if (a.size != b.size) return a.size < b.size;
    return a.name < b.name;
  });
  std::uint64_t end = 0;
  for (KconfigExtern& entry : externs) {
    const auto align = static_cast<std::uint64_t>(entry.align);
    entry.offset = static_cast<std::uint32_t>((end + align - 1) / align * align);
    end = entry.offset + static_cast<std::uint64_t>(entry.size);
  }
  btf_type* section = types.own_type(static_cast<std::uint32_t>(section_id));
  section->size = static_cast<std::uint32_t>(end);
  btf_var_secinfo* infos = btf_var_secinfos(section);
  for (std::uint32_t i = 0; i < btf_vlen(section); ++i) {
    const auto entry = std::find_if(externs.begin(), externs.end(),
                                    [&](const KconfigExtern& e) { return e.var == infos[i].type; });
    infos[i].offset = entry->offset;
    btf_var(types.own_type(infos[i].type))->linkage = BTF_VAR_GLOBAL_ALLOCATED;
  }
  return static_cast<std::uint32_t>(end);
}

}  // namespace xbpf::libbpf
