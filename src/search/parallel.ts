// Several chains at once, one per worker thread (K2 runs its chains as separate processes).
// The workers search; this thread validates their new bests one at a time (the kernel oracle
// and Z3 are not shared between threads) and keeps the best result. Chain i uses seed + i, so
// a run is deterministic for a seed and an iteration count.
import { Worker } from 'node:worker_threads';
import type { Insn } from '../isa/insn.ts';
import type { Program } from '../isa/program.ts';
import { runChain, type ChainOptions, type ChainResult, type ChainStats, type Variant } from './chain.ts';
import type { TestGroup } from './tests.ts';
import { Candidate, Original, type CandidateWire } from './candidate.ts';

type Verdict = Awaited<ReturnType<NonNullable<ChainOptions['validate']>>>;

export type ToWorker = { type: 'verdict'; id: number; verdict: Verdict };
export type FromWorker =
  | { type: 'tests'; chain: number; tests: readonly TestGroup[] }
  | { type: 'progress'; chain: number; stats: ChainStats }
  | { type: 'validate'; chain: number; id: number; insns: Insn[]; tests: readonly TestGroup[]; cand: CandidateWire }
  | { type: 'done'; chain: number; result: WireResult };

/** A chain's result as it crosses a thread: candidates as their wire form. */
export type WireResult = Omit<ChainResult, 'candidate' | 'validated'> & { candidate: CandidateWire; validated: (Omit<Variant, 'candidate'> & { candidate: CandidateWire })[] };

export function toWireResult(r: ChainResult): WireResult {
  return { ...r, candidate: r.candidate.toWire(), validated: r.validated.map((v) => ({ ...v, candidate: v.candidate.toWire() })) };
}

function fromWireResult(o: Original, r: WireResult): ChainResult {
  return { ...r, candidate: Candidate.fromWire(o, r.candidate), validated: r.validated.map((v) => ({ ...v, candidate: Candidate.fromWire(o, v.candidate) })) };
}

export interface ParallelOptions extends Omit<ChainOptions, 'validate' | 'onTests'> {
  chains: number;
  /** Validate chain `chain`'s candidate; calls are serialized. */
  validate?: (chain: number, cand: Candidate, insns: Insn[], tests: readonly TestGroup[]) => Promise<Verdict>;
}

/** Sum the counters of several chains; the best-related fields come from the best chain. */
export function mergeStats(all: readonly ChainStats[]): ChainStats {
  const best = bestIndex(all);
  const rejectedValidation: Record<string, number> = {};
  for (const s of all) for (const [k, v] of Object.entries(s.rejectedValidation)) rejectedValidation[k] = (rejectedValidation[k] ?? 0) + v;
  return {
    iterations: all.reduce((a, s) => a + s.iterations, 0),
    accepted: all.reduce((a, s) => a + s.accepted, 0),
    rejectedTests: all.reduce((a, s) => a + s.rejectedTests, 0),
    rejectedValidation,
    bestPerf: all[best].bestPerf,
    originalPerf: all[best].originalPerf,
    elapsedMs: Math.max(...all.map((s) => s.elapsedMs)),
    bestAtMs: all[best].bestAtMs,
    bestAtIteration: all[best].bestAtIteration,
    validatedBy: all[best].validatedBy,
  };
}

/** The chain with the best result; ties go to the one that needed fewer candidates, then the lowest index. */
function bestIndex(all: readonly ChainStats[]): number {
  let b = 0;
  for (let i = 1; i < all.length; i++) {
    const s = all[i], t = all[b];
    if (s.bestPerf < t.bestPerf || (s.bestPerf === t.bestPerf && s.bestPerf < s.originalPerf && s.bestAtIteration < t.bestAtIteration)) b = i;
  }
  return b;
}

/** Validated variants of every chain, each program once, best (lowest perf) first. */
export function distinctVariants(all: readonly Variant[]): Variant[] {
  const seen = new Set<string>();
  const out: Variant[] = [];
  for (const v of [...all].sort((x, y) => x.perf - y.perf)) {
    const key = v.insns.map((x) => `${x.code},${x.dst},${x.src},${x.off},${x.imm}`).join(';');
    if (!seen.has(key)) {
      seen.add(key);
      out.push(v);
    }
  }
  return out;
}

/** The worker's entry: a JavaScript shim that registers tsx, then loads chain-worker.ts. */
const WORKER = new URL('./chain-worker.mjs', import.meta.url);

export async function runChains(program: Program, opts: ParallelOptions): Promise<ChainResult & { tests: readonly TestGroup[] }> {
  const { chains, validate, onProgress, ...chainOpts } = opts;
  if (chains <= 1) {
    let tests: readonly TestGroup[] = [];
    const r = await runChain(program, {
      ...chainOpts, onProgress,
      onTests: (t) => (tests = t),
      validate: validate && ((cand, insns, t) => validate(0, cand, insns, t)),
    });
    return { ...r, tests };
  }
  const stats: ChainStats[] = [];
  const results: ChainResult[] = [];
  const tests: (readonly TestGroup[])[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  // the workers get the decoded slots too: the program is decoded once, here
  const original = Original.of(program);
  const workers = Array.from({ length: chains }, (_, chain) => new Worker(WORKER, {
    workerData: { program, ops: original.ops, opts: { ...chainOpts, seed: chainOpts.seed + chain }, chain },
  }));
  try {
    await Promise.all(workers.map((w, chain) => new Promise<void>((resolve, reject) => {
      w.on('error', reject);
      w.on('exit', (code) => (results[chain] ? resolve() : reject(new Error(`search chain ${chain} stopped (exit ${code}) before finishing`))));
      w.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'tests':
            tests[chain] = m.tests;
            break;
          case 'progress':
            stats[chain] = m.stats;
            if (onProgress && stats.filter(Boolean).length === chains) onProgress(mergeStats(stats));
            break;
          case 'validate': {
            const job = queue.then(async () => (validate ? validate(chain, Candidate.fromWire(original, m.cand), m.insns, m.tests) : ({ ok: true, how: 'not validated' } as Verdict)));
            queue = job.catch(() => undefined);
            job.then((verdict) => w.postMessage({ type: 'verdict', id: m.id, verdict } satisfies ToWorker), reject);
            break;
          }
          case 'done':
            results[chain] = fromWireResult(original, m.result);
            stats[chain] = m.result.stats;
            break;
        }
      });
    })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const b = bestIndex(results.map((r) => r.stats));
  return { ...results[b], stats: mergeStats(results.map((r) => r.stats)), tests: tests[b] ?? [], validated: distinctVariants(results.flatMap((r) => r.validated)) };
}
