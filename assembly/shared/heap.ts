// Every engine's state lives in one block above __heap_base, reserved once (stub runtime: no GC,
// no allocation after init). The engines' layout.ts files place their regions inside it.

/** Grows memory to hold `total` bytes above the 16-byte-aligned heap base; @returns that base */
export function reserve(total: usize, engine: string): usize {
  const base = (__heap_base + 15) & ~15;
  const need = <i32>(((base + total + 0xffff) >> 16) - <usize>memory.size());
  if (need > 0) assert(memory.grow(need) >= 0, engine);
  return base;
}
