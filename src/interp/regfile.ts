// One register file, one code area and one region table shared by every machine of this process: each machine
// owns a window of each.
//
// Why: the loop (vm.ts) indexes module-level constant Int32Arrays. TurboFan folds a constant
// off-heap typed array's data pointer and length into the code, so an access is one bounds
// compare and one load. Through per-machine arrays (m.RL, m.dec.code) every case re-checked
// the array's map and reloaded its length and data pointers (TurboFan has no loop-invariant
// motion across the switch): measured in one process, the ALU loop ran ~20% slower per
// instruction that way. The machine keeps m.RL / m.RH / m.dec.code as views of its windows, so
// every other reader and writer (setup, helpers, patch, trace, the compiled tier, window
// states) is unchanged.
//
// Windows are power-of-two blocks carved from the arena with a free list per size (a larger
// free block is split; freed blocks are not merged); a garbage-collected machine gives its
// windows back (FinalizationRegistry). When an arena is exhausted a machine gets private arrays
// instead and runs through the swap window (the arena's first block): its registers and code
// are copied in before a run and out after it, slower but the same results.

/** A window: its base in the arena (-1: a private array, run through the swap window) and size. */
export interface RegWindow {
  base: number;
  size: number;
}

/** Power-of-two windows of one arena, [swap, slots) (the swap window is [0, swap)). */
export class WindowPool {
  private readonly free: number[][] = [];
  private bump: number;

  constructor(readonly arenas: readonly Int32Array[], readonly swap: number, private readonly minLog: number) {
    this.bump = swap;
  }

  private log2Ceil(n: number): number {
    return Math.max(this.minLog, 32 - Math.clz32(Math.max(1, n) - 1));
  }

  /** A free block of size 2^k, or -1. */
  private take(k: number): number {
    const list = this.free[k];
    return list !== undefined && list.length !== 0 ? list.pop()! : -1;
  }

  /** A window of at least `slots` slots, zeroed: {base, size}, or base -1 when the arena has no room. */
  alloc(slots: number): RegWindow {
    const k = this.log2Ceil(slots), size = 1 << k, swap = this.swap;
    if (size > swap) throw new RangeError(`program needs ${slots} interpreter slots, more than the ${swap} a machine may have`);
    let base = this.take(k);
    if (base < 0 && this.bump + size <= this.arenas[0].length) {
      base = this.bump;
      this.bump += size;
    }
    // a larger free block split in halves (no merging: a freed block returns to its own size)
    for (let j = k + 1; base < 0 && 1 << j <= swap; j++) {
      const big = this.take(j);
      if (big < 0) continue;
      for (let h = j - 1; h >= k; h--) (this.free[h] ??= []).push(big + (1 << h));
      base = big;
    }
    if (base < 0) return { base: -1, size };
    for (const a of this.arenas) a.fill(0, base, base + size);
    return { base, size };
  }

  /** Give a window back (no-op for base -1). */
  release(w: RegWindow): void {
    if (w.base < 0) return;
    (this.free[this.log2Ceil(w.size)] ??= []).push(w.base);
    w.base = -1;
  }

  /** Views of the first `len` slots of window w in each arena, or private arrays when it has no base. */
  views(w: RegWindow, len = w.size): Int32Array[] {
    if (w.base < 0) return this.arenas.map(() => new Int32Array(len));
    return this.arenas.map((a) => a.subarray(w.base, w.base + len));
  }
}

/** The most instruction slots a program may have: the kernel's BPF_COMPLEXITY_LIMIT_INSNS. */
export const MAX_PROGRAM_SLOTS = 1_000_000;
// The arenas are sized so that the largest program the kernel loads fits a swap window, with
// room for its tail-call targets (code) and a patched immediate per slot (registers). The
// memory is virtual until a window is used: zeroed pages are not resident before they are
// touched, and a window is zeroed only when it is handed out.
/** Register slots per half: 32 MiB for both halves. */
export const REGFILE_SLOTS = 1 << 22;
/** Register swap window: also the most register slots one machine may have. */
export const SWAP_SLOTS = 1 << 21;
/** Code words (4 per instruction slot): 64 MiB. */
export const CODE_WORDS = 1 << 24;
/** Code swap window: also the most code words one machine may have (2 Mi slots). */
export const CODE_SWAP = 1 << 23;

export const REG_LO = new Int32Array(REGFILE_SLOTS);
export const REG_HI = new Int32Array(REGFILE_SLOTS);
export const CODE = new Int32Array(CODE_WORDS);

/** The region table (base, lo, hi, read-fast, write-fast per region; see Machine), 1 MiB each. */
export const REGION_SLOTS = 1 << 18;
/** Region swap window: also the most regions one machine may have (frames, ctx, packet, maps). */
export const REGION_SWAP = 1 << 8;
export const RG_BASE = new Int32Array(REGION_SLOTS);
export const RG_LO = new Int32Array(REGION_SLOTS);
export const RG_HI = new Int32Array(REGION_SLOTS);
export const RG_RD = new Int32Array(REGION_SLOTS);
export const RG_WR = new Int32Array(REGION_SLOTS);

export const REGIONS = new WindowPool([RG_BASE, RG_LO, RG_HI, RG_RD, RG_WR], REGION_SWAP, 4);
export const REGS = new WindowPool([REG_LO, REG_HI], SWAP_SLOTS, 5);
export const CODES = new WindowPool([CODE], CODE_SWAP, 7);

/** Register windows (kept for callers of the first version of this module). */
export const allocWindow = (slots: number): RegWindow => REGS.alloc(slots);
export const freeWindow = (w: RegWindow): void => REGS.release(w);

// A collected machine returns its windows. The held value is the machine's window object,
// which the machine updates in place when it moves to a larger window.
const reclaim = new FinalizationRegistry<{ pool: WindowPool; w: RegWindow }>(({ pool, w }) => pool.release(w));

/** Return `w` to `pool` once `owner` is collected. */
export function reclaimWith(owner: object, pool: WindowPool, w: RegWindow): void {
  reclaim.register(owner, { pool, w });
}
