// The inputs programs are timed on: the optimizer's own test suite (realistic frames, random
// ones, truncated ones at each bounds check, map states with and without hits), so a speed-up
// is measured on the inputs the search was judged on.
import { prepare } from '../interp/index.ts';
import type { Program } from '../isa/program.ts';
import type { BenchGroup } from '../kernel/bench.ts';
import { rng } from './chain.ts';
import { makeTests, type TestGroup } from './tests.ts';

/** The optimizer's test groups as benchmark groups. */
export function benchGroupsOf(tests: readonly TestGroup[]): BenchGroup[] {
  return tests.map((g) => ({ presets: g.presets, inputs: g.packets, asCtx: g.asCtx }));
}

/** Build the optimizer's tests for a program (seeded: the same inputs every time) as benchmark groups. */
export function optimizerInputs(program: Program, seed = 1): BenchGroup[] {
  return benchGroupsOf(makeTests(prepare(program), program, rng(seed)));
}
