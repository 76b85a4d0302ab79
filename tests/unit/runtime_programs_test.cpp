// The runtime_*.bpf.c programs run by xbpf alone (no kernel needed): every result slot they
// write into their output packet (or cb[], for the programs that cannot write packets) is
// checked against a hand-computed value, at every -mcpu version the build produced, and the
// interpreter and the checked mode must agree. runtime_kernel_diff_test.cpp compares the
// same programs with Linux where it can.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "runtime_test_util.h"

namespace xbpf::runtime::test {
namespace {

constexpr std::int32_t kE2BIG = -7, kENOENT = -2, kEEXIST = -17, kEINVAL = -22, kEFAULT = -14,
                       kEAGAIN = -11, kEACCES = -13, kENOSPC = -28;
constexpr std::uint32_t kXdpAborted = 0, kXdpDrop = 1, kXdpPass = 2, kXdpTx = 3, kXdpRedirect = 4;
constexpr std::uint32_t kTcActShot = 2, kTcActRedirect = 7;

using Slots = std::map<int, std::int32_t>;

struct Outcome {
  std::uint32_t retval = 0;
  Bytes data_out;
  Bytes ctx_out;
  std::map<std::string, std::vector<std::pair<Bytes, Bytes>>> maps;
};

class RuntimePrograms : public ::testing::TestWithParam<int> {
 protected:
  // Loads runtime_NAME for this test's CPU version (skipping when it was not built).
  bool load(const std::string& name, bool native = false) {
    const std::filesystem::path path = program_object(name, GetParam());
    if (!std::filesystem::exists(path)) return false;
    Result<XbpfObject> loaded = native ? load_xbpf_native(path) : load_xbpf(path);
    EXPECT_TRUE(loaded.ok()) << loaded.error().to_string();
    if (!loaded) return false;
    loaded_ = std::move(*loaded);
    EXPECT_EQ(fill_device_maps(*loaded_.object), 0);
    return true;
  }

  // Runs a program of the loaded object on a fresh copy of it with each engine (the fast and
  // checked interpreters, the JIT, native code from an image where a C compiler is found);
  // all must agree on the return value, the output packet and context, and the maps
  // afterwards. The checked mode's outcome is returned.
  Outcome run(const std::string& object, const std::string& program, const Bytes& data_in,
              const Bytes& ctx_in = {}) {
    const std::vector<vm::Engine> engines = engines_to_compare();
    std::vector<Outcome> outcomes(engines.size());
    const int engine_count = static_cast<int>(engines.size());
    for (int i = 0; i < engine_count; ++i) {
      if (!load(object, engines[i] == vm::Engine::native)) {
        ADD_FAILURE() << object << " could not be loaded";
        return {};
      }
      const LoadedProgram* loaded = loaded_.object->find_program(program);
      if (loaded == nullptr) {
        ADD_FAILURE() << object << " has no program " << program;
        return {};
      }
      TestRunOptions options;
      options.data_in = data_in;
      options.ctx_in = ctx_in;
      options.engine = engines[i];
      Result<TestRunResult> result = test_run(*loaded, options);
      if (!result) {
        ADD_FAILURE() << program << " (" << vm::engine_name(engines[i])
                      << "): " << result.error().to_string();
        return {};
      }
      outcomes[i] = {result->retval, result->data_out, result->ctx_out,
                     map_snapshot(*loaded_.object)};
    }
    for (int i = 1; i < engine_count; ++i) {
      const std::string label =
          program + ": " + std::string(vm::engine_name(engines[i])) + " and interp disagree";
      EXPECT_EQ(outcomes[0].retval, outcomes[i].retval) << label;
      EXPECT_EQ(outcomes[0].data_out, outcomes[i].data_out) << label;
      EXPECT_EQ(outcomes[0].ctx_out, outcomes[i].ctx_out) << label;
      EXPECT_TRUE(outcomes[0].maps == outcomes[i].maps) << label << " on the maps";
    }
    return outcomes[1];
  }

  // Skips the test when the objects were not built.
  bool built(const std::string& name) {
    return std::filesystem::exists(program_object(name, GetParam()));
  }

  XbpfObject loaded_;
};

// Every slot below `count` must be listed; each must hold its expected value.
void expect_slots(const Bytes& packet, std::size_t base, int count, const Slots& expected) {
  std::ostringstream all;
  for (int slot = 0; slot < count; ++slot)
    all << " [" << slot << "]=" << slot_at(packet, slot, base);
  for (int slot = 0; slot < count; ++slot) {
    auto found = expected.find(slot);
    if (found == expected.end()) {
      ADD_FAILURE() << "slot " << slot << " has no expectation";
      continue;
    }
    EXPECT_EQ(slot_at(packet, slot, base), found->second)
        << "slot " << slot << "; all slots:" << all.str();
  }
}

std::uint32_t u32_at(const Bytes& bytes, std::size_t offset) {
  std::uint32_t value = 0;
  if (offset + 4 <= bytes.size()) std::memcpy(&value, bytes.data() + offset, 4);
  return value;
}

// A __sk_buff ctx_in: mark 0x77, priority 5, ingress_ifindex 1, cb {11..55}, tstamp,
// gso_segs 2, gso_size 1400 (as runtime_kernel_diff_test.cpp passes).
Bytes skb_ctx() {
  Bytes ctx(192, 0);
  const auto put = [&ctx](std::size_t offset, std::uint32_t value) {
    std::memcpy(&ctx[offset], &value, 4);
  };
  put(8, 0x77);
  put(32, 5);
  put(36, 1);
  for (std::uint32_t i = 0; i < 5; ++i) put(48 + 4 * i, 11 * (i + 1));
  put(152, 0x23456789);
  put(164, 2);
  put(176, 1400);
  return ctx;
}

constexpr std::size_t kCb = 48, kMark = 8, kPriority = 32;

#define REQUIRE_BUILT(name) \
  if (!built(name)) GTEST_SKIP() << name << " was not built (no clang for this -mcpu?)"

TEST_P(RuntimePrograms, Maps) {
  REQUIRE_BUILT("runtime_maps");
  const Outcome out = run("runtime_maps", "runtime_maps", frames::udp_frame());
  EXPECT_EQ(out.retval, kXdpPass);
  expect_slots(out.data_out, RESULT_OFFSET, MAPS_SLOTS,
               {{MAPS_HASH_INSERT, 0},
                {MAPS_HASH_FULL, kE2BIG},
                {MAPS_HASH_REPLACE_FULL, 0},
                {MAPS_HASH_NOEXIST, kEEXIST},
                {MAPS_HASH_EXIST_MISSING, kENOENT},
                {MAPS_HASH_BAD_FLAGS, kEINVAL},
                {MAPS_HASH_LOCK_NO_LOCK, kEINVAL},
                {MAPS_HASH_VALUE, 2000},
                {MAPS_HASH_MISSING, 1},
                {MAPS_HASH_DELETE, 0},
                {MAPS_HASH_DELETE_AGAIN, kENOENT},
                {MAPS_HASH_AFTER_DELETE, 0},
                {MAPS_HASH_IN_PLACE, 43},
                {MAPS_ARRAY_UPDATE, 0},
                {MAPS_ARRAY_OUT_OF_RANGE, kE2BIG},
                {MAPS_ARRAY_NOEXIST, kEEXIST},
                {MAPS_ARRAY_RANGE_NOEXIST, kE2BIG},
                {MAPS_ARRAY_DELETE, kEINVAL},
                {MAPS_ARRAY_LOOKUP_OUT, 1},
                {MAPS_ARRAY_SUM, 133},
                {MAPS_ARRAY_LOCK_NO_LOCK, kEINVAL},
                {MAPS_PERCPU_HASH_UPDATE, 0},
                {MAPS_PERCPU_HASH_VALUE, 12},
                {MAPS_PERCPU_ARRAY_VALUE, 23},
                {MAPS_PERCPU_ARRAY_OUT, kE2BIG},
                {MAPS_LRU_INSERT, 0},
                {MAPS_LRU_LAST_FOUND, 1},
                {MAPS_LRU_AT_MOST_MAX, 1},
                {MAPS_LRU_NOEXIST, 1},
                {MAPS_LRU_DELETE, kENOENT},
                {MAPS_LRU_PERCPU_UPDATE, 0},
                {MAPS_LRU_PERCPU_VALUE, 70},
                {MAPS_LRU_PERCPU_EXIST, kENOENT},
                {MAPS_HASH_FINAL_COUNT, 4}});
}

TEST_P(RuntimePrograms, LpmQueueStack) {
  REQUIRE_BUILT("runtime_lpm_queue");
  const Outcome out = run("runtime_lpm_queue", "runtime_lpm_queue", frames::udp_frame());
  EXPECT_EQ(out.retval, kXdpPass);
  expect_slots(out.data_out, RESULT_OFFSET, LPM_SLOTS,
               {{LPM_INSERT, 0},
                {LPM_MATCH_32, 132},
                {LPM_MATCH_24, 124},
                {LPM_MATCH_16, 116},
                {LPM_MATCH_8, 108},
                {LPM_MATCH_0, 100},
                {LPM_MATCH_SHORT, 116},
                {LPM_LOOKUP_SHORTER, 100},
                {LPM_DELETE, 0},
                {LPM_DELETE_MISSING, kENOENT},
                {LPM_AFTER_DELETE, 108},
                {LPM_BAD_PREFIX, kEINVAL},
                {LPM_NOEXIST, kEEXIST},
                {LPM_MATCH_192, 224},
                {LPM_EXIST_MISSING, kENOENT},
                {LPM_FILL, 0},
                {LPM_FULL, kENOSPC},
                {LPM_REPLACE_FULL, 0},
                {LPM_MATCH_AFTER_FULL, 416312},
                {QUEUE_PUSH, 0},
                {QUEUE_PUSH_FULL, kE2BIG},
                {QUEUE_PUSH_EXIST, 0},
                {QUEUE_PEEK, 2},
                {QUEUE_POP_ORDER, 234},
                {QUEUE_POP_EMPTY, kENOENT},
                {QUEUE_PEEK_EMPTY, kENOENT},
                {QUEUE_BAD_FLAGS, kEINVAL},
                {STACK_PUSH, 0},
                {STACK_PUSH_FULL, kE2BIG},
                {STACK_PUSH_EXIST, 0},
                {STACK_PEEK, 4},
                {STACK_POP_ORDER, 432},
                {STACK_POP_EMPTY, kENOENT}});
}

TEST_P(RuntimePrograms, RingBufferAndPerfEvents) {
  REQUIRE_BUILT("runtime_ringbuf");
  const Outcome out = run("runtime_ringbuf", "runtime_ringbuf", frames::udp_frame());
  EXPECT_EQ(out.retval, kXdpPass);
  expect_slots(out.data_out, RESULT_OFFSET, RB_SLOTS,
               {{RB_QUERY_SIZE, 4096},
                {RB_QUERY_EMPTY, 0},
                {RB_RESERVE_OK, 1},
                {RB_PROD_AFTER_RESERVE, 24},
                {RB_AVAIL_RESERVED, 24},
                {RB_AVAIL_SUBMITTED, 24},
                {RB_DISCARD, 72},
                {RB_OUTPUT, 0},
                {RB_PROD_POS, 96},
                {RB_CONS_POS, 0},
                {RB_OUTPUT_BAD_FLAGS, kEINVAL},
                {RB_RESERVE_TOO_BIG, 1},
                {RB_RESERVE_BAD_FLAGS, 1},
                {RB_FILL, 3},
                {RB_FILL_ERROR, kEAGAIN},
                {RB_AVAIL_FULL, 3120},
                {RB_QUERY_BAD, 0},
                {PERF_OUTPUT, kENOENT},
                {PERF_OUTPUT_INDEX, kE2BIG},
                {PERF_OUTPUT_BAD_FLAGS, kEINVAL},
                {PERF_OUTPUT_CTXLEN, kENOENT},
                {PERF_OUTPUT_CTXLEN_BIG, kEFAULT},
                {PERF_OUTPUT_BAD_FLAGS_BIG, kEINVAL},
                {RB_RESERVE_ZERO, 1},
                {RB_PROD_AFTER_ZERO, 3128}});
}

TEST_P(RuntimePrograms, GlobalsSubprogramsCallbacksAndScalarHelpers) {
  REQUIRE_BUILT("runtime_calls");
  const Outcome out = run("runtime_calls", "runtime_calls", frames::udp_frame());
  EXPECT_EQ(out.retval, kXdpPass);
  expect_slots(out.data_out, RESULT_OFFSET, CALLS_SLOTS,
               {{CALLS_RODATA_TABLE, 136},
                {CALLS_RODATA_STRING, 11},
                {CALLS_DATA_BEFORE, 5},
                {CALLS_BSS_BEFORE, 0},
                {CALLS_DATA_AFTER, 8},
                {CALLS_STATIC_SUB, 42},
                {CALLS_GLOBAL_SUB, 6765},
                {CALLS_NESTED_SUB, 1234},
                {CALLS_LOOP_COUNT, 10},
                {CALLS_LOOP_SUM, 45},
                {CALLS_LOOP_EARLY, 505},
                {CALLS_LOOP_ZERO, 0},
                {CALLS_LOOP_BAD_FLAGS, kEINVAL},
                {CALLS_LOOP_TOO_MANY, kE2BIG},
                {CALLS_FOREACH_ARRAY, 6},
                {CALLS_FOREACH_ARRAY_SUM, 75},
                {CALLS_FOREACH_ORDER, 12345},
                {CALLS_FOREACH_STOP, 3012},
                {CALLS_FOREACH_HASH, 4},
                {CALLS_FOREACH_HASH_SUM, 1100},
                {CALLS_FOREACH_WRITE, 200},
                {CALLS_FOREACH_BAD_FLAGS, kEINVAL},
                {CALLS_STRNCMP_EQ, 0},
                {CALLS_STRNCMP_LT, -1},
                {CALLS_STRNCMP_GT, 1},
                {CALLS_STRNCMP_PREFIX, 0},
                // csum_diff folds to 16 bits (Linux 6.12+): (0x2c2a2826 - 0x0c0a0806) -> 0x4040.
                {CALLS_CSUM_DIFF, 0x4040},
                {CALLS_CSUM_PUSH, 0x6480},
                {CALLS_CSUM_PULL, 0xf9fb},
                {CALLS_CSUM_BAD_SIZE, 0x2420},
                {CALLS_CSUM_FOLDED, 0xffff},
                {CALLS_PRINTK, 15},
                {CALLS_PRINTK_WIDTH, 18},
                {CALLS_VPRINTK, 33},
                {CALLS_VPRINTK_BAD, kEINVAL},
                {CALLS_PRINTK_BAD_SPEC, kEINVAL},
                {CALLS_TIME_MONOTONIC, 1},
                {CALLS_TIME_BOOT, 1},
                {CALLS_TIME_COARSE, 1},
                {CALLS_PRANDOM, 1},
                {CALLS_CPU, 1},
                {CALLS_PID, 1},
                {CALLS_COMM, 1},
                {CALLS_COMM_SMALL, 1},
                {CALLS_BSS_AFTER, 15},
                {CALLS_NESTED_LOOP, 312},
                {CALLS_FOREACH_PERCPU, 3600}});
}

TEST_P(RuntimePrograms, TracePrintk) {
  REQUIRE_BUILT("runtime_printk");
  const Outcome out = run("runtime_printk", "runtime_printk", frames::udp_frame());
  EXPECT_EQ(out.retval, kXdpPass);
  expect_slots(out.data_out, RESULT_OFFSET, PK_SLOTS,
               {{PK_INTS, 15},
                {PK_HASH_FLAG, kEINVAL},
                {PK_PRECISION, kEINVAL},
                {PK_STRINGS, 12},
                {PK_SHORT, kEINVAL},
                {PK_OCTAL, kEINVAL},
                {PK_LONGS, 30},
                {PK_IP4, 28},
                {PK_IP6, 39},
                {PK_IP6_PLAIN, 32},
                {PK_FOUR_PRINTK, kEINVAL},
                {PK_FOUR_VPRINTK, 7},
                {PK_NULL_STRING, 2},
                {PK_NUL_CHAR, 1},
                {PK_FLAGS, 15},
                {PK_WIDE, 30},
                {PK_MIN, 20},
                {PK_MAX, 20},
                {PK_LOW_WORD, 10},
                {PK_PERCENT, 4},
                {PK_TRAILING, kEINVAL},
                {PK_SIZE_T, kEINVAL},
                {PK_UNKNOWN, kEINVAL},
                {PK_TOO_FEW, kEINVAL},
                {PK_TOO_MANY_ARGS, kEINVAL},
                {PK_CHAR_WIDTH, 4},
                {PK_NOT_TERMINATED, kEINVAL},
                // The UDP source port 40000 (0x9c 0x40), then the destination port's 0.
                {PK_PACKET_STRING, 2},
                {PK_STRING_LETTER, kEINVAL},
                {PK_CONTROL_CHAR, kEINVAL},
                {PK_EARLY_NUL, 2},
                {PK_POINTERS, 50},
                {PK_KERNEL_STRING, 2},
                {PK_LONG_STRING, 511},
                {PK_NO_ROOM, kENOSPC}});
}

TEST_P(RuntimePrograms, TailCalls) {
  REQUIRE_BUILT("runtime_tail");
  const Bytes frame = frames::udp_frame();
  Outcome out = run("runtime_tail", "tail_self", frame);
  EXPECT_EQ(out.retval, kXdpPass);
  expect_slots(out.data_out, RESULT_OFFSET, TAIL_SLOTS,
               {{TAIL_SELF_RUNS, 34},
                {TAIL_CHAIN, 0},
                {TAIL_EMPTY_SLOT, 0},
                {TAIL_OUT_OF_RANGE, 0},
                {TAIL_FROM_SUB, 0},
                {TAIL_FROM_SUB_EMPTY, 0}});
  out = run("runtime_tail", "tail_chain", frame);
  EXPECT_EQ(out.retval, kXdpTx);
  expect_slots(out.data_out, RESULT_OFFSET, TAIL_SLOTS,
               {{TAIL_SELF_RUNS, 0},
                {TAIL_CHAIN, 123},
                {TAIL_EMPTY_SLOT, 1},
                {TAIL_OUT_OF_RANGE, 1},
                {TAIL_FROM_SUB, 0},
                {TAIL_FROM_SUB_EMPTY, 0}});
  out = run("runtime_tail", "tail_from_sub", frame);
  EXPECT_EQ(out.retval, kXdpPass);
  expect_slots(out.data_out, RESULT_OFFSET, TAIL_SLOTS,
               {{TAIL_SELF_RUNS, 0},
                {TAIL_CHAIN, 0},
                {TAIL_EMPTY_SLOT, 0},
                {TAIL_OUT_OF_RANGE, 0},
                {TAIL_FROM_SUB, 701},
                {TAIL_FROM_SUB_EMPTY, -1}});
  // The tail-call target on its own: an unknown XDP action is returned as it is.
  EXPECT_EQ(run("runtime_tail", "sub_target", frame).retval, 7U);
}

TEST_P(RuntimePrograms, MapsOfMaps) {
  REQUIRE_BUILT("runtime_map_in_map");
  const Outcome out = run("runtime_map_in_map", "runtime_map_in_map", frames::udp_frame());
  EXPECT_EQ(out.retval, kXdpPass);
  expect_slots(out.data_out, RESULT_OFFSET, MIM_SLOTS,
               {{MIM_OUTER_ARRAY_0, 1},
                {MIM_OUTER_ARRAY_1, 1},
                {MIM_OUTER_ARRAY_2, 1},
                {MIM_OUTER_ARRAY_OUT, 1},
                {MIM_INNER_A_WRITE, 0},
                {MIM_INNER_OUT, kE2BIG},
                {MIM_INNER_B_WRITE, 0},
                {MIM_INNER_B_READ, 202},
                {MIM_INNER_A_READ, 101},
                {MIM_INNER_B_DIRECT, 202},
                {MIM_HASH_FOUND, 1},
                {MIM_HASH_MISSING, 1},
                {MIM_HASH_INNER_FULL, kE2BIG},
                {MIM_HASH_INNER, 600},
                {MIM_HASH_INNER_DIRECT, 200},
                {MIM_HASH_OF_ARRAY, 909}});
}

TEST_P(RuntimePrograms, Atomics) {
  REQUIRE_BUILT("runtime_atomics");
  const Outcome out = run("runtime_atomics", "runtime_atomics", frames::udp_frame());
  EXPECT_EQ(out.retval, kXdpPass);
  Slots expected = {{AT_ADD_MAP, 105},
                    {AT_ADD32_MAP, 10},
                    {AT_ADD_STACK, 42},
                    {AT_ADD_GLOBAL, 9},
                    {AT_SPIN_LOCK, 2},
                    {AT_SPIN_LOCK_HASH, 3},
                    {AT_V1_MARK, 1},
                    {AT_UPDATE_LOCK_HASH, 40},
                    {AT_UPDATE_LOCK_ARRAY, 50},
                    {AT_UPDATE_LOCK_MISSING, kENOENT}};
  for (int slot = 0; slot < AT_SLOTS; ++slot) expected.emplace(slot, 0);  // v1/v2: no fetch forms
  if (GetParam() >= 3) {
    const Slots v3 = {{AT_FETCH_ADD, 105},      {AT_FETCH_ADD_NEW, 115},
                      {AT_FETCH_OR, 0xf0},      {AT_OR_RESULT, 0xff},
                      {AT_FETCH_AND, 0xff},     {AT_AND_RESULT, 0x3c},
                      {AT_FETCH_XOR, 0x3c},     {AT_XOR_RESULT, 0xc3},
                      {AT_CMPXCHG_HIT, 0xc3},   {AT_CMPXCHG_HIT_NEW, 0x77},
                      {AT_CMPXCHG_MISS, 0x77},  {AT_CMPXCHG_MISS_NEW, 0x77},
                      {AT_XCHG, 0x77},          {AT_XCHG_NEW, 0x5a5a},
                      {AT_STACK_CMPXCHG, 4243}, {AT_STACK_XCHG64, 4344},
                      {AT_FETCH32_NEG, -1},     {AT_OR_NO_FETCH, 0x2e},
                      {AT_V1_MARK, 3}};
    for (const auto& [slot, value] : v3) expected[slot] = value;
  }
  expect_slots(out.data_out, RESULT_OFFSET, AT_SLOTS, expected);
}

TEST_P(RuntimePrograms, XdpFrameHelpers) {
  REQUIRE_BUILT("runtime_xdp");
  const Bytes frame = frames::udp_frame();
  const auto length = static_cast<std::int32_t>(frame.size());
  for (const std::uint32_t meta : {0U, 8U}) {
    SCOPED_TRACE("metadata at entry: " + std::to_string(meta));
    Bytes data_in(meta, 0xa5);
    data_in.insert(data_in.end(), frame.begin(), frame.end());
    Bytes ctx_in;
    if (meta != 0) {
      ctx_in.assign(24, 0);
      const std::uint32_t md[6] = {meta, static_cast<std::uint32_t>(data_in.size()), 0, 0, 0, 0};
      std::memcpy(ctx_in.data(), md, sizeof md);
    }
    const Outcome out = run("runtime_xdp", "runtime_xdp", data_in, ctx_in);
    EXPECT_EQ(out.retval, kXdpTx);
    // The final frame: 8 bytes of metadata, then the packet, 6 bytes longer than it came.
    ASSERT_EQ(out.data_out.size(), 8 + frame.size() + 6);
    expect_slots(out.data_out, 8 + RESULT_OFFSET, XDP_SLOTS,
                 {{XDP_BUFF_LEN, length},
                  {XDP_LOAD, 0},
                  {XDP_LOAD_VALUE, 0x0800},
                  {XDP_LOAD_OUT, kEINVAL},
                  {XDP_LOAD_HUGE_OFFSET, kEFAULT},
                  {XDP_STORE, 0},
                  {XDP_STORE_OUT, kEINVAL},
                  {XDP_INGRESS_IFINDEX, 1},
                  {XDP_RX_QUEUE, 0},
                  {XDP_META_INITIAL, static_cast<std::int32_t>(meta)},
                  {XDP_META_GROW, 0},
                  {XDP_META_UNALIGNED, kEACCES},
                  {XDP_META_TOO_FAR, kEINVAL},
                  {XDP_META_HEADROOM, kEINVAL},
                  {XDP_META_MAX, 0},
                  {XDP_META_MAX_LEN, 216},
                  {XDP_META_SHRINK, 0},
                  {XDP_META_LEN, 8},
                  {XDP_HEAD_GROW, 0},
                  {XDP_HEAD_LEN, 16},
                  {XDP_HEAD_TOO_FAR, kEINVAL},
                  {XDP_HEAD_LIMIT, 0},
                  {XDP_HEAD_LIMIT_LEN, 208},
                  {XDP_HEAD_BACK, 0},
                  {XDP_HEAD_SHRINK_ALL, kEINVAL},
                  {XDP_HEAD_SHRINK_TO_ETH, 0},
                  {XDP_TAIL_GROW, 0},
                  {XDP_TAIL_ZEROED, 120},
                  {XDP_TAIL_SHRINK, 0},
                  {XDP_TAIL_TOO_BIG, kEINVAL},
                  {XDP_TAIL_TOO_SMALL, kEINVAL},
                  {XDP_TAIL_MAX, 0},
                  {XDP_TAIL_MAX_OVER, kEINVAL},
                  {XDP_TAIL_MAX_LEN, 3536},
                  {XDP_TAIL_RESTORE, 0},
                  {XDP_FINAL_LEN, length + 6},
                  {XDP_META_READ, static_cast<std::int32_t>(0xfeedf00d)}});
    // The metadata went down with the head, and the marker written at offset 40 stayed.
    EXPECT_EQ(u32_at(out.data_out, 0), 0xfeedf00dU);
    EXPECT_EQ(u32_at(out.data_out, 8 + 16 + 40), 0xd4c3b2a1U);
  }
}

// A 5000-byte frame: 3520 bytes in the frame, 1480 in a fragment (Linux's multi-buffer
// test runs). The helpers see all of it; direct access and xdp_adjust_head only the frame.
TEST_P(RuntimePrograms, XdpFrameHelpersOnAMultiBufferFrame) {
  REQUIRE_BUILT("runtime_xdp");
  const Bytes frame = frames::ipv4_frame(5000, 17);
  const Outcome out = run("runtime_xdp", "runtime_xdp", frame);
  EXPECT_EQ(out.retval, kXdpTx);
  // Shrinking by the frame's length less 13 released the fragment and took the rest off the
  // frame; the end has then 3536 - 10 bytes in the frame alone.
  ASSERT_EQ(out.data_out.size(), 8U + 3526U);
  expect_slots(out.data_out, 8 + RESULT_OFFSET, XDP_SLOTS,
               {{XDP_BUFF_LEN, 5000},
                {XDP_LOAD, 0},
                {XDP_LOAD_VALUE, 0x0800},
                {XDP_LOAD_OUT, kEINVAL},
                {XDP_LOAD_HUGE_OFFSET, kEFAULT},
                {XDP_STORE, 0},
                {XDP_STORE_OUT, kEINVAL},
                {XDP_INGRESS_IFINDEX, 1},
                {XDP_RX_QUEUE, 0},
                {XDP_META_INITIAL, 0},
                {XDP_META_GROW, 0},
                {XDP_META_UNALIGNED, kEACCES},
                {XDP_META_TOO_FAR, kEINVAL},
                {XDP_META_HEADROOM, kEINVAL},
                {XDP_META_MAX, 0},
                {XDP_META_MAX_LEN, 216},
                {XDP_META_SHRINK, 0},
                {XDP_META_LEN, 8},
                {XDP_HEAD_GROW, 0},
                {XDP_HEAD_LEN, 16},
                {XDP_HEAD_TOO_FAR, kEINVAL},
                {XDP_HEAD_LIMIT, 0},
                {XDP_HEAD_LIMIT_LEN, 208},
                {XDP_HEAD_BACK, 0},
                {XDP_HEAD_SHRINK_ALL, kEINVAL},
                {XDP_HEAD_SHRINK_TO_ETH, 0},
                // The tail grows in the fragment: the bytes after the frame's are the
                // packet's, and the frame's length stays.
                {XDP_TAIL_GROW, 0},
                {XDP_TAIL_ZEROED, 0},
                {XDP_TAIL_SHRINK, 0},
                {XDP_TAIL_TOO_BIG, kEINVAL},
                {XDP_TAIL_TOO_SMALL, 0},
                {XDP_TAIL_MAX, 0},
                {XDP_TAIL_MAX_OVER, kEINVAL},
                {XDP_TAIL_MAX_LEN, 3536},
                {XDP_TAIL_RESTORE, 0},
                {XDP_FINAL_LEN, 3526},
                {XDP_META_READ, static_cast<std::int32_t>(0xfeedf00d)}});
}

TEST_P(RuntimePrograms, XdpGrowAndShrink) {
  REQUIRE_BUILT("runtime_xdp");
  const Bytes frame = frames::udp_frame();
  Outcome out = run("runtime_xdp", "xdp_grow", frame);
  EXPECT_EQ(out.retval, kXdpPass);
  Bytes expected = {0x04, 0x03, 0x02, 0x01, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee};
  expected.insert(expected.end(), frame.begin(), frame.end());
  EXPECT_EQ(out.data_out, expected);
  out = run("runtime_xdp", "xdp_shrink", frame);
  EXPECT_EQ(out.retval, kXdpDrop);
  EXPECT_EQ(out.data_out, Bytes(frame.begin() + 14, frame.begin() + 100));
}

TEST_P(RuntimePrograms, Redirects) {
  REQUIRE_BUILT("runtime_redirect");
  const Bytes frame = frames::udp_frame();
  const Outcome out = run("runtime_redirect", "runtime_redirect", frame);
  EXPECT_EQ(out.retval, kXdpRedirect);
  expect_slots(out.data_out, RESULT_OFFSET, RD_SLOTS,
               {{RD_REDIRECT, kXdpRedirect},
                {RD_REDIRECT_FLAGS, kXdpAborted},
                {RD_MAP_HIT, kXdpRedirect},
                {RD_MAP_MISS, kXdpPass},
                {RD_MAP_MISS_DROP, kXdpDrop},
                {RD_MAP_BAD_FLAGS, kXdpAborted},
                {RD_MAP_BROADCAST, kXdpRedirect},
                {RD_HASH_HIT, kXdpRedirect},
                {RD_HASH_MISS, kXdpTx},
                {RD_LOOKUP_DEVMAP, 1},
                {RD_LOOKUP_MISSING, 1},
                {RD_LOOKUP_DEVMAP_HASH, 1}});
  EXPECT_EQ(run("runtime_redirect", "redirect_ifindex", frame).retval, kXdpRedirect);
  EXPECT_EQ(run("runtime_redirect", "redirect_map_miss", frame).retval, kXdpPass);
  EXPECT_EQ(run("runtime_redirect", "redirect_hash_hit", frame).retval, kXdpRedirect);
}

TEST_P(RuntimePrograms, TcClassifier) {
  REQUIRE_BUILT("runtime_skb");
  const Bytes frame = frames::udp_frame();
  const auto length = static_cast<std::int32_t>(frame.size());
  for (const bool with_ctx : {false, true}) {
    SCOPED_TRACE(with_ctx ? "with ctx_in" : "without ctx_in");
    const Outcome out = run("runtime_skb", "runtime_tc", frame, with_ctx ? skb_ctx() : Bytes{});
    // The tail-called program's verdict: bpf_redirect(1, 0).
    EXPECT_EQ(out.retval, kTcActRedirect);
    expect_slots(out.data_out, RESULT_OFFSET, SKB_SLOTS,
                 {{SKB_LEN, length},
                  {SKB_PROTOCOL, 8},
                  {SKB_PKT_TYPE, 3},  // PACKET_OTHERHOST: not lo's address
                  {SKB_IFINDEX, 1},
                  {SKB_INGRESS_IFINDEX, with_ctx ? 1 : 0},
                  {SKB_MARK, with_ctx ? 0x77 : 0},
                  {SKB_PRIORITY, with_ctx ? 5 : 0},
                  {SKB_CB0, with_ctx ? 11 : 0},
                  {SKB_CB4, with_ctx ? 55 : 0},
                  {SKB_DATA_LEN, length},
                  {SKB_HASH, 0},
                  {SKB_QUEUE_MAPPING, 0},
                  {SKB_VLAN_PRESENT, 0},
                  {SKB_WIRE_LEN, length},
                  {SKB_TC_INDEX, 0},
                  {SKB_GSO_SEGS, with_ctx ? 2 : 0},
                  {SKB_GSO_SIZE, with_ctx ? 1400 : 0},
                  {SKB_TSTAMP, with_ctx ? 0x23456789 : 0},
                  {SKB_DATA_META, 1},
                  {SKB_MAP_COUNT, 1},
                  // 192.168.1.10 + 10.1.2.3 as little-endian words, folded.
                  {SKB_CSUM_DIFF, 0xb6cd},
                  {SKB_PERF_OUTPUT, kENOENT},
                  {SKB_PERF_CTXLEN, kENOENT},
                  {SKB_PERF_CTXLEN_BIG, kEFAULT},
                  {SKB_REDIRECT_BAD_FLAGS, kTcActShot},
                  {SKB_REDIRECT, kTcActRedirect},
                  {SKB_TAIL_CALL, 1}});
    ASSERT_EQ(out.ctx_out.size(), 192U);
    EXPECT_EQ(u32_at(out.ctx_out, kMark), 0x1234U);
    EXPECT_EQ(u32_at(out.ctx_out, kPriority), 6U);
    EXPECT_EQ(u32_at(out.ctx_out, kCb + 4), 0xabcdU);
    EXPECT_EQ(u32_at(out.ctx_out, kCb + 8), 0x1234U);  // written by the tail-called program
  }
}

TEST_P(RuntimePrograms, SocketFilter) {
  REQUIRE_BUILT("runtime_skb");
  const Bytes frame = frames::udp_frame();
  const std::uint32_t length = static_cast<std::uint32_t>(frame.size()) - 14;
  const std::uint32_t udp_checksum = (frame[40] << 8) | frame[41];
  for (const bool with_ctx : {false, true}) {
    SCOPED_TRACE(with_ctx ? "with ctx_in" : "without ctx_in");
    const Outcome out = run("runtime_skb", "runtime_socket", frame, with_ctx ? skb_ctx() : Bytes{});
    EXPECT_EQ(out.retval, length);
    // A socket filter's data_out is the frame with its Ethernet header zeroed.
    Bytes expected = frame;
    std::fill(expected.begin(), expected.begin() + 14, 0);
    EXPECT_EQ(out.data_out, expected);
    EXPECT_EQ(u32_at(out.ctx_out, kCb), 17U | (frames::kUdpDestPort << 8));
    EXPECT_EQ(u32_at(out.ctx_out, kCb + 4), frames::kSource);
    EXPECT_EQ(u32_at(out.ctx_out, kCb + 8), udp_checksum | ((frames::kUdpSourcePort >> 8) << 16));
    EXPECT_EQ(u32_at(out.ctx_out, kCb + 12), length | (3U << 16) | (1U << 24));
    EXPECT_EQ(u32_at(out.ctx_out, kCb + 16), with_ctx ? SOCKET_FACTS : SOCKET_FACTS & ~0x6U);
  }
  // A legacy load past the end stops the program with 0: cb[0] was written, cb[2] not.
  const Outcome out = run("runtime_skb", "socket_load_past_end", frame, skb_ctx());
  EXPECT_EQ(out.retval, 0U);
  EXPECT_EQ(u32_at(out.ctx_out, kCb), 1U);
  EXPECT_EQ(u32_at(out.ctx_out, kCb + 8), 33U);
}

TEST_P(RuntimePrograms, CgroupSkb) {
  REQUIRE_BUILT("runtime_skb");
  const Bytes frame = frames::udp_frame();
  const Outcome out = run("runtime_skb", "runtime_cgroup_skb", frame, skb_ctx());
  EXPECT_EQ(out.retval, 1U);
  const auto network_order = [](std::uint32_t address) { return __builtin_bswap32(address); };
  EXPECT_EQ(u32_at(out.ctx_out, kCb), 2U);  // AF_INET
  EXPECT_EQ(u32_at(out.ctx_out, kCb + 4), network_order(frames::kSource));
  EXPECT_EQ(u32_at(out.ctx_out, kCb + 8), network_order(frames::kDestination));
  // Direct packet access from the network header.
  EXPECT_EQ(u32_at(out.ctx_out, kCb + 12), frame.size() - 14);
  EXPECT_EQ(u32_at(out.ctx_out, kCb + 16), frame.size() - 14);
  EXPECT_EQ(u32_at(out.ctx_out, kMark), 8U);
  EXPECT_EQ(u32_at(out.ctx_out, kPriority), 1U);
}

INSTANTIATE_TEST_SUITE_P(Mcpu, RuntimePrograms, ::testing::Values(1, 2, 3, 4),
                         [](const ::testing::TestParamInfo<int>& param) {
                           return "v" + std::to_string(param.param);
                         });

}  // namespace
}  // namespace xbpf::runtime::test
