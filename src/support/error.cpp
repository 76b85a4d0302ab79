#include "support/error.h"

#include <cstdio>

namespace xbpf {

std::string Location::to_string() const {
  std::string out;
  auto add = [&out](const std::string& part) {
    if (!out.empty()) {
      out += ": ";
    }
    out += part;
  };
  if (!file.empty()) {
    out = file;
    if (line) {
      out += ":" + std::to_string(*line);
      if (column) {
        out += ":" + std::to_string(*column);
      }
    }
  } else if (line) {
    out = "line " + std::to_string(*line);
    if (column) {
      out += ":" + std::to_string(*column);
    }
  }
  if (!section.empty()) {
    add("section " + section);
  }
  if (instruction) {
    add("insn " + std::to_string(*instruction));
  }
  if (byte_offset) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "offset 0x%zx", *byte_offset);
    add(buf);
  }
  return out;
}

std::string Error::to_string() const {
  std::string where_text = where.to_string();
  if (where_text.empty()) {
    return message;
  }
  return where_text + ": " + message;
}

}  // namespace xbpf
