// The optimizer for large programs (issue 20): instead of one chain over the whole program,
// chains over windows (window-pick.ts), each tested on the states that reach it
// (window-states.ts) and proved on its own (the window proof of src/smt: pre = the live-in
// types, post = live-out registers, stack, packet, maps, helper effects). Proofs run in Z3's
// child process while the search goes on; their verdicts are cached by canonical form
// (window-cache.ts). A proved window also passes the verifier model on the whole program
// with every proved window in place before it counts. At the end the assembled program gets
// the caller's full validation (the kernel, Z3 on the whole program or its changed windows),
// as every chain result does; the CLI's final check then checks the written object again.
import { prepare } from '../interp/index.ts';
import { STAND_INS } from './standins.ts';
import type { Op } from '../isa/op.ts';
import type { Program } from '../isa/program.ts';
import { Incremental } from '../verifier/incremental.ts';
import { EquivService } from '../smt/isolated.ts';
import { DEFAULT_CONFIG } from '../verifier/config.ts';
import type { WindowCounterexample } from '../smt/equiv.ts';
import { allows as targetAllows } from '../isa/target.ts';
import { coreSlots } from '../isa/core.ts';
import { funcRanges } from '../isa/program.ts';
import { rng, type ChainOptions, type ChainResult, type ChainStats } from './chain.ts';
import { perf } from './cost.ts';
import { materialize } from './materialize.ts';
import { proposalContext, type Slot } from './proposals.ts';
import { Candidate, Original } from './candidate.ts';
import { sharedMapGuard } from './shared-maps.ts';
import { makeTests, type TestGroup } from './tests.ts';
import { WindowCache, windowKey, type WindowVerdict } from './window-cache.ts';
import { WindowChain, type Submit } from './window-chain.ts';
import { pickWindows, visitCounts, type Window } from './window-pick.ts';
import { captureEntries, WindowRunner, windowTests, type MachineState, type WindowTest } from './window-states.ts';

export interface WindowSearchOptions extends ChainOptions {
  /** Proof verdicts shared across runs (default: one per run). */
  cache?: WindowCache;
  /** Proofs in flight at once (Z3 answers one at a time; more queue in its child). */
  maxPending?: number;
  /** Z3 resource limit per window proof (deterministic on a busy machine). */
  rlimit?: number;
  /** The Z3 process window proofs go to (default: one of this search's own, closed at its end). */
  equiv?: EquivService;
  /** Proves a window pair (default: Z3 in its child process); tests replace it. */
  proveWindow?: (before: Op[], after: Op[], w: Window, program: Program) => Promise<{ verdict: WindowVerdict; counterexample?: WindowCounterexample }>;
}

export interface WindowSearchStats {
  windows: number;
  searched: number;
  proofs: { started: number; proved: number; refuted: number; unknown: number; cacheHits: number };
  /** Proof results that arrived while the search ran on (the chain did not wait for them). */
  answeredWhileSearching: number;
}

const defaultProve = async (equiv: EquivService, before: Op[], after: Op[], w: Window, program: Program, rlimit?: number): Promise<{ verdict: WindowVerdict; counterexample?: WindowCounterexample }> => {
  try {
    const r = await equiv.windowEquiv(before, after, { liveOut: w.liveOut, regTypes: w.regTypes, maps: program.maps, progType: program.type, untypedAsMem: false, rlimit });
    if (r.equal === true) return { verdict: { kind: 'proved' } };
    if (r.equal === false) return { verdict: { kind: 'refuted' }, counterexample: r.counterexample };
    return { verdict: { kind: 'unknown', reason: r.unknown } };
  } catch (e) {
    return { verdict: { kind: 'unknown', reason: `Z3 failed: ${(e as Error).message}` } };
  }
};

/** A window's entry state with a counterexample's scalar registers, stack and packet bytes in place. */
function stateFrom(base: MachineState, cex: WindowCounterexample, w: Window): MachineState {
  const lo = base.lo.slice(), hi = base.hi.slice();
  cex.regs.forEach((v, r) => {
    if (w.regTypes[r] !== undefined || !((w.defined >> r) & 1)) return;
    lo[r] = Number(v & 0xffffffffn) | 0;
    hi[r] = Number((v >> 32n) & 0xffffffffn) | 0;
  });
  const stack = base.stack.slice();
  const sb = new Uint8Array(stack.buffer);
  for (const { off, byte } of cex.stack) if (off >= -512 && off < 0) sb[512 + off] = byte;
  const pkt = base.pkt.slice();
  for (const { off, byte } of cex.packet) {
    const at = base.data - base.meta + off;
    if (at >= 0 && at < pkt.length) pkt[at] = byte;
  }
  return { ...base, lo, hi, stack, pkt };
}

export async function runWindowSearch(program: Program, opts: WindowSearchOptions): Promise<ChainResult & { tests: readonly TestGroup[]; windowStats: WindowSearchStats }> {
  const t0 = performance.now();
  const rand = rng(opts.seed);
  const orig = Original.of(program);
  const original: readonly Slot[] = orig.ops;
  const end = orig.end;
  const config = opts.config ?? DEFAULT_CONFIG;
  const kept = new Uint8Array(end);
  for (const f of funcRanges(program)) if ((opts.keepFuncs ?? []).includes(f.name)) kept.fill(1, f.start, f.end);
  for (const pc of coreSlots(program)) kept[pc] = 1;
  const guard = opts.exclusiveMaps ? undefined : sharedMapGuard(orig);
  if (guard) for (let pc = 0; pc < end; pc++) kept[pc] |= guard.kept[pc];
  const ref = prepare(program, { standIns: STAND_INS });
  const tests: TestGroup[] = makeTests(ref, program, rand);
  opts.onTests?.(tests);
  const { visits, reached } = visitCounts(ref, tests, end);
  const kinds = orig.kinds;
  const live = orig.liveness;
  const windows = pickWindows({ program, original, kept, kinds, live, visits, reached, costs: opts.costs });
  const windowPcs = new Set<number>();
  for (const w of windows) for (let pc = w.start; pc < w.end; pc++) windowPcs.add(pc);
  const baseCtx = proposalContext(original, [...windowPcs], rand, config.target?.isa ?? 1);
  const cache = opts.cache ?? new WindowCache();
  const model = new Incremental(program, { flavor: config.flavor, privileged: config.privileged });
  /** Whole-program slots as a candidate: a null slot inside a window is a deleted one (windows hold no lddw). */
  const asCandidate = (slots: readonly Slot[]): Candidate => Candidate.of(orig, slots, [...windowPcs].filter((pc) => slots[pc] === null));
  const originalPerf = perf(Candidate.initial(orig), opts.objective, opts.costs);
  const stats: ChainStats = { iterations: 0, accepted: 0, rejectedTests: 0, rejectedValidation: {}, bestPerf: originalPerf, originalPerf, elapsedMs: 0, bestAtMs: 0, bestAtIteration: 0, validatedBy: [] };
  const wstats: WindowSearchStats = { windows: windows.length, searched: 0, proofs: { started: 0, proved: 0, refuted: 0, unknown: 0, cacheHits: 0 }, answeredWhileSearching: 0 };
  const bump = (k: string): void => void (stats.rejectedValidation[k] = (stats.rejectedValidation[k] ?? 0) + 1);
  /** The assembled best: every window's best proved replacement in place. */
  const best: Slot[] = original.slice();
  const vm = prepare(program, { standIns: STAND_INS });
  const chains = new Map<Window, WindowChain>();
  const pendingKeys = new Set<string>();
  let pending = 0;
  let searching = true;
  /** The result is taken: late answers only fill the cache. */
  let closed = false;
  const maxPending = opts.maxPending ?? 4;
  // the caller's Z3 process, else one of this search's own (closed at the end)
  const ownEquiv = !opts.proveWindow && !opts.equiv ? new EquivService() : undefined;
  const equiv = opts.equiv ?? ownEquiv;
  const prove = opts.proveWindow ?? ((b: Op[], a: Op[], w: Window, p: Program) => defaultProve(equiv!, b, a, w, p, opts.rlimit));
  // start Z3's child process now: loading Z3 takes seconds, and the first proofs should not wait for it
  if (!opts.proveWindow) void equiv!.windowEquiv([], [], { liveOut: 0 }).catch(() => undefined);

  /** A proved replacement of window w: it counts if it still beats w's best and the model takes the program with it. */
  const adopt = (chain: WindowChain, slots: readonly Slot[], p: number): void => {
    const w = chain.w;
    if (p >= chain.bestPerf - 1e-12) return;
    const trial = best.slice();
    for (let pc = w.start; pc < w.end; pc++) trial[pc] = slots[pc];
    const m = materialize(asCandidate(trial));
    if (!model.check({ ...program, insns: m.insns }).ok) {
      bump('verifier-model');
      return;
    }
    for (let pc = w.start; pc < w.end; pc++) best[pc] = slots[pc];
    chain.bestPerf = p;
    stats.accepted++;
    stats.bestPerf = perf(asCandidate(best), opts.objective, opts.costs);
    stats.bestAtMs = performance.now() - t0;
    stats.bestAtIteration = stats.iterations;
  };

  const submitFor = (chain: WindowChain): Submit => (ops, p, slots) => {
    const w = chain.w;
    const before = chain.ops(original);
    const key = windowKey(before, ops, { liveOut: w.liveOut, regTypes: w.regTypes, progType: program.type, maps: program.maps });
    const known = cache.get(key);
    if (known) {
      wstats.proofs.cacheHits++;
      if (known.kind === 'proved') {
        adopt(chain, slots, p);
        return 'proved';
      }
      return 'refuted';
    }
    if (pendingKeys.has(key)) return 'pending';
    if (pending >= maxPending) return 'busy';
    pending++;
    pendingKeys.add(key);
    wstats.proofs.started++;
    const snapshot = slots.slice(w.start, w.end);
    const asked = prove(before, ops, w, program).catch((e: Error) => ({ verdict: { kind: 'unknown', reason: `prover failed: ${e.message}` } as WindowVerdict, counterexample: undefined }));
    void asked.then(({ verdict, counterexample }) => {
      pending--;
      pendingKeys.delete(key);
      cache.set(key, verdict);
      if (closed) return;
      if (searching) wstats.answeredWhileSearching++;
      wstats.proofs[verdict.kind]++;
      const full = chain.current.slice();
      for (let pc = w.start; pc < w.end; pc++) full[pc] = snapshot[pc - w.start];
      if (verdict.kind === 'proved') return adopt(chain, full, p);
      bump(verdict.kind === 'refuted' ? 'z3' : 'z3-unknown');
      pendingFix.push({ chain, counterexample, slots: snapshot });
    });
    return 'started';
  };
  /** Refuted candidates whose chain must step back (done between batches, with the runner on that window). */
  const pendingFix: { chain: WindowChain; counterexample?: WindowCounterexample; slots: Slot[] }[] = [];

  const open = (w: Window): WindowChain | undefined => {
    let c = chains.get(w);
    if (c) return c;
    const entries = captureEntries(vm, program, w.start, tests, (g, i) => w.reached.some(([a, b]) => a === g && b === i));
    const runner = new WindowRunner(vm, program, w.start, w.end);
    const wtests = windowTests(runner, entries).filter((t) => t.fault === 0);
    if (!wtests.length) return undefined;
    const mutable = [];
    for (let pc = w.start; pc < w.end; pc++) mutable.push(pc);
    const ctx = { ...baseCtx, mutable, straight: new Set(mutable) };
    const inside = (pc: number, op: Slot): boolean => pc >= w.start && pc < w.end && (!op || !config.target || targetAllows(config.target, op)) && (!guard || guard.allows(pc, op));
    c = new WindowChain(w, runner, wtests, original, ctx, inside, opts.objective, opts.costs, rand, opts.we, opts.wp);
    chains.set(w, c);
    wstats.searched++;
    return c;
  };

  const stopped = (): boolean => opts.stop !== undefined && Atomics.load(opts.stop, 0) !== 0;
  const maxIt = opts.maxIterations ?? Infinity;
  const total = windows.reduce((s, w) => s + w.weight, 0) || 1;
  let lastReport = t0, lastYield = t0;
  // with a validator, the budget's last third is kept for it (the assembled program's kernel
  // checks and Z3 on it); without one the search and its proofs have all of it
  const searchMs = opts.validate ? opts.budgetMs * 0.65 : opts.budgetMs;
  const timeLeft = (): number => searchMs - (performance.now() - t0);
  // passes over the windows, heaviest first; each gets a share of the time by its weight
  // (at least 40 ms: a window's entry states and first candidates cost a little to set up)
  for (let pass = 0; timeLeft() > 0 && stats.iterations < maxIt && !stopped() && windows.length; pass++) {
    let progressed = false;
    for (const w of windows) {
      if (timeLeft() <= 0 || stats.iterations >= maxIt || stopped()) break;
      const chain = open(w);
      if (!chain) continue;
      progressed = true;
      const share = Math.max(40, (searchMs * 0.5 * w.weight) / total);
      const until = performance.now() + Math.min(share, timeLeft());
      // the runner's machine is shared: reload it for this window and put its candidate in
      const runner = new WindowRunner(vm, program, w.start, w.end);
      chain.runner = runner;
      chain.install();
      while (performance.now() < until && stats.iterations < maxIt && !stopped()) {
        const n = Math.min(64, maxIt - stats.iterations);
        const before = chain.stats.iterations;
        chain.steps(n, submitFor(chain));
        stats.iterations += chain.stats.iterations - before;
        fixRefuted(chain);
        const now = performance.now();
        if (opts.onProgress && now - lastReport > 250) {
          lastReport = now;
          stats.elapsedMs = now - t0;
          opts.onProgress(stats);
        }
        // let proof answers in (they come from Z3's child process through the event loop)
        if (now - lastYield > 20) {
          lastYield = now;
          await new Promise((r) => setImmediate(r));
        }
      }
    }
    if (!progressed) break;
  }
  searching = false;
  // proofs still out: wait for them until three quarters of the budget (with a validator; else
  // a quarter past it, at least 2 s: they were started inside it); later answers only fill the cache
  const deadline = opts.validate ? t0 + opts.budgetMs * 0.75 : t0 + opts.budgetMs + Math.max(2_000, opts.budgetMs / 4);
  while (pending > 0 && (performance.now() < deadline || opts.maxIterations !== undefined)) await new Promise((r) => setTimeout(r, 10));
  closed = true;
  stats.rejectedTests = [...chains.values()].reduce((s, c) => s + c.stats.rejectedTests, 0);
  stats.rejectedValidation['prefilter'] = [...chains.values()].reduce((s, c) => s + c.stats.rejectedPrefilter, 0);

  // the assembled program: the caller's validation, as any chain's new best gets
  let result = asCandidate(best);
  if (stats.accepted && opts.validate) {
    const m = materialize(result);
    const v = await opts.validate(result, m.insns, tests);
    if (v.ok) stats.validatedBy.push(v.how);
    else {
      bump(v.stage);
      stats.validatedBy.push(`rejected at the end: the assembled windows failed validation (${v.stage}: ${v.reason}); the input is kept`);
      result = Candidate.initial(orig);
      stats.bestPerf = originalPerf;
    }
  }
  stats.elapsedMs = performance.now() - t0;
  // late answers only fill the cache; this search's own Z3 process goes now
  if (ownEquiv) await ownEquiv.close();
  const m = materialize(result);
  const improved = stats.bestPerf < originalPerf;
  const validated = improved ? [{ insns: m.insns, candidate: result, oldToNew: m.oldToNew, perf: stats.bestPerf }] : [];
  return { best: m.insns, candidate: result, oldToNew: m.oldToNew, stats, validated, tests, windowStats: wstats };

  /** Chains whose submitted candidate was refuted step back to their best; a counterexample becomes a test. */
  function fixRefuted(active: WindowChain): void {
    for (let i = 0; i < pendingFix.length; i++) {
      const f = pendingFix[i];
      if (f.chain !== active) continue;
      pendingFix.splice(i--, 1);
      const w = f.chain.w;
      const same = f.slots.every((op, k) => JSON.stringify(op) === JSON.stringify(f.chain.current[w.start + k]));
      if (f.counterexample) {
        const entry = stateFrom(f.chain.tests[0].entry, f.counterexample, w);
        const t = originalOutcome(f.chain, entry);
        if (t) f.chain.addTest(t);
      }
      if (same) f.chain.resetTo(best);
    }
  }

  /** The original window's outcome from a state (the chain's runner switched to the original slots and back). */
  function originalOutcome(chain: WindowChain, entry: MachineState): WindowTest | undefined {
    const runner = chain.runner;
    const w = chain.w;
    for (let pc = w.start; pc < w.end; pc++) runner.patch(pc, original[pc]);
    const fault = runner.run(entry);
    const t = fault ? undefined : { entry, fault, after: runner.state() };
    chain.install();
    return t;
  }
}
