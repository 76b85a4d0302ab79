// The object model: what a clang-compiled eBPF object holds, ready for the runtime. Programs
// come out linked (subprograms appended, calls relocated) and every map or global-data
// reference is an RFC 9669 lddw pseudo source naming a map by index into Object::maps:
// `lddw map_by_idx(i)` (src 5) for a map, `lddw map_val(map_by_idx(i)) + off` (src 6) for
// global data, `lddw code_addr(f)` (src 4) for a callback.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "isa/instruction.h"
#include "object/btf.h"
#include "progtype/progtype.h"
#include "support/error.h"

namespace xbpf::object {

enum class MapOrigin : std::uint8_t {
  btf,     // SEC(".maps") with __uint/__type/__array
  legacy,  // SEC("maps") struct bpf_map_def records
  data,    // .data, .data.*: a single-entry array holding the section
  rodata,  // .rodata, .rodata.*: the same, frozen (read-only to programs)
  bss,     // .bss, .bss.*: the same, zeroed
};

// A map's pinning as objects write it: libbpf's LIBBPF_PIN_NONE and LIBBPF_PIN_BY_NAME in
// .maps, iproute2's PIN_NONE, PIN_OBJECT_NS and PIN_GLOBAL_NS in struct bpf_elf_map (Cilium
// writes PIN_GLOBAL_NS in .maps too). LIBBPF_PIN_BY_NAME and PIN_OBJECT_NS share the number 1.
// Other values are kept as they are (Cilium's CILIUM_PIN_REPLACE, 16, is its own loader's) and
// mean no pinning to xbpf.
inline constexpr std::uint32_t kPinNone = 0;
inline constexpr std::uint32_t kPinByName = 1;         // LIBBPF_PIN_BY_NAME, PIN_OBJECT_NS
inline constexpr std::uint32_t kPinGlobalNs = 2;       // PIN_GLOBAL_NS
std::string_view pinning_name(std::uint32_t pinning);  // "PIN_GLOBAL_NS", "" when unknown

struct MapDefinition {
  std::string name;  // the map's symbol, or the section name for global data
  MapOrigin origin = MapOrigin::btf;
  std::uint32_t type = 0;  // enum bpf_map_type
  std::uint32_t key_size = 0;
  std::uint32_t value_size = 0;
  std::uint32_t max_entries = 0;
  std::uint32_t flags = 0;
  std::uint32_t pinning = kPinNone;  // kPin*: as the object asks; pinning is the runtime's
  std::uint64_t map_extra = 0;       // __uint(map_extra, N): a bloom filter's hash count
  std::uint32_t btf_key_type = 0;    // BTF ids (0 when unknown)
  std::uint32_t btf_value_type = 0;
  std::int32_t spin_lock_offset = -1;  // offset of a struct bpf_spin_lock in the value
  // Map-in-map: the inner map's definition (index into Object::maps; the inner definition
  // is listed there too, right after its outer map, named after it with the suffix ".inner",
  // as libbpf names it: "outer.inner"). Programs never reference it by index.
  std::optional<std::size_t> inner;
  // Initial values from __array(values, ...) = { [i] = &x }: slot -> program or map name.
  std::map<std::uint32_t, std::string> initial_references;
  // Global data: the section's initial bytes (zeroes for .bss). Its flags are libbpf's:
  // BPF_F_MMAPABLE, plus BPF_F_RDONLY_PROG for .rodata; btf_value_type is its DATASEC.
  std::vector<std::uint8_t> initial_data;
  [[nodiscard]] bool frozen() const { return origin == MapOrigin::rodata; }
};

struct Program {
  std::string name;     // the function symbol
  std::string section;  // the ELF section, e.g. "xdp" or "cgroup/connect4"
  progtype::ProgramType type = progtype::ProgramType::unspec;
  progtype::AttachType attach = progtype::AttachType::none;
  // The entry function first, then every subprogram it reaches (calls relocated).
  std::vector<isa::Instruction> instructions;
  // Source lines from BTF.ext, by slot of `instructions` (sorted).
  std::vector<LineInfo> lines;
  // Where each function of `instructions` starts: slot -> function name.
  std::map<std::uint32_t, std::string> functions;
  // Maps (indexes into Object::maps) the program references.
  std::vector<std::size_t> maps;
  // Why the program cannot be loaded, when it cannot: no program type (an unknown section
  // name and no --type), an extern it calls, a relocation or CO-RE relocation of its code that
  // cannot be resolved. The object's other programs load without it, as with libbpf's
  // autoload; `instructions` may then be incomplete.
  std::optional<Error> error;
};

struct Object {
  std::string file;
  std::string license;
  std::uint32_t kernel_version = 0;
  std::vector<Program> programs;
  std::vector<MapDefinition> maps;
  std::shared_ptr<const Btf> btf;  // null when the object has no .BTF

  [[nodiscard]] const Program* find_program(std::string_view name) const;
  [[nodiscard]] std::optional<std::size_t> find_map(std::string_view name) const;
};

struct LoadObjectOptions {
  // Overrides the program type the section names select (xbpf ... --type xdp).
  std::optional<progtype::ProgramType> type;
  // Functions to load as programs of their own besides the object's programs, such as a
  // function of .text that a command names (`xbpf verify OBJ name FN`); names that are no
  // function of the object are ignored.
  std::vector<std::string> entries;
};

// Reads an object. Its programs are, as libbpf has them, the global functions of executable
// sections other than .text; and, for objects older clang and other loaders wrote, each
// executable section that has code but no function symbol, as one program named after its
// section, and the static functions of such sections that no code calls (Falco's); and,
// where no other section holds a program, the global functions of .text (objects compiled
// with no SEC()); and the functions `options.entries` names.
//
// Errors name the file, section, instruction or byte offset, and the symbol involved. What
// concerns one program only (unknown section names unless `type` is given, unsupported
// relocations, kconfig/ksym externs, CO-RE relocations that cannot be resolved against xbpf's
// own type descriptions) is that program's Program::error; a malformed ELF, BTF, BTF.ext or
// map definition fails the whole object.
Result<Object> read_object(std::vector<std::uint8_t> bytes, std::string file_name,
                           const LoadObjectOptions& options = {});

}  // namespace xbpf::object
