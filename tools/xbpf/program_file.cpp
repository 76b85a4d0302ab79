#include "program_file.h"

#include <algorithm>

#include "isa/assembler.h"
#include "object/btf.h"
#include "support/files.h"
#include "support/text.h"

namespace xbpf::cli {
namespace {

bool looks_like_text(const std::vector<std::uint8_t>& bytes) {
  if (bytes.empty()) return false;
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) {
    return b == '\n' || b == '\r' || b == '\t' || (b >= 0x20 && b < 0x7f);
  });
}

bool has_extension(const std::string& path, std::string_view extension) {
  return path.size() > extension.size() &&
         path.compare(path.size() - extension.size(), extension.size(), extension) == 0;
}

constexpr std::uint32_t kRelocationCall = 10;  // R_BPF_64_32: the imm of a call

// The name a relocated local call shows. clang relocates calls to static functions against
// the section symbol, with the target in imm (section + (imm + 1) slots, as libbpf reads it):
// name the function symbol there ("call checksum", not "call .text"), or section+0xN.
std::string call_target_name(const object::ElfFile& elf, const object::ElfSymbol& symbol,
                             std::int32_t imm) {
  if (symbol.type != object::kSymbolSection) return symbol.name;
  const std::int64_t offset = static_cast<std::int64_t>(symbol.value) +
                              (static_cast<std::int64_t>(imm) + 1) * isa::kSlotSize;
  const object::ElfSymbol* best = nullptr;
  for (const object::ElfSymbol& candidate : elf.symbols()) {
    if (candidate.section != symbol.section || candidate.name.empty() ||
        static_cast<std::int64_t>(candidate.value) != offset) {
      continue;
    }
    if (candidate.type == object::kSymbolFunc) return candidate.name;
    if (candidate.type == object::kSymbolNoType && !best) best = &candidate;
  }
  if (best) return best->name;
  return symbol.name + "+" + to_hex(static_cast<std::uint64_t>(offset));
}

// The C source lines BTF.ext records for each executable section, if the object has them.
void attach_source(const object::ElfFile& elf, ProgramFile& file) {
  const object::ElfSection* btf_section = elf.find_section(".BTF");
  const object::ElfSection* ext_section = elf.find_section(".BTF.ext");
  if (btf_section == nullptr || ext_section == nullptr) return;
  Result<object::Btf> btf = object::Btf::parse(btf_section->data);
  if (!btf) {
    file.source_problem = ".BTF: " + btf.error().to_string();
    return;
  }
  Result<std::vector<object::BtfExtSection>> ext = object::parse_btf_ext(ext_section->data, *btf);
  if (!ext) {
    file.source_problem = ".BTF.ext: " + ext.error().to_string();
    return;
  }
  for (const object::BtfExtSection& lines : *ext) {
    for (CodeSection& code : file.sections) {
      if (code.name != lines.section) continue;
      for (const object::LineInfo& line : lines.lines) {
        if (!line.source.empty()) code.source[line.instruction] = line.source;
      }
    }
  }
}

Result<ProgramFile> read_elf(const std::string& path, std::vector<std::uint8_t> bytes) {
  Result<object::ElfFile> elf = object::ElfFile::parse(std::move(bytes), path);
  if (!elf) return std::move(elf).error();
  ProgramFile file{path, FileKind::elf, {}, {}};
  for (const object::ElfSection& section : elf->sections()) {
    if (!section.executable() || section.size == 0) continue;
    Result<std::vector<isa::Instruction>> decoded = isa::decode(section.data);
    if (!decoded) {
      Error error = std::move(decoded).error();
      error.where.file = path;
      error.where.section = section.name;
      return error;
    }
    CodeSection code{section.name, std::move(*decoded), {}, {}, {}};
    for (const object::ElfSymbol& symbol : elf->symbols()) {
      if (symbol.section != section.index || symbol.type == object::kSymbolSection ||
          symbol.name.empty() ||
          (symbol.type != object::kSymbolFunc && symbol.type != object::kSymbolNoType)) {
        continue;
      }
      code.symbols.push_back(
          {static_cast<std::uint32_t>(symbol.value / isa::kSlotSize), symbol.name});
    }
    Result<std::vector<object::ElfRelocation>> relocations = elf->relocations_for(section.index);
    if (!relocations) return std::move(relocations).error();
    for (const object::ElfRelocation& relocation : *relocations) {
      const std::uint64_t slot = relocation.offset / isa::kSlotSize;
      if (relocation.type == kRelocationCall && relocation.offset % isa::kSlotSize == 0 &&
          slot < section.data.size() / isa::kSlotSize) {
        code.call_names[static_cast<std::uint32_t>(slot)] = call_target_name(
            *elf, elf->symbols()[relocation.symbol], isa::read_slot(section.data, slot).imm);
      }
    }
    file.sections.push_back(std::move(code));
  }
  attach_source(*elf, file);
  return file;
}

}  // namespace

Result<ProgramFile> read_program_file(const std::string& path) {
  Result<std::vector<std::uint8_t>> bytes = read_file(path);
  if (!bytes) return std::move(bytes).error();
  if (object::is_elf(*bytes)) return read_elf(path, std::move(*bytes));
  if (has_extension(path, ".s") || has_extension(path, ".S") || has_extension(path, ".asm") ||
      looks_like_text(*bytes)) {
    isa::AssembleOptions options;
    options.file_name = path;
    Result<std::vector<isa::Instruction>> program = isa::assemble(
        std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()), options);
    if (!program) return std::move(program).error();
    ProgramFile file{path, FileKind::assembly, {}, {}};
    file.sections.push_back(CodeSection{"", std::move(*program), {}, {}, {}});
    return file;
  }
  Result<std::vector<isa::Instruction>> program = isa::decode(*bytes);
  if (!program) {
    Error error = std::move(program).error();
    error.where.file = path;
    return error;
  }
  ProgramFile file{path, FileKind::raw, {}, {}};
  file.sections.push_back(CodeSection{"", std::move(*program), {}, {}, {}});
  return file;
}

}  // namespace xbpf::cli
