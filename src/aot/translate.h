// Ahead-of-time translation: eBPF programs to one C translation unit that the system C
// compiler turns into a native image (a shared object, a DLL on Windows). Registers are
// 64-bit locals, each instruction one C statement, jump targets labels, each eBPF function a
// C function with its own 512-byte frame; helpers, map references and tail calls go through
// the vm::NativeLink the runtime fills at load time. See docs/architecture.md ("Native
// images").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "isa/instruction.h"
#include "support/error.h"

namespace xbpf::aot {

struct ProgramSource {
  std::string name;
  std::string section;
  std::uint32_t type = 0;  // enum bpf_prog_type
  std::vector<isa::Instruction> code;
};

struct ImageSource {
  std::string contract;  // hash of the program-type and helper contract (64 hex digits)
  std::string metadata;  // JSON: programs, maps, global data (for `xbpf prog show IMAGE`)
  std::vector<ProgramSource> programs;
  // Every frame starts zeroed (differential fuzzing: the harness zeroes the interpreter's
  // stack). Verified programs never read stack bytes they did not write.
  bool zero_stack = false;
};

// The SHA-256 of a program's bytecode (its instructions encoded), as images record it.
std::string bytecode_digest(std::span<const isa::Instruction> code);

// The C translation unit for the image; fails on programs isa::validate() refuses.
Result<std::string> translate(const ImageSource& image);

// The names an image exports (a C struct array and scalars; see the prelude).
inline constexpr const char* kAbiSymbol = "xbpf_image_abi";
inline constexpr const char* kContractSymbol = "xbpf_image_contract";
inline constexpr const char* kMetadataSymbol = "xbpf_image_metadata";
inline constexpr const char* kProgramCountSymbol = "xbpf_image_program_count";
inline constexpr const char* kProgramsSymbol = "xbpf_image_programs";

// One row of xbpf_image_programs (layout shared with the C prelude).
struct ImageProgram {
  const char* name;
  const char* section;
  std::uint32_t type;
  std::uint32_t slots;
  const char* digest;  // bytecode_digest
  const void* entry;   // vm::NativeEntry
  const void* main;    // the main function, for tail calls
};

}  // namespace xbpf::aot
