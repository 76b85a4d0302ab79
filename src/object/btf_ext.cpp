// .BTF.ext: function info, line info and CO-RE relocation records, grouped by the ELF section
// they describe (struct btf_ext_header and btf_ext_info_sec, Documentation/bpf/btf.rst 4.2).
#include <algorithm>

#include "object/btf.h"
#include "object/byte_reader.h"
#include "support/text.h"

namespace xbpf::object {
namespace {

constexpr std::uint16_t kMagic = 0xeb9f;
constexpr std::uint32_t kHeaderSize = 24;      // up to line_info_len
constexpr std::uint32_t kCoreHeaderSize = 32;  // with core_relo_off/len
constexpr std::uint32_t kFuncInfoSize = 8;     // struct bpf_func_info
constexpr std::uint32_t kLineInfoSize = 16;    // struct bpf_line_info
constexpr std::uint32_t kCoreReloSize = 16;    // struct bpf_core_relo

enum class Part { functions, lines, core };

std::string_view part_name(Part part) {
  switch (part) {
    case Part::functions: return "func_info";
    case Part::lines: return "line_info";
    case Part::core: return "core_relo";
  }
  return "?";
}

class ExtParser {
 public:
  ExtParser(std::span<const std::uint8_t> bytes, const Btf& btf) : in_(bytes), btf_(btf) {}

  Result<std::vector<BtfExtSection>> parse() {
    if (!in_.has(0, 8)) {
      return fail("truncated BTF.ext header: " + std::to_string(in_.size()) +
                      " bytes, expected at least " + std::to_string(kHeaderSize),
                  0);
    }
    if (in_.u16(0) != kMagic) {
      return fail("bad BTF.ext magic " + to_hex(in_.u16(0)) + " (expected 0xeb9f)", 0);
    }
    if (in_.u(2, 1) != 1) {
      return fail("BTF.ext version " + std::to_string(in_.u(2, 1)) + ", expected 1", 2);
    }
    const std::uint32_t header_length = in_.u32(4);
    if (header_length < kHeaderSize || !in_.has(0, header_length)) {
      return fail("BTF.ext header length " + std::to_string(header_length) + " is outside 24.." +
                      std::to_string(in_.size()) + " (the section size)",
                  4);
    }
    XBPF_TRY(parse_part(Part::functions, header_length, 8));
    XBPF_TRY(parse_part(Part::lines, header_length, 16));
    if (header_length >= kCoreHeaderSize) XBPF_TRY(parse_part(Part::core, header_length, 24));
    return std::move(sections_);
  }

 private:
  Error fail(std::string message, std::uint64_t offset) const {
    Location where;
    where.byte_offset = static_cast<std::size_t>(offset);
    return make_error(std::move(message), std::move(where));
  }

  BtfExtSection& section_named(const std::string& name) {
    for (BtfExtSection& section : sections_) {
      if (section.section == name) return section;
    }
    sections_.push_back(BtfExtSection{name, {}, {}, {}});
    return sections_.back();
  }

  Result<std::string> string_at(std::uint32_t offset, std::uint64_t at, std::string_view what) {
    const std::string_view text = btf_.string_at(offset);
    if (text.data() == nullptr) {
      return fail(std::string(what) + " name offset " + std::to_string(offset) +
                      " is outside the BTF string section",
                  at);
    }
    return std::string(text);
  }

  // One of func_info, line_info, core_relo: a record size, then per-section blocks.
  Status parse_part(Part part, std::uint32_t header_length, std::uint64_t field) {
    const std::uint64_t offset = in_.u32(field);
    const std::uint64_t length = in_.u32(field + 4);
    const std::string name(part_name(part));
    if (length == 0) return {};
    const std::uint64_t start = header_length + offset;
    if (!in_.has(start, length)) {
      return fail(name + " (" + std::to_string(length) + " bytes at " + to_hex(offset) +
                      " after the header) runs past the end of .BTF.ext (" +
                      std::to_string(in_.size()) + " bytes)",
                  field);
    }
    if (length < 4) {
      return fail(name + " is " + std::to_string(length) + " bytes, too short for its record size",
                  start);
    }
    const std::uint32_t minimum = part == Part::functions ? kFuncInfoSize
                                  : part == Part::lines   ? kLineInfoSize
                                                          : kCoreReloSize;
    const std::uint32_t record_size = in_.u32(start);
    if (record_size < minimum || record_size % 4 != 0) {
      return fail(name + " record size " + std::to_string(record_size) +
                      " is invalid (expected a multiple of 4, at least " + std::to_string(minimum) +
                      ")",
                  start);
    }
    const std::uint64_t end = start + length;
    std::uint64_t at = start + 4;
    while (at < end) {
      if (end - at < 8) {
        return fail(name + ": truncated section block (" + std::to_string(end - at) +
                        " bytes left, expected 8)",
                    at);
      }
      const std::uint32_t name_offset = in_.u32(at);
      const std::uint64_t count = in_.u32(at + 4);
      Result<std::string> section_name = string_at(name_offset, at, "section");
      if (!section_name) return std::move(section_name).error();
      if (section_name->empty()) return fail(name + ": section block names no section", at);
      at += 8;
      if (count * record_size > end - at) {
        return fail(name + " for section '" + *section_name + "': " + std::to_string(count) +
                        " records of " + std::to_string(record_size) + " bytes run past the end (" +
                        std::to_string(end - at) + " bytes left)",
                    at - 4);
      }
      BtfExtSection& section = section_named(*section_name);
      for (std::uint64_t i = 0; i < count; ++i, at += record_size) {
        XBPF_TRY(read_record(part, at, section));
      }
    }
    return {};
  }

  Result<std::uint32_t> instruction_at(std::uint64_t at, const BtfExtSection& section,
                                       Part part) const {
    const std::uint32_t byte_offset = in_.u32(at);
    if (byte_offset % 8 != 0) {
      return fail(std::string(part_name(part)) + " record for section '" + section.section +
                      "': instruction offset " + to_hex(byte_offset) +
                      " is not a multiple of 8 (the instruction size)",
                  at);
    }
    return byte_offset / 8;
  }

  Status read_record(Part part, std::uint64_t at, BtfExtSection& section) {
    Result<std::uint32_t> instruction = instruction_at(at, section, part);
    if (!instruction) return std::move(instruction).error();
    switch (part) {
      case Part::functions: {
        FuncInfo info{*instruction, in_.u32(at + 4)};
        const BtfType* type = btf_.type(info.type);
        if (type == nullptr || type->kind != BtfKind::function) {
          return fail("func_info record for section '" + section.section + "' names type " +
                          std::to_string(info.type) + ", which is not a BTF func",
                      at + 4);
        }
        section.functions.push_back(info);
        break;
      }
      case Part::lines: {
        LineInfo line;
        line.instruction = *instruction;
        Result<std::string> file = string_at(in_.u32(at + 4), at + 4, "file");
        if (!file) return std::move(file).error();
        Result<std::string> source = string_at(in_.u32(at + 8), at + 8, "source line");
        if (!source) return std::move(source).error();
        line.file = std::move(*file);
        line.source = std::move(*source);
        const std::uint32_t line_column = in_.u32(at + 12);
        line.line = line_column >> 10;
        line.column = line_column & 0x3ff;
        section.lines.push_back(std::move(line));
        break;
      }
      case Part::core: {
        CoreRelocation relocation;
        relocation.instruction = *instruction;
        relocation.type = in_.u32(at + 4);
        if (relocation.type == 0 || btf_.type(relocation.type) == nullptr) {
          return fail("core_relo record for section '" + section.section + "' names type " +
                          std::to_string(relocation.type) + ", but the BTF has types 1.." +
                          std::to_string(btf_.size() - 1),
                      at + 4);
        }
        Result<std::string> access = string_at(in_.u32(at + 8), at + 8, "access string");
        if (!access) return std::move(access).error();
        relocation.access = std::move(*access);
        const std::uint32_t kind = in_.u32(at + 12);
        if (kind > static_cast<std::uint32_t>(CoreKind::type_matches)) {
          return fail("core_relo record for section '" + section.section + "': unknown kind " +
                          std::to_string(kind),
                      at + 12);
        }
        relocation.kind = static_cast<CoreKind>(kind);
        section.core.push_back(std::move(relocation));
        break;
      }
    }
    return {};
  }

  ByteReader in_;
  const Btf& btf_;
  std::vector<BtfExtSection> sections_;
};

}  // namespace

Result<std::vector<BtfExtSection>> parse_btf_ext(std::span<const std::uint8_t> bytes,
                                                 const Btf& btf) {
  Result<std::vector<BtfExtSection>> sections = ExtParser(bytes, btf).parse();
  if (!sections) return sections;
  for (BtfExtSection& section : *sections) {
    auto by_instruction = [](const auto& a, const auto& b) {
      return a.instruction < b.instruction;
    };
    std::stable_sort(section.functions.begin(), section.functions.end(), by_instruction);
    std::stable_sort(section.lines.begin(), section.lines.end(), by_instruction);
  }
  return sections;
}

}  // namespace xbpf::object
