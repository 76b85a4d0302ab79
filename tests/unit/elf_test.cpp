// The ELF reader: a well-formed object reads back; every malformed field is an error that
// names what and where, never a crash.
#include "object/elf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

namespace xbpf::object {
namespace {

using ::testing::HasSubstr;

// Builds a small EM_BPF relocatable object: null, .text (2 instructions), .symtab, .strtab,
// .rel.text, .shstrtab.
class ElfBuilder {
 public:
  std::vector<std::uint8_t> build() const {
    std::vector<std::uint8_t> out(64, 0);
    auto put = [&out](std::size_t at, std::uint64_t value, int size) {
      for (int i = 0; i < size; ++i)
        out[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value >> (8 * i));
    };
    auto append = [&out](const std::vector<std::uint8_t>& bytes) {
      const std::size_t at = out.size();
      out.insert(out.end(), bytes.begin(), bytes.end());
      return at;
    };
    const std::vector<std::uint8_t> text = {0xb7, 0x00, 0, 0, 2, 0, 0, 0,
                                            0x95, 0,    0, 0, 0, 0, 0, 0};
    const std::string strtab = std::string("\0prog\0", 6);
    const std::string shstrtab =
        std::string("\0.text\0.symtab\0.strtab\0.rel.text\0.shstrtab\0", 44);
    std::vector<std::uint8_t> symtab(48, 0);  // null symbol + "prog"
    symtab[24] = 1;                           // name offset
    symtab[24 + 4] = (kBindGlobal << 4) | kSymbolFunc;
    symtab[24 + 6] = 1;                    // section .text
    symtab[24 + 16] = 16;                  // size
    std::vector<std::uint8_t> rel(16, 0);  // one R_BPF_64_64 at offset 0 against symbol 1
    rel[8] = 1;
    rel[12] = 1;
    const std::size_t text_at = append(text);
    const std::size_t symtab_at = append(symtab);
    const std::size_t strtab_at = append(std::vector<std::uint8_t>(strtab.begin(), strtab.end()));
    const std::size_t rel_at = append(rel);
    const std::size_t shstrtab_at =
        append(std::vector<std::uint8_t>(shstrtab.begin(), shstrtab.end()));
    const std::size_t sections_at = out.size();
    out.resize(out.size() + 6 * 64, 0);
    struct Header {
      std::uint32_t name, type;
      std::uint64_t flags, offset, size;
      std::uint32_t link, info;
      std::uint64_t entsize;
    };
    const Header headers[6] = {
        {0, 0, 0, 0, 0, 0, 0, 0},
        {1, kSectionProgbits, kFlagAlloc | kFlagExec, text_at, text.size(), 0, 0, 0},
        {7, kSectionSymtab, 0, symtab_at, symtab.size(), 3, 1, 24},
        {15, kSectionStrtab, 0, strtab_at, strtab.size(), 0, 0, 0},
        {23, kSectionRel, 0, rel_at, rel.size(), 2, 1, 16},
        {33, kSectionStrtab, 0, shstrtab_at, shstrtab.size(), 0, 0, 0},
    };
    for (int i = 0; i < 6; ++i) {
      const std::size_t at = sections_at + static_cast<std::size_t>(i) * 64;
      put(at, headers[i].name, 4);
      put(at + 4, headers[i].type, 4);
      put(at + 8, headers[i].flags, 8);
      put(at + 24, headers[i].offset, 8);
      put(at + 32, headers[i].size, 8);
      put(at + 40, headers[i].link, 4);
      put(at + 44, headers[i].info, 4);
      put(at + 56, headers[i].entsize, 8);
    }
    std::memcpy(out.data(),
                "\x7f"
                "ELF",
                4);
    out[4] = 2;     // 64-bit
    out[5] = 1;     // little-endian
    out[6] = 1;     // version
    put(16, 1, 2);  // ET_REL
    put(18, kMachineBpf, 2);
    put(40, sections_at, 8);
    put(52, 64, 2);
    put(58, 64, 2);
    put(60, 6, 2);
    put(62, 5, 2);
    return out;
  }
  static std::size_t section_header(const std::vector<std::uint8_t>& bytes, int index) {
    std::uint64_t at = 0;
    for (int i = 7; i >= 0; --i) at = (at << 8) | bytes[40 + static_cast<std::size_t>(i)];
    return static_cast<std::size_t>(at) + static_cast<std::size_t>(index) * 64;
  }
};

std::string parse_error(const std::vector<std::uint8_t>& bytes) {
  Result<ElfFile> file = ElfFile::parse(bytes, "bad.o");
  EXPECT_FALSE(file.ok());
  return file.ok() ? "" : file.error().to_string();
}

TEST(Elf, ReadsSectionsSymbolsAndRelocations) {
  Result<ElfFile> file = ElfFile::parse(ElfBuilder().build(), "good.o");
  ASSERT_TRUE(file.ok()) << file.error().to_string();
  ASSERT_EQ(file->sections().size(), 6U);
  const ElfSection* text = file->find_section(".text");
  ASSERT_NE(text, nullptr);
  EXPECT_TRUE(text->executable());
  EXPECT_EQ(text->data.size(), 16U);
  ASSERT_EQ(file->symbols().size(), 2U);
  EXPECT_EQ(file->symbols()[1].name, "prog");
  EXPECT_EQ(file->symbols()[1].type, kSymbolFunc);
  Result<std::vector<ElfRelocation>> relocations = file->relocations_for(text->index);
  ASSERT_TRUE(relocations.ok());
  ASSERT_EQ(relocations->size(), 1U);
  EXPECT_EQ((*relocations)[0].type, 1U);
  EXPECT_EQ((*relocations)[0].symbol, 1U);
}

TEST(Elf, RejectsWhatIsNotAnElfObject) {
  EXPECT_THAT(parse_error({}), HasSubstr("not an ELF file (bad magic)"));
  EXPECT_THAT(parse_error({0x7f, 'E', 'L', 'F', 2, 1}),
              HasSubstr("truncated ELF header: 6 bytes, expected at least 64"));
  std::vector<std::uint8_t> bytes = ElfBuilder().build();
  bytes[4] = 1;
  EXPECT_THAT(parse_error(bytes), HasSubstr("not a 64-bit ELF file (class 1, expected 2)"));
  bytes = ElfBuilder().build();
  bytes[5] = 2;
  EXPECT_THAT(parse_error(bytes), HasSubstr("not a little-endian ELF file"));
  bytes = ElfBuilder().build();
  bytes[18] = 62;  // EM_X86_64
  const std::string message = parse_error(bytes);
  EXPECT_THAT(message, HasSubstr("bad.o"));
  EXPECT_THAT(message, HasSubstr("not a BPF object (e_machine 62, expected 247 EM_BPF"));
}

TEST(Elf, RejectsSectionTableOutsideTheFile) {
  std::vector<std::uint8_t> bytes = ElfBuilder().build();
  bytes[60] = 200;  // 200 sections
  EXPECT_THAT(parse_error(bytes), HasSubstr("section header table (200 entries"));
  bytes = ElfBuilder().build();
  bytes[62] = 9;
  EXPECT_THAT(parse_error(bytes), HasSubstr("section name table index 9 is out of range"));
  bytes = ElfBuilder().build();
  bytes[58] = 40;
  EXPECT_THAT(parse_error(bytes), HasSubstr("section header size 40, expected 64"));
}

TEST(Elf, RejectsSectionDataOutsideTheFile) {
  std::vector<std::uint8_t> bytes = ElfBuilder().build();
  const std::size_t text = ElfBuilder::section_header(bytes, 1);
  bytes[text + 32 + 7] = 0x10;  // size = 2^60 + 16
  EXPECT_THAT(parse_error(bytes), HasSubstr("section 1 ("));
  EXPECT_THAT(parse_error(bytes), HasSubstr("runs past the end of the file"));
  bytes = ElfBuilder().build();
  bytes[text + 24 + 7] = 0xff;  // offset near 2^64: must not wrap around
  EXPECT_THAT(parse_error(bytes), HasSubstr("runs past the end of the file"));
}

TEST(Elf, RejectsBadNames) {
  std::vector<std::uint8_t> bytes = ElfBuilder().build();
  const std::size_t text = ElfBuilder::section_header(bytes, 1);
  bytes[text] = 250;  // name offset beyond .shstrtab
  EXPECT_THAT(parse_error(bytes), HasSubstr("name offset 250 is outside its string table"));
  bytes = ElfBuilder().build();
  const std::size_t names = ElfBuilder::section_header(bytes, 5);
  bytes[names + 4] = kSectionProgbits;
  EXPECT_THAT(parse_error(bytes), HasSubstr("is not a string table"));
}

TEST(Elf, RejectsBadSymbolTables) {
  std::vector<std::uint8_t> bytes = ElfBuilder().build();
  const std::size_t symtab = ElfBuilder::section_header(bytes, 2);
  bytes[symtab + 56] = 20;  // entry size
  EXPECT_THAT(parse_error(bytes), HasSubstr("section .symtab: symbol table entry size 20"));
  bytes = ElfBuilder().build();
  bytes[symtab + 40] = 1;  // links to .text
  EXPECT_THAT(parse_error(bytes),
              HasSubstr("symbol table links to section 1, which is not a string table"));
}

TEST(Elf, RejectsRelocationsNamingMissingSymbols) {
  std::vector<std::uint8_t> bytes = ElfBuilder().build();
  Result<ElfFile> good = ElfFile::parse(bytes, "x.o");
  ASSERT_TRUE(good.ok());
  const std::size_t rel = ElfBuilder::section_header(bytes, 4);
  std::uint64_t offset = 0;
  for (int i = 7; i >= 0; --i)
    offset = (offset << 8) | bytes[rel + 24 + static_cast<std::size_t>(i)];
  bytes[static_cast<std::size_t>(offset) + 12] = 9;  // symbol 9
  Result<ElfFile> file = ElfFile::parse(bytes, "x.o");
  ASSERT_TRUE(file.ok());
  Result<std::vector<ElfRelocation>> relocations = file->relocations_for(1);
  ASSERT_FALSE(relocations.ok());
  EXPECT_THAT(relocations.error().to_string(),
              HasSubstr("relocation names symbol 9, but the symbol table has 2"));
}

TEST(Elf, EveryTruncationIsAnErrorNotACrash) {
  const std::vector<std::uint8_t> bytes = ElfBuilder().build();
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    std::vector<std::uint8_t> prefix(bytes.begin(),
                                     bytes.begin() + static_cast<std::ptrdiff_t>(size));
    Result<ElfFile> file = ElfFile::parse(prefix, "cut.o");
    if (file.ok()) {
      // Only possible when the section table survived; every section must still be inside.
      for (const ElfSection& section : file->sections()) {
        EXPECT_LE(section.data.size(), prefix.size());
      }
    }
  }
}

TEST(Elf, EverySingleByteCorruptionIsHandled) {
  const std::vector<std::uint8_t> bytes = ElfBuilder().build();
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    for (std::uint8_t value : {std::uint8_t{0}, std::uint8_t{0x7f}, std::uint8_t{0xff}}) {
      std::vector<std::uint8_t> corrupt = bytes;
      corrupt[at] = value;
      Result<ElfFile> file = ElfFile::parse(corrupt, "corrupt.o");
      if (!file.ok()) {
        EXPECT_FALSE(file.error().message.empty());
        continue;
      }
      for (const ElfSection& section : file->sections()) {
        (void)file->relocations_for(section.index);
      }
    }
  }
}

}  // namespace
}  // namespace xbpf::object
