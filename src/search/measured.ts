// Measured selection (K2's FAQ: the cost model only guesses, so time the best few): the top
// validated variants are timed against the original in the kernel (interleaved rounds, ratio
// with a 95% interval), and the one written is chosen on those measurements.
//   latency: the fastest variant whose gain is significant, but only once fresh rounds confirm
//            it; else the smallest not slower.
//   size:    the smallest, ties broken on measured time; never one slower beyond the noise.
// The confirmation: picking the best of k variants each tested at 95% favours one whose rounds
// happened to run fast (a winner's curse: with 4 variants and no real gain, some "faster" shows
// up far more often than 1 time in 40). So the pick is timed again against the original in new
// rounds, with an A/A control in them, and kept only if its interval there lies below 1 and below
// the control's; those rounds played no part in the choice, so their one test holds at 95%.
// Without the kernel (or a type without test_run) nothing is timed and the output says so.
import type { Program } from '../isa/program.ts';
import { kernelAvailable } from '../kernel/syscall.ts';
import { benchPrograms, benchUnsupported, type BenchGroup, type BenchOptions, type BenchResult } from '../kernel/bench.ts';
import { fasterThanControl, pct, slowerThanControl, type RatioEstimate } from '../kernel/ratio.ts';
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

/** The second timing of the selection's winner (latency objective). */
export interface Confirmation {
  /** Whether the confirming rounds ran. */
  readonly ran: boolean;
  /** Why they did not run, or why what ran is no verdict. */
  readonly reason?: string;
  /** Instructions of the variant timed. */
  readonly insns: number;
  readonly rounds?: number;
  readonly inputs?: number;
  readonly originalNs?: number;
  readonly nsPerRun?: number;
  /** The variant against the original in the fresh rounds. */
  readonly ratio?: RatioEstimate;
  /** The original's second load set against the first in the same rounds (A/A). */
  readonly control?: RatioEstimate;
  /** The gain stood: interval below 1 and below the control's (fasterThanControl). */
  readonly confirmed: boolean;
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
  /** The chosen variant's ratio (when measured): the confirmation's when it confirmed the choice. */
  readonly ratio?: RatioEstimate;
  /** ns/run of the original and the chosen variant: the confirming rounds' when they confirmed it, else the first timing's. */
  readonly chosenNs?: { readonly before: number; readonly after: number };
  /** Latency objective, when some variant was significantly faster in the selection's rounds. */
  readonly confirmation?: Confirmation;
}

/** benchPrograms' shape: a test passes synthetic timings in its place. */
export type BenchFn = (programs: readonly Program[], groups: readonly BenchGroup[], opts: BenchOptions) => BenchResult;

export interface SelectOptions {
  /** Variants timed (default 4). */
  readonly topK?: number;
  readonly rounds?: number;
  /** Rounds confirming the latency winner (default: rounds; 0: none, the winner written unconfirmed). */
  readonly confirmRounds?: number;
  readonly onRound?: (done: number, of: number, phase: 'selection' | 'confirmation') => void;
  /** Instead of the kernel's bench (and without asking whether there is a kernel): tests. */
  readonly bench?: BenchFn;
}

const size = (v: Variant, objective: Objective): number => (objective === 'size' ? sizeOfPerf(v.perf) : v.insns.length);

/** Why nothing can be timed for this program here, if so. */
export function cannotMeasure(program: Program): string | undefined {
  const k = kernelAvailable();
  if (!k.ok) return `no kernel: ${k.reason}`;
  return benchUnsupported(program);
}

const interval = (r: RatioEstimate): string => `${pct(r.median)} [${pct(r.low)}, ${pct(r.high)}]`;

/** One line on a confirmation: what ran and what it showed. */
export function describeConfirmation(c: Confirmation): string {
  if (!c.ran || !c.ratio || !c.control) return `the ${c.insns}-insn winner not confirmed (${c.reason})`;
  return `the ${c.insns}-insn winner timed again in ${c.rounds} fresh rounds (${c.inputs} inputs): ${interval(c.ratio)} beside an A/A control ${interval(c.control)}: ${c.confirmed ? 'confirmed' : 'not confirmed (needs an interval below 1 and below the control\'s)'}`;
}

export function selectMeasured(program: Program, variants: readonly Variant[], tests: readonly TestGroup[], objective: Objective, opts: SelectOptions = {}): Selection {
  if (!variants.length) return { measured: false, note: 'no validated variant to time', timed: [] };
  const why = opts.bench ? undefined : cannotMeasure(program);
  const unmeasured = (reason: string): Selection => ({
    variant: variants[0], measured: false, timed: [],
    note: `latency not measured (${reason}): chosen on the ${objective === 'size' ? 'size, ties on estimated latency' : 'estimated latency'}`,
  });
  if (why) return unmeasured(why);
  const bench = opts.bench ?? benchPrograms;
  const groups = benchGroupsOf(longPathTests(program, tests));
  const picked = variants.slice(0, opts.topK ?? 4);
  const rounds = opts.rounds ?? 60;
  const onRound = opts.onRound;
  const r = bench([program, ...picked.map((v) => ({ ...program, insns: v.insns }))], groups, { rounds, onRound: onRound && ((d, n) => onRound(d, n, 'selection')) });
  if (!r.ok) return unmeasured(r.reason);
  const timed = picked.map((v, i) => ({ v, insns: v.insns.length, nsPerRun: r.programs[i + 1].medianNs, ratio: r.ratios[i + 1]! }));
  const byRatio = (a: (typeof timed)[number], b: (typeof timed)[number]) => a.ratio.median - b.ratio.median;
  const notSlower = timed.filter((t) => t.ratio.verdict !== 'slower');
  let choice: (typeof timed)[number] | undefined;
  let why2: string;
  let confirmation: Confirmation | undefined;
  /** The choice is the winner its confirmation stood for: report the confirmation's fresh ratio. */
  let chosenConfirmed = false;
  if (objective === 'latency') {
    const best = timed.filter((t) => t.ratio.verdict === 'faster').sort(byRatio)[0];
    why2 = '';
    if (best) {
      const confirmRounds = opts.confirmRounds ?? rounds;
      confirmation = confirmRounds > 0
        ? confirm(bench, program, groups, best, confirmRounds, onRound)
        : { ran: false, reason: 'no confirming rounds asked for (--confirm-rounds 0)', insns: best.insns, confirmed: false };
      if (confirmation.confirmed || confirmRounds === 0) {
        choice = best;
        chosenConfirmed = confirmation.confirmed;
        why2 = confirmation.confirmed ? 'the fastest significant gain, confirmed in fresh rounds' : 'the fastest significant gain, unconfirmed';
      }
    }
    if (!choice) {
      // a winner its fresh rounds found slower beyond the A/A control is no fallback either
      const slowAgain = confirmation?.ran && slowerThanControl(confirmation.ratio!, confirmation.control!) ? best : undefined;
      choice = notSlower.filter((t) => t !== slowAgain).sort((a, b) => a.insns - b.insns || byRatio(a, b))[0];
      const none = best ? 'its gain not confirmed' : 'no significant gain';
      why2 = choice ? `${none}: the smallest not measured slower` : 'every variant measured slower beyond the noise: the original is kept';
    }
  } else {
    const smallest = Math.min(...notSlower.map((t) => size(t.v, objective)));
    choice = notSlower.filter((t) => size(t.v, objective) === smallest).sort(byRatio)[0];
    const smallerSlower = choice && timed.some((t) => t.ratio.verdict === 'slower' && size(t.v, objective) < smallest);
    why2 = choice
      ? smallerSlower ? 'the smallest not measured slower: a smaller one was slower beyond the noise' : 'the smallest, the fastest of its size, not measured slower'
      : 'every smaller variant measured slower beyond the noise: the original is kept';
  }
  const fmt = (t: (typeof timed)[number]) => `${t.insns} insns ${interval(t.ratio)}`;
  return {
    variant: choice?.v,
    measured: true,
    note: `timed ${timed.length} variant${timed.length > 1 ? 's' : ''} against the original (${r.ratios[1]!.n} interleaved rounds, ${r.inputs} inputs): ${timed.map(fmt).join('; ')}${confirmation ? `; ${describeConfirmation(confirmation)}` : ''}; chose ${choice ? fmt(choice) : 'the original'} (${why2})`,
    originalNs: r.programs[0].medianNs,
    timed: timed.map((t) => ({ insns: t.insns, nsPerRun: t.nsPerRun, ratio: t.ratio, chosen: t === choice })),
    ratio: chosenConfirmed ? confirmation!.ratio : choice?.ratio,
    ...(choice ? { chosenNs: chosenConfirmed ? { before: confirmation!.originalNs!, after: confirmation!.nsPerRun! } : { before: r.programs[0].medianNs, after: choice.nsPerRun } } : {}),
    ...(confirmation ? { confirmation } : {}),
  };
}

/** The selection's winner against the original again, in new rounds with an A/A control. */
function confirm(bench: BenchFn, program: Program, groups: readonly BenchGroup[], best: { v: Variant; insns: number }, rounds: number, onRound: SelectOptions['onRound']): Confirmation {
  const c = bench([program, { ...program, insns: best.v.insns }], groups, { rounds, control: true, onRound: onRound && ((d, n) => onRound(d, n, 'confirmation')) });
  if (!c.ok) return { ran: false, reason: `its bench failed: ${c.reason}`, insns: best.insns, confirmed: false };
  const ratio = c.ratios[1]!, control = c.control;
  if (!control) return { ran: false, reason: 'the bench returned no A/A control', insns: best.insns, confirmed: false };
  return {
    ran: true, insns: best.insns, rounds: ratio.n, inputs: c.inputs, originalNs: c.programs[0].medianNs, nsPerRun: c.programs[1].medianNs,
    ratio, control, confirmed: fasterThanControl(ratio, control),
  };
}
