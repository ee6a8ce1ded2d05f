// A candidate's CFG (what buildCfg computes) derived from its baseline's when only a few slots
// changed and the change keeps the program's structure: the same functions, every instruction
// still reachable, no lddw or bpf-to-bpf call involved. Prune and jump points are counted per
// slot in the baseline (in a valid program every slot is reached, so a slot's marks depend only
// on the edges into it), register liveness is updated by live-delta.ts. Anything else returns
// undefined and the caller builds the CFG from scratch, which also reports the errors.
import type { Insn } from '../isa/insn.ts';
import { sameInsn } from '../isa/insn.ts';
import { type Op, toOp } from '../isa/op.ts';
import type { Program } from '../isa/program.ts';
import { helperArgsFor } from '../isa/protos.ts';
import { type HelperArgs, type SlotTable, SK_CALL, SK_JA, SK_JCOND, SK_LDABS, SK_LDDW, SK_LOCAL_CALL, SK_MAYGOTO, SK_NONE, calleeSlot, copySlotTable, jumpSlot, nextSlot, setSlot } from '../isa/flow.ts';
import { type Cfg, jumpPointsOf, prunesItself } from './cfg.ts';
import { LiveTables, type SlotFlow } from './live-delta.ts';

/**
 * Changed slots a delta handles; more, and the whole CFG is built again. The search's moves
 * change up to two dozen slots at once (xdp_router's bench candidates: 10-22 in 7 of 256); with
 * 8 those were built in full, at 2-20x a derived change's cost and without a rejoin.
 */
const MAX_CHANGED = 32;

/** A derived CFG and what differs from the baseline's. */
export interface CfgChange {
  readonly cfg: Cfg;
  /** Slots whose instruction differs (ascending). */
  readonly slots: readonly number[];
  /**
   * Every slot whose instruction or prune or jump point differs, then (from index `liveFrom` on)
   * every other slot whose live registers differ where the exploration reads them (readsLive).
   */
  readonly touched: readonly number[];
  readonly liveFrom: number;
  /** Slots whose successors (as the stack-liveness fixpoint walks them) differ. */
  readonly flow: readonly number[];
}

/**
 * Slot pc has the same successors in tables x and y as the stack-liveness fixpoint lists them
 * (fall-through first, then the jump: `goto +0` and a fall-through are alike), LD_ABS/LD_IND's
 * edge to the exit included.
 */
function sameFlowAt(x: SlotTable, y: SlotTable, pc: number): boolean {
  if ((x.kind[pc] === SK_LDABS) !== (y.kind[pc] === SK_LDABS)) return false;
  const xn = x.next[pc], xj = x.jump[pc], yn = y.next[pc], yj = y.jump[pc];
  // as lists without the -1 entries
  const x0 = xn >= 0 ? xn : xj, x1 = xn >= 0 ? xj : -1, y0 = yn >= 0 ? yn : yj, y1 = yn >= 0 ? yj : -1;
  return x0 === y0 && x1 === y1;
}

/**
 * The CFG the deltas patch, and what the last one patched (slots of ops, of marks, of live
 * registers: `live` of them, the first entries of the live tables' `differs`; those of marks
 * may include slots whose marks are the baseline's).
 */
interface Scratch {
  readonly cfg: Cfg;
  ops: readonly number[];
  marks: readonly number[];
  live: number;
}

/**
 * Does the exploration read the live registers of slot `pc`? Only when comparing states at a
 * prune point, for the linked scalars of a conditional jump, and for a caller's frame while a
 * callee runs (the call's slot and the one after it). A liveness change elsewhere changes nothing.
 */
export function readsLive(cfg: Cfg, pc: number): boolean {
  return readsLiveAt(cfg.slots.kind, cfg.prune, pc);
}

/** readsLive on a slot table's kinds (any call, helper, kfunc or bpf-to-bpf, is SK_CALL or SK_LOCAL_CALL). */
function readsLiveAt(kind: Uint8Array, prune: Uint8Array, pc: number): boolean {
  const k = kind[pc], before = pc > 0 ? kind[pc - 1] : SK_NONE;
  return prune[pc] === 1 || k === SK_JCOND || k === SK_CALL || k === SK_LOCAL_CALL || before === SK_CALL || before === SK_LOCAL_CALL;
}

/** keepsStructure's answers: the CFG must be built; derived, every successor kept; derived once every slot is found reachable. */
export const BREAKS = 0, KEEPS = 1, LOSES = 2;

/**
 * The structure rules a changed slot must keep for its CFG to be derived (this file's and
 * cfg-shift.ts's), read from the candidate's slot table `t` at slot pc of the function [fn, end)
 * (`ops`: the candidate's, complete; `op`: the slot's): not a bpf-to-bpf call; not the
 * function's last slot (check_subprogs: the last must stay an exit or a jump; buildCfg reads the
 * one before it only when the last is an lddw's second half, and no changed slot is an lddw);
 * a jump stays inside its function and lands on no lddw's second half; unprivileged, no backward
 * jump (it may close a loop) nor kfunc call (CAP_BPF). `bn`, `bj`: the slot's successors in the
 * baseline, in the candidate's numbering (-1: none); one of them that is no successor now may
 * leave a slot unreachable (LOSES: reachability must be walked).
 */
export function keepsStructure(t: SlotTable, pc: number, fn: number, end: number, ops: readonly (Op | null)[], op: Op, privileged: boolean, bn: number, bj: number): number {
  const nk = t.kind[pc];
  if (nk === SK_LOCAL_CALL || pc >= end - 1) return BREAKS;
  const nx = t.next[pc], j = t.jump[pc];
  // (the table's -1 also means "no jump": a jump to -1 is told apart by its kind)
  const jumps = nk === SK_JA || nk === SK_JCOND || nk === SK_MAYGOTO;
  if (jumps && (j < fn || j >= end || !ops[j])) return BREAKS;
  if (!privileged && ((jumps && j <= pc) || (nk === SK_CALL && (op as { callKind?: string }).callKind !== 'helper'))) return BREAKS;
  return (bn >= 0 && bn !== nx && bn !== j) || (bj >= 0 && bj !== nx && bj !== j) ? LOSES : KEEPS;
}

export class CfgDelta {
  /** Number of jump-point reasons per slot (edges from jumps and calls, slots after calls). */
  readonly jumpIns: Int32Array;
  private readonly liveTables: LiveTables;
  private readonly helperArgs: HelperArgs;
  /** The counts reproduce the baseline's marks (a safety net: if not, every candidate is built in full). */
  readonly usable: boolean;
  private scratch?: Scratch;
  /** allReachable's marks, all 0 between calls (made once: a typed array costs ~0.5 µs to make). */
  private readonly seen: Uint8Array;
  /** readsLive of the baseline per slot (an op's kind is a megamorphic load: asked per slot whose liveness changed). */
  private readonly reads: Uint8Array;
  /** Per slot: where its function ends (the next function's first slot, or the program's length). */
  readonly fnEnd: Int32Array;
  /**
   * derive's scratch, made once: the changed slots found, the touched slots listed and a flag
   * per slot while listed (all 0 between calls), the changed slots' equations.
   */
  private readonly found = new Int32Array(MAX_CHANGED);
  private readonly list: Int32Array;
  private readonly listed: Uint8Array;
  private readonly flows: { use: number; kill: number; s1: number; s2: number }[] = [];
  /** The changed slots' new ops, decoded (entries past the changed slots' count are stale). */
  private readonly newOps: Op[] = [];
  /** The slots whose marks the changed slots count in or out (five at most each), and their counts. */
  private readonly marks = new Int32Array(5 * MAX_CHANGED);
  private readonly counts = new Int32Array(5 * MAX_CHANGED);
  /** derive's answer for a candidate with the baseline's instructions (made when first asked). */
  private same?: CfgChange;

  /**
   * `privileged: false`: candidates must also pass the checks only an unprivileged load has (no
   * loop, no call needing CAP_BPF); derived only where that is evident: a baseline with one
   * function whose edges all lead forward, and changes whose edges lead forward too.
   */
  constructor(private readonly base: Program, private readonly cfg: Cfg, private readonly privileged = true) {
    const n = cfg.ops.length;
    this.helperArgs = helperArgsFor(base.type);
    this.jumpIns = new Int32Array(n + 1);
    this.seen = new Uint8Array(n);
    this.reads = new Uint8Array(n);
    this.fnEnd = new Int32Array(n);
    for (let pc = 0; pc < n; pc++) this.fnEnd[pc] = cfg.subprogs[cfg.subprogs.indexOf(cfg.funcOf[pc]) + 1] ?? n;
    this.list = new Int32Array(n + 1);
    this.listed = new Uint8Array(n + 1);
    for (let i = 0; i < MAX_CHANGED; i++) this.flows.push({ use: 0, kill: 0, s1: -1, s2: -1 });
    for (let pc = 0; pc < n; pc++) this.reads[pc] = +readsLive(cfg, pc);
    for (let pc = 0; pc < n; pc++) for (const t of jumpPointsOf(cfg.ops[pc], pc)) this.jumpIns[t]++;
    this.liveTables = new LiveTables(cfg.ops, cfg.live, this.helperArgs);
    let ok = true;
    for (let pc = 0; pc < n && ok; pc++) {
      const jmp = this.jumpIns[pc] > 0;
      ok = +jmp === cfg.jmp[pc] && +(jmp || prunesItself(cfg.slots.kind[pc])) === cfg.prune[pc];
    }
    this.usable = ok && (privileged || (cfg.subprogs.length === 1 && this.liveTables.forward));
  }

  /**
   * The candidate's CFG, or undefined when it must be built from scratch. The CFG's tables are
   * this object's scratch copies of the baseline's, patched at the changed slots: valid until
   * the next call (a re-check uses its CFG only while it runs), which spares every re-check an
   * O(program) copy.
   */
  derive(prog: Program): CfgChange | undefined {
    const a = this.base.insns, b = prog.insns, old = this.cfg, n = a.length;
    if (!this.usable || b.length !== n || prog.type !== this.base.type) return undefined;
    const found = this.found;
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (a[i] === b[i] || sameInsn(a[i], b[i])) continue;
      if (k === MAX_CHANGED) return undefined;
      found[k++] = i;
    }
    if (!k) return (this.same ??= { cfg: old, slots: NO_SLOTS, touched: NO_SLOTS, liveFrom: 0, flow: NO_SLOTS });
    const slots = listOf(found, k);
    // what each slot was and is read from the slot tables (kinds, successors, uses, kills), not
    // from the decoded ops: an op's fields are megamorphic loads (a dozen shapes), ~8 ns each
    const ot = old.slots, newOps = this.newOps;
    for (let i = 0; i < k; i++) {
      const pc = slots[i], bk = ot.kind[pc];
      // an lddw half or an lddw, a bpf-to-bpf call, a slot the baseline's CFG marks bad
      if (bk === SK_NONE || bk === SK_LDDW || bk === SK_LOCAL_CALL || old.bad[pc] !== undefined) return undefined;
      const op = this.decode(b, pc);
      if (!op) return undefined;
      newOps[i] = op;
    }
    const s = this.restore();
    const t = s.cfg.slots;
    // (restore undoes these patches at the next call, whether or not this one derives)
    s.ops = slots;
    for (let i = 0; i < k; i++) {
      s.cfg.ops[slots[i]] = newOps[i];
      setSlot(t, slots[i], newOps[i], this.helperArgs);
    }
    const flows = this.flows;
    // flow: the changed slots whose successors differ as the stack-liveness fixpoint lists them (sameFlowAt)
    let flow: number[] | undefined;
    // lost: a successor lost; moved: a changed slot adds or drops a reason for a prune or jump mark (its own included)
    let lost = false, moved = false;
    for (let i = 0; i < k; i++) {
      const pc = slots[i], nk = t.kind[pc], bk = ot.kind[pc];
      const bn = ot.next[pc], bj = ot.jump[pc], nx = t.next[pc], j = t.jump[pc];
      const kept = keepsStructure(t, pc, old.funcOf[pc], this.fnEnd[pc], s.cfg.ops, newOps[i], this.privileged, bn, bj);
      if (kept === BREAKS) return undefined;
      if (kept === LOSES) lost = true;
      if (!sameFlowAt(ot, t, pc)) (flow ??= []).push(pc);
      // (countMark's terms below, which cancel when the jump and the call are kept)
      if (bj !== j || (bk === SK_CALL) !== (nk === SK_CALL) || prunesItself(bk) !== prunesItself(nk)) moved = true;
      const f = flows[i];
      f.use = t.use[pc], f.kill = t.kill[pc], f.s1 = nx, f.s2 = j;
    }
    if (lost && !allReachable(s.cfg.ops, this.seen)) return undefined;
    const { prune, jmp } = s.cfg;
    // touched, listed once each (a flag per slot while listed)
    const list = this.list, listed = this.listed;
    let count = 0;
    for (const pc of slots) {
      list[count++] = pc;
      listed[pc] = 1;
    }
    if (moved) {
      // marks of the slots the changed instructions point at (jumpPointsOf: a jump's target, the
      // slot after a helper or kfunc call; local calls are excluded above), before and after
      const marks = this.marks, counts = this.counts, ins = this.jumpIns;
      let m = 0;
      for (const pc of slots) {
        if (ot.jump[pc] >= 0) m = countMark(marks, counts, m, ins, ot.jump[pc], -1);
        if (ot.kind[pc] === SK_CALL) m = countMark(marks, counts, m, ins, pc + 1, -1);
        if (t.jump[pc] >= 0) m = countMark(marks, counts, m, ins, t.jump[pc], 1);
        if (t.kind[pc] === SK_CALL) m = countMark(marks, counts, m, ins, pc + 1, 1);
        m = countMark(marks, counts, m, ins, pc, 0);
      }
      // (a mark that differs is listed, and restore puts back those of the listed slots)
      for (let i = 0; i < m; i++) {
        const at = marks[i], tk = t.kind[at];
        jmp[at] = counts[i] > 0 ? 1 : 0;
        prune[at] = counts[i] > 0 || prunesItself(tk) ? 1 : 0;
        if ((jmp[at] !== old.jmp[at] || prune[at] !== old.prune[at]) && !listed[at]) {
          listed[at] = 1;
          list[count++] = at;
        }
      }
    }
    const liveFrom = count;
    const differs = this.liveTables.differs;
    s.live = this.liveTables.derive(slots, flows, s.cfg.live);
    // the candidate's kinds differ from the baseline's only at the changed slots (readsLive looks
    // at pc and pc - 1; pc is not one of them here: they are listed)
    for (let i = 0; i < s.live; i++) {
      const pc = differs[i];
      if (listed[pc]) continue;
      if (this.reads[pc] === 1 || prune[pc] === 1 || (slots.includes(pc - 1) && readsLiveAt(t.kind, prune, pc))) {
        listed[pc] = 1;
        list[count++] = pc;
      }
    }
    for (let i = 0; i < count; i++) listed[list[i]] = 0;
    // (the changed slots alone, listed first: the list is `slots`)
    const touched = count === k ? slots : listOf(list, count);
    if (moved) s.marks = touched;
    return { cfg: s.cfg, slots, touched, liveFrom, flow: flow ?? NO_SLOTS };
  }

  /** The scratch CFG, put back to the baseline's tables (undoing the previous derive's patches). */
  private restore(): Scratch {
    const old = this.cfg;
    if (!this.scratch) {
      this.scratch = { cfg: { ops: old.ops.slice(), funcOf: old.funcOf, subprogs: old.subprogs, prune: old.prune.slice(), jmp: old.jmp.slice(), live: old.live.slice(), bad: old.bad, slots: copySlotTable(old.slots) }, ops: NO_SLOTS, marks: NO_SLOTS, live: 0 };
      return this.scratch;
    }
    const s = this.scratch, c = s.cfg as { ops: (Op | null)[]; prune: Uint8Array; jmp: Uint8Array; live: Uint16Array };
    const t = s.cfg.slots, o = old.slots;
    for (const pc of s.ops) {
      c.ops[pc] = old.ops[pc];
      t.kind[pc] = o.kind[pc], t.next[pc] = o.next[pc], t.jump[pc] = o.jump[pc], t.use[pc] = o.use[pc], t.kill[pc] = o.kill[pc];
    }
    for (const pc of s.marks) c.prune[pc] = old.prune[pc], c.jmp[pc] = old.jmp[pc];
    const differs = this.liveTables.differs;
    for (let i = 0; i < s.live; i++) c.live[differs[i]] = old.live[differs[i]];
    s.ops = s.marks = NO_SLOTS;
    s.live = 0;
    return s;
  }

  /** The changed slot decoded, or undefined when buildCfg's own handling is needed (lddw, bad encodings). */
  private decode(insns: readonly Insn[], pc: number): Op | undefined {
    if (insns[pc].code === 0x18) return undefined;
    try {
      const op = toOp(insns, pc);
      return op.kind === 'lddw' ? undefined : op;
    } catch {
      return undefined;
    }
  }
}

/** No slots (an answer's empty lists, shared). */
const NO_SLOTS: readonly number[] = [];

/**
 * xs[0 .. k) as a list, made at its length (one of one entry as a literal; a list grown by push
 * reserves 17 entries at the first, and growing it was ~1.5% of a rejected re-check's time).
 */
function listOf(xs: Int32Array, k: number): number[] {
  if (k === 1) return [xs[0]];
  const out = new Array<number>(k);
  for (let i = 0; i < k; i++) out[i] = xs[i];
  return out;
}

/**
 * Add `d` to slot t's count of jump-point reasons (starting from the baseline's count), the
 * slots counted so far being marks[0 .. m) with their counts; returns how many are counted now.
 */
function countMark(marks: Int32Array, counts: Int32Array, m: number, base: Int32Array, t: number, d: number): number {
  for (let k = 0; k < m; k++) {
    if (marks[k] !== t) continue;
    counts[k] += d;
    return m;
  }
  marks[m] = t;
  counts[m] = base[t] + d;
  return m + 1;
}

/**
 * check_cfg's reachability: every slot reached from 0 (calls also into their callee; lddw halves
 * skipped). `seen` (one flag per slot, all 0; longer will do) is left all 0.
 */
export function allReachable(ops: readonly (Op | null)[], seen: Uint8Array): boolean {
  const ok = reachAll(ops, seen);
  seen.fill(0);
  return ok;
}

function reachAll(ops: readonly (Op | null)[], seen: Uint8Array): boolean {
  const n = ops.length;
  const work = [0];
  seen[0] = 1;
  while (work.length) {
    const t = work.pop()!;
    const op = ops[t];
    if (!op) return false; // an lddw half reached by a jump: buildCfg's error
    reach(nextSlot(op, t), n, seen, work);
    reach(jumpSlot(op, t), n, seen, work);
    reach(calleeSlot(op, t), n, seen, work);
  }
  for (let i = 0; i < n; i++) {
    if (!seen[i]) return false;
    if (ops[i]?.kind === 'lddw') i++;
  }
  return true;
}

/** Mark slot s (negative: none) reached and queue it, if it is new. */
function reach(s: number, n: number, seen: Uint8Array, work: number[]): void {
  if (s >= 0 && s < n && !seen[s]) {
    seen[s] = 1;
    work.push(s);
  }
}
