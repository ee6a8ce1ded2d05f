// `bpfsynth fuzz interp`: generated programs run in the kernel (test_run, full 64-bit r0) and
// in our interpreter on the same packets; r0, the packet and every map must agree.
import fc from 'fast-check';
import { prepare } from '../../src/interp/index.ts';
import { disasm, formatLine } from '../../src/isa/disasm.ts';
import { decodeBytes, encodeBytes } from '../../src/isa/insn.ts';
import type { Program } from '../../src/isa/program.ts';
import { arbInterpCase, FUZZ_MAPS, type InterpCase } from './gen.ts';
import { compareRun, fromInterp, type RunObs } from './observe.ts';
import { readRecording } from '../record.ts';

/** What the kernel said about one program: load verdict and one observation per packet. */
export interface InterpRecord {
  type?: 'xdp' | 'sched_cls';
  /** Program bytecode, hex. */
  code: string;
  packets: string[];
  loaded: boolean;
  runs: RunObs[];
}

export interface InterpReport {
  programs: number;
  runs: number;
  mismatches: number;
  /** Programs the kernel refused (generator bugs, reported separately). */
  rejected: number;
  examples: string[];
  seconds: number;
}

const names = FUZZ_MAPS.map((m) => m.name);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

export function programOf(code: string, type: 'xdp' | 'sched_cls' = 'xdp'): Program {
  return { name: 'fuzz', section: type, type, insns: decodeBytes(unhex(code)), maps: FUZZ_MAPS, license: 'GPL', funcs: [{ name: 'fuzz', start: 0 }] };
}

/** The interpreter's observations of a case. */
export function interpRuns(program: Program, packets: readonly Uint8Array[]): RunObs[] {
  const vm = prepare(program);
  return packets.map((p) => fromInterp(vm.run({ packet: p }), names));
}

export function explainInterp(program: Program, packet: Uint8Array, diff: string[]): string {
  const listing = disasm(program.insns, 'kernel').map((l) => '  ' + formatLine(l, 'kernel')).join('\n');
  return `mismatch:\n${listing}\n  packet ${hex(packet)}\n  ${diff.join('\n  ')}`;
}

/** Compare one record (kernel answers) with the interpreter; returns readable differences. */
export function checkRecord(rec: InterpRecord): { runs: number; diffs: string[] } {
  if (!rec.loaded) return { runs: 0, diffs: [] };
  const program = programOf(rec.code, rec.type);
  const packets = rec.packets.map(unhex);
  const ours = interpRuns(program, packets);
  const diffs: string[] = [];
  rec.runs.forEach((k, i) => {
    const d = compareRun(k, ours[i]);
    if (d.length) diffs.push(explainInterp(program, packets[i], d));
  });
  return { runs: rec.runs.length, diffs };
}

export function replayInterp(path: string, onProgress?: (done: number, bad: number) => void): InterpReport {
  const t0 = performance.now();
  const recs = readRecording<InterpRecord>(path);
  let runs = 0, mismatches = 0, rejected = 0;
  const examples: string[] = [];
  recs.forEach((rec, i) => {
    if (!rec.loaded) rejected++;
    const r = checkRecord(rec);
    runs += r.runs;
    if (r.diffs.length) {
      mismatches++;
      if (examples.length < 3) examples.push(r.diffs[0]);
    }
    if (onProgress && i % 200 === 199) onProgress(i + 1, mismatches);
  });
  return { programs: recs.length, runs, mismatches, rejected, examples, seconds: (performance.now() - t0) / 1000 };
}

export function* interpCases(count: number, seed: number): Generator<InterpCase> {
  for (let b = 0; b * 500 < count; b++) yield* fc.sample(arbInterpCase, { numRuns: Math.min(500, count - b * 500), seed: seed + b });
}

/** Live: `kernel` runs a case in the kernel (passed in so that replay never loads the bridge). */
export function fuzzInterp(opts: { count: number; seed: number; kernel: (c: InterpCase) => InterpRecord; record?: (r: InterpRecord) => void; onProgress?: (done: number, bad: number) => void }): InterpReport {
  const t0 = performance.now();
  let done = 0, runs = 0, mismatches = 0, rejected = 0;
  const examples: string[] = [];
  for (const c of interpCases(opts.count, opts.seed)) {
    const rec = opts.kernel(c);
    opts.record?.(rec);
    done++;
    if (!rec.loaded) {
      rejected++;
      if (examples.length < 3) examples.push(`kernel rejected a generated program:\n${disasm(c.program.insns, 'kernel').map((l) => '  ' + formatLine(l, 'kernel')).join('\n')}\n  ${rec.runs[0]?.message ?? ''}`);
      continue;
    }
    const r = checkRecord(rec);
    runs += r.runs;
    if (r.diffs.length) {
      mismatches++;
      if (examples.length < 3) examples.push(r.diffs[0]);
    }
    if (opts.onProgress && done % 100 === 0) opts.onProgress(done, mismatches);
  }
  return { programs: done, runs, mismatches, rejected, examples, seconds: (performance.now() - t0) / 1000 };
}

export const encodeProgram = (p: Program): string => hex(encodeBytes(p.insns));
