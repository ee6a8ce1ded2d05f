// Timing programs under the kernel's JIT with BPF_PROG_TEST_RUN and `repeat`: each program is
// loaded several times (see copies), and every round times each program on every input, the
// programs alternating call by call on each input (so drift, frequency steps and neighbours'
// load hit all of them alike) in a balanced order (bench-order.ts: every program runs after
// every other equally often). A round's figure is the mean of the kernel's ns-per-run over the
// inputs; ratios of paired rounds go to ratio.ts.
import type { Program } from '../isa/program.ts';
import { MAP_TYPE } from '../isa/program.ts';
import { loadProgram, progInfo, type LoadResult } from './load.ts';
import { isPerCpu, u32Key, type KernelMap } from './maps.ts';
import { testRun } from './testrun.ts';
import { bpf, closeFd, newAttr } from './syscall.ts';
import { parseVerifierLog } from './log.ts';
import { compareCopies, median, type RatioEstimate } from './ratio.ts';
import { orderStream, roundOrder } from './bench-order.ts';

/** A map entry put in place before a group's inputs run. */
export interface BenchPreset {
  readonly map: number;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Inputs sharing one initial map state (the optimizer's test groups have this shape). */
export interface BenchGroup {
  readonly presets: readonly BenchPreset[];
  /** Packet bytes, or context bytes when asCtx. */
  readonly inputs: readonly Uint8Array[];
  readonly asCtx?: boolean;
}

export interface BenchOptions {
  /** Alternating rounds (default 40). */
  readonly rounds?: number;
  /** test_run repeat count; default: chosen so one call runs about targetNs. */
  readonly repeat?: number;
  /** Kernel time per test_run call when repeat is chosen (default 40 µs: short calls alternate closely). */
  readonly targetNs?: number;
  /**
   * Also time an empty program of the first one's type (`r0 = 1; exit`) in the same rounds:
   * test_run's own per-run cost, which every figure includes.
   */
  readonly harness?: boolean;
  /**
   * Turn on the kernel's run-time statistics during the rounds (default false): the switch is
   * global, and its two clock reads per run turn a ~6 ns empty program into ~50 ns, which
   * dilutes every ratio (and slows every BPF program on the machine while it is on).
   */
  readonly kernelStats?: boolean;
  /** Calls per program and input in a round, alternating between the programs (default 3). */
  readonly tries?: number;
  /**
   * Loads of each program held at once, used in turn by the rounds (default: one per round, so
   * every round runs on a fresh JIT placement). Rounds sharing a copy share its placement, so
   * the ratios' intervals take the copy as their unit (compareCopies): fewer copies than rounds
   * stay sound but give wider intervals (at least 6 are needed for a 95% one).
   */
  readonly copies?: number;
  /**
   * Also time a second, separately loaded set of the first program in the same rounds (an A/A
   * control): its ratio to the first shows how far placement and noise alone move a figure.
   */
  readonly control?: boolean;
  /**
   * Call order: 'balanced' (default; a Williams design, every program after every other equally
   * often, bench-order.ts) or 'rotate' (the old AB, BA, … which gave each program one fixed
   * predecessor and biased the baseline slow).
   */
  readonly order?: 'balanced' | 'rotate';
  /** Called after each round (progress). */
  readonly onRound?: (done: number, of: number) => void;
}

export interface BenchProgram {
  readonly name: string;
  readonly insns: number;
  /** Bytes of JITed code (0: the JIT is off and the interpreter ran). */
  readonly jitedLen: number;
  readonly xlatedLen: number;
  /** Mean ns per run over the inputs, per round. */
  readonly rounds: readonly number[];
  readonly medianNs: number;
  /** Median per-round ns/run minus the empty program's (with `harness`): the program's own time. */
  readonly netNs?: number;
  /**
   * The kernel's own run-time statistics (BPF_ENABLE_STATS) per round, when it kept them: the
   * program's time alone, without test_run's per-run loop overhead (which dilutes ratios toward 1).
   */
  readonly stats?: { readonly rounds: readonly number[]; readonly medianNs: number };
}

export type BenchResult =
  | {
      readonly ok: true;
      readonly programs: readonly BenchProgram[];
      /** Program i against program 0 (index 0: undefined). */
      readonly ratios: readonly (RatioEstimate | undefined)[];
      /** The same from the kernel's run-time statistics (when kept). */
      readonly statRatios: readonly (RatioEstimate | undefined)[];
      readonly repeat: number;
      readonly inputs: number;
      /** Inputs test_run refused on the first program (left out for all). */
      readonly skippedInputs: number;
      /** ns per run of the empty program (when asked for): the harness's share of every figure. */
      readonly harnessNs?: number;
      /** The A/A control (with `control`): the first program's second load set against the first. */
      readonly control?: RatioEstimate;
      /** The copy (load set) each round ran on: the unit of every interval above (compareCopies). */
      readonly copyOfRound: readonly number[];
      /** Wall-clock ms spent loading the copies (verifier, JIT, maps), each just before its first round. */
      readonly loadMs: number;
      readonly statsEnabled: boolean;
    }
  | { readonly ok: false; readonly reason: string };

/** Types BPF_PROG_TEST_RUN runs with a repeat count (kprobe, tracepoint, perf_event have no test_run; raw_tracepoint and syscall refuse repeat). */
export function benchUnsupported(program: Program): string | undefined {
  const t = program.type;
  if (t === 'kprobe' || t === 'tracepoint' || t === 'perf_event' || t === 'cgroup_sock') return `kernel test_run: not available for ${t}`;
  if (t === 'raw_tracepoint' || t === 'syscall') return `kernel test_run: no repeat for ${t} (one run per call cannot be timed)`;
  return undefined;
}

const ENABLE_STATS = 32; // enum bpf_cmd BPF_ENABLE_STATS
const STATS_RUN_TIME = 0; // enum bpf_stats_type BPF_STATS_RUN_TIME

/** Turn on run-time statistics for as long as the returned fd stays open (-1: not allowed). */
function enableStats(): number {
  const attr = newAttr();
  new DataView(attr.buffer).setUint32(0, STATS_RUN_TIME, true);
  return bpf(ENABLE_STATS, attr).ret;
}

/** Put a map back to empty/zero for the keys that matter to timing, then apply presets. */
function prepareMaps(maps: readonly KernelMap[], presets: readonly BenchPreset[]): void {
  for (const m of maps) {
    const t = m.spec.type;
    if (t === MAP_TYPE.array || t === MAP_TYPE.percpu_array) {
      // arrays: the first slots (counters, config) zeroed; a full reset of a big array per round would dwarf the runs
      const zero = new Uint8Array(m.userValueSize);
      for (let i = 0; i < Math.min(m.spec.maxEntries, 64); i++) m.update(u32Key(i), zero);
    } else if (t === MAP_TYPE.hash || t === MAP_TYPE.lru_hash || t === MAP_TYPE.percpu_hash || t === MAP_TYPE.lru_percpu_hash) {
      for (const k of m.keys()) m.delete(k);
    }
  }
  for (const p of presets) {
    const m = maps[p.map];
    if (!m || p.key.length !== m.spec.keySize) continue;
    const copies = m.userValueSize / p.value.length;
    const v = isPerCpu(m.spec.type) && copies > 1 ? new Uint8Array(m.userValueSize).map((_, i) => p.value[i % p.value.length]) : p.value;
    if (v.length === m.userValueSize) m.update(p.key, v);
  }
}

export { roundOrder };

/** Time programs (the first is the baseline of every ratio) on the same inputs. */
export function benchPrograms(programs: readonly Program[], groups: readonly BenchGroup[], opts: BenchOptions = {}): BenchResult {
  const why = programs.map(benchUnsupported).find(Boolean);
  if (why) return { ok: false, reason: why };
  const rounds = opts.rounds ?? 40;
  // 8 copies once called an identical pair 'faster' (-0.9%, interval -1.9% … -0.4%), 24 over 120
  // rounds 4 of 14 A/A controls at 95%: rounds sharing a placement are not independent
  const copies = Math.max(1, Math.min(opts.copies ?? rounds, rounds));
  const copyOfRound = Array.from({ length: rounds }, (_, r) => r % copies);
  const user = programs.length;
  const controlAt = opts.control ? programs.length : -1;
  if (opts.control) programs = [...programs, { ...programs[0], name: `${programs[0].name} (control)` }];
  const harnessAt = opts.harness ? programs.length : -1;
  if (opts.harness) programs = [...programs, emptyProgram(programs[0])];
  // Where the JIT puts a program's image alone changes its speed (two loads of one program were
  // measured 4.6% apart, interval excluding 1: alignment, branch-predictor aliasing). So each
  // program is loaded several times at different addresses, and round r runs copy r mod copies:
  // placement becomes part of the round-to-round noise, not a bias, and the intervals count each
  // copy once (compareCopies). A copy is loaded just before its first round and closed after its
  // last, so with one per round (the default) a single load set is held at a time: a program
  // with large maps (xdp_subprog's 16k-entry LRU hash: 4.6 MiB per set) would otherwise hold
  // hundreds of MiB of kernel memory.
  /** loads[c][i]: copy c of program i, while held. */
  const loads: (LoadResult[] | undefined)[] = new Array(copies);
  const all: LoadResult[] = [];
  let loadMs = 0;
  /** Load copy c of every program (in an order rotated by c, so none always sits first in memory); a rejection's reason. */
  const loadSet = (c: number): string | undefined => {
    const t0 = performance.now();
    const set = new Array<LoadResult>(programs.length);
    try {
      for (const i of roundOrder(programs.length, c)) {
        const p = programs[i];
        const l = loadProgram(p, { logOnFailure: c === 0 });
        if (!l.ok) return `the kernel rejects ${p.name}: ${parseVerifierLog(l.log).error?.split('\n').pop() ?? l.error ?? l.errno}`;
        set[i] = l;
        all.push(l);
      }
      loads[c] = set;
      return undefined;
    } finally {
      loadMs += performance.now() - t0;
    }
  };
  const lastRoundOf = (c: number): number => c + copies * Math.floor((rounds - 1 - c) / copies);
  let copy = 0;
  try {
    const rejected = loadSet(0);
    if (rejected) return { ok: false, reason: rejected };
    const first = loads[0]!;
    const at = (i: number): LoadResult => loads[copy]![i];
    // inputs test_run refuses (a frame too short for the type, …) are left out for every program
    let skipped = 0;
    let firstError = '';
    const usable = groups.map((g) => {
      prepareMaps(at(0).maps, g.presets);
      const inputs = g.inputs.filter((x) => {
        const r = testRun(at(0).fd!, { ...(g.asCtx ? { ctx: x } : { data: x }), type: programs[0].type });
        if (!r.ok) firstError ||= r.errno ?? '?';
        if (!r.ok) skipped++;
        return r.ok;
      });
      return { ...g, inputs };
    }).filter((g) => g.inputs.length);
    const count = usable.reduce((a, g) => a + g.inputs.length, 0);
    if (!count) return { ok: false, reason: `kernel test_run refused every input (${firstError})` };
    const run = (i: number, g: BenchGroup, x: Uint8Array, repeat: number): number => {
      const r = testRun(at(i).fd!, { ...(g.asCtx ? { ctx: x } : { data: x }), type: programs[i].type, repeat });
      if (!r.ok) throw new Error(`test_run of ${programs[i].name} failed mid-benchmark: ${r.errno}`);
      return r.duration;
    };
    const repeat = opts.repeat ?? chooseRepeat(usable, (g, x, n) => run(0, g, x, n), opts.targetNs ?? 40_000);
    // a copy's first touch before its first round (the JIT image's pages, its maps): one short
    // call per program. Each input's first calls in a round warm the rest, alike for all programs.
    // (Every input of every copy, as with 24 held copies, cost a third of a round per copy: a
    // test_run call's fixed cost, ~1 ms under load, dwarfs its 40 µs of runs.)
    const warm = (): void => {
      for (let i = 0; i < programs.length; i++) run(i, usable[0], usable[0].inputs[0], Math.max(1, repeat >> 3));
    };
    const statsFd = opts.kernelStats ? enableStats() : -1;
    const times = programs.map(() => [] as number[]);
    // the kernel's run-time statistics per round: the programs' own time, without test_run's loop
    const statTimes = programs.map(() => [] as number[]);
    const statAcc = programs.map(() => ({ ns: 0n, runs: 0n }));
    const tries = Math.max(1, opts.tries ?? 3);
    const nextOrder = orderStream(programs.length);
    try {
      for (let r = 0; r < rounds; r++) {
        copy = copyOfRound[r];
        if (r < copies) {
          const rejected = loads[copy] ? undefined : loadSet(copy);
          if (rejected) return { ok: false, reason: rejected };
          warm();
        }
        const sums = programs.map(() => 0);
        for (const g of usable) {
          for (let i = 0; i < programs.length; i++) prepareMaps(at(i).maps, g.presets);
          const s0 = statsFd >= 0 ? programs.map((_, i) => progInfo(at(i).fd!)) : undefined;
          // each input: the programs alternate `tries` short calls, so calls microseconds apart
          // share the machine's other work (under load 22 this cut the interval of one pair from
          // ±7% to ±2%). The mean, not the minimum: test_run reports whole ns per run, and a
          // minimum of whole numbers hides sub-ns differences that a mean keeps.
          for (const x of g.inputs) {
            for (let k = 0; k < tries; k++) for (const i of opts.order === 'rotate' ? roundOrder(programs.length, r) : nextOrder()) sums[i] += run(i, g, x, repeat) / tries;
          }
          if (s0) {
            programs.forEach((_, i) => {
              const s1 = progInfo(at(i).fd!);
              if (s0[i] && s1) {
                statAcc[i].ns += s1.runTimeNs - s0[i]!.runTimeNs;
                statAcc[i].runs += s1.runCnt - s0[i]!.runCnt;
              }
            });
          }
        }
        for (let i = 0; i < programs.length; i++) {
          times[i].push(sums[i] / count);
          if (statAcc[i].runs > 0n) statTimes[i].push(Number(statAcc[i].ns) / Number(statAcc[i].runs));
          statAcc[i] = { ns: 0n, runs: 0n };
        }
        if (r === lastRoundOf(copy)) {
          for (const l of loads[copy]!) l.close();
          loads[copy] = undefined;
        }
        opts.onRound?.(r + 1, rounds);
      }
    } finally {
      if (statsFd >= 0) closeFd(statsFd);
    }
    const haveStats = statTimes.every((t) => t.length === rounds);
    const out: BenchProgram[] = programs.slice(0, user).map((p, i) => ({
      name: p.name, insns: p.insns.length, jitedLen: first[i].info?.jitedLen ?? 0, xlatedLen: first[i].info?.xlatedLen ?? 0,
      rounds: times[i], medianNs: median(times[i]),
      ...(opts.harness ? { netNs: median(times[i].map((t, k) => t - times[harnessAt][k])) } : {}),
      ...(haveStats ? { stats: { rounds: statTimes[i], medianNs: median(statTimes[i]) } } : {}),
    }));
    const ratio = (a: readonly number[], b: readonly number[]) => compareCopies(a, b, copyOfRound);
    const ratios = out.map((_, i) => (i === 0 ? undefined : ratio(times[0], times[i])));
    const statRatios = out.map((_, i) => (i === 0 || !haveStats ? undefined : ratio(statTimes[0], statTimes[i])));
    return { ok: true, programs: out, ratios, statRatios, repeat, inputs: count, skippedInputs: skipped, statsEnabled: statsFd >= 0, copyOfRound, loadMs,
      ...(opts.harness ? { harnessNs: median(times[harnessAt]) } : {}), ...(opts.control ? { control: ratio(times[0], times[controlAt]) } : {}) };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  } finally {
    for (const l of all) l.close();
  }
}

/** `r0 = 1; exit` (a valid return for every type) as a program of the same type and license. */
function emptyProgram(like: Program): Program {
  return { ...like, name: 'empty', insns: [{ code: 0xb7, dst: 0, src: 0, off: 0, imm: 1 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }], maps: [], funcs: [{ name: 'empty', start: 0 }] };
}

/** A repeat count that makes one call take about targetNs of kernel time (100 … 1,000,000). */
function chooseRepeat(groups: readonly BenchGroup[], run: (g: BenchGroup, x: Uint8Array, repeat: number) => number, targetNs: number): number {
  const probe = 200;
  const ns: number[] = [];
  for (const g of groups) for (const x of g.inputs) ns.push(run(g, x, probe));
  const per = Math.max(1, median(ns));
  return Math.max(100, Math.min(1_000_000, Math.round(targetNs / per)));
}

