// The optimizer: a K2-style chain over the program, each improvement validated (kernel
// verifier + kernel test_run agreement now; Z3 equivalence when src/smt provides it), then a
// final check of the best result. Never returns an unvalidated program as the result.
import type { Program } from '../isa/program.ts';
import type { Insn } from '../isa/insn.ts';
import type { ChainStats } from './chain.ts';
import { runChains } from './parallel.ts';
import type { CostTable, Objective } from './cost.ts';
import type { Variant } from './chain.ts';
import { KernelOracle, type Verdict } from './validate.ts';
import { changesControl, proveEquivalent, type Proof } from './prove.ts';
import { proveCoreIndependent } from './core-check.ts';
import type { TestGroup } from './tests.ts';
import type { Candidate } from './candidate.ts';
import type { VerifierConfig } from '../verifier/config.ts';
import { EquivService } from '../smt/isolated.ts';
import { unprivilegedLoad, UNPRIV_CHECK } from './privilege.ts';
import { runWindowSearch, type WindowSearchStats } from './window-search.ts';

export { KernelOracle };

export interface OptimizeOptions {
  budgetMs: number;
  seed: number;
  objective: Objective;
  /** Chains run at once, each on a worker thread (1: in this thread). */
  chains?: number;
  /** Stop each chain after this many candidates (deterministic for a seed). */
  maxIterations?: number;
  onProgress?: (s: ChainStats) => void;
  /** Functions to leave unchanged (shared with other programs of the object; see sharedFuncs). */
  keepFuncs?: readonly string[];
  /** Per-class latency costs from a calibration (default: the built-in table). */
  costs?: CostTable;
  /** Shared flag: nonzero stops every chain (see ChainOptions.stop). */
  stop?: Int32Array;
  /** Allow rewrites valid only when no one else writes the maps (see ChainOptions.exclusiveMaps). */
  exclusiveMaps?: boolean;
  /** Kernel, loader and target (see ChainOptions.config); unprivileged: the model and an unprivileged kernel load check results. */
  config?: VerifierConfig;
  /** The Z3 process to prove candidates with (default: one of this run's own, closed when it ends). */
  equiv?: EquivService;
  /**
   * Search windows (window-search.ts) instead of whole-program chains: for large programs,
   * where a whole-program run per test makes candidates slow. 'auto': from WINDOWS_FROM insns.
   */
  windows?: boolean | 'auto';
}

/** Program size from which 'auto' searches windows. */
export const WINDOWS_FROM = 400;

export interface OptimizeResult {
  program: Program;
  /** The result as a candidate over the original (its slots, the deleted ones), and old → new slot map. */
  candidate: Candidate;
  oldToNew: Int32Array;
  stats: ChainStats;
  /** How the result was validated, or why no improvement could be validated. */
  validation: string;
  improved: boolean;
  /** Z3 equivalence queries made during the search and their median time. */
  z3: { queries: number; medianMs: number };
  /** Distinct validated programs the chains stood on, best (by the search's cost) first. */
  variants: Variant[];
  /** The window search's counts, when it ran. */
  windows?: WindowSearchStats;
}

export async function optimize(program: Program, opts: OptimizeOptions): Promise<OptimizeResult & { tests: readonly TestGroup[] }> {
  // one kernel oracle per chain: each chain has its own tests
  const oracles = new Map<number, KernelOracle | string>();
  const z3Times: number[] = [];
  const started = performance.now();
  // the Z3 process of this run (the caller's, else one of its own, closed at the end)
  const equiv = opts.equiv ?? new EquivService();
  const validate = async (chain: number, cand: Candidate, insns: Insn[], tests: readonly TestGroup[]): Promise<Verdict | Proof> => {
    let oracle = oracles.get(chain);
    if (oracle === undefined) oracles.set(chain, (oracle = KernelOracle.open(program, tests)));
    // without the kernel, the verifier model (already passed in the chain) stands in for it
    const k: Verdict = typeof oracle === 'string' ? { ok: true, how: `verifier model (kernel not used: ${oracle})` } : oracle.check(insns);
    if (!k.ok) return k;
    // unprivileged: the kernel's own word that an unprivileged loader takes it (not run: the model's, already given)
    const u = opts.config?.privileged === false ? unprivilegedLoad({ ...program, insns }) : undefined;
    if (u?.ran && !u.ok) return { ok: false, stage: 'verifier', reason: `unprivileged: ${u.detail}` };
    // Z3: the candidate computes the same r0, packet, maps and helper calls for every input
    // (the whole program, or else every changed window); tests, ours or the kernel's, cannot
    // stand in for a proof: they may all take one path
    const t0 = performance.now();
    // Z3 gets what is left of the budget (at least 2 s, at most 20 s per query; 90 s for a
    // changed jump, which only the whole program proves: xdp_router_ipv4's takes ~33 s loaded)
    const left = opts.budgetMs - (performance.now() - started);
    const cap = changesControl(cand) ? 90_000 : 20_000;
    const proof = await proveEquivalent(equiv, cand, insns, Math.round(Math.max(2_000, Math.min(cap, left))));
    if (!proof.ok) {
      z3Times.push(performance.now() - t0);
      return proof;
    }
    // CO-RE: the candidate must not depend on the values relocations have on this kernel
    const moved = await proveCoreIndependent(equiv, cand, Math.round(Math.max(2_000, Math.min(20_000, left))));
    z3Times.push(performance.now() - t0);
    if (moved && !moved.ok) return moved;
    return { ok: true, how: `${(moved ?? proof).how} + ${k.how}${u?.ran ? ` + ${UNPRIV_CHECK}` : ''}` };
  };
  try {
    const useWindows = opts.windows === true || (opts.windows === 'auto' && program.insns.length >= WINDOWS_FROM);
    const r = useWindows
      ? await runWindowSearch(program, { ...opts, equiv, validate: (cand, insns, tests) => validate(0, cand, insns, tests) })
      : await runChains(program, { ...chainOpts(opts), chains: opts.chains ?? 1, validate });
    const improved = r.stats.bestPerf < r.stats.originalPerf;
    const noKernel = [...oracles.values()].find((o): o is string => typeof o === 'string');
    const validation = improved ? r.stats.validatedBy[r.stats.validatedBy.length - 1] ?? '' : noKernel ? `no validator available (${noKernel}): nothing is claimed` : r.stats.validatedBy.find((v) => v.startsWith('rejected at the end')) ?? 'no improvement found';
    const sorted = z3Times.slice().sort((a, b) => a - b);
    const z3 = { queries: sorted.length, medianMs: sorted.length ? +sorted[sorted.length >> 1].toFixed(1) : 0 };
    return { program: { ...program, insns: r.best }, candidate: r.candidate, oldToNew: r.oldToNew, stats: r.stats, validation, improved, tests: r.tests, z3, variants: r.validated ?? [], windows: 'windowStats' in r ? (r.windowStats as WindowSearchStats) : undefined };
  } finally {
    for (const o of oracles.values()) if (typeof o !== 'string') o.close();
    if (!opts.equiv) await equiv.close();
  }
}

/**
 * The options the chains get: without the Z3 service (validate closes over it), whose child
 * process cannot be cloned into the chains' workers once it has started (inlining's proof does).
 */
function chainOpts(opts: OptimizeOptions): Omit<OptimizeOptions, 'equiv'> {
  const { equiv: _service, ...rest } = opts;
  return rest;
}
