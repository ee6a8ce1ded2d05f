// One register file shared by every machine of this process: each machine owns a window of it.
//
// Why: the loop (vm.ts) indexes two module-level constant Int32Arrays. TurboFan folds a
// constant off-heap typed array's data pointer and length into the code, so a register access
// is one bounds compare and one load. Through per-machine arrays (m.RL) every case re-checked
// the array's map and reloaded its length and data pointers (TurboFan has no loop-invariant
// motion across the switch): measured in one process, the ALU loop ran ~25% slower per
// instruction that way. The machine keeps m.RL / m.RH as views of its window, so every other
// reader and writer (setup, helpers, trace, the compiled tier, window states) is unchanged.
//
// Windows are power-of-two blocks carved from the arena with a free list per size; a machine
// that is garbage-collected gives its window back (FinalizationRegistry). When the arena is
// exhausted a machine gets private arrays instead and runs through the swap window (the
// arena's first block): its registers are copied in before a run and out after it, slower but
// the same results.

/** Register slots in the shared arena (per half): 8 MiB for both halves. */
export const REGFILE_SLOTS = 1 << 20;
/** The swap window [0, SWAP_SLOTS): for machines without a window of their own. */
export const SWAP_SLOTS = 1 << 17;
/** The smallest window (slots): r0-r10 and the first constants. */
const MIN_LOG = 5;

export const REG_LO = new Int32Array(REGFILE_SLOTS);
export const REG_HI = new Int32Array(REGFILE_SLOTS);

/** A machine's window: its base in the arena (-1: private arrays, runs through the swap window) and size. */
export interface RegWindow {
  base: number;
  size: number;
}

const free: number[][] = [];
let bump = SWAP_SLOTS;

const log2Ceil = (n: number): number => Math.max(MIN_LOG, 32 - Math.clz32(Math.max(1, n) - 1));

/** A free block of size 2^k, or -1. */
function take(k: number): number {
  const list = free[k];
  return list !== undefined && list.length !== 0 ? list.pop()! : -1;
}

/** A window of at least `slots` slots, zeroed: {base, size}, or base -1 when the arena has no room. */
export function allocWindow(slots: number): RegWindow {
  const k = log2Ceil(slots), size = 1 << k;
  if (size > SWAP_SLOTS) throw new RangeError(`program needs ${slots} register slots, more than the interpreter's ${SWAP_SLOTS}`);
  let base = take(k);
  if (base < 0 && bump + size <= REGFILE_SLOTS) {
    base = bump;
    bump += size;
  }
  // a larger free block split in halves (no coalescing: a freed block returns to its own size)
  for (let j = k + 1; base < 0 && (1 << j) <= SWAP_SLOTS; j++) {
    const big = take(j);
    if (big < 0) continue;
    for (let h = j - 1; h >= k; h--) (free[h] ??= []).push(big + (1 << h));
    base = big;
  }
  if (base < 0) return { base: -1, size };
  REG_LO.fill(0, base, base + size);
  REG_HI.fill(0, base, base + size);
  return { base, size };
}

/** Give a window back (no-op for base -1). */
export function freeWindow(w: RegWindow): void {
  if (w.base < 0) return;
  (free[log2Ceil(w.size)] ??= []).push(w.base);
  w.base = -1;
}

/** The (lo, hi) views of window w, or private arrays of its size when it has no base. */
export function windowViews(w: RegWindow): [Int32Array, Int32Array] {
  if (w.base < 0) return [new Int32Array(w.size), new Int32Array(w.size)];
  return [REG_LO.subarray(w.base, w.base + w.size), REG_HI.subarray(w.base, w.base + w.size)];
}

// A collected machine returns its window. The held value is the machine's RegWindow object,
// which the machine updates in place when it moves to a larger window.
const reclaim = new FinalizationRegistry<RegWindow>((w) => freeWindow(w));

/** Return `w` to the arena once `owner` is collected. */
export function reclaimWith(owner: object, w: RegWindow): void {
  reclaim.register(owner, w);
}
