// The program's shape as the stack-liveness fixpoint (stack-liveness.ts) walks it: each slot's
// successors as the kernel's bpf_insn_successors lists them, each function's postorder
// (compute_postorder), the reverse order of the functions whose edges all lead forward, and the
// predecessor tables a fixpoint that revisits only some slots follows. Built once per program and
// shared by every copy of its liveness; `sameShape` says whether one program's liveness serves
// another's.
import type { Op } from '../isa/op.ts';
import { SK_LDABS, SK_NONE, type SlotTable } from '../isa/flow.ts';

/** What the analysis needs of the program: decoded slots and function starts. */
export interface LivenessCfg {
  readonly ops: readonly (Op | null)[];
  readonly subprogs: readonly number[];
  readonly funcOf: Int32Array;
  /** Prune points (the kernel logs mask changes at these, at function starts and at accesses). */
  readonly prune?: Uint8Array;
  /** Each slot's kind and successors (buildCfg's table, in step with `ops`). */
  readonly slots: SlotTable;
}

/**
 * Slot pc's successors as bpf_insn_successors lists them (fall-through first, then the jump
 * target), the first as the result and the second in `second[0]` (-1: none); an lddw half
 * falls through.
 */
function successorsOf(t: SlotTable, pc: number, second: Int32Array): number {
  if (t.kind[pc] === SK_NONE) {
    second[0] = -1;
    return pc + 1;
  }
  const a = t.next[pc], b = t.jump[pc];
  if (a >= 0) {
    second[0] = b >= 0 ? b : -1;
    return a;
  }
  second[0] = -1;
  return b >= 0 ? b : -1;
}

/**
 * A second successor that guarantees no write and reads nothing: what LD_ABS/LD_IND behave as
 * in 6.18 (measured: slots written after one are not "must written" before it, while reads after
 * it stay live — the instruction may end the program).
 */
export const EXIT_EDGE = -2;

/** The program's shape as the fixpoint walks it: every slot's successors (-1: none) and the walk's order. */
export interface Shape {
  readonly s1: Int32Array;
  readonly s2: Int32Array;
  readonly subprogs: readonly number[];
  /** Each function's postorder (the kernel's walk, made when first needed). */
  postorder?: Map<number, Int32Array>;
  /**
   * For each function whose edges all lead to later slots: its instructions from its last to its
   * first. Like the postorder, this lists every slot after its successors, so one round of the
   * fixpoint already gives each slot its final masks (they depend only on the successors' and
   * the slot's own marks), whichever of the two orders walks them: a second round would change
   * nothing. (Every instruction of a function is reached from its start, so both orders list the
   * same slots.)
   */
  readonly down: Map<number, Int32Array>;
  /** What spread walks (made at its first use). */
  spread?: Spread;
  /** Fixpoints run over this shape (with the log off and the write accumulators kept), by every copy. */
  fixpoints: number;
  /**
   * For a forward function's slots: the lowest of the slot and the slots whose successor it is
   * (the walk of the slots below the changed ones ends below it), made at its first use.
   */
  minPred?: Int32Array;
}

/**
 * The kernel's walk as spread follows it: each slot's position in its function's postorder (-1:
 * not in it), and the positions of the slots whose successor it is there, as lists (CSR: slot
 * pc's are preds[predStart[pc] .. predStart[pc + 1])); two bit sets of positions, this round's
 * and the next one's (clear between fixpoints).
 */
export interface Spread {
  readonly pos: Int32Array;
  readonly predStart: Int32Array;
  readonly preds: Int32Array;
  now: Uint32Array;
  next: Uint32Array;
}

export function shapeOf(cfg: LivenessCfg): Shape {
  const { s1, s2 } = successorPairs(cfg.slots);
  const kind = cfg.slots.kind, n = kind.length;
  for (let pc = 0; pc < n; pc++) if (kind[pc] === SK_LDABS) s2[pc] = EXIT_EDGE;
  const down = new Map<number, Int32Array>();
  const all = new Int32Array(n);
  let len = 0;
  for (let k = 0; k < cfg.subprogs.length; k++) {
    const lo = cfg.subprogs[k], hi = cfg.subprogs[k + 1] ?? n;
    let forward = true;
    for (let pc = lo; pc < hi && forward; pc++) if ((s1[pc] >= 0 && s1[pc] <= pc) || (s2[pc] >= 0 && s2[pc] <= pc)) forward = false;
    if (!forward) continue;
    // an lddw's second half is no instruction (the postorder never reaches it)
    const from = len;
    for (let pc = hi - 1; pc >= lo; pc--) if (kind[pc] !== SK_NONE) all[len++] = pc;
    down.set(lo, all.subarray(from, len));
  }
  return { s1, s2, subprogs: cfg.subprogs, down, fixpoints: 0 };
}

/** Shape.minPred for the forward functions of `shape` (every other slot: itself). */
export function minPredOf(shape: Shape): Int32Array {
  const { s1, s2 } = shape, n = s1.length;
  const out = new Int32Array(n);
  for (let pc = 0; pc < n; pc++) out[pc] = pc;
  for (const order of shape.down.values()) {
    for (const pc of order) {
      if (s1[pc] < 0) continue;
      if (pc < out[s1[pc]]) out[s1[pc]] = pc;
      if (s2[pc] >= 0 && pc < out[s2[pc]]) out[s2[pc]] = pc;
    }
  }
  return out;
}

/** spread's tables for `shape`: every function's postorder positions and the predecessors within it. */
export function spreadOf(shape: Shape): Spread {
  const { s1, s2, subprogs } = shape, n = s1.length;
  const pos = new Int32Array(n).fill(-1);
  for (const start of subprogs) {
    const order = postorderIn(shape, start);
    for (let k = 0; k < order.length; k++) pos[order[k]] = k;
  }
  // the edges the walk follows: from a slot of a postorder (other than an exit) to its successors
  const predStart = new Int32Array(n + 1);
  for (let pc = 0; pc < n; pc++) {
    if (pos[pc] < 0 || s1[pc] < 0) continue;
    predStart[s1[pc] + 1]++;
    if (s2[pc] >= 0) predStart[s2[pc] + 1]++;
  }
  for (let i = 0; i < n; i++) predStart[i + 1] += predStart[i];
  const preds = new Int32Array(predStart[n]), fill = predStart.slice(0, n);
  for (let pc = 0; pc < n; pc++) {
    if (pos[pc] < 0 || s1[pc] < 0) continue;
    preds[fill[s1[pc]]++] = pos[pc];
    if (s2[pc] >= 0) preds[fill[s2[pc]]++] = pos[pc];
  }
  const words = (n >> 5) + 1;
  return { pos, predStart, preds, now: new Uint32Array(words), next: new Uint32Array(words) };
}

/** The kernel's postorder of the function starting at `start` (computed for every function at the first call). */
export function postorderIn(shape: Shape, start: number): Int32Array {
  return (shape.postorder ??= postorderOf(shape.subprogs, shape.s1, shape.s2)).get(start)!;
}

/**
 * The successors of every slot as two arrays (-1: none), from the CFG's slot table (the shape
 * is built once per check: small checks spent 5% of their time here when it decoded the ops).
 */
function successorPairs(t: SlotTable): { s1: Int32Array; s2: Int32Array } {
  const n = t.kind.length;
  const buf = new ArrayBuffer(8 * n);
  const s1 = new Int32Array(buf, 0, n), s2 = new Int32Array(buf, 4 * n, n);
  const { kind, next, jump } = t;
  for (let pc = 0; pc < n; pc++) {
    // successorsOf, inline
    const a = kind[pc] === SK_NONE ? pc + 1 : next[pc], b = kind[pc] === SK_NONE ? -1 : jump[pc];
    if (a >= 0) {
      s1[pc] = a;
      s2[pc] = b >= 0 ? b : -1;
    } else {
      s1[pc] = b >= 0 ? b : -1;
      s2[pc] = -1;
    }
  }
  return { s1, s2 };
}

/**
 * Instructions of each function in the kernel's postorder (compute_postorder): an iterative
 * depth-first walk from the function's start pushing successors in order, an instruction emitted
 * when it is on top of the stack the second time.
 */
export function postorder(cfg: LivenessCfg): Map<number, Int32Array> {
  const { s1, s2 } = successorPairs(cfg.slots);
  return postorderOf(cfg.subprogs, s1, s2);
}

/** postorder on successor pairs (negative: none). */
function postorderOf(subprogs: readonly number[], s1: Int32Array, s2: Int32Array): Map<number, Int32Array> {
  const n = s1.length, room = n + subprogs.length;
  // one buffer: the order, the walk's stack (a slot is pushed once, a start maybe again) and the marks
  const buf = new ArrayBuffer(4 * n + 4 * room + n);
  const order = new Int32Array(buf, 0, n);
  const stack = new Int32Array(buf, 4 * n, room);
  const state = new Uint8Array(buf, 4 * n + 4 * room, n);
  const out = new Map<number, Int32Array>();
  for (const start of subprogs) {
    let len = 0, sp = 0;
    stack[sp++] = start;
    while (sp) {
      const top = stack[sp - 1];
      state[top] |= 1;
      if (state[top] & 2) {
        order[len++] = top;
        sp--;
        continue;
      }
      const a = s1[top], b = s2[top];
      if (a >= 0 && a < n && !state[a]) {
        stack[sp++] = a;
        state[a] |= 1;
      }
      if (b >= 0 && b < n && !state[b]) {
        stack[sp++] = b;
        state[b] |= 1;
      }
      state[top] |= 2;
    }
    out.set(start, order.slice(0, len));
  }
  return out;
}
/**
 * The liveness recorded for one program serves another only if both have the same functions and
 * the same successors everywhere: the fixpoint walks whole functions, not just the part explored.
 */
export function sameShape(a: LivenessCfg, b: LivenessCfg): boolean {
  if (a.ops.length !== b.ops.length || a.subprogs.length !== b.subprogs.length) return false;
  if (a.subprogs.some((x, i) => x !== b.subprogs[i])) return false;
  return a.subprogs.every((start) => sameFlow(a, b, start));
}

const pairScratch = new Int32Array(1), pairScratch2 = new Int32Array(1);

/** The same successors at every instruction of the function starting at `start` (same function starts). */
export function sameFlow(a: LivenessCfg, b: LivenessCfg, start: number): boolean {
  const k = a.subprogs.indexOf(start);
  const end = a.subprogs[k + 1] ?? a.ops.length;
  const x = pairScratch, y = pairScratch2;
  for (let pc = start; pc < end; pc++) {
    // as the kernel lists them: `goto +0` and a fall-through both lead to pc + 1 only
    if (successorsOf(a.slots, pc, x) !== successorsOf(b.slots, pc, y) || x[0] !== y[0]) return false;
  }
  return true;
}
