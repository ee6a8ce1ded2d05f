// Mutants of src/domains/compiled.ts judged in one process: run inside a copy of the tree whose
// compiled.ts is Stryker's instrumented file (every mutant present, switched by
// `__stryker__.activeMutant` at run time), so a mutant costs no process start and no reload.
//   node --import tsx scripts/mutate-switch.ts ID...
// prints one line per mutant: `ID killed WHY` or `ID survived`.
//
// Each mutant gets fresh CompiledOps (compiled functions, results cache and native parts are
// per instance), so nothing compiled under one mutant serves another. Mutants of module-level
// constants (evaluated once at load: buffer sizes, entry tables, cache size) cannot be switched
// this way: each is judged in a child process started with the mutant active
// (__STRYKER_ACTIVE_MUTANT__, as Stryker does), its verdict marked `(at load)`.
// Checks, first failure wins: the compiled entries against the generic code on bigints on a fixed
// sample of reachable states (as test/domains/compiled.test.ts), the results cache, tnum_mul's
// native driver on multipliers of every length, then every recorded kernel case through the
// compiled backend (scripts/mutate-traces.ts).
import fc from 'fast-check';
import { concrete64x32 } from '../src/bv/concrete.ts';
import { regBoundsSync } from '../src/domains/sync.ts';
import { scalarAlu } from '../src/domains/alu.ts';
import { refine, branchTaken, refineCondOp, revCond, type Cond } from '../src/domains/branch.ts';
import { coerceRegToSize, coerceRegToSizeSx } from '../src/domains/alu-move.ts';
import { markUnbounded, scalarSane, scalarUnknown, LINUX_6_12, LINUX_6_18, type KernelFlavor, type ScalarState } from '../src/domains/scalar.ts';
import { CompiledOps } from '../src/domains/compiled.ts';
import { replayTraces } from './mutate-traces.ts';
import { arbTracked, ALU_OPS, CONDS, WIDTHS } from '../test/domains/arb-scalar.ts';
import { isDeepStrictEqual } from 'node:util';
import { spawnSync } from 'node:child_process';

const d = concrete64x32;
type S = ScalarState<bigint>;
const TRACES = ['corpus/traces/domain-corners.jsonl.gz', 'corpus/traces/domains.jsonl.gz'];

interface Ns { activeMutant?: string; mutantCoverage?: { static: Record<string, number> } }
const ns = (): Ns => ((globalThis as { __stryker__?: Ns }).__stryker__ ??= {});

// Inputs drawn once, before any mutant is active (the generators use only the generic code).
const pool: S[] = fc.sample(arbTracked(), { numRuns: 400, seed: 18 }).map((x) => x.s);
const picks = fc.sample(fc.tuple(fc.constantFrom(...ALU_OPS), fc.constantFrom(...CONDS), fc.constantFrom(...WIDTHS), fc.constantFrom(1, 2, 4, 8), fc.boolean()), { numRuns: 200, seed: 19 });
const U64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const mulCases = fc.sample(fc.tuple(U64, U64, fc.nat(64), U64, U64), { numRuns: 200, seed: 20 });

/** Mutants whose code ran while the modules loaded: module-level constants, fixed at load. */
const atLoad = new Set(Object.keys(ns().mutantCoverage?.static ?? {}));

class Mismatch extends Error {}
function same(got: unknown, want: unknown, what: string): void {
  if (!isDeepStrictEqual(got, want)) throw new Mismatch(what);
}

function entries(fl: KernelFlavor): void {
  const C = new CompiledOps(fl);
  picks.forEach(([op, c, w, size, sx], i) => {
    const a = pool[(2 * i) % pool.length], b = pool[(2 * i + 1) % pool.length];
    same(C.sync(a), regBoundsSync(d, a, fl), `sync #${i}`);
    same(C.alu(op, w, a, b), scalarAlu(d, op, w, a, b, fl), `alu ${op}${w} #${i}`);
    const r = refine(d, a, b, c, w, fl), rc = C.refine(a, b, c, w);
    same([rc.fallthrough, rc.taken], [r.fallthrough, r.taken], `refine ${c}${w} #${i}`);
    same(C.branchTaken(a, b, c, w), branchTaken(d, a, b, c, w), `taken ${c}${w} #${i}`);
    const edge = (k: Cond | ReturnType<typeof revCond>) => {
      const x = regBoundsSync(d, refineCondOp(d, a, b, k, w)[0], fl);
      return scalarSane(d, x) ? x : markUnbounded(d, x);
    };
    const r1 = C.refineFirst(a, b, c, w);
    same([r1.fallthrough, r1.taken], [[edge(revCond(c))], [edge(c)]], `refine1 ${c}${w} #${i}`);
    const want = sx && size < 8 ? coerceRegToSizeSx(d, a, (size * 8) as 8 | 16 | 32, fl) : coerceRegToSize(d, a, size, fl);
    same(C.coerce(a, size, sx && size < 8), want, `coerce ${size}${sx} #${i}`);
  });
}

const statsOf = (c: CompiledOps): { hits: number; misses: number } => c.stats;

function cache(): void {
  const C = new CompiledOps(LINUX_6_18), D = new CompiledOps(LINUX_6_18);
  for (const a of pool.slice(0, 20)) {
    const r1 = C.sync(a);
    if (C.sync({ ...a, varOff: { ...a.varOff } }) !== r1) throw new Mismatch('cache: equal inputs missed');
    const b = { ...a, umax: a.umax ^ 1n };
    if (C.sync(b) === r1) throw new Mismatch('cache: different inputs hit');
    if (D.sync(a) === r1) throw new Mismatch('cache: two instances share a result');
  }
  const a = pool[0], before = C.sync(a);
  C.clearResults();
  if (C.stats.hits !== 0 || C.stats.misses !== 0) throw new Mismatch('cache: stats not reset');
  if (C.sync(a) === before) throw new Mismatch('cache: not cleared');
  C.sync(a);
  const { hits, misses } = statsOf(C); // through a call: the check above narrowed the fields to 0
  if (hits !== 1 || misses !== 1) throw new Mismatch(`cache: stats ${hits}/${misses}`);
  if (C.count < 1) throw new Mismatch('count');
}

function mul(): void {
  for (const fl of [LINUX_6_18, LINUX_6_12]) {
    const C = new CompiledOps(fl);
    for (const [v1, m1, bits, v2, m2] of mulCases) {
      const keep = (1n << BigInt(bits)) - 1n;
      const sa = { ...scalarUnknown(d), varOff: { value: v1 & ~m1 & keep, mask: m1 & keep } };
      const sb = { ...scalarUnknown(d), varOff: { value: v2 & ~m2, mask: m2 } };
      for (const w of [64, 32] as const) same(C.alu('mul', w, sa, sb), scalarAlu(d, 'mul', w, sa, sb, fl), `mul${w} ${fl.name}`);
    }
  }
}

function judge(id: string): string {
  if (atLoad.has(id) && !fromEnv) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', process.argv[1], id], { encoding: 'utf8', env: { ...process.env, __STRYKER_ACTIVE_MUTANT__: id } });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    return `${line.split('\t')[2] ?? `killed by an exception at load: ${r.stderr.trim().split('\n')[0]}`} (at load)`;
  }
  const n = ns();
  n.activeMutant = id;
  if (n.mutantCoverage) n.mutantCoverage.static = {};
  try {
    entries(LINUX_6_18);
    entries(LINUX_6_12);
    cache();
    mul();
    const r = replayTraces({ paths: TRACES, backend: 'compiled' });
    if (r.bad) return `killed traces:compiled: ${r.bad}`;
    return 'survived';
  } catch (e) {
    return `killed ${e instanceof Mismatch ? '' : 'by an exception: '}${(e as Error).message.split('\n')[0]}`;
  } finally {
    n.activeMutant = undefined;
  }
}

/** Started with the mutant already active (a load-time mutant's child). */
const fromEnv = process.env.__STRYKER_ACTIVE_MUTANT__ !== undefined;
for (const id of process.argv.slice(2)) {
  const t0 = performance.now();
  const verdict = judge(id);
  console.log(`${id}\t${((performance.now() - t0) / 1000).toFixed(1)}s\t${verdict}`);
}
