// The kill command of `npm run mutate` (stryker.config.json): the fastest evidence that a
// mutant of src/domains is wrong, stopping at the first failure. Exit 1 = killed.
//   1. the recorded kernel answers on the precision corners (domain-corners.jsonl.gz), then the
//      random recorded cases (domains.jsonl.gz): the domain must agree bit for bit;
//   2. the domain unit and property test files named in KILL_TESTS (default below), each in a
//      child process, one after the other.
// The proofs are not run here (minutes each on a loaded machine): a surviving mutant is checked
// afterwards by hand with `bpfsynth prove NAME` on its operator (BENCHMARKS.md lists them).
//
// Coverage skip: Stryker's instrumented code counts which mutants' code ran (with no mutant
// active). The initial run (no __STRYKER_ACTIVE_MUTANT__) runs every stage and writes, per
// stage, the mutants whose code it reached (COVERAGE_FILE, inside Stryker's sandbox). A later
// run skips a stage that never reaches the active mutant: its code is not executed there, so the
// stage would pass exactly as it did unmutated. Without the file (or outside Stryker) every
// stage runs. This is what the command runner lacks (it has no per-test coverage).
import { readRecordingFile, withRecordedFlavor } from '../fuzz/record.ts';
import { compareObs, observeModel } from '../fuzz/domains/observe.ts';
import type { Recorded } from '../fuzz/domains/run.ts';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const TRACES = ['corpus/traces/domain-corners.jsonl.gz', 'corpus/traces/domains.jsonl.gz'];
/** Fast, directed files first; alu.test (the slowest) last. */
const DEFAULT_TESTS = ['tnum', 'tnum-predicates', 'glue', 'scalar', 'sync', 'movsx', 'mul-overflow', 'sync-flavor', 'branch', 'branch-precision', 'tnum-kernel', 'alu']
  .map((f) => `test/domains/${f}.test.ts`).join(' ');
const TESTS = (process.env.KILL_TESTS ?? DEFAULT_TESTS).split(/\s+/).filter(Boolean);
const COVERAGE_FILE = 'scratch/mutate-coverage.json';
const HOOK = 'scripts/mutate-coverage-hook.js';

/** Mutant ids whose code ran, per stage name ('traces' or a test file). */
type Coverage = Record<string, string[]>;

interface StrykerGlobal { __stryker__?: { mutantCoverage?: { static: Record<string, number> } } }
const coveredHere = (): string[] => Object.keys((globalThis as StrykerGlobal).__stryker__?.mutantCoverage?.static ?? {});

const active = process.env.__STRYKER_ACTIVE_MUTANT__;
const instrumented = (globalThis as StrykerGlobal).__stryker__ !== undefined || active !== undefined;
const recording = active === undefined && instrumented;
const known: Coverage | undefined = active !== undefined && existsSync(COVERAGE_FILE) ? JSON.parse(readFileSync(COVERAGE_FILE, 'utf8')) as Coverage : undefined;
/** Whether a stage can tell this mutant from the original: unknown coverage → yes. */
const reaches = (stage: string): boolean => !known || !known[stage] || known[stage].includes(active!);
const coverage: Coverage = {};

function firstMismatch(path: string): string | undefined {
  const { meta, records } = readRecordingFile<Recorded>(path);
  return withRecordedFlavor(meta, () => {
    for (const [i, rec] of records.entries()) {
      let diff: string[];
      try {
        diff = compareObs(rec.case, rec.kernel, observeModel(rec.case));
      } catch (e) {
        return `${path} case ${i}: ${(e as Error).message}`;
      }
      if (diff.length) return `${path} case ${i}: ${diff[0]}`;
    }
    return undefined;
  });
}

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

if (reaches('traces')) {
  for (const path of TRACES) {
    const bad = firstMismatch(path);
    if (bad) killed(bad);
  }
  // module-level (static) mutants are counted at import, so they are in this set too
  if (recording) coverage.traces = coveredHere();
}
for (const [k, file] of TESTS.entries()) {
  if (!reaches(file)) continue;
  const out = `scratch/mutate-coverage-${k}.json`;
  const args = recording ? ['--import', 'tsx', '--import', `./${HOOK}`, 'scripts/uvu-file.js', file] : ['--import', 'tsx', 'scripts/uvu-file.js', file];
  if (recording) mkdirSync(dirname(out), { recursive: true });
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, MUTATE_COVERAGE_OUT: recording ? out : '' } });
  if (r.status !== 0) killed(file);
  if (recording) {
    coverage[file] = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) as string[] : [];
    rmSync(out, { force: true });
  }
}
if (recording) {
  mkdirSync(dirname(COVERAGE_FILE), { recursive: true });
  writeFileSync(COVERAGE_FILE, JSON.stringify(coverage));
}
const ran = `stages run: ${['traces', ...TESTS].filter(reaches).join(', ') || 'none'}`;
console.log(`survived (${ran})`);
note(`survived\t${ran}`);
