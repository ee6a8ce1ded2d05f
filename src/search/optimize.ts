// The optimizer: a K2-style chain over the program, each improvement validated (kernel
// verifier + kernel test_run agreement now; Z3 equivalence when src/smt provides it), then a
// final check of the best result. Never returns an unvalidated program as the result.
import type { Program } from '../isa/program.ts';
import type { Insn } from '../isa/insn.ts';
import { runChain, type ChainStats } from './chain.ts';
import type { Objective } from './cost.ts';
import { KernelOracle, type Verdict } from './validate.ts';
import { programEquiv } from '../smt/equiv.ts';
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
  let zUnknown: string | undefined;
  const validate = async (insns: Insn[], _deleted: Set<number>, tests: readonly TestGroup[]): Promise<Verdict | { ok: false; stage: string; reason: string; counterexample?: Uint8Array }> => {
    oracle ??= KernelOracle.open(program, tests);
    // without the kernel, the verifier model (already passed in the chain) stands in for it
    const k: Verdict = typeof oracle === 'string' ? { ok: true, how: 'verifier model (no kernel)' } : oracle.check(insns);
    if (!k.ok) return k;
    // Z3: the candidate computes the same r0, packet, maps and helper calls for every input
    const eq = await programEquiv(program, insns, { timeoutMs: 20_000 });
    if (eq.equal === false) return { ok: false, stage: 'z3', reason: 'not equivalent', counterexample: eq.counterexample.packet };
    if (eq.equal === null) {
      zUnknown = eq.unknown;
      // without Z3's proof, only the kernel's own test runs back the result
      if (typeof oracle === 'string') return { ok: false, stage: 'z3-unknown', reason: eq.unknown };
      return { ok: true, how: `${k.how} (Z3: unknown — ${eq.unknown})` };
    }
    return { ok: true, how: `Z3 equivalence + ${k.how}` };
  };
  try {
    const r = await runChain(program, { ...opts, validate, onTests: (t) => (tests = t) });
    const improved = r.stats.bestPerf < r.stats.originalPerf;
    void zUnknown;
    const validation = improved ? r.stats.validatedBy[r.stats.validatedBy.length - 1] ?? '' : typeof oracle === 'string' ? `no validator available (${oracle}): nothing is claimed` : 'no improvement found';
    return { program: { ...program, insns: r.best }, slots: r.bestSlots, deleted: r.deleted, oldToNew: r.oldToNew, stats: r.stats, validation, improved, tests };
  } finally {
    if (oracle && typeof oracle !== 'string') oracle.close();
  }
}
