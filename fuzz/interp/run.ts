// `bpfsynth fuzz interp`: generated programs run in the kernel (test_run, full 64-bit r0) and
// in our interpreter on the same inputs; r0, the packet, every map, the bpf_ringbuf_output
// records and (when the kernel's were read from tracefs) the bpf_trace_printk messages must agree.
import fc from 'fast-check';
import { prepare, type PrepareOptions } from '../../src/interp/index.ts';
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
export function interpRuns(program: Program, packets: readonly Uint8Array[], opts: PrepareOptions = {}): RunObs[] {
  const vm = prepare(program, opts);
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

/** `opts`: how to prepare our side (the compiled tier's replay passes { tier: 'compiled' }). */
export function checkRecord(rec: InterpRecord, opts: PrepareOptions = {}): RecordCheck {
  if (!rec.loaded) return { runs: 0, printkRuns: 0, ringbufRuns: 0, ringbufRecords: 0, diffs: [] };
  const program = programOf(rec.code, rec.type);
  const packets = rec.packets.map(unhex);
  const ours = interpRuns(program, packets, opts);
  const diffs: string[] = [];
  rec.runs.forEach((k, i) => {
    const d = compareRun(k, ours[i]);
    if (d.length) diffs.push(explainInterp(program, packets[i], d));
  });
  const rings = rec.runs.filter((r) => r.ringbuf);
  return { runs: rec.runs.length, printkRuns: rec.runs.filter((r) => r.printk).length, ringbufRuns: rings.length, ringbufRecords: rings.reduce((n, r) => n + r.ringbuf!.length, 0), diffs };
}

/** Running totals of a replay or a live run: one record at a time, then the report. */
function tally() {
  const t0 = performance.now();
  const r: InterpReport = { programs: 0, runs: 0, mismatches: 0, rejected: 0, printkRuns: 0, ringbufRuns: 0, ringbufRecords: 0, byType: {}, examples: [], seconds: 0 };
  const example = (s: string): void => {
    if (r.examples.length < 3) r.examples.push(s);
  };
  return {
    example,
    add(type: string, c: RecordCheck): void {
      r.programs++;
      r.runs += c.runs;
      r.printkRuns += c.printkRuns;
      r.ringbufRuns += c.ringbufRuns;
      r.ringbufRecords += c.ringbufRecords;
      r.byType[type] = (r.byType[type] ?? 0) + c.runs;
      if (c.diffs.length) {
        r.mismatches++;
        example(c.diffs[0]);
      }
    },
    reject(): void {
      r.programs++;
      r.rejected++;
    },
    get report(): InterpReport {
      return { ...r, seconds: (performance.now() - t0) / 1000 };
    },
  };
}

/** Replay a recording (a path, or records already read); `every` > 1 checks every every-th record only. */
export function replayInterp(from: string | readonly InterpRecord[], onProgress?: (done: number, bad: number) => void, every = 1): InterpReport {
  const recs = (typeof from === 'string' ? readRecording<InterpRecord>(from) : from).filter((_, i) => i % every === 0);
  const t = tally();
  recs.forEach((rec, i) => {
    if (rec.loaded) t.add(rec.type ?? 'xdp', checkRecord(rec));
    else t.reject();
    if (onProgress && i % 200 === 199) onProgress(i + 1, t.report.mismatches);
  });
  return t.report;
}

export function* interpCases(count: number, seed: number): Generator<InterpCase> {
  for (let b = 0; b * 500 < count; b++) yield* fc.sample(arbInterpCase, { numRuns: Math.min(500, count - b * 500), seed: seed + b });
}

/** Live: `kernel` runs a case in the kernel (passed in so that replay never loads the bridge). */
export function fuzzInterp(opts: { count: number; seed: number; kernel: (c: InterpCase) => InterpRecord; record?: (r: InterpRecord) => void; onProgress?: (done: number, bad: number) => void }): InterpReport {
  const t = tally();
  let done = 0;
  for (const c of interpCases(opts.count, opts.seed)) {
    const rec = opts.kernel(c);
    opts.record?.(rec);
    done++;
    if (rec.loaded) t.add(c.program.type, checkRecord(rec));
    else {
      t.reject();
      t.example(`kernel rejected a generated ${c.program.type} program:\n${disasm(c.program.insns, 'kernel').map((l) => '  ' + formatLine(l, 'kernel')).join('\n')}\n  ${rec.runs[0]?.message ?? ''}`);
    }
    if (opts.onProgress && done % 100 === 0) opts.onProgress(done, t.report.mismatches);
  }
  return t.report;
}

export const encodeProgram = (p: Program): string => hex(encodeBytes(p.insns));
