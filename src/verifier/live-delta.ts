// Register liveness (compute_live_registers, as src/isa/flow.ts's liveRegs) of a candidate that
// differs from its baseline in a few slots, derived from the baseline's answer instead of solved
// again: only the slots that can reach a changed one can change. The per-slot equation inputs
// (uses, kills, successors) and the predecessor lists are kept from the baseline, so a re-check
// decodes nothing but the changed slots. Written here rather than in flow.ts because only the
// verifier's incremental check needs it.
import type { Op } from '../isa/op.ts';
import { type HelperArgs, clobbers, defs, jumpSlot, liveUses, nextSlot } from '../isa/flow.ts';

const R10 = 1 << 10;

/** One slot's inputs to the liveness equation. */
export interface SlotFlow {
  readonly use: number;
  readonly kill: number;
  /** Fall-through and jump successors (-1: none). */
  readonly s1: number;
  readonly s2: number;
}

export function slotFlow(op: Op, pc: number, helperArgs: HelperArgs): SlotFlow {
  return { use: liveUses(op, helperArgs), kill: defs(op) | clobbers(op), s1: nextSlot(op, pc), s2: jumpSlot(op, pc) };
}

/** The baseline's equations and answer. */
export class LiveTables {
  private readonly use: Uint16Array;
  private readonly kill: Uint16Array;
  private readonly s1: Int32Array;
  private readonly s2: Int32Array;
  /** Second halves of lddw: no equation, nothing live. */
  private readonly skip: Uint8Array;
  /** Predecessors of slot p: predList[predStart[p] .. predStart[p + 1]). */
  private readonly predStart: Int32Array;
  private readonly predList: Int32Array;
  /** Every edge leads to a later slot: slot order reversed is a topological order (and there is no loop). */
  readonly forward: boolean;
  /** derive's per-slot flags, all 0 between calls (made once: a typed array costs ~0.5 µs to make). */
  private readonly flags: Uint8Array;

  constructor(ops: readonly (Op | null)[], readonly live: Uint16Array, helperArgs: HelperArgs) {
    const n = ops.length;
    this.use = new Uint16Array(n);
    this.kill = new Uint16Array(n);
    this.s1 = new Int32Array(n).fill(-1);
    this.s2 = new Int32Array(n).fill(-1);
    this.skip = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    const count = new Int32Array(n + 1);
    let forward = true;
    for (let pc = 0; pc < n; pc++) {
      const op = ops[pc];
      if (!op) {
        this.skip[pc] = 1;
        continue;
      }
      const f = slotFlow(op, pc, helperArgs);
      this.use[pc] = f.use;
      this.kill[pc] = f.kill;
      this.s1[pc] = f.s1;
      this.s2[pc] = f.s2;
      for (const s of [f.s1, f.s2]) {
        if (s < 0 || s >= n) continue;
        count[s + 1]++;
        if (s <= pc) forward = false;
      }
    }
    this.forward = forward;
    for (let p = 0; p < n; p++) count[p + 1] += count[p];
    this.predStart = count.slice();
    this.predList = new Int32Array(count[n]);
    for (let pc = 0; pc < n; pc++) {
      if (this.skip[pc]) continue;
      for (const s of [this.s1[pc], this.s2[pc]]) if (s >= 0 && s < n) this.predList[count[s]++] = pc;
    }
  }

  /**
   * The liveness of the program whose slots `changed` (ascending) have the equations `flows`
   * (null: now the second half of an lddw), every other slot as in the baseline, written into
   * `live` (which holds the baseline's table on entry). Returns the slots whose live set differs
   * from the baseline's (the only entries of `live` changed).
   */
  derive(changed: readonly number[], flows: readonly (SlotFlow | null)[], live: Uint16Array): number[] {
    const n = this.live.length;
    let forward = this.forward;
    for (let k = 0; k < changed.length; k++) {
      const f = flows[k], pc = changed[k];
      if (f && ((f.s1 >= 0 && f.s1 <= pc) || (f.s2 >= 0 && f.s2 <= pc))) forward = false;
    }
    const e: Eqs = { t: this, changed, flows, live, preds: [] };
    const differs: number[] = [];
    if (forward) {
      // acyclic: the fixpoint is unique, so a change spreads backwards only while it changes something
      const dirty = this.flags;
      let pending = 0;
      for (const pc of changed) {
        dirty[pc] = 1;
        pending++;
      }
      for (let pc = changed[changed.length - 1]; pc >= 0 && pending > 0; pc--) {
        if (!dirty[pc]) continue;
        dirty[pc] = 0;
        pending--;
        const v = equation(e, pc);
        if (v === live[pc]) continue;
        live[pc] = v;
        differs.push(pc);
        for (let i = 0, m = predecessors(e, pc); i < m; i++) {
          const q = e.preds[i];
          if (!dirty[q]) {
            dirty[q] = 1;
            pending++;
          }
        }
      }
      if (pending > 0) dirty.fill(0);
      differs.reverse();
    } else {
      // loops: the least fixpoint again over every slot that can reach a change (nothing else depends on it)
      const up = this.flags;
      const work = [...changed];
      for (const pc of changed) up[pc] = 1;
      while (work.length) {
        for (let i = 0, m = predecessors(e, work.pop()!); i < m; i++) {
          const q = e.preds[i];
          if (!up[q]) {
            up[q] = 1;
            work.push(q);
          }
        }
      }
      for (let pc = 0; pc < n; pc++) if (up[pc]) live[pc] = 0;
      for (let again = true; again;) {
        again = false;
        for (let pc = n - 1; pc >= 0; pc--) {
          if (!up[pc]) continue;
          const v = equation(e, pc);
          if (v !== live[pc]) {
            live[pc] = v;
            again = true;
          }
        }
      }
      for (let pc = 0; pc < n; pc++) {
        if (!up[pc]) continue;
        up[pc] = 0;
        if (live[pc] !== this.live[pc]) differs.push(pc);
      }
    }
    return differs;
  }

  /** The baseline's equation inputs of slot `pc` (for the module-level solver below). */
  use_(pc: number): number { return this.use[pc]; }
  kill_(pc: number): number { return this.kill[pc]; }
  s1_(pc: number): number { return this.skip[pc] ? -1 : this.s1[pc]; }
  s2_(pc: number): number { return this.skip[pc] ? -1 : this.s2[pc]; }
  skip_(pc: number): boolean { return this.skip[pc] === 1; }
  /** Baseline predecessors of `p`: predList()[predFrom(p) .. predFrom(p + 1)). */
  predFrom(p: number): number { return this.predStart[p]; }
  predAt(i: number): number { return this.predList[i]; }
}

/** The candidate's equations: the baseline's, with the changed slots' own. */
interface Eqs {
  readonly t: LiveTables;
  readonly changed: readonly number[];
  readonly flows: readonly (SlotFlow | null)[];
  readonly live: Uint16Array;
  /** predecessors()' answer in its first entries, reused (read before the next call). */
  readonly preds: number[];
}

// module-level functions, not closures: under tsx (esbuild keepNames) a named closure costs a
// defineProperty each time it is made, which a re-check of a small program notices

function equation(e: Eqs, pc: number): number {
  const k = e.changed.indexOf(pc);
  let use: number, kill: number, a: number, b: number;
  if (k >= 0) {
    const f = e.flows[k];
    if (!f) return 0;
    use = f.use, kill = f.kill, a = f.s1, b = f.s2;
  } else {
    if (e.t.skip_(pc)) return 0;
    use = e.t.use_(pc), kill = e.t.kill_(pc), a = e.t.s1_(pc), b = e.t.s2_(pc);
  }
  const n = e.live.length;
  let out = 0;
  if (a >= 0 && a < n) out |= e.live[a];
  if (b >= 0 && b < n) out |= e.live[b];
  return (use | (out & ~kill) | R10) & 0x7ff;
}

/** Predecessors of `p` in the candidate (the baseline's, except that edges out of changed slots are the new ones): how many, written to e.preds' first entries. */
function predecessors(e: Eqs, p: number): number {
  // written over, not emptied first (setting an array's length costs a runtime call)
  const out = e.preds;
  let m = 0;
  for (let i = e.t.predFrom(p), end = e.t.predFrom(p + 1); i < end; i++) {
    const q = e.t.predAt(i);
    if (!e.changed.includes(q)) out[m++] = q;
  }
  for (let k = 0; k < e.changed.length; k++) {
    const f = e.flows[k];
    if (f && (f.s1 === p || f.s2 === p)) out[m++] = e.changed[k];
  }
  return m;
}
