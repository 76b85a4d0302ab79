// Internal: instruction patterns from the opcode table, tokenised once, shared by the printer
// (syntax.cpp) and the assembler (assembler.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "isa/opcode.h"
#include "isa/syntax.h"

namespace xbpf::isa::detail {

enum class Placeholder : std::uint8_t {
  none,
  d,
  dw,
  s,
  sw,  // registers and their 32-bit views
  imm,
  imm64,
  next_imm,
  off,  // memory offset
  target,
  target32,  // branch targets in the offset or imm field
  func,      // local function target (imm, relative)
  skb_off,   // legacy indirect packet offset (imm), omitted when zero
};

Placeholder placeholder_named(std::string_view name);

enum class TokenKind : std::uint8_t { ident, number, punct, placeholder, end };

struct Token {
  TokenKind kind = TokenKind::end;
  std::string_view text;  // into the pattern or input line
  Placeholder placeholder = Placeholder::none;
  std::size_t column = 0;  // 1-based, input tokens only
};

// Splits a line (or a pattern, with {placeholders}) into tokens. Comments are the caller's.
// A character no token starts with becomes a one-character punct token that no pattern
// accepts, so the assembler reports it where it stands ("expected end of line, found '$'").
std::vector<Token> tokenize(std::string_view text, bool is_pattern);

struct Pattern {
  Op op;
  Syntax syntax;
  std::vector<Token> tokens;
};

// Every row's pattern in both syntaxes, plus the assembler-only aliases.
const std::vector<Pattern>& patterns();

}  // namespace xbpf::isa::detail
