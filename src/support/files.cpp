#include "support/files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace xbpf {
namespace {

Error file_error(const std::string& path, const char* what) {
  Location where;
  where.file = path;
  const int saved = errno;
  std::string reason = saved != 0 ? std::strerror(saved) : "I/O error";
  return make_error(std::string(what) + ": " + reason, where);
}

}  // namespace

Result<std::vector<std::uint8_t>> read_file(const std::string& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) return file_error(path, "cannot open");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  if (in.bad()) return file_error(path, "cannot read");
  return bytes;
}

Result<std::string> read_text_file(const std::string& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) return file_error(path, "cannot open");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return file_error(path, "cannot read");
  return text;
}

Status write_file(const std::string& path, std::span<const std::uint8_t> bytes) {
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return file_error(path, "cannot create");
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return file_error(path, "cannot write");
  return {};
}

Status write_text_file(const std::string& path, std::string_view text) {
  return write_file(path,
                    std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace xbpf
