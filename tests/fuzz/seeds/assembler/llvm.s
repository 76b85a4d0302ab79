r1 = map_val(map_by_idx(2)) + 8 ll
w0 = atomic_fetch_xor((u32 *)(r10 - 8), w0)
r0 = cmpxchg_64(r10 - 16, r0, r1)
if w1 s<= -3 goto +1
r0 = *(u16 *)skb[r1 + 4]
r2 = code_addr(pc+2) ll
callx r2
gotol -1
