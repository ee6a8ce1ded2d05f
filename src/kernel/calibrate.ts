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

/**
 * What a class costs *off* the critical path, where most instructions of real parsers sit (an
 * out-of-order core runs them beside the dependent chain): independent ALU instructions (four
 * chains), independent packet loads, and taken branches (a fetch redirect each; untaken ones
 * are the `jmp` class). Measured like the classes, reported beside them.
 */
export const UNIT_BODIES = {
  aluIndependent: ['r6 += 1', 'r7 += 1', 'r8 += 1', 'r9 += 1'],
  ldxPacket: ['r5 = *(u8 *)(r2 +12)'],
  jmpTaken: ['if r6 != 0x3039 goto +0'],
} as const;
export type UnitName = keyof typeof UNIT_BODIES;
// packet loads need a bounds check first; the same prelude for every unit program and its baseline
const UNIT_PRELUDE = ['r6 = 1', 'r7 = 3', 'r8 = 5', 'r9 = 7', 'r2 = *(u32 *)(r1 +0)', 'r3 = *(u32 *)(r1 +4)', 'r4 = r2', 'r4 += 64', 'r0 = 1', 'if r4 > r3 goto +N'];
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
  /** Off-critical-path costs (UNIT_BODIES); `cost` in dependent ALU instructions like the classes. Absent in older files. */
  readonly units?: Readonly<Record<UnitName, ClassCost>>;
}

/** A program of `copies` instructions of a unit (none: the units' baseline), behind a packet bounds check. */
export function unitProgram(unit: UnitName | 'baseline', copies: number): Program {
  const body = unit === 'baseline' ? [] : Array.from({ length: copies }, (_, i) => UNIT_BODIES[unit][i % UNIT_BODIES[unit].length]);
  // the bounds check jumps over the body to the exit (XDP_DROP on a short packet)
  const pre = UNIT_PRELUDE.map((l) => l.replace('+N', `+${body.length + 1}`));
  return bareProgram(assemble([...pre, ...body, 'r0 = 2', 'exit'].join('\n')).insns, 'xdp', `unit-${unit}`);
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
  const units = Object.keys(UNIT_BODIES) as UnitName[];
  const programs = [classProgram('baseline', copies), ...COST_CLASSES.map((c) => classProgram(c, copies)), unitProgram('baseline', copies), ...units.map((u) => unitProgram(u, copies))];
  const packet = new Uint8Array(64);
  packet[12] = 0x08; // an IPv4 ethertype: content does not matter to these programs
  const r = benchPrograms(programs, [{ presets: [], inputs: [packet] }], { rounds, onRound: opts.onRound });
  if (!r.ok) return { ok: false, reason: r.reason };
  if (r.programs.some((p) => !p.jitedLen)) return { ok: false, reason: 'the JIT is off (net.core.bpf_jit_enable = 0): nothing to calibrate' };
  // test_run reports whole ns per run: 256 copies make that 1/256 ns per instruction. (The
  // kernel's run-time statistics are finer but add ~40 ns to every run, machine-wide.)
  const stats = r.programs.every((p) => p.stats);
  const series = (i: number): readonly number[] => (stats ? r.programs[i].stats!.rounds : r.programs[i].rounds);
  const per = (i: number, from = 0) => {
    const b = series(from);
    const diffs = series(from + i + 1).map((t, k) => (t - b[k]) / copies);
    return medianInterval(diffs)!;
  };
  const alu = per(COST_CLASSES.indexOf('alu'));
  const unit = Math.max(alu.median, 1e-3);
  const classes = Object.fromEntries(COST_CLASSES.map((c, i) => {
    const m = per(i);
    // a class measured at or below zero (the CPU hides it entirely) still costs a slot's worth
    return [c, { ns: +m.median.toFixed(4), low: +m.low.toFixed(4), high: +m.high.toFixed(4), cost: +Math.max(0.25, m.median / unit).toFixed(3) }];
  })) as Record<CostClass, ClassCost>;
  const unitBase = 1 + COST_CLASSES.length;
  const unitCosts = Object.fromEntries(units.map((u, i) => {
    const m = per(i, unitBase);
    return [u, { ns: +m.median.toFixed(4), low: +m.low.toFixed(4), high: +m.high.toFixed(4), cost: +Math.max(0.05, m.median / unit).toFixed(3) }];
  })) as Record<UnitName, ClassCost>;
  return {
    ok: true,
    calibration: {
      version: 1, host: hostname(), cpu: cpus()[0]?.model ?? 'unknown', kernel: release(), date: new Date().toISOString(),
      unitNs: +unit.toFixed(4), copies, rounds, timing: stats ? 'bpf_stats' : 'test_run duration', classes, units: unitCosts,
    },
  };
}
