// The object loader's internals, shared by its files: object.cpp (the steps in order, license,
// version), object_maps.cpp (map definitions and global data), object_code.cpp (functions,
// relocations), object_link.cpp (linking programs) and object_core.cpp (CO-RE).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isa/instruction.h"
#include "object/btf.h"
#include "object/elf.h"
#include "object/object.h"

namespace xbpf::object::detail {

// ELF relocation types of the BPF backend (Documentation/bpf/llvm_reloc.rst).
inline constexpr std::uint32_t kRelocNone = 0;      // R_BPF_NONE
inline constexpr std::uint32_t kReloc64_64 = 1;     // R_BPF_64_64: lddw
inline constexpr std::uint32_t kRelocAbs64 = 2;     // R_BPF_64_ABS64: 64-bit data
inline constexpr std::uint32_t kRelocAbs32 = 3;     // R_BPF_64_ABS32: 32-bit data
inline constexpr std::uint32_t kRelocNodyld32 = 4;  // R_BPF_64_NODYLD32: .BTF, .BTF.ext
inline constexpr std::uint32_t kReloc64_32 = 10;    // R_BPF_64_32: call
std::string relocation_name(std::uint32_t type);

// Global data sections are limited to this size (a .bss of any size costs nothing in the file).
inline constexpr std::uint64_t kMaxGlobalDataSize = 64U << 20;

// A function symbol in an executable section.
struct Function {
  std::string name;
  std::size_t section = 0;  // ELF section index
  std::uint32_t start = 0;  // first slot within the section
  std::uint32_t end = 0;    // one past the last slot
  bool global = false;      // a global or weak symbol, or a whole section without one
  bool program = false;     // a program's entry (object.h's rule at read_object)
  // Why the function cannot be part of a program (its jumps leave it, it splits an lddw).
  std::optional<Error> failure;
};

// An executable section, decoded.
struct CodeSection {
  const ElfSection* elf = nullptr;
  std::vector<isa::Instruction> instructions;
  std::vector<std::int32_t> at_slot;  // slot -> index into `instructions`; -1 inside an lddw
  // Local calls and code_addr lddw: instruction index -> index into Loader::functions_.
  std::map<std::size_t, std::size_t> targets;
  std::vector<bool> relocated;  // by instruction index
  std::vector<LineInfo> lines;  // from .BTF.ext, by section slot
  // Why no program can use the section's code (it does not decode); `instructions` is empty.
  std::optional<Error> failure;
  // Why an instruction cannot be loaded (a relocation or CO-RE relocation that cannot be
  // resolved), by instruction index: the programs that reach it cannot load, the others can.
  std::map<std::size_t, Error> errors;
};

// A map whose definition lives in .maps or maps, by its place there.
struct MapPlacement {
  std::size_t section = 0;  // ELF section index
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::size_t map = 0;  // index into Object::maps
  // Byte offset of the __array(values, ...) member within the definition.
  std::optional<std::uint64_t> values_offset;
};

class Loader {
 public:
  Loader(const ElfFile& elf, const LoadObjectOptions& options, Object& object)
      : elf_(elf), options_(options), object_(object) {}

  Status load();

 private:
  // object.cpp
  Status read_license_and_version();
  Error error(std::string message, std::string_view section = {},
              std::optional<std::uint64_t> byte_offset = std::nullopt) const;
  [[nodiscard]] const ElfSymbol* symbol(std::uint32_t index) const;
  // Checks that a relocation's symbol names a section of this file (or is undefined).
  Status check_symbol_section(const ElfSymbol& symbol, std::string_view section) const;

  // object_maps.cpp
  Status read_btf();
  Status read_btf_maps();
  Status read_legacy_maps();
  // Adds the records of `section` to the maps, calling each(map, record size, offset, field)
  // before adding each, where field(i) reads the record's i-th u32.
  template <typename Each>
  Status read_legacy_map_section(const ElfSection& section, const Each& each);
  Status read_global_data();
  Status read_initial_values();
  Result<std::size_t> add_btf_map(const std::string& name, std::uint32_t struct_id, bool inner,
                                  std::optional<std::uint64_t>* values_offset);
  Status check_overlaps(const ElfSection& section) const;
  [[nodiscard]] const MapPlacement* map_at(std::size_t section, std::uint64_t offset) const;
  [[nodiscard]] const MapPlacement* map_containing(std::size_t section, std::uint64_t offset) const;

  // object_code.cpp
  Status read_functions();
  Status decode_sections();
  Status relocate_code();
  // Records why instruction `index` of `code` cannot be loaded (the first reason kept).
  void fail_instruction(CodeSection& code, std::size_t index, Error error);
  // The instruction a relocation applies to (an error here is a malformed relocation table).
  Result<std::size_t> relocated_instruction(const CodeSection& code,
                                            const ElfRelocation& relocation) const;
  Status relocate(CodeSection& code, std::size_t index, const ElfRelocation& relocation);
  void resolve_local_calls(CodeSection& code);
  [[nodiscard]] std::optional<std::size_t> function_at(std::size_t section,
                                                       std::uint64_t byte_offset) const;
  [[nodiscard]] const Function* function_containing(std::size_t section, std::uint32_t slot) const;
  // "insn 4 of xdp/prog": the instruction within its function, for messages.
  [[nodiscard]] std::string describe_instruction(const CodeSection& code, std::uint32_t slot) const;
  [[nodiscard]] std::string extern_kind(const std::string& name) const;

  // object_builtins.cpp
  static bool is_builtin(std::string_view name);  // memset, memcpy, memmove, memcmp
  // Turns the call at instruction `index` into a local call to a subprogram that does what
  // `name` does for the constant length in r3 (one subprogram per function and length).
  Status lower_builtin_call(CodeSection& code, std::size_t index, const std::string& name);
  std::size_t add_builtin(const std::string& name,
                          const std::function<void(std::vector<isa::Instruction>&)>& write);

  // object_core.cpp
  Status apply_core_relocations();
  Status apply_core_relocation(CodeSection& code, std::size_t index,
                               const CoreRelocation& relocation);

  // object_link.cpp
  Status link_programs();
  Program link(const Function& entry, std::size_t entry_index);

  const ElfFile& elf_;
  const LoadObjectOptions& options_;
  Object& object_;

  std::vector<BtfExtSection> ext_;
  std::vector<MapPlacement> placements_;
  std::map<std::size_t, std::size_t> data_maps_;         // ELF section index -> index into maps
  std::map<std::uint32_t, std::size_t> legacy_map_ids_;  // iproute2's map id -> index into maps
  std::vector<Function> functions_;                      // sorted by section, then start
  std::map<std::pair<std::size_t, std::uint32_t>, std::size_t> function_starts_;
  std::map<std::size_t, CodeSection> code_;  // by ELF section index
  // The subprograms lowered builtin calls use: a code section of their own, indexed after
  // the ELF sections, and its functions by name ("__xbpf_memset_8").
  std::unique_ptr<ElfSection> builtin_section_;
  std::map<std::string, std::size_t> builtins_;
};

}  // namespace xbpf::object::detail
