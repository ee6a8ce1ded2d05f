// An exploration stopped between two steps, for the tests that look at one mid-run (rejoin
// comparisons, take-overs of the baseline's steps).
import type { Program } from '../../src/isa/program.ts';
import type { Cfg } from '../../src/verifier/cfg.ts';
import { type Ctx, freshCtx, run } from '../../src/verifier/analyze.ts';
import type { Future } from '../../src/verifier/rejoin.ts';

/** p's exploration stopped before its step k (k instructions processed). */
export const stoppedAt = (p: Program, cfg: Cfg, k: number): Ctx => runTo(p, cfg, freshCtx(p.insns.length), k);

/** The exploration c (stopped between two steps: mutated) run on until it has processed k instructions. */
export function runTo(p: Program, cfg: Cfg, c: Ctx, k: number): Ctx {
  try {
    run(p, cfg, {}, c, (cc) => {
      if (cc.processed === k) throw cc;
    });
  } catch (e) {
    if (e !== c) throw e;
  }
  return c;
}

/** A future of a program of n slots that reads every explored list and slot again. */
export const readsAll = (n: number, cfg: Cfg): Future => ({ k: 0, buckets: new Int32Array(n).fill(1), slots: new Int32Array(n).fill(1), live: cfg.live });
