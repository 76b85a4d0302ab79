# Generated from kernels.c (TOKENIZER) by clang -O2 -target bpf -mcpu=v3, then
# xbpf disasm --no-addresses. See bench/README.md.
entry:
	w7 = 0
	r5 = 0
	r2 = 0
	*(u64 *)(r10 - 8) = r2
	r6 = 0
	r3 = 0
	r0 = 0
	r4 = 0
LBB0_1:
	w8 = w7
	r7 = r1
	r7 += r5
	r9 = *(u8 *)(r7 + 0)
	if w9 != 10 goto +5
	w7 = 0
	r0 += 1
LBB0_17:
	r5 += 1
	if r5 == 1024 goto +38
	goto -10
LBB0_3:
	w7 = 0
	if w9 == 32 goto -5
	if w9 == 9 goto -6
	w2 = w9
	w2 += -48
	w2 &= 255
	if w2 > 9 goto +11
	w7 = 1
	if w8 != 2 goto +1
	w7 = 0
LBB0_8:
	r6 *= 10
	if w8 == 2 goto +1
	r6 = 0
LBB0_10:
	w9 += -48
	r6 += r9
	r4 += r7
	w7 = 2
	goto -21
LBB0_11:
	w2 = w9
	w2 |= 32
	w2 += -97
	if w2 > 25 goto +6
	w7 = 1
	if w8 == 1 goto -27
	r2 = *(u64 *)(r10 - 8)
	r2 += 1
	*(u64 *)(r10 - 8) = r2
	goto -31
LBB0_14:
	w2 = w9
	w2 <<= 24
	w2 s>>= 24
	if w2 s< 0 goto +2
	r3 += 1
	goto -37
LBB0_16:
	r6 ^= r9
	w7 = w8
	goto -40
LBB0_18:
	r3 <<= 48
	r3 ^= r6
	r4 <<= 16
	r0 <<= 32
	r0 |= r4
	r0 |= r3
	r1 = *(u64 *)(r10 - 8)
	r0 |= r1
	exit
