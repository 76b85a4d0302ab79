#include "cli.h"

#include <cstdio>

namespace xbpf::cli {

bool Args::wants_help() const {
  for (const std::string& word : words_) {
    if (word == "--") break;  // the words of a command to run
    if (word == "--help" || word == "-h" || word == "help") return true;
  }
  return false;
}

bool Args::flag(std::string_view name) {
  for (auto it = words_.begin(); it != words_.end(); ++it) {
    if (*it == name) {
      words_.erase(it);
      return true;
    }
  }
  return false;
}

Result<std::optional<std::string>> Args::value(std::string_view keyword,
                                               std::string_view short_flag) {
  const std::string dashed = "--" + std::string(keyword);
  for (auto it = words_.begin(); it != words_.end(); ++it) {
    if (*it == keyword || *it == dashed || (!short_flag.empty() && *it == short_flag)) {
      if (it + 1 == words_.end()) {
        return usage_error("'" + *it + "' needs a value");
      }
      std::string result = *(it + 1);
      words_.erase(it, it + 2);
      return std::optional<std::string>(std::move(result));
    }
    if (it->rfind(dashed + "=", 0) == 0) {
      std::string result = it->substr(dashed.size() + 1);
      words_.erase(it);
      return std::optional<std::string>(std::move(result));
    }
  }
  return std::optional<std::string>();
}

std::optional<std::string> Args::positional() {
  for (auto it = words_.begin(); it != words_.end(); ++it) {
    if (it->size() > 1 && (*it)[0] == '-') continue;
    std::string word = *it;
    words_.erase(it);
    return word;
  }
  return std::nullopt;
}

std::vector<std::string> Args::after_separator() {
  for (auto it = words_.begin(); it != words_.end(); ++it) {
    if (*it != "--") continue;
    std::vector<std::string> rest(it + 1, words_.end());
    words_.erase(it, words_.end());
    return rest;
  }
  return {};
}

Status Args::finish() const {
  if (words_.empty()) return {};
  return usage_error("unexpected argument '" + words_.front() + "'");
}

Error usage_error(std::string message) { return make_error(std::move(message) + " (see --help)"); }

int report(const Error& error, int code) {
  std::fprintf(stderr, "xbpf: error: %s\n", error.to_string().c_str());
  return code;
}

}  // namespace xbpf::cli
