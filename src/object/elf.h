// ELF64 little-endian reader with a bounds check on every offset and size. The object model
// (programs, maps, relocations applied) is built on top of it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/error.h"

namespace xbpf::object {

inline constexpr std::uint16_t kMachineBpf = 247;  // EM_BPF
inline constexpr std::uint16_t kMachineNone = 0;   // EM_NONE, as old LLVM wrote

inline constexpr std::uint32_t kSectionProgbits = 1;  // SHT_PROGBITS
inline constexpr std::uint32_t kSectionSymtab = 2;    // SHT_SYMTAB
inline constexpr std::uint32_t kSectionStrtab = 3;    // SHT_STRTAB
inline constexpr std::uint32_t kSectionRela = 4;      // SHT_RELA
inline constexpr std::uint32_t kSectionNobits = 8;    // SHT_NOBITS
inline constexpr std::uint32_t kSectionRel = 9;       // SHT_REL
inline constexpr std::uint64_t kFlagWrite = 0x1;      // SHF_WRITE
inline constexpr std::uint64_t kFlagAlloc = 0x2;      // SHF_ALLOC
inline constexpr std::uint64_t kFlagExec = 0x4;       // SHF_EXECINSTR

inline constexpr std::uint8_t kSymbolNoType = 0;   // STT_NOTYPE
inline constexpr std::uint8_t kSymbolObject = 1;   // STT_OBJECT
inline constexpr std::uint8_t kSymbolFunc = 2;     // STT_FUNC
inline constexpr std::uint8_t kSymbolSection = 3;  // STT_SECTION
inline constexpr std::uint8_t kBindLocal = 0;
inline constexpr std::uint8_t kBindGlobal = 1;
inline constexpr std::uint8_t kBindWeak = 2;

struct ElfSection {
  std::size_t index = 0;
  std::string name;
  std::uint32_t type = 0;
  std::uint64_t flags = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint32_t link = 0;
  std::uint32_t info = 0;
  std::uint64_t alignment = 0;
  std::uint64_t entry_size = 0;
  std::span<const std::uint8_t> data;  // empty for SHT_NOBITS

  [[nodiscard]] bool executable() const { return (flags & kFlagExec) != 0; }
};

struct ElfSymbol {
  std::size_t index = 0;
  std::string name;
  std::uint64_t value = 0;
  std::uint64_t size = 0;
  std::uint8_t type = 0;
  std::uint8_t bind = 0;
  std::uint8_t visibility = 0;  // STV_DEFAULT (0), STV_INTERNAL (1), STV_HIDDEN (2), ...
  std::uint16_t section = 0;    // SHN_UNDEF (0), a section index, or a reserved index
};

struct ElfRelocation {
  std::uint64_t offset = 0;  // within the section the relocations apply to
  std::uint32_t type = 0;
  std::uint32_t symbol = 0;  // index into symbols()
  std::int64_t addend = 0;
};

class ElfFile {
 public:
  // Parses and checks the headers, section table, names and symbol table.
  static Result<ElfFile> parse(std::vector<std::uint8_t> bytes, std::string file_name);

  [[nodiscard]] const std::string& file_name() const { return file_name_; }
  [[nodiscard]] std::uint16_t machine() const { return machine_; }
  [[nodiscard]] const std::vector<ElfSection>& sections() const { return sections_; }
  [[nodiscard]] const std::vector<ElfSymbol>& symbols() const { return symbols_; }
  [[nodiscard]] const ElfSection* find_section(std::string_view name) const;

  // The relocations that apply to section `target` (from its SHT_REL / SHT_RELA sections).
  [[nodiscard]] Result<std::vector<ElfRelocation>> relocations_for(std::size_t target) const;

  // Location for errors about this file.
  [[nodiscard]] Location where(std::string_view section = {}) const;

 private:
  std::shared_ptr<const std::vector<std::uint8_t>> bytes_;
  std::string file_name_;
  std::uint16_t machine_ = 0;
  std::vector<ElfSection> sections_;
  std::vector<ElfSymbol> symbols_;
};

// True when the bytes start with the ELF magic.
bool is_elf(std::span<const std::uint8_t> bytes);

}  // namespace xbpf::object
