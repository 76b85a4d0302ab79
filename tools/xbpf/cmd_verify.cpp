// xbpf verify OBJ [section S | name FN] [--type T] [--verbose] [--dot FILE] [-j]
#include <cstdio>
#include <fstream>
#include <string>

#include "commands.h"
#include "isa/syntax.h"
#include "object/object.h"
#include "object_loading.h"
#include "support/files.h"
#include "support/json.h"
#include "verifier/verifier.h"

namespace xbpf::cli {
namespace {

constexpr const char* kHelp =
    R"help(Usage: xbpf verify OBJ [section S | name FN] [--type T] [--verbose] [--dot FILE] [-j]

Proves each program of an ELF object safe for its program type (memory accesses in bounds,
no uninitialised reads, pointer rules, helper arguments, references released, loops that
terminate, valid return values) and prints, per program:

  PASS xdp/fn (N instructions, T ms)
  FAIL xdp/fn (N instructions, T ms)

followed, for a failure, by the first error: the source line (from BTF line info), the pc,
what could not be proven and the assertion, the C source, the instruction and the relevant
registers and stack. A program that cannot be loaded (no program type, an extern, a
relocation that cannot be resolved) prints "ERROR section/fn: why", and the others are
verified all the same.

Options:
  section S, name FN  verify only the programs of section S, or the program named FN (any
                      function of the object, one of .text too)
  --type T            the program type, overriding the section name (xdp, sched_cls, ...)
  --verbose           print the abstract state before every instruction, and every error
  --dot FILE          write the control-flow graph with the states for Graphviz
  -j, --json          JSON output

Exit status: 0 when every program passes, 2 when one cannot be loaded or on bad input, else
1 when one fails.
)help";

void write_dot(const std::string& path, const object::Program& program,
               const verifier::Report& report) {
  std::ofstream out(path);
  out << "digraph \"" << program.section << "/" << program.name << "\" {\n"
      << "  node [shape=box, fontname=monospace, fontsize=9];\n";
  auto escape = [](const std::string& text) {
    std::string r;
    for (char c : text) {
      if (c == '"' || c == '\\') r += '\\';
      if (c == '\n') {
        r += "\\l";
        continue;
      }
      r += c;
    }
    return r + "\\l";
  };
  for (const isa::Instruction& insn : program.instructions) {
    std::string label = std::to_string(insn.slot) + ": " + isa::format(insn, isa::Syntax::llvm);
    if (auto it = report.states.find(insn.slot); it != report.states.end())
      label += "\n" + it->second;
    bool failed = false;
    for (const auto& e : report.errors) failed = failed || e.pc == insn.slot;
    out << "  n" << insn.slot << " [label=\"" << escape(label) << "\""
        << (failed ? ", color=red" : "") << "];\n";
    const isa::OpInfo& info = insn.info();
    const std::uint32_t next = insn.slot + insn.slots();
    if (isa::is_branch(info.form)) {
      out << "  n" << insn.slot << " -> n" << insn.target() << ";\n";
    }
    if (info.form == isa::Form::call_local) {
      out << "  n" << insn.slot << " -> n" << insn.target() << " [style=dashed];\n";
    }
    if (info.form != isa::Form::exit && info.form != isa::Form::jump &&
        info.form != isa::Form::jump_long && next < isa::slot_count(program.instructions)) {
      out << "  n" << insn.slot << " -> n" << next << ";\n";
    }
  }
  out << "}\n";
}

}  // namespace

int command_verify(Args& args) {
  if (args.wants_help()) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  Result<ProgramSelection> selection = parse_program_selection(args);
  if (!selection) return report(selection.error());
  const std::optional<std::string>& section = selection->section;
  const std::optional<std::string>& name = selection->name;
  Result<std::optional<std::string>> dot = args.value("dot");
  if (!dot) return report(dot.error());
  const bool verbose = args.flag("--verbose") || args.flag("-v");
  std::optional<std::string> path = args.positional();
  if (!path) return report(usage_error("verify needs an object FILE"));
  if (Status rest = args.finish(); !rest) return report(rest.error());

  Result<object::Object> object = read_object_file(*path, *selection);
  if (!object) return report(object.error());
  std::vector<const object::Program*> selected;
  for (const object::Program& program : object->programs) {
    if (section && program.section != *section) continue;
    if (name && program.name != *name) continue;
    selected.push_back(&program);
  }
  if (selected.empty()) {
    std::string programs;
    for (const object::Program& program : object->programs) {
      programs += (programs.empty() ? "" : ", ") + program.section + "/" + program.name;
    }
    return report(make_error(
        *path + ": no program matches" + (section ? " section '" + *section + "'" : std::string()) +
        (name ? " name '" + *name + "'" : std::string()) +
        " (programs: " + (programs.empty() ? std::string("none") : programs) + ")"));
  }
  if (*dot && selected.size() != 1) {
    return report(usage_error("--dot needs a single program: choose one with name FN"));
  }
  JsonWriter json(args.options().pretty);
  json.begin_array();
  bool all_passed = true;
  bool all_loaded = true;
  for (const object::Program* program : selected) {
    verifier::Options options;
    options.record_states = verbose || dot->has_value();
    Result<verifier::Report> result = verifier::verify(*object, *program, options);
    if (!result) {
      // This program cannot be verified (it cannot be loaded); the others still are.
      all_loaded = false;
      const std::string label = program->section + "/" + program->name;
      if (args.options().json) {
        json.begin_object()
            .field("program", label)
            .field("passed", false)
            .field("error", result.error().to_string())
            .end_object();
      } else {
        std::printf("ERROR %s: %s\n", label.c_str(), result.error().to_string().c_str());
      }
      continue;
    }
    const verifier::Report& r = *result;
    all_passed = all_passed && r.passed();
    if (*dot) write_dot(**dot, *program, r);
    if (args.options().json) {
      json.begin_object()
          .field("program", program->section + "/" + program->name)
          .field("passed", r.passed())
          .field("instructions", static_cast<std::uint64_t>(r.instructions))
          .field("milliseconds", r.seconds * 1000)
          .key("errors")
          .begin_array();
      for (const verifier::Diagnostic& e : r.errors) {
        json.begin_object()
            .field("pc", static_cast<std::uint64_t>(e.pc))
            .field("kind", verifier::assertion_kind_name(e.kind))
            .field("message", e.message)
            .field("assertion", e.assertion)
            .key("operands")
            .begin_array();
        for (int reg : e.operands) json.value("r" + std::to_string(reg));
        json.end_array();
        if (const object::LineInfo* line = verifier::line_for(*program, e.pc)) {
          json.field("file", line->file).field("line", static_cast<std::uint64_t>(line->line));
        }
        json.end_object();
      }
      json.end_array().end_object();
      continue;
    }
    if (verbose) {
      for (const isa::Instruction& insn : program->instructions) {
        if (auto it = r.states.find(insn.slot); it != r.states.end()) {
          std::string state = it->second;
          std::string indented;
          for (char c : state) indented += c == '\n' ? std::string("\n    ") : std::string(1, c);
          std::printf("    %s\n", indented.c_str());
        }
        std::printf("%u: %s\n", insn.slot, isa::format(insn, isa::Syntax::llvm).c_str());
      }
    }
    std::printf("%s\n", verifier::format_report(*program, r, verbose).c_str());
  }
  json.end_array();
  if (args.options().json) std::printf("%s\n", json.str().c_str());
  if (!all_loaded) return kExitBadInput;
  return all_passed ? kExitOk : kExitFailed;
}

}  // namespace xbpf::cli
