// K2's Metropolis–Hastings chain confined to one window, run on the window's entry states
// (window-states.ts) instead of the whole program: a step costs the window's length per test.
// A candidate that passes every test and beats the window's best is handed to `prove`, which
// answers later (non-blocking: the chain goes on meanwhile) or at once from the cache.
import type { Op } from '../isa/op.ts';
import { perf, type CostTable, type Objective } from './cost.ts';
import { propose, type ProposalContext, type Slot } from './proposals.ts';
import { readsDefined, type Window } from './window-pick.ts';
import type { WindowRunner, WindowTest } from './window-states.ts';

/** What the chain asks of the proof side: start a proof, or say it is known bad or pending. */
export type Submit = (ops: Op[], localPerf: number, slots: readonly Slot[]) => 'started' | 'refuted' | 'pending' | 'proved' | 'busy';

export interface WindowChainStats {
  iterations: number;
  rejectedTests: number;
  rejectedPrefilter: number;
  submitted: number;
}

/** Cost increases beyond this are accepted with probability < 2^-SLACK: stop testing them. */
const SLACK = 12;

export class WindowChain {
  /** Window slots of the chain's current candidate (absolute pcs, as in `slots`). */
  readonly current: Slot[];
  private curCost: number;
  /** Perf of the best proved window (the chain submits only what beats it). */
  bestPerf: number;
  readonly stats: WindowChainStats = { iterations: 0, rejectedTests: 0, rejectedPrefilter: 0, submitted: 0 };

  constructor(
    readonly w: Window,
    /** The machine running this window (shared between windows: reinstalled before each turn). */
    public runner: WindowRunner,
    readonly tests: WindowTest[],
    private readonly original: readonly Slot[],
    private readonly ctx: ProposalContext,
    private readonly allows: (pc: number, op: Slot) => boolean,
    private readonly objective: Objective,
    private readonly costs: CostTable | undefined,
    private readonly rand: () => number,
    private readonly we = 0.5,
    private readonly wp = 2,
  ) {
    this.current = original.slice();
    this.bestPerf = this.localPerf(this.current);
    this.curCost = wp * this.bestPerf;
  }

  /** Perf of the window's slots (a window holds no lddw: a null slot in it is a deleted one). */
  localPerf(slots: readonly Slot[]): number {
    const { start, end } = this.w;
    const ops = slots.slice(start, end);
    const deleted = new Uint8Array(ops.length);
    for (let i = 0; i < ops.length; i++) if (ops[i] === null) deleted[i] = 1;
    return perf({ ops, deleted }, this.objective, this.costs);
  }

  /** The window's ops of a candidate (deleted slots left out). */
  ops(slots: readonly Slot[]): Op[] {
    return slots.slice(this.w.start, this.w.end).filter((o): o is Op => o !== null);
  }

  /** Put the runner's machine on the chain's current slots (after another window used it). */
  install(): void {
    for (let pc = this.w.start; pc < this.w.end; pc++) this.runner.patch(pc, this.current[pc]);
  }

  /** Error of the runner's current code on the tests; stops once past `limit`. */
  error(limit = Infinity): number {
    let e = 0;
    const tests = this.tests, live = this.w.liveOut;
    for (let i = 0; i < tests.length; i++) {
      const t = tests[i];
      const d = this.runner.distance(this.runner.run(t.entry), t, live);
      if (!d) continue;
      e += d + 1;
      if (e > limit) {
        // the test that caught this candidate goes first: it usually catches the next one too
        if (i) tests.unshift(...tests.splice(i, 1));
        break;
      }
    }
    return e;
  }

  /** `n` steps of the chain. */
  steps(n: number, submit: Submit): void {
    const { start, end } = this.w;
    const cur = this.current, runner = this.runner;
    for (let k = 0; k < n; k++) {
      this.stats.iterations++;
      const changes = propose(this.ctx, cur, this.original);
      if (!changes.every(([pc, op]) => this.allows(pc, op))) {
        this.stats.rejectedPrefilter++;
        continue;
      }
      const undo: [number, Slot][] = changes.map(([pc]) => [pc, cur[pc]]);
      for (const [pc, op] of changes) cur[pc] = op;
      const back = (): void => {
        for (const [pc, op] of undo) cur[pc] = op;
      };
      if (!readsDefined(cur, start, end, this.w.defined)) {
        this.stats.rejectedPrefilter++;
        back();
        continue;
      }
      let patched = true;
      for (const [pc, op] of changes) if (!runner.patch(pc, op)) patched = false;
      const revert = (): void => {
        back();
        for (const [pc] of changes) runner.patch(pc, cur[pc]);
      };
      if (!patched) {
        revert();
        continue;
      }
      const p = this.localPerf(cur);
      const limit = (this.curCost - this.wp * p + SLACK) / this.we;
      const err = this.error(limit);
      if (err) this.stats.rejectedTests++;
      const cost = this.we * err + this.wp * p;
      if (err === 0 && p < this.bestPerf - 1e-12) {
        const s = submit(this.ops(cur), p, cur);
        if (s === 'started') this.stats.submitted++;
        // a known-bad rewrite is a rejected move: the chain does not stand on it
        if (s === 'refuted') {
          revert();
          continue;
        }
      }
      if (cost <= this.curCost || this.rand() < Math.pow(2, -(cost - this.curCost))) this.curCost = cost;
      else revert();
    }
  }

  /** The chain back on the window's best (after its candidate was refuted). */
  resetTo(best: readonly Slot[]): void {
    for (let pc = this.w.start; pc < this.w.end; pc++) this.current[pc] = best[pc];
    this.install();
    this.curCost = this.we * this.error() + this.wp * this.localPerf(this.current);
  }

  /** Add a test (a counterexample's state) and re-cost the current candidate. */
  addTest(t: WindowTest): void {
    this.tests.unshift(t);
    this.curCost = this.we * this.error() + this.wp * this.localPerf(this.current);
  }
}
