// One Metropolis–Hastings chain (K2): propose, evaluate on the tests in the interpreter,
// accept with probability min(1, 2^-(cost_new - cost_cur)). Candidates are patched into one
// interpreter in place, so a step costs a few slot re-encodings plus the test runs.
import { prepare } from '../interp/index.ts';
import { STAND_INS } from './standins.ts';
import { idiomSeed } from './idiom-seed.ts';
import type { Op } from '../isa/op.ts';
import { funcRanges, type Program } from '../isa/program.ts';
import type { Insn } from '../isa/insn.ts';
import { BUILTIN_COSTS, perf, type CostTable, type Objective } from './cost.ts';
import { latencyProfile } from './exec-profile.ts';
import { executedCost } from './exec-cost.ts';
import { propose, proposalContext, type Slot } from './proposals.ts';
import { addTest, evaluate, makeTests, type MapPreset, type TestGroup } from './tests.ts';
import { materialize } from './materialize.ts';
import { Candidate, Original, type Change } from './candidate.ts';
import { firstRefusal } from './ptrkinds.ts';
import { Incremental } from '../verifier/incremental.ts';
import { DEFAULT_CONFIG, type VerifierConfig } from '../verifier/config.ts';
import { coreSlots } from '../isa/core.ts';
import { allows } from '../isa/target.ts';
import { sharedMapGuard } from './shared-maps.ts';
import { ValidationSlots, type Offer } from './validation-slots.ts';

export interface ChainOptions {
  budgetMs: number;
  /** Stop after this many candidates: with a seed, the search is then deterministic. */
  maxIterations?: number;
  seed: number;
  objective: Objective;
  /** Weights of the error and performance terms (K2: 0.5 and 1.5–5). */
  we?: number;
  wp?: number;
  /**
   * Validate an improvement (safety, equivalence): resolves ok, or a reason and maybe a
   * counterexample (a packet or context, and map entries present before the run).
   */
  validate?: (cand: Candidate, insns: Insn[], tests: readonly TestGroup[]) => Promise<{ ok: true; how: string } | { ok: false; stage: string; reason: string; counterexample?: Uint8Array; counterexampleMaps?: MapPreset[] }>;
  onProgress?: (s: ChainStats) => void;
  /**
   * Functions the search leaves as they are, by name: those another program of the object
   * also calls (a change proved for this program's callers need not hold for theirs).
   */
  keepFuncs?: readonly string[];
  /** Receives the test suite once it is built (for the final checks). */
  onTests?: (tests: readonly TestGroup[]) => void;
  /** Per-class latency costs (a calibration); default: the built-in table. */
  costs?: CostTable;
  /**
   * The kernel, loader and target the result is for (default DEFAULT_CONFIG: 6.18, root, no
   * target): the verifier model checks candidates as that kernel for that loader; the moves make
   * only instructions of the target's ISA level and kernel (without one: base instructions only,
   * as every kernel runs).
   */
  config?: VerifierConfig;
  /**
   * Stop early when element 0 becomes nonzero (Ctrl-C). Shared memory, so a chain on a worker
   * thread sees it without a message; with it set, the chain also yields to the event loop
   * every ~100 ms so a signal handler on its own thread can run.
   */
  stop?: Int32Array;
  /**
   * No one else writes the maps while the program runs: rewrites that hold only then (see
   * shared-maps.ts) are allowed. Default: maps are shared, and the search leaves map state
   * and the values flowing to and from it alone.
   */
  exclusiveMaps?: boolean;
  /**
   * Validate new bests in the background while the chain goes on (default: when no
   * maxIterations is set; with it the chain waits, so a seed and a count repeat exactly).
   */
  nonBlocking?: boolean;
}

export interface ChainStats {
  iterations: number;
  accepted: number;
  /** Candidates refused: unsupported patch, failing tests, validation stages. */
  rejectedTests: number;
  rejectedValidation: Record<string, number>;
  bestPerf: number;
  originalPerf: number;
  elapsedMs: number;
  /** Time of the last improvement, and the candidate number it came at (deterministic). */
  bestAtMs: number;
  bestAtIteration: number;
  validatedBy: string[];
}

export interface ChainResult {
  best: Insn[];
  /** The best candidate, for writing back into the object. */
  candidate: Candidate;
  oldToNew: Int32Array;
  stats: ChainStats;
  /** The last validated bests (best last, at most KEEP_VALIDATED): candidates for measured selection. */
  validated: Variant[];
}

/** A validated program the chain stood on, ready to write. */
export interface Variant {
  insns: Insn[];
  candidate: Candidate;
  oldToNew: Int32Array;
  perf: number;
}

/** Validations a chain has out at once (they queue for one kernel oracle and one Z3 anyway). */
const MAX_IN_FLIGHT = 2;

/** How many validated bests a chain keeps for measured selection. */
const KEEP_VALIDATED = 6;

/** xorshift32: deterministic for a seed. */
export function rng(seed: number): () => number {
  let s = seed | 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** A materialized program as a key (candidates that failed, validations out). */
function keyOf(insns: readonly Insn[]): string {
  return insns.map((x) => `${x.code},${x.dst},${x.src},${x.off},${x.imm}`).join(';');
}

/** Slots of the functions named in `keep`, and CO-RE-relocated slots (1 = leave alone). */
function keptSlots(program: Program, keep: readonly string[]): Uint8Array {
  const out = new Uint8Array(program.insns.length);
  for (const f of funcRanges(program)) if (keep.includes(f.name)) out.fill(1, f.start, f.end);
  for (const pc of coreSlots(program)) out[pc] = 1;
  return out;
}

/** Cost increases beyond this are accepted with probability < 2^-SLACK: stop testing them. */
const SLACK = 12;

const STRAIGHT = new Set(['alu', 'end', 'ldx', 'st', 'stx', 'atomic']);

export async function runChain(program: Program, opts: ChainOptions): Promise<ChainResult> {
  const t0 = performance.now();
  const rand = rng(opts.seed);
  const we = opts.we ?? 0.5, wp = opts.wp ?? 2;
  const orig = Original.of(program);
  const original = orig.ops;
  const end = program.insns.length;
  const kept = keptSlots(program, opts.keepFuncs ?? []);
  const guard = opts.exclusiveMaps ? undefined : sharedMapGuard(orig);
  if (guard) for (let pc = 0; pc < kept.length; pc++) kept[pc] |= guard.kept[pc];
  const mutable = original.map((o, i) => (o && STRAIGHT.has(o.kind) && !kept[i] ? i : -1)).filter((i) => i >= 0);
  const config = opts.config ?? DEFAULT_CONFIG;
  const ctx = { ...proposalContext(original, mutable, rand, config.target?.isa ?? 1), latencyMoves: opts.objective === 'latency', shrinkingLatencyMoves: opts.objective === 'size', jumps: true };
  const target = config.target;
  const ref = prepare(program, { standIns: STAND_INS });
  const tests: TestGroup[] = makeTests(ref, program, rand);
  opts.onTests?.(tests);
  const vm = prepare(program, { standIns: STAND_INS });
  let current = Candidate.initial(orig);
  // latency is weighted by how often the tests run each slot (the original's counts)
  const profile = latencyProfile(program, tests, original);
  const executed = (slots: readonly Slot[]): number => executedCost(slots, profile, opts.costs ?? BUILTIN_COSTS);
  const perfOf = (c: Candidate): number => perf(c, opts.objective, opts.costs, executed);
  const originalPerf = perfOf(current);
  let curCost = wp * originalPerf;
  let best = { cand: current, perf: originalPerf };
  const stats: ChainStats = { iterations: 0, accepted: 0, rejectedTests: 0, rejectedValidation: {}, bestPerf: originalPerf, originalPerf, elapsedMs: 0, bestAtMs: 0, bestAtIteration: 0, validatedBy: [] };
  const model = new Incremental(program, { flavor: config.flavor, privileged: config.privileged });
  /** Materialized candidates that failed validation (not validated again). */
  const failed = new Set<string>();
  const validated: Variant[] = [];
  const revert = (changes: readonly Change[]): void => {
    for (const [pc] of changes) vm.patch(pc, current.ops[pc]);
  };
  if (!mutable.length) return finish();
  let lastReport = t0;
  const maxIt = opts.maxIterations ?? Infinity;
  let outOfTime = false;
  let testsAdded = false;
  const stopped = (): boolean => opts.stop !== undefined && Atomics.load(opts.stop, 0) !== 0;
  let lastYield = t0;
  // the analysis is coarser than the verifier: it may flag the original itself (a pointer
  // difference on xdp_scale_mix), and then only a refusal the original lacks refuses a candidate
  // (the verifier model checks every new best anyway)
  const originalRefusal = firstRefusal(original, end, program.type, () => false, !config.privileged);
  const nonBlocking = opts.nonBlocking ?? opts.maxIterations === undefined;
  type Answer = Awaited<ReturnType<NonNullable<ChainOptions['validate']>>>;
  type Submitted = { cand: Candidate; m: ReturnType<typeof materialize> };
  /** Validations out (by candidate) and the best one waiting for a slot; answers not yet taken in. */
  const slots = new ValidationSlots<Submitted>(MAX_IN_FLIGHT, startValidation);
  const answers: { cand: Candidate; p: number; m: ReturnType<typeof materialize>; v: Answer }[] = [];
  /** The idiom seed the chain stood on first (idiom-seed.ts), while its validation is out. */
  let seeded: Candidate | undefined;
  await startFromIdioms();
  while (performance.now() - t0 < opts.budgetMs && stats.iterations < maxIt && !outOfTime && !stopped()) {
    for (let k = 0; k < 64 && stats.iterations < maxIt && !outOfTime; k++) {
      stats.iterations++;
      const changes = propose(ctx, current.ops, original);
      // the moves are built for the target (test/search/target.test.ts); this only makes sure
      if (target && !changes.every(([, op]) => !op || allows(target, op))) {
        stats.rejectedValidation['target'] = (stats.rejectedValidation['target'] ?? 0) + 1;
        continue;
      }
      if (guard && !changes.every(([pc, op]) => guard.allows(pc, op))) {
        stats.rejectedValidation['shared maps'] = (stats.rejectedValidation['shared maps'] ?? 0) + 1;
        continue;
      }
      const cand = current.with(changes);
      // unsafe before any test: reads of registers no path defines (the verifier's !read_ok)
      const refusal = firstRefusal(cand.ops, end, program.type, cand.isDeleted, !config.privileged);
      if (refusal >= 0 && refusal !== originalRefusal) {
        stats.rejectedValidation['prefilter'] = (stats.rejectedValidation['prefilter'] ?? 0) + 1;
        continue;
      }
      let ok = true;
      for (const [pc, op] of changes) if (!vm.patch(pc, op)) ok = false;
      if (!ok) {
        revert(changes);
        continue;
      }
      const p = perfOf(cand);
      // the error we can afford: anything that makes acceptance hopeless stops evaluation early
      const limit = (curCost - wp * p + SLACK) / we;
      const ev = evaluate(vm, tests, limit);
      const cost = we * ev.error + wp * p;
      if (ev.error) stats.rejectedTests++;
      // a new best must be safe (verifier model) and validated before the chain may stand on it:
      // a refused one is a rejected move, so the chain does not wander among unsafe programs
      if (ev.error === 0 && p < best.perf && nonBlocking) {
        // the validation runs on while the chain goes on from where it was; a proved
        // candidate becomes the best (and the chain's position) when its answer comes
        if (!submit(cand, p)) {
          revert(changes);
          continue;
        }
      } else if (ev.error === 0 && p < best.perf) {
        const better = await consider(cand, p);
        // validation (Z3, the kernel) can take seconds: it counts against the budget too
        outOfTime = performance.now() - t0 >= opts.budgetMs;
        if (!better) {
          revert(changes);
          if (testsAdded) {
            // a counterexample became a test: the current program may fail it too (a change
            // the old tests could not see), so its cost is measured again
            testsAdded = false;
            curCost = we * evaluate(vm, tests).error + wp * perfOf(current);
          }
          continue;
        }
      }
      if (cost <= curCost || rand() < Math.pow(2, -(cost - curCost))) {
        current = cand;
        curCost = cost;
        stats.accepted++;
      } else revert(changes);
    }
    const now = performance.now();
    if (opts.onProgress && now - lastReport > 250) {
      lastReport = now;
      stats.elapsedMs = now - t0;
      opts.onProgress(stats);
    }
    if ((opts.stop && now - lastYield > 100) || (slots.busy && now - lastYield > 20)) {
      lastYield = now;
      await new Promise((r) => setImmediate(r));
    }
    drain();
  }
  // answers still out count (each is bounded by its own time limit)
  while (slots.busy) {
    await slots.settled();
    drain();
  }
  return finish();

  /** Stand on the greedy idiom seed (idiom-seed.ts) when it is smaller; validated as any new best. */
  async function startFromIdioms(): Promise<void> {
    let shown = current;
    const show = (c: Candidate): boolean => {
      const ok = repatch(shown, c);
      shown = c;
      return ok;
    };
    const passes = (c: Candidate): boolean => {
      const refusal = firstRefusal(c.ops, end, program.type, c.isDeleted, !config.privileged);
      if (refusal >= 0 && refusal !== originalRefusal) return false;
      if (!show(c) || evaluate(vm, tests).error !== 0) return false;
      const m = materialize(c);
      return model.check({ ...program, insns: m.insns }, m.oldToNew).ok;
    };
    const seed = idiomSeed(current, ctx.straight, mutable, config.target?.isa ?? 1, perfOf, passes);
    show(current);
    if (seed === current) return;
    const p = perfOf(seed);
    if (nonBlocking ? !submit(seed, p) : !(await consider(seed, p))) return;
    seeded = seed;
    show(seed);
    current = seed;
    curCost = wp * p;
  }

  /**
   * Offer a candidate that beats the best for validation (it waits for a slot when both are out);
   * false when it is refused already.
   */
  function submit(cand: Candidate, p: number): boolean {
    const m = materialize(cand);
    const key = keyOf(m.insns);
    if (failed.has(key)) return false;
    return slots.offer({ key, item: { cand, m }, perf: p }) !== 'refused';
  }

  /** Begin one validation (checks that answer at once run here): its promise, or undefined when refused at once. */
  function startValidation({ key, item: { cand, m }, perf: p }: Offer<Submitted>): Promise<unknown> | undefined {
    if (failed.has(key)) return undefined;
    if (!model.check({ ...program, insns: m.insns }, m.oldToNew).ok) {
      failed.add(key);
      stats.rejectedValidation['verifier-model'] = (stats.rejectedValidation['verifier-model'] ?? 0) + 1;
      leaveUnsafePosition();
      return undefined;
    }
    if (!opts.validate) {
      answers.push({ cand, p, m, v: { ok: true, how: '' } });
      return Promise.resolve();
    }
    return opts.validate(cand, m.insns, tests).then(
      (v) => void answers.push({ cand, p, m, v }),
      (e: Error) => void answers.push({ cand, p, m, v: { ok: false, stage: 'validation', reason: e.message } }),
    );
  }

  /** Take in the validations that answered: a proved one better than the best becomes the best and the chain's position. */
  function drain(): void {
    while (answers.length) {
      const { cand, p, m, v } = answers.shift()!;
      if (!v.ok) {
        failed.add(keyOf(m.insns));
        stats.rejectedValidation[v.stage] = (stats.rejectedValidation[v.stage] ?? 0) + 1;
        if (v.counterexample) {
          addTest(ref, tests, v.counterexample, v.counterexampleMaps);
          curCost = we * evaluate(vm, tests).error + wp * perfOf(current);
        }
        // a refused idiom seed: every window it changed would be carried into what the chain
        // finds from there (an undecided one refuses them all), so start over from the best
        if (cand === seeded) backToBest();
        continue;
      }
      if (p >= best.perf) continue;
      if (v.how) stats.validatedBy.push(v.how);
      adoptBest(cand, p, m);
      repatch(current, cand);
      current = cand;
      curCost = we * evaluate(vm, tests).error + wp * p;
    }
    // a slot may have freed: the best candidate found while both were out goes now (not after Ctrl-C)
    slots.refill((p) => p < best.perf && !stopped());
  }

  /**
   * After the model refused a new best: if the chain's own position is one the kernel refuses
   * too (the tests cannot see a misaligned fill or a write into ctx), every improvement found
   * from there will be refused as well, so the chain goes back to the best validated program.
   * (xdp_fwd: 1,800 refusals in a row at one slot the chain had broken, issue 20.)
   */
  function leaveUnsafePosition(): void {
    if (current === best.cand) return;
    const m = materialize(current);
    if (model.check({ ...program, insns: m.insns }, m.oldToNew).ok) return;
    stats.rejectedValidation['unsafe position left'] = (stats.rejectedValidation['unsafe position left'] ?? 0) + 1;
    backToBest();
  }

  /** Patch the interpreter from showing `from` to showing `to` (the slots that differ); false if a slot could not be encoded. */
  function repatch(from: Candidate, to: Candidate): boolean {
    let ok = true;
    for (let pc = 0; pc < end; pc++) if (from.ops[pc] !== to.ops[pc] && !vm.patch(pc, to.ops[pc])) ok = false;
    return ok;
  }

  /** Make the best validated program the chain's position again. */
  function backToBest(): void {
    repatch(current, best.cand);
    current = best.cand;
    curCost = we * evaluate(vm, tests).error + wp * best.perf;
  }

  function adoptBest(cand: Candidate, p: number, m: ReturnType<typeof materialize>): void {
    best = { cand, perf: p };
    validated.push({ insns: m.insns, candidate: cand, oldToNew: m.oldToNew, perf: p });
    if (validated.length > KEEP_VALIDATED) validated.shift();
    stats.bestPerf = p;
    stats.bestAtMs = performance.now() - t0;
    stats.bestAtIteration = stats.iterations;
  }

  /** Check a candidate that beats the best: true when it is the new best. */
  async function consider(cand: Candidate, p: number): Promise<boolean> {
    // (every candidate here already passed the definedness pre-filter in the loop)
    const m = materialize(cand);
    const key = keyOf(m.insns);
    if (failed.has(key)) return false;
    // the verifier model: a candidate the kernel would reject never costs a load or a proof
    const vm2 = model.check({ ...program, insns: m.insns }, m.oldToNew);
    if (!vm2.ok) {
      failed.add(key);
      stats.rejectedValidation['verifier-model'] = (stats.rejectedValidation['verifier-model'] ?? 0) + 1;
      leaveUnsafePosition();
      return false;
    }
    if (opts.validate) {
      const v = await opts.validate(cand, m.insns, tests);
      if (!v.ok) {
        failed.add(key);
        stats.rejectedValidation[v.stage] = (stats.rejectedValidation[v.stage] ?? 0) + 1;
        if (v.counterexample) {
          addTest(ref, tests, v.counterexample, v.counterexampleMaps);
          testsAdded = true;
        }
        return false;
      }
      stats.validatedBy.push(v.how);
    }
    adoptBest(cand, p, m);
    return true;
  }

  function finish(): ChainResult {
    stats.elapsedMs = performance.now() - t0;
    const m = materialize(best.cand);
    return { best: m.insns, candidate: best.cand, oldToNew: m.oldToNew, stats, validated };
  }
}

export type { Op };
