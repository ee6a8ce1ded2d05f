// Per-instruction-class costs on this machine's JIT, measured: for each class a program of N
// copies of one instruction of that class, timed against the same program without them
// (interleaved rounds, bench.ts); the class's cost is the per-round difference divided by N.
// K2 set its table by hand; the differences here include what the JIT makes of each class
// (a BPF div is a test-and-branch around x86 div, a call saves and restores registers).
import { hostname, cpus, release } from 'node:os';
import { assemble } from '../isa/asm.ts';
import { bareProgram, type Program } from '../isa/program.ts';
import { benchPrograms } from './bench.ts';
import { medianInterval } from './ratio.ts';

/** The instruction classes of the search's latency model. */
export const COST_CLASSES = ['alu', 'mul', 'div', 'end', 'ldx', 'st', 'stx', 'atomic', 'lddw', 'call', 'jmp'] as const;
export type CostClass = (typeof COST_CLASSES)[number];

/** One instruction of each class, in a form that keeps the verifier happy when repeated. */
const BODY: Record<CostClass, string> = {
  alu: 'r6 += r7', // a dependent chain: latency, not throughput
  mul: 'r6 *= r7',
  div: 'r6 /= r7',
  end: 'r6 = be64 r6',
  ldx: 'r6 = *(u64 *)(r10 -8)',
  st: '*(u64 *)(r10 -8) = 1',
  stx: '*(u64 *)(r10 -8) = r6',
  atomic: 'lock *(u64 *)(r10 -8) += r7',
  lddw: 'r6 = 0x100000000 ll',
  call: 'call 7', // bpf_get_prandom_u32: a real call (get_smp_processor_id is inlined by the verifier)
  jmp: 'if r6 == 0x3039 goto +0', // not taken
};

const PRELUDE = ['r6 = 1', 'r7 = 3', '*(u64 *)(r10 -8) = 0'];
const EPILOGUE = ['r0 = 2', 'exit']; // XDP_PASS

export interface ClassCost {
  /** ns per instruction: the median per-round difference and its 95% interval. */
  readonly ns: number;
  readonly low: number;
  readonly high: number;
  /** In units of one ALU instruction (the built-in table's unit). */
  readonly cost: number;
}

export interface Calibration {
  readonly version: 1;
  readonly host: string;
  readonly cpu: string;
  readonly kernel: string;
  readonly date: string;
  /** ns of one dependent ALU instruction (the unit of `cost`). */
  readonly unitNs: number;
  readonly copies: number;
  readonly rounds: number;
  /** Which clock the differences come from (bpf_stats when the kernel keeps them). */
  readonly timing: 'bpf_stats' | 'test_run duration';
  readonly classes: Readonly<Record<CostClass, ClassCost>>;
}

/** The program of `copies` instructions of a class (or none: the baseline). */
export function classProgram(cls: CostClass | 'baseline', copies: number): Program {
  const body = cls === 'baseline' ? [] : Array(copies).fill(BODY[cls]);
  return bareProgram(assemble([...PRELUDE, ...body, ...EPILOGUE].join('\n')).insns, 'xdp', cls);
}

export interface CalibrateOptions {
  readonly copies?: number;
  readonly rounds?: number;
  readonly onRound?: (done: number, of: number) => void;
}

export function calibrate(opts: CalibrateOptions = {}): { ok: true; calibration: Calibration } | { ok: false; reason: string } {
  const copies = opts.copies ?? 256;
  const rounds = opts.rounds ?? 20;
  const programs = [classProgram('baseline', copies), ...COST_CLASSES.map((c) => classProgram(c, copies))];
  const packet = new Uint8Array(64);
  packet[12] = 0x08; // an IPv4 ethertype: content does not matter to these programs
  const r = benchPrograms(programs, [{ presets: [], inputs: [packet] }], { rounds, onRound: opts.onRound });
  if (!r.ok) return { ok: false, reason: r.reason };
  if (r.programs.some((p) => !p.jitedLen)) return { ok: false, reason: 'the JIT is off (net.core.bpf_jit_enable = 0): nothing to calibrate' };
  // test_run reports whole ns per run: 256 copies make that 1/256 ns per instruction. (The
  // kernel's run-time statistics are finer but add ~40 ns to every run, machine-wide.)
  const stats = r.programs.every((p) => p.stats);
  const series = (i: number): readonly number[] => (stats ? r.programs[i].stats!.rounds : r.programs[i].rounds);
  const base = series(0);
  const per = (i: number) => {
    const diffs = series(i + 1).map((t, k) => (t - base[k]) / copies);
    return medianInterval(diffs)!;
  };
  const alu = per(COST_CLASSES.indexOf('alu'));
  const unit = Math.max(alu.median, 1e-3);
  const classes = Object.fromEntries(COST_CLASSES.map((c, i) => {
    const m = per(i);
    // a class measured at or below zero (the CPU hides it entirely) still costs a slot's worth
    return [c, { ns: +m.median.toFixed(4), low: +m.low.toFixed(4), high: +m.high.toFixed(4), cost: +Math.max(0.25, m.median / unit).toFixed(3) }];
  })) as Record<CostClass, ClassCost>;
  return {
    ok: true,
    calibration: {
      version: 1, host: hostname(), cpu: cpus()[0]?.model ?? 'unknown', kernel: release(), date: new Date().toISOString(),
      unitNs: +unit.toFixed(4), copies, rounds, timing: stats ? 'bpf_stats' : 'test_run duration', classes,
    },
  };
}
