// The optimizer: a K2-style chain over the program, each improvement validated (kernel
// verifier + kernel test_run agreement now; Z3 equivalence when src/smt provides it), then a
// final check of the best result. Never returns an unvalidated program as the result.
import type { Program } from '../isa/program.ts';
import type { Insn } from '../isa/insn.ts';
import { runChain, type ChainStats } from './chain.ts';
import type { Objective } from './cost.ts';
import { KernelOracle, type Verdict } from './validate.ts';
import type { TestGroup } from './tests.ts';
import type { Slot } from './proposals.ts';

export { KernelOracle };

export interface OptimizeOptions {
  budgetMs: number;
  seed: number;
  objective: Objective;
  onProgress?: (s: ChainStats) => void;
}

export interface OptimizeResult {
  program: Program;
  slots: Slot[];
  /** Slots of the original that were deleted, and old → new slot map. */
  deleted: Set<number>;
  oldToNew: Int32Array;
  stats: ChainStats;
  /** How the result was validated, or why no improvement could be validated. */
  validation: string;
  improved: boolean;
}

export async function optimize(program: Program, opts: OptimizeOptions): Promise<OptimizeResult & { tests: readonly TestGroup[] }> {
  let oracle: KernelOracle | string | undefined;
  let tests: readonly TestGroup[] = [];
  const validate = async (insns: Insn[], _deleted: Set<number>, tests: readonly TestGroup[]): Promise<Verdict> => {
    oracle ??= KernelOracle.open(program, tests);
    if (typeof oracle === 'string') return { ok: false, stage: 'unavailable', reason: oracle };
    return oracle.check(insns);
  };
  try {
    const r = await runChain(program, { ...opts, validate, onTests: (t) => (tests = t) });
    const improved = r.stats.bestPerf < r.stats.originalPerf;
    const validation = improved ? r.stats.validatedBy.join(', ') : typeof oracle === 'string' ? `no validator available (${oracle}): nothing is claimed` : 'no improvement found';
    return { program: { ...program, insns: r.best }, slots: r.bestSlots, deleted: r.deleted, oldToNew: r.oldToNew, stats: r.stats, validation, improved, tests };
  } finally {
    if (oracle && typeof oracle !== 'string') oracle.close();
  }
}
