// Byte-exact tests of the JIT's x86-64 encoder: every instruction form it emits, with the
// bytes an independent assembler (llvm-mc -show-encoding, Intel syntax) gives for the same
// instruction. Registers cover the low eight, the REX-extended ones, and the special cases
// of ModRM (rsp/r12 need a SIB byte, rbp/r13 a displacement, sil/dil a REX prefix).
#include <gtest/gtest.h>

#include <climits>
#include <cstdio>
#include <functional>
#include <string>

#include "jit/x86_64/encoder.h"

namespace xbpf::jit::x86_64 {
namespace {

std::string hex(const std::vector<std::uint8_t>& bytes) {
  std::string text;
  char buf[4];
  for (std::uint8_t b : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    if (!text.empty()) text += ' ';
    text += buf;
  }
  return text;
}

struct Case {
  const char* bytes;
  const char* assembly;
  std::function<void(Encoder&)> emit;
};

// clang-format off
const Case kCases[] = {
    {"48 01 c8", "add rax, rcx", [](Encoder& e) { e.alu(Alu::add, Width::b64, Reg::rax, Reg::rcx); }},
    {"49 29 fd", "sub r13, rdi", [](Encoder& e) { e.alu(Alu::sub, Width::b64, Reg::r13, Reg::rdi); }},
    {"44 09 c6", "or esi, r8d", [](Encoder& e) { e.alu(Alu::or_, Width::b32, Reg::rsi, Reg::r8); }},
    {"45 21 f7", "and r15d, r14d", [](Encoder& e) { e.alu(Alu::and_, Width::b32, Reg::r15, Reg::r14); }},
    {"31 db", "xor ebx, ebx", [](Encoder& e) { e.alu(Alu::xor_, Width::b32, Reg::rbx, Reg::rbx); }},
    {"4c 39 dd", "cmp rbp, r11", [](Encoder& e) { e.alu(Alu::cmp, Width::b64, Reg::rbp, Reg::r11); }},
    {"48 83 c7 08", "add rdi, 8", [](Encoder& e) { e.alu(Alu::add, Width::b64, Reg::rdi, 8); }},
    {"48 81 ed 00 02 00 00", "sub rbp, 512", [](Encoder& e) { e.alu(Alu::sub, Width::b64, Reg::rbp, 512); }},
    {"41 83 e5 f0", "and r13d, -16", [](Encoder& e) { e.alu(Alu::and_, Width::b32, Reg::r13, -16); }},
    {"49 81 f2 78 56 34 12", "xor r10, 305419896", [](Encoder& e) { e.alu(Alu::xor_, Width::b64, Reg::r10, 0x12345678); }},
    {"81 f9 00 00 00 80", "cmp ecx, -2147483648", [](Encoder& e) { e.alu(Alu::cmp, Width::b32, Reg::rcx, INT32_MIN); }},
    {"49 83 c8 7f", "or r8, 127", [](Encoder& e) { e.alu(Alu::or_, Width::b64, Reg::r8, 127); }},
    {"48 83 c4 08", "add rsp, 8", [](Encoder& e) { e.alu(Alu::add, Width::b64, Reg::rsp, 8); }},
    {"f0 48 01 77 10", "lock add qword ptr [rdi + 16], rsi", [](Encoder& e) { e.alu(Alu::add, Width::b64, Mem{Reg::rdi, 16}, Reg::rsi, true); }},
    {"f0 44 09 75 f8", "lock or dword ptr [rbp - 8], r14d", [](Encoder& e) { e.alu(Alu::or_, Width::b32, Mem{Reg::rbp, -8}, Reg::r14, true); }},
    {"f0 49 31 45 00", "lock xor qword ptr [r13 + 0], rax", [](Encoder& e) { e.alu(Alu::xor_, Width::b64, Mem{Reg::r13, 0}, Reg::rax, true); }},
    {"f0 21 88 00 10 00 00", "lock and dword ptr [rax + 4096], ecx", [](Encoder& e) { e.alu(Alu::and_, Width::b32, Mem{Reg::rax, 4096}, Reg::rcx, true); }},
    {"48 01 75 c3", "add qword ptr [rbp - 61], rsi", [](Encoder& e) { e.alu(Alu::add, Width::b64, Mem{Reg::rbp, -61}, Reg::rsi, false); }},
    {"48 89 f8", "mov rax, rdi", [](Encoder& e) { e.mov(Width::b64, Reg::rax, Reg::rdi); }},
    {"45 89 e1", "mov r9d, r12d", [](Encoder& e) { e.mov(Width::b32, Reg::r9, Reg::r12); }},
    {"b9 01 00 00 00", "mov ecx, 1", [](Encoder& e) { e.mov_imm(Reg::rcx, 1); }},
    {"45 31 db", "xor r11d, r11d", [](Encoder& e) { e.mov_imm(Reg::r11, 0); }},
    {"48 c7 c2 ff ff ff ff", "mov rdx, -1", [](Encoder& e) { e.mov_imm(Reg::rdx, ~std::uint64_t{0}); }},
    {"48 bb f0 de bc 9a 78 56 34 12", "movabs rbx, 0x123456789abcdef0", [](Encoder& e) { e.mov_imm(Reg::rbx, 0x123456789abcdef0); }},
    {"41 b8 ff ff ff ff", "mov r8d, 4294967295", [](Encoder& e) { e.mov_imm32(Reg::r8, 0xffffffff); }},
    {"49 c7 c2 88 a9 cb ed", "mov r10, -305419896", [](Encoder& e) { e.mov_imm_sx(Reg::r10, -0x12345678); }},
    {"49 bf 01 00 00 00 00 00 00 00", "movabs r15, 1", [](Encoder& e) { e.mov_imm64(Reg::r15, 1); }},
    {"48 85 d6", "test rsi, rdx", [](Encoder& e) { e.test(Width::b64, Reg::rsi, Reg::rdx); }},
    {"45 85 c0", "test r8d, r8d", [](Encoder& e) { e.test(Width::b32, Reg::r8, Reg::r8); }},
    {"48 f7 c7 00 ff ff ff", "test rdi, -256", [](Encoder& e) { e.test(Width::b64, Reg::rdi, -256); }},
    {"41 f7 c5 01 00 00 00", "test r13d, 1", [](Encoder& e) { e.test(Width::b32, Reg::r13, 1); }},
    {"41 f6 c3 07", "test r11b, 7", [](Encoder& e) { e.test(Width::b8, Reg::r11, 7); }},
    {"f6 c3 03", "test bl, 3", [](Encoder& e) { e.test(Width::b8, Reg::rbx, 3); }},
    {"40 f6 c6 07", "test sil, 7", [](Encoder& e) { e.test(Width::b8, Reg::rsi, 7); }},
    {"41 80 bc 24 c8 00 00 00 00", "cmp byte ptr [r12 + 200], 0", [](Encoder& e) { e.cmp_byte(Mem{Reg::r12, 200}, 0); }},
    {"48 0f af c6", "imul rax, rsi", [](Encoder& e) { e.imul(Width::b64, Reg::rax, Reg::rsi); }},
    {"44 0f af f3", "imul r14d, ebx", [](Encoder& e) { e.imul(Width::b32, Reg::r14, Reg::rbx); }},
    {"48 6b ff 0a", "imul rdi, rdi, 10", [](Encoder& e) { e.imul(Width::b64, Reg::rdi, Reg::rdi, 10); }},
    {"45 69 ff a0 86 01 00", "imul r15d, r15d, 100000", [](Encoder& e) { e.imul(Width::b32, Reg::r15, Reg::r15, 100000); }},
    {"48 c1 e7 03", "shl rdi, 3", [](Encoder& e) { e.shift(Shift::shl, Width::b64, Reg::rdi, 3); }},
    {"41 c1 ed 1f", "shr r13d, 31", [](Encoder& e) { e.shift(Shift::shr, Width::b32, Reg::r13, 31); }},
    {"48 c1 f8 3f", "sar rax, 63", [](Encoder& e) { e.shift(Shift::sar, Width::b64, Reg::rax, 63); }},
    {"66 c1 ce 08", "ror si, 8", [](Encoder& e) { e.shift(Shift::ror, Width::b16, Reg::rsi, 8); }},
    {"49 d3 e0", "shl r8, cl", [](Encoder& e) { e.shift_cl(Shift::shl, Width::b64, Reg::r8); }},
    {"41 d3 fb", "sar r11d, cl", [](Encoder& e) { e.shift_cl(Shift::sar, Width::b32, Reg::r11); }},
    {"48 d3 e9", "shr rcx, cl", [](Encoder& e) { e.shift_cl(Shift::shr, Width::b64, Reg::rcx); }},
    {"c4 e2 f1 f7 c0", "shlx rax, rax, rcx", [](Encoder& e) { e.shiftx(Shift::shl, Width::b64, Reg::rax, Reg::rax, Reg::rcx); }},
    {"c4 42 c1 f7 ed", "shlx r13, r13, rdi", [](Encoder& e) { e.shiftx(Shift::shl, Width::b64, Reg::r13, Reg::r13, Reg::rdi); }},
    {"c4 e2 3b f7 f6", "shrx esi, esi, r8d", [](Encoder& e) { e.shiftx(Shift::shr, Width::b32, Reg::rsi, Reg::rsi, Reg::r8); }},
    {"c4 42 8a f7 ff", "sarx r15, r15, r14", [](Encoder& e) { e.shiftx(Shift::sar, Width::b64, Reg::r15, Reg::r15, Reg::r14); }},
    {"c4 e2 7a f7 db", "sarx ebx, ebx, eax", [](Encoder& e) { e.shiftx(Shift::sar, Width::b32, Reg::rbx, Reg::rbx, Reg::rax); }},
    {"c4 42 ab f7 db", "shrx r11, r11, r10", [](Encoder& e) { e.shiftx(Shift::shr, Width::b64, Reg::r11, Reg::r11, Reg::r10); }},
    {"48 f7 db", "neg rbx", [](Encoder& e) { e.neg(Width::b64, Reg::rbx); }},
    {"41 f7 d9", "neg r9d", [](Encoder& e) { e.neg(Width::b32, Reg::r9); }},
    {"49 f7 f3", "div r11", [](Encoder& e) { e.div(Width::b64, Reg::r11); }},
    {"41 f7 f3", "div r11d", [](Encoder& e) { e.div(Width::b32, Reg::r11); }},
    {"49 f7 fb", "idiv r11", [](Encoder& e) { e.idiv(Width::b64, Reg::r11); }},
    {"f7 f9", "idiv ecx", [](Encoder& e) { e.idiv(Width::b32, Reg::rcx); }},
    {"48 99", "cqo", [](Encoder& e) { e.cqo(); }},
    {"99", "cdq", [](Encoder& e) { e.cdq(); }},
    {"40 0f b6 f6", "movzx esi, sil", [](Encoder& e) { e.movzx(Width::b32, Reg::rsi, Width::b8, Reg::rsi); }},
    {"40 0f b6 c7", "movzx eax, dil", [](Encoder& e) { e.movzx(Width::b32, Reg::rax, Width::b8, Reg::rdi); }},
    {"0f b6 c0", "movzx eax, al", [](Encoder& e) { e.movzx(Width::b32, Reg::rax, Width::b8, Reg::rax); }},
    {"45 0f b7 ed", "movzx r13d, r13w", [](Encoder& e) { e.movzx(Width::b32, Reg::r13, Width::b16, Reg::r13); }},
    {"48 0f be c6", "movsx rax, sil", [](Encoder& e) { e.movsx(Width::b64, Reg::rax, Width::b8, Reg::rsi); }},
    {"40 0f be df", "movsx ebx, dil", [](Encoder& e) { e.movsx(Width::b32, Reg::rbx, Width::b8, Reg::rdi); }},
    {"0f be ca", "movsx ecx, dl", [](Encoder& e) { e.movsx(Width::b32, Reg::rcx, Width::b8, Reg::rdx); }},
    {"4d 0f bf f7", "movsx r14, r15w", [](Encoder& e) { e.movsx(Width::b64, Reg::r14, Width::b16, Reg::r15); }},
    {"0f bf d5", "movsx edx, bp", [](Encoder& e) { e.movsx(Width::b32, Reg::rdx, Width::b16, Reg::rbp); }},
    {"4d 63 db", "movsxd r11, r11d", [](Encoder& e) { e.movsx(Width::b64, Reg::r11, Width::b32, Reg::r11); }},
    {"48 63 fb", "movsxd rdi, ebx", [](Encoder& e) { e.movsx(Width::b64, Reg::rdi, Width::b32, Reg::rbx); }},
    {"0f c8", "bswap eax", [](Encoder& e) { e.bswap(Width::b32, Reg::rax); }},
    {"49 0f cf", "bswap r15", [](Encoder& e) { e.bswap(Width::b64, Reg::r15); }},
    {"41 0f c9", "bswap r9d", [](Encoder& e) { e.bswap(Width::b32, Reg::r9); }},
    {"0f b6 47 0c", "movzx eax, byte ptr [rdi + 12]", [](Encoder& e) { e.load(Width::b8, Reg::rax, Mem{Reg::rdi, 12}); }},
    {"44 0f b7 75 fe", "movzx r14d, word ptr [rbp - 2]", [](Encoder& e) { e.load(Width::b16, Reg::r14, Mem{Reg::rbp, -2}); }},
    {"41 8b 75 00", "mov esi, dword ptr [r13 + 0]", [](Encoder& e) { e.load(Width::b32, Reg::rsi, Mem{Reg::r13, 0}); }},
    {"48 8b 16", "mov rdx, qword ptr [rsi]", [](Encoder& e) { e.load(Width::b64, Reg::rdx, Mem{Reg::rsi, 0}); }},
    {"49 8b a4 24 40 10 00 00", "mov rsp, qword ptr [r12 + 4160]", [](Encoder& e) { e.load(Width::b64, Reg::rsp, Mem{Reg::r12, 4160}); }},
    {"48 8b 80 ff 7f 00 00", "mov rax, qword ptr [rax + 32767]", [](Encoder& e) { e.load(Width::b64, Reg::rax, Mem{Reg::rax, 32767}); }},
    {"48 8b 8b 00 80 ff ff", "mov rcx, qword ptr [rbx - 32768]", [](Encoder& e) { e.load(Width::b64, Reg::rcx, Mem{Reg::rbx, -32768}); }},
    {"49 0f be 58 01", "movsx rbx, byte ptr [r8 + 1]", [](Encoder& e) { e.load_sx(Width::b8, Reg::rbx, Mem{Reg::r8, 1}); }},
    {"4c 0f bf 7e 9c", "movsx r15, word ptr [rsi - 100]", [](Encoder& e) { e.load_sx(Width::b16, Reg::r15, Mem{Reg::rsi, -100}); }},
    {"48 63 7d fc", "movsxd rdi, dword ptr [rbp - 4]", [](Encoder& e) { e.load_sx(Width::b32, Reg::rdi, Mem{Reg::rbp, -4}); }},
    {"40 88 75 ff", "mov byte ptr [rbp - 1], sil", [](Encoder& e) { e.store(Width::b8, Mem{Reg::rbp, -1}, Reg::rsi); }},
    {"88 5f 02", "mov byte ptr [rdi + 2], bl", [](Encoder& e) { e.store(Width::b8, Mem{Reg::rdi, 2}, Reg::rbx); }},
    {"66 45 89 75 06", "mov word ptr [r13 + 6], r14w", [](Encoder& e) { e.store(Width::b16, Mem{Reg::r13, 6}, Reg::r14); }},
    {"89 90 80 00 00 00", "mov dword ptr [rax + 128], edx", [](Encoder& e) { e.store(Width::b32, Mem{Reg::rax, 128}, Reg::rdx); }},
    {"49 89 6c 24 10", "mov qword ptr [r12 + 16], rbp", [](Encoder& e) { e.store(Width::b64, Mem{Reg::r12, 16}, Reg::rbp); }},
    {"4c 89 64 24 28", "mov qword ptr [rsp + 40], r12", [](Encoder& e) { e.store(Width::b64, Mem{Reg::rsp, 40}, Reg::r12); }},
    {"41 c6 44 24 3c 00", "mov byte ptr [r12 + 60], 0", [](Encoder& e) { e.store_imm(Width::b8, Mem{Reg::r12, 60}, 0); }},
    {"66 c7 47 04 34 12", "mov word ptr [rdi + 4], 0x1234", [](Encoder& e) { e.store_imm(Width::b16, Mem{Reg::rdi, 4}, 0x1234); }},
    {"c7 45 f8 ff ff ff ff", "mov dword ptr [rbp - 8], -1", [](Encoder& e) { e.store_imm(Width::b32, Mem{Reg::rbp, -8}, -1); }},
    {"49 c7 87 00 01 00 00 ff ff ff 7f", "mov qword ptr [r15 + 256], 0x7fffffff", [](Encoder& e) { e.store_imm(Width::b64, Mem{Reg::r15, 256}, INT32_MAX); }},
    {"4d 8d 9c 24 40 04 00 00", "lea r11, [r12 + 1088]", [](Encoder& e) { e.lea(Reg::r11, Mem{Reg::r12, 1088}); }},
    {"4c 8d 4d f0", "lea r9, [rbp - 16]", [](Encoder& e) { e.lea(Reg::r9, Mem{Reg::rbp, -16}); }},
    {"48 8d 14 0f", "lea rdx, [rdi + rcx]", [](Encoder& e) { e.lea(Reg::rdx, Reg::rdi, Reg::rcx); }},
    {"4e 8d 6c 35 00", "lea r13, [rbp + r14]", [](Encoder& e) { e.lea(Reg::r13, Reg::rbp, Reg::r14); }},
    {"4d 8d 5c 05 00", "lea r11, [r13 + rax]", [](Encoder& e) { e.lea(Reg::r11, Reg::r13, Reg::rax); }},
    {"4b 8d 04 3c", "lea rax, [r12 + r15]", [](Encoder& e) { e.lea(Reg::rax, Reg::r12, Reg::r15); }},
    {"48 8d 1c 34", "lea rbx, [rsp + rsi]", [](Encoder& e) { e.lea(Reg::rbx, Reg::rsi, Reg::rsp); }},
    {"f0 48 0f c1 77 08", "lock xadd qword ptr [rdi + 8], rsi", [](Encoder& e) { e.lock_xadd(Width::b64, Mem{Reg::rdi, 8}, Reg::rsi); }},
    {"f0 41 0f c1 45 fc", "lock xadd dword ptr [r13 - 4], eax", [](Encoder& e) { e.lock_xadd(Width::b32, Mem{Reg::r13, -4}, Reg::rax); }},
    {"f0 4d 0f b1 19", "lock cmpxchg qword ptr [r9], r11", [](Encoder& e) { e.lock_cmpxchg(Width::b64, Mem{Reg::r9, 0}, Reg::r11); }},
    {"f0 0f b1 5e 0c", "lock cmpxchg dword ptr [rsi + 12], ebx", [](Encoder& e) { e.lock_cmpxchg(Width::b32, Mem{Reg::rsi, 12}, Reg::rbx); }},
    {"48 0f c1 77 08", "xadd qword ptr [rdi + 8], rsi", [](Encoder& e) { e.xadd(Width::b64, Mem{Reg::rdi, 8}, Reg::rsi); }},
    {"41 0f c1 45 fc", "xadd dword ptr [r13 - 4], eax", [](Encoder& e) { e.xadd(Width::b32, Mem{Reg::r13, -4}, Reg::rax); }},
    {"4d 0f b1 19", "cmpxchg qword ptr [r9], r11", [](Encoder& e) { e.cmpxchg(Width::b64, Mem{Reg::r9, 0}, Reg::r11); }},
    {"0f b1 5e 0c", "cmpxchg dword ptr [rsi + 12], ebx", [](Encoder& e) { e.cmpxchg(Width::b32, Mem{Reg::rsi, 12}, Reg::rbx); }},
    {"4c 87 45 e8", "xchg qword ptr [rbp - 24], r8", [](Encoder& e) { e.xchg(Width::b64, Mem{Reg::rbp, -24}, Reg::r8); }},
    {"87 08", "xchg dword ptr [rax], ecx", [](Encoder& e) { e.xchg(Width::b32, Mem{Reg::rax, 0}, Reg::rcx); }},
    {"53", "push rbx", [](Encoder& e) { e.push(Reg::rbx); }},
    {"41 55", "push r13", [](Encoder& e) { e.push(Reg::r13); }},
    {"5d", "pop rbp", [](Encoder& e) { e.pop(Reg::rbp); }},
    {"41 5f", "pop r15", [](Encoder& e) { e.pop(Reg::r15); }},
    {"ff d0", "call rax", [](Encoder& e) { e.call(Reg::rax); }},
    {"41 ff d3", "call r11", [](Encoder& e) { e.call(Reg::r11); }},
    {"41 ff e3", "jmp r11", [](Encoder& e) { e.jmp(Reg::r11); }},
    {"ff e1", "jmp rcx", [](Encoder& e) { e.jmp(Reg::rcx); }},
    {"c3", "ret", [](Encoder& e) { e.ret(); }},
    {"cc", "int3", [](Encoder& e) { e.int3(); }},
};
// clang-format on

TEST(JitEncoder, EveryFormMatchesTheReferenceAssembler) {
  for (const Case& c : kCases) {
    Encoder e;
    c.emit(e);
    EXPECT_EQ(hex(e.bytes()), c.bytes) << c.assembly;
  }
}

TEST(JitEncoder, RelativeBranchesAndPatching) {
  Encoder e;
  EXPECT_EQ(e.call_rel32(16), 1U);
  EXPECT_EQ(e.jmp_rel32(-5), 6U);
  EXPECT_EQ(e.jcc_rel32(Cond::b, 256), 12U);
  const std::size_t at = e.jcc_rel32(Cond::g);
  e.patch32(at, -0x12345678);
  EXPECT_EQ(hex(e.bytes()), "e8 10 00 00 00 e9 fb ff ff ff 0f 82 00 01 00 00 0f 8f 88 a9 cb ed");
}

TEST(JitEncoder, ConditionCodesFollowTheJccTable) {
  const std::pair<Cond, std::uint8_t> table[] = {
      {Cond::o, 0x80},  {Cond::b, 0x82},  {Cond::ae, 0x83}, {Cond::e, 0x84},
      {Cond::ne, 0x85}, {Cond::be, 0x86}, {Cond::a, 0x87},  {Cond::l, 0x8c},
      {Cond::ge, 0x8d}, {Cond::le, 0x8e}, {Cond::g, 0x8f}};
  for (const auto& [cond, opcode] : table) {
    Encoder e;
    e.jcc_rel32(cond);
    ASSERT_EQ(e.size(), 6U);
    EXPECT_EQ(e.bytes()[0], 0x0f);
    EXPECT_EQ(e.bytes()[1], opcode);
  }
}

}  // namespace
}  // namespace xbpf::jit::x86_64
