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
  /**
   * With loops only: the strongly connected components of the baseline's flow graph, numbered so
   * that every edge between two of them leads to a lower number (sinks first, as Tarjan's walk
   * completes them); each one's slots (sccList[sccStart[c] .. sccStart[c + 1]), from the last
   * slot to the first), whether it has a cycle, and derive's flags per component (all 0 between calls).
   */
  private readonly scc?: { of: Int32Array; start: Int32Array; list: Int32Array; cyclic: Uint8Array; dirty: Uint8Array };
  /** derive's equations, one object for every call (its fields set by each). */
  private readonly eqs: Eqs;
  /**
   * derive's answer: the slots whose live set differs, in its first entries (overwritten by the
   * next call; made once, as a list made per call cost a re-check an allocation of ~150 bytes).
   */
  readonly differs: Int32Array;

  constructor(ops: readonly (Op | null)[], readonly live: Uint16Array, helperArgs: HelperArgs) {
    const n = ops.length;
    this.use = new Uint16Array(n);
    this.kill = new Uint16Array(n);
    this.s1 = new Int32Array(n).fill(-1);
    this.s2 = new Int32Array(n).fill(-1);
    this.skip = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    this.differs = new Int32Array(n);
    this.eqs = { t: this, changed: [], flows: [], live, preds: [], at: new Int32Array(n) };
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
    if (!forward) this.scc = components(this.s1, this.s2, this.skip);
  }

  /**
   * The liveness of the program whose slots `changed` (ascending) have the equations `flows`
   * (null: now the second half of an lddw), every other slot as in the baseline, written into
   * `live` (which holds the baseline's table on entry). Returns how many slots' live sets differ
   * from the baseline's (the only entries of `live` changed): they are `differs`' first entries,
   * in no particular order, each once.
   */
  derive(changed: readonly number[], flows: readonly (SlotFlow | null)[], live: Uint16Array): number {
    // each changed slot's place in `changed`, plus 1, for equation and predecessors (an array
    // search per equation and per predecessor cost more than the rest of a small delta)
    const at = this.eqs.at;
    for (let k = 0; k < changed.length; k++) if (at[changed[k]] === 0) at[changed[k]] = k + 1;
    try {
      return this.solve(changed, flows, live);
    } finally {
      for (const pc of changed) at[pc] = 0;
    }
  }

  /** derive, with the changed slots' places set in the equations' `at`. */
  private solve(changed: readonly number[], flows: readonly (SlotFlow | null)[], live: Uint16Array): number {
    const n = this.live.length;
    let forward = this.forward;
    for (let k = 0; k < changed.length; k++) {
      const f = flows[k], pc = changed[k];
      if (f && ((f.s1 >= 0 && f.s1 <= pc) || (f.s2 >= 0 && f.s2 <= pc))) forward = false;
    }
    const e = this.eqs;
    e.changed = changed, e.flows = flows, e.live = live;
    const differs = this.differs;
    let count = 0;
    if (!forward && this.scc && this.sameEdges(changed, flows)) return this.byComponent(e, differs);
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
        differs[count++] = pc;
        for (let i = 0, m = predecessors(e, pc); i < m; i++) {
          const q = e.preds[i];
          if (!dirty[q]) {
            dirty[q] = 1;
            pending++;
          }
        }
      }
      if (pending > 0) dirty.fill(0);
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
        if (live[pc] !== this.live[pc]) differs[count++] = pc;
      }
    }
    return count;
  }

  /** Do the changed slots (none now an lddw half) have the baseline's successors, so that the components still hold? */
  private sameEdges(changed: readonly number[], flows: readonly (SlotFlow | null)[]): boolean {
    for (let k = 0; k < changed.length; k++) {
      const f = flows[k], pc = changed[k];
      if (!f || this.skip[pc]) return false;
      const a = this.s1[pc], b = this.s2[pc];
      if (!((f.s1 === a && f.s2 === b) || (f.s1 === b && f.s2 === a))) return false;
    }
    return true;
  }

  /**
   * derive for a graph with loops whose edges the change keeps: the components in order, sinks
   * first, each solved again only if one of its slots changed or a slot it leads to got another
   * answer (otherwise its least fixpoint, which depends on nothing else, is the baseline's): a
   * component without a cycle by its one equation, one with a cycle from 0 until nothing changes.
   */
  private byComponent(e: Eqs, differs: Int32Array): number {
    const { of, start, list, cyclic, dirty } = this.scc!, live = e.live, base = this.live;
    const count = cyclic.length;
    let pending = 0, lo = count, m = 0;
    for (const pc of e.changed) {
      const c = of[pc];
      if (dirty[c]) continue;
      dirty[c] = 1;
      pending++;
      if (c < lo) lo = c;
    }
    for (let c = lo; c < count && pending > 0; c++) {
      if (!dirty[c]) continue;
      dirty[c] = 0;
      pending--;
      const from = start[c], to = start[c + 1];
      if (!cyclic[c]) {
        const pc = list[from], v = equation(e, pc);
        if (v === live[pc]) continue;
        live[pc] = v;
        differs[m++] = pc;
        pending += this.markPreds(e, pc, c, of, dirty);
        continue;
      }
      for (let i = from; i < to; i++) live[list[i]] = 0;
      for (let again = true; again;) {
        again = false;
        for (let i = from; i < to; i++) {
          const pc = list[i], v = equation(e, pc);
          if (v !== live[pc]) {
            live[pc] = v;
            again = true;
          }
        }
      }
      for (let i = from; i < to; i++) {
        const pc = list[i];
        if (live[pc] === base[pc]) continue;
        differs[m++] = pc;
        pending += this.markPreds(e, pc, c, of, dirty);
      }
    }
    return m;
  }

  /** Flag the components (other than c, all later) of pc's predecessors; how many were not flagged yet. */
  private markPreds(e: Eqs, pc: number, c: number, of: Int32Array, dirty: Uint8Array): number {
    let added = 0;
    for (let i = 0, m = predecessors(e, pc); i < m; i++) {
      const d = of[e.preds[i]];
      if (d === c || dirty[d]) continue;
      dirty[d] = 1;
      added++;
    }
    return added;
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
  changed: readonly number[];
  flows: readonly (SlotFlow | null)[];
  live: Uint16Array;
  /** predecessors()' answer in its first entries, reused (read before the next call). */
  readonly preds: number[];
  /** Per slot: 1 + its first place in `changed`, 0 for a slot not changed (set for one derive). */
  readonly at: Int32Array;
}

// module-level functions, not closures: under tsx (esbuild keepNames) a named closure costs a
// defineProperty each time it is made, which a re-check of a small program notices

function equation(e: Eqs, pc: number): number {
  const k = e.at[pc] - 1;
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
    if (e.at[q] === 0) out[m++] = q;
  }
  for (let k = 0; k < e.changed.length; k++) {
    const f = e.flows[k];
    if (f && (f.s1 === p || f.s2 === p)) out[m++] = e.changed[k];
  }
  return m;
}

/**
 * The strongly connected components of the flow graph (successors s1, s2; negative or out of
 * range: none; `skip` slots have no edges), by Tarjan's algorithm without recursion: numbered in
 * the order the walk completes them, so an edge between two components leads to a lower number.
 */
function components(s1: Int32Array, s2: Int32Array, skip: Uint8Array): { of: Int32Array; start: Int32Array; list: Int32Array; cyclic: Uint8Array; dirty: Uint8Array } {
  const n = s1.length;
  const index = new Int32Array(n).fill(-1), low = new Int32Array(n), of = new Int32Array(n);
  const onStack = new Uint8Array(n), stack = new Int32Array(n), walk = new Int32Array(n), edge = new Uint8Array(n);
  const succ = (pc: number, k: number): number => {
    if (skip[pc]) return -1;
    const s = k === 0 ? s1[pc] : s2[pc];
    return s >= 0 && s < n ? s : -1;
  };
  let next = 0, sp = 0, count = 0;
  const sizes: number[] = [], selfLoop: number[] = [];
  for (let root = 0; root < n; root++) {
    if (index[root] >= 0) continue;
    let wp = 0;
    walk[wp++] = root;
    index[root] = low[root] = next++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (wp > 0) {
      const v = walk[wp - 1];
      if (edge[v] < 2) {
        const w = succ(v, edge[v]++);
        if (w < 0) continue;
        if (index[w] < 0) {
          index[w] = low[w] = next++;
          stack[sp++] = w;
          onStack[w] = 1;
          walk[wp++] = w;
        } else if (onStack[w] && index[w] < low[v]) low[v] = index[w];
        continue;
      }
      wp--;
      if (wp > 0) {
        const u = walk[wp - 1];
        if (low[v] < low[u]) low[u] = low[v];
      }
      if (low[v] !== index[v]) continue;
      let size = 0, w: number;
      do {
        w = stack[--sp];
        onStack[w] = 0;
        of[w] = count;
        size++;
      } while (w !== v);
      sizes.push(size);
      selfLoop.push(succ(v, 0) === v || succ(v, 1) === v ? 1 : 0);
      count++;
    }
  }
  const start = new Int32Array(count + 1);
  for (let c = 0; c < count; c++) start[c + 1] = start[c] + sizes[c];
  const fill = start.slice(0, count), list = new Int32Array(n);
  // from the last slot to the first within each component (a loop's body is then solved in the order its answers flow)
  for (let pc = n - 1; pc >= 0; pc--) list[fill[of[pc]]++] = pc;
  const cyclic = new Uint8Array(count);
  for (let c = 0; c < count; c++) cyclic[c] = sizes[c] > 1 || selfLoop[c] ? 1 : 0;
  return { of, start, list, cyclic, dirty: new Uint8Array(count) };
}
