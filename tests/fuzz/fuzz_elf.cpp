// Fuzzes the ELF reader and the decoder behind `xbpf disasm`: any bytes are either refused
// with an error or read completely, never a crash or an out-of-bounds access.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "isa/disassembler.h"
#include "isa/instruction.h"
#include "object/elf.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xbpf;
  Result<object::ElfFile> file =
      object::ElfFile::parse(std::vector<std::uint8_t>(data, data + size), "fuzz.o");
  if (!file.ok()) {
    if (file.error().message.empty()) std::abort();
    return 0;
  }
  for (const object::ElfSection& section : file->sections()) {
    Result<std::vector<object::ElfRelocation>> relocations = file->relocations_for(section.index);
    (void)relocations;
    if (!section.executable()) continue;
    Result<std::vector<isa::Instruction>> program = isa::decode(section.data);
    if (!program.ok()) continue;
    isa::ListingOptions options;
    options.section_name = section.name;
    for (const object::ElfSymbol& symbol : file->symbols()) {
      if (symbol.section == section.index) {
        options.symbols.push_back({static_cast<std::uint32_t>(symbol.value / 8), symbol.name});
      }
    }
    const std::string listing = isa::disassemble(*program, options);
    if (!program->empty() && listing.empty()) std::abort();
  }
  return 0;
}
