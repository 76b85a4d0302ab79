#include "isa/assembler.h"

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

// A pattern matched against a line, or how far it got.
struct Attempt {
  bool ok = false;
  Instruction insn;
  std::optional<LabelRef> label;
  std::size_t failed_at = 0;  // token index where matching stopped
  std::string expected;       // what the pattern wanted there
};

std::string describe(Placeholder placeholder, Syntax syntax) {
  const bool conf = syntax == Syntax::conformance;
  switch (placeholder) {
    case Placeholder::d:
    case Placeholder::s: return conf ? "a register %r0-%r10" : "a register r0-r10";
    case Placeholder::dw:
    case Placeholder::sw: return conf ? "a register %r0-%r10" : "a 32-bit register w0-w10";
    case Placeholder::imm: return "a 32-bit immediate";
    case Placeholder::imm64: return "a 64-bit immediate";
    case Placeholder::next_imm: return "a 32-bit immediate";
    case Placeholder::off: return "an offset";
    case Placeholder::target:
    case Placeholder::target32: return "a jump offset (+N, -N) or a label";
    case Placeholder::func: return "a function label or pc+N";
    case Placeholder::skb_off: return "an offset";
    case Placeholder::none: break;
  }
  return "?";
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
        if (!placeholder(want.placeholder, attempt, dst, src)) {
          return fail(attempt, describe(want.placeholder, syntax_));
        }
        continue;
      }
      if (pos_ >= tokens_.size() || tokens_[pos_].text != want.text) {
        return fail(attempt, "'" + std::string(want.text) + "'");
      }
      ++pos_;
    }
    if (pos_ != tokens_.size()) return fail(attempt, "end of line");
    attempt.ok = true;
    return attempt;
  }

 private:
  Attempt fail(Attempt& attempt, std::string expected) {
    attempt.failed_at = pos_;
    attempt.expected = std::move(expected);
    return attempt;
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
    pos_ = at + 1;
    return parsed;
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
      if (!value->fits_signed(16)) return false;
      attempt.insn.off = static_cast<std::int16_t>(value->bits());
    } else {
      if (!value->fits_signed(32)) return false;
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
        // 32-bit immediates may be written signed or as their unsigned bit pattern.
        if (!value || !(value->fits_signed(32) || value->fits_unsigned(32))) return false;
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
        if (placeholder == Placeholder::off) {
          if (!value || !value->fits_signed(16)) return false;
          insn.off = static_cast<std::int16_t>(value->bits());
        } else {
          if (!value || !value->fits_signed(32)) return false;
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
};

struct ParsedLine {
  Instruction insn;
  std::optional<LabelRef> label;
  std::size_t line = 0;
};

Location where(const AssembleOptions& options, std::size_t line, std::size_t column) {
  Location location;
  location.file = options.file_name;
  location.line = line;
  location.column = column;
  return location;
}

// Matches a tokenised line against one syntax: the instruction, or the attempt that went
// furthest (for the error message).
Attempt match_line(const std::vector<Token>& tokens, Syntax syntax) {
  Matcher matcher(tokens, syntax);
  Attempt best;
  bool have_best = false;
  for (const Pattern& pattern : detail::patterns()) {
    if (pattern.syntax != syntax) continue;
    Attempt attempt = matcher.run(pattern);
    if (attempt.ok) return attempt;
    if (!have_best || attempt.failed_at > best.failed_at) {
      best = std::move(attempt);
      have_best = true;
    }
  }
  return best;
}

Error line_error(const Attempt& attempt, const std::vector<Token>& tokens, std::size_t line,
                 std::size_t line_length, const AssembleOptions& options) {
  if (attempt.failed_at == 0) {
    return make_error("unknown instruction '" + std::string(tokens.front().text) + "'",
                      where(options, line, tokens.front().column));
  }
  if (attempt.failed_at >= tokens.size()) {
    return make_error("expected " + attempt.expected + ", found end of line",
                      where(options, line, line_length + 1));
  }
  const Token& found = tokens[attempt.failed_at];
  return make_error("expected " + attempt.expected + ", found '" + std::string(found.text) + "'",
                    where(options, line, found.column));
}

std::string_view strip_comment(std::string_view line) {
  std::size_t cut = line.size();
  for (std::string_view marker : {"#", ";", "//"}) {
    cut = std::min(cut, line.find(marker));
  }
  return line.substr(0, cut);
}

}  // namespace

Result<std::vector<Instruction>> assemble(std::string_view source, const AssembleOptions& options) {
  std::optional<Syntax> syntax = options.syntax;
  std::vector<ParsedLine> parsed;
  std::map<std::string, std::size_t, std::less<>> labels;  // name -> index into parsed
  const std::vector<std::string_view> lines = split_lines(source);
  for (std::size_t number = 1; number <= lines.size(); ++number) {
    const std::string_view text = strip_comment(lines[number - 1]);
    std::vector<Token> tokens;
    std::size_t bad_column = 0;
    if (!detail::tokenize(text, false, tokens, bad_column)) {
      return make_error("unexpected character '" + std::string(1, text[bad_column - 1]) + "'",
                        where(options, number, bad_column));
    }
    // Leading labels.
    while (tokens.size() >= 2 && tokens[0].kind == TokenKind::ident && tokens[1].text == ":") {
      const std::string name(tokens[0].text);
      if (!labels.emplace(name, parsed.size()).second) {
        return make_error("label '" + name + "' is defined twice",
                          where(options, number, tokens[0].column));
      }
      tokens.erase(tokens.begin(), tokens.begin() + 2);
    }
    if (tokens.empty()) continue;

    Attempt attempt;
    if (syntax) {
      attempt = match_line(tokens, *syntax);
    } else {
      Attempt llvm = match_line(tokens, Syntax::llvm);
      Attempt conf = match_line(tokens, Syntax::conformance);
      if (llvm.ok != conf.ok) syntax = llvm.ok ? Syntax::llvm : Syntax::conformance;
      attempt = llvm.ok || (!conf.ok && llvm.failed_at >= conf.failed_at) ? llvm : conf;
    }
    if (!attempt.ok) return line_error(attempt, tokens, number, text.size(), options);
    parsed.push_back(ParsedLine{attempt.insn, attempt.label, number});
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
      return found->second < parsed.size() ? parsed[found->second].insn.slot : slot;
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
