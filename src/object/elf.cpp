#include "object/elf.h"

#include <algorithm>
#include <cstring>

#include "support/text.h"

namespace xbpf::object {
namespace {

// Little-endian field reads from a bounds-checked span.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  [[nodiscard]] bool has(std::uint64_t offset, std::uint64_t size) const {
    return offset <= bytes_.size() && size <= bytes_.size() - offset;
  }
  [[nodiscard]] std::uint64_t u(std::uint64_t offset, int size) const {
    std::uint64_t value = 0;
    for (int i = size - 1; i >= 0; --i) {
      value = (value << 8) | bytes_[static_cast<std::size_t>(offset) + static_cast<std::size_t>(i)];
    }
    return value;
  }
  [[nodiscard]] std::span<const std::uint8_t> span(std::uint64_t offset, std::uint64_t size) const {
    return bytes_.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(size));
  }

 private:
  std::span<const std::uint8_t> bytes_;
};

// A NUL-terminated name at `offset` in a string table.
Result<std::string> string_at(std::span<const std::uint8_t> table, std::uint64_t offset,
                              const Location& where, std::string_view what) {
  if (offset >= table.size()) {
    return make_error(std::string(what) + " name offset " + std::to_string(offset) +
                          " is outside its string table (" + std::to_string(table.size()) +
                          " bytes)",
                      where);
  }
  const auto* start = table.data() + offset;
  const void* end = std::memchr(start, 0, table.size() - static_cast<std::size_t>(offset));
  if (end == nullptr) {
    return make_error(
        std::string(what) + " name at offset " + std::to_string(offset) + " is not NUL-terminated",
        where);
  }
  return std::string(reinterpret_cast<const char*>(start),
                     static_cast<std::size_t>(static_cast<const std::uint8_t*>(end) - start));
}

}  // namespace

bool is_elf(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' &&
         bytes[3] == 'F';
}

Location ElfFile::where(std::string_view section) const {
  Location location;
  location.file = file_name_;
  location.section = std::string(section);
  return location;
}

const ElfSection* ElfFile::find_section(std::string_view name) const {
  for (const ElfSection& section : sections_) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

Result<ElfFile> ElfFile::parse(std::vector<std::uint8_t> bytes, std::string file_name) {
  ElfFile file;
  file.file_name_ = std::move(file_name);
  file.bytes_ = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
  const Reader in(*file.bytes_);
  auto fail = [&](std::string message, std::optional<std::uint64_t> offset = std::nullopt,
                  std::string_view section = {}) {
    Location location = file.where(section);
    if (offset) location.byte_offset = static_cast<std::size_t>(*offset);
    return make_error(std::move(message), location);
  };

  constexpr std::uint64_t kHeaderSize = 64;
  if (!is_elf(*file.bytes_)) return fail("not an ELF file (bad magic)", 0);
  if (!in.has(0, kHeaderSize)) {
    return fail("truncated ELF header: " + std::to_string(file.bytes_->size()) +
                    " bytes, expected at least 64",
                0);
  }
  if (in.u(4, 1) != 2)
    return fail("not a 64-bit ELF file (class " + std::to_string(in.u(4, 1)) + ", expected 2)", 4);
  if (in.u(5, 1) != 1)
    return fail("not a little-endian ELF file (data encoding " + std::to_string(in.u(5, 1)) +
                    ", expected 1)",
                5);
  file.machine_ = static_cast<std::uint16_t>(in.u(18, 2));
  // Old LLVM wrote EM_NONE (0); libbpf accepts it, and so does xbpf.
  if (file.machine_ != kMachineBpf && file.machine_ != kMachineNone) {
    return fail("not a BPF object (e_machine " + std::to_string(file.machine_) +
                    ", expected 247 EM_BPF, or 0 EM_NONE as old LLVM wrote)",
                18);
  }
  const std::uint64_t shoff = in.u(40, 8);
  const std::uint64_t shentsize = in.u(58, 2);
  const std::uint64_t shnum = in.u(60, 2);
  const std::uint64_t shstrndx = in.u(62, 2);
  if (shnum == 0) return file;  // no sections: nothing to load, but well-formed
  if (shentsize != 64)
    return fail("section header size " + std::to_string(shentsize) + ", expected 64", 58);
  if (!in.has(shoff, shnum * shentsize)) {
    return fail("section header table (" + std::to_string(shnum) + " entries at " + to_hex(shoff) +
                    ") runs past the end of the file (" + std::to_string(file.bytes_->size()) +
                    " bytes)",
                40);
  }
  if (shstrndx >= shnum) {
    return fail("section name table index " + std::to_string(shstrndx) + " is out of range (" +
                    std::to_string(shnum) + " sections)",
                62);
  }

  file.sections_.resize(static_cast<std::size_t>(shnum));
  for (std::size_t i = 0; i < shnum; ++i) {
    const std::uint64_t at = shoff + i * shentsize;
    ElfSection& section = file.sections_[i];
    section.index = i;
    section.type = static_cast<std::uint32_t>(in.u(at + 4, 4));
    section.flags = in.u(at + 8, 8);
    section.offset = in.u(at + 24, 8);
    section.size = in.u(at + 32, 8);
    section.link = static_cast<std::uint32_t>(in.u(at + 40, 4));
    section.info = static_cast<std::uint32_t>(in.u(at + 44, 4));
    section.alignment = in.u(at + 48, 8);
    section.entry_size = in.u(at + 56, 8);
    if (section.type != kSectionNobits && section.type != 0) {
      if (!in.has(section.offset, section.size)) {
        return fail("section " + std::to_string(i) + " (" + std::to_string(section.size) +
                        " bytes at " + to_hex(section.offset) +
                        ") runs past the end of the file (" + std::to_string(file.bytes_->size()) +
                        " bytes)",
                    at + 24);
      }
      section.data = in.span(section.offset, section.size);
    }
  }
  const ElfSection& names = file.sections_[static_cast<std::size_t>(shstrndx)];
  if (names.type != kSectionStrtab) {
    return fail("section name table (section " + std::to_string(shstrndx) +
                ") is not a string table");
  }
  for (ElfSection& section : file.sections_) {
    Result<std::string> name = string_at(names.data, in.u(shoff + section.index * shentsize, 4),
                                         file.where(), "section " + std::to_string(section.index));
    if (!name) return std::move(name).error();
    section.name = std::move(*name);
  }
  // No two sections share bytes of the file, and none overlaps the headers.
  std::vector<const ElfSection*> placed;
  for (const ElfSection& section : file.sections_) {
    if (section.type != kSectionNobits && section.type != 0 && section.size != 0) {
      placed.push_back(&section);
    }
  }
  std::sort(placed.begin(), placed.end(),
            [](const ElfSection* a, const ElfSection* b) { return a->offset < b->offset; });
  auto range = [](std::uint64_t offset, std::uint64_t size) {
    return to_hex(offset) + ".." + to_hex(offset + size - 1);
  };
  auto describe = [](const ElfSection& section) {
    return "section " + std::to_string(section.index) + " (" + section.name + ")";
  };
  for (std::size_t i = 0; i < placed.size(); ++i) {
    const ElfSection& section = *placed[i];
    if (section.offset < kHeaderSize) {
      return fail(describe(section) + " (bytes " + range(section.offset, section.size) +
                      ") overlaps the ELF header",
                  shoff + section.index * shentsize + 24);
    }
    if (section.offset < shoff + shnum * shentsize && shoff < section.offset + section.size) {
      return fail(describe(section) + " (bytes " + range(section.offset, section.size) +
                      ") overlaps the section header table (bytes " +
                      range(shoff, shnum * shentsize) + ")",
                  shoff + section.index * shentsize + 24);
    }
    if (i > 0 && placed[i - 1]->offset + placed[i - 1]->size > section.offset) {
      const ElfSection& previous = *placed[i - 1];
      return fail(describe(previous) + " (bytes " + range(previous.offset, previous.size) +
                      ") and " + describe(section) + " (bytes " +
                      range(section.offset, section.size) + ") overlap",
                  shoff + section.index * shentsize + 24);
    }
  }

  // The symbol table (an object has at most one).
  for (const ElfSection& section : file.sections_) {
    if (section.type != kSectionSymtab) continue;
    if (section.entry_size != 24 || section.size % 24 != 0) {
      return fail("symbol table entry size " + std::to_string(section.entry_size) + " and size " +
                      std::to_string(section.size) + " do not fit 24-byte entries",
                  std::nullopt, section.name);
    }
    if (section.link >= file.sections_.size() ||
        file.sections_[section.link].type != kSectionStrtab) {
      return fail("symbol table links to section " + std::to_string(section.link) +
                      ", which is not a string table",
                  std::nullopt, section.name);
    }
    const std::span<const std::uint8_t> strings = file.sections_[section.link].data;
    const Reader table(section.data);
    for (std::size_t i = 0; i < section.size / 24; ++i) {
      const std::uint64_t at = i * 24;
      ElfSymbol symbol;
      symbol.index = i;
      const auto info = static_cast<std::uint8_t>(table.u(at + 4, 1));
      symbol.type = info & 0xf;
      symbol.bind = static_cast<std::uint8_t>(info >> 4);
      symbol.visibility = static_cast<std::uint8_t>(table.u(at + 5, 1) & 0x3);
      symbol.section = static_cast<std::uint16_t>(table.u(at + 6, 2));
      symbol.value = table.u(at + 8, 8);
      symbol.size = table.u(at + 16, 8);
      Result<std::string> name = string_at(strings, table.u(at, 4), file.where(section.name),
                                           "symbol " + std::to_string(i));
      if (!name) return std::move(name).error();
      symbol.name = std::move(*name);
      if (symbol.type == kSymbolSection && symbol.name.empty() &&
          symbol.section < file.sections_.size()) {
        symbol.name = file.sections_[symbol.section].name;
      }
      file.symbols_.push_back(std::move(symbol));
    }
    break;
  }
  return file;
}

Result<std::vector<ElfRelocation>> ElfFile::relocations_for(std::size_t target) const {
  std::vector<ElfRelocation> relocations;
  for (const ElfSection& section : sections_) {
    if ((section.type != kSectionRel && section.type != kSectionRela) || section.info != target)
      continue;
    const bool rela = section.type == kSectionRela;
    const std::uint64_t entry = rela ? 24 : 16;
    if (section.size % entry != 0) {
      return make_error("relocation section size " + std::to_string(section.size) +
                            " is not a multiple of " + std::to_string(entry),
                        where(section.name));
    }
    const Reader table(section.data);
    for (std::uint64_t at = 0; at < section.size; at += entry) {
      ElfRelocation relocation;
      relocation.offset = table.u(at, 8);
      const std::uint64_t info = table.u(at + 8, 8);
      relocation.type = static_cast<std::uint32_t>(info & 0xffffffff);
      relocation.symbol = static_cast<std::uint32_t>(info >> 32);
      relocation.addend = rela ? static_cast<std::int64_t>(table.u(at + 16, 8)) : 0;
      if (relocation.symbol >= symbols_.size()) {
        Location location = where(section.name);
        location.byte_offset = static_cast<std::size_t>(section.offset + at);
        return make_error("relocation names symbol " + std::to_string(relocation.symbol) +
                              ", but the symbol table has " + std::to_string(symbols_.size()),
                          location);
      }
      relocations.push_back(relocation);
    }
  }
  return relocations;
}

}  // namespace xbpf::object
