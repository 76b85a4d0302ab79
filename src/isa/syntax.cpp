#include "isa/syntax.h"

#include <cstdio>

#include "isa/pattern.h"
#include "support/text.h"

namespace xbpf::isa {
namespace detail {
namespace {

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
}
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

// Longest first.
constexpr std::string_view kPuncts[] = {"<<=", ">>=", "+=", "-=", "*=", "/=", "|=", "&=", "^=",
                                        "%=",  "==",  "!=", ">=", "<=", "<",  ">",  "=",  "(",
                                        ")",   "[",   "]",  "*",  ",",  "+",  "-",  "&",  ":"};

}  // namespace

Placeholder placeholder_named(std::string_view name) {
  if (name == "d") return Placeholder::d;
  if (name == "dw") return Placeholder::dw;
  if (name == "s") return Placeholder::s;
  if (name == "sw") return Placeholder::sw;
  if (name == "imm") return Placeholder::imm;
  if (name == "imm64") return Placeholder::imm64;
  if (name == "next_imm") return Placeholder::next_imm;
  if (name == "off") return Placeholder::off;
  if (name == "target") return Placeholder::target;
  if (name == "target32") return Placeholder::target32;
  if (name == "func") return Placeholder::func;
  if (name == "skb_off") return Placeholder::skb_off;
  return Placeholder::none;
}

std::vector<Token> tokenize(std::string_view text, bool is_pattern) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    Token token;
    token.column = i + 1;
    const std::size_t start = i;
    if (is_pattern && c == '{') {
      const std::size_t close = text.find('}', i);
      token.kind = TokenKind::placeholder;
      token.placeholder = placeholder_named(text.substr(i + 1, close - i - 1));
      i = close + 1;
    } else if (is_ident_start(c) ||
               (c == '%' && i + 1 < text.size() && is_ident_start(text[i + 1]))) {
      ++i;
      while (i < text.size() && is_ident_char(text[i])) ++i;
      token.kind = TokenKind::ident;
    } else if (c >= '0' && c <= '9') {
      while (i < text.size() && is_ident_char(text[i])) ++i;
      token.kind = TokenKind::number;
    } else {
      token.kind = TokenKind::punct;
      for (std::string_view punct : kPuncts) {
        if (text.substr(i, punct.size()) == punct) {
          i += punct.size();
          break;
        }
      }
      if (i == start) ++i;  // a stray character: a token of its own
    }
    token.text = text.substr(start, i - start);
    out.push_back(token);
  }
  return out;
}

namespace {

void add_pattern(std::vector<Pattern>& list, Op op, Syntax syntax, std::string_view text) {
  list.push_back(Pattern{op, syntax, tokenize(text, true)});
}

std::vector<Pattern> build_patterns() {
  std::vector<Pattern> list;
  for (const OpInfo& row : all_ops()) {
    add_pattern(list, row.op, Syntax::llvm, row.llvm);
    add_pattern(list, row.op, Syntax::conformance, row.conformance);
  }
  // Spellings the bpf_conformance suite uses besides the canonical ones.
  add_pattern(list, Op::callx, Syntax::conformance, "call {d}");
  add_pattern(list, Op::bswap16, Syntax::conformance, "swap16 {d}");
  add_pattern(list, Op::bswap32, Syntax::conformance, "swap32 {d}");
  add_pattern(list, Op::bswap64, Syntax::conformance, "swap64 {d}");
  // llvm-objdump --mattr=+alu32 (and LLVM's assembler) also write the 32-bit atomic add's
  // source as a w register.
  add_pattern(list, Op::atomic32_add, Syntax::llvm, "lock *(u32 *)({d}{off}) += {sw}");
  return list;
}

}  // namespace

const std::vector<Pattern>& patterns() {
  static const std::vector<Pattern> list = build_patterns();
  return list;
}

}  // namespace detail

std::string_view syntax_name(Syntax syntax) {
  return syntax == Syntax::llvm ? "llvm" : "conformance";
}

namespace {

using detail::Placeholder;

std::string signed_text(long long value, bool plus) {
  if (value < 0) return "-" + std::to_string(-static_cast<unsigned long long>(value));
  return (plus ? "+" : "") + std::to_string(value);
}

// " + 4" / " - 4" (LLVM) or "+4" / "-4" (conformance); "" for a zero conformance offset.
std::string offset_text(long long value, Syntax syntax, bool omit_zero) {
  if (value == 0 && omit_zero) return "";
  const unsigned long long magnitude = value < 0 ? 0ULL - static_cast<unsigned long long>(value)
                                                 : static_cast<unsigned long long>(value);
  const char* sign = value < 0 ? "-" : "+";
  if (syntax == Syntax::llvm) return std::string(" ") + sign + " " + std::to_string(magnitude);
  return sign + std::to_string(magnitude);
}

std::string register_text(unsigned reg, bool narrow, Syntax syntax) {
  if (syntax == Syntax::conformance) return "%r" + std::to_string(reg);
  return (narrow ? "w" : "r") + std::to_string(reg);
}

std::string placeholder_text(Placeholder placeholder, const Instruction& insn, Syntax syntax) {
  switch (placeholder) {
    case Placeholder::d: return register_text(insn.dst, false, syntax);
    case Placeholder::dw: return register_text(insn.dst, true, syntax);
    case Placeholder::s: return register_text(insn.src, false, syntax);
    case Placeholder::sw: return register_text(insn.src, true, syntax);
    case Placeholder::imm: return signed_text(insn.imm, false);
    case Placeholder::imm64:
      // LLVM prints the 64-bit immediate signed (r1 = -1 ll), the conformance suite in hex.
      return syntax == Syntax::llvm ? signed_text(static_cast<std::int64_t>(insn.imm64()), false)
                                    : to_hex(insn.imm64());
    case Placeholder::next_imm: return signed_text(insn.next_imm, false);
    case Placeholder::off: return offset_text(insn.off, syntax, syntax == Syntax::conformance);
    case Placeholder::target: return signed_text(insn.off, true);
    case Placeholder::target32: return signed_text(insn.imm, true);
    case Placeholder::func: return "pc" + signed_text(insn.imm, true);
    case Placeholder::skb_off: return offset_text(insn.imm, Syntax::llvm, true);
    case Placeholder::none: break;
  }
  return "?";
}

}  // namespace

std::string format(const Instruction& insn, Syntax syntax) {
  const std::string_view pattern =
      syntax == Syntax::llvm ? insn.info().llvm : insn.info().conformance;
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') {
      out += pattern[i];
      continue;
    }
    const std::size_t close = pattern.find('}', i);
    out += placeholder_text(detail::placeholder_named(pattern.substr(i + 1, close - i - 1)), insn,
                            syntax);
    i = close;
  }
  return out;
}

}  // namespace xbpf::isa
