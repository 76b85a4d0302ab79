// read_object: the loader's steps in order, and the small sections (license, version).
#include <algorithm>

#include "object/loader.h"
#include "support/text.h"

namespace xbpf::object {

const Program* Object::find_program(std::string_view name) const {
  for (const Program& program : programs) {
    if (program.name == name) return &program;
  }
  return nullptr;
}

std::optional<std::size_t> Object::find_map(std::string_view name) const {
  for (std::size_t i = 0; i < maps.size(); ++i) {
    if (maps[i].name == name) return i;
  }
  return std::nullopt;
}

namespace detail {

std::string relocation_name(std::uint32_t type) {
  switch (type) {
    case kRelocNone: return "R_BPF_NONE";
    case kReloc64_64: return "R_BPF_64_64";
    case kRelocAbs64: return "R_BPF_64_ABS64";
    case kRelocAbs32: return "R_BPF_64_ABS32";
    case kRelocNodyld32: return "R_BPF_64_NODYLD32";
    case kReloc64_32: return "R_BPF_64_32";
    default: return "relocation type " + std::to_string(type);
  }
}

Error Loader::error(std::string message, std::string_view section,
                    std::optional<std::uint64_t> byte_offset) const {
  Location where = elf_.where(section);
  if (byte_offset) where.byte_offset = static_cast<std::size_t>(*byte_offset);
  return make_error(std::move(message), std::move(where));
}

const ElfSymbol* Loader::symbol(std::uint32_t index) const {
  return index < elf_.symbols().size() ? &elf_.symbols()[index] : nullptr;
}

Status Loader::check_symbol_section(const ElfSymbol& symbol, std::string_view section) const {
  constexpr std::uint16_t kReservedIndexes = 0xff00;  // SHN_LORESERVE
  if (symbol.section != 0 && symbol.section < kReservedIndexes &&
      symbol.section >= elf_.sections().size()) {
    return error("symbol '" + symbol.name + "' (symbol " + std::to_string(symbol.index) +
                     ") is in section " + std::to_string(symbol.section) + ", but the object has " +
                     std::to_string(elf_.sections().size()) + " sections",
                 section);
  }
  if (symbol.section >= kReservedIndexes) {
    return error("symbol '" + symbol.name + "' (symbol " + std::to_string(symbol.index) +
                     ") is in reserved section index " + to_hex(symbol.section) +
                     ", expected a section of the object",
                 section);
  }
  return {};
}

Status Loader::read_license_and_version() {
  if (const ElfSection* license = elf_.find_section("license")) {
    // Up to the first NUL (a NOBITS or empty section gives an empty license).
    const std::span<const std::uint8_t> bytes = license->data;
    const auto end = std::find(bytes.begin(), bytes.end(), std::uint8_t{0});
    object_.license.assign(bytes.begin(), end);
  }
  if (const ElfSection* version = elf_.find_section("version")) {
    if (version->data.size() != 4) {
      return error("the version section holds " + std::to_string(version->data.size()) +
                       " bytes, expected 4 (a u32 kernel version)",
                   version->name);
    }
    const auto& bytes = version->data;
    object_.kernel_version =
        static_cast<std::uint32_t>(bytes[0]) | static_cast<std::uint32_t>(bytes[1]) << 8 |
        static_cast<std::uint32_t>(bytes[2]) << 16 | static_cast<std::uint32_t>(bytes[3]) << 24;
  }
  return {};
}

Status Loader::load() {
  XBPF_TRY(read_license_and_version());
  XBPF_TRY(read_btf());
  // Maps first: code relocations name them by index.
  XBPF_TRY(read_legacy_maps());
  XBPF_TRY(read_btf_maps());
  XBPF_TRY(read_global_data());
  XBPF_TRY(read_functions());
  XBPF_TRY(read_initial_values());
  XBPF_TRY(decode_sections());
  XBPF_TRY(apply_core_relocations());
  XBPF_TRY(relocate_code());
  return link_programs();
}

}  // namespace detail

Result<Object> read_object(std::vector<std::uint8_t> bytes, std::string file_name,
                           const LoadObjectOptions& options) {
  Result<ElfFile> elf = ElfFile::parse(std::move(bytes), file_name);
  if (!elf) return std::move(elf).error();
  Object object;
  object.file = std::move(file_name);
  detail::Loader loader(*elf, options, object);
  XBPF_TRY(loader.load());
  return object;
}

}  // namespace xbpf::object
