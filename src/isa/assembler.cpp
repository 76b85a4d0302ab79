#include "isa/assembler.h"

#include <algorithm>
#include <map>

#include "isa/pattern.h"
#include "support/text.h"

namespace xbpf::isa {
namespace {

using detail::Pattern;
using detail::Placeholder;
using detail::Token;
using detail::TokenKind;

struct LabelRef {
  std::string name;
  Placeholder kind = Placeholder::none;
  std::size_t column = 0;
};

// What a pattern wanted where it stopped matching, sorted by how it is reported.
enum class Want : std::uint8_t { literal, reg, number, target, end };

// A pattern matched against a line, or how far it got.
struct Attempt {
  bool ok = false;
  Instruction insn;
  std::optional<LabelRef> label;
  std::size_t failed_at = 0;   // token index where matching stopped
  std::size_t failed_end = 0;  // one past the last token of what was found there
  std::string expected;        // what the pattern wanted there
  Want want = Want::literal;
  bool out_of_range = false;  // a number was there, too large for the field
};

std::string describe(Placeholder placeholder, Syntax syntax, bool out_of_range) {
  const bool conf = syntax == Syntax::conformance;
  switch (placeholder) {
    case Placeholder::d:
    case Placeholder::s: return conf ? "a register %r0-%r10" : "a register r0-r10";
    case Placeholder::dw:
    case Placeholder::sw: return conf ? "a register %r0-%r10" : "a 32-bit register w0-w10";
    case Placeholder::imm:
    case Placeholder::next_imm:
      return out_of_range ? "a 32-bit immediate (-2147483648 to 4294967295)" : "a 32-bit immediate";
    case Placeholder::imm64: return "a 64-bit immediate";
    case Placeholder::off:
      return out_of_range ? "an offset from -32768 to +32767" : "an offset (+N or -N)";
    case Placeholder::skb_off:
      return out_of_range ? "an offset from -2147483648 to +2147483647" : "an offset (+N or -N)";
    case Placeholder::target:
      return out_of_range ? "a jump offset from -32768 to +32767"
                          : "a jump offset (+N, -N) or a label";
    case Placeholder::target32:
      return out_of_range ? "a jump offset from -2147483648 to +2147483647"
                          : "a jump offset (+N, -N) or a label";
    case Placeholder::func:
      return out_of_range ? "a call offset from pc-2147483648 to pc+2147483647"
                          : "a function label or pc+N";
    case Placeholder::none: break;
  }
  return "?";
}

Want want_of(Placeholder placeholder) {
  switch (placeholder) {
    case Placeholder::d:
    case Placeholder::dw:
    case Placeholder::s:
    case Placeholder::sw: return Want::reg;
    case Placeholder::target:
    case Placeholder::target32:
    case Placeholder::func: return Want::target;
    default: return Want::number;
  }
}

std::optional<unsigned> parse_register(std::string_view text, bool narrow, Syntax syntax) {
  if (syntax == Syntax::conformance) {
    if (!starts_with(text, "%r")) return std::nullopt;
    text.remove_prefix(2);
  } else {
    if (text.empty() || text.front() != (narrow ? 'w' : 'r')) return std::nullopt;
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 2 || (text.size() == 2 && text[0] == '0')) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 10) return std::nullopt;
  return value;
}

// r12, w99, %r11: something meant as a register, in range or not.
bool looks_like_register(const Token& token) {
  std::string_view text = token.text;
  if (token.kind != TokenKind::ident) return false;
  if (starts_with(text, "%r")) {
    text.remove_prefix(2);
  } else if (!text.empty() && (text.front() == 'r' || text.front() == 'w')) {
    text.remove_prefix(1);
  } else {
    return false;
  }
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

class Matcher {
 public:
  Matcher(const std::vector<Token>& tokens, Syntax syntax) : tokens_(tokens), syntax_(syntax) {}

  Attempt run(const Pattern& pattern) {
    Attempt attempt;
    attempt.insn = make(pattern.op);
    pos_ = 0;
    std::optional<unsigned> dst, src;
    for (const Token& want : pattern.tokens) {
      if (want.kind == TokenKind::placeholder) {
        const std::size_t start = pos_;
        range_start_.reset();
        if (!placeholder(want.placeholder, attempt, dst, src)) {
          // Report the operand where it starts: a number too large for its field as a whole
          // ("-32769"), anything else as the token that did not fit.
          const bool out_of_range = range_start_.has_value();
          const std::size_t at = out_of_range ? *range_start_ : start;
          const std::size_t end = out_of_range ? pos_ : start + 1;
          pos_ = at;
          fail(attempt, describe(want.placeholder, syntax_, out_of_range),
               want_of(want.placeholder), end);
          attempt.out_of_range = out_of_range;
          return attempt;
        }
        continue;
      }
      if (pos_ >= tokens_.size() || tokens_[pos_].text != want.text) {
        fail(attempt, "'" + std::string(want.text) + "'", Want::literal, pos_ + 1);
        return attempt;
      }
      ++pos_;
    }
    if (pos_ != tokens_.size()) {
      fail(attempt, "end of line", Want::end, pos_ + 1);
      return attempt;
    }
    attempt.ok = true;
    return attempt;
  }

 private:
  void fail(Attempt& attempt, std::string expected, Want want, std::size_t end) {
    attempt.failed_at = pos_;
    attempt.failed_end = std::min(end, tokens_.size());
    attempt.expected = std::move(expected);
    attempt.want = want;
  }

  const Token* peek(std::size_t ahead = 0) const {
    return pos_ + ahead < tokens_.size() ? &tokens_[pos_ + ahead] : nullptr;
  }

  bool is_punct(const Token* token, std::string_view text) const {
    return token && token->kind == TokenKind::punct && token->text == text;
  }

  // [+|-] NUMBER, when `sign_required` the sign must be there.
  std::optional<ParsedNumber> number(bool sign_required) {
    std::size_t at = pos_;
    bool negative = false;
    bool signed_ = false;
    if (is_punct(peek(), "-") || is_punct(peek(), "+")) {
      negative = peek()->text == "-";
      signed_ = true;
      ++at;
    }
    if (sign_required && !signed_) return std::nullopt;
    if (at >= tokens_.size() || tokens_[at].kind != TokenKind::number) return std::nullopt;
    std::optional<ParsedNumber> parsed = parse_number(tokens_[at].text);
    if (!parsed || (negative && parsed->negative)) return std::nullopt;
    if (negative) {
      if (parsed->magnitude > (std::uint64_t{1} << 63)) return std::nullopt;
      parsed->negative = parsed->magnitude != 0;
    }
    number_start_ = pos_;
    pos_ = at + 1;
    return parsed;
  }

  // The number just read does not fit its field.
  bool out_of_range() {
    range_start_ = number_start_;
    return false;
  }

  bool reg(Placeholder placeholder, std::optional<unsigned>& slot, std::uint8_t& field) {
    const Token* token = peek();
    if (!token || token->kind != TokenKind::ident) return false;
    const bool narrow = placeholder == Placeholder::dw || placeholder == Placeholder::sw;
    std::optional<unsigned> value = parse_register(token->text, narrow, syntax_);
    if (!value || (slot && *slot != *value)) return false;
    slot = value;
    field = static_cast<std::uint8_t>(*value);
    ++pos_;
    return true;
  }

  bool label_or_offset(Placeholder placeholder, Attempt& attempt, bool allow_pc) {
    const Token* token = peek();
    if (token && token->kind == TokenKind::ident) {
      if (allow_pc && token->text == "pc" && (is_punct(peek(1), "+") || is_punct(peek(1), "-"))) {
        ++pos_;
        return relative(placeholder, attempt);
      }
      if (looks_like_register(*token)) return false;
      attempt.label = LabelRef{std::string(token->text), placeholder, token->column};
      ++pos_;
      return true;
    }
    return relative(placeholder, attempt);
  }

  bool relative(Placeholder placeholder, Attempt& attempt) {
    std::optional<ParsedNumber> value = number(false);
    if (!value) return false;
    if (placeholder == Placeholder::target) {
      if (!value->fits_signed(16)) return out_of_range();
      attempt.insn.off = static_cast<std::int16_t>(value->bits());
    } else {
      if (!value->fits_signed(32)) return out_of_range();
      attempt.insn.imm = static_cast<std::int32_t>(value->bits());
    }
    return true;
  }

  bool placeholder(Placeholder placeholder, Attempt& attempt, std::optional<unsigned>& dst,
                   std::optional<unsigned>& src) {
    Instruction& insn = attempt.insn;
    switch (placeholder) {
      case Placeholder::d:
      case Placeholder::dw: return reg(placeholder, dst, insn.dst);
      case Placeholder::s:
      case Placeholder::sw: return reg(placeholder, src, insn.src);
      case Placeholder::imm:
      case Placeholder::next_imm: {
        std::optional<ParsedNumber> value = number(false);
        if (!value) return false;
        // 32-bit immediates may be written signed or as their unsigned bit pattern.
        if (!value->fits_signed(32) && !value->fits_unsigned(32)) return out_of_range();
        (placeholder == Placeholder::imm ? insn.imm : insn.next_imm) =
            static_cast<std::int32_t>(static_cast<std::uint32_t>(value->bits()));
        return true;
      }
      case Placeholder::imm64: {
        std::optional<ParsedNumber> value = number(false);
        if (!value) return false;
        insn.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(value->bits()));
        insn.next_imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(value->bits() >> 32));
        return true;
      }
      case Placeholder::off:
      case Placeholder::skb_off: {
        if (!is_punct(peek(), "+") && !is_punct(peek(), "-")) return true;  // omitted: zero
        std::optional<ParsedNumber> value = number(true);
        if (!value) return false;
        if (placeholder == Placeholder::off) {
          if (!value->fits_signed(16)) return out_of_range();
          insn.off = static_cast<std::int16_t>(value->bits());
        } else {
          if (!value->fits_signed(32)) return out_of_range();
          insn.imm = static_cast<std::int32_t>(value->bits());
        }
        return true;
      }
      case Placeholder::target:
      case Placeholder::target32: return label_or_offset(placeholder, attempt, false);
      case Placeholder::func: return label_or_offset(placeholder, attempt, true);
      case Placeholder::none: break;
    }
    return false;
  }

  const std::vector<Token>& tokens_;
  Syntax syntax_;
  std::size_t pos_ = 0;
  std::size_t number_start_ = 0;            // first token of the last number read
  std::optional<std::size_t> range_start_;  // set when a number did not fit its field
};

// A line matched against one syntax: the instruction, or every way the patterns that went
// furthest failed there (for the error message).
struct LineMatch {
  std::optional<Attempt> ok;
  std::size_t failed_at = 0;
  std::vector<Attempt> furthest;
};

LineMatch match_line(const std::vector<Token>& tokens, Syntax syntax) {
  Matcher matcher(tokens, syntax);
  LineMatch match;
  for (const Pattern& pattern : detail::patterns()) {
    if (pattern.syntax != syntax) continue;
    Attempt attempt = matcher.run(pattern);
    if (attempt.ok) {
      match.ok = std::move(attempt);
      return match;
    }
    if (match.furthest.empty() || attempt.failed_at > match.failed_at) {
      match.failed_at = attempt.failed_at;
      match.furthest.clear();
    }
    if (attempt.failed_at == match.failed_at) match.furthest.push_back(std::move(attempt));
  }
  return match;
}

Location where(const AssembleOptions& options, std::size_t line, std::size_t column) {
  Location location;
  location.file = options.file_name;
  location.line = line;
  location.column = column;
  return location;
}

// "A", "A or B", "A, B or C"; at most six, then "or ...".
std::string alternatives(const std::vector<std::string>& items) {
  constexpr std::size_t kMost = 6;
  std::string out;
  const std::size_t shown = std::min(items.size(), kMost);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i > 0) out += (i + 1 == shown && items.size() <= kMost) ? " or " : ", ";
    out += items[i];
  }
  if (items.size() > kMost) out += " or ...";
  return out;
}

// The error for a line no pattern accepts: "expected X, found 'Y'" where X is what the patterns
// that got furthest wanted, narrowed to what the found token was probably meant to be.
Error line_error(const LineMatch& match, const std::vector<Token>& tokens, std::string_view text,
                 std::size_t line, const AssembleOptions& options) {
  const std::size_t at = match.failed_at;
  std::vector<const Attempt*> attempts;
  for (const Attempt& attempt : match.furthest) attempts.push_back(&attempt);
  // Operands before punctuation and keywords.
  std::stable_sort(attempts.begin(), attempts.end(), [](const Attempt* a, const Attempt* b) {
    return (a->want == Want::literal || a->want == Want::end) <
           (b->want == Want::literal || b->want == Want::end);
  });
  if (at >= tokens.size()) {
    std::vector<std::string> expected;
    for (const Attempt* attempt : attempts) {
      if (std::find(expected.begin(), expected.end(), attempt->expected) == expected.end()) {
        expected.push_back(attempt->expected);
      }
    }
    return make_error("expected " + alternatives(expected) + ", found end of line",
                      where(options, line, text.size() + 1));
  }
  const Token& found = tokens[at];
  const bool is_register = looks_like_register(found);
  if (at == 0 && !is_register) {
    return make_error(found.kind == TokenKind::ident
                          ? "unknown instruction '" + std::string(found.text) + "'"
                          : "expected an instruction, found '" + std::string(found.text) + "'",
                      where(options, line, found.column));
  }
  // r12 was meant as an r register, w12 as a w register.
  const std::string_view register_prefix =
      !is_register ? "" : (starts_with(found.text, "%r") ? "%r" : found.text.substr(0, 1));
  const bool is_number = found.kind == TokenKind::number ||
                         ((found.text == "-" || found.text == "+") && at + 1 < tokens.size() &&
                          tokens[at + 1].kind == TokenKind::number);
  // How well each wanted thing fits what was found: a number too large for its field says the
  // most, then the same kind of operand (a register of the right flavour before any register).
  auto fit = [&](const Attempt& attempt) {
    if (attempt.out_of_range) return 4;
    switch (attempt.want) {
      case Want::reg:
        if (!is_register) return 0;
        return attempt.expected.find(" " + std::string(register_prefix) + "0-") != std::string::npos
                   ? 3
                   : 2;
      case Want::number: return is_number ? 3 : 0;
      case Want::target:
        return is_number || (found.kind == TokenKind::ident && !is_register) ? 3 : 0;
      case Want::literal:
      case Want::end: return found.kind == TokenKind::ident && !is_register ? 3 : 0;
    }
    return 0;
  };
  int best_fit = 0;
  for (const Attempt& attempt : match.furthest) best_fit = std::max(best_fit, fit(attempt));
  if (at == 0 && best_fit == 0) {  // r11 where no instruction starts with a register
    return make_error("expected an instruction, found '" + std::string(found.text) + "'",
                      where(options, line, found.column));
  }
  std::vector<std::string> expected;
  // A sign and its number are one operand ("- 5").
  std::size_t end = is_number && found.kind == TokenKind::punct ? at + 2 : at + 1;
  for (const Attempt* each : attempts) {
    const Attempt& attempt = *each;
    if (fit(attempt) < best_fit) continue;
    if (std::find(expected.begin(), expected.end(), attempt.expected) == expected.end()) {
      expected.push_back(attempt.expected);
    }
    if (attempt.out_of_range) end = std::max(end, attempt.failed_end);
  }
  const Token& last = tokens[end - 1];
  const std::string found_text(
      text.substr(found.column - 1, last.column - 1 + last.text.size() - (found.column - 1)));
  return make_error("expected " + alternatives(expected) + ", found '" + found_text + "'",
                    where(options, line, found.column));
}

std::string_view strip_comment(std::string_view line) {
  std::size_t cut = line.size();
  for (std::string_view marker : {"#", ";", "//"}) {
    cut = std::min(cut, line.find(marker));
  }
  return line.substr(0, cut);
}

struct ParsedLine {
  Instruction insn;
  std::optional<LabelRef> label;
  std::size_t line = 0;
};

}  // namespace

Result<std::vector<Instruction>> assemble(std::string_view source, const AssembleOptions& options) {
  std::optional<Syntax> syntax = options.syntax;
  std::size_t syntax_line = 0;  // the line that decided the syntax, when it was detected
  std::vector<ParsedLine> parsed;
  struct LabelDef {
    std::size_t index;  // into parsed
    std::size_t line;
  };
  std::map<std::string, LabelDef, std::less<>> labels;
  const std::vector<std::string_view> lines = split_lines(source);
  for (std::size_t number = 1; number <= lines.size(); ++number) {
    const std::string_view text = strip_comment(lines[number - 1]);
    std::vector<Token> tokens = detail::tokenize(text, false);
    // Leading labels.
    while (tokens.size() >= 2 && tokens[0].kind == TokenKind::ident && tokens[1].text == ":") {
      const std::string name(tokens[0].text);
      auto [found, inserted] = labels.emplace(name, LabelDef{parsed.size(), number});
      if (!inserted) {
        return make_error(
            "label '" + name + "' is already defined on line " + std::to_string(found->second.line),
            where(options, number, tokens[0].column));
      }
      tokens.erase(tokens.begin(), tokens.begin() + 2);
    }
    if (tokens.empty()) continue;

    LineMatch match;
    if (syntax) {
      match = match_line(tokens, *syntax);
      const Syntax other = *syntax == Syntax::llvm ? Syntax::conformance : Syntax::llvm;
      if (!match.ok && match_line(tokens, other).ok) {
        const std::string chosen =
            options.syntax ? "" : " (as on line " + std::to_string(syntax_line) + ")";
        return make_error("expected the " + std::string(syntax_name(*syntax)) + " syntax" + chosen +
                              ", found the " + std::string(syntax_name(other)) + " syntax",
                          where(options, number, tokens.front().column));
      }
    } else {
      LineMatch llvm = match_line(tokens, Syntax::llvm);
      LineMatch conf = match_line(tokens, Syntax::conformance);
      if (llvm.ok.has_value() != conf.ok.has_value()) {
        syntax = llvm.ok ? Syntax::llvm : Syntax::conformance;
        syntax_line = number;
      }
      match = llvm.ok || (!conf.ok && llvm.failed_at >= conf.failed_at) ? std::move(llvm)
                                                                        : std::move(conf);
    }
    if (!match.ok) return line_error(match, tokens, text, number, options);
    // The rules of a single instruction that patterns cannot express (r10 is read-only).
    if (Status checked = check_instruction(match.ok->insn); !checked) {
      return make_error(std::move(checked).error().message,
                        where(options, number, tokens.front().column));
    }
    parsed.push_back(ParsedLine{match.ok->insn, match.ok->label, number});
  }

  // Slots, then labels.
  std::vector<Instruction> program;
  program.reserve(parsed.size());
  std::uint32_t slot = 0;
  std::optional<std::uint32_t> last_exit;
  for (ParsedLine& line : parsed) {
    line.insn.slot = slot;
    if (line.insn.info().form == Form::exit) last_exit = slot;
    slot += line.insn.slots();
  }
  auto slot_of_label = [&](const std::string& name) -> std::optional<std::int64_t> {
    auto found = labels.find(name);
    if (found != labels.end()) {
      return found->second.index < parsed.size() ? parsed[found->second.index].insn.slot : slot;
    }
    if (name == "exit" && last_exit) return *last_exit;
    return std::nullopt;
  };
  for (ParsedLine& line : parsed) {
    if (line.label) {
      const std::optional<std::int64_t> target = slot_of_label(line.label->name);
      if (!target) {
        return make_error("undefined label '" + line.label->name + "'",
                          where(options, line.line, line.label->column));
      }
      // Relative to the next slot (for lddw code_addr too: see Instruction::target()).
      const std::int64_t relative = *target - (line.insn.slot + 1);
      if (line.label->kind == Placeholder::target) {
        if (relative < INT16_MIN || relative > INT16_MAX) {
          return make_error("label '" + line.label->name + "' is " + std::to_string(relative) +
                                " slots away, beyond the 16-bit jump offset (use gotol)",
                            where(options, line.line, line.label->column));
        }
        line.insn.off = static_cast<std::int16_t>(relative);
      } else {
        line.insn.imm = static_cast<std::int32_t>(relative);
      }
    }
    program.push_back(line.insn);
  }
  return program;
}

Result<Instruction> assemble_one(std::string_view line, Syntax syntax) {
  AssembleOptions options;
  options.syntax = syntax;
  Result<std::vector<Instruction>> program = assemble(line, options);
  if (!program) return std::move(program).error();
  if (program->size() != 1) return make_error("expected exactly one instruction");
  return program->front();
}

}  // namespace xbpf::isa
