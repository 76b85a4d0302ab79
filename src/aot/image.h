// Native images: compiling translated C with the system C compiler into a shared object (a
// DLL in the Windows build), and loading one back: its programs' entries and its metadata.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aot/translate.h"
#include "support/error.h"
#include "vm/vm.h"

namespace xbpf::aot {

// The C compiler images are built with: $XBPF_CC when set, else the first of cc, gcc (on
// Windows x86_64-w64-mingw32-gcc, gcc) found in PATH; nullopt when there is none.
std::optional<std::string> find_c_compiler();

// Compiles the C translation unit `source` at -O2 into the shared object `output`.
Status compile(const std::string& source, const std::string& output);

class Image : public std::enable_shared_from_this<Image> {
 public:
  struct Program {
    std::string name;
    std::string section;
    std::uint32_t type = 0;
    std::uint32_t slots = 0;
    std::string digest;  // SHA-256 of the bytecode (aot::bytecode_digest)
    vm::NativeEntry entry = nullptr;
    const void* main = nullptr;
  };

  // Loads an image; fails when it is not one or was built for another native ABI.
  static Result<std::shared_ptr<const Image>> load(const std::string& path);
  ~Image();
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& contract() const { return contract_; }
  [[nodiscard]] const std::string& metadata() const { return metadata_; }
  [[nodiscard]] const std::vector<Program>& programs() const { return programs_; }
  // The program named `name`, or nullptr.
  [[nodiscard]] const Program* find(std::string_view name) const;
  // What a vm::Environment needs to run `program` (keeps the image loaded).
  [[nodiscard]] std::shared_ptr<const vm::NativeFunction> function(const Program& program) const;

 private:
  friend Result<std::shared_ptr<const Image>> build_temporary(const ImageSource& source);
  Image() = default;
  static Result<std::shared_ptr<const Image>> open(const std::string& path, bool temporary);
  void* library_ = nullptr;
  bool temporary_ = false;  // remove the file with the image
  std::string path_;
  std::string contract_;
  std::string metadata_;
  std::vector<Program> programs_;
};

// Translates, compiles and loads an image on the fly (tests, the conformance plugin): the
// shared object is a temporary file, removed when the image is released.
Result<std::shared_ptr<const Image>> build_temporary(const ImageSource& source);

}  // namespace xbpf::aot
