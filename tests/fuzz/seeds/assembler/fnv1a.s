# FNV-1a, 64-bit, over the input bytes: r1 = the data, r2 = its length (the raw-program
# convention of `xbpf prog run`). Returns the hash.
#
#   xbpf asm examples/fnv1a.s -o fnv1a.bin
#   xbpf prog run fnv1a.bin data_in README.md

        r0 = -3750763034362895579 ll    # the offset basis 0xcbf29ce484222325
        r3 = 1099511628211 ll           # the FNV prime 0x100000001b3
        if r2 == 0 goto done
        r2 += r1                        # r2 = end of the data
loop:
        r4 = *(u8 *)(r1 + 0)
        r0 ^= r4
        r0 *= r3
        r1 += 1
        if r1 < r2 goto loop
done:
        exit
