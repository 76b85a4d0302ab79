#include <algorithm>
#include <cstdio>

#include "isa/syntax.h"
#include "verifier/verifier.h"

namespace xbpf::verifier {

Result<Report> verify(const object::Object& object, const object::Program& program,
                      const Options& options) {
  if (program.error) return *program.error;
  const progtype::ProgramTypeInfo* type = progtype::program_type(program.type);
  if (!type) {
    return make_error(program.section + "/" + program.name + ": program type " +
                      std::to_string(static_cast<std::uint32_t>(program.type)) +
                      " is not known to the verifier");
  }
  ProgramView view;
  view.code = program.instructions;
  view.type = type;
  view.attach = program.attach;
  view.maps = object.maps;
  return verify(view, options);
}

const object::LineInfo* line_for(const object::Program& program, std::uint32_t pc) {
  auto it = std::upper_bound(
      program.lines.begin(), program.lines.end(), pc,
      [](std::uint32_t slot, const object::LineInfo& line) { return slot < line.instruction; });
  if (it == program.lines.begin()) return nullptr;
  return &*std::prev(it);
}

namespace {

std::string indent(const std::string& text) {
  std::string out = "    ";
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '\n' && i + 1 < text.size()) out += "    ";
  }
  return out;
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

}  // namespace

std::string format_report(const object::Program& program, const Report& report, bool all) {
  char head[256];
  std::snprintf(head, sizeof head, "%s %s/%s (%u instructions, %.1f ms)",
                report.passed() ? "PASS" : "FAIL", program.section.c_str(), program.name.c_str(),
                report.instructions, report.seconds * 1000);
  std::string out = head;
  const std::size_t shown =
      all ? report.errors.size() : std::min<std::size_t>(1, report.errors.size());
  for (std::size_t k = 0; k < shown; ++k) {
    const Diagnostic& e = report.errors[k];
    const object::LineInfo* line = line_for(program, e.pc);
    out += "\n";
    if (line && !line->file.empty()) {
      std::string file = line->file;
      if (auto slash = file.find_last_of('/'); slash != std::string::npos)
        file = file.substr(slash + 1);
      out += file + ":" + std::to_string(line->line) + ": ";
    }
    out += "pc " + std::to_string(e.pc) + ": " + e.message + " (" + e.assertion + ")\n";
    if (line && !line->source.empty()) out += indent(trim(line->source)) + "\n";
    for (const isa::Instruction& insn : program.instructions) {
      if (insn.slot == e.pc) {
        out += indent(std::to_string(e.pc) + ": " + isa::format(insn, isa::Syntax::llvm)) + "\n";
        break;
      }
    }
    if (!e.state.empty()) out += indent(e.state) + "\n";
    if (out.back() == '\n') out.pop_back();
  }
  if (!all && report.errors.size() > 1) {
    out += "\n(" + std::to_string(report.errors.size() - 1) +
           " more; --verbose prints every error and the states)";
  }
  return out;
}

}  // namespace xbpf::verifier
