#include "isa/disassembler.h"

#include <algorithm>
#include <cstdio>

#include "support/text.h"

namespace xbpf::isa {
namespace {

// " <sym>" or " <sym+0x18>" for a branch target, as llvm-objdump annotates them.
std::string annotation(std::int64_t target, const std::vector<ListingSymbol>& sorted,
                       const std::string& section) {
  const ListingSymbol* base = nullptr;
  for (const ListingSymbol& symbol : sorted) {
    if (symbol.slot > target) break;
    base = &symbol;
  }
  std::string name = base ? base->name : section;
  if (name.empty()) return "";
  const std::int64_t delta =
      (target - (base ? base->slot : 0)) * static_cast<std::int64_t>(kSlotSize);
  if (delta != 0) {
    name += "+" + to_hex(static_cast<std::uint64_t>(delta));
  }
  return " <" + name + ">";
}

}  // namespace

std::string disassemble(std::span<const Instruction> program, const ListingOptions& options) {
  std::vector<ListingSymbol> sorted = options.symbols;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const ListingSymbol& a, const ListingSymbol& b) { return a.slot < b.slot; });
  std::string out;
  std::size_t next_symbol = 0;
  bool first = true;
  auto header = [&](const std::string& name, std::uint32_t slot) {
    if (options.addresses) {
      char address[24];
      std::snprintf(address, sizeof address, "%016llx",
                    static_cast<unsigned long long>(slot) * kSlotSize);
      out += (first ? "" : "\n") + std::string(address) + " <" + name + ">:\n";
    } else {
      out += name + ":\n";
    }
    first = false;
  };
  if (options.addresses && !options.section_name.empty() &&
      (sorted.empty() || sorted.front().slot != 0) && !program.empty()) {
    header(options.section_name, 0);
  }
  std::vector<std::uint8_t> bytes;
  std::string last_source;
  for (const Instruction& insn : program) {
    while (next_symbol < sorted.size() && sorted[next_symbol].slot <= insn.slot) {
      header(sorted[next_symbol].name, sorted[next_symbol].slot);
      ++next_symbol;
    }
    // A source line again only when it changes (BTF has a record per column).
    if (auto line = options.source.find(insn.slot);
        line != options.source.end() && line->second != last_source) {
      out += (options.syntax == Syntax::llvm ? "; " : "# ") + line->second + "\n";
      last_source = line->second;
    }
    std::string text = format(insn, options.syntax);
    const Form form = insn.info().form;
    if (form == Form::call_local) {
      auto name = options.call_names.find(insn.slot);
      if (name != options.call_names.end()) {
        text =
            options.syntax == Syntax::llvm ? "call " + name->second : "call local " + name->second;
      }
    }
    if (options.addresses) {
      if (is_branch(form) && options.syntax == Syntax::llvm) {
        text += annotation(insn.target(), sorted, options.section_name);
      }
      bytes.clear();
      encode(insn, bytes);
      char index[16];
      std::snprintf(index, sizeof index, "%8u:", insn.slot);
      out += std::string(index) + "\t" + hex_bytes(bytes) + "\t" + text + "\n";
    } else {
      out += "\t" + text + "\n";
    }
  }
  return out;
}

}  // namespace xbpf::isa
