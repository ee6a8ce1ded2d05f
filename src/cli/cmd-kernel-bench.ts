// `bpfsynth kernel bench A.o [B.o]`: ns per run under the JIT, A and B interleaved, the ratio
// B/A with a distribution-free 95% interval.
import { loadavg } from 'node:os';
import type { Command } from './args.ts';
import { flag, intOpt, str } from './args.ts';
import { InputError, UsageError } from './errors.ts';
import { loadSource, progTypeArg } from './source.ts';
import { parseHex, readInput } from './io.ts';
import type { BenchGroup, BenchResult } from '../kernel/bench.ts';
import { pct, type RatioEstimate } from '../kernel/ratio.ts';

export const kernelBenchCmd: Command = {
  name: 'kernel bench',
  summary: 'time programs under the JIT (BPF_PROG_TEST_RUN, interleaved rounds, ratio with a 95% interval)',
  usage: `usage: bpfsynth kernel bench A.o [B.o] [options]

Loads each program into the running kernel (root) and times it with BPF_PROG_TEST_RUN and a
repeat count, under the JIT. Every round runs A and B on every input, alternating call by call
(3 calls each per input, in a balanced order: every program runs after every other about
equally often), so drift and other load hit both; a round's figure is the kernel's mean ns per run over the inputs. The ratio B/A is the median of the per-round ratios, with a
95% distribution-free interval (the sign-test interval: order statistics from Binomial(n, ½)).
When the interval contains 1 the difference is reported as within noise. Also printed: JIT
code size (jited_prog_len), an empty program's ns/run (test_run's own share) and, with
--kernel-stats, the kernel's run-time statistics. Inputs: the optimizer's test inputs for A
(frames, map states) that follow A's long path (at least 60% of the most instructions any test
runs in the interpreter: early drops time mostly test_run itself), or --packet.
Every round runs on its own load of every program (a fresh JIT placement: where the image
lands moves its speed by up to a few %, so rounds sharing a load would not be independent), and
a second load set of A is timed in the same rounds as an A/A control: when A/A itself comes out
faster or slower, a B/A verdict of that size is not evidence (reported as such).

  --section S        program or section in each object (default: the first program)
  --type T           program type for bare bytecode / assembly
  --packet HEX       time on this packet instead (repeatable); --packet-file F likewise
  --rounds N         alternating rounds (default 40; at least 6)
  --repeat N         test_run repeat count (default: about 40 µs of runs per call)
  --seed N           seed of the optimizer's test inputs (default 1)
  --all-inputs       time on every optimizer test input, early drops included
  --kernel-stats     also turn on the kernel's run-time statistics (BPF_ENABLE_STATS) and
                     report them per round; they are machine-wide and add ~40 ns to every run
                     of every program, so ratios are diluted while they are on
  --json             machine-readable result`,
  options: {
    section: { type: 'string' }, type: { type: 'string' }, packet: { type: 'string', multiple: true }, 'packet-file': { type: 'string', multiple: true },
    rounds: { type: 'string' }, repeat: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, 'kernel-stats': { type: 'boolean' }, 'all-inputs': { type: 'boolean' },
  },
  positionals: [1, 2],
  async run(args) {
    const rounds = intOpt(args, 'rounds', 40);
    if (rounds < 6) throw new UsageError('--rounds must be at least 6 (fewer cannot give a 95% interval)');
    const repeatText = str(args, 'repeat');
    const repeat = repeatText === undefined ? undefined : intOpt(args, 'repeat', 0);
    if (repeat === 0) throw new UsageError('--repeat must be at least 1');
    const seed = intOpt(args, 'seed', 1);
    const type = progTypeArg(str(args, 'type'));
    const programs = args.positionals.map((f) => loadSource(f, { section: str(args, 'section'), type }).program);
    const packets = [
      ...((args.values.packet as string[] | undefined) ?? []).map((h, i) => parseHex(h, `--packet #${i + 1}`)),
      ...((args.values['packet-file'] as string[] | undefined) ?? []).map((f) => readInput(f)),
    ];
    const { kernelAvailable } = await import('../kernel/syscall.ts');
    const k = kernelAvailable();
    if (!k.ok) throw new InputError(`the kernel is not available: ${k.reason} (nothing was measured)`);
    const { benchPrograms } = await import('../kernel/bench.ts');
    const { optimizerInputs } = await import('../search/bench-inputs.ts');
    const groups: BenchGroup[] = packets.length ? [{ presets: [], inputs: packets }] : optimizerInputs(programs[0], seed, flag(args, 'all-inputs') ? 'all' : 'long-path');
    const tty = process.stderr.isTTY && !flag(args, 'json');
    const load0 = loadavg()[0];
    const r = benchPrograms(programs, groups, {
      rounds, repeat, harness: true, control: true, kernelStats: flag(args, 'kernel-stats'),
      onRound: tty ? (d, n) => process.stderr.write(`\rround ${d}/${n}`) : undefined,
    });
    if (tty) process.stderr.write('\r\x1b[K');
    if (!r.ok) throw new InputError(`${args.positionals.join(' vs ')}: ${r.reason} (nothing was measured)`);
    const load = { before: +load0.toFixed(2), after: +loadavg()[0].toFixed(2) };
    if (flag(args, 'json')) {
      console.log(JSON.stringify(benchJson(r, args.positionals, packets.length ? 'given packets' : `optimizer tests (seed ${seed}${flag(args, 'all-inputs') ? '' : ', long path'})`, load)));
      return 0;
    }
    printBench(r, args.positionals, packets.length ? 'given packets' : `the optimizer's tests (seed ${seed}${flag(args, 'all-inputs') ? '' : ', long path'})`, load, flag(args, 'kernel-stats'));
    return 0;
  },
};

type Ok = Extract<BenchResult, { ok: true }>;

const ratioJson = (x: RatioEstimate) => ({ median: +x.median.toFixed(5), low: +x.low.toFixed(5), high: +x.high.toFixed(5), coverage: +x.coverage.toFixed(4), verdict: x.verdict });

function benchJson(r: Ok, files: readonly string[], inputs: string, load: { before: number; after: number }) {
  return {
    programs: r.programs.map((p, i) => ({
      file: files[i], name: p.name, insns: p.insns, jitedBytes: p.jitedLen, xlatedBytes: p.xlatedLen,
      nsPerRun: +p.medianNs.toFixed(2), netNsPerRun: p.netNs !== undefined ? +p.netNs.toFixed(2) : null, rounds: p.rounds.map((x) => +x.toFixed(2)),
      kernelStatsNsPerRun: p.stats ? +p.stats.medianNs.toFixed(2) : null,
    })),
    ratio: r.ratios[1] ? ratioJson(r.ratios[1]) : null,
    control: r.control ? ratioJson(r.control) : null,
    kernelStatsRatio: r.statRatios[1] ? ratioJson(r.statRatios[1]) : null,
    interval: 'sign-test (distribution-free) 95% interval of the median per-round ratio B/A, a fresh load set per round',
    loadSets: r.ratios[1]?.n ?? r.control?.n ?? null, loadMs: Math.round(r.loadMs),
    harnessNsPerRun: r.harnessNs !== undefined ? +r.harnessNs.toFixed(2) : null,
    rounds: r.programs[0].rounds.length, repeat: r.repeat, inputs: r.inputs, inputSource: inputs, skippedInputs: r.skippedInputs,
    jit: r.programs.every((p) => p.jitedLen > 0), loadAverage: load,
  };
}

/** "B/A -2.4% (95% interval -3.1% … -1.0%): faster". */
export function describeRatio(x: RatioEstimate): string {
  return `${pct(x.median)} (${Math.round(x.coverage * 1000) / 10}% interval ${pct(x.low)} … ${pct(x.high)}, ${x.rounds !== undefined && x.rounds !== x.n ? `${x.rounds} rounds on ${x.n} load sets` : `${x.n} rounds`}): ${x.verdict}`;
}

function printBench(r: Ok, files: readonly string[], inputs: string, load: { before: number; after: number }, askedStats: boolean): void {
  const cols = r.programs.map((p, i) => `${String.fromCharCode(65 + i)}: ${files[i]}`);
  const w = Math.max(14, ...cols.map((c) => c.length + 2));
  const row = (label: string, vals: string[]) => console.log(`${label.padEnd(18)}${vals.map((v) => v.padStart(w)).join('')}`);
  row('', cols);
  row('instructions', r.programs.map((p) => String(p.insns)));
  row('JIT bytes', r.programs.map((p) => (p.jitedLen ? String(p.jitedLen) : 'no JIT')));
  row('ns/run (median)', r.programs.map((p) => p.medianNs.toFixed(2)));
  row('minus empty prog', r.programs.map((p) => (p.netNs !== undefined ? p.netNs.toFixed(2) : 'n/a')));
  if (r.statsEnabled) row('bpf_stats ns/run', r.programs.map((p) => (p.stats ? p.stats.medianNs.toFixed(2) : 'n/a')));
  if (r.harnessNs !== undefined) console.log(`empty program: ${r.harnessNs.toFixed(2)} ns/run (test_run's own share of each figure above)`);
  if (r.ratios[1]) console.log(`B/A: ${describeRatio(r.ratios[1])}`);
  if (r.control) console.log(`A/A control (a second load of A): ${describeRatio(r.control)}${r.control.verdict !== 'within noise' ? ' — the noise exceeds the interval: B/A of this size is not evidence' : ''}`);
  if (r.statRatios[1]) console.log(`B/A by bpf_stats (program alone): ${describeRatio(r.statRatios[1])}`);
  console.log(`${r.inputs} inputs (${inputs})${r.skippedInputs ? `, ${r.skippedInputs} refused by test_run and left out` : ''}; repeat ${r.repeat}; load average ${load.before} → ${load.after}`);
  if (askedStats && !r.statsEnabled) console.log('kernel run-time stats: not available (BPF_ENABLE_STATS refused)');
}
