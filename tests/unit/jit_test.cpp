// The x86-64 JIT against the interpreter: every row of the opcode table compiles to machine
// code, every arithmetic and branch form computes what the interpreter computes on edge values
// (with and without constant blinding), blinding hides the program's immediates, and the
// Win64 flavour of the code follows its calling convention. (The conformance suites run on
// the JIT as ctest's conformance-jit; vm_test and the runtime tests run all engines.)
#include "jit/x86_64/jit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "instruction_samples.h"
#include "isa/opcode.h"
#include "platform/platform.h"
#include "testing/conformance.h"

namespace xbpf::jit::x86_64 {
namespace {

using isa::Form;
using isa::Instruction;
using isa::Op;

std::vector<Instruction> with_slots(std::vector<Instruction> code) {
  std::uint32_t slot = 0;
  for (Instruction& insn : code) {
    insn.slot = slot;
    slot += insn.slots();
  }
  return code;
}

Instruction lddw(std::uint8_t dst, std::uint64_t value) {
  return isa::make(Op::lddw, dst, 0, 0,
                   static_cast<std::int32_t>(static_cast<std::uint32_t>(value)),
                   static_cast<std::int32_t>(static_cast<std::uint32_t>(value >> 32)));
}

// r0..r9 = values, the instruction (a branch jumps over `r6 = 111`), then r0 = a hash of
// r0..r9.
std::vector<Instruction> probe(Instruction insn, const std::uint64_t (&values)[10]) {
  std::vector<Instruction> code;
  for (std::uint8_t r = 0; r < 10; ++r) code.push_back(lddw(r, values[r]));
  const Form form = insn.info().form;
  if (form == Form::cond_imm || form == Form::cond_reg) {
    insn.off = 2;
    code.push_back(insn);
    code.push_back(isa::make(Op::mov64_imm, 6, 0, 0, 111));
    code.push_back(isa::make(Op::ja, 0, 0, 1));
    code.push_back(isa::make(Op::mov64_imm, 6, 0, 0, 222));
  } else {
    code.push_back(insn);
  }
  for (std::uint8_t r = 1; r < 10; ++r) {
    code.push_back(isa::make(Op::mul64_imm, 0, 0, 0, 1000003));
    code.push_back(isa::make(Op::add64_reg, 0, r));
  }
  code.push_back(isa::make(Op::exit));
  return with_slots(std::move(code));
}

std::vector<std::array<std::uint64_t, 10>> value_sets() {
  constexpr std::uint64_t kMin64 = std::uint64_t{1} << 63;
  std::vector<std::array<std::uint64_t, 10>> sets = {
      {0, 1, ~0ULL, kMin64, 0x80000000, 0xffffffff, 7, ~6ULL, 0x123456789abcdef0, 63},
      {kMin64, ~0ULL, 0, 0xffffffff80000000, 0x80000000, ~0ULL, 0xffffffff, 2, 1, 0},
      {0x7fffffffffffffff, 0xffffffff, 0x80000000, ~0ULL, kMin64, 0, 3, 64, 33, 0x8000},
      {5, 5, 5, 5, 5, 5, 5, 5, 5, 5},
  };
  std::mt19937_64 random(20261121);
  for (int i = 0; i < 4; ++i) {
    std::array<std::uint64_t, 10> set{};
    for (std::uint64_t& value : set) {
      value = random();
      if (i % 2 == 1) value = static_cast<std::uint64_t>(static_cast<std::int32_t>(value));
    }
    sets.push_back(set);
  }
  return sets;
}

bool arithmetic(Form form) {
  return form == Form::alu_imm || form == Form::alu_reg || form == Form::alu_neg ||
         form == Form::alu_movsx || form == Form::byteswap || form == Form::cond_imm ||
         form == Form::cond_reg;
}

TEST(Jit, ArithmeticAndBranchesMatchTheInterpreter) {
  vm::Environment plain, blinded;
  blinded.jit_blind = true;
  int compared = 0;
  for (const isa::OpInfo& row : isa::all_ops()) {
    if (!arithmetic(row.form)) continue;
    for (const Instruction& sample : test::instruction_samples(row)) {
      int set_index = 0;
      for (const auto& set : value_sets()) {
        std::uint64_t values[10];
        std::copy(set.begin(), set.end(), values);
        const std::vector<Instruction> code = probe(sample, values);
        // Blinding on every other set (its code differs; its results may not).
        const vm::Environment& environment = set_index++ % 2 == 0 ? plain : blinded;
        Result<std::shared_ptr<const vm::Program>> program = vm::Program::create(code, environment);
        ASSERT_TRUE(program.ok()) << row.name << ": " << program.error().to_string();
        ASSERT_NE((*program)->jit(), nullptr) << (*program)->jit_unavailable();
        vm::RunState state;  // one state: r10 is the same address for both engines
        Result<std::uint64_t> expected = vm::run(**program, {}, state, vm::Engine::interpreter);
        Result<std::uint64_t> got = vm::run(**program, {}, state, vm::Engine::jit);
        ASSERT_TRUE(expected.ok() && got.ok()) << row.name;
        EXPECT_EQ(*expected, *got)
            << row.name << " dst r" << int(sample.dst) << " src r" << int(sample.src) << " imm "
            << sample.imm << " off " << sample.off << " values #" << set_index - 1
            << (&environment == &blinded ? " (blinded)" : "");
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 5000);
}

// Instructions the JIT compiles together: an add, sub, and, or or xor followed by a test of
// its result against 0 (the test is left out: the operation set the zero flag),
// `rX = rY; rX += rZ` (one lea) and `rX <<= 32; rX >>= 32` (one mov, or movsxd), with near
// misses. Every such sequence, for both widths of each, with values whose low or high half
// alone is zero, against the interpreter.
TEST(Jit, FusedPairsMatchTheInterpreter) {
  const Op operations[] = {Op::add64_imm, Op::add64_reg, Op::sub64_imm, Op::sub64_reg,
                           Op::and64_imm, Op::and64_reg, Op::or64_imm,  Op::or64_reg,
                           Op::xor64_imm, Op::xor64_reg, Op::add32_imm, Op::add32_reg,
                           Op::sub32_imm, Op::sub32_reg, Op::and32_imm, Op::and32_reg,
                           Op::or32_imm,  Op::or32_reg,  Op::xor32_imm, Op::xor32_reg};
  const Op tests[] = {Op::jeq64_imm, Op::jne64_imm, Op::jeq32_imm, Op::jne32_imm};
  const std::int32_t immediates[] = {0, 1, -1, INT32_MIN};
  std::vector<std::vector<Instruction>> pairs;
  for (const Op operation : operations) {
    std::vector<Instruction> firsts;
    if (isa::info(operation).form == Form::alu_imm) {
      for (const std::int32_t imm : immediates)
        firsts.push_back(isa::make(operation, 1, 0, 0, imm));
    } else {
      firsts = {isa::make(operation, 1, 2), isa::make(operation, 1, 1)};
    }
    for (const Instruction& first : firsts) {
      for (const Op test : tests) pairs.push_back({first, isa::make(test, 1, 0, 0, 0)});
    }
  }
  for (const std::uint8_t src : {std::uint8_t{2}, std::uint8_t{1}, std::uint8_t{3}}) {
    pairs.push_back({isa::make(Op::mov64_reg, 1, 3), isa::make(Op::add64_reg, 1, src)});
  }
  for (const std::int32_t imm : immediates) {
    pairs.push_back({isa::make(Op::mov64_reg, 1, 3), isa::make(Op::add64_imm, 1, 0, 0, imm)});
  }
  // Zero and sign extensions (`<<= 32` then `>>= 32` or `s>>= 32`), with a copy before or
  // not, and near misses: other counts, another register, a variable count.
  for (const Op right : {Op::rsh64_imm, Op::arsh64_imm}) {
    for (const auto& [left_count, right_count] : {std::pair{32, 32}, {31, 32}, {32, 31}}) {
      const Instruction left = isa::make(Op::lsh64_imm, 1, 0, 0, left_count);
      pairs.push_back({left, isa::make(right, 1, 0, 0, right_count)});
      pairs.push_back(
          {isa::make(Op::mov64_reg, 1, 3), left, isa::make(right, 1, 0, 0, right_count)});
    }
    pairs.push_back({isa::make(Op::mov64_reg, 1, 3), isa::make(Op::lsh64_imm, 1, 0, 0, 32),
                     isa::make(right, 2, 0, 0, 32)});
    pairs.push_back({isa::make(Op::mov64_reg, 1, 3), isa::make(Op::lsh64_imm, 3, 0, 0, 32),
                     isa::make(right, 1, 0, 0, 32)});
  }
  pairs.push_back({isa::make(Op::lsh64_imm, 1, 0, 0, 32), isa::make(Op::rsh64_reg, 1, 2)});
  const std::uint64_t values[][3] = {{0, 0, 0},
                                     {0x100000000, 0xffffffff00000000, 1},
                                     {0xffffffff, 1, 0x100000000},
                                     {~0ULL, 1, ~0ULL},
                                     {0x8000000000000000, 0x8000000000000000, 7}};
  int compared = 0;
  for (const std::vector<Instruction>& pair : pairs) {
    for (const auto& set : values) {
      // r1..r3 = set; the pair (a test jumps over `r6 = 111`); r0 = r1 * 31 + r6.
      std::vector<Instruction> code;
      for (std::uint8_t r = 1; r <= 3; ++r) code.push_back(lddw(r, set[r - 1]));
      code.push_back(isa::make(Op::mov64_imm, 6, 0, 0, 5));
      code.insert(code.end(), pair.begin(), pair.end());
      if (code.back().info().form == Form::cond_imm) code.back().off = 1;
      code.push_back(isa::make(Op::mov64_imm, 6, 0, 0, 111));
      code.push_back(isa::make(Op::mov64_reg, 0, 1));
      code.push_back(isa::make(Op::mul64_imm, 0, 0, 0, 31));
      code.push_back(isa::make(Op::add64_reg, 0, 6));
      code.push_back(isa::make(Op::exit));
      Result<std::shared_ptr<const vm::Program>> program =
          vm::Program::create(with_slots(std::move(code)), {});
      ASSERT_TRUE(program.ok()) << program.error().to_string();
      ASSERT_NE((*program)->jit(), nullptr);
      vm::RunState state;
      Result<std::uint64_t> expected = vm::run(**program, {}, state, vm::Engine::interpreter);
      Result<std::uint64_t> got = vm::run(**program, {}, state, vm::Engine::jit);
      ASSERT_TRUE(expected.ok() && got.ok());
      EXPECT_EQ(*expected, *got) << pair[0].info().name << " src r" << int(pair[0].src) << " imm "
                                 << pair[0].imm << ", then " << pair[1].info().name << " (of "
                                 << pair.size() << "), values " << set[0] << " " << set[1] << " "
                                 << set[2];
      ++compared;
    }
  }
  EXPECT_GT(compared, 800);
}

// The zero flag is not taken from the instruction before a test that another path jumps to,
// and a copy is not merged with an add that a jump reaches.
TEST(Jit, PairsAreNotFusedAcrossJumpTargets) {
  // r1 = 1; r2 = 0; if r3 == 0 goto T; r1 &= r2 (ZF = 1); T: if r1 == 0 goto +1; r0 = 7; exit
  // r3 != 0 reaches T from the jump with r1 = 1 and ZF of `r3 == 0`'s test (0): r0 = 7.
  // Both ways, with r3 = 5 (the jump is taken, flags from `test r3`: ZF = 0).
  const auto run = [](std::vector<Instruction> code) {
    Result<std::shared_ptr<const vm::Program>> program =
        vm::Program::create(with_slots(std::move(code)), {});
    EXPECT_TRUE(program.ok());
    vm::RunState state;
    Result<std::uint64_t> expected = vm::run(**program, {}, state, vm::Engine::interpreter);
    Result<std::uint64_t> got = vm::run(**program, {}, state, vm::Engine::jit);
    EXPECT_TRUE(expected.ok() && got.ok());
    return std::pair{*expected, *got};
  };
  for (const std::int32_t r3 : {0, 5}) {
    // if r3 != 0 goto T, with r1 = 0 there: ZF from `test r3` is 0, r1 == 0 is true.
    const auto [expected, got] =
        run({isa::make(Op::mov64_imm, 1, 0, 0, 0), isa::make(Op::mov64_imm, 2, 0, 0, 1),
             isa::make(Op::mov64_imm, 3, 0, 0, r3), isa::make(Op::mov64_imm, 0, 0, 0, 1),
             isa::make(Op::jne64_imm, 3, 0, 1, 0), isa::make(Op::or64_reg, 1, 2),
             isa::make(Op::jeq64_imm, 1, 0, 1, 0), isa::make(Op::mov64_imm, 0, 0, 0, 7),
             isa::make(Op::exit)});
    EXPECT_EQ(expected, got) << "r3 = " << r3;
    EXPECT_EQ(expected, r3 == 0 ? 7U : 1U);
  }
  for (const std::int32_t r3 : {0, 5}) {
    // r1 = r2; if r3 != 0 goto +0 (to the add); r1 += r4: the copy and the add stay apart.
    const auto [expected, got] =
        run({isa::make(Op::mov64_imm, 1, 0, 0, 100), isa::make(Op::mov64_imm, 2, 0, 0, 10),
             isa::make(Op::mov64_imm, 3, 0, 0, r3), isa::make(Op::mov64_imm, 4, 0, 0, 1),
             isa::make(Op::jne64_imm, 3, 0, 1, 0), isa::make(Op::mov64_reg, 1, 2),
             isa::make(Op::add64_reg, 1, 4), isa::make(Op::mov64_reg, 0, 1), isa::make(Op::exit)});
    EXPECT_EQ(expected, got) << "r3 = " << r3;
    EXPECT_EQ(expected, r3 == 0 ? 11U : 101U);
  }
}

// Variable shifts take another path without BMI2 (through cl, which is r4): compiled both
// ways here whatever this CPU has, run through the image's entry directly.
TEST(Jit, ShiftsWithAndWithoutBmi2MatchTheInterpreter) {
  int compared = 0;
  for (const isa::OpInfo& row : isa::all_ops()) {
    if (row.form != Form::alu_reg ||
        (row.sem != isa::Sem::lsh && row.sem != isa::Sem::rsh && row.sem != isa::Sem::arsh)) {
      continue;
    }
    for (const Instruction& sample : test::instruction_samples(row)) {
      for (const auto& set : value_sets()) {
        std::uint64_t values[10];
        std::copy(set.begin(), set.end(), values);
        for (std::uint8_t count_reg : {std::uint8_t{4}, std::uint8_t{2}}) {
          Instruction insn = sample;
          if (insn.src != 10 && insn.dst != count_reg) insn.src = count_reg;  // r4 is rcx
          vm::Environment environment;
          environment.jit_allowed = false;
          Result<std::shared_ptr<const vm::Program>> program =
              vm::Program::create(probe(insn, values), environment);
          ASSERT_TRUE(program.ok()) << program.error().to_string();
          vm::RunState state;
          Result<std::uint64_t> expected = vm::run(**program, {}, state, vm::Engine::interpreter);
          ASSERT_TRUE(expected.ok());
          for (bool bmi2 : {false, true}) {
            if (bmi2 && !host_has_bmi2()) continue;
            Options options;
            options.bmi2 = bmi2;
            Result<std::shared_ptr<const Image>> image = compile(**program, options);
            ASSERT_TRUE(image.ok()) << image.error().to_string();
            const std::uint64_t args[5] = {};
            const auto top =
                reinterpret_cast<std::uint64_t>(state.stack.data() + state.stack.size());
            const std::uint64_t got =
                (*image)->entry()(args, &state, top + vm::kStackSize, (*image)->function(0));
            EXPECT_EQ(got, *expected) << row.name << " dst r" << int(insn.dst) << " src r"
                                      << int(insn.src) << (bmi2 ? " (bmi2)" : " (cl)");
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_GT(compared, 200);
}

// For each row: a program with the instruction second (after `r0 = 0`), so that its machine
// code can be told apart from the function prologue.
std::vector<Instruction> program_for(const isa::OpInfo& row) {
  const Instruction zero = isa::make(Op::mov64_imm, 0);
  const Instruction exit = isa::make(Op::exit);
  switch (row.form) {
    case Form::jump: return with_slots({zero, isa::make(row.op, 0, 0, 1), zero, exit});
    case Form::jump_long: return with_slots({zero, isa::make(row.op, 0, 0, 0, 1), zero, exit});
    case Form::call_helper:
      return with_slots({zero, isa::make(row.op, 0, 0, 0, 5), exit});  // the conformance helper
    case Form::call_local: return with_slots({zero, isa::make(row.op, 0, 0, 0, 1), exit, exit});
    case Form::lddw:
      return with_slots(
          {zero, isa::make(row.op, 1, 0, 0, row.sem == isa::Sem::code_addr ? 2 : 0), exit, exit});
    case Form::exit: return with_slots({zero, exit});
    case Form::cond_imm: return with_slots({zero, isa::make(row.op, 1, 0, 0, 7), exit});
    case Form::cond_reg: return with_slots({zero, isa::make(row.op, 1, 2), exit});
    default: {
      // A sample that does something (r0 = r0 compiles to nothing, rightly).
      const std::vector<Instruction> samples = test::instruction_samples(row);
      const auto useful = std::find_if(samples.begin(), samples.end(), [](const Instruction& insn) {
        return insn.dst != insn.src;
      });
      return with_slots({zero, useful != samples.end() ? *useful : samples.front(), exit});
    }
  }
}

TEST(Jit, EveryOpcodeRowCompilesToMachineCode) {
  testing::ConformanceHost host;
  std::size_t rows = 0;
  for (const isa::OpInfo& row : isa::all_ops()) {
    Result<std::shared_ptr<const vm::Program>> program =
        vm::Program::create(program_for(row), host.environment());
    if (row.form == Form::call_btf) {  // refused before any engine sees it
      ASSERT_FALSE(program.ok());
      EXPECT_NE(program.error().message.find("kernel functions"), std::string::npos);
      ++rows;
      continue;
    }
    ASSERT_TRUE(program.ok()) << row.name << ": " << program.error().to_string();
    const Listing listing = generate(**program, Options{});
    ASSERT_EQ(listing.offsets.size(), (*program)->instructions().size());
    const std::uint32_t begin = listing.offsets[1];
    const std::size_t end = listing.offsets.size() > 2 ? listing.offsets[2] : listing.body_end;
    // le64 is the identity on a little-endian host: the only row without code.
    if (row.op == Op::le64) {
      EXPECT_EQ(begin, end) << row.name;
    } else {
      EXPECT_LT(begin, end) << row.name << " emitted no machine code";
    }
    ++rows;
  }
  EXPECT_EQ(rows, isa::kOpCount);
}

bool contains(const std::vector<std::uint8_t>& code, std::uint32_t word) {
  std::uint8_t bytes[4];
  std::memcpy(bytes, &word, 4);
  return std::search(code.begin(), code.end(), bytes, bytes + 4) != code.end();
}

TEST(Jit, BlindingHidesEveryImmediateAndKeepsResults) {
  const std::int32_t secrets[] = {0x12345678, 0x0badf00d, -0x21524111, 0x7eadbeef, 0x5a5a1234};
  const std::vector<Instruction> code = with_slots({
      isa::make(Op::mov64_imm, 0, 0, 0, secrets[0]),
      isa::make(Op::add64_imm, 0, 0, 0, secrets[1]),
      isa::make(Op::mov32_imm, 2, 0, 0, secrets[2]),
      isa::make(Op::xor64_reg, 0, 2),
      isa::make(Op::stw, 10, 0, -8, secrets[3]),
      isa::make(Op::ldxw, 3, 10, -8),
      isa::make(Op::add64_reg, 0, 3),
      isa::make(Op::jeq64_imm, 3, 0, 1, secrets[4]),
      isa::make(Op::add64_imm, 0, 0, 0, 1),
      isa::make(Op::div64_imm, 0, 0, 0, secrets[1]),
      isa::make(Op::lddw, 4, 0, 0, secrets[0], secrets[3]),
      isa::make(Op::add64_reg, 0, 4),
      isa::make(Op::exit),
  });
  vm::Environment plain, blinded;
  blinded.jit_blind = true;
  Result<std::shared_ptr<const vm::Program>> open = vm::Program::create(code, plain);
  Result<std::shared_ptr<const vm::Program>> hidden = vm::Program::create(code, blinded);
  ASSERT_TRUE(open.ok() && hidden.ok());
  const Listing open_listing = generate(**open, Options{});
  Options blind;
  blind.blind = true;
  const Listing hidden_listing = generate(**hidden, blind);
  for (std::int32_t secret : secrets) {
    const auto word = static_cast<std::uint32_t>(secret);
    EXPECT_TRUE(contains(open_listing.code, word)) << "the test would prove nothing: " << word;
    EXPECT_FALSE(contains(hidden_listing.code, word)) << std::hex << word << " appears verbatim";
  }
  // Two compilations use different keys.
  EXPECT_NE(hidden_listing.code, generate(**hidden, blind).code);
  vm::RunState state;
  Result<std::uint64_t> expected = vm::run(**open, {}, state, vm::Engine::interpreter);
  Result<std::uint64_t> a = vm::run(**open, {}, state, vm::Engine::jit);
  Result<std::uint64_t> b = vm::run(**hidden, {}, state, vm::Engine::jit);
  ASSERT_TRUE(expected.ok() && a.ok() && b.ok());
  EXPECT_EQ(*a, *expected);
  EXPECT_EQ(*b, *expected);
}

std::string hex(std::span<const std::uint8_t> bytes) {
  std::string text;
  char buf[4];
  for (std::uint8_t b : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    text += buf;
  }
  return text;
}

TEST(Jit, Win64CodeKeepsRsiRdiAndPassesArgumentsItsWay) {
  testing::ConformanceHost host;
  const std::vector<Instruction> code =
      with_slots({isa::make(Op::call_helper, 0, 0, 0, 5), isa::make(Op::exit)});
  Result<std::shared_ptr<const vm::Program>> program =
      vm::Program::create(code, host.environment());
  ASSERT_TRUE(program.ok());
  Options win64;
  win64.abi = Abi::win64;
  Options sysv;
  sysv.abi = Abi::sysv;
  const std::string w = hex(generate(**program, win64).code);
  const std::string s = hex(generate(**program, sysv).code);
  // Entry: rsi and rdi are callee-saved on Win64 only; the stub saves them and r12, then
  // takes the RunState from the second argument register (rdx, or rsi on System V).
  EXPECT_EQ(w.rfind("575641544989d4", 0), 0U) << w;  // push rdi; push rsi; push r12; mov r12, rdx
  EXPECT_EQ(s.rfind("41544989f4", 0), 0U) << s;      // push r12; mov r12, rsi
  // The frame (r8 / rdx) and the function (r9 / rcx): lea r10, [frame - 512]; mov r11, fn.
  EXPECT_NE(w.find("4d8d9000feffff4d89cb"), std::string::npos) << w;
  EXPECT_NE(s.find("4c8d9200feffff4989cb"), std::string::npos) << s;
  // The outer entry saves the callee-saved registers the program changes: here rbp (r10),
  // which holds the frame a helper call publishes.
  EXPECT_NE(w.find("554c89d5"), std::string::npos);  // push rbp; mov rbp, r10
  EXPECT_NE(s.find("554c89d5"), std::string::npos);
  // Helper call: 32 bytes of shadow space, r5 and the RunState on the stack, r1..r4 moved.
  EXPECT_NE(w.find("4883ec30"), std::string::npos);    // sub rsp, 48 (in the prologue)
  EXPECT_NE(w.find("4c89442420"), std::string::npos);  // mov [rsp + 32], r8
  EXPECT_NE(w.find("4c89642428"), std::string::npos);  // mov [rsp + 40], r12
  EXPECT_NE(w.find("4889f9"), std::string::npos);      // mov rcx, rdi
  EXPECT_NE(s.find("4d89e1"), std::string::npos);      // mov r9, r12
  EXPECT_EQ(s.find("4c89442420"), std::string::npos);
  // The native calling convention is the one the code can run under.
  EXPECT_FALSE(compile(**program, native_abi() == Abi::sysv ? win64 : sysv).ok());
}

// Each function's frame saves the registers of r6-r10 the program changes, and the entry
// stub loads only the arguments the program reads: calling an empty program costs a few
// instructions. With tail calls the stub saves every callee-saved register (the programs
// continued with save only their own).
TEST(Jit, FramesSaveOnlyTheRegistersTheProgramChanges) {
  testing::ConformanceHost host;
  const auto listing = [&host](std::vector<Instruction> code) {
    Result<std::shared_ptr<const vm::Program>> program =
        vm::Program::create(with_slots(std::move(code)), host.environment());
    EXPECT_TRUE(program.ok()) << program.error().to_string();
    Options sysv;
    sysv.abi = Abi::sysv;
    return generate(**program, sysv);
  };
  const auto bytes = [](const Listing& code, std::size_t from, std::size_t to) {
    return hex({code.code.data() + from, code.code.data() + to});
  };
  const Listing empty = listing({isa::make(Op::mov64_imm, 0, 0, 0, 2), isa::make(Op::exit)});
  // push r12; mov r12, rsi; mov r11, rcx; mov rax, rdi; xor eax, eax; (store rsp); call r11
  EXPECT_EQ(bytes(empty, 0, 16), "41544989f44989cb4889f831c04989a4") << hex(empty.code);
  // No outer entry nor prologue: the body (mov eax, 2) starts the function; exit is ret.
  EXPECT_EQ(bytes(empty, empty.offsets[0], empty.offsets[1]), "b802000000");
  EXPECT_EQ(bytes(empty, empty.offsets[1], empty.body_end), "c3");

  const Listing callee_saved =
      listing({isa::make(Op::mov64_imm, 6, 0, 0, 1), isa::make(Op::mov64_imm, 9, 0, 0, 2),
               isa::make(Op::mov64_reg, 0, 6), isa::make(Op::exit)});
  // push rbx; push r15; xor ebx, ebx; xor r15d, r15d; jmp (no frame register, no padding)
  EXPECT_EQ(bytes(callee_saved, callee_saved.offsets[0], callee_saved.offsets[0] + 9),
            "53415731db4531ffe9");
  EXPECT_EQ(bytes(callee_saved, callee_saved.offsets[3], callee_saved.body_end), "415f5bc3");

  struct TailCalls : vm::Host {
    bool supports_tail_calls() const override { return true; }
  } tail_calls;
  vm::Environment environment;
  environment.host = &tail_calls;
  Result<std::shared_ptr<const vm::Program>> tail_program = vm::Program::create(
      with_slots({isa::make(Op::call_helper, 0, 0, 0, vm::kTailCallHelper), isa::make(Op::exit)}),
      environment);
  ASSERT_TRUE(tail_program.ok()) << tail_program.error().to_string();
  Options sysv;
  sysv.abi = Abi::sysv;
  const Listing tail = generate(**tail_program, sysv);
  // push r12, rbx, r13, r14, r15, rbp; sub rsp, 8
  EXPECT_EQ(bytes(tail, 0, 16), "415453415541564157554883ec084989") << hex(tail.code);
}

// Instructions compiled together share their code: the listing (`xbpf prog dump jited`) puts
// them all at its start, so they print together above it.
TEST(Jit, FusedInstructionsShareTheirCode) {
  const Listing listing = [] {
    Result<std::shared_ptr<const vm::Program>> program = vm::Program::create(
        with_slots({isa::make(Op::mov64_reg, 1, 2), isa::make(Op::add64_reg, 1, 3),
                    isa::make(Op::mov64_reg, 0, 2), isa::make(Op::lsh64_imm, 0, 0, 0, 32),
                    isa::make(Op::rsh64_imm, 0, 0, 0, 32), isa::make(Op::exit)}),
        {});
    EXPECT_TRUE(program.ok());
    Options sysv;
    sysv.abi = Abi::sysv;
    return generate(**program, sysv);
  }();
  const auto bytes = [&listing](std::size_t from, std::size_t to) {
    return hex({listing.code.data() + listing.offsets[from],
                listing.code.data() +
                    (to < listing.offsets.size() ? listing.offsets[to] : listing.body_end)});
  };
  EXPECT_EQ(listing.offsets[0], listing.offsets[1]);
  EXPECT_EQ(bytes(1, 2), "488d3c16");  // lea rdi, [rsi + rdx]
  EXPECT_EQ(listing.offsets[2], listing.offsets[4]);
  EXPECT_EQ(bytes(4, 5), "89f0");  // mov eax, esi
}

// r10 is aligned to 16: an atomic through it at an offset that is a multiple of its width is
// the locked instruction, any other the same without the lock (misaligned atomics are allowed
// on the stack only, which is private to the run; a locked one would split a bus lock), and
// xchg (locked with memory, prefix or not) a load and a store. Through another register, a
// test of the address chooses between the locked form and the plain one at run time.
TEST(Jit, MisalignedStackAtomicsAreNotLocked) {
  const Listing listing = [] {
    Result<std::shared_ptr<const vm::Program>> program = vm::Program::create(
        with_slots(
            {isa::make(Op::mov64_imm, 0, 0, 0, 0), isa::make(Op::atomic64_add, 10, 1, -16),
             isa::make(Op::atomic64_add, 10, 1, -12), isa::make(Op::atomic32_add, 10, 1, -12),
             isa::make(Op::atomic32_add, 10, 1, -10), isa::make(Op::atomic64_xchg, 10, 1, -16),
             isa::make(Op::atomic64_xchg, 10, 1, -12),
             isa::make(Op::atomic64_fetch_add, 10, 1, -11),
             isa::make(Op::atomic32_cmpxchg, 10, 1, -6), isa::make(Op::atomic64_add, 2, 1, 4),
             isa::make(Op::exit)}),
        {});
    EXPECT_TRUE(program.ok());
    Options sysv;
    sysv.abi = Abi::sysv;
    return generate(**program, sysv);
  }();
  const auto bytes = [&listing](std::size_t i) {
    return hex(
        {listing.code.data() + listing.offsets[i], listing.code.data() + listing.offsets[i + 1]});
  };
  EXPECT_EQ(bytes(1), "f048017df0");  // lock add qword ptr [rbp - 16], rdi
  EXPECT_EQ(bytes(2), "48017df4");    // add qword ptr [rbp - 12], rdi
  EXPECT_EQ(bytes(3), "f0017df4");    // lock add dword ptr [rbp - 12], edi
  EXPECT_EQ(bytes(4), "017df6");      // add dword ptr [rbp - 10], edi
  EXPECT_EQ(bytes(5), "48877df0");    // xchg qword ptr [rbp - 16], rdi
  EXPECT_EQ(bytes(6),
            "4c8b5df448897df44c89df");  // mov r11, [rbp - 12]; mov [..], rdi; mov rdi, r11
  EXPECT_EQ(bytes(7), "480fc17df5");    // xadd qword ptr [rbp - 11], rdi
  EXPECT_EQ(bytes(8), "0fb17dfa89c0");  // cmpxchg dword ptr [rbp - 6], edi; mov eax, eax
  // lea r11, [rsi + 4]; test r11b, 7; jne plain (rel32); lock add [rsi + 4], rdi; jmp done;
  // plain: add [rsi + 4], rdi (NOPs may come before the test and the jmp).
  const std::string through_r2 = bytes(9);
  EXPECT_EQ(through_r2.rfind("4c8d5e04", 0), 0U) << through_r2;
  const std::size_t test = through_r2.find("41f6c3070f85");
  EXPECT_NE(test, std::string::npos) << through_r2;
  EXPECT_NE(through_r2.find("f048017e04", test), std::string::npos) << through_r2;
  EXPECT_EQ(through_r2.substr(through_r2.size() - 8), "48017e04") << through_r2;
}

TEST(Jit, ExecutableMemoryIsWrittenThenFlipped) {
  void* memory = platform::allocate_code(4096);
  ASSERT_NE(memory, nullptr);
  const std::uint8_t code[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};  // mov eax, 42; ret
  std::memcpy(memory, code, sizeof code);
  ASSERT_TRUE(platform::make_executable(memory, 4096).ok());
  const auto function = reinterpret_cast<int (*)()>(reinterpret_cast<std::uintptr_t>(memory));
  EXPECT_EQ(function(), 42);
  platform::free_code(memory, 4096);
}

TEST(Jit, InstructionOffsetsCoverTheBody) {
  const std::vector<Instruction> code =
      with_slots({isa::make(Op::mov64_imm, 0, 0, 0, 1), lddw(1, 0x1122334455667788),
                  isa::make(Op::add64_reg, 0, 1), isa::make(Op::exit)});
  Result<std::shared_ptr<const vm::Program>> program = vm::Program::create(code, {});
  ASSERT_TRUE(program.ok());
  const Image* image = (*program)->jit();
  ASSERT_NE(image, nullptr);
  const std::span<const std::uint32_t> offsets = image->instruction_offsets();
  ASSERT_EQ(offsets.size(), 4U);
  EXPECT_GT(offsets[0], 0U);  // after the entry stub
  for (std::size_t i = 1; i < offsets.size(); ++i) EXPECT_LT(offsets[i - 1], offsets[i]);
  EXPECT_LT(offsets.back(), image->body_end());
  EXPECT_LE(image->body_end(), image->code().size());
  EXPECT_NE(image->function(0), nullptr);
  EXPECT_EQ(image->function(1), nullptr);
}

}  // namespace
}  // namespace xbpf::jit::x86_64
