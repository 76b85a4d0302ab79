// A small parser for the subset of YAML the verifier cases (../shared/verifier-yaml) use:
// documents separated by `---`, block mappings and sequences by indentation, flow sequences of
// scalars (`[a, "b"]`, possibly over several lines), literal block scalars (`|`), plain and
// quoted scalars, `#` comments. Anything else is an error naming the line.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xbpf::test::yaml {

struct Node {
  enum class Type { scalar, sequence, mapping } type = Type::scalar;
  std::string text;               // scalar
  std::vector<Node> items;        // sequence
  std::vector<std::string> keys;  // mapping, in file order
  std::vector<Node> values;       // (a std::pair would need Node complete here)

  [[nodiscard]] const Node* find(std::string_view key) const {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) return &values[i];
    }
    return nullptr;
  }
};

// A document's text, or an error message ("line N: ...").
struct ParseResult {
  std::optional<Node> node;
  std::string error;
};

namespace detail {

struct Line {
  int number = 0;
  int indent = 0;
  std::string text;  // without indentation; comments kept (block scalars need them)
};

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Drops a `#` comment outside quotes (a comment starts the line or follows a space).
inline std::string_view strip_comment(std::string_view s) {
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') quoted = !quoted;
    if (!quoted && s[i] == '#' && (i == 0 || s[i - 1] == ' ')) return trim(s.substr(0, i));
  }
  return trim(s);
}

class Parser {
 public:
  explicit Parser(std::vector<Line> lines) : lines_(std::move(lines)) {}

  ParseResult parse() {
    skip_blank();
    if (pos_ >= lines_.size()) return {Node{Node::Type::mapping, {}, {}, {}, {}}, {}};
    Node root = block(lines_[pos_].indent);
    skip_blank();
    if (error_.empty() && pos_ < lines_.size())
      fail(lines_[pos_].number, "unexpected text at a lower indentation");
    if (!error_.empty()) return {std::nullopt, error_};
    return {std::move(root), {}};
  }

 private:
  void fail(int line, std::string message) {
    if (error_.empty()) error_ = "line " + std::to_string(line) + ": " + std::move(message);
  }
  void skip_blank() {
    while (pos_ < lines_.size() && strip_comment(lines_[pos_].text).empty()) ++pos_;
  }

  // A sequence or mapping whose entries start at `indent`.
  Node block(int indent) {
    skip_blank();
    Node node;
    const bool sequence = pos_ < lines_.size() && (lines_[pos_].text.rfind("- ", 0) == 0 ||
                                                   strip_comment(lines_[pos_].text) == "-");
    node.type = sequence ? Node::Type::sequence : Node::Type::mapping;
    while (error_.empty()) {
      skip_blank();
      if (pos_ >= lines_.size() || lines_[pos_].indent < indent) break;
      Line& line = lines_[pos_];
      if (line.indent > indent) {
        fail(line.number, "unexpected indentation");
        break;
      }
      if (sequence) {
        if (line.text.rfind("-", 0) != 0) {
          fail(line.number, "expected a sequence item '- '");
          break;
        }
        // The item's text continues at indent + 2: reparse this line as that.
        std::string rest(strip_comment(std::string_view(line.text).substr(1)));
        const int offset = static_cast<int>(line.text.size() - rest.size());
        if (rest.empty()) {
          ++pos_;
          node.items.push_back(block(indent + 1));
          continue;
        }
        if (looks_like_key(rest)) {
          line.text = rest;
          line.indent = indent + offset;
          node.items.push_back(block(line.indent));
          continue;
        }
        ++pos_;
        node.items.push_back(value(rest, line.number, indent));
        continue;
      }
      const std::string_view text = strip_comment(line.text);
      const std::size_t colon = key_end(text);
      if (colon == std::string_view::npos) {
        fail(line.number, "expected 'key: value'");
        break;
      }
      std::string key(trim(text.substr(0, colon)));
      if (key.size() >= 2 && key.front() == '"' && key.back() == '"')
        key = key.substr(1, key.size() - 2);
      const std::string_view rest = trim(text.substr(colon + 1));
      const int number = line.number;
      ++pos_;
      node.keys.push_back(std::move(key));
      node.values.push_back(value(rest, number, indent));
    }
    return node;
  }

  static bool looks_like_key(std::string_view text) {
    return !text.empty() && text.front() != '"' && text.front() != '[' &&
           key_end(strip_comment(text)) != std::string_view::npos;
  }
  // The colon ending a mapping key: followed by a space or the end of the line.
  static std::size_t key_end(std::string_view text) {
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '"') quoted = !quoted;
      if (!quoted && text[i] == '[') return std::string_view::npos;
      if (!quoted && text[i] == ':' && (i + 1 == text.size() || text[i + 1] == ' ')) return i;
    }
    return std::string_view::npos;
  }

  // The value after `key:` or `- ` (`rest`), at a mapping or sequence of `indent`.
  Node value(std::string_view rest, int number, int indent) {
    if (rest == "|" || rest == "|-") return literal(indent);
    if (rest.empty()) {
      skip_blank();
      if (pos_ < lines_.size() && lines_[pos_].indent > indent) return block(lines_[pos_].indent);
      // A sequence may sit at the key's own indentation.
      if (pos_ < lines_.size() && lines_[pos_].indent == indent &&
          lines_[pos_].text.rfind("- ", 0) == 0)
        return block(indent);
      return Node{};
    }
    if (rest.front() == '[') {
      std::string flow(rest);
      while (!flow_closed(flow) && pos_ < lines_.size()) {
        flow += " ";
        flow += strip_comment(lines_[pos_++].text);
      }
      return flow_sequence(flow, number);
    }
    return Node{Node::Type::scalar, scalar(rest), {}, {}, {}};
  }

  static bool flow_closed(std::string_view text) {
    bool quoted = false;
    int depth = 0;
    for (char c : text) {
      if (c == '"') quoted = !quoted;
      if (quoted) continue;
      if (c == '[') ++depth;
      if (c == ']') --depth;
    }
    return depth == 0;
  }

  Node flow_sequence(std::string_view text, int number) {
    Node node;
    node.type = Node::Type::sequence;
    text = trim(text);
    if (text.size() < 2 || text.back() != ']') {
      fail(number, "unterminated flow sequence");
      return node;
    }
    text = trim(text.substr(1, text.size() - 2));
    std::string item;
    bool quoted = false;
    auto flush = [&] {
      const std::string_view t = trim(item);
      if (!t.empty()) node.items.push_back(Node{Node::Type::scalar, scalar(t), {}, {}, {}});
      item.clear();
    };
    int depth = 0;
    for (char c : text) {
      if (c == '"') quoted = !quoted;
      if (!quoted && c == '[') ++depth;
      if (!quoted && c == ']') --depth;
      if (!quoted && depth == 0 && c == ',') {
        flush();
        continue;
      }
      item += c;
    }
    if (quoted) fail(number, "unterminated string");
    flush();
    return node;
  }

  static std::string scalar(std::string_view text) {
    text = trim(text);
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
      std::string out;
      for (std::size_t i = 1; i + 1 < text.size(); ++i) {
        if (text[i] == '\\' && i + 2 < text.size()) ++i;
        out += text[i];
      }
      return out;
    }
    return std::string(text);
  }

  // A literal block: the lines indented deeper than `indent`, with their relative indentation.
  Node literal(int indent) {
    Node node;
    int base = -1;
    while (pos_ < lines_.size()) {
      const Line& line = lines_[pos_];
      if (!trim(line.text).empty() && line.indent <= indent) break;
      if (!trim(line.text).empty() && base < 0) base = line.indent;
      if (!trim(line.text).empty())
        node.text += std::string(static_cast<std::size_t>(line.indent - base), ' ') + line.text;
      node.text += "\n";
      ++pos_;
    }
    return node;
  }

  std::vector<Line> lines_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace detail

// Splits a file into its documents (`---` lines) and parses each; the text before the first
// `---` (comments) is not a document.
inline std::vector<ParseResult> parse_documents(std::string_view file) {
  std::vector<std::vector<detail::Line>> documents;
  std::vector<detail::Line> current;
  bool started = false;
  int number = 0;
  while (!file.empty()) {
    const std::size_t end = file.find('\n');
    std::string_view raw = file.substr(0, end);
    file = end == std::string_view::npos ? std::string_view() : file.substr(end + 1);
    ++number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (raw.rfind("---", 0) == 0 && detail::trim(raw.substr(3)).empty()) {
      if (started) documents.push_back(std::move(current));
      current.clear();
      started = true;
      continue;
    }
    std::size_t indent = 0;
    while (indent < raw.size() && raw[indent] == ' ') ++indent;
    current.push_back(
        detail::Line{number, static_cast<int>(indent), std::string(raw.substr(indent))});
  }
  if (started) documents.push_back(std::move(current));
  std::vector<ParseResult> out;
  for (auto& lines : documents) {
    bool empty = true;
    for (const auto& line : lines) empty = empty && detail::strip_comment(line.text).empty();
    if (!empty) out.push_back(detail::Parser(std::move(lines)).parse());
  }
  return out;
}

}  // namespace xbpf::test::yaml
