// The kill command of `npm run mutate` (stryker.config.json): the fastest evidence that a
// mutant of src/domains is wrong, stopping at the first failure. Exit 1 = killed.
//   1. the recorded kernel answers on the precision corners (domain-corners.jsonl.gz), then the
//      random recorded cases (domains.jsonl.gz): the domain must agree bit for bit;
//      with KILL_BACKENDS (default "bigint"; also "compiled", "fixed") the same recorded
//      answers are replayed through the verifier's run-time backends too, each a stage of its
//      own (`traces:compiled`, `traces:fixed`): the bigint replay never runs compiled.ts or
//      fixed-scalar.ts;
//   2. the domain unit and property test files named in KILL_TESTS (default below), each in a
//      child process, one after the other.
// The proofs are not run here (minutes each on a loaded machine): a surviving mutant is checked
// afterwards by hand with `bpfsynth prove NAME` on its operator (BENCHMARKS.md lists them).
//
// Coverage skip: Stryker's instrumented code counts which mutants' code ran (with no mutant
// active). The initial run (no __STRYKER_ACTIVE_MUTANT__) runs every stage and writes, per
// stage and per trace case, the mutants whose code it reached (COVERAGE_FILE, inside Stryker's
// sandbox). A later run skips the stages and trace cases that never reach the active mutant:
// its code is not executed there, so they would pass exactly as they did unmutated. Without the
// file (or outside Stryker) everything runs. This is what the command runner lacks (it has no
// per-test coverage).
import { replayTraces, toRanges, BACKENDS, type Backend, type Ranges } from './mutate-traces.ts';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const TRACES = ['corpus/traces/domain-corners.jsonl.gz', 'corpus/traces/domains.jsonl.gz'];
/** Fast, directed files first; alu.test (the slowest) last. */
const DEFAULT_TESTS = ['tnum', 'tnum-predicates', 'glue', 'scalar', 'sync', 'movsx', 'mul-overflow', 'sync-flavor', 'branch', 'branch-precision', 'tnum-kernel', 'alu-flavor', 'shift-const', 'alu']
  .map((f) => `test/domains/${f}.test.ts`).join(' ');
const TESTS = (process.env.KILL_TESTS ?? DEFAULT_TESTS).split(/\s+/).filter(Boolean);
const BACKEND_LIST = (process.env.KILL_BACKENDS ?? 'bigint').split(/\s+/).filter(Boolean) as Backend[];
for (const b of BACKEND_LIST) if (!(b in BACKENDS)) { console.error(`KILL_BACKENDS: unknown backend '${b}' (bigint, compiled, fixed)`); process.exit(2); }
const COVERAGE_FILE = process.env.MUTATE_COVERAGE_FILE || 'scratch/mutate-coverage.json';
const HOOK = 'scripts/mutate-coverage-hook.js';

/** What the initial run saw: per stage ('traces' or a test file) the mutants whose code ran. */
interface Coverage {
  stages: Record<string, string[]>;
  /** Reached while the modules loaded (module-level code): every case counts as reaching them. */
  atLoad?: string[];
  /** Per mutant, the trace cases (numbered file after file) during which its code ran. */
  cases?: Record<string, Ranges>;
  /** Cases per trace file. */
  sizes?: number[];
}

interface StrykerGlobal { __stryker__?: { mutantCoverage?: { static: Record<string, number> } } }
const strykerNs = (): StrykerGlobal['__stryker__'] => (globalThis as StrykerGlobal).__stryker__;
const coveredHere = (): string[] => Object.keys(strykerNs()?.mutantCoverage?.static ?? {});

const active = process.env.__STRYKER_ACTIVE_MUTANT__;
const instrumented = strykerNs() !== undefined || active !== undefined;
const recording = active === undefined && instrumented;
const known: Coverage | undefined = active !== undefined && existsSync(COVERAGE_FILE) ? JSON.parse(readFileSync(COVERAGE_FILE, 'utf8')) as Coverage : undefined;
/** Whether a stage can tell this mutant from the original: unknown coverage → yes. */
const reaches = (stage: string): boolean => !known || !known.stages[stage] || known.stages[stage].includes(active!);
const coverage: Coverage = { stages: {} };
/** Mutants reached while the modules loaded (before any stage ran). */
const loaded = recording ? coveredHere() : [];

/**
 * The trace cases to replay for the active mutant: those its code ran in (undefined: all).
 * A value cached across cases (scalar.ts ringLimits) is computed in the first case or two
 * only, yet used by every later case: a mutant reached in at most 2 cases that survives them
 * is replayed again on every case (FEW) before it counts as a survivor.
 */
const FEW = 2;
function casesFor(): Ranges | undefined {
  if (!known?.cases || active === undefined || known.atLoad?.includes(active)) return undefined;
  return known.cases[active] ?? [];
}
const count = (r: Ranges): number => r.reduce((n, [a, b]) => n + b - a + 1, 0);

/** One line per mutant run in scratch/ of the sandbox, to follow a long run. */
function note(line: string): void {
  if (active === undefined) return;
  mkdirSync('scratch', { recursive: true });
  appendFileSync('scratch/mutate-kill.log', `${active}\t${line}\n`);
}

function killed(why: string): never {
  console.log(`killed by ${why}`);
  note(`killed\t${why}`);
  process.exit(1);
}

/** Stage 1: the recorded kernel answers, on each backend of KILL_BACKENDS. */
function traceStages(): void {
  if (BACKEND_LIST.includes('bigint') && reaches('traces')) {
    const only = casesFor();
    if (recording) {
      const ns = strykerNs()!;
      coverage.atLoad = loaded;
      const perCase = new Map<string, number[]>();
      const r = replayTraces({
        paths: TRACES,
        before: () => { if (ns.mutantCoverage) ns.mutantCoverage.static = {}; },
        after: (n) => { for (const id of coveredHere()) (perCase.get(id) ?? perCase.set(id, []).get(id)!).push(n); },
      });
      if (r.bad) killed(r.bad);
      coverage.sizes = r.sizes;
      coverage.cases = Object.fromEntries([...perCase].map(([id, ns_]) => [id, toRanges(ns_.sort((a, b) => a - b))]));
      coverage.stages.traces = [...new Set([...coverage.atLoad, ...perCase.keys()])];
    } else {
      let r = replayTraces({ paths: TRACES, only, sizes: known?.sizes });
      if (!r.bad && only && count(only) <= FEW) r = replayTraces({ paths: TRACES });
      if (r.bad) killed(r.bad);
    }
  }
  // The run-time backends keep state across cases (compiled functions made on first use, the
  // results cache, the arena's cached ring limits), so a mutant's code run in one case changes
  // later ones: per-case skipping would not be exact here. A backend stage that reaches the
  // mutant replays every case.
  for (const b of BACKEND_LIST.filter((x) => x !== 'bigint')) {
    const stage = `traces:${b}`;
    if (!reaches(stage)) continue;
    const ns = strykerNs();
    if (recording && ns?.mutantCoverage) ns.mutantCoverage.static = {};
    const r = replayTraces({ paths: TRACES, backend: b });
    if (r.bad) killed(`${stage}: ${r.bad}`);
    if (recording) coverage.stages[stage] = [...new Set([...loaded, ...coveredHere()])];
  }
}

/** Stage 2: the test files of KILL_TESTS, each in a child process. */
function testStages(): void {
  for (const [k, file] of TESTS.entries()) {
    if (!reaches(file)) continue;
    const out = `scratch/mutate-coverage-${k}.json`;
    const args = recording ? ['--import', 'tsx', '--import', `./${HOOK}`, 'scripts/uvu-file.js', file] : ['--import', 'tsx', 'scripts/uvu-file.js', file];
    if (recording) mkdirSync(dirname(out), { recursive: true });
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, MUTATE_COVERAGE_OUT: recording ? out : '' } });
    if (r.status !== 0) killed(file);
    if (recording) {
      coverage.stages[file] = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) as string[] : [];
      rmSync(out, { force: true });
    }
  }
}

// KILL_TESTS_FIRST=1: for files whose directed tests are much faster than a replay (src/bv).
if (process.env.KILL_TESTS_FIRST) {
  testStages();
  traceStages();
} else {
  traceStages();
  testStages();
}
if (recording) {
  mkdirSync(dirname(COVERAGE_FILE), { recursive: true });
  writeFileSync(COVERAGE_FILE, JSON.stringify(coverage));
}
const ran = `stages run: ${[...BACKEND_LIST.map((b) => (b === 'bigint' ? 'traces' : `traces:${b}`)), ...TESTS].filter(reaches).join(', ') || 'none'}`;
console.log(`survived (${ran})`);
note(`survived\t${ran}`);
