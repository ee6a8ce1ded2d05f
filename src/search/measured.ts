// Measured selection (K2's FAQ: the cost model only guesses, so time the best few): the top
// validated variants are timed against the original in the kernel (interleaved rounds, ratio
// with a 95% interval), and the one written is chosen on those measurements.
//   latency: the fastest variant whose gain is significant; else the smallest not slower.
//   size:    the smallest, ties broken on measured time; never one slower beyond the noise.
// Without the kernel (or a type without test_run) nothing is timed and the output says so.
import type { Program } from '../isa/program.ts';
import { kernelAvailable } from '../kernel/syscall.ts';
import { benchPrograms, benchUnsupported } from '../kernel/bench.ts';
import { pct, type RatioEstimate } from '../kernel/ratio.ts';
import type { Variant } from './chain.ts';
import { sizeOfPerf, type Objective } from './cost.ts';
import { benchGroupsOf, longPathTests } from './bench-inputs.ts';
import type { TestGroup } from './tests.ts';

export interface TimedVariant {
  readonly insns: number;
  readonly nsPerRun: number;
  /** Against the original: median ratio, 95% interval, verdict. */
  readonly ratio: RatioEstimate;
}

export interface Selection {
  /** The variant to write; undefined: keep the original. */
  readonly variant?: Variant;
  /** Whether anything was timed. */
  readonly measured: boolean;
  /** One line for the user: what was timed and why this choice. */
  readonly note: string;
  readonly originalNs?: number;
  readonly timed: readonly (TimedVariant & { chosen: boolean })[];
  /** The chosen variant's ratio (when measured). */
  readonly ratio?: RatioEstimate;
}

export interface SelectOptions {
  /** Variants timed (default 4). */
  readonly topK?: number;
  readonly rounds?: number;
  readonly onRound?: (done: number, of: number) => void;
}

const size = (v: Variant, objective: Objective): number => (objective === 'size' ? sizeOfPerf(v.perf) : v.insns.length);

/** Why nothing can be timed for this program here, if so. */
export function cannotMeasure(program: Program): string | undefined {
  const k = kernelAvailable();
  if (!k.ok) return `no kernel: ${k.reason}`;
  return benchUnsupported(program);
}

export function selectMeasured(program: Program, variants: readonly Variant[], tests: readonly TestGroup[], objective: Objective, opts: SelectOptions = {}): Selection {
  if (!variants.length) return { measured: false, note: 'no validated variant to time', timed: [] };
  const why = cannotMeasure(program);
  const unmeasured = (reason: string): Selection => ({
    variant: variants[0], measured: false, timed: [],
    note: `latency not measured (${reason}): chosen on the ${objective === 'size' ? 'size, ties on estimated latency' : 'estimated latency'}`,
  });
  if (why) return unmeasured(why);
  const picked = variants.slice(0, opts.topK ?? 4);
  const r = benchPrograms([program, ...picked.map((v) => ({ ...program, insns: v.insns }))], benchGroupsOf(longPathTests(program, tests)), { rounds: opts.rounds ?? 60, onRound: opts.onRound });
  if (!r.ok) return unmeasured(r.reason);
  const timed = picked.map((v, i) => ({ v, insns: v.insns.length, nsPerRun: r.programs[i + 1].medianNs, ratio: r.ratios[i + 1]! }));
  const byRatio = (a: (typeof timed)[number], b: (typeof timed)[number]) => a.ratio.median - b.ratio.median;
  const notSlower = timed.filter((t) => t.ratio.verdict !== 'slower');
  let choice: (typeof timed)[number] | undefined;
  let why2: string;
  if (objective === 'latency') {
    const faster = timed.filter((t) => t.ratio.verdict === 'faster').sort(byRatio);
    choice = faster[0];
    why2 = choice ? 'the fastest significant gain' : '';
    if (!choice) {
      choice = notSlower.sort((a, b) => a.insns - b.insns || byRatio(a, b))[0];
      why2 = choice ? 'no significant gain: the smallest not measured slower' : 'every variant measured slower beyond the noise: the original is kept';
    }
  } else {
    const smallest = Math.min(...notSlower.map((t) => size(t.v, objective)));
    choice = notSlower.filter((t) => size(t.v, objective) === smallest).sort(byRatio)[0];
    const smallerSlower = choice && timed.some((t) => t.ratio.verdict === 'slower' && size(t.v, objective) < smallest);
    why2 = choice
      ? smallerSlower ? 'the smallest not measured slower: a smaller one was slower beyond the noise' : 'the smallest, the fastest of its size, not measured slower'
      : 'every smaller variant measured slower beyond the noise: the original is kept';
  }
  const fmt = (t: (typeof timed)[number]) => `${t.insns} insns ${pct(t.ratio.median)} [${pct(t.ratio.low)}, ${pct(t.ratio.high)}]`;
  return {
    variant: choice?.v,
    measured: true,
    note: `timed ${timed.length} variant${timed.length > 1 ? 's' : ''} against the original (${r.ratios[1]!.n} interleaved rounds, ${r.inputs} inputs): ${timed.map(fmt).join('; ')}; chose ${choice ? fmt(choice) : 'the original'} (${why2})`,
    originalNs: r.programs[0].medianNs,
    timed: timed.map((t) => ({ insns: t.insns, nsPerRun: t.nsPerRun, ratio: t.ratio, chosen: t === choice })),
    ratio: choice?.ratio,
  };
}
