// Incremental re-checking for the optimizer: analyse a baseline program once, keeping snapshots
// of the exploration each time it first reaches a new furthest instruction; a candidate that
// differs from the baseline only at or after instruction `a` resumes from the last snapshot taken
// before `a`, because everything explored up to that moment only involved unchanged
// instructions. The result is the one a full run gives (same verdict, message and counts),
// provided the candidate's prune points and register liveness agree on the skipped prefix and,
// where a stack-liveness fixpoint already walked a function, that function's jumps are unchanged —
// checked here, falling back to an earlier snapshot (or a full run) when they do not.
import type { Program } from '../isa/program.ts';
import { sameInsn } from '../isa/insn.ts';
import { InsnError } from '../isa/op.ts';
import { buildCfg, CfgError, type Cfg } from './cfg.ts';
import { type Ctx, type Verdict, copyCtx, freshCtx, run, cfgReject, cfgOrReject } from './analyze.ts';
import type { Options } from './env.ts';
import { sameShape } from './stack-liveness.ts';

interface Snapshot {
  readonly pc: number;
  readonly ctx: Ctx;
}

/** A snapshot to resume from, and whether the candidate has the baseline's control-flow shape. */
interface Resume extends Snapshot {
  readonly shape: boolean;
}

export class Incremental {
  readonly verdict: Verdict;
  private readonly cfg?: Cfg;
  private readonly snaps: Snapshot[] = [];
  /** Candidates checked, and how many instructions the resumed runs skipped in total. */
  readonly stats = { checks: 0, resumed: 0, skippedInsns: 0 };

  constructor(readonly base: Program, readonly opts: Options = {}) {
    try {
      // the unprivileged checks before the CFG (E2BIG, calls needing CAP_BPF): cfgOrReject's
      const early = opts.privileged === false ? cfgOrReject(base, false) : undefined;
      if (early && 'ok' in early) {
        this.verdict = early;
        return;
      }
      this.cfg = early ?? buildCfg(base.insns, base.type);
    } catch (e) {
      if (!(e instanceof CfgError || e instanceof InsnError)) throw e;
      this.verdict = cfgReject(e);
      return;
    }
    // at most ~64 snapshots, evenly spread over the program
    const every = Math.max(1, Math.floor(base.insns.length / 64));
    let last = -every;
    this.verdict = run(base, this.cfg, opts, freshCtx(base.insns.length), (c) => {
      if (c.path.pc - last < every) return;
      last = c.path.pc;
      this.snaps.push({ pc: c.path.pc, ctx: copyCtx(c) });
    });
  }

  /** Check a candidate (same maps and type as the baseline; any instructions). */
  check(prog: Program): Verdict {
    this.stats.checks++;
    const cfg = cfgOrReject(prog, this.opts.privileged ?? true);
    if ('ok' in cfg) return cfg;
    // explored states are hashed by the program's length: a resumed run needs the same length
    const snap = this.cfg && prog.type === this.base.type && prog.maps === this.base.maps && prog.insns.length === this.base.insns.length
      ? this.resumePoint(prog, cfg) : undefined;
    if (!snap) return run(prog, cfg, this.opts, freshCtx(prog.insns.length));
    this.stats.resumed++;
    this.stats.skippedInsns += snap.ctx.processed;
    const c = copyCtx(snap.ctx);
    // stack liveness recorded on the baseline serves the candidate where no fixpoint walked a changed jump
    if (!snap.shape) c.live?.rebase(cfg);
    return run(prog, cfg, this.opts, c);
  }

  /** The last snapshot whose prefix (instructions, prune points, liveness) the candidate shares. */
  private resumePoint(prog: Program, cfg: Cfg): Resume | undefined {
    const a = this.base.insns, b = prog.insns, old = this.cfg!;
    const n = Math.min(a.length, b.length);
    let same = 0;
    while (same < n && sameInsn(a[same], b[same]) && old.prune[same] === cfg.prune[same] && old.jmp[same] === cfg.jmp[same] && old.live[same] === cfg.live[same]) same++;
    const shape = sameShape(old, cfg);
    let best: Snapshot | undefined;
    for (const s of this.snaps) {
      if (s.pc > same) break;
      if (shape || !s.ctx.live || s.ctx.live.fits(cfg)) best = s;
    }
    return best && best.pc > 0 ? { ...best, shape } : undefined;
  }
}

/**
 * A cheap cost for the search: 0 when safe; otherwise the number of instructions from the
 * first error to the end of the program (an error found late means most of the program is fine).
 */
export function safetyDistance(v: Verdict, insnCount: number): number {
  if (v.ok) return 0;
  return Math.max(1, insnCount - (v.error?.index ?? 0));
}
