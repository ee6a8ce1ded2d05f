// `bpfsynth fuzz interp`: generated programs run in the kernel (test_run, full 64-bit r0) and
// in our interpreter on the same inputs; r0, the packet, every map, the bpf_ringbuf_output
// records and (when the kernel's were read from tracefs) the bpf_trace_printk messages must agree.
import fc from 'fast-check';
import { prepare } from '../../src/interp/index.ts';
import { ctxKind, skbTestRunRefuses } from '../../src/interp/context.ts';
import { disasm, formatLine } from '../../src/isa/disasm.ts';
import { decodeBytes, encodeBytes } from '../../src/isa/insn.ts';
import type { Program } from '../../src/isa/program.ts';
import { arbInterpCase, mapsFor, type FuzzType, type InterpCase } from './gen.ts';
import { compareRun, fromInterp, type RunObs } from './observe.ts';
import { readRecording } from '../record.ts';

/** What the kernel said about one program: load verdict and one observation per packet. */
export interface InterpRecord {
  /** Program type (absent: xdp). */
  type?: FuzzType;
  /** Program bytecode, hex. */
  code: string;
  /** Inputs, hex: packets, or the ctx (argument bytes) of raw tracepoints. */
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
  /** Runs whose printk messages were compared (the kernel's read from tracefs). */
  printkRuns: number;
  /** Runs whose ringbuf records were compared (the program calls ringbuf_output), and the records in them. */
  ringbufRuns: number;
  ringbufRecords: number;
  /** Runs per program type. */
  byType: Record<string, number>;
  examples: string[];
  seconds: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

export function programOf(code: string, type: FuzzType = 'xdp'): Program {
  return { name: 'fuzz', section: type, type, insns: decodeBytes(unhex(code)), maps: mapsFor(type), license: 'GPL', funcs: [{ name: 'fuzz', start: 0 }] };
}

/** The interpreter's observations of a case (raw tracepoints take each input as their ctx). */
export function interpRuns(program: Program, packets: readonly Uint8Array[]): RunObs[] {
  const vm = prepare(program);
  const names = program.maps.map((m) => m.name);
  const ctx = program.type === 'raw_tracepoint', skb = ctxKind(program.type) === 'skb';
  return packets.map((p) => {
    const refused = skb ? skbTestRunRefuses(p) : undefined; // test_run's EINVAL, before any run
    return refused ? { kind: 'error', message: refused } : fromInterp(vm.run(ctx ? { ctx: p } : { packet: p }), names);
  });
}

export function explainInterp(program: Program, packet: Uint8Array, diff: string[]): string {
  const listing = disasm(program.insns, 'kernel').map((l) => '  ' + formatLine(l, 'kernel')).join('\n');
  return `mismatch (${program.type}):\n${listing}\n  ${program.type === 'raw_tracepoint' ? 'ctx' : 'packet'} ${hex(packet)}\n  ${diff.join('\n  ')}`;
}

/** Compare one record (kernel answers) with the interpreter; returns readable differences. */
export interface RecordCheck {
  runs: number;
  printkRuns: number;
  ringbufRuns: number;
  ringbufRecords: number;
  diffs: string[];
}

export function checkRecord(rec: InterpRecord): RecordCheck {
  if (!rec.loaded) return { runs: 0, printkRuns: 0, ringbufRuns: 0, ringbufRecords: 0, diffs: [] };
  const program = programOf(rec.code, rec.type);
  const packets = rec.packets.map(unhex);
  const ours = interpRuns(program, packets);
  const diffs: string[] = [];
  rec.runs.forEach((k, i) => {
    const d = compareRun(k, ours[i]);
    if (d.length) diffs.push(explainInterp(program, packets[i], d));
  });
  const rings = rec.runs.filter((r) => r.ringbuf);
  return { runs: rec.runs.length, printkRuns: rec.runs.filter((r) => r.printk).length, ringbufRuns: rings.length, ringbufRecords: rings.reduce((n, r) => n + r.ringbuf!.length, 0), diffs };
}

/** Replay a recording (a path, or records already read); `every` > 1 checks every every-th record only. */
export function replayInterp(from: string | readonly InterpRecord[], onProgress?: (done: number, bad: number) => void, every = 1): InterpReport {
  const t0 = performance.now();
  const recs = (typeof from === 'string' ? readRecording<InterpRecord>(from) : from).filter((_, i) => i % every === 0);
  let runs = 0, mismatches = 0, rejected = 0, printkRuns = 0, ringbufRuns = 0, ringbufRecords = 0;
  const byType: Record<string, number> = {};
  const examples: string[] = [];
  recs.forEach((rec, i) => {
    if (!rec.loaded) rejected++;
    const r = checkRecord(rec);
    runs += r.runs;
    printkRuns += r.printkRuns;
    ringbufRuns += r.ringbufRuns;
    ringbufRecords += r.ringbufRecords;
    byType[rec.type ?? 'xdp'] = (byType[rec.type ?? 'xdp'] ?? 0) + r.runs;
    if (r.diffs.length) {
      mismatches++;
      if (examples.length < 3) examples.push(r.diffs[0]);
    }
    if (onProgress && i % 200 === 199) onProgress(i + 1, mismatches);
  });
  return { programs: recs.length, runs, mismatches, rejected, printkRuns, ringbufRuns, ringbufRecords, byType, examples, seconds: (performance.now() - t0) / 1000 };
}

export function* interpCases(count: number, seed: number): Generator<InterpCase> {
  for (let b = 0; b * 500 < count; b++) yield* fc.sample(arbInterpCase, { numRuns: Math.min(500, count - b * 500), seed: seed + b });
}

/** Live: `kernel` runs a case in the kernel (passed in so that replay never loads the bridge). */
export function fuzzInterp(opts: { count: number; seed: number; kernel: (c: InterpCase) => InterpRecord; record?: (r: InterpRecord) => void; onProgress?: (done: number, bad: number) => void }): InterpReport {
  const t0 = performance.now();
  let done = 0, runs = 0, mismatches = 0, rejected = 0, printkRuns = 0, ringbufRuns = 0, ringbufRecords = 0;
  const byType: Record<string, number> = {};
  const examples: string[] = [];
  for (const c of interpCases(opts.count, opts.seed)) {
    const rec = opts.kernel(c);
    opts.record?.(rec);
    done++;
    if (!rec.loaded) {
      rejected++;
      if (examples.length < 3) examples.push(`kernel rejected a generated ${c.program.type} program:\n${disasm(c.program.insns, 'kernel').map((l) => '  ' + formatLine(l, 'kernel')).join('\n')}\n  ${rec.runs[0]?.message ?? ''}`);
      continue;
    }
    const r = checkRecord(rec);
    runs += r.runs;
    printkRuns += r.printkRuns;
    ringbufRuns += r.ringbufRuns;
    ringbufRecords += r.ringbufRecords;
    byType[c.program.type] = (byType[c.program.type] ?? 0) + r.runs;
    if (r.diffs.length) {
      mismatches++;
      if (examples.length < 3) examples.push(r.diffs[0]);
    }
    if (opts.onProgress && done % 100 === 0) opts.onProgress(done, mismatches);
  }
  return { programs: done, runs, mismatches, rejected, printkRuns, ringbufRuns, ringbufRecords, byType, examples, seconds: (performance.now() - t0) / 1000 };
}

export const encodeProgram = (p: Program): string => hex(encodeBytes(p.insns));
