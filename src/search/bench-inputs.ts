// The inputs programs are timed on: the optimizer's own test suite (realistic frames, random
// ones, truncated ones at each bounds check, map states with and without hits), so a speed-up
// is measured on the inputs the search was judged on. By default only those that follow the
// original's long path (exec-profile.ts): an early drop runs a handful of instructions and
// times mostly test_run itself, which dilutes every ratio toward 1.
import { prepare } from '../interp/index.ts';
import type { Program } from '../isa/program.ts';
import type { BenchGroup } from '../kernel/bench.ts';
import { rng } from './chain.ts';
import { execProfile, longPathGroups } from './exec-profile.ts';
import { makeTests, type TestGroup } from './tests.ts';

/** Which of the tests are timed: those on the original's long path, or all of them. */
export type InputChoice = 'long-path' | 'all';

/** The optimizer's test groups as benchmark groups. */
export function benchGroupsOf(tests: readonly TestGroup[]): BenchGroup[] {
  return tests.map((g) => ({ presets: g.presets, inputs: g.packets, asCtx: g.asCtx }));
}

/** The tests that run at least LONG_SHARE of the longest run's instructions on the original. */
export function longPathTests(program: Program, tests: readonly TestGroup[]): TestGroup[] {
  return longPathGroups(tests, execProfile(program, tests), LONG_SHARE);
}

/** A long-path input executes at least this share of the most instructions any test input does. */
export const LONG_SHARE = 0.6;

/** Build the optimizer's tests for a program (seeded: the same inputs every time) as benchmark groups. */
export function optimizerInputs(program: Program, seed = 1, choice: InputChoice = 'long-path'): BenchGroup[] {
  const tests = makeTests(prepare(program), program, rng(seed));
  return benchGroupsOf(choice === 'all' ? tests : longPathTests(program, tests));
}
