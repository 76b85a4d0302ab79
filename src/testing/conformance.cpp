#include "testing/conformance.h"

#include <algorithm>

#include "aot/image.h"
#include "isa/assembler.h"
#include "isa/syntax.h"
#include "support/text.h"

namespace xbpf::testing {
namespace {

std::uint64_t helper_return_r1(std::uint64_t r1, std::uint64_t, std::uint64_t, std::uint64_t,
                               std::uint64_t, vm::RunState&) {
  return r1;
}

Location at_line(const std::string& file, std::size_t line) {
  Location where;
  where.file = file;
  if (line > 0) where.line = line;
  return where;
}

}  // namespace

Result<ConformanceTest> parse_conformance(std::string_view text, const std::string& file) {
  ConformanceTest test;
  test.file = file;
  std::string section;
  std::string raw_words, memory, result, error;
  const std::vector<std::string_view> lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (starts_with(line, "-- ")) {
      section = std::string(trim(line.substr(3)));
      if (section == "asm" && test.assembly_line == 0) test.assembly_line = i + 2;
      continue;
    }
    if (section == "asm") {
      test.assembly += std::string(line) + "\n";
      continue;
    }
    if (starts_with(trim(line), "#")) continue;
    if (section == "raw") raw_words += std::string(line) + "\n";
    if (section == "mem") memory += std::string(line) + " ";
    if (section == "result") result += std::string(trim(line));
    if (section == "error") error += (error.empty() ? "" : " ") + std::string(trim(line));
  }
  if (test.assembly.empty() && raw_words.empty()) {
    return make_error("no '-- asm' or '-- raw' section", at_line(file, 1));
  }
  if (!raw_words.empty()) {
    std::vector<std::uint8_t> bytes;
    for (std::string_view word : split_lines(raw_words)) {
      word = trim(word);
      if (word.empty()) continue;
      std::optional<ParsedNumber> value = parse_number(word);
      if (!value || value->negative) {
        return make_error("bad '-- raw' word '" + std::string(word) + "'", at_line(file, 0));
      }
      for (int b = 0; b < 8; ++b)
        bytes.push_back(static_cast<std::uint8_t>(value->magnitude >> (8 * b)));
    }
    test.raw = std::move(bytes);
  }
  std::optional<std::vector<std::uint8_t>> mem = parse_hex_bytes(memory);
  if (!mem) return make_error("bad hex byte in '-- mem'", at_line(file, 0));
  test.memory = std::move(*mem);
  if (!result.empty()) {
    std::optional<ParsedNumber> value = parse_number(result);
    if (!value) return make_error("bad '-- result' value '" + result + "'", at_line(file, 0));
    test.result = value->bits();
  }
  if (!error.empty()) test.error = error;
  if (!test.result && !test.error) {
    return make_error("no '-- result' or '-- error' section", at_line(file, 1));
  }
  return test;
}

ConformanceHost::ConformanceHost() {
  environment_.set_helper(5, helper_return_r1);
  environment_.host = this;
}

Result<std::uint64_t> ConformanceHost::resolve_lddw(const isa::Instruction& insn) {
  const isa::Sem sem = insn.info().sem;
  const bool by_fd = sem == isa::Sem::map_by_fd || sem == isa::Sem::map_val_fd;
  const bool by_idx = sem == isa::Sem::map_by_idx || sem == isa::Sem::map_val_idx;
  if (insn.imm < 0 || insn.imm >= kObjects) {
    Location where;
    where.instruction = insn.slot;
    return make_error("'" + isa::format(insn, isa::Syntax::llvm) + "': no object " +
                          std::to_string(insn.imm) + " (the conformance environment has 0 to " +
                          std::to_string(kObjects - 1) + ")",
                      where);
  }
  Object* object = by_fd    ? &maps_by_fd_[insn.imm]
                   : by_idx ? &maps_by_idx_[insn.imm]
                            : &variables_[insn.imm];
  const auto base = reinterpret_cast<std::uint64_t>(object->value);
  if (sem == isa::Sem::map_val_fd || sem == isa::Sem::map_val_idx) {
    return base + static_cast<std::uint64_t>(static_cast<std::int64_t>(insn.next_imm));
  }
  // A map reference: the address of the map object (opaque to programs).
  return base;
}

void ConformanceHost::add_regions(vm::RunState& state) {
  for (int i = 0; i < kObjects; ++i) {
    const std::string n = std::to_string(i);
    state.add_region(
        {reinterpret_cast<std::uint64_t>(maps_by_fd_[i].value), kValueSize, true, "map fd " + n});
    state.add_region(
        {reinterpret_cast<std::uint64_t>(maps_by_idx_[i].value), kValueSize, true, "map idx " + n});
    state.add_region(
        {reinterpret_cast<std::uint64_t>(variables_[i].value), kValueSize, true, "variable " + n});
  }
}

void ConformanceHost::reset() {
  for (int i = 0; i < kObjects; ++i) {
    maps_by_fd_[i] = {};
    maps_by_idx_[i] = {};
    variables_[i] = {};
  }
}

std::vector<std::uint8_t> ConformanceHost::snapshot() const {
  std::vector<std::uint8_t> bytes;
  for (const Object* objects : {maps_by_fd_, maps_by_idx_, variables_}) {
    for (int i = 0; i < kObjects; ++i) {
      bytes.insert(bytes.end(), objects[i].value, objects[i].value + kValueSize);
    }
  }
  return bytes;
}

Result<std::uint64_t> run_conformance_program(std::span<const isa::Instruction> program,
                                              std::vector<std::uint8_t> memory, vm::Engine engine) {
  ConformanceHost host;
  vm::Environment environment = host.environment();
  std::shared_ptr<const aot::Image> image;
  if (engine == vm::Engine::native) {
    aot::ImageSource source;
    source.programs.push_back({"main", "", 0, {program.begin(), program.end()}});
    Result<std::shared_ptr<const aot::Image>> built = aot::build_temporary(source);
    if (!built) return std::move(built).error();
    image = std::move(*built);
    environment.native = image->function(image->programs().front());
  }
  Result<std::shared_ptr<const vm::Program>> prepared = vm::Program::create(program, environment);
  if (!prepared) return std::move(prepared).error();
  vm::RunState state;
  host.add_regions(state);
  const auto address = memory.empty() ? 0 : reinterpret_cast<std::uint64_t>(memory.data());
  if (!memory.empty()) state.add_region({address, memory.size(), true, "the input memory"});
  state.set_packet(memory);
  const std::uint64_t args[2] = {address, memory.size()};
  return vm::run(**prepared, args, state, engine);
}

Status check_conformance(const ConformanceTest& test, vm::Engine engine) {
  std::vector<isa::Instruction> program;
  std::optional<Error> failure;
  if (!test.assembly.empty()) {
    isa::AssembleOptions options;
    options.syntax = isa::Syntax::conformance;
    options.file_name = test.file;
    Result<std::vector<isa::Instruction>> assembled = isa::assemble(test.assembly, options);
    if (!assembled) {
      Error error = std::move(assembled).error();
      if (error.where.line) *error.where.line += test.assembly_line - 1;
      failure = std::move(error);
    } else {
      program = std::move(*assembled);
      if (test.raw && isa::encode(program) != *test.raw) {
        return make_error("'-- asm' assembles to " + hex_bytes(isa::encode(program)) +
                              ", but '-- raw' holds " + hex_bytes(*test.raw),
                          at_line(test.file, test.assembly_line));
      }
    }
  }
  if (test.raw && (test.assembly.empty() || failure)) {
    Result<std::vector<isa::Instruction>> decoded = isa::decode(*test.raw);
    if (!decoded) {
      failure = std::move(decoded).error();
    } else {
      program = std::move(*decoded);
      failure.reset();
    }
  }
  Result<std::uint64_t> r0 = failure ? Result<std::uint64_t>(*failure)
                                     : run_conformance_program(program, test.memory, engine);
  if (test.error) {
    if (r0) {
      return make_error(
          "expected error '" + *test.error + "', but the program returned " + to_hex(*r0),
          at_line(test.file, 0));
    }
    if (r0.error().to_string().find(*test.error) == std::string::npos) {
      return make_error(
          "expected error '" + *test.error + "', got '" + r0.error().to_string() + "'",
          at_line(test.file, 0));
    }
    return {};
  }
  if (!r0)
    return make_error("expected " + to_hex(*test.result) + ", got error: " + r0.error().to_string(),
                      at_line(test.file, 0));
  if (*r0 != *test.result) {
    return make_error("expected " + to_hex(*test.result) + ", got " + to_hex(*r0),
                      at_line(test.file, 0));
  }
  return {};
}

DifferentialRun::DifferentialRun(ConformanceHost& host, std::span<const std::uint8_t> input)
    : host_(host), input_(input), memory_(input.begin(), input.end()) {
  state_.instruction_limit = 10000;
  host_.add_regions(state_);
  state_.add_region(
      {reinterpret_cast<std::uint64_t>(memory_.data()), memory_.size(), true, "memory"});
  state_.set_packet(memory_);
}

DifferentialRun::Outcome DifferentialRun::run(const vm::Program& program, vm::Engine engine,
                                              bool with_stack) {
  std::copy(input_.begin(), input_.end(), memory_.begin());
  host_.reset();
  state_.stack.fill(0);
  const std::uint64_t args[2] = {reinterpret_cast<std::uint64_t>(memory_.data()), memory_.size()};
  Result<std::uint64_t> r0 = vm::run(program, args, state_, engine);
  Outcome outcome{std::move(r0), memory_, host_.snapshot(), {}};
  if (with_stack) outcome.stack.assign(state_.stack.begin(), state_.stack.end());
  return outcome;
}

}  // namespace xbpf::testing
