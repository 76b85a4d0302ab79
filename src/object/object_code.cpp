// Code: function symbols, decoding of executable sections, and the relocations of their
// instructions (map and global-data references, local calls, callbacks).
#include <algorithm>

#include "object/loader.h"
#include "progtype/progtype.h"
#include "support/text.h"

namespace xbpf::object::detail {

Status Loader::read_functions() {
  const std::vector<ElfSection>& sections = elf_.sections();
  for (const ElfSymbol& symbol : elf_.symbols()) {
    if (symbol.type != kSymbolFunc || symbol.section == 0 || symbol.section >= sections.size()) {
      continue;
    }
    const ElfSection& section = sections[symbol.section];
    if (!section.executable()) continue;
    auto fail = [&](const std::string& why) {
      return error("function '" + symbol.name + "' (" + std::to_string(symbol.size) + " bytes at " +
                       to_hex(symbol.value) + "): " + why,
                   section.name);
    };
    if (symbol.value % isa::kSlotSize != 0 || symbol.size % isa::kSlotSize != 0) {
      return fail("not a whole number of 8-byte instructions");
    }
    if (symbol.size == 0) return fail("the function symbol has size 0");
    // (data, not size: an executable NOBITS section has no instructions)
    const std::uint64_t size = section.data.size();
    if (symbol.value > size || symbol.size > size - symbol.value) {
      return fail("runs past the end of its section (" + std::to_string(size) + " bytes)");
    }
    Function function;
    function.name = symbol.name;
    function.section = section.index;
    function.start = static_cast<std::uint32_t>(symbol.value / isa::kSlotSize);
    function.end = static_cast<std::uint32_t>((symbol.value + symbol.size) / isa::kSlotSize);
    function.global = symbol.bind == kBindGlobal || symbol.bind == kBindWeak;
    function.program = function.global && section.name != ".text";
    functions_.push_back(std::move(function));
  }
  // Older clang wrote no function symbols: a section with code but none is one function, named
  // after its section.
  for (const ElfSection& section : sections) {
    if (!section.executable() || section.data.empty()) continue;
    const bool has_function =
        std::any_of(functions_.begin(), functions_.end(),
                    [&](const Function& f) { return f.section == section.index; });
    if (has_function) continue;
    Function function;
    function.name = section.name;
    function.section = section.index;
    function.end = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(section.data.size() / isa::kSlotSize, UINT32_MAX));
    function.global = true;
    function.program = section.name != ".text";
    functions_.push_back(std::move(function));
  }
  // An object compiled with no SEC() has all its code in .text: its global functions are its
  // programs then, since there is nothing else they could be subprograms of.
  const bool has_programs = std::any_of(functions_.begin(), functions_.end(),
                                        [](const Function& f) { return f.program; });
  for (Function& function : functions_) {
    if (!has_programs && function.global && sections[function.section].name == ".text") {
      function.program = true;
    }
    if (std::find(options_.entries.begin(), options_.entries.end(), function.name) !=
        options_.entries.end()) {
      function.program = true;
    }
  }
  std::stable_sort(functions_.begin(), functions_.end(), [](const Function& a, const Function& b) {
    return a.section != b.section ? a.section < b.section : a.start < b.start;
  });
  for (std::size_t i = 0; i < functions_.size(); ++i) {
    function_starts_.emplace(std::pair{functions_[i].section, functions_[i].start}, i);
  }
  return {};
}

std::optional<std::size_t> Loader::function_at(std::size_t section,
                                               std::uint64_t byte_offset) const {
  if (byte_offset % isa::kSlotSize != 0) return std::nullopt;
  const std::uint64_t slot = byte_offset / isa::kSlotSize;
  if (slot > UINT32_MAX) return std::nullopt;
  const auto found = function_starts_.find({section, static_cast<std::uint32_t>(slot)});
  if (found == function_starts_.end()) return std::nullopt;
  return found->second;
}

const Function* Loader::function_containing(std::size_t section, std::uint32_t slot) const {
  for (const Function& function : functions_) {
    if (function.section == section && slot >= function.start && slot < function.end) {
      return &function;
    }
  }
  return nullptr;
}

std::string Loader::describe_instruction(const CodeSection& code, std::uint32_t slot) const {
  if (const Function* function = function_containing(code.elf->index, slot)) {
    return "insn " + std::to_string(slot - function->start) + " of " + code.elf->name + "/" +
           function->name;
  }
  return "insn " + std::to_string(slot) + " of section " + code.elf->name;
}

Status Loader::decode_sections() {
  for (const Function& function : functions_) {
    if (code_.contains(function.section)) continue;
    const ElfSection& section = elf_.sections()[function.section];
    CodeSection code;
    code.elf = &section;
    code.at_slot.assign(section.data.size() / isa::kSlotSize, -1);
    Result<std::vector<isa::Instruction>> decoded = isa::decode(section.data);
    if (decoded) {
      code.instructions = std::move(*decoded);
    } else {
      code.failure = std::move(decoded).error();
      code.failure->where.file = elf_.file_name();
      code.failure->where.section = section.name;
    }
    code.relocated.assign(code.instructions.size(), false);
    for (std::size_t i = 0; i < code.instructions.size(); ++i) {
      code.at_slot[code.instructions[i].slot] = static_cast<std::int32_t>(i);
    }
    for (const BtfExtSection& ext : ext_) {
      if (ext.section == section.name) code.lines = ext.lines;
    }
    code_.emplace(section.index, std::move(code));
  }
  // Functions start and end on instruction boundaries, and their jumps stay inside them.
  for (Function& function : functions_) {
    const CodeSection& code = code_.at(function.section);
    if (code.failure) continue;
    auto splits = [&](std::uint32_t slot) {
      return slot < code.at_slot.size() && code.at_slot[slot] < 0;
    };
    if (splits(function.start) || splits(function.end)) {
      function.failure = error(
          "function '" + function.name + "' (insns " + std::to_string(function.start) + ".." +
              std::to_string(function.end - 1) + " of the section) splits an lddw instruction",
          code.elf->name);
      continue;
    }
    for (std::uint32_t slot = function.start; slot < function.end; ++slot) {
      if (code.at_slot[slot] < 0) continue;
      const isa::Instruction& insn =
          code.instructions[static_cast<std::size_t>(code.at_slot[slot])];
      if (!isa::is_branch(insn.info().form)) continue;
      const std::int64_t target = insn.target();
      if (target < function.start || target >= function.end) {
        function.failure =
            error("jump at " + describe_instruction(code, slot) + " leaves the function (to insn " +
                      std::to_string(target - static_cast<std::int64_t>(function.start)) + ")",
                  code.elf->name);
        break;
      }
    }
  }
  return {};
}

std::string Loader::extern_kind(const std::string& name) const {
  if (!object_.btf) return "";
  const Btf& btf = *object_.btf;
  for (const auto& [section, kind] :
       {std::pair{".kconfig", "kconfig"}, std::pair{".ksyms", "ksym"}}) {
    const std::optional<std::uint32_t> datasec = btf.find(BtfKind::datasec, section);
    if (!datasec) continue;
    for (const BtfVarSecInfo& info : btf.type(*datasec)->sections) {
      if (btf.type(info.type)->name == name) return kind;
    }
  }
  // A kfunc declared with __ksym but not listed in .ksyms.
  if (const std::optional<std::uint32_t> function = btf.find(BtfKind::function, name)) {
    if (btf.type(*function)->linkage == 2) return "ksym";
  }
  return "";
}

void Loader::fail_instruction(CodeSection& code, std::size_t index, Error error) {
  code.errors.emplace(index, std::move(error));
}

Result<std::size_t> Loader::relocated_instruction(const CodeSection& code,
                                                  const ElfRelocation& relocation) const {
  const ElfSection& section = *code.elf;
  const ElfSymbol& target = elf_.symbols()[relocation.symbol];
  const std::string type_name = relocation_name(relocation.type);
  const std::uint64_t size = section.data.size();
  if (relocation.offset % isa::kSlotSize != 0 || relocation.offset >= size) {
    return error(
        type_name + " relocation against '" + target.name + "' at offset " +
            to_hex(relocation.offset) + " is " +
            (relocation.offset >= size ? "outside the section (" + std::to_string(size) + " bytes)"
                                       : std::string("not on an instruction boundary")),
        section.name);
  }
  const auto slot = static_cast<std::uint32_t>(relocation.offset / isa::kSlotSize);
  if (code.at_slot[slot] < 0) {
    return error(type_name + " relocation against '" + target.name + "' at offset " +
                     to_hex(relocation.offset) + " points into the middle of an lddw instruction",
                 section.name);
  }
  return static_cast<std::size_t>(code.at_slot[slot]);
}

Status Loader::relocate(CodeSection& code, std::size_t index, const ElfRelocation& relocation) {
  const ElfSection& section = *code.elf;
  const ElfSymbol& target = elf_.symbols()[relocation.symbol];
  const std::string type_name = relocation_name(relocation.type);
  isa::Instruction& insn = code.instructions[index];
  const std::uint32_t slot = insn.slot;
  code.relocated[index] = true;
  auto where = [&] { return describe_instruction(code, slot); };
  auto fail = [&](const std::string& message) { return error(message, section.name); };

  if (relocation.type != kReloc64_64 && relocation.type != kReloc64_32) {
    return fail("unsupported " + type_name + " relocation against '" + target.name + "' at " +
                where() + " (expected R_BPF_64_64 on lddw or R_BPF_64_32 on a call)");
  }
  XBPF_TRY(check_symbol_section(target, section.name));
  if (target.section == 0) {
    // (clang's BTF describes a declared memset as an extern function, which reads as a
    // kfunc; the kernel has no kfunc of these names)
    if (relocation.type == kReloc64_32 &&
        (insn.op == isa::Op::call_local || insn.op == isa::Op::call_helper) &&
        is_builtin(target.name)) {
      return lower_builtin_call(code, index, target.name);
    }
    // An extern function named after a helper (`extern void* bpf_map_lookup_elem(...)`) is
    // that helper, as eBPF for Windows' loader resolves it.
    if (relocation.type == kReloc64_32 &&
        (insn.op == isa::Op::call_local || insn.op == isa::Op::call_helper) &&
        target.name.starts_with("bpf_")) {
      if (const progtype::HelperPrototype* helper =
              progtype::helper_named(std::string_view(target.name).substr(4))) {
        insn = isa::make(isa::Op::call_helper, 0, 0, 0, static_cast<std::int32_t>(helper->id));
        insn.slot = slot;
        return {};
      }
    }
    const std::string kind = extern_kind(target.name);
    return fail("extern '" + target.name + "'" + (kind.empty() ? "" : " (" + kind + ")") +
                " used at " + where() + " is not supported");
  }
  const ElfSection& target_section = elf_.sections()[target.section];

  if (relocation.type == kReloc64_32) {
    if (insn.op != isa::Op::call_local && insn.op != isa::Op::call_helper) {
      return fail("R_BPF_64_32 relocation against '" + target.name + "' at " + where() +
                  " applies to " + std::string(insn.info().name) + ", expected a call");
    }
    // The call lands at (S + A) / 8 - 1 slots after the call's own slot + 1, i.e. at byte
    // S + (imm + 1) * 8 of the symbol's section (imm holds the implicit addend).
    const std::int64_t byte =
        static_cast<std::int64_t>(target.value) + (static_cast<std::int64_t>(insn.imm) + 1) * 8;
    const std::optional<std::size_t> function =
        target_section.executable() && byte >= 0
            ? function_at(target.section, static_cast<std::uint64_t>(byte))
            : std::nullopt;
    if (!function) {
      return fail("call at " + where() + " targets byte " + std::to_string(byte) + " of section '" +
                  target_section.name + "' (symbol '" + target.name +
                  "'), which is not the start of a function");
    }
    insn = isa::make(isa::Op::call_local, 0, 0, 0, insn.imm);
    insn.slot = slot;
    code.targets[index] = *function;
    return {};
  }

  // R_BPF_64_64: an lddw of a map, of global data or of a function's address.
  if (insn.op != isa::Op::lddw) {
    return fail("R_BPF_64_64 relocation against '" + target.name + "' at " + where() +
                " applies to " + std::string(insn.info().name) + ", expected lddw (src 0)");
  }
  // (the implicit addend in imm, and a RELA section's explicit one)
  const std::uint64_t offset = target.value +
                               static_cast<std::uint64_t>(static_cast<std::uint32_t>(insn.imm)) +
                               static_cast<std::uint64_t>(relocation.addend);
  const std::uint8_t dst = insn.dst;
  if (const MapPlacement* placement = map_containing(target.section, offset)) {
    if (placement->offset != offset) {
      return fail("lddw at " + where() + " refers to byte " +
                  std::to_string(offset - placement->offset) + " of map '" +
                  object_.maps[placement->map].name + "', expected the map itself");
    }
    insn = isa::make(isa::Op::lddw_map_idx, dst, 0, 0, static_cast<std::int32_t>(placement->map));
  } else if (const auto data = data_maps_.find(target.section); data != data_maps_.end()) {
    if (offset > target_section.size || offset > INT32_MAX) {
      return fail("lddw at " + where() + " refers to byte " + std::to_string(offset) + " of '" +
                  target_section.name + "', which has " + std::to_string(target_section.size) +
                  " bytes");
    }
    insn = isa::make(isa::Op::lddw_map_value_idx, dst, 0, 0,
                     static_cast<std::int32_t>(data->second), static_cast<std::int32_t>(offset));
  } else if (target_section.executable()) {
    const std::optional<std::size_t> function = function_at(target.section, offset);
    if (!function) {
      return fail("lddw at " + where() + " takes the address of byte " + std::to_string(offset) +
                  " of section '" + target_section.name + "' (symbol '" + target.name +
                  "'), which is not the start of a function");
    }
    insn = isa::make(isa::Op::lddw_code_addr, dst, 0, 0, 0);
    code.targets[index] = *function;
  } else {
    return fail("lddw at " + where() + " refers to '" + target.name + "' in section '" +
                target_section.name + "', which holds no maps, global data or code");
  }
  insn.slot = slot;
  return {};
}

// Local calls that clang resolved itself (no relocation): the target is in the same section.
// Other pseudo sources of lddw only make sense as the result of a relocation.
void Loader::resolve_local_calls(CodeSection& code) {
  for (std::size_t i = 0; i < code.instructions.size(); ++i) {
    const isa::Instruction& insn = code.instructions[i];
    if (code.relocated[i]) continue;
    if (insn.info().form == isa::Form::lddw && insn.op != isa::Op::lddw &&
        insn.op != isa::Op::lddw_code_addr) {
      fail_instruction(
          code, i,
          error("lddw at " + describe_instruction(code, insn.slot) + " has pseudo source " +
                    std::to_string(insn.src) + " (" + std::string(insn.info().name) +
                    ") but no relocation; an object names maps through relocations",
                code.elf->name));
      continue;
    }
    if (insn.op != isa::Op::call_local && insn.op != isa::Op::lddw_code_addr) continue;
    const std::int64_t target = insn.target();
    const std::optional<std::size_t> function =
        target >= 0 ? function_at(code.elf->index, static_cast<std::uint64_t>(target) * 8)
                    : std::nullopt;
    if (!function) {
      fail_instruction(
          code, i,
          error(std::string(insn.op == isa::Op::call_local ? "call" : "lddw code_addr") + " at " +
                    describe_instruction(code, insn.slot) + " targets insn " +
                    std::to_string(target) + " of the section, which is not the start of a " +
                    "function",
                code.elf->name));
      continue;
    }
    code.targets[i] = *function;
  }
}

Status Loader::relocate_code() {
  for (auto& [index, code] : code_) {
    if (code.failure || index >= elf_.sections().size()) continue;  // builtins: no relocations
    Result<std::vector<ElfRelocation>> relocations = elf_.relocations_for(index);
    if (!relocations) return std::move(relocations).error();
    for (ElfRelocation relocation : *relocations) {
      if (relocation.type == kRelocNone && relocation.symbol == 0) continue;
      Result<std::size_t> at = relocated_instruction(code, relocation);
      if (!at) return std::move(at).error();
      // Older LLVM (objects with e_machine EM_NONE) wrote relocations of type 0 against the
      // maps an lddw loads and the functions a call calls. libbpf goes by the instruction
      // rather than the type, and so does xbpf for these.
      if (relocation.type == kRelocNone) {
        const isa::Op op = code.instructions[*at].op;
        if (op == isa::Op::lddw) {
          relocation.type = kReloc64_64;
        } else if (op == isa::Op::call_local || op == isa::Op::call_helper) {
          relocation.type = kReloc64_32;
        } else {
          continue;
        }
      }
      if (Status done = relocate(code, *at, relocation); !done) {
        fail_instruction(code, *at, std::move(done).error());
      }
    }
    resolve_local_calls(code);
  }
  return {};
}

}  // namespace xbpf::object::detail
