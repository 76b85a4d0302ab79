// What libbpf decides from an object's ELF symbols and BTF at open, where xbpf's loader
// decides otherwise (the loader also takes programs other loaders and older toolchains wrote):
// which functions are programs, and where the kconfig externs live.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libbpf/btf_internal.h"
#include "object/elf.h"
#include "support/error.h"

namespace xbpf::libbpf {

// libbpf's programs, in its order (section, then offset): every function symbol of an
// executable section; those of .text only when the object has a single function (otherwise
// they are subprograms). A static function outside .text fails, as libbpf refuses it
// (ENOTSUP). Sections with code but no function symbol hold no program.
Result<std::vector<std::string>> libbpf_programs(const object::ElfFile& elf);

// bpf_object__collect_externs for .kconfig: the kconfig externs laid out in one map value
// (by alignment, largest first, then size and name), the .kconfig DATASEC's offsets and size
// set and its variables allocated, in `types`. Returns the value's size, 0 without kconfig
// externs.
Result<std::uint32_t> layout_kconfig(btf& types);

}  // namespace xbpf::libbpf
