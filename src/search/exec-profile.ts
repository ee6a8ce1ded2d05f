// How often each slot of a program runs on the search's test inputs: the weights of the latency
// objective (an instruction on the hot path costs per run, one on an error path almost never)
// and the way to tell a program's long-path inputs from its early drops. Counted once, on the
// original, with the interpreter's tracer (slow, but a few hundred runs): a candidate rewrites
// straight-line slots in place and keeps every jump (a threaded jump is priced apart:
// latency-jump-thread.ts), so the original's counts stand for it.
import { prepare, type Vm } from '../interp/index.ts';
import { STAND_INS } from './standins.ts';
import type { Program } from '../isa/program.ts';
import type { TestGroup } from './tests.ts';
import type { Slot } from './proposals.ts';
import { jumpTargets, type LatencyProfile } from './exec-cost.ts';

export interface ExecProfile {
  /** Mean executions per test input of each slot of the entry program (lddw's second half: 0). */
  readonly perSlot: Float64Array;
  /** Instructions executed per input, in the order of the groups and their inputs. */
  readonly perInput: readonly (readonly number[])[];
  /** Inputs counted. */
  readonly inputs: number;
}

/** Traced steps per run at most: a longer run is counted up to here (loops bounded by the verifier stay far below). */
const STEP_LIMIT = 200_000;

function setMaps(vm: Vm, g: TestGroup): void {
  vm.resetMaps();
  for (const p of g.presets) vm.maps[p.map].set(p.key, p.value);
}

/** Count the original's executions per slot over every test input. */
export function execProfile(program: Program, tests: readonly TestGroup[]): ExecProfile {
  const vm = prepare(program, { standIns: STAND_INS });
  const counts = new Float64Array(program.insns.length);
  const perInput: number[][] = [];
  let inputs = 0;
  for (const g of tests) {
    const row: number[] = [];
    for (const x of g.packets) {
      setMaps(vm, g);
      const t = vm.trace(g.asCtx ? { ctx: x } : { packet: x }, { limit: STEP_LIMIT });
      let n = 0;
      for (const s of t.steps) {
        if (s.prog !== 0) continue; // tail-call targets are other programs
        counts[s.pc] += 1;
        n++;
      }
      row.push(n);
      inputs++;
    }
    perInput.push(row);
  }
  if (inputs) for (let i = 0; i < counts.length; i++) counts[i] /= inputs;
  return { perSlot: counts, perInput, inputs };
}

/**
 * Inputs that follow the program's long path: those executing at least `share` of the most
 * instructions any input executes (a valid TCP/UDP frame through the whole parser, not an
 * early drop). Timing on these puts more of the program, and less of test_run, in each figure.
 */
export function longPathGroups(tests: readonly TestGroup[], profile: ExecProfile, share: number): TestGroup[] {
  const most = Math.max(0, ...profile.perInput.flat());
  const keep = (n: number) => n >= share * most;
  return tests
    .map((g, gi) => {
      const idx = g.packets.map((_, i) => i).filter((i) => keep(profile.perInput[gi][i]));
      return { ...g, packets: idx.map((i) => g.packets[i]), expected: idx.map((i) => g.expected[i]), ids: idx.map((i) => g.ids[i]) };
    })
    .filter((g) => g.packets.length);
}

/** The latency objective's view of the original: how often each slot runs, and where jumps land. */
export function latencyProfile(program: Program, tests: readonly TestGroup[], original: readonly Slot[]): LatencyProfile {
  return { weights: execProfile(program, tests).perSlot, targets: jumpTargets(original), original };
}
