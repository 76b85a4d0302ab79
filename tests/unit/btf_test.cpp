// BTF and BTF.ext: every kind read from a hand-built blob and from clang's output; every
// malformed header, record and reference refused with the type id and byte offset.
#include "object/btf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "object/elf.h"
#include "support/files.h"
#include "test_paths.h"

namespace xbpf::object {
namespace {

using ::testing::HasSubstr;

// Builds a .BTF blob: header, type records, string table.
class BtfBuilder {
 public:
  BtfBuilder() { strings_.push_back('\0'); }

  std::uint32_t str(const std::string& text) {
    if (text.empty()) return 0;
    const auto at = static_cast<std::uint32_t>(strings_.size());
    strings_.insert(strings_.end(), text.begin(), text.end());
    strings_.push_back('\0');
    return at;
  }
  // A type record; returns its id.
  std::uint32_t type(const std::string& name, BtfKind kind, std::uint32_t vlen,
                     std::uint32_t size_or_type, bool kind_flag = false) {
    word(str(name));
    word((kind_flag ? 1U << 31 : 0) | (static_cast<std::uint32_t>(kind) << 24) | vlen);
    word(size_or_type);
    return ++count_;
  }
  void word(std::uint32_t value) {
    for (int i = 0; i < 4; ++i) types_.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  }
  std::vector<std::uint8_t> build() const {
    std::vector<std::uint8_t> out;
    auto put = [&out](std::uint32_t value, int size) {
      for (int i = 0; i < size; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
    };
    put(0xeb9f, 2);
    put(1, 1);
    put(0, 1);
    put(24, 4);
    put(0, 4);
    put(static_cast<std::uint32_t>(types_.size()), 4);
    put(static_cast<std::uint32_t>(types_.size()), 4);
    put(static_cast<std::uint32_t>(strings_.size()), 4);
    out.insert(out.end(), types_.begin(), types_.end());
    out.insert(out.end(), strings_.begin(), strings_.end());
    return out;
  }
  std::vector<std::uint8_t>& types() { return types_; }

 private:
  std::vector<std::uint8_t> types_;
  std::vector<char> strings_;
  std::uint32_t count_ = 0;
};

// One type of every kind.
BtfBuilder every_kind() {
  BtfBuilder b;
  const std::uint32_t u32 = b.type("unsigned int", BtfKind::integer, 0, 4);  // 1
  b.word(32);
  const std::uint32_t s64 = b.type("long long", BtfKind::integer, 0, 8);  // 2
  b.word((1U << 24) | 64);                                                // signed
  const std::uint32_t pointer = b.type("", BtfKind::pointer, 0, u32);     // 3
  const std::uint32_t array = b.type("", BtfKind::array, 0, 0);           // 4: u32[6]
  b.word(u32);
  b.word(u32);
  b.word(6);
  const std::uint32_t point = b.type("point", BtfKind::struct_, 3, 16, true);  // 5
  b.word(b.str("x"));
  b.word(u32);
  b.word(0);
  b.word(b.str("flags"));
  b.word(u32);
  b.word((3U << 24) | 32);  // a 3-bit bitfield at bit 32
  b.word(b.str("next"));
  b.word(pointer);
  b.word(64);
  b.type("either", BtfKind::union_, 1, 8);  // 6
  b.word(b.str("wide"));
  b.word(s64);
  b.word(0);
  b.type("color", BtfKind::enum_, 2, 4, true);  // 7: signed
  b.word(b.str("red"));
  b.word(static_cast<std::uint32_t>(-1));
  b.word(b.str("blue"));
  b.word(2);
  b.type("later", BtfKind::forward, 0, 0, true);                                 // 8: union forward
  const std::uint32_t point_t = b.type("point_t", BtfKind::typedef_, 0, point);  // 9
  const std::uint32_t volatile_point = b.type("", BtfKind::volatile_, 0, point_t);   // 10
  const std::uint32_t const_point = b.type("", BtfKind::const_, 0, volatile_point);  // 11
  b.type("", BtfKind::restrict, 0, pointer);                                         // 12
  const std::uint32_t proto = b.type("", BtfKind::function_proto, 2, u32);           // 13
  b.word(b.str("a"));
  b.word(pointer);
  b.word(0);
  b.word(0);                                                                           // variadic
  b.type("scale", BtfKind::function, 1, proto);                                        // 14: global
  const std::uint32_t variable = b.type("origin", BtfKind::variable, 0, const_point);  // 15
  b.word(1);
  b.type(".data", BtfKind::datasec, 1, 16);  // 16
  b.word(variable);
  b.word(0);
  b.word(16);
  b.type("double", BtfKind::float_, 0, 8);     // 17
  b.type("tag", BtfKind::decl_tag, 0, point);  // 18
  b.word(1);
  b.type("user", BtfKind::type_tag, 0, u32);  // 19
  b.type("big", BtfKind::enum64, 1, 8);       // 20
  b.word(b.str("huge"));
  b.word(0x89abcdef);
  b.word(0x01234567);
  b.type("", BtfKind::array, 0, 0);  // 21: point[2][3]... as (point[3])[2]
  b.word(22);
  b.word(u32);
  b.word(2);
  b.type("", BtfKind::array, 0, 0);  // 22: point[3]
  b.word(point);
  b.word(u32);
  b.word(3);
  (void)array;
  return b;
}

Btf parse_ok(const std::vector<std::uint8_t>& bytes) {
  Result<Btf> btf = Btf::parse(bytes);
  EXPECT_TRUE(btf.ok()) << btf.error().to_string();
  return btf.ok() ? std::move(btf).value() : Btf();
}

std::string parse_error(const std::vector<std::uint8_t>& bytes) {
  Result<Btf> btf = Btf::parse(bytes);
  EXPECT_FALSE(btf.ok());
  return btf.ok() ? "" : btf.error().to_string();
}

TEST(Btf, ReadsEveryKind) {
  const Btf btf = parse_ok(every_kind().build());
  ASSERT_EQ(btf.size(), 23U);
  EXPECT_EQ(btf.type(0)->kind, BtfKind::void_);
  EXPECT_EQ(btf.type(23), nullptr);

  const BtfType& u32 = *btf.type(1);
  EXPECT_EQ(u32.kind, BtfKind::integer);
  EXPECT_EQ(u32.name, "unsigned int");
  EXPECT_EQ(u32.size, 4U);
  EXPECT_EQ(u32.int_bits, 32U);
  EXPECT_EQ(btf.type(2)->int_encoding, 1U);

  const BtfType& point = *btf.type(5);
  EXPECT_EQ(point.kind, BtfKind::struct_);
  ASSERT_EQ(point.members.size(), 3U);
  EXPECT_EQ(point.members[1].name, "flags");
  EXPECT_EQ(point.members[1].bit_offset, 32U);
  EXPECT_EQ(point.members[1].bitfield_size, 3U);
  EXPECT_EQ(point.members[2].bit_offset, 64U);
  EXPECT_EQ(point.members[2].bitfield_size, 0U);

  EXPECT_EQ(btf.type(6)->kind, BtfKind::union_);
  const BtfType& color = *btf.type(7);
  ASSERT_EQ(color.values.size(), 2U);
  EXPECT_EQ(color.values[0].name, "red");
  EXPECT_EQ(color.values[0].value, -1);
  EXPECT_EQ(color.values[1].value, 2);
  EXPECT_TRUE(btf.type(8)->kind_flag);

  const BtfType& proto = *btf.type(13);
  ASSERT_EQ(proto.params.size(), 2U);
  EXPECT_EQ(proto.params[0].name, "a");
  EXPECT_EQ(proto.params[1].type, 0U);
  EXPECT_EQ(btf.type(14)->linkage, 1U);
  EXPECT_EQ(btf.type(15)->linkage, 1U);
  const BtfType& datasec = *btf.type(16);
  ASSERT_EQ(datasec.sections.size(), 1U);
  EXPECT_EQ(datasec.sections[0].type, 15U);
  EXPECT_EQ(datasec.sections[0].size, 16U);
  EXPECT_EQ(btf.type(17)->kind, BtfKind::float_);
  EXPECT_EQ(btf.type(18)->component_index, 1);
  EXPECT_EQ(btf.type(19)->kind, BtfKind::type_tag);
  ASSERT_EQ(btf.type(20)->values.size(), 1U);
  EXPECT_EQ(btf.type(20)->values[0].value, 0x0123456789abcdefLL);
}

TEST(Btf, ResolvesSizesAndNames) {
  const Btf btf = parse_ok(every_kind().build());
  EXPECT_EQ(btf.resolve(11), 5U);  // const volatile point_t -> struct point
  EXPECT_EQ(btf.resolve(19), 1U);  // type tag
  EXPECT_EQ(btf.resolve(3), 3U);   // pointers are not followed
  EXPECT_EQ(btf.size_of(1), 4U);
  EXPECT_EQ(btf.size_of(3), 8U);
  EXPECT_EQ(btf.size_of(4), 24U);
  EXPECT_EQ(btf.size_of(11), 16U);
  EXPECT_EQ(btf.size_of(15), 16U);           // a variable has its type's size
  EXPECT_EQ(btf.size_of(21), 96U);           // point[2][3]
  EXPECT_EQ(btf.size_of(13), std::nullopt);  // function prototypes have none
  EXPECT_EQ(btf.size_of(8), std::nullopt);   // nor forward declarations
  EXPECT_EQ(btf.size_of(99), std::nullopt);
  EXPECT_EQ(btf.find(BtfKind::struct_, "point"), 5U);
  EXPECT_EQ(btf.find(BtfKind::union_, "point"), std::nullopt);
  EXPECT_EQ(btf.describe(5), "struct point");
  EXPECT_EQ(btf.describe(3), "unsigned int *");
  EXPECT_EQ(btf.describe(4), "unsigned int[6]");
  EXPECT_EQ(btf.describe(11), "const volatile point_t");
  EXPECT_EQ(btf.describe(8), "union later");
  EXPECT_EQ(btf.describe(7), "enum color");
  EXPECT_EQ(btf.describe(13), "unsigned int (unsigned int *, ...)");
  EXPECT_EQ(btf.describe(0), "void");
  EXPECT_EQ(btf.string_at(1), "unsigned int");
  EXPECT_EQ(btf.string_at(100000), "");
}

TEST(Btf, RejectsBadHeaders) {
  const std::vector<std::uint8_t> good = every_kind().build();
  EXPECT_THAT(parse_error({0x9f, 0xeb, 1}), HasSubstr("truncated BTF header: 3 bytes"));
  std::vector<std::uint8_t> bytes = good;
  bytes[0] = 0x9e;
  EXPECT_THAT(parse_error(bytes), HasSubstr("bad BTF magic 0xeb9e (expected 0xeb9f)"));
  bytes = good;
  bytes[2] = 2;
  EXPECT_THAT(parse_error(bytes), HasSubstr("BTF version 2, expected 1"));
  bytes = good;
  bytes[4] = 8;
  EXPECT_THAT(parse_error(bytes), HasSubstr("BTF header length 8 is outside 24.."));
  bytes = good;
  bytes[12] = 0xff;  // type_len
  bytes[13] = 0xff;
  EXPECT_THAT(parse_error(bytes),
              HasSubstr("BTF type section (65535 bytes at 0x0 after the header) "
                        "runs past the end of .BTF"));
  bytes = good;
  bytes[20] += 1;  // str_len
  EXPECT_THAT(parse_error(bytes), HasSubstr("BTF string section ("));
  bytes = good;
  bytes.back() = 'x';
  EXPECT_THAT(parse_error(bytes), HasSubstr("does not end with a NUL byte"));
  bytes = good;
  bytes[16] = 0;  // the string section at the type section's offset
  EXPECT_THAT(parse_error(bytes), HasSubstr("overlap"));
  Result<Btf> btf = Btf::parse(std::vector<std::uint8_t>(good.begin(), good.begin() + 20));
  ASSERT_FALSE(btf.ok());
  EXPECT_EQ(btf.error().where.byte_offset, 0U);
}

TEST(Btf, RejectsBadTypesNamingTheTypeAndOffset) {
  {
    BtfBuilder b;
    b.type("int", BtfKind::integer, 0, 4);
    b.word(32);
    b.type("", BtfKind::pointer, 0, 7);  // type 2 refers to a missing type
    Result<Btf> btf = Btf::parse(b.build());
    ASSERT_FALSE(btf.ok());
    EXPECT_THAT(
        btf.error().message,
        HasSubstr("BTF type 2 (ptr): its type refers to type 7, but the BTF has types 0..2"));
    EXPECT_EQ(btf.error().where.byte_offset, 24U + 16U);  // the second record
  }
  {
    BtfBuilder b;
    b.type("s", BtfKind::struct_, 3, 4);  // three members, but no bytes for them
    EXPECT_THAT(parse_error(b.build()),
                HasSubstr("BTF type 1 (struct 's'): 3 entries of 12 bytes run past the end of the "
                          "type section"));
  }
  {
    BtfBuilder b;
    b.type("x", static_cast<BtfKind>(25), 0, 0);
    EXPECT_THAT(parse_error(b.build()), HasSubstr("BTF type 1: unknown kind 25"));
  }
  {
    BtfBuilder b;
    b.word(0);
    b.word((1U << 24) | (1U << 20));  // reserved bits
    b.word(4);
    b.word(32);
    EXPECT_THAT(parse_error(b.build()), HasSubstr("reserved bits of info 0x1100000 are set"));
  }
  {
    BtfBuilder b;
    b.type("int", BtfKind::integer, 0, 4);
    b.word(64);  // 64 bits in 4 bytes
    EXPECT_THAT(parse_error(b.build()), HasSubstr("64 bits at bit 0 do not fit its 4 bytes"));
  }
  {
    BtfBuilder b;
    b.type("a", BtfKind::typedef_, 0, 2);
    b.type("b", BtfKind::typedef_, 0, 1);  // a loop
    EXPECT_THAT(parse_error(b.build()),
                HasSubstr("chain of typedefs and qualifiers is longer than 32 (or loops)"));
  }
  {
    BtfBuilder b;
    b.type("f", BtfKind::function, 0, 0);  // a function whose type is void
    EXPECT_THAT(parse_error(b.build()), HasSubstr("which is not a func_proto"));
  }
  {
    BtfBuilder b;
    b.word(999);  // name offset outside the strings
    b.word(static_cast<std::uint32_t>(BtfKind::forward) << 24);
    b.word(0);
    EXPECT_THAT(parse_error(b.build()),
                HasSubstr("BTF type 1: fwd name offset 999 is outside the string section"));
  }
  {
    BtfBuilder b;
    b.type("int", BtfKind::integer, 0, 4);
    b.word(32);
    b.types().resize(b.types().size() + 5);  // a truncated record
    EXPECT_THAT(parse_error(b.build()),
                HasSubstr("BTF type 2: truncated type record (5 bytes left in the type section"));
  }
}

// Every truncation of a valid blob is an error or a success, never a crash.
TEST(Btf, SurvivesEveryTruncationAndByteFlip) {
  const std::vector<std::uint8_t> good = every_kind().build();
  for (std::size_t size = 0; size < good.size(); ++size) {
    Result<Btf> btf = Btf::parse(std::span(good).first(size));
    (void)btf;
  }
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::vector<std::uint8_t> bytes = good;
    bytes[i] ^= 0xa5;
    Result<Btf> btf = Btf::parse(bytes);
    if (btf.ok()) {
      for (std::uint32_t id = 0; id < btf->size(); ++id) {
        (void)btf->describe(id);
        (void)btf->size_of(id);
        (void)btf->resolve(id);
      }
    }
  }
}

// ---- BTF.ext ----

class ExtBuilder {
 public:
  struct Block {
    std::uint32_t section_name;
    std::vector<std::vector<std::uint32_t>> records;
  };
  std::vector<std::uint8_t> build(std::uint32_t record_words = 0) const {
    std::vector<std::uint8_t> body;
    auto put = [](std::vector<std::uint8_t>& out, std::uint32_t value) {
      for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
    };
    std::uint32_t offsets[3];
    std::uint32_t lengths[3];
    const std::vector<Block>* parts[3] = {&functions, &lines, &core};
    const std::uint32_t sizes[3] = {8, 16, 16};
    for (int p = 0; p < 3; ++p) {
      offsets[p] = static_cast<std::uint32_t>(body.size());
      if (parts[p]->empty()) {
        lengths[p] = 0;
        continue;
      }
      const std::uint32_t record = record_words != 0 ? record_words * 4 : sizes[p];
      put(body, record);
      for (const Block& block : *parts[p]) {
        put(body, block.section_name);
        put(body, static_cast<std::uint32_t>(block.records.size()));
        for (const auto& words : block.records) {
          for (std::uint32_t i = 0; i < record / 4; ++i) put(body, i < words.size() ? words[i] : 0);
        }
      }
      lengths[p] = static_cast<std::uint32_t>(body.size()) - offsets[p];
    }
    std::vector<std::uint8_t> out = {0x9f, 0xeb, 1, 0};
    put(out, 32);
    for (int p = 0; p < 3; ++p) {
      put(out, offsets[p]);
      put(out, lengths[p]);
    }
    out.insert(out.end(), body.begin(), body.end());
    return out;
  }
  std::vector<Block> functions, lines, core;
};

// A BTF with a function, a struct and strings for sections, files and source lines.
struct ExtFixture {
  BtfBuilder builder;
  std::uint32_t xdp = 0, file = 0, source = 0, access = 0;
  ExtFixture() {
    const std::uint32_t u32 = builder.type("unsigned int", BtfKind::integer, 0, 4);  // 1
    builder.word(32);
    const std::uint32_t proto = builder.type("", BtfKind::function_proto, 0, u32);  // 2
    builder.type("prog", BtfKind::function, 1, proto);                              // 3
    builder.type("s", BtfKind::struct_, 1, 4);                                      // 4
    builder.word(builder.str("a"));
    builder.word(u32);
    builder.word(0);
    xdp = builder.str("xdp");
    file = builder.str("prog.c");
    source = builder.str("  return 0;");
    access = builder.str("0:0");
  }
};

TEST(BtfExt, ReadsFunctionLineAndCoreRecords) {
  ExtFixture f;
  const Btf btf = parse_ok(f.builder.build());
  ExtBuilder ext;
  ext.functions.push_back({f.xdp, {{0, 3}}});
  ext.lines.push_back(
      {f.xdp, {{16, f.file, f.source, (12U << 10) | 5}, {0, f.file, f.source, 11U << 10}}});
  ext.core.push_back({f.xdp, {{8, 4, f.access, 0}}});
  Result<std::vector<BtfExtSection>> sections = parse_btf_ext(ext.build(), btf);
  ASSERT_TRUE(sections.ok()) << sections.error().to_string();
  ASSERT_EQ(sections->size(), 1U);
  const BtfExtSection& xdp = (*sections)[0];
  EXPECT_EQ(xdp.section, "xdp");
  ASSERT_EQ(xdp.functions.size(), 1U);
  EXPECT_EQ(xdp.functions[0].type, 3U);
  ASSERT_EQ(xdp.lines.size(), 2U);
  EXPECT_EQ(xdp.lines[0].instruction, 0U);  // sorted
  EXPECT_EQ(xdp.lines[1].instruction, 2U);  // byte offset 16
  EXPECT_EQ(xdp.lines[1].file, "prog.c");
  EXPECT_EQ(xdp.lines[1].source, "  return 0;");
  EXPECT_EQ(xdp.lines[1].line, 12U);
  EXPECT_EQ(xdp.lines[1].column, 5U);
  ASSERT_EQ(xdp.core.size(), 1U);
  EXPECT_EQ(xdp.core[0].instruction, 1U);
  EXPECT_EQ(xdp.core[0].type, 4U);
  EXPECT_EQ(xdp.core[0].access, "0:0");
  EXPECT_EQ(xdp.core[0].kind, CoreKind::field_byte_offset);

  // Larger records (a newer format) are read by their header's size.
  Result<std::vector<BtfExtSection>> wide = parse_btf_ext(ext.build(6), btf);
  ASSERT_TRUE(wide.ok()) << wide.error().to_string();
  EXPECT_EQ((*wide)[0].lines[1].line, 12U);
}

TEST(BtfExt, RejectsMalformedRecords) {
  ExtFixture f;
  const Btf btf = parse_ok(f.builder.build());
  auto error_of = [&](const std::vector<std::uint8_t>& bytes) {
    Result<std::vector<BtfExtSection>> sections = parse_btf_ext(bytes, btf);
    EXPECT_FALSE(sections.ok());
    return sections.ok() ? std::string() : sections.error().to_string();
  };
  ExtBuilder ext;
  ext.lines.push_back({f.xdp, {{4, f.file, f.source, 0}}});
  EXPECT_THAT(error_of(ext.build()),
              HasSubstr("line_info record for section 'xdp': instruction offset 0x4 is not a "
                        "multiple of 8"));
  ext.lines = {{9999, {{0, f.file, f.source, 0}}}};
  EXPECT_THAT(error_of(ext.build()),
              HasSubstr("section name offset 9999 is outside the BTF string"));
  ext.lines = {{f.xdp, {{0, 9999, f.source, 0}}}};
  EXPECT_THAT(error_of(ext.build()), HasSubstr("file name offset 9999"));
  ext.lines = {};
  ext.functions = {{f.xdp, {{0, 1}}}};
  EXPECT_THAT(error_of(ext.build()), HasSubstr("names type 1, which is not a BTF func"));
  ext.functions = {};
  ext.core = {{f.xdp, {{0, 77, f.access, 0}}}};
  EXPECT_THAT(error_of(ext.build()), HasSubstr("core_relo record for section 'xdp' names type 77"));
  ext.core = {{f.xdp, {{0, 4, f.access, 13}}}};
  EXPECT_THAT(error_of(ext.build()), HasSubstr("unknown kind 13"));
  ext.core = {{f.xdp, {{0, 4, f.access, 0}}}};
  std::vector<std::uint8_t> bytes = ext.build();
  bytes[32 + 4 + 4] = 9;  // the block claims 9 records
  EXPECT_THAT(error_of(bytes), HasSubstr("9 records of 16 bytes run past the end"));
  bytes = ext.build();
  bytes[32] = 4;  // record size 4
  EXPECT_THAT(error_of(bytes), HasSubstr("core_relo record size 4 is invalid"));
  bytes = ext.build();
  bytes[4] = 12;  // header length
  EXPECT_THAT(error_of(bytes), HasSubstr("BTF.ext header length 12"));
  bytes = ext.build();
  bytes[28] = 200;  // core_relo_len
  EXPECT_THAT(error_of(bytes),
              HasSubstr("core_relo (200 bytes at 0x0 after the header) runs past"));
  bytes = ext.build();
  bytes[1] = 0;
  EXPECT_THAT(error_of(bytes), HasSubstr("bad BTF.ext magic"));
}

// ---- clang's BTF ----

std::optional<std::vector<std::uint8_t>> compiled_object(const std::string& name) {
  const std::filesystem::path path = test::binary_dir() / "tests" / "programs" / (name + ".v3.o");
  if (!std::filesystem::exists(path)) return std::nullopt;
  Result<std::vector<std::uint8_t>> bytes = read_file(path.string());
  if (!bytes) return std::nullopt;
  return std::move(bytes).value();
}

TEST(Btf, ReadsClangOutput) {
  std::optional<std::vector<std::uint8_t>> bytes = compiled_object("loader_maps");
  if (!bytes) GTEST_SKIP() << "the eBPF test programs were not built";
  Result<ElfFile> elf = ElfFile::parse(std::move(*bytes), "loader_maps.v3.o");
  ASSERT_TRUE(elf.ok());
  const ElfSection* section = elf->find_section(".BTF");
  ASSERT_NE(section, nullptr);
  Result<Btf> btf = Btf::parse(section->data);
  ASSERT_TRUE(btf.ok()) << btf.error().to_string();
  const std::optional<std::uint32_t> xdp_md = btf->find(BtfKind::struct_, "xdp_md");
  ASSERT_TRUE(xdp_md);
  EXPECT_EQ(btf->size_of(*xdp_md), 24U);
  EXPECT_EQ(btf->type(*xdp_md)->members.size(), 6U);
  EXPECT_EQ(btf->type(*xdp_md)->members[4].name, "rx_queue_index");
  EXPECT_EQ(btf->type(*xdp_md)->members[4].bit_offset, 128U);
  const std::optional<std::uint32_t> counter = btf->find(BtfKind::struct_, "counter");
  ASSERT_TRUE(counter);
  EXPECT_EQ(btf->size_of(*counter), 24U);
  const std::optional<std::uint32_t> maps = btf->find(BtfKind::datasec, ".maps");
  ASSERT_TRUE(maps);
  EXPECT_EQ(btf->type(*maps)->sections.size(), 8U);
  EXPECT_TRUE(btf->find(BtfKind::function, "use_maps"));

  const ElfSection* ext_section = elf->find_section(".BTF.ext");
  ASSERT_NE(ext_section, nullptr);
  Result<std::vector<BtfExtSection>> ext = parse_btf_ext(ext_section->data, *btf);
  ASSERT_TRUE(ext.ok()) << ext.error().to_string();
  ASSERT_EQ(ext->size(), 1U);
  EXPECT_EQ((*ext)[0].section, "xdp");
  EXPECT_EQ((*ext)[0].functions.size(), 2U);  // tail_target, use_maps
  ASSERT_FALSE((*ext)[0].lines.empty());
  EXPECT_THAT((*ext)[0].lines[0].file, HasSubstr("loader_maps.bpf.c"));
  EXPECT_GT((*ext)[0].lines[0].line, 0U);
}

}  // namespace
}  // namespace xbpf::object
