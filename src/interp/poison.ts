// Poison mode: what the kernel leaves undefined (r2..r9 and the stack at entry, r1..r5 after a
// helper call) filled with pseudo-random garbage from a seed, so that a program that depends on
// such values behaves differently from one that does not; a zeroed machine would hide it.
import { STACK_SIZE } from './layout.ts';
import type { Machine } from './machine.ts';

/** The entry garbage of one seed: r2..r9 (lo, hi at 2r, 2r+1), the entry stack frame, and the generator's state after them. */
export type PoisonImage = { readonly regs: Int32Array; readonly stack: Uint8Array; readonly after: number };

/** One xorshift32 step (never 0, so the generator cannot stick). */
export function nextPoison(s: number): number {
  s ^= s << 13;
  s ^= s >>> 17;
  s ^= s << 5;
  return s || 1;
}

// The same garbage for the same seed, computed once: the search runs each test many times.
// Images are only read, so machines can share them.
const cache = new Map<number, PoisonImage>();

/** The image of `seed` (non-zero): the generator started at `seed`, r2..r9 first, then the stack in 4-byte words. */
export function poisonImage(seed: number): PoisonImage {
  let img = cache.get(seed);
  if (!img) {
    let s = seed;
    const regs = new Int32Array(20); // r0..r9, two halves each (r0, r1 unused)
    for (let r = 2; r <= 9; r++) {
      regs[2 * r] = s = nextPoison(s);
      regs[2 * r + 1] = s = nextPoison(s);
    }
    const stack = new Uint8Array(STACK_SIZE);
    const sv = new DataView(stack.buffer);
    for (let i = 0; i < STACK_SIZE; i += 4) sv.setInt32(i, (s = nextPoison(s)), true);
    if (cache.size >= 256) cache.clear();
    img = { regs, stack, after: s };
    cache.set(seed, img);
  }
  return img;
}

/** r1..r5 after a helper call, in poison mode: garbage, continuing the machine's generator. */
export function scramble(m: Machine): void {
  const RL = m.RL, RH = m.RH;
  let s = m.poisonSeed;
  for (let r = 1; r <= 5; r++) {
    RL[r] = s = nextPoison(s);
    RH[r] = s = nextPoison(s);
  }
  m.poisonSeed = s;
}
