# Generated from kernels.c (CHECKSUM) by clang -O2 -target bpf -mcpu=v3, then
# xbpf disasm --no-addresses. See bench/README.md.
entry:
	r5 = 11400714819323198485 ll
	r2 = 0
	r4 = 0
LBB0_1:
	r6 = r2
	r3 = r1
	r3 += r6
	r7 = *(u8 *)(r3 + 1)
	r0 = *(u8 *)(r3 + 0)
	r0 <<= 8
	r0 |= r7
	r3 = r5
	r3 >>= 59
	r5 <<= 5
	r5 |= r3
	r3 = r0
	r3 ^= r5
	r0 += r4
	r2 += 2
	r4 = r0
	r5 = r3
	if r6 < 1022 goto -18
	if r0 < 65536 goto +5
LBB0_3:
	r1 = r0
	r1 >>= 16
	r0 &= 65535
	r0 += r1
	if r0 > 65535 goto -5
LBB0_4:
	r3 <<= 16
	r0 |= r3
	r0 ^= 65535
	exit
