// xbpf-conformance-plugin: runs one program for the bpf_conformance runner.
//
//   xbpf-conformance-plugin [MEMORY] [--engine interp|interp-checked|jit|native] [--elf]
//
// The engine defaults to $XBPF_CONFORMANCE_ENGINE, else interp (the bpf_conformance runner
// passes no options of its own: the variable selects the JIT there).
// MEMORY is the input as hex bytes ("01  02  ff  "); the program's bytes arrive on standard
// input in the same encoding (or, with --elf, an ELF object whose section .text or xdp holds
// the function main). Prints r0 in hex and exits 0, or prints the error and exits 1.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "isa/instruction.h"
#include "object/elf.h"
#include "platform/platform.h"
#include "support/text.h"
#include "testing/conformance.h"

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "xbpf-conformance-plugin: %s\n", message.c_str());
  return 1;
}

constexpr std::uint32_t kRelocationCall = 10;  // R_BPF_64_32

// The function `main` from section .text or xdp, with calls inside its section relocated.
xbpf::Result<std::vector<std::uint8_t>> program_from_elf(std::vector<std::uint8_t> bytes) {
  using namespace xbpf;
  Result<object::ElfFile> elf = object::ElfFile::parse(std::move(bytes), "<stdin>");
  if (!elf) return std::move(elf).error();
  for (const object::ElfSymbol& symbol : elf->symbols()) {
    if (symbol.name != "main" || symbol.section >= elf->sections().size()) continue;
    const object::ElfSection& section = elf->sections()[symbol.section];
    if (section.name != ".text" && section.name != "xdp") continue;
    if (symbol.value != 0)
      return make_error("main must start its section (found at offset " +
                        std::to_string(symbol.value) + ")");
    std::vector<std::uint8_t> code(section.data.begin(), section.data.end());
    Result<std::vector<object::ElfRelocation>> relocations = elf->relocations_for(section.index);
    if (!relocations) return std::move(relocations).error();
    for (const object::ElfRelocation& relocation : *relocations) {
      const object::ElfSymbol& target = elf->symbols()[relocation.symbol];
      if (relocation.type != kRelocationCall || target.section != section.index ||
          relocation.offset % 8 != 0 || relocation.offset + 8 > code.size()) {
        return make_error("unsupported relocation against '" + target.name + "'");
      }
      const auto slot = static_cast<std::int64_t>(relocation.offset / 8);
      const std::int64_t callee =
          static_cast<std::int64_t>(target.value / 8) +
          (target.type == object::kSymbolSection ? code[relocation.offset + 4] / 8 : 0);
      const auto imm = static_cast<std::uint32_t>(callee - slot - 1);
      for (int b = 0; b < 4; ++b)
        code[relocation.offset + 4 + static_cast<std::size_t>(b)] =
            static_cast<std::uint8_t>(imm >> (8 * b));
    }
    return code;
  }
  return make_error("no function 'main' in section .text or xdp");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace xbpf;
  std::string memory_text;
  vm::Engine engine = vm::Engine::interpreter;
  if (std::optional<std::string> chosen =
          platform::environment_variable("XBPF_CONFORMANCE_ENGINE")) {
    std::optional<vm::Engine> parsed = vm::parse_engine(*chosen);
    if (!parsed) return fail("unknown engine '" + *chosen + "' in XBPF_CONFORMANCE_ENGINE");
    engine = *parsed;
  }
  bool elf = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--elf") {
      elf = true;
    } else if (arg == "--engine" && i + 1 < argc) {
      std::optional<vm::Engine> parsed = vm::parse_engine(argv[++i]);
      if (!parsed) return fail(std::string("unknown engine '") + argv[i] + "'");
      engine = *parsed;
    } else if (arg == "--help" || arg == "-h") {
      std::printf(
          "Usage: xbpf-conformance-plugin [MEMORY] [--engine interp|interp-checked|jit|native] "
          "[--elf]\n"
          "The engine defaults to $XBPF_CONFORMANCE_ENGINE, else interp.\n");
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      return fail("unknown option '" + arg + "'");
    } else {
      memory_text = arg;
    }
  }
  std::optional<std::vector<std::uint8_t>> memory = parse_hex_bytes(memory_text);
  if (!memory) return fail("MEMORY is not hex bytes");
  const std::string input((std::istreambuf_iterator<char>(std::cin)),
                          std::istreambuf_iterator<char>());
  std::optional<std::vector<std::uint8_t>> bytes = parse_hex_bytes(input);
  if (!bytes) return fail("the program on standard input is not hex bytes");
  if (elf) {
    Result<std::vector<std::uint8_t>> code = program_from_elf(std::move(*bytes));
    if (!code) return fail(code.error().to_string());
    bytes = std::move(*code);
  }
  Result<std::vector<isa::Instruction>> program = isa::decode(*bytes);
  if (!program) return fail(program.error().to_string());
  Result<std::uint64_t> r0 = testing::run_conformance_program(*program, std::move(*memory), engine);
  if (!r0) return fail(r0.error().to_string());
  std::printf("%llx\n", static_cast<unsigned long long>(*r0));
  return 0;
}
