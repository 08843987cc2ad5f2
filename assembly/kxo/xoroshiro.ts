// see: sysprog21/kxo xoroshiro.c — update 24/16/37, output rotl(s0 + s1, 24) + s0 (kxo §9)
export let s0: u64 = 314159265;
export let s1: u64 = 1618033989;

export function xoroSeed(a: u64, b: u64): void {
  s0 = a;
  s1 = b;
}

export function xoroNext(): u64 {
  const a = s0;
  let b = s1;
  const result = rotl<u64>(a + b, 24) + a;
  b ^= a;
  s0 = rotl<u64>(a, 24) ^ b ^ (b << 16);
  s1 = rotl<u64>(b, 37);
  return result;
}

// the xoroshiro128+ 2^64 jump polynomial, LSB first; the state is XOR-accumulated per set bit
export function xoroJump(): void {
  let a: u64 = 0;
  let b: u64 = 0;
  for (let w = 0; w < 2; w++) {
    const j: u64 = w == 0 ? 0xdf900294d8f554a5 : 0x170865df4b3201fc;
    for (let bit: u64 = 0; bit < 64; bit++) {
      if (j & (<u64>1 << bit)) {
        a ^= s0;
        b ^= s1;
      }
      xoroNext();
    }
  }
  s0 = a;
  s1 = b;
}
