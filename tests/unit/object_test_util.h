// Shared by the object loader's tests: the compiled test programs, loading objects, and raw
// edits of an ELF object.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "object/elf.h"
#include "object/object.h"
#include "support/files.h"
#include "test_paths.h"

namespace xbpf::object::test {

inline std::filesystem::path programs_dir() {
  return xbpf::test::binary_dir() / "tests" / "programs";
}

// The bytes of tests/programs/NAME.vCPU.o, or nullopt when the programs were not built.
inline std::optional<std::vector<std::uint8_t>> object_bytes(const std::string& name, int cpu = 3) {
  const std::filesystem::path path = programs_dir() / (name + ".v" + std::to_string(cpu) + ".o");
  if (!std::filesystem::exists(path)) return std::nullopt;
  Result<std::vector<std::uint8_t>> bytes = read_file(path.string());
  if (!bytes) return std::nullopt;
  return std::move(bytes).value();
}

#define REQUIRE_OBJECT(var, name)                                               \
  std::optional<std::vector<std::uint8_t>> var = object_bytes(name);            \
  if (!var) GTEST_SKIP() << "the eBPF test programs were not built (" name ")"; \
  do {                                                                          \
  } while (false)

inline Object load_ok(std::vector<std::uint8_t> bytes, const std::string& name,
                      const LoadObjectOptions& options = {}) {
  Result<Object> object = read_object(std::move(bytes), name, options);
  EXPECT_TRUE(object.ok()) << object.error().to_string();
  return object.ok() ? std::move(object).value() : Object();
}

// Why the object, or else one of its programs, cannot be loaded.
inline std::string load_error(std::vector<std::uint8_t> bytes,
                              const LoadObjectOptions& options = {}) {
  Result<Object> object = read_object(std::move(bytes), "bad.o", options);
  if (!object) return object.error().to_string();
  for (const Program& program : object->programs) {
    if (program.error) return program.error->to_string();
  }
  ADD_FAILURE() << "loaded a malformed object, every program included";
  return "";
}

// Raw edits of an ELF object, located with the ELF reader.
class ElfEditor {
 public:
  explicit ElfEditor(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {
    Result<ElfFile> file = ElfFile::parse(bytes_, "edit.o");
    EXPECT_TRUE(file.ok());
    if (file.ok()) elf_.emplace(std::move(*file));
  }
  const ElfFile& elf() const { return *elf_; }
  std::vector<std::uint8_t>& bytes() { return bytes_; }

  std::uint64_t get(std::uint64_t at, int size) const {
    std::uint64_t value = 0;
    for (int i = size - 1; i >= 0; --i)
      value = (value << 8) | bytes_[at + static_cast<std::uint64_t>(i)];
    return value;
  }
  void put(std::uint64_t at, std::uint64_t value, int size) {
    for (int i = 0; i < size; ++i)
      bytes_[at + static_cast<std::uint64_t>(i)] = static_cast<std::uint8_t>(value >> (8 * i));
  }
  const ElfSection& section(std::string_view name) const {
    const ElfSection* found = elf_->find_section(name);
    EXPECT_NE(found, nullptr) << name;
    return *found;
  }
  // File offset of a section's header.
  std::uint64_t header(std::string_view name) const {
    return get(40, 8) + section(name).index * 64;
  }
  std::uint64_t symbol_entry(std::string_view name) const {
    for (const ElfSymbol& symbol : elf_->symbols()) {
      if (symbol.name == name) return section(".symtab").offset + symbol.index * 24;
    }
    ADD_FAILURE() << "no symbol " << name;
    return 0;
  }
  // File offset of relocation `index` in section `rel`.
  std::uint64_t relocation(std::string_view rel, std::size_t index) const {
    return section(rel).offset + index * 16;
  }
  // Replaces a string inside a section (same length).
  void replace(std::string_view section_name, std::string_view from, std::string_view to) {
    ASSERT_EQ(from.size(), to.size());
    const ElfSection& s = section(section_name);
    auto* begin = bytes_.data() + s.offset;
    auto* end = begin + s.size;
    auto* at = std::search(begin, end, from.begin(), from.end());
    ASSERT_NE(at, end) << "no '" << from << "' in " << section_name;
    std::memcpy(at, to.data(), to.size());
  }

 private:
  std::vector<std::uint8_t> bytes_;
  std::optional<ElfFile> elf_;
};

}  // namespace xbpf::object::test
