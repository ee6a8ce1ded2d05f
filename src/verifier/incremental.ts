// Incremental re-checking for the optimizer: analyse a baseline program once, recording when the
// exploration first touched each instruction and keeping snapshots of the exploration at such
// first visits. A candidate resumes from the last snapshot taken before the exploration first
// touched anything the candidate changes (an instruction, a prune or jump point, the live
// registers of a slot), because everything explored up to that moment is the same for both.
// The result is the one a full run gives (same verdict, message and counts), provided also that
// no stack-liveness fixpoint has already walked a function whose control flow changed — checked
// here, falling back to an earlier snapshot (or a full run) when one has.
//
// The candidate's CFG is derived from the baseline's (cfg-delta.ts) when the change keeps the
// program's structure, so a re-check decodes and solves only around the changed slots.
import type { Program } from '../isa/program.ts';
import { sameInsn } from '../isa/insn.ts';
import { InsnError } from '../isa/op.ts';
import { buildCfg, CfgError, type Cfg } from './cfg.ts';
import { type Ctx, type Verdict, copyCtx, freshCtx, run, verify, cfgReject, cfgOrReject } from './analyze.ts';
import type { Options } from './env.ts';
import { sameShape } from './stack-liveness.ts';
import { CfgDelta, readsLive } from './cfg-delta.ts';

interface Snapshot {
  /** Instructions processed before it (the next one is the first visit of its instruction). */
  readonly processed: number;
  readonly ctx: Ctx;
}

/** What a candidate changes, as far as resuming is concerned. */
interface Change {
  readonly cfg: Cfg;
  /** Slots whose instruction, marks or live registers differ. */
  readonly touched: readonly number[];
  /**
   * Functions whose control flow changed (a snapshot whose stack liveness solved one cannot
   * serve), or, for a CFG built from scratch, whether the whole shape is the baseline's.
   */
  readonly flowFuncs?: readonly number[];
  readonly shape?: boolean;
  /** The stack-liveness fixpoints must walk the candidate's control flow from now on. */
  readonly rebase: boolean;
}

/** Most snapshots a baseline keeps (each costs a copy of the exploration when taken). */
const MAX_SNAPSHOTS = 128;

export class Incremental {
  readonly verdict: Verdict;
  private readonly cfg?: Cfg;
  private readonly delta?: CfgDelta;
  private readonly snaps: Snapshot[] = [];
  /** Per slot: 1 + instructions processed before the baseline's exploration first touched it (0: never). */
  private readonly firstTouch: Int32Array;
  /** Options that record the whole exploration (log, trace): every candidate gets a full check. */
  private readonly full: boolean;
  /** Candidates checked, and how many instructions the resumed runs skipped in total. */
  readonly stats = { checks: 0, resumed: 0, skippedInsns: 0, derived: 0 };

  constructor(readonly base: Program, readonly opts: Options = {}) {
    const n = base.insns.length;
    this.firstTouch = new Int32Array(n + 1);
    this.full = !!(opts.states || opts.trace || opts.entries || opts.stackLiveLog);
    let cfg: Cfg;
    try {
      // the unprivileged checks before the CFG (E2BIG, calls needing CAP_BPF): cfgOrReject's
      const early = opts.privileged === false ? cfgOrReject(base, false) : undefined;
      if (early && 'ok' in early) {
        this.verdict = early;
        return;
      }
      cfg = this.cfg = early ?? buildCfg(base.insns, base.type);
    } catch (e) {
      if (!(e instanceof CfgError || e instanceof InsnError)) throw e;
      this.verdict = cfgReject(e);
      return;
    }
    this.delta = new CfgDelta(base, cfg, opts.privileged !== false);
    const every = Math.max(1, Math.ceil(n / MAX_SNAPSHOTS));
    let firsts = 0;
    const touch = this.firstTouch;
    this.verdict = run(base, cfg, opts, freshCtx(n), (c, pc) => {
      if (touch[pc]) return;
      touch[pc] = c.processed + 1;
      // a call's next slot is read (its live registers) while the callee runs
      if (cfg.ops[pc]?.kind === 'call' && !touch[pc + 1]) touch[pc + 1] = c.processed + 1;
      if (c.processed > 0 && firsts++ % every === 0) this.snaps.push({ processed: c.processed, ctx: copyCtx(c) });
    });
  }

  /** Check a candidate (same maps and type as the baseline; any instructions). */
  check(prog: Program): Verdict {
    this.stats.checks++;
    if (this.full || !this.cfg || prog.maps !== this.base.maps || prog.type !== this.base.type || prog.insns.length !== this.base.insns.length) return verify(prog, this.opts);
    const change = this.change(prog);
    if ('ok' in change) return change;
    const snap = this.resumePoint(change);
    if (!snap) return run(prog, change.cfg, this.opts, freshCtx(prog.insns.length));
    this.stats.resumed++;
    this.stats.skippedInsns += snap.processed;
    const c = copyCtx(snap.ctx);
    if (change.rebase) c.live?.rebase(change.cfg);
    return run(prog, change.cfg, this.opts, c);
  }

  /** The candidate's CFG and what it changes; a rejection by the static checks; the baseline's verdict for the same program. */
  private change(prog: Program): Change | Verdict {
    const old = this.cfg!;
    const d = this.delta?.derive(prog);
    if (d) {
      if (!d.slots.length) return this.verdict;
      this.stats.derived++;
      const flowFuncs: number[] = [];
      for (const pc of d.flow) flowFuncs.push(old.funcOf[pc]);
      return { cfg: d.cfg, touched: d.touched, rebase: d.flow.length > 0, flowFuncs };
    }
    const cfg = cfgOrReject(prog, this.opts.privileged ?? true);
    if ('ok' in cfg) return cfg;
    const a = this.base.insns, b = prog.insns;
    const touched: number[] = [];
    for (let i = 0; i < a.length; i++) {
      const live = old.live[i] !== cfg.live[i] && (readsLive(old.ops, old.prune, i) || readsLive(cfg.ops, cfg.prune, i));
      if (live || !sameInsn(a[i], b[i]) || old.prune[i] !== cfg.prune[i] || old.jmp[i] !== cfg.jmp[i] || old.funcOf[i] !== cfg.funcOf[i] || old.bad[i] !== cfg.bad[i]) touched.push(i);
    }
    const shape = sameShape(old, cfg);
    return { cfg, touched, rebase: !shape, shape };
  }

  /** The last snapshot taken before the baseline's exploration first touched a changed slot, whose stack liveness fits. */
  private resumePoint(change: Change): Snapshot | undefined {
    let first = Infinity;
    for (const pc of change.touched) if (this.firstTouch[pc] && this.firstTouch[pc] < first) first = this.firstTouch[pc];
    // snapshots are in exploration order: the last one before `first`
    let lo = 0, hi = this.snaps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.snaps[mid].processed < first) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo - 1; k >= 0; k--) if (fits(this.snaps[k], change)) return this.snaps[k];
    return undefined;
  }
}

/** May the snapshot's stack liveness serve the candidate (no fixpoint walked a changed control flow)? */
function fits(s: Snapshot, change: Change): boolean {
  const live = s.ctx.live;
  if (!live) return true;
  if (change.flowFuncs) {
    for (const f of change.flowFuncs) if (live.solvedFunction(f)) return false;
    return true;
  }
  return change.shape || live.fits(change.cfg);
}

/**
 * A cheap cost for the search: 0 when safe; otherwise the number of instructions from the
 * first error to the end of the program (an error found late means most of the program is fine).
 */
export function safetyDistance(v: Verdict, insnCount: number): number {
  if (v.ok) return 0;
  return Math.max(1, insnCount - (v.error?.index ?? 0));
}
