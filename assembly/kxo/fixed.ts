// see: sysprog21/kxo mcts.c fixed_sqrt, fixed_log, uct_score — u32 8.8 fixed point that wraps

// observed: kxo §8 — bits are tried only from x's own top bit, so small x comes out truncated
export function fixedSqrt(x: u32): u32 {
  if (x == 0 || x == 256) return x;
  let s: u32 = 0;
  for (let t: u32 = <u32>1 << (31 - clz<u32>(x)); t >= 1; t >>= 1) {
    const c = s + t;
    if ((c * c) >> 8 <= x) s = c;
  }
  return s;
}

// observed: kxo §8 — sign-magnitude result; num << 8 wraps once |v - 256| >= 2^24
export function fixedLog(v: u32): u32 {
  if (v == 0 || v == 256) return 0;
  let num = v - 256;
  const neg = (num & 0x80000000) != 0;
  if (neg) num = 0x80000000 - (num & 0x7fffffff);
  // deviation: kxo §8 — v + 256 == 0 would divide by zero (C leaves it undefined); y = 0 instead
  const d = v + 256;
  const y = d ? (num << 8) / d : 0;
  let ans: u32 = 0;
  for (let i: u32 = 1; i < 20; i += 2) {
    let z: u32 = 256;
    for (let j: u32 = 0; j < i; j++) z = (z * y) >> 8;
    ans += (z << 8) / (i << 8);
  }
  ans <<= 1;
  return neg ? ans | 0x80000000 : ans;
}

export const EXPLORATION_FACTOR: u32 = 362; // fixed_sqrt(1 << 9): √2 in 8.8

/** log(n_total << 8) depends only on the parent: select() computes it once per node, not per child. */
@inline export function uctWithLog(logTotal: u32, nVisits: i32, score: u32): u32 {
  if (nVisits == 0) return 0xffffffff;
  // observed: kxo §8 — `score << 8 / (n << 8)` shifts by 0: the raw score sum, not the mean
  return score + ((EXPLORATION_FACTOR * fixedSqrt(logTotal / <u32>nVisits)) >> 8);
}

export function uctScore(nTotal: i32, nVisits: i32, score: u32): u32 {
  return uctWithLog(fixedLog(<u32>(nTotal << 8)), nVisits, score);
}
