// The verifier against the YAML semantics cases of ../shared/verifier-yaml (README there): each
// case's entry state (`pre`) and snippet run through xbpf's verifier in the README's
// environment, and three figures compare the outcome with the expectation: the verdict (safe or
// not), the location of the first error, and whether the computed exit state entails `post`.
// The totals may only go up: the assertions hold the figures measured so far.
//
// XBPF_YAML_DIFFERENCES=FILE writes every disagreement as a Markdown table (the source of
// docs/verifier-yaml-differences.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "isa/assembler.h"
#include "platform/platform.h"
#include "progtype/progtype.h"
#include "test_paths.h"
#include "verifier/verifier.h"
#include "verifier_yaml_state.h"
#include "yaml_subset.h"

namespace xbpf::test::yaml {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string file;
  std::string name;
  std::vector<std::string> options;
  std::vector<std::string> pre;
  std::vector<std::pair<std::string, std::string>> code;  // label, text
  std::vector<std::string> post;
  std::vector<std::string> errors;  // expected messages, notes removed
  bool expected_exception = false;
};

std::vector<std::string> strings(const Node* node) {
  std::vector<std::string> out;
  if (!node) return out;
  if (node->type == Node::Type::scalar) {
    if (!node->text.empty()) out.push_back(node->text);
    return out;
  }
  for (const Node& item : node->items) out.push_back(item.text);
  return out;
}

// A case from a parsed document, or an error.
std::optional<Case> to_case(const Node& doc, const std::string& file, std::string* error) {
  Case c;
  c.file = file;
  const Node* name = doc.find("test-case");
  const Node* code = doc.find("code");
  if (!name || name->type != Node::Type::scalar) {
    *error = "no test-case name";
    return std::nullopt;
  }
  c.name = name->text;
  if (!code || code->type != Node::Type::mapping || code->keys.empty()) {
    *error = c.name + ": no code";
    return std::nullopt;
  }
  for (std::size_t i = 0; i < code->keys.size(); ++i)
    c.code.emplace_back(code->keys[i], code->values[i].text);
  c.options = strings(doc.find("options"));
  c.pre = strings(doc.find("pre"));
  c.post = strings(doc.find("post"));
  for (const std::string& m : strings(doc.find("messages"))) {
    if (m.find("Code becomes unreachable") == std::string::npos) c.errors.push_back(m);
  }
  c.expected_exception = doc.find("expected-exception") != nullptr;
  return c;
}

// ---- The snippet as xbpf assembly ----

struct Program {
  std::string text;
  std::vector<std::uint32_t> assumptions;  // instruction indexes of `assume`
  std::vector<std::uint32_t> line_of;      // instruction index -> the case's instruction index
};

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::string label_name(const std::string& label) {
  std::string out = "L_";
  for (char c : label) {
    if (c != '<' && c != '>') out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  return out;
}

// One line of PREVAIL's assembly in LLVM syntax as xbpf's assembler reads it.
std::string translate(std::string line, std::vector<std::uint32_t>* assumptions,
                      std::uint32_t index, std::string* extra_label) {
  static const std::regex label(R"(<([A-Za-z0-9_]+)>)");
  line = std::regex_replace(line, label, "L_$1");
  static const std::regex assume(R"(^assume\s+([rw]\d+)\s*(s?[<>]=?|==|!=)\s*(\S+)$)");
  std::smatch m;
  if (std::regex_match(line, m, assume)) {
    static const std::map<std::string, std::string> negation = {
        {">", "<="},   {">=", "<"},   {"<", ">="},   {"<=", ">"},  {"s>", "s<="},
        {"s>=", "s<"}, {"s<", "s>="}, {"s<=", "s>"}, {"==", "!="}, {"!=", "=="}};
    assumptions->push_back(index);
    *extra_label = "L__assume" + std::to_string(index);
    std::string src = m[3];
    if (m[1].str()[0] == 'w' && src[0] == 'r') src[0] = 'w';
    return "if " + m[1].str() + " " + negation.at(m[2].str()) + " " + src + " goto " + *extra_label;
  }
  static const std::regex lock(
      R"(^lock\s+\*\(u(32|64)\s*\*\)\((r\d+)\s*([+-])\s*(\d+)\)\s*(\+=|\|=|&=|\^=|x=|cx=)\s*[rw](\d+)(\s+fetch)?$)");
  if (std::regex_match(line, m, lock)) {
    const bool wide = m[1] == "64";
    const std::string at = m[2].str() + " " + m[3].str() + " " + m[4].str();
    const std::string src = (wide ? "r" : "w") + m[6].str();
    const std::string op = m[5];
    if (op == "x=") return src + " = " + (wide ? "xchg_64(" : "xchg32_32(") + at + ", " + src + ")";
    if (op == "cx=") {
      return wide ? "r0 = cmpxchg_64(" + at + ", r0, " + src + ")"
                  : "w0 = cmpxchg32_32(" + at + ", w0, " + src + ")";
    }
    const std::string name = op == "+=" ? "add" : op == "|=" ? "or" : op == "&=" ? "and" : "xor";
    const std::string type = wide ? "u64" : "u32";
    if (m[7].matched) {
      return src + " = atomic_fetch_" + name + "((" + type + " *)(" + at + "), " + src + ")";
    }
    const std::string plain_src = (wide || op == "+=" ? "r" : "w") + m[6].str();
    return "lock *(" + type + " *)(" + at + ") " + op + " " + plain_src;
  }
  // PREVAIL's `&!=` jumps when no bit is set, which no eBPF jump does: it becomes a jset over
  // an unconditional jump.
  static const std::regex jnset(R"(^if\s+([rw]\d+)\s*&!=\s*(\S+)\s+goto\s+(\S+)$)");
  if (std::regex_match(line, m, jnset)) {
    std::string src = m[2];
    if (m[1].str()[0] == 'w' && src[0] == 'r') src[0] = 'w';
    return "if " + m[1].str() + " & " + src + " goto +1\ngoto " + m[3].str();
  }
  // 32-bit comparisons name both registers wN; jset is `&==` in PREVAIL's syntax.
  static const std::regex cond32(R"(^(if\s+w\d+\s*\S+\s*)r(\d+))");
  line = std::regex_replace(line, cond32, "$1w$2");
  static const std::regex alu32(R"(^(w\d+\s*s?[^\s\w]*=\s*)r(\d+)$)");
  line = std::regex_replace(line, alu32, "$1w$2");
  static const std::regex jset(R"(^(if\s+[rw]\d+\s*)&==)");
  line = std::regex_replace(line, jset, "$1&");
  static const std::regex movsx(R"(^([rw]\d+)\s+s(8|16|32)=\s*([rw]\d+)$)");
  line = std::regex_replace(line, movsx, "$1 = (s$2)$3");
  static const std::regex ll(R"((-?\d+)ll$)");
  line = std::regex_replace(line, ll, "$1 ll");
  static const std::regex neg(R"(= - ([rw]\d+)$)");
  line = std::regex_replace(line, neg, "= -$1");
  return line;
}

Program assemble_text(const Case& c) {
  Program p;
  std::uint32_t index = 0;
  for (const auto& [label, text] : c.code) {
    p.text += label_name(label) + ":\n";
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      if (const auto semi = line.find(';'); semi != std::string::npos) line.resize(semi);
      if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
      line = trim(line);
      if (line.empty()) continue;
      std::string extra;
      const std::string translated =
          translate(line, &p.assumptions, static_cast<std::uint32_t>(p.line_of.size()), &extra);
      p.text += translated + "\n";
      if (!extra.empty()) p.text += extra + ":\n";
      const auto instructions = 1 + std::count(translated.begin(), translated.end(), '\n');
      p.line_of.insert(p.line_of.end(), static_cast<std::size_t>(instructions), index);
      ++index;
    }
  }
  return p;
}

// ---- The environment ----

const progtype::ProgramTypeInfo& environment_type() {
  using progtype::ContextField;
  using progtype::FieldKind;
  static const ContextField fields[] = {
      {"data", 0, 4, FieldKind::packet_start, false},
      {"data_end", 4, 4, FieldKind::packet_end, false},
      {"rest", 8, 56, FieldKind::scalar, true},
  };
  static const std::vector<std::int32_t> helpers = [] {
    std::vector<std::int32_t> ids;
    for (std::int32_t id = 1; id < 512; ++id) ids.push_back(id);
    return ids;
  }();
  static const progtype::ProgramTypeInfo type{progtype::ProgramType::sched_cls,
                                              "yaml",
                                              "__sk_buff",
                                              64,
                                              fields,
                                              false,
                                              0,
                                              progtype::kAnyReturn,
                                              helpers};
  return type;
}

// ---- Running a case ----

struct Outcome {
  bool refused = false;  // the case could not be built (parse or assembly error)
  std::string refusal;
  bool safe = false;
  std::optional<std::uint32_t> location;  // first error, instruction index
  std::string first_error;
  bool verdict_agrees = false, location_agrees = false, post_entailed = false;
  std::string post_failure;  // the first post constraint not entailed
  int unknown = 0;           // post constraints xbpf's state cannot say (pointer addresses)
};

// The location of an expected message: "4: ...", "4:9: ..." (an edge: its source),
// "0/11:12: ..." (inside a call: the last frame's).
std::optional<std::uint32_t> expected_location(const std::string& message) {
  static const std::regex prefix(R"(^([0-9/]+)(:[0-9]+)?: )");
  std::smatch m;
  if (!std::regex_search(message, m, prefix)) return std::nullopt;
  std::string path = m[1];
  if (const auto slash = path.rfind('/'); slash != std::string::npos) path = path.substr(slash + 1);
  return static_cast<std::uint32_t>(std::stoul(path));
}

Outcome run_case(const Case& c) {
  Outcome out;
  auto fail = [&](std::string why) {
    out.refused = true;
    out.refusal = std::move(why);
    return out;
  };
  std::vector<Constraint> pre;
  std::vector<std::optional<Constraint>> post;  // nullopt: outside xbpf's stack frame
  for (const std::string& text : c.pre) {
    auto parsed = parse_constraint(text);
    if (!parsed) return fail("pre constraint outside the vocabulary: " + text);
    pre.push_back(*parsed);
  }
  const Wide shift = stack_shift(pre);
  for (Constraint& constraint : pre) {
    if (!shift_stack(&constraint, shift)) return fail("pre constraint below the stack frame");
  }
  for (const std::string& text : c.post) {
    auto parsed = parse_constraint(text);
    if (!parsed) return fail("post constraint outside the vocabulary: " + text);
    if (!shift_stack(&*parsed, shift)) parsed.reset();
    post.push_back(parsed);
  }
  const Program program = assemble_text(c);
  isa::AssembleOptions options;
  options.syntax = isa::Syntax::llvm;
  auto code = isa::assemble(program.text, options);
  if (!code) return fail("assembly: " + code.error().to_string());
  std::vector<object::MapDefinition> maps = environment_maps();
  // The environment's one map serves the ring buffer helpers too.
  static const std::regex ringbuf_call(R"(call (130|131|134)\b)");
  if (std::regex_search(program.text, ringbuf_call)) maps[0].type = 27;
  std::vector<std::string> unsupported;
  const verifier::State entry = entry_state(pre, &maps, &unsupported);
  verifier::ProgramView view;
  view.code = *code;
  view.type = &environment_type();
  view.maps = maps;
  verifier::Options vo;
  vo.fragment = true;
  vo.keep_loop_counters = true;  // post's pc[LABEL] reads them at exit
  vo.check_termination =
      std::find(c.options.begin(), c.options.end(), "termination") != c.options.end();
  vo.allow_division_by_zero =
      std::find(c.options.begin(), c.options.end(), "!allow_division_by_zero") == c.options.end();
  for (std::uint32_t index : program.assumptions) vo.assumptions.push_back((*code)[index].slot);
  auto report = verifier::verify(view, entry, vo);
  if (!report) return fail("verifier: " + report.error().to_string());
  out.safe = report->passed();
  if (!out.safe) {
    const verifier::Diagnostic& d = report->errors.front();
    out.first_error = d.message;
    for (std::uint32_t i = 0; i < code->size(); ++i) {
      if ((*code)[i].slot == d.pc) out.location = program.line_of.at(i);
    }
  }
  const bool expected_safe = c.errors.empty();
  out.verdict_agrees = out.safe == expected_safe;
  std::optional<std::uint32_t> expected;
  for (const std::string& m : c.errors) {
    auto at = expected_location(m);
    if (at && (!expected || *at < *expected)) expected = at;
  }
  out.location_agrees = out.verdict_agrees && (out.safe || !expected || expected == out.location);
  Counters counters;
  for (const auto& [slot, var] : report->loop_counters) {
    for (std::uint32_t i = 0; i < code->size(); ++i) {
      if ((*code)[i].slot == slot) counters[static_cast<int>(program.line_of.at(i))] = var;
    }
  }
  out.post_entailed = true;
  for (std::size_t i = 0; i < post.size(); ++i) {
    const Entailment e =
        post[i] ? entails(report->exit_state, maps, counters, *post[i]) : Entailment::fails;
    out.unknown += e == Entailment::unknown;
    if (e == Entailment::fails && out.post_entailed) {
      out.post_entailed = false;
      out.post_failure = c.post[i];
    }
  }
  return out;
}

struct Figures {
  int cases = 0, verdict = 0, location = 0, post = 0, unknown = 0;
  void add(const Outcome& o) {
    ++cases;
    unknown += o.unknown;
    verdict += o.verdict_agrees;
    location += o.location_agrees;
    post += o.post_entailed;
  }
  [[nodiscard]] double percent(int n) const { return cases ? 100.0 * n / cases : 0; }
};

std::string escape(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c != '\n')
      out += c;
  }
  return out;
}

// Why xbpf and the expectation disagree, by kind of disagreement (the first rule that applies;
// docs/verifier-yaml-differences.md explains the kinds).
std::string why(const Case& c, const Outcome& o) {
  auto has = [](const std::string& text, const char* part) {
    return text.find(part) != std::string::npos;
  };
  const std::string expected = c.errors.empty() ? "" : c.errors.front();
  const std::string& error = o.first_error;
  if (o.refused) return "not expressible: " + o.refusal;
  if (has(error, "is read before it is initialised") && c.errors.empty())
    return "xbpf right: an uninitialised register is read (Linux refuses)";
  if (has(error, "is not released")) return "xbpf right: a reference is leaked (Linux refuses)";
  if (has(error, "may be misaligned"))
    return "xbpf right: a misaligned atomic (Linux refuses; x86 would split the lock)";
  if (has(error, "is outside the stack") && c.errors.empty())
    return "xbpf right: an access above r10 (PREVAIL's stack is 4096 bytes)";
  if (has(error, "which is not initialised") && c.errors.empty())
    return "design: uninitialised stack is not readable (as unprivileged Linux)";
  if (has(error, "holds a pointer on some paths") || has(error, "(mixed)"))
    return "xbpf imprecise: an opaque type set";
  if (has(error, "a pointer is spilled with a size other than 8") && c.errors.empty())
    return "design: a pointer, a type set's member too, is spilled whole (as unprivileged Linux)";
  // The case relates the types of two registers (`r2.type=r1.type`).
  const bool related_types = std::any_of(c.post.begin(), c.post.end(), [&](const std::string& p) {
    return has(p, ".type=r") || has(p, ".type = r");
  });
  if (!o.safe && c.errors.empty() && related_types)
    return "xbpf imprecise: type sets without relations between registers";
  if (has(error, "must be read whole") || has(error, "crosses the end of field"))
    return "xbpf right: partial read of a context pointer field (Linux refuses)";
  if (has(error, "32-bit arithmetic on a pointer"))
    return "location: xbpf refuses the 32-bit arithmetic itself";
  if (has(error, "of __sk_buff") || has(error, "the context is accessed at a variable offset"))
    return "location: xbpf refuses the load that reaches a pointer field";
  if (has(c.name, "with imm 0 and pointer"))
    return "design: signed comparison of a pointer with 0 allowed (privileged Linux)";
  if (o.safe && has(c.name, "map_fd")) return "harness: every map_fd is the one map";
  if (o.safe && has(c.name, "multiple types add fail"))
    return "xbpf more precise: related type sets (the sum is ctx + 4 on both paths)";
  if (!o.verdict_agrees || !o.location_agrees) return "to study";
  if (has(c.name, "different types")) return "xbpf right: the context is never NULL";
  // Post only.
  const std::string& p = o.post_failure;
  if (std::find(c.options.begin(), c.options.end(), "big_endian") != c.options.end())
    return "not applicable: big-endian memory (xbpf's is little-endian)";
  if (has(p, "pc[")) return "loop counter: unbounded in xbpf, or inside a call";
  if (has(p, "type=r")) return "xbpf imprecise: type sets without relations between registers";
  if (has(p, "type in {")) return "xbpf imprecise: an opaque type set";
  if (has(p, "stack_numeric_size")) return "xbpf imprecise: stack byte types and numeric sizes";
  if (p == "_|_" || !o.safe) return "after an error xbpf drops that path only";
  if (has(p, "packet_offset=packet_size")) return "model: data_end is packet_end, not a packet";
  if (has(c.name, "map_fd")) return "harness: every map_fd is the one map";
  if (c.file == "stack.yaml") return "xbpf imprecise: stack byte types and numeric sizes";
  if (c.file == "loop.yaml") return "xbpf imprecise: relation lost in the loop";
  if ((has(p, "uvalue") && has(p, "svalue")) || has(p, "uvalue-") || has(p, "svalue-"))
    return "xbpf imprecise: relation (signed zone only, or lost)";
  if (c.file == "unsigned.yaml") return "xbpf imprecise: 32-bit signed refinement";
  return "to study";
}

TEST(VerifierYaml, ParserHandlesTheSubset) {
  const auto docs = parse_documents(
      "# header\n---\ntest-case: x\npre: [\"r1.type=number\",\n  r2.svalue=[1, 2]]\n"
      "code:\n  <start>: |\n    r0 = 1 ; note\n    exit\n  <b>: assume r1 > 2\npost:\n"
      "  - r0.svalue=1\nobserve:\n  - at: exit\n    constraints:\n      - r0.svalue=1\n---\n");
  ASSERT_EQ(docs.size(), 1U);
  ASSERT_TRUE(docs[0].node) << docs[0].error;
  const Node& d = *docs[0].node;
  ASSERT_NE(d.find("pre"), nullptr);
  EXPECT_EQ(strings(d.find("pre")),
            (std::vector<std::string>{"r1.type=number", "r2.svalue=[1, 2]"}));
  ASSERT_NE(d.find("code"), nullptr);
  EXPECT_EQ(d.find("code")->values[0].text, "r0 = 1 ; note\nexit\n");
  EXPECT_EQ(d.find("code")->values[1].text, "assume r1 > 2");
  EXPECT_EQ(strings(d.find("post")), (std::vector<std::string>{"r0.svalue=1"}));
  ASSERT_NE(d.find("observe"), nullptr);
  EXPECT_EQ(d.find("observe")->items.at(0).find("at")->text, "exit");
  // Malformed input is refused with a line number.
  const auto bad = parse_documents("---\ntest-case: x\n pre: [\n");
  ASSERT_EQ(bad.size(), 1U);
  EXPECT_FALSE(bad[0].node);
}

TEST(VerifierYaml, ConstraintsParse) {
  EXPECT_TRUE(parse_constraint("r1.svalue=[-3, 5]"));
  EXPECT_TRUE(parse_constraint("s[504...511].type=number"));
  EXPECT_TRUE(parse_constraint("r1.svalue-r2.svalue<=10"));
  EXPECT_TRUE(parse_constraint("r1.uvalue=r1.svalue"));
  EXPECT_TRUE(parse_constraint("r1.type in {ctx, packet}"));
  EXPECT_TRUE(parse_constraint("_|_"));
  EXPECT_FALSE(parse_constraint("r11.svalue=1"));
  EXPECT_FALSE(parse_constraint("r1.type=bogus"));
  EXPECT_FALSE(parse_constraint("r1.offset=0"));
  EXPECT_FALSE(parse_constraint("r1.svalue=[1"));
}

// The whole path on cases written here (the shared ones may be absent).
std::vector<Case> cases_of(std::string_view text) {
  std::vector<Case> out;
  for (const ParseResult& doc : parse_documents(text)) {
    std::string error;
    EXPECT_TRUE(doc.node) << doc.error;
    if (!doc.node) continue;
    auto c = to_case(*doc.node, "inline", &error);
    EXPECT_TRUE(c) << error;
    if (c) out.push_back(*c);
  }
  return out;
}

TEST(VerifierYaml, CasesRunFromTheirEntryState) {
  const auto cases = cases_of(
      "---\ntest-case: assume narrows\npre: [\"r1.type=number\", \"r1.svalue=[0, 10]\"]\n"
      "code:\n  <start>: |\n    assume r1 < 5\n    r2 = r1\n    r2 += 1\npost:\n"
      "  - r1.svalue=[0, 4]\n  - r2.svalue=r1.svalue+1\n"
      "---\ntest-case: stack read\npre: [\"r10.type=stack\", \"r10.stack_offset=512\"]\n"
      "code:\n  <start>: |\n    r0 = *(u64 *)(r10 - 8)\npost: [\"_|_\"]\n"
      "messages:\n  - \"0: Invalid read\"\n");
  ASSERT_EQ(cases.size(), 2U);
  const Outcome safe = run_case(cases[0]);
  EXPECT_FALSE(safe.refused) << safe.refusal;
  EXPECT_TRUE(safe.safe && safe.verdict_agrees && safe.post_entailed) << safe.post_failure;
  const Outcome unsafe = run_case(cases[1]);
  EXPECT_TRUE(unsafe.verdict_agrees && unsafe.location_agrees && unsafe.post_entailed);
}

// PREVAIL's `&!=` is two eBPF instructions; errors are located at the case's instruction.
TEST(VerifierYaml, NoBitSetJumpsBecomeJsetAndGoto) {
  const auto cases = cases_of(
      "---\ntest-case: taken\npre: [\"r1.type=number\", \"r1.svalue=1\", \"r1.uvalue=1\"]\n"
      "code:\n  <start>: |\n    if r1 &!= 6 goto <out>\n    r0 = 1\n  <out>: |\n    exit\n"
      "post: [\"_|_\"]\nmessages:\n  - \"2: Invalid type (r0.type == number)\"\n"
      "---\ntest-case: not taken\npre: [\"r1.type=number\", \"r1.svalue=2\", \"r1.uvalue=2\"]\n"
      "code:\n  <start>: |\n    if w1 &!= 6 goto <out>\n    r0 = 1\n  <out>: |\n    exit\n"
      "post: [\"r0.svalue=1\"]\n");
  ASSERT_EQ(cases.size(), 2U);
  const Outcome taken = run_case(cases[0]);
  EXPECT_FALSE(taken.refused) << taken.refusal;
  EXPECT_FALSE(taken.safe);
  EXPECT_EQ(taken.location, std::optional<std::uint32_t>(2));  // xbpf's pc 3, the exit
  EXPECT_TRUE(taken.location_agrees);
  const Outcome not_taken = run_case(cases[1]);
  EXPECT_FALSE(not_taken.refused) << not_taken.refusal;
  EXPECT_TRUE(not_taken.safe && not_taken.post_entailed) << not_taken.post_failure;
}

TEST(VerifierYaml, MalformedCasesAreRefused) {
  const auto cases = cases_of(
      "---\ntest-case: unknown type\npre: [\"r1.type=bogus\"]\ncode:\n  <start>: |\n"
      "    r0 = 0\npost: []\nexpected-exception: unknown type\n"
      "---\ntest-case: unknown instruction\npre: []\ncode:\n  <start>: |\n"
      "    r0 = frobnicate r1\npost: []\nexpected-exception: bad instruction\n");
  ASSERT_EQ(cases.size(), 2U);
  for (const Case& c : cases) {
    EXPECT_TRUE(c.expected_exception);
    EXPECT_TRUE(run_case(c).refused) << c.name;
  }
}

TEST(VerifierYaml, SharedCases) {
  const auto shared = shared_dir();
  if (!shared || !fs::is_directory(*shared / "verifier-yaml"))
    GTEST_SKIP() << "the verifier YAML cases (../shared/verifier-yaml or "
                    "$XBPF_SHARED_DIR/verifier-yaml) are absent";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(*shared / "verifier-yaml")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  Figures total;
  std::ostringstream differences;
  for (const fs::path& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    Figures figures;
    const std::string file = path.filename().string();
    for (const ParseResult& doc : parse_documents(buffer.str())) {
      std::string error = doc.error;
      std::optional<Case> c;
      if (doc.node) c = to_case(*doc.node, file, &error);
      if (!c) {
        ADD_FAILURE() << file << ": " << error;
        continue;
      }
      if (c->expected_exception) {
        // A malformed case: building it must fail.
        EXPECT_TRUE(run_case(*c).refused) << file << ": " << c->name << " was not refused";
        continue;
      }
      const Outcome o = run_case(*c);
      // A case xbpf cannot express (a cell outside the frame) counts as a disagreement,
      // listed with the others.
      figures.add(o);
      if (!o.verdict_agrees || !o.location_agrees || !o.post_entailed) {
        std::string xbpf =
            o.refused ? "refused: " + o.refusal
            : o.safe  ? "safe"
                      : "error at " + std::to_string(o.location.value_or(0)) + ": " + o.first_error;
        const std::string expected = c->errors.empty() ? "safe" : c->errors.front();
        std::string what;
        if (!o.verdict_agrees)
          what = "verdict";
        else if (!o.location_agrees)
          what = "location";
        if (!o.post_entailed) what += (what.empty() ? "" : ", ") + std::string("post");
        differences << "| " << escape(c->name) << " | " << file << " | " << what << " | "
                    << escape(expected) << " | " << escape(xbpf) << " | "
                    << escape(o.post_entailed ? "" : o.post_failure) << " | " << why(*c, o)
                    << " |\n";
      }
    }
    std::printf("%-16s %3d cases: verdict %5.1f%%, location %5.1f%%, post %5.1f%%\n", file.c_str(),
                figures.cases, figures.percent(figures.verdict), figures.percent(figures.location),
                figures.percent(figures.post));
    total.cases += figures.cases;
    total.verdict += figures.verdict;
    total.location += figures.location;
    total.post += figures.post;
    total.unknown += figures.unknown;
  }
  std::printf("%-16s %3d cases: verdict %5.1f%%, location %5.1f%%, post %5.1f%%\n", "total",
              total.cases, total.percent(total.verdict), total.percent(total.location),
              total.percent(total.post));
  std::printf(
      "(agreements: verdict %d, location %d, post %d; %d post constraints on pointer "
      "addresses, which xbpf does not track, not checked)\n",
      total.verdict, total.location, total.post, total.unknown);
  if (auto out = platform::environment_variable("XBPF_YAML_DIFFERENCES")) {
    std::ofstream file(*out);
    file << "| case | file | disagreement | expected | xbpf | post constraint not entailed | why "
            "|\n"
         << "|---|---|---|---|---|---|---|\n"
         << differences.str();
  }
  // The agreements measured so far (they may only go up), and the targets reached: the first
  // error's location on 85% of the cases, post entailed on 80%. (The verdict's target, 95%,
  // is not reached: see docs/verifier-yaml-differences.md; most of the rest are cases where
  // xbpf refuses, as Linux does, what the expectation accepts. The verdict went down once, from
  // 566, with type sets: four cases store part of a `{ctx, packet}` value, which an opaque
  // `mixed` let through and which is now refused as a partial spill of any pointer is.
  // Misaligned atomics on the stack, allowed since, made ten more agree: 565 to 575.)
  EXPECT_EQ(total.cases, 614);
  EXPECT_GE(total.verdict, 585);
  EXPECT_GE(total.location, 574);
  EXPECT_GE(total.post, 549);
  EXPECT_GE(total.percent(total.verdict), 95.0);
  EXPECT_GE(total.percent(total.location), 85.0);
  EXPECT_GE(total.percent(total.post), 80.0);
}

}  // namespace
}  // namespace xbpf::test::yaml
