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
import { type HelperArgs, calleeSlot, jumpSlot, nextSlot } from '../isa/flow.ts';
import type { Cfg } from './cfg.ts';
import { LiveTables, type SlotFlow, slotFlow } from './live-delta.ts';

/** Changed slots a delta handles; more, and the whole CFG is built again. */
const MAX_CHANGED = 8;

/** A derived CFG and what differs from the baseline's. */
export interface CfgChange {
  readonly cfg: Cfg;
  /** Slots whose instruction differs (ascending). */
  readonly slots: readonly number[];
  /** Every slot whose instruction or prune or jump point differs, or whose live registers differ where the exploration reads them (readsLive). */
  readonly touched: readonly number[];
  /** Slots whose successors (as the stack-liveness fixpoint walks them) differ. */
  readonly flow: readonly number[];
}

/** The slots a jump point (mark_jmp_point) is set on because of the instruction at `pc`. */
function jumpPointsOf(op: Op | null, pc: number): number[] {
  if (!op) return [];
  const out: number[] = [];
  const j = jumpSlot(op, pc), c = calleeSlot(op, pc);
  if (j >= 0) out.push(j);
  if (c >= 0) out.push(c);
  if (op.kind === 'call') out.push(pc + 1);
  return out;
}

/** A conditional jump, may_goto and a bpf-to-bpf call are prune points themselves. */
const prunesItself = (op: Op | null, pc: number): boolean => !!op && (op.kind === 'jcond' || op.kind === 'maygoto' || calleeSlot(op, pc) >= 0);

/**
 * Successors as the stack-liveness fixpoint lists them (fall-through first, then the jump: `goto +0`
 * and a fall-through are alike); LD_ABS/LD_IND add an edge to the exit.
 */
function flowKey(op: Op | null, pc: number): string {
  if (!op) return `${pc + 1}`;
  const n = nextSlot(op, pc), j = jumpSlot(op, pc);
  const list = [n, j].filter((s) => s >= 0);
  return `${list.join(',')}${op.kind === 'ldabs' || op.kind === 'ldind' ? ',x' : ''}`;
}

/**
 * Does the exploration read the live registers of slot `pc`? Only when comparing states at a
 * prune point, for the linked scalars of a conditional jump, and for a caller's frame while a
 * callee runs (the call's slot and the one after it). A liveness change elsewhere changes nothing.
 */
export function readsLive(ops: readonly (Op | null)[], prune: Uint8Array, pc: number): boolean {
  const op = ops[pc], before = pc > 0 ? ops[pc - 1] : null;
  return prune[pc] === 1 || op?.kind === 'jcond' || op?.kind === 'call' || before?.kind === 'call';
}

export class CfgDelta {
  /** Number of jump-point reasons per slot (edges from jumps and calls, slots after calls). */
  private readonly jumpIns: Int32Array;
  private readonly liveTables: LiveTables;
  private readonly helperArgs: HelperArgs;
  /** The counts reproduce the baseline's marks (a safety net: if not, every candidate is built in full). */
  readonly usable: boolean;

  constructor(private readonly base: Program, private readonly cfg: Cfg) {
    const n = cfg.ops.length;
    this.helperArgs = helperArgsFor(base.type);
    this.jumpIns = new Int32Array(n + 1);
    for (let pc = 0; pc < n; pc++) for (const t of jumpPointsOf(cfg.ops[pc], pc)) this.jumpIns[t]++;
    this.liveTables = new LiveTables(cfg.ops, cfg.live, this.helperArgs);
    let ok = true;
    for (let pc = 0; pc < n && ok; pc++) {
      const jmp = this.jumpIns[pc] > 0;
      ok = +jmp === cfg.jmp[pc] && +(jmp || prunesItself(cfg.ops[pc], pc)) === cfg.prune[pc];
    }
    this.usable = ok;
  }

  /** The candidate's CFG, or undefined when it must be built from scratch. */
  derive(prog: Program): CfgChange | undefined {
    const a = this.base.insns, b = prog.insns, old = this.cfg, n = a.length;
    if (!this.usable || b.length !== n || prog.type !== this.base.type) return undefined;
    const slots: number[] = [];
    for (let i = 0; i < n; i++) {
      if (a[i] === b[i] || sameInsn(a[i], b[i])) continue;
      if (slots.length === MAX_CHANGED) return undefined;
      slots.push(i);
    }
    if (!slots.length) return { cfg: old, slots, touched: [], flow: [] };
    const ops = old.ops.slice();
    const flows: SlotFlow[] = [];
    let lost = false;
    for (const pc of slots) {
      const before = old.ops[pc];
      const op = this.decode(b, pc);
      if (!before || !op || before.kind === 'lddw' || old.bad[pc] !== undefined) return undefined;
      if (calleeSlot(before, pc) >= 0 || calleeSlot(op, pc) >= 0) return undefined;
      // check_subprogs: a function's last instruction must stay an exit or a jump; jumps stay inside
      const fn = old.funcOf[pc], k = old.subprogs.indexOf(fn), end = old.subprogs[k + 1] ?? n;
      if (pc >= end - 2) return undefined;
      const j = jumpSlot(op, pc);
      if (j >= 0 && (j < fn || j >= end || !old.ops[j])) return undefined;
      // a successor lost may leave an instruction unreachable
      const now = [nextSlot(op, pc), j];
      if ([nextSlot(before, pc), jumpSlot(before, pc)].some((s) => s >= 0 && !now.includes(s))) lost = true;
      ops[pc] = op;
      flows.push(slotFlow(op, pc, this.helperArgs));
    }
    if (lost && !allReachable(ops)) return undefined;
    // marks of the slots the changed instructions point at, before and after
    const counts = new Map<number, number>();
    for (const pc of slots) {
      for (const t of jumpPointsOf(old.ops[pc], pc)) counts.set(t, (counts.get(t) ?? this.jumpIns[t]) - 1);
      for (const t of jumpPointsOf(ops[pc], pc)) counts.set(t, (counts.get(t) ?? this.jumpIns[t]) + 1);
      if (!counts.has(pc)) counts.set(pc, this.jumpIns[pc]);
    }
    const prune = old.prune.slice(), jmp = old.jmp.slice();
    const touched = new Set<number>(slots);
    for (const [t, cnt] of counts) {
      jmp[t] = cnt > 0 ? 1 : 0;
      prune[t] = cnt > 0 || prunesItself(ops[t], t) ? 1 : 0;
      if (jmp[t] !== old.jmp[t] || prune[t] !== old.prune[t]) touched.add(t);
    }
    const { live, differs } = this.liveTables.derive(slots, flows);
    for (const pc of differs) if (readsLive(old.ops, old.prune, pc) || readsLive(ops, prune, pc)) touched.add(pc);
    const flow = slots.filter((pc) => flowKey(old.ops[pc], pc) !== flowKey(ops[pc], pc));
    const cfg: Cfg = { ops, funcOf: old.funcOf, subprogs: old.subprogs, prune, jmp, live, bad: old.bad };
    return { cfg, slots, touched: [...touched], flow };
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

/** check_cfg's reachability: every slot reached from 0 (calls also into their callee; lddw halves skipped). */
function allReachable(ops: readonly (Op | null)[]): boolean {
  const n = ops.length;
  const seen = new Uint8Array(n);
  const work = [0];
  seen[0] = 1;
  while (work.length) {
    const t = work.pop()!;
    const op = ops[t];
    if (!op) return false; // an lddw half reached by a jump: buildCfg's error
    for (const s of [nextSlot(op, t), jumpSlot(op, t), calleeSlot(op, t)]) {
      if (s >= 0 && s < n && !seen[s]) {
        seen[s] = 1;
        work.push(s);
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (!seen[i]) return false;
    if (ops[i]?.kind === 'lddw') i++;
  }
  return true;
}
