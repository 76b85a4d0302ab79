// The verifier on small assembled programs: safe ones pass, each unsafe one fails at the
// expected pc with the expected explanation.
#include "verifier/verifier.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "isa/assembler.h"
#include "object/object.h"
#include "progtype/progtype.h"

namespace xbpf::verifier {
namespace {

struct Case {
  std::string name;
  std::string code;
  progtype::ProgramType type = progtype::ProgramType::xdp;
  // Empty: must pass. Otherwise the first error's pc and a part of its message.
  std::optional<std::uint32_t> pc = std::nullopt;
  std::string message = {};
};

object::MapDefinition make_map(std::string name, std::uint32_t type, std::uint32_t key_size,
                               std::uint32_t value_size, std::uint32_t max_entries) {
  object::MapDefinition m;
  m.name = std::move(name);
  m.type = type;
  m.key_size = key_size;
  m.value_size = value_size;
  m.max_entries = max_entries;
  return m;
}

std::vector<object::MapDefinition> test_maps() {
  std::vector<object::MapDefinition> maps;
  maps.push_back(make_map("hash", 1, 4, 16, 64));
  maps.push_back(make_map("ring", 27, 0, 0, 4096));
  maps.push_back(make_map("locked", 2, 4, 16, 1));
  maps[2].spin_lock_offset = 0;
  maps.push_back(make_map(".rodata", 2, 4, 8, 1));
  maps[3].origin = object::MapOrigin::rodata;
  maps[3].initial_data = {'h', 'i', 0, 0, 0, 0, 0, 0};
  maps.push_back(make_map("array", 2, 4, 8, 4));
  return maps;
}

Report run(const Case& c, const Options& options = {}) {
  auto code = isa::assemble(c.code);
  EXPECT_TRUE(code.ok()) << c.name << ": " << (code ? "" : code.error().to_string());
  if (!code) return {};
  const auto maps = test_maps();
  ProgramView view;
  view.code = *code;
  view.type = progtype::program_type(c.type);
  view.maps = maps;
  auto report = verify(view, options);
  EXPECT_TRUE(report.ok()) << c.name;
  if (!report) return {};
  return *report;
}

// XDP prologue: r2 = data, r3 = data_end.
const std::string kPacket =
    "r2 = *(u32 *)(r1 + 0)\n"
    "r3 = *(u32 *)(r1 + 4)\n";

const std::vector<Case> kSafe = {
    {"return a constant", "r0 = 2\nexit\n"},
    {"packet read after a bounds check", kPacket + "r4 = r2\n"
                                                   "r4 += 14\n"
                                                   "if r4 > r3 goto out\n"
                                                   "r0 = *(u16 *)(r2 + 12)\n"
                                                   "r0 &= 1\n"
                                                   "exit\n"
                                                   "out:\n"
                                                   "r0 = 1\n"
                                                   "exit\n"},
    {"packet bounds through a variable offset", kPacket + "r0 = 1\n"
                                                          "r5 = r2\n"
                                                          "r5 += 20\n"
                                                          "if r5 > r3 goto out\n"
                                                          "r6 = *(u8 *)(r2 + 0)\n"
                                                          "r6 &= 15\n"
                                                          "r7 = r2\n"
                                                          "r7 += r6\n"
                                                          "r8 = r7\n"
                                                          "r8 += 4\n"
                                                          "if r8 > r3 goto out\n"
                                                          "r0 = *(u32 *)(r7 + 0)\n"
                                                          "r0 &= 1\n"
                                                          "out:\n"
                                                          "exit\n"},
    {"map lookup with a null check",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\n"
     "call 1\nif r0 == 0 goto out\nr1 = *(u64 *)(r0 + 8)\n*(u64 *)(r0 + 0) = r1\nout:\nr0 = 0\n"
     "exit\n"},
    {"copies of a nullable pointer are checked together",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\n"
     "call 1\nr7 = r0\nif r0 == 0 goto out\nr1 = *(u64 *)(r7 + 8)\nout:\nr0 = 0\nexit\n"},
    {"a counted loop terminates",
     "r0 = 0\nr1 = 0\nloop:\nr0 += r1\nr1 += 1\nif r1 < 100 goto loop\nr0 = 0\nexit\n"},
    {"a loop counter on the stack",
     "r1 = 0\n*(u64 *)(r10 - 8) = r1\nloop:\nr1 = *(u64 *)(r10 - 8)\nr1 += 1\n"
     "*(u64 *)(r10 - 8) = r1\nif r1 < 1000 goto loop\nr0 = 0\nexit\n"},
    {"a spilled pointer keeps its type",
     "*(u64 *)(r10 - 8) = r1\nr1 = 0\nr1 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r1 + 0)\nr0 = 0\n"
     "exit\n"},
    {"ring buffer reserve and submit",
     "r1 = map_by_idx(1) ll\nr2 = 16\nr3 = 0\ncall 131\nif r0 == 0 goto out\nr1 = 7\n"
     "*(u64 *)(r0 + 8) = r1\nr1 = r0\nr2 = 0\ncall 132\nout:\nr0 = 0\nexit\n"},
    {"spin lock around an update",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(2) ll\ncall 1\n"
     "if r0 == 0 goto out\nr6 = r0\nr1 = r0\ncall 93\nr1 = *(u64 *)(r6 + 8)\nr1 += 1\n"
     "*(u64 *)(r6 + 8) = r1\nr1 = r6\ncall 94\nout:\nr0 = 0\nexit\n"},
    {"a bpf-to-bpf call", "r1 = 5\ncall f\nr0 &= 3\nexit\nf:\nr0 = r1\nexit\n"},
    // A pointer (not NULL) is above 0: `r1 < 0` never holds, `r1 >= 0` always does.
    {"unsigned comparisons of a pointer with 0",
     "if r1 < 0 goto bad\nr2 = 0\nif r1 >= r2 goto ok\nbad:\nexit\nok:\nr0 = 2\nexit\n"},
    // The unsafe reads below are unreachable only if the values are known exactly.
    {"an atomic fetch returns the old value and stores the new one",
     "r1 = 5\n*(u64 *)(r10 - 8) = r1\nr2 = 3\nr2 = atomic_fetch_add((u64 *)(r10 - 8), r2)\n"
     "if r2 != 5 goto bad\nr1 = *(u64 *)(r10 - 8)\nif r1 != 8 goto bad\nr0 = 2\nexit\n"
     "bad:\nr0 = *(u64 *)(r10 - 64)\nexit\n"},
    // The stack is private to the run: an atomic there may be misaligned (as PREVAIL allows;
    // every engine does it as a plain read-modify-write).
    {"a misaligned 64-bit atomic on the stack through r10",
     "r1 = 0\n*(u64 *)(r10 - 16) = r1\n*(u64 *)(r10 - 8) = r1\nr1 = 1\n"
     "lock *(u64 *)(r10 - 12) += r1\nr0 = 0\nexit\n"},
    {"a misaligned 32-bit atomic on the stack through r10",
     "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = 1\nw1 = atomic_fetch_or((u32 *)(r10 - 7), w1)\n"
     "r0 = 0\nexit\n"},
    {"a misaligned 64-bit atomic on the stack through a copy",
     "r1 = 0\n*(u64 *)(r10 - 512) = r1\n*(u64 *)(r10 - 504) = r1\nr2 = r10\nr2 += -512\n"
     "r1 = 1\nlock *(u64 *)(r2 + 4) += r1\nr1 = xchg_64(r2 + 4, r1)\nr0 = 0\nexit\n"},
    {"a misaligned 32-bit atomic on the stack through a copy",
     "r1 = 0\n*(u64 *)(r10 - 512) = r1\nr2 = r10\nr2 += -512\nr1 = 1\nw0 = 0\n"
     "w0 = cmpxchg32_32(r2 + 3, w0, w1)\nr0 = 0\nexit\n"},
    {"an atomic on the stack at a variable offset that may be misaligned",
     "call 7\nr0 &= 7\nr1 = 0\n*(u64 *)(r10 - 32) = r1\n*(u64 *)(r10 - 24) = r1\nr2 = r10\n"
     "r2 += -32\nr2 += r0\nr1 = 1\nr1 = atomic_fetch_add((u64 *)(r2 + 0), r1)\nr0 = 0\n"
     "exit\n"},
    {"bytes of two stores combine in a load",
     "r1 = 1\n*(u8 *)(r10 - 8) = r1\nr1 = 2\n*(u8 *)(r10 - 7) = r1\nr0 = *(u16 *)(r10 - 8)\n"
     "if r0 != 513 goto bad\nr1 = 0x1122334455667788 ll\n*(u64 *)(r10 - 16) = r1\n"
     "r1 = 0\n*(u16 *)(r10 - 14) = r1\nr0 = *(u32 *)(r10 - 16)\nif r0 != 0x7788 goto bad\n"
     "r0 = 2\nexit\nbad:\nr0 = *(u64 *)(r10 - 64)\nexit\n"},
    // data_end - data is the packet size: an index below it stays inside the packet.
    {"an index bounded by data_end - data",
     kPacket + "r3 -= r2\nr0 = 0\nif r3 == 0 goto out\nr4 = 0\nloop:\nr5 = r2\nr5 += r4\n"
               "r0 = *(u8 *)(r5 + 0)\nr4 += 1\nif r3 > r4 goto loop\nout:\nr0 = 2\nexit\n"},
    {"global read-only data",
     "r1 = map_val(map_by_idx(3)) + 0 ll\nr0 = *(u8 *)(r1 + 1)\nr0 = 0\nexit\n"},
    // A u32 store of a value below 2^32 keeps the slot equal to the register (and related).
    {"a 32-bit loop counter on the stack",
     "w1 = 0\n*(u32 *)(r10 - 4) = r1\nloop:\nr1 = *(u32 *)(r10 - 4)\nw1 += 1\n"
     "*(u32 *)(r10 - 4) = r1\nif w1 < 1000 goto loop\nr0 = 0\nexit\n"},
    // A helper that only reads the slot (a map key) leaves the counter as it was.
    {"a stack counter used as a map key",
     "w1 = 0\n*(u32 *)(r10 - 4) = r1\nloop:\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\n"
     "call 1\nr1 = *(u32 *)(r10 - 4)\nw1 += 1\n*(u32 *)(r10 - 4) = r1\nif w1 < 64 goto loop\n"
     "r0 = 0\nexit\n"},
    // r7 moves by 4 per iteration, r8 by 1: r7 - 4 * counter and r8 - counter are constant,
    // so r8 <= 4 bounds r7 by 12 (scaled loop counters).
    {"a pointer stepping with a separate counter",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\n"
     "if r0 == 0 goto out\nr7 = r0\nr8 = 1\nloop:\nr1 = *(u32 *)(r7 + 0)\nr7 += 4\n"
     "r8 += 1\nif r8 != 5 goto loop\nout:\nr0 = 0\nexit\n"},
    {"a pointer stepping down with a separate counter",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\n"
     "if r0 == 0 goto out\nr7 = r0\nr7 += 12\nr8 = 1\nloop:\nr1 = *(u32 *)(r7 + 0)\n"
     "r7 += -4\nr8 += 1\nif r8 != 5 goto loop\nout:\nr0 = 0\nexit\n"},
    // Only `r1 != 256` bounds the loop: r1 = 16 * counter gives the counter <= 15.
    {"an index stepping by 16 up to an inequality",
     "r1 = 0\nloop:\nr1 += 16\nif r1 != 256 goto loop\nr0 = 0\nexit\n"},
    // The fold loop of a one's-complement checksum: no relation bounds it, the values do
    // (after five iterations x <= 0xffff); iterated without joining, it stops.
    {"a checksum fold loop",
     "r3 = *(u32 *)(r1 + 12)\nr3 <<= 8\nif r3 < 65536 goto out\nloop:\nr4 = r3\nr4 >>= 16\n"
     "r3 &= 65535\nr3 += r4\nif r3 > 65535 goto loop\nout:\nr0 = 0\nexit\n"},
    // A buffer filled byte after byte through a pointer: the initialised range's end follows
    // the index.
    {"a loop filling a stack buffer",
     "r2 = 0\nloop:\nr3 = r10\nr3 += -64\nr3 += r2\n*(u8 *)(r3 + 0) = r2\nr2 += 1\n"
     "if r2 != 64 goto loop\nr0 = *(u64 *)(r10 - 64)\nr0 = *(u64 *)(r10 - 8)\nr0 = 0\nexit\n"},
    {"a loop filling a stack buffer downwards",
     "r2 = 64\nloop:\nr2 += -1\nr3 = r10\nr3 += -64\nr3 += r2\n*(u8 *)(r3 + 0) = r2\n"
     "if r2 != 0 goto loop\nr0 = *(u64 *)(r10 - 64)\nr0 = *(u64 *)(r10 - 8)\nr0 = 0\nexit\n"},
    // `r4 <<= 32; r5 = r4; r5 >>= 32`: r5 is r4's old value (and keeps its relations).
    {"a zero extension into another register keeps the relation",
     "r0 = 0\nr4 = 0\nloop:\nr0 += 1\nr4 <<= 32\nr5 = r4\nr5 >>= 32\nr4 = r0\n"
     "if r5 < 6 goto loop\nr0 <<= 3\nr1 = map_by_idx(0) ll\nr6 = 0\n*(u32 *)(r10 - 4) = r6\n"
     "r2 = r10\nr2 += -4\nr7 = r0\ncall 1\nif r0 == 0 goto out\nr0 += r7\n"
     "r1 = *(u64 *)(r0 - 48)\nout:\nr0 = 0\nexit\n"},
};

const std::vector<Case> kUnsafe = {
    {"uninitialised register", "r0 = r5\nexit\n", progtype::ProgramType::xdp, 0,
     "r5 is read before it is initialised"},
    {"uninitialised stack", "r0 = *(u64 *)(r10 - 8)\nexit\n", progtype::ProgramType::xdp, 0,
     "not initialised"},
    {"packet read without a bounds check", kPacket + "r0 = *(u8 *)(r2 + 0)\nexit\n",
     progtype::ProgramType::xdp, 2, "not proven inside the packet"},
    {"packet read one byte too far",
     kPacket + "r4 = r2\nr4 += 14\nif r4 > r3 goto out\nr0 = *(u16 *)(r2 + 13)\nout:\nr0 = 1\n"
               "exit\n",
     progtype::ProgramType::xdp, 5, "not proven inside the packet"},
    {"lookup result used before the null check",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\n"
     "r0 = *(u64 *)(r0 + 0)\nexit\n",
     progtype::ProgramType::xdp, 7, "may be NULL"},
    {"ALU on a nullable pointer",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\n"
     "r0 += 8\nif r0 == 0 goto out\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 7, "may be NULL"},
    {"map value read past its end",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\n"
     "if r0 == 0 goto out\nr1 = *(u64 *)(r0 + 12)\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 8, "outside the map value"},
    {"a pointer stored into a map value",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\n"
     "if r0 == 0 goto out\n*(u64 *)(r0 + 0) = r10\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 8, "stores a pointer"},
    {"key not initialised", "r2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 4, "not initialised"},
    {"returns a pointer", "r0 = r10\nexit\n", progtype::ProgramType::xdp, 1, "returns a pointer"},
    {"return value outside the range", "r0 = 7\nexit\n", progtype::ProgramType::cgroup_skb, 1,
     "outside [0, 1]"},
    {"ring buffer reservation leaked",
     "r1 = map_by_idx(1) ll\nr2 = 16\nr3 = 0\ncall 131\nr0 = 0\nexit\n", progtype::ProgramType::xdp,
     6, "not released"},
    {"ring buffer submitted with a moved pointer",
     "r1 = map_by_idx(1) ll\nr2 = 16\nr3 = 0\ncall 131\nif r0 == 0 goto out\nr0 += 8\nr1 = r0\n"
     "r2 = 0\ncall 132\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 9, "moved by"},
    {"a helper called under a spin lock",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(2) ll\ncall 1\n"
     "if r0 == 0 goto out\nr6 = r0\nr1 = r0\ncall 93\ncall 5\nr1 = r6\ncall 94\nout:\nr0 = 0\n"
     "exit\n",
     progtype::ProgramType::xdp, 11, "while holding a bpf_spin_lock"},
    {"exit holding a spin lock",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(2) ll\ncall 1\n"
     "if r0 == 0 goto out\nr1 = r0\ncall 93\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 11, "holding a bpf_spin_lock"},
    {"an endless loop", "r0 = 0\nloop:\nr0 += 1\ngoto loop\n", progtype::ProgramType::xdp, 1,
     "may not terminate"},
    {"a loop whose bound is not proven",
     "r1 = *(u32 *)(r1 + 12)\nr0 = 0\nloop:\nr0 += 1\nif r0 != r1 goto loop\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 2, "may not terminate"},
    // The loop fills 63 of the 64 bytes the read takes.
    {"a loop filling a stack buffer short of its end",
     "r2 = 0\nloop:\nr3 = r10\nr3 += -64\nr3 += r2\n*(u8 *)(r3 + 0) = r2\nr2 += 1\n"
     "if r2 != 63 goto loop\nr0 = *(u64 *)(r10 - 8)\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 7, "not initialised"},
    // Every other byte only.
    {"a loop filling every other byte of a stack buffer",
     "r2 = 0\nloop:\nr3 = r10\nr3 += -64\nr3 += r2\n*(u8 *)(r3 + 0) = r2\nr2 += 2\n"
     "if r2 != 64 goto loop\nr0 = *(u64 *)(r10 - 64)\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 7, "not initialised"},
    // A 1-byte slot cannot hold a counter up to 1000: the relation must not survive the store.
    {"a loop counter truncated by a narrow store",
     "w1 = 0\n*(u8 *)(r10 - 1) = r1\nloop:\nr1 = *(u8 *)(r10 - 1)\nw1 += 1\n"
     "*(u8 *)(r10 - 1) = r1\nif w1 < 1000 goto loop\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 2, "may not terminate"},
    // The helper writes the counter's slot: its relation with the loop is gone.
    {"a stack counter a helper overwrites",
     "r1 = 0\n*(u64 *)(r10 - 8) = r1\nloop:\nr1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall 113\n"
     "r1 = *(u64 *)(r10 - 8)\nr1 += 1\n*(u64 *)(r10 - 8) = r1\nif r1 < 100 goto loop\n"
     "r0 = 0\nexit\n",
     progtype::ProgramType::kprobe, 2, "may not terminate"},
    {"a pointer stepping past its map value",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\n"
     "if r0 == 0 goto out\nr7 = r0\nr8 = 1\nloop:\nr1 = *(u32 *)(r7 + 0)\nr7 += 4\n"
     "r8 += 1\nif r8 != 6 goto loop\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 10, "outside the map value"},
    {"a pointer stepping down past its map value",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\n"
     "if r0 == 0 goto out\nr7 = r0\nr7 += 12\nr8 = 1\nloop:\nr1 = *(u32 *)(r7 + 0)\n"
     "r7 += -4\nr8 += 1\nif r8 != 6 goto loop\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 11, "outside the map value"},
    {"an index stepping by 16 past an inequality",
     "r1 = 0\nloop:\nr1 += 16\nif r1 != 250 goto loop\nr0 = 0\nexit\n", progtype::ProgramType::xdp,
     1, "may not terminate"},
    // The same fold, which adds 2^16 back each time: it never stops.
    {"a fold loop that does not shrink",
     "r3 = *(u32 *)(r1 + 12)\nr3 <<= 8\nif r3 < 65536 goto out\nloop:\nr4 = r3\nr4 >>= 16\n"
     "r3 &= 65535\nr3 += r4\nr3 |= 65536\nif r3 > 65535 goto loop\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 3, "may not terminate"},
    // r4 does not fit in 32 bits before the shift: r5 (its low half) is not r4's value, and
    // the read below is reachable.
    {"a zero extension of a value that does not fit",
     "r6 = 0x100000000 ll\nr4 = *(u32 *)(r1 + 12)\nr4 += r6\nr4 <<= 32\nr5 = r4\nr5 >>= 32\n"
     "if r5 > 7 goto out\nr0 = *(u64 *)(r10 - 64)\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 8, "not initialised"},
    {"stack access below the frame", "r1 = 0\n*(u64 *)(r10 - 520) = r1\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 1, "outside the stack"},
    {"write to read-only data",
     "r1 = map_val(map_by_idx(3)) + 0 ll\nr2 = 0\n*(u8 *)(r1 + 0) = r2\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 3, "may not be written"},
    {"context field read-only", "r2 = 0\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 1, "read-only"},
    {"context read outside any field", "r0 = *(u32 *)(r1 + 200)\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 0, "outside the context"},
    {"helper not allowed for the type", "call 51\nr0 = 0\nexit\n",
     progtype::ProgramType::socket_filter, 0, "may not be called by"},
    {"mov32 of -1 is 0xffffffff, not -1",
     "w4 = -1\nr5 = r10\nr5 += r4\nr0 = *(u8 *)(r5 + 0)\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 3, "outside the stack"},
    {"32-bit bounds applied to 64 bits",
     "r6 = *(u32 *)(r1 + 12)\nr6 <<= 32\nr6 |= 3\nif w6 > 7 goto out\nr5 = r10\nr5 += -8\n"
     "r5 += r6\nr0 = *(u8 *)(r5 + 0)\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 7, "outside the stack"},
    {"recursion", "call f\nexit\nf:\ncall f\nr0 = 0\nexit\n", progtype::ProgramType::xdp, 2,
     "recursive call"},
    {"pointer compared with a number", "r2 = 5\nif r1 > r2 goto out\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 1, "pointers may only be compared"},
    // The low half of a valid pointer may be 0: a 32-bit test is no null check (the branch
    // that xbpf once thought infeasible went unverified).
    {"32-bit comparison of a pointer with 0",
     "r2 = r10\nif w2 == 0 goto bad\nr0 = 0\nexit\nbad:\nr0 = *(u64 *)(r0 + 0)\nexit\n",
     progtype::ProgramType::xdp, 1, "pointers may only be compared"},
    {"32-bit null check of a map value",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\n"
     "call 1\nif w0 == 0 goto out\nr0 = 0\nout:\nexit\n",
     progtype::ProgramType::xdp, 7, "pointers may only be compared"},
    // A misaligned atomic elsewhere than on the stack is refused (Linux refuses it; x86 would
    // split a bus lock); on the stack it keeps every other check.
    {"a misaligned 64-bit atomic on a map value",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\n"
     "if r0 == 0 goto out\nr1 = 1\nlock *(u64 *)(r0 + 4) += r1\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 9, "atomic operation of 8 bytes at r0 + 4 may be misaligned"},
    {"a misaligned 32-bit atomic on a map value",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\n"
     "if r0 == 0 goto out\nr1 = 1\nlock *(u32 *)(r0 + 2) += w1\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 9, "atomic operation of 4 bytes at r0 + 2 may be misaligned"},
    {"a misaligned atomic on a map value through a copy",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\n"
     "if r0 == 0 goto out\nr2 = r0\nr2 += 4\nr1 = 1\n"
     "r1 = atomic_fetch_add((u64 *)(r2 + 0), r1)\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 11, "atomic operation of 8 bytes at r2 + 0 may be misaligned"},
    {"a misaligned atomic on a ring buffer reservation",
     "r1 = map_by_idx(1) ll\nr2 = 16\nr3 = 0\ncall 131\nif r0 == 0 goto out\nr1 = 1\n"
     "lock *(u64 *)(r0 + 4) += r1\nr1 = r0\nr2 = 0\ncall 132\nout:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 7, "may be misaligned"},
    {"a misaligned atomic on the stack reading uninitialised bytes",
     "call 7\nr0 &= 15\nr1 = 0\n*(u64 *)(r10 - 32) = r1\n*(u64 *)(r10 - 24) = r1\nr2 = r10\n"
     "r2 += -32\nr2 += r0\nr1 = 1\nr1 = atomic_fetch_add((u64 *)(r2 + 0), r1)\nr0 = 0\n"
     "exit\n",
     progtype::ProgramType::xdp, 9, "not initialised"},
    {"a misaligned atomic crossing the top of the stack",
     "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = 1\nlock *(u64 *)(r10 - 4) += r1\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 3, "outside the stack"},
    {"padding of a struct bpf_sock",
     "r6 = r1\nr2 = r10\nr2 += -40\nr1 = 0\n*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 16) = r1\n"
     "*(u64 *)(r10 - 24) = r1\n*(u64 *)(r10 - 32) = r1\n*(u64 *)(r10 - 40) = r1\nr1 = r6\n"
     "r3 = 12\nr4 = -1\nr5 = 0\ncall 99\nif r0 == 0 goto out\nr1 = r0\n"
     "r2 = *(u8 *)(r0 + 50)\ncall 86\nout:\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 16, "is not a field that may be read"},
};

// Every case verifies.
void expect_pass(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    const Report report = run(c);
    EXPECT_TRUE(report.passed()) << c.name << ": "
                                 << (report.errors.empty() ? "" : report.errors[0].message);
  }
}

// Every case fails, first at its pc, with its message.
void expect_fail(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    const Report report = run(c);
    ASSERT_FALSE(report.passed()) << c.name << " passed";
    EXPECT_EQ(report.errors[0].pc, *c.pc) << c.name << ": " << report.errors[0].message;
    EXPECT_NE(report.errors[0].message.find(c.message), std::string::npos)
        << c.name << ": " << report.errors[0].message;
  }
}

TEST(Verifier, SafeProgramsPass) { expect_pass(kSafe); }

TEST(Verifier, UnsafeProgramsFailWithTheExpectedMessage) { expect_fail(kUnsafe); }

// Type sets: a register that holds different kinds on different paths. Every access,
// arithmetic operation and comparison must be valid for every member.

// r0 = a value of map `m` (checked not NULL) or a 16-byte stack buffer (r10 - 24, initialised
// before the paths part: a join keeps only what both paths initialised), then `use` (at pc 12).
std::string value_or_stack(int m, const std::string& use) {
  return "r6 = 0\n*(u32 *)(r10 - 4) = r6\n*(u64 *)(r10 - 24) = r6\n*(u64 *)(r10 - 16) = r6\n"
         "r2 = r10\nr2 += -4\nr1 = map_by_idx(" +
         std::to_string(m) + ") ll\ncall 1\nif r0 != 0 goto have\nr0 = r10\nr0 += -24\nhave:\n" +
         use + "r0 = 0\nexit\n";
}

// r2 = the number 5 or the context (offset 0), then `use` (at pc 5).
std::string number_or_ctx(const std::string& use) {
  return "r6 = r1\ncall 7\nr2 = 5\nif r0 == 0 goto join\nr2 = r6\njoin:\n" + use + "r0 = 0\nexit\n";
}

// r7 = the packet (`checked` bytes checked) or an 8-byte stack buffer, `between` (at pc 13),
// then a read of its eighth byte.
std::string packet_or_stack(int checked, const std::string& between) {
  return "r6 = r1\nr8 = *(u32 *)(r6 + 0)\nr3 = *(u32 *)(r6 + 4)\nr4 = r8\nr4 += " +
         std::to_string(checked) +
         "\nif r4 > r3 goto out\nr7 = 0\n*(u64 *)(r10 - 8) = r7\nr7 = r10\nr7 += -8\ncall 7\n"
         "if r0 == 0 goto read\nr7 = r8\nread:\n" +
         between + "r0 = *(u8 *)(r7 + 7)\nout:\nr0 = 0\nexit\n";
}

// r6 and r7 = two stack pointers (r10 - 8, r10 - 16) or, after `arm` (r6 = r7 = data + 4 by
// default), what it leaves; then `use` (at pc 11 with the default arm).
std::string related(const std::string& use,
                    const std::string& arm = "r6 = r8\nr7 = r8\nr7 += 4\n") {
  return "r2 = *(u32 *)(r1 + 0)\nr8 = r2\ncall 7\nr6 = r10\nr6 += -8\nr7 = r10\nr7 += -16\n"
         "if r0 == 0 goto join\n" +
         arm + "join:\n" + use + "r0 = 2\nexit\n";
}

const std::vector<Case> kTypeSetSafe = {
    {"related type sets, compared", related("if r6 == r7 goto +0\n")},
    {"related type sets, subtracted", related("r3 = r7\nr3 -= r6\nr0 = r3\n")},
    {"related type sets, copied then compared", related("r3 = r7\nif r6 > r3 goto +0\n")},
    {"related type sets, spilled and filled then compared",
     related("*(u64 *)(r10 - 24) = r7\nr7 = 0\nr7 = *(u64 *)(r10 - 24)\nif r6 < r7 goto +0\n")},
    {"related type sets, compared after an instruction on one",
     related("r7 += 1\nr3 = r7\nr3 -= r6\nif r6 != r7 goto +0\n")},
    {"a map value or the stack, read and written within both",
     value_or_stack(0, "r1 = *(u64 *)(r0 + 8)\n*(u64 *)(r0 + 0) = r1\n")},
    {"a map value or the stack, moved within both",
     value_or_stack(0, "r0 += 8\nr1 = *(u64 *)(r0 + 0)\n")},
    {"a map value or the stack, spilled and filled",
     value_or_stack(0,
                    "*(u64 *)(r10 - 32) = r0\nr0 = 0\nr3 = *(u64 *)(r10 - 32)\n"
                    "r1 = *(u64 *)(r3 + 8)\n")},
    {"a map value or the stack, never NULL", value_or_stack(0, "if r0 == 0 goto +1\n")},
    {"a number or a pointer, added to", number_or_ctx("r2 += 8\n")},
    {"a number or a pointer, compared with 0", number_or_ctx("if r2 == 0 goto +0\n")},
    {"a number or a pointer, copied and spilled",
     number_or_ctx("r3 = r2\n*(u64 *)(r10 - 8) = r3\n")},
    {"the packet or the stack, read within both", packet_or_stack(8, "")},
    {"a map value or the stack, an aligned atomic",
     value_or_stack(0, "r1 = 1\nlock *(u64 *)(r0 + 8) += r1\n")},
    {"the stack buffer a type set points to, written on its path only",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\n"
     "if r0 != 0 goto have\n*(u64 *)(r10 - 24) = r6\n*(u64 *)(r10 - 16) = r6\nr0 = r10\n"
     "r0 += -24\nhave:\nr1 = *(u64 *)(r0 + 8)\nr0 = 0\nexit\n"},
};

const std::vector<Case> kTypeSetUnsafe = {
    {"type sets of two registers set on different paths, compared",
     related("if r6 == r7 goto +0\n", "r6 = r8\n"), progtype::ProgramType::xdp, 9,
     "pointers may only be compared"},
    {"related type sets, one assigned again on some paths, compared",
     related("call 7\nif r0 == 0 goto +1\nr7 = r10\nif r6 == r7 goto +0\n"),
     progtype::ProgramType::xdp, 14, "pointers may only be compared"},
    {"related type sets, one replaced, subtracted",
     related("r7 = r10\nr3 = r7\nr3 -= r6\nr0 = *(u8 *)(r3 + 0)\n"), progtype::ProgramType::xdp, 14,
     "is not a pointer to memory"},
    {"a map value or the stack, read past the smaller region",
     value_or_stack(4, "r1 = *(u64 *)(r0 + 8)\n"), progtype::ProgramType::xdp, 12,
     "outside the map value"},
    {"a map value or the stack, moved past the smaller region",
     value_or_stack(4, "r0 += 8\nr1 = *(u64 *)(r0 + 0)\n"), progtype::ProgramType::xdp, 13,
     "outside the map value"},
    {"a map value or the stack, a pointer stored through it",
     value_or_stack(0, "*(u64 *)(r0 + 0) = r10\n"), progtype::ProgramType::xdp, 12,
     "pointers may only be spilled to the stack"},
    {"a map value or the stack, compared with the stack",
     value_or_stack(0, "if r0 == r10 goto +0\n"), progtype::ProgramType::xdp, 12,
     "pointers may only be compared"},
    {"a map value or the stack, stored into a map value",
     value_or_stack(0,
                    "r7 = r0\n"
                    "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\n"
                    "r1 = map_by_idx(0) ll\ncall 1\nif r0 == 0 goto +1\n"
                    "*(u64 *)(r0 + 0) = r7\n"),
     progtype::ProgramType::xdp, 21, "pointers may only be spilled to the stack"},
    {"a map value or the stack, a misaligned atomic",
     value_or_stack(0, "r1 = 1\nlock *(u64 *)(r0 + 4) += r1\n"), progtype::ProgramType::xdp, 13,
     "may be misaligned"},
    {"a number or a pointer, dereferenced", number_or_ctx("r0 = *(u32 *)(r2 + 0)\n"),
     progtype::ProgramType::xdp, 5, "is not a pointer to memory (number 5)"},
    {"a number or a pointer, masked", number_or_ctx("r2 &= 8\n"), progtype::ProgramType::xdp, 5,
     "operation on a pointer other than adding"},
    {"a number or a pointer, 32-bit arithmetic", number_or_ctx("w2 += 8\n"),
     progtype::ProgramType::xdp, 5, "32-bit arithmetic on a pointer"},
    {"a number or a pointer, returned", number_or_ctx("r0 = r2\nexit\n"),
     progtype::ProgramType::xdp, 6, "returns a pointer"},
    {"a number or a pointer, stored into a map value",
     number_or_ctx("r7 = r2\n"
                   "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\n"
                   "r1 = map_by_idx(0) ll\ncall 1\nif r0 == 0 goto +1\n"
                   "*(u64 *)(r0 + 0) = r7\n"),
     progtype::ProgramType::xdp, 14, "pointers may only be spilled to the stack"},
    {"the packet or the stack, read after the packet moved",
     packet_or_stack(8, "r1 = r6\nr2 = 0\ncall 44\n"), progtype::ProgramType::xdp, 16,
     "r7 is read before it is initialised"},
    {"the packet or the stack, read past the checked bytes", packet_or_stack(4, ""),
     progtype::ProgramType::xdp, 13, "not proven inside the packet"},
    {"the stack buffer a type set points to, partly written on its path",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\n"
     "if r0 != 0 goto have\n*(u64 *)(r10 - 24) = r6\nr0 = r10\nr0 += -24\nhave:\n"
     "r1 = *(u64 *)(r0 + 8)\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 11, "which is not initialised"},
    {"the stack buffer a type set points to, written on the other path",
     "r6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\nr1 = map_by_idx(0) ll\ncall 1\n"
     "if r0 != 0 goto have\nr0 = r10\nr0 += -16\ngoto read\nhave:\n"
     "*(u64 *)(r10 - 16) = r6\nread:\nr1 = *(u64 *)(r0 + 0)\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 12, "which is not initialised"},
};

TEST(Verifier, TypeSetsAreUsableWhereEveryMemberIs) {
  expect_pass(kTypeSetSafe);
  expect_fail(kTypeSetUnsafe);
}

// Arithmetic with data_end + c and negated packet pointers. clang's loop_nested_packet
// (tests/verifier/safe): r1 = data_end + 1, r4 = data + 1 + 8 * block, r5 = ~data - 8 * block
// (-data - 1 - 8 * block), r7 = max(r4, r1) + r5, which is 0 (r4 past the end) or packet_size
// - 8 * block; `limit` bytes of it are required, then byte `last` of the block is read.
std::string nested_packet_loop(int limit, int last) {
  return "w6 = 0\nr2 = 0\nr5 = *(u32 *)(r1 + 0)\nr4 = r5\nr4 += 1\nr1 = *(u32 *)(r1 + 4)\n"
         "r1 += 1\n*(u64 *)(r10 - 8) = r5\nr5 ^= -1\ngoto head\n"
         "body:\nr7 += r5\nw0 = 2\nif r7 < " +
         std::to_string(limit) +
         " goto out\n"
         "r0 = *(u64 *)(r10 - 8)\nr0 += r2\nr7 = *(u8 *)(r0 + " +
         std::to_string(last) +
         ")\n"
         "w6 += w7\nr5 += -8\nr4 += 8\nr2 += 8\nif r2 != 64 goto head\nw0 = 1\ngoto out\n"
         "head:\nr7 = r4\nif r4 > r1 goto body\nr7 = r1\ngoto body\nout:\nexit\n";
}

// r4 = data + 4, r3 = data_end - 4 (or + 1, ...): `if r4 > r3` then reads `width` bytes at data.
std::string end_offset_check(const std::string& adjust, int ahead, int width) {
  return kPacket + "r4 = r2\nr4 += " + std::to_string(ahead) + "\n" + adjust +
         "if r4 > r3 goto out\nr0 = *(u8 *)(r2 + " + std::to_string(width - 1) +
         ")\nout:\nr0 = 2\nexit\n";
}

// r5 = -data - 1 (~data) or -data (neg), r7 = data_end + r5 (packet_size - 1, or packet_size):
// r7 `less` `limit` leaves, then byte `at` is read. (packet_size - 1 is -1 for an empty packet:
// an unsigned comparison proves nothing.)
std::string size_from_negation(const std::string& negate, int limit, int at,
                               const std::string& less = "<") {
  return kPacket + "r5 = r2\n" + negate + "r7 = r3\nr7 += r5\nif r7 " + less + " " +
         std::to_string(limit) + " goto out\nr0 = *(u8 *)(r2 + " + std::to_string(at) +
         ")\nout:\nr0 = 2\nexit\n";
}

const std::vector<Case> kPacketDerivedSafe = {
    {"a select of data + 8 or data_end, read below it",
     kPacket + "r4 = r2\nr4 += 8\nr7 = r4\nif r4 <= r3 goto join\nr7 = r3\njoin:\n"
               "r7 -= r2\nif r7 < 8 goto out\nr0 = *(u8 *)(r2 + 7)\nout:\nr0 = 2\nexit\n"},
    {"a nested packet loop with max(p, data_end + 1) - p", nested_packet_loop(8, 7)},
    {"data_end - 4 compared with data + 4", end_offset_check("r3 += -4\n", 4, 8)},
    {"data_end + 1 compared with data + 9", end_offset_check("r3 += 1\n", 9, 8)},
    {"data_end - 8 + 8 compared with data + 8", end_offset_check("r3 -= 8\nr3 += 8\n", 8, 8)},
    {"data_end + ~data is packet_size - 1", size_from_negation("r5 ^= -1\n", 8, 8, "s<")},
    {"data_end + -data is packet_size", size_from_negation("r5 = -r5\n", 8, 7)},
    {"~data + 3 then data_end", size_from_negation("r5 ^= -1\nr5 += 3\n", 11, 8)},
    // (packet_size - 1) + 1 - 2 >= 7: 9 bytes.
    {"packet_size minus, moved by constants",
     kPacket + "r5 = r2\nr5 ^= -1\nr7 = r3\nr7 += r5\nr7 += 1\nr7 -= 2\nr8 = r7\n"
               "if r8 s< 7 goto out\nr0 = *(u8 *)(r2 + 8)\nout:\nr0 = 2\nexit\n"},
    {"a negated pointer spilled and filled",
     kPacket + "r5 = r2\nr5 ^= -1\n*(u64 *)(r10 - 8) = r5\nr5 = 0\nr5 = *(u64 *)(r10 - 8)\n"
               "r3 += r5\nif r3 s< 4 goto out\nr0 = *(u8 *)(r2 + 4)\nout:\nr0 = 2\nexit\n"},
    {"data + ~data is -1, a number",
     kPacket + "r5 = r2\nr5 ^= -1\nr5 += r2\nr0 = r5\nr0 += 3\nexit\n"},
    {"packet_size minus, used as a number", kPacket + "r5 = r2\nr5 = -r5\nr5 += r3\nr0 = r5\n"
                                                      "r0 &= 1\nexit\n"},
    {"~~data is data", kPacket + "r5 = r2\nr5 ^= -1\nr5 ^= -1\nr4 = r5\nr4 += 1\n"
                                 "if r4 > r3 goto out\nr0 = *(u8 *)(r5 + 0)\nout:\nr0 = 2\nexit\n"},
};

const std::vector<Case> kPacketDerivedUnsafe = {
    // The join of a select is analysed from each arm: the error of one arm is reported.
    {"a select of the packet or data_end, read",
     kPacket + "r4 = r2\nr4 += 8\nr7 = r2\nif r4 <= r3 goto join\nr7 = r3\njoin:\n"
               "r0 = *(u8 *)(r7 + 0)\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 7, "is not a pointer to memory (packet_end)"},
    {"a nested packet loop that requires 7 bytes, reads 8", nested_packet_loop(7, 7),
     progtype::ProgramType::xdp, 15, "not proven inside the packet"},
    {"a nested packet loop that requires 8 bytes, reads 9", nested_packet_loop(8, 8),
     progtype::ProgramType::xdp, 15, "not proven inside the packet"},
    {"data_end - 4 compared with data + 4, 9 bytes read", end_offset_check("r3 += -4\n", 4, 9),
     progtype::ProgramType::xdp, 6, "not proven inside the packet"},
    {"data_end + 1 compared with data + 9, 9 bytes read", end_offset_check("r3 += 1\n", 9, 9),
     progtype::ProgramType::xdp, 6, "not proven inside the packet"},
    {"data_end + ~data is packet_size - 1, one byte too far",
     size_from_negation("r5 ^= -1\n", 8, 9, "s<"), progtype::ProgramType::xdp, 7,
     "not proven inside the packet"},
    {"packet_size minus, moved by constants, one byte too far",
     kPacket + "r5 = r2\nr5 ^= -1\nr7 = r3\nr7 += r5\nr7 += 1\nr7 -= 2\nr8 = r7\n"
               "if r8 s< 7 goto out\nr0 = *(u8 *)(r2 + 9)\nout:\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 10, "not proven inside the packet"},
    {"data_end + ~data is -1 for an empty packet", size_from_negation("r5 ^= -1\n", 8, 8),
     progtype::ProgramType::xdp, 7, "not proven inside the packet"},
    {"data_end + -data is packet_size, one byte too far", size_from_negation("r5 = -r5\n", 8, 8),
     progtype::ProgramType::xdp, 7, "not proven inside the packet"},
    {"~data + 3 then data_end, one byte too far", size_from_negation("r5 ^= -1\nr5 += 3\n", 11, 9),
     progtype::ProgramType::xdp, 8, "not proven inside the packet"},
    {"data_end + r (not a constant)", kPacket + "r4 = *(u32 *)(r1 + 12)\nr3 += r4\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 3, "arithmetic on a packet_end pointer"},
    {"a negated pointer returned", kPacket + "r0 = r2\nr0 ^= -1\nexit\n",
     progtype::ProgramType::xdp, 4, "returns a pointer"},
    {"a negated pointer dereferenced", kPacket + "r2 ^= -1\nr0 = *(u8 *)(r2 + 0)\nexit\n",
     progtype::ProgramType::xdp, 3, "is not a pointer to memory"},
    {"a negated pointer compared with the packet",
     kPacket + "r5 = r2\nr5 ^= -1\n"
               "if r5 > r2 goto +0\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 4, "comparison of a negated packet pointer"},
    {"a negated pointer compared with 0",
     kPacket + "r5 = r2\nr5 ^= -1\n"
               "if r5 == 0 goto +0\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 4, "comparison of a negated packet pointer"},
    {"a negated pointer masked", kPacket + "r2 ^= -1\nr2 &= 255\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 3, "operation on a negated packet pointer"},
    {"a negated pointer, 32-bit addition", kPacket + "r2 ^= -1\nw2 += 1\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 3, "operation on a negated packet pointer"},
    {"two negated pointers added", kPacket + "r2 ^= -1\nr4 = r2\nr4 += r2\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 4, "operation on a negated packet pointer"},
    {"a negated pointer minus the packet", kPacket + "r5 = r2\nr5 ^= -1\nr5 -= r2\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 4, "operation on a negated packet pointer"},
    {"a negated pointer added to the stack",
     kPacket + "r2 ^= -1\nr4 = r10\nr4 += r2\nr0 = 2\n"
               "exit\n",
     progtype::ProgramType::xdp, 4, "operation on a negated packet pointer"},
    {"a negated pointer stored into a map value",
     kPacket + "r7 = r2\nr7 ^= -1\nr6 = 0\n*(u32 *)(r10 - 4) = r6\nr2 = r10\nr2 += -4\n"
               "r1 = map_by_idx(0) ll\ncall 1\nif r0 == 0 goto +1\n*(u64 *)(r0 + 0) = r7\n"
               "r0 = 2\nexit\n",
     progtype::ProgramType::xdp, 12, "pointers may only be spilled to the stack"},
    {"a negated pointer passed to a helper",
     kPacket + "r7 = r2\nr7 ^= -1\nr6 = 0\n*(u64 *)(r10 - 8) = r6\n*(u64 *)(r10 - 16) = r6\n"
               "*(u64 *)(r10 - 24) = r6\nr1 = map_by_idx(0) ll\nr2 = r10\nr2 += -8\nr3 = r10\n"
               "r3 += -24\nr4 = r7\ncall 2\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 15, "must be a number or a pointer"},
    {"a negated pointer after the packet moved",
     "r6 = r1\nr2 = *(u32 *)(r6 + 0)\nr7 = r2\nr7 ^= -1\nr1 = r6\nr2 = 0\ncall 44\n"
     "r3 = *(u32 *)(r6 + 4)\nr3 += r7\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 8, "read before it is initialised"},
    {"packet_size minus, the packet moved",
     "r6 = r1\nr2 = *(u32 *)(r6 + 0)\nr3 = *(u32 *)(r6 + 4)\nr7 = r2\nr7 ^= -1\nr7 += r3\n"
     "r1 = r6\nr2 = 0\ncall 44\nr2 = *(u32 *)(r6 + 0)\nif r7 < 8 goto out\n"
     "r0 = *(u8 *)(r2 + 4)\nout:\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 11, "not proven inside the packet"},
};

TEST(Verifier, PacketEndOffsetsAndNegatedPacketPointers) {
  expect_pass(kPacketDerivedSafe);
  expect_fail(kPacketDerivedUnsafe);
}

// --verbose: the join of a select is analysed once per arm, and the states say so.
TEST(Verifier, RecordedStatesNameTheArmOfASelect) {
  Options options;
  options.record_states = true;
  const Report report = run(kPacketDerivedSafe[0], options);
  ASSERT_TRUE(report.passed());
  const std::string& join = report.states.at(7);  // r7 -= r2
  EXPECT_NE(join.find("-- after the other arm of the select --"), std::string::npos) << join;
  EXPECT_EQ(join.find("another call context"), std::string::npos) << join;
  EXPECT_NE(join.find("r7 = packet_end"), std::string::npos) << join;
}

// --verbose when the checks run twice (narrowing left states that are not inductive: here the
// loop looks as if it ran once, so the analysis runs again without narrowing): the states of
// the second run only, no select and one context, so no label.
TEST(Verifier, RecordedStatesOfARepeatedCheckHaveNoLabels) {
  Options options;
  options.record_states = true;
  const Report report = run(Case{"a loop reading below what it initialised",
                                 "call 7\nr6 = 0\nr6 -= r0\nr1 = 0\n*(u64 *)(r10 - 8) = r1\nloop:\n"
                                 "r2 = r1\nr2 *= 8\nr3 = r10\nr3 += -8\nr3 += r2\n"
                                 "r0 = *(u64 *)(r3 + 0)\nr1 += -1\nif r1 s> r6 goto loop\nr0 = 0\n"
                                 "exit\n"},
                            options);
  ASSERT_FALSE(report.passed());
  EXPECT_NE(report.errors[0].message.find("not initialised"), std::string::npos)
      << report.errors[0].message;
  ASSERT_FALSE(report.states.empty());
  for (const auto& [slot, text] : report.states) {
    EXPECT_EQ(text.find("-- after the other arm"), std::string::npos) << "pc " << slot;
    EXPECT_EQ(text.find("-- another call context"), std::string::npos) << "pc " << slot;
  }
  EXPECT_EQ(report.states.at(0).rfind("r1 = ctx", 0), 0U) << report.states.at(0);
}

// A 32-bit copy of a pointer only starts a 32-bit pointer difference (clang's `(u32)(end -
// start)`); references to maps are only compared for equality.
const std::vector<Case> kTruncationSafe = {
    {"packet length as u32", kPacket + "w4 = w3\nw4 -= w2\nif w4 > 1500 goto out\nr0 = 1\nexit\n"
                                       "out:\nr0 = 2\nexit\n"},
    {"stack distance as u32", "r2 = r10\nr2 += -16\nw3 = w10\nw3 -= w2\nr0 = r3\nexit\n"},
    {"packet length as u32, scheduled apart",
     kPacket + "w4 = w3\nr5 = 0\n*(u32 *)(r10 - 4) = r5\nw4 -= w2\nr0 = r4\nr0 &= 1\nexit\n"},
    // Whatever reaches the subtraction: the low half on one path, the whole pointer on another.
    {"packet length as u32, joined with the whole pointer",
     kPacket + "r4 = r3\nif r3 > r2 goto sub\nw4 = w3\nsub:\nw4 -= w2\nr0 = r4\nr0 &= 1\nexit\n"},
    {"packet length as u32, an lddw between",
     kPacket + "w4 = w3\nr5 = 0x1234 ll\nw4 -= w2\nr0 = r4\nr0 &= 1\nexit\n"},
    {"a pointer's low half minus itself", "w2 = w10\nw2 -= w2\nr0 = r2\nexit\n"},
    {"two references to one map are equal",
     "r1 = map_by_idx(0) ll\nr2 = map_by_idx(0) ll\nr0 = 1\nif r1 == r2 goto out\nr0 = 2\n"
     "out:\nexit\n"},
};

const std::vector<Case> kTruncationUnsafe = {
    {"low half returned", "w0 = w1\nexit\n", progtype::ProgramType::xdp, 0,
     "32-bit copy of a pointer (r1 is ctx, offset 0)"},
    {"low half kept", "w2 = w10\nr0 = 0\nexit\n", progtype::ProgramType::xdp, 0,
     "may only start a 32-bit pointer difference, w2 = w10; w2 -= wN"},
    {"low half read before the difference", kPacket + "w4 = w3\nr5 = r4\nw4 -= w2\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 2, "32-bit copy of a pointer"},
    {"low half spilled before the difference",
     kPacket + "w4 = w3\n*(u64 *)(r10 - 8) = r4\nw4 -= w2\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 2, "32-bit copy of a pointer"},
    {"low half overwritten before the difference",
     kPacket + "w4 = w3\nr4 = 0\nw4 -= w2\nr0 = 2\nexit\n", progtype::ProgramType::xdp, 2,
     "32-bit copy of a pointer"},
    {"low half across a branch", kPacket + "w4 = w3\nif r2 > r3 goto +0\nw4 -= w2\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 2, "32-bit copy of a pointer"},
    {"low half in r1 across a call", kPacket + "w1 = w3\ncall 7\nw1 -= w2\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 2, "32-bit copy of a pointer"},
    {"low half minus a number", "r2 = 8\nw3 = w10\nw3 -= w2\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 2, "32-bit arithmetic on a pointer"},
    // The difference at a jump target: on the other path r4 is a number.
    {"difference joined with a number",
     kPacket + "r4 = 7\nif r3 > r2 goto sub\nw4 = w3\nsub:\nw4 -= w2\nr0 = 2\nexit\n",
     progtype::ProgramType::xdp, 5, "on some paths"},
    {"low half nine instructions before the difference",
     kPacket + "w4 = w3\nr5 = 1\nr5 = 1\nr5 = 1\nr5 = 1\nr5 = 1\nr5 = 1\nr5 = 1\nr5 = 1\nr5 = 1\n"
               "w4 -= w2\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 2, "32-bit copy of a pointer"},
    {"ordered comparison of two function references",
     "r1 = code_addr(f) ll\nr2 = code_addr(f) ll\nr0 = 0\nif r1 > r2 goto +1\nr0 = 1\nexit\n"
     "f:\nr0 = 0\nexit\n",
     progtype::ProgramType::xdp, 5, "may only be compared with == or !="},
    {"bits of two map references tested",
     "r1 = map_by_idx(0) ll\nr2 = map_by_idx(0) ll\nr0 = 1\nif r1 & r2 goto out\nr0 = 2\n"
     "out:\nexit\n",
     progtype::ProgramType::xdp, 5, "may only be compared with == or !="},
    {"ordered comparison of two map references",
     "r1 = map_by_idx(0) ll\nr2 = map_by_idx(0) ll\nr0 = 1\nif r1 < r2 goto out\nr0 = 2\n"
     "out:\nexit\n",
     progtype::ProgramType::xdp, 5, "may only be compared with == or !="},
};

TEST(Verifier, TruncatedPointersAndMapReferences) {
  expect_pass(kTruncationSafe);
  expect_fail(kTruncationUnsafe);
}

TEST(Verifier, BudgetExceededIsReported) {
  Case c{"budget", "r0 = 0\nr1 = 0\nloop:\nr0 += r1\nr1 += 1\nif r1 < 100 goto loop\nexit\n"};
  Options options;
  options.max_steps = 2;
  const Report report = run(c, options);
  ASSERT_FALSE(report.passed());
  EXPECT_NE(report.errors[0].message.find("analysis budget exceeded at pc"), std::string::npos);
}

}  // namespace
}  // namespace xbpf::verifier
