// The bpf_conformance test format (`.data` files) and the execution environment its tests
// assume (README of the suite): r1 = input memory, r2 = its length, helper 5 returns r1.
// Used by xbpf-conformance-plugin and the conformance test runner.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "isa/instruction.h"
#include "support/error.h"
#include "vm/vm.h"

namespace xbpf::testing {

struct ConformanceTest {
  std::string file;
  std::string assembly;                          // the `-- asm` section, if any
  std::size_t assembly_line = 0;                 // line of the first `-- asm` line in the file
  std::optional<std::vector<std::uint8_t>> raw;  // the `-- raw` section, as bytes
  std::vector<std::uint8_t> memory;
  std::optional<std::uint64_t> result;
  std::optional<std::string> error;  // expected error (a substring of the message)
};

Result<ConformanceTest> parse_conformance(std::string_view text, const std::string& file);

// The environment: helper 5 (returns r1); for xbpf's own tests also maps and platform
// variables for every lddw pseudo source (map_by_fd/idx N for N < 4, each with one 64-byte
// value; var_addr N for N < 4, 64 bytes each), all zeroed per instance.
class ConformanceHost : public vm::Host {
 public:
  static constexpr int kObjects = 4;
  static constexpr std::size_t kValueSize = 64;

  ConformanceHost();
  Result<std::uint64_t> resolve_lddw(const isa::Instruction& insn) override;
  [[nodiscard]] const vm::Environment& environment() const { return environment_; }
  // Registers the host's memory as regions (for the checked interpreter).
  void add_regions(vm::RunState& state);
  // Zeroes every object; the bytes of every object, in a fixed order.
  void reset();
  [[nodiscard]] std::vector<std::uint8_t> snapshot() const;

 private:
  struct Object {
    std::uint8_t value[kValueSize];
  };
  vm::Environment environment_;
  Object maps_by_fd_[kObjects]{};
  Object maps_by_idx_[kObjects]{};
  Object variables_[kObjects]{};
};

// Prepares and runs a program the way the suite expects.
Result<std::uint64_t> run_conformance_program(std::span<const isa::Instruction> program,
                                              std::vector<std::uint8_t> memory, vm::Engine engine);

// Runs a test: assemble (and compare with `-- raw` when both are given), run, compare with
// `-- result` or `-- error`. Returns an empty Status on a pass, else why it failed.
Status check_conformance(const ConformanceTest& test, vm::Engine engine);

// The differential fuzzers' runs: one program on several engines from the same start. Before
// each run the memory gets the input's bytes again (r1 = the memory, r2 = its size; it is also
// the legacy packet), the host's objects and the stack are zeroed; the checked mode stops after
// 10,000 instructions.
class DifferentialRun {
 public:
  struct Outcome {
    Result<std::uint64_t> r0;
    std::vector<std::uint8_t> memory, host, stack;  // after the run (stack: when asked)
  };
  DifferentialRun(ConformanceHost& host, std::span<const std::uint8_t> input);
  Outcome run(const vm::Program& program, vm::Engine engine, bool with_stack);

 private:
  ConformanceHost& host_;
  std::span<const std::uint8_t> input_;
  std::vector<std::uint8_t> memory_;
  vm::RunState state_;
};

}  // namespace xbpf::testing
