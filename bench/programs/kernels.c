/* Source of the interpreter benchmark programs (checksum.s, sieve.s, tokenizer.s).
 * Regenerate: see bench/README.md. Each is `u64 entry(u8 *mem, u64 len)` over a 1 KiB input,
 * the raw-program convention of `xbpf prog run` and the conformance suite. */
typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

#ifdef CHECKSUM
/* Internet checksum and a rotate-xor digest over 1 KiB. */
u64 entry(const u8 *p, u64 len) {
  u64 sum = 0, digest = 0x9e3779b97f4a7c15ULL;
  for (u32 i = 0; i + 1 < 1024; i += 2) {
    u32 word = ((u32)p[i] << 8) | p[i + 1];
    sum += word;
    digest = ((digest << 5) | (digest >> 59)) ^ word;
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (digest << 16) ^ (~sum & 0xffff);
}
#endif

#ifdef SIEVE
/* Sieve of Eratosthenes below 3584 in a 448-byte stack bitmap, then a prime-indexed digest
 * of the input. */
u64 entry(const u8 *p, u64 len) {
  u64 bits[56];
  for (u32 i = 0; i < 56; i++) bits[i] = 0;
  for (u32 q = 2; q < 60; q++) {
    if ((bits[q >> 6] >> (q & 63)) & 1) continue;
    for (u32 j = q * q; j < 3584; j += q) bits[j >> 6] |= 1ULL << (j & 63);
  }
  u64 count = 0, acc = 0;
  for (u32 n = 2; n < 3584; n++) {
    if ((bits[n >> 6] >> (n & 63)) & 1) continue;
    count++;
    acc = acc * 31 + (n ^ p[n & 1023]);
  }
  return (count << 40) ^ acc;
}
#endif

#ifdef TOKENIZER
/* A branchy tokenizer: classifies 1 KiB of bytes and counts words, numbers and lines. */
u64 entry(const u8 *p, u64 len) {
  u64 words = 0, numbers = 0, lines = 0, punct = 0, value = 0;
  u32 state = 0; /* 0 between tokens, 1 in a word, 2 in a number */
  for (u32 i = 0; i < 1024; i++) {
    u8 c = p[i];
    if (c == '\n') {
      lines++;
      state = 0;
    } else if (c == ' ' || c == '\t') {
      state = 0;
    } else if (c >= '0' && c <= '9') {
      if (state != 2) { numbers++; state = 2; value = 0; }
      value = value * 10 + (c - '0');
    } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
      if (state != 1) { words++; state = 1; }
    } else if (c < 128) {
      punct++;
      state = 0;
    } else {
      value ^= c;
    }
  }
  return words | (numbers << 16) | (lines << 32) | (punct << 48) ^ value;
}
#endif
