// Linking: each program is its entry function followed by every function it reaches through
// local calls and callbacks (libbpf's order: appended as they are first met), with call and
// code_addr immediates rewritten to the linked positions, and line info moved along.
#include <algorithm>
#include <set>

#include "object/loader.h"
#include "support/linux_abi.h"

namespace xbpf::object::detail {
namespace {

// The index range of a function's instructions in its section.
std::pair<std::size_t, std::size_t> instruction_range(const CodeSection& code,
                                                      const Function& function) {
  const auto first = static_cast<std::size_t>(code.at_slot[function.start]);
  std::size_t last = first;
  while (last < code.instructions.size() && code.instructions[last].slot < function.end) ++last;
  return {first, last};
}

// iproute2's tail-call convention: a program in section "ID/KEY" goes into slot KEY of the
// program array whose bpf_elf_map id is ID (Cilium's older datapath is built on it).
std::optional<std::pair<std::uint32_t, std::uint32_t>> tail_call_slot(std::string_view section) {
  const std::size_t slash = section.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view text) -> std::optional<std::uint32_t> {
    if (text.empty() || text.size() > 10) return std::nullopt;
    std::uint64_t value = 0;
    for (const char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (value > UINT32_MAX) return std::nullopt;
    return static_cast<std::uint32_t>(value);
  };
  const std::optional<std::uint32_t> id = number(section.substr(0, slash));
  const std::optional<std::uint32_t> key = number(section.substr(slash + 1));
  if (!id || !key) return std::nullopt;
  return std::pair{*id, *key};
}

}  // namespace

Program Loader::link(const Function& entry, std::size_t entry_index) {
  const ElfSection& section = elf_.sections()[entry.section];
  Program program;
  program.name = entry.name;
  program.section = section.name;
  const std::optional<progtype::SectionMatch> match =
      progtype::program_type_for_section(section.name);
  if (options_.type) {
    program.type = *options_.type;
    program.attach =
        match && match->type == *options_.type ? match->attach : progtype::AttachType::none;
  } else if (match) {
    program.type = match->type;
    program.attach = match->attach;
  }
  // A missing type is reported only when nothing else is wrong: libbpf's users set the type
  // after open (bpf_program__set_type), and then the program's other errors must show.
  std::optional<Error> missing_type;
  if (!options_.type && !match) {
    missing_type = error("section '" + section.name + "' of program '" + entry.name +
                             "' does not name a program type (expected a libbpf section name "
                             "such as xdp, tc, socket, kprobe/FUNCTION or cgroup/connect4); "
                             "choose the type with --type",
                         section.name);
  }
  auto keep_first = [&program](const Error& error) {
    if (!program.error) program.error = error;
  };

  // Which functions, in which order, and where each lands.
  std::vector<std::size_t> order = {entry_index};
  std::map<std::size_t, std::uint32_t> base = {{entry_index, 0}};
  std::uint32_t total = entry.end - entry.start;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Function& function = functions_[order[k]];
    const CodeSection& code = code_.at(function.section);
    if (code.failure) keep_first(*code.failure);
    if (function.failure) keep_first(*function.failure);
    if (code.failure || function.failure) continue;
    const auto [first, last] = instruction_range(code, function);
    if (const auto bad = code.errors.lower_bound(first);
        bad != code.errors.end() && bad->first < last) {
      keep_first(bad->second);
    }
    for (auto it = code.targets.lower_bound(first); it != code.targets.end() && it->first < last;
         ++it) {
      if (base.contains(it->second)) continue;
      base[it->second] = total;
      order.push_back(it->second);
      total += functions_[it->second].end - functions_[it->second].start;
    }
  }

  for (const std::size_t index : order) {
    const Function& function = functions_[index];
    const CodeSection& code = code_.at(function.section);
    if (code.failure || function.failure) continue;
    const std::uint32_t at = base.at(index);
    const auto [first, last] = instruction_range(code, function);
    for (std::size_t i = first; i < last; ++i) {
      isa::Instruction insn = code.instructions[i];
      insn.slot = at + (insn.slot - function.start);
      if (const auto target = code.targets.find(i); target != code.targets.end()) {
        // Both call and lddw code_addr count from the slot after the instruction's first.
        insn.imm = static_cast<std::int32_t>(static_cast<std::int64_t>(base.at(target->second)) -
                                             (static_cast<std::int64_t>(insn.slot) + 1));
      }
      program.instructions.push_back(insn);
    }
    program.functions[at] = function.name;
    for (const LineInfo& line : code.lines) {
      if (line.instruction < function.start || line.instruction >= function.end) continue;
      LineInfo moved = line;
      moved.instruction = at + (line.instruction - function.start);
      program.lines.push_back(std::move(moved));
    }
  }
  std::stable_sort(
      program.lines.begin(), program.lines.end(),
      [](const LineInfo& a, const LineInfo& b) { return a.instruction < b.instruction; });

  std::set<std::size_t> maps;
  for (const isa::Instruction& insn : program.instructions) {
    if (insn.op == isa::Op::lddw_map_idx || insn.op == isa::Op::lddw_map_value_idx) {
      maps.insert(static_cast<std::size_t>(static_cast<std::uint32_t>(insn.imm)));
    }
  }
  program.maps.assign(maps.begin(), maps.end());
  if (!program.error) program.error = std::move(missing_type);
  return program;
}

Status Loader::link_programs() {
  // A static function outside .text that no code calls or takes the address of is an entry:
  // older loaders (Falco's) took every function of a program section as a program. libbpf
  // refuses static programs; they are subprograms here when something calls them.
  std::set<std::size_t> referenced;
  for (const auto& [index, code] : code_) {
    for (const auto& [instruction, function] : code.targets) referenced.insert(function);
  }
  for (std::size_t i = 0; i < functions_.size(); ++i) {
    Function& function = functions_[i];
    if (!function.program && !function.global && function.section < elf_.sections().size() &&
        elf_.sections()[function.section].name != ".text" && !referenced.contains(i)) {
      function.program = true;
    }
  }
  for (std::size_t i = 0; i < functions_.size(); ++i) {
    const Function& function = functions_[i];
    if (!function.program) continue;
    if (options_.only_name && function.name != *options_.only_name) continue;
    if (options_.only_section && elf_.sections()[function.section].name != *options_.only_section) {
      continue;
    }
    object_.programs.push_back(link(function, i));
  }
  for (const Program& program : object_.programs) {
    const auto slot = tail_call_slot(program.section);
    if (!slot) continue;
    const auto map = legacy_map_ids_.find(slot->first);
    if (map == legacy_map_ids_.end()) continue;
    MapDefinition& array = object_.maps[map->second];
    if (array.type != static_cast<std::uint32_t>(linux_abi::MapType::prog_array)) continue;
    array.initial_references.emplace(slot->second, program.name);
  }
  return {};
}

}  // namespace xbpf::object::detail
