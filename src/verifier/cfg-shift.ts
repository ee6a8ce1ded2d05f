// A candidate's CFG derived from its baseline's when the candidate deletes slots (renumber.ts: the
// optimizer's materialize, jumps into a deleted slot re-targeted to the next kept one) and perhaps
// changes a few others, instead of decoding and walking the whole program again. A kept slot's
// row moves to its new number with its successors renumbered; a deleted slot is a straight-line
// one (one successor, the next) that starts no function, so every kept slot stays reachable and
// in its function, and the reasons for a jump point on a deleted slot move to the slot its edges
// now lead to. The changed slots are handled as cfg-delta.ts handles them. Register liveness is
// solved again on the moved table (one pass when every edge leads forward). Anything else gives
// undefined and the caller builds the CFG from scratch, which also reports the errors.
import { toOp, type Op } from '../isa/op.ts';
import type { Program } from '../isa/program.ts';
import { helperArgsFor } from '../isa/protos.ts';
import { type HelperArgs, SK_ALU, SK_ATOMIC, SK_CALL, SK_EXIT, SK_LDABS, SK_LDDW, SK_LDX, SK_LOCAL_CALL, SK_NONE, SK_OTHER, SK_ST, SK_STX, isOtherKind, setSlot, solveLive } from '../isa/flow.ts';
import { type Cfg, type CfgTables, cfgTables, jumpPointsOf, prunesItself } from './cfg.ts';
import { type CfgDelta, BREAKS, LOSES, allReachable, keepsStructure } from './cfg-delta.ts';
import { type Renumbering, sameRenumbered } from './renumber.ts';

/** Kept slots with another instruction a derivation handles (as cfg-delta.ts's MAX_CHANGED). */
const MAX_CHANGED = 32;

/** Candidate lengths whose scratch tables a CfgShift keeps (the search's deletions take one to a few slots). */
const MAX_LENGTHS = 8;

/**
 * Slot kinds whose op a kept slot with the baseline's very instruction keeps as it is (not a
 * jump, a local call or an lddw, whose targets or second half may differ): a bit per kind.
 */
const KEPT = (1 << SK_OTHER) | (1 << SK_LDX) | (1 << SK_STX) | (1 << SK_ST) | (1 << SK_ATOMIC) | (1 << SK_ALU) | (1 << SK_EXIT) | (1 << SK_CALL) | (1 << SK_LDABS);

/** A derived CFG, and the baseline's kept slots whose instruction is not the baseline's renumbered. */
export interface ShiftedCfg {
  readonly cfg: Cfg;
  /** Per baseline slot: 1 when kept with another instruction (valid until the next derive). */
  readonly differs: Uint8Array;
}

export class CfgShift {
  private readonly helperArgs: HelperArgs;
  /** Per baseline slot and the end: the candidate slot it leads to (its own, or the next kept one's). */
  private readonly to: Int32Array;
  /** ShiftedCfg.differs, cleared at the next derive. */
  private readonly differs: Uint8Array;
  /** The kept slots with another instruction (baseline numbers), and their new ops. */
  private readonly changed = new Int32Array(MAX_CHANGED);
  private readonly newOps: Op[] = [];
  private count = 0;
  /** The candidate's jump-point reasons per slot (derive's scratch). */
  private readonly reasons: Int32Array;
  /** allReachable's marks (all 0 between calls). */
  private readonly seen: Uint8Array;
  /**
   * Per candidate length: the tables and op list a derivation fills (each entry written anew),
   * so that a derived CFG's seven table views and op list are made once per length, not per
   * candidate. A derived CFG is valid until the next derive (a re-check uses it only while it runs).
   */
  private readonly scratch = new Map<number, { readonly tables: CfgTables; readonly ops: (Op | null)[] }>();

  /**
   * `delta`: the baseline's same-length deriver, whose per-slot counts of jump-point reasons
   * this one moves (and which tells whether they reproduce the baseline's marks).
   */
  constructor(private readonly base: Program, private readonly cfg: Cfg, private readonly delta: CfgDelta, private readonly privileged = true) {
    const n = cfg.ops.length;
    this.helperArgs = helperArgsFor(base.type);
    this.to = new Int32Array(n + 1);
    this.differs = new Uint8Array(n);
    this.seen = new Uint8Array(n);
    this.reasons = new Int32Array(n);
  }

  /** The CFG of `prog`, made from the baseline by deleting slots as `r` says, or undefined when it must be built. */
  derive(prog: Program, r: Renumbering): ShiftedCfg | undefined {
    const old = this.cfg, n = old.ops.length, m = r.n, map = r.map, to = this.to, ok = old.slots.kind;
    // (a baseline slot the static checks reject when reached: built in full, as its message may move)
    if (!this.delta.usable || old.bad.length > 0 || prog.insns.length !== m) return undefined;
    for (let i = 0; i < this.count; i++) this.differs[this.changed[i]] = 0;
    this.count = 0;
    to[n] = m;
    for (let i = n - 1; i >= 0; i--) {
      if (map[i] >= 0) {
        to[i] = map[i];
        continue;
      }
      // a deleted slot: straight-line, not a function's first
      if ((ok[i] !== SK_ALU && !isOtherKind(ok[i])) || old.funcOf[i] === i) return undefined;
      to[i] = to[i + 1];
    }
    const a = this.base.insns, b = prog.insns, ot = old.slots;
    // (every entry is set below: map is onto the candidate's slots)
    const { ops, tables: { funcOf, slots: t, live, prune, jmp } } = this.scratchFor(m);
    const ins = this.delta.jumpIns, reasons = this.reasons;
    reasons.fill(0, 0, m);
    const ofn = old.funcOf, oops = old.ops, onx = ot.next, ojp = ot.jump, ouse = ot.use, okill = ot.kill;
    const tk = t.kind, tn = t.next, tj = t.jump, tu = t.use, tkl = t.kill;
    for (let i = 0; i < n; i++) {
      const c = ins[i];
      if (c) reasons[to[i]] += c;
      const j = map[i];
      if (j < 0) continue;
      funcOf[j] = to[ofn[i]];
      // the baseline's row, its successors renumbered
      const k = ok[i], s1 = onx[i], s2 = ojp[i];
      tk[j] = k;
      tn[j] = s1 >= 0 ? to[s1] : -1;
      tj[j] = s2 >= 0 ? to[s2] : -1;
      tu[j] = ouse[i];
      tkl[j] = okill[i];
      if (k === SK_NONE || (a[i] === b[j] && (KEPT >> k) & 1)) {
        ops[j] = oops[i];
        continue;
      }
      const op = this.other(i, j, b, r, t);
      if (!op) return undefined;
      ops[j] = op;
    }
    const subprogs = old.subprogs.map((s) => map[s]);
    if (this.count && !this.checkChanged(ops, t, funcOf, reasons)) return undefined;
    for (let j = 0; j < m; j++) {
      const c = reasons[j] > 0 ? 1 : 0;
      jmp[j] = c;
      prune[j] = c || prunesItself(tk[j]) ? 1 : 0;
    }
    // (solveLive works up from all 0, and leaves an lddw half's entry as it is)
    live.fill(0);
    solveLive(t, m, live);
    return { cfg: { ops, funcOf, subprogs, prune, jmp, live, bad: old.bad, slots: t }, differs: this.differs };
  }

  /** The scratch tables for candidates of m slots (made at the first; a few lengths kept). */
  private scratchFor(m: number): { readonly tables: CfgTables; readonly ops: (Op | null)[] } {
    let s = this.scratch.get(m);
    if (!s) {
      if (this.scratch.size === MAX_LENGTHS) this.scratch.clear();
      // (every entry is set by derive: map is onto the candidate's slots)
      s = { tables: cfgTables(m), ops: new Array<Op | null>(m).fill(null) };
      this.scratch.set(m, s);
    }
    return s;
  }

  /**
   * The op at candidate slot j, kept from baseline slot i when its instruction is the baseline's
   * renumbered (decoded again when a jump's or call's encoding moved), else a changed slot's,
   * whose row is written here and which is recorded; undefined when the CFG must be built.
   */
  private other(i: number, j: number, b: Program['insns'], r: Renumbering, t: Cfg['slots']): Op | undefined {
    const old = this.cfg, a = this.base.insns, x = a[i], y = b[j], k = old.slots.kind[i];
    const op = old.ops[i]!;
    if (!(sameRenumbered(x, y, i, j, r) && (k !== SK_LDDW || sameRenumbered(a[i + 1], b[j + 1], i + 1, j + 1, r)))) {
      if (this.count === MAX_CHANGED || k === SK_LDDW || k === SK_LOCAL_CALL || y.code === 0x18) return undefined;
      const nop = decode(b, j);
      if (!nop || nop.kind === 'lddw' || (nop.kind === 'call' && nop.callKind === 'local')) return undefined;
      this.newOps[this.count] = nop;
      this.changed[this.count++] = i;
      this.differs[i] = 1;
      setSlot(t, j, nop, this.helperArgs);
      return nop;
    }
    // a function's address (lddw, pseudo 4) is not re-targeted: its function must not move
    if (op.kind === 'lddw') return op.pseudo !== 4 || this.to[i + x.imm + 1] === j + x.imm + 1 ? op : undefined;
    return x.off !== y.off || x.imm !== y.imm ? decode(b, j) : op;
  }

  /**
   * The changed slots keep the structure (cfg-delta.ts keepsStructure, every slot still
   * reachable); their jump-point reasons moved in `reasons`.
   */
  private checkChanged(ops: (Op | null)[], t: Cfg['slots'], funcOf: Int32Array, reasons: Int32Array): boolean {
    const old = this.cfg, ot = old.slots, to = this.to, fnEnd = this.delta.fnEnd;
    let lost = false;
    for (let c = 0; c < this.count; c++) {
      const i = this.changed[c], j = to[i], op = this.newOps[c];
      const bn = ot.next[i] >= 0 ? to[ot.next[i]] : -1, bj = ot.jump[i] >= 0 ? to[ot.jump[i]] : -1;
      // (a function's first slot is kept, so its function ends where the baseline's next one, moved, starts)
      const kept = keepsStructure(t, j, funcOf[j], to[fnEnd[i]], ops, op, this.privileged, bn, bj);
      if (kept === BREAKS) return false;
      if (kept === LOSES) lost = true;
      for (const s of jumpPointsOf(old.ops[i], i)) reasons[to[s]]--;
      for (const s of jumpPointsOf(op, j)) reasons[s]++;
    }
    return !lost || allReachable(ops, this.seen);
  }
}

/** Slot pc decoded, or undefined when it does not decode (buildCfg's own handling is needed). */
function decode(insns: Program['insns'], pc: number): Op | undefined {
  try {
    return toOp(insns, pc);
  } catch {
    return undefined;
  }
}
