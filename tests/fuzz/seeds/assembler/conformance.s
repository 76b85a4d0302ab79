mov32 %r0, 0
lddw %r1, 0x123456789abcdef0
stxdw [%r10-8], %r1
lock fetch add [%r10-8], %r0
ldxb %r2, [%r10-8]
jsgt32 %r2, -5, skip
call local f
skip:
be16 %r0
ja32 +0
exit
f:
movsx1632 %r0, %r2
sdiv %r0, 3
exit
