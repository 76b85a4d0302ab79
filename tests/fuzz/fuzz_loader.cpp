// Fuzzes the object loader (ELF, BTF, BTF.ext, maps, relocations, linking, CO-RE): any bytes
// are either refused with an error or loaded into programs that decode back, never a crash.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "isa/instruction.h"
#include "object/object.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xbpf;
  Result<object::Object> object =
      object::read_object(std::vector<std::uint8_t>(data, data + size), "fuzz.o");
  if (!object.ok()) {
    if (object.error().message.empty()) std::abort();
    return 0;
  }
  for (const object::Program& program : object->programs) {
    // A program that cannot load says why (its instructions may be incomplete then).
    if (program.error) {
      if (program.error->message.empty()) std::abort();
      continue;
    }
    // Every linked instruction encodes and decodes back to itself.
    const std::vector<std::uint8_t> bytes = isa::encode(program.instructions);
    Result<std::vector<isa::Instruction>> decoded = isa::decode(bytes);
    if (!decoded.ok() || *decoded != program.instructions) std::abort();
    for (const std::size_t map : program.maps) {
      if (map >= object->maps.size()) std::abort();
    }
  }
  for (const object::MapDefinition& map : object->maps) {
    if (map.inner && *map.inner >= object->maps.size()) std::abort();
  }
  if (object->btf) {
    for (std::uint32_t id = 0; id < object->btf->size(); ++id) {
      (void)object->btf->describe(id);
      (void)object->btf->size_of(id);
    }
  }
  return 0;
}
