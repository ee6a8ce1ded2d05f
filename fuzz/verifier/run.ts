// `bpfsynth fuzz verifier`: our verifier model against the kernel's verdict on near-miss
// programs — mutants of the corpus objects and of generated accepted programs (an offset or
// immediate nudged, a register changed, an instruction replaced by `goto +0` or another one,
// a load's width changed), so that many are just barely unsafe.
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { decodeBytes, encodeBytes, type Insn } from '../../src/isa/insn.ts';
import type { Program } from '../../src/isa/program.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { arbInterpCase } from '../interp/gen.ts';
import { readRecording } from '../record.ts';

export interface VerifierRecord {
  /** 'corpus:<file>' (its maps and type) or 'gen:<type>' (the interp fuzzer's maps). */
  source: string;
  code: string;
  kernel: { ok: boolean; message?: string; processed?: number };
}

export interface VerifierReport {
  programs: number;
  agree: number;
  falseAccepts: number;
  falseRejects: number;
  /** Both accept but the processed-instruction counts differ (how the exploration differed). */
  stateMismatches: number;
  examples: string[];
  seconds: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
let corpus: Map<string, Program> | undefined;
function corpusPrograms(): Map<string, Program> {
  corpus ??= new Map(readdirSync('corpus').filter((f) => f.endsWith('.o')).sort().map((f) => [f, readObject(new Uint8Array(readFileSync(`corpus/${f}`))).link()]));
  return corpus;
}

export function programOf(rec: Pick<VerifierRecord, 'source' | 'code'>): Program {
  const insns = decodeBytes(new Uint8Array(Buffer.from(rec.code, 'hex')));
  if (rec.source.startsWith('corpus:')) return { ...corpusPrograms().get(rec.source.slice(7))!, insns };
  const type = rec.source.slice(4) as 'xdp' | 'sched_cls';
  const base = fc.sample(arbInterpCase, { numRuns: 1, seed: 1 })[0].program;
  return { ...base, type, section: type, insns };
}

function mutate(xs: readonly Insn[], rand: () => number): Insn[] {
  const out = xs.slice();
  const ri = (a: number, b: number): number => a + Math.floor(rand() * (b - a + 1));
  for (let k = ri(1, 2); k > 0; k--) {
    const i = ri(0, out.length - 1);
    if (out[i].code === 0x18 || (i > 0 && out[i - 1].code === 0x18)) continue;
    const x = out[i];
    switch (ri(0, 6)) {
      case 0: out[i] = { ...x, off: (x.off + ri(-4, 4)) | 0 }; break;
      case 1: out[i] = { ...x, imm: [x.imm + ri(-3, 3), ri(-10, 10), 0, 1, 255, 0xffff][ri(0, 5)] | 0 }; break;
      case 2: out[i] = { ...x, dst: ri(0, 9) }; break;
      case 3: out[i] = { ...x, src: ri(0, 10) }; break;
      case 4: out[i] = { code: 0x05, dst: 0, src: 0, off: 0, imm: 0 }; break;
      case 5: { const y = out[ri(0, out.length - 1)]; if (y.code !== 0x18 && y.code !== 0) out[i] = y; break; }
      default: if ((x.code & 7) === 1 || (x.code & 7) === 3) out[i] = { ...x, code: (x.code & ~0x18) | [0x00, 0x08, 0x10, 0x18][ri(0, 3)] };
    }
  }
  return out;
}

/** Deterministic stream of near-miss programs. */
export function* verifierCases(count: number, seed: number): Generator<Pick<VerifierRecord, 'source' | 'code'>> {
  let s = seed | 0 || 1;
  const rand = (): number => ((s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 0) / 4294967296;
  const progs = [...corpusPrograms()];
  const gen = fc.sample(arbInterpCase, { numRuns: Math.ceil(count / 2), seed });
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      const [file, p] = progs[Math.floor(rand() * progs.length)];
      yield { source: `corpus:${file}`, code: hex(encodeBytes(mutate(p.insns, rand))) };
    } else {
      const p = gen[(i - 1) / 2].program;
      yield { source: `gen:${p.type}`, code: hex(encodeBytes(rand() < 0.2 ? p.insns : mutate(p.insns, rand))) };
    }
  }
}

/** Compare the model's verdict on a recorded program with the kernel's. */
export function compareVerdict(rec: VerifierRecord): { kind: 'agree' | 'false-accept' | 'false-reject' | 'state'; detail: string } {
  const v = verify(programOf(rec));
  if (v.ok && rec.kernel.ok) {
    if (v.processed !== rec.kernel.processed) return { kind: 'state', detail: `processed: kernel ${rec.kernel.processed}, model ${v.processed}` };
    return { kind: 'agree', detail: '' };
  }
  if (!v.ok && !rec.kernel.ok) return { kind: 'agree', detail: '' };
  if (v.ok) return { kind: 'false-accept', detail: `model accepts; kernel: ${rec.kernel.message}` };
  return { kind: 'false-reject', detail: `model: insn ${v.error!.index}: ${v.error!.message.split('\n')[0]}; kernel accepts` };
}

function tally(recs: Iterable<VerifierRecord>, t0: number): VerifierReport {
  const r: VerifierReport = { programs: 0, agree: 0, falseAccepts: 0, falseRejects: 0, stateMismatches: 0, examples: [], seconds: 0 };
  for (const rec of recs) {
    r.programs++;
    const c = compareVerdict(rec);
    if (c.kind === 'agree') r.agree++;
    else {
      if (c.kind === 'false-accept') r.falseAccepts++;
      else if (c.kind === 'false-reject') r.falseRejects++;
      else r.stateMismatches++;
      if (r.examples.length < 3) r.examples.push(`${c.kind} (${rec.source}): ${c.detail}\n  program: ${rec.code}`);
    }
  }
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}

export function replayVerifier(path: string): VerifierReport {
  return tally(readRecording<VerifierRecord>(path), performance.now());
}

export function fuzzVerifier(opts: { count: number; seed: number; kernel: (p: Program) => VerifierRecord['kernel']; record?: (r: VerifierRecord) => void }): VerifierReport {
  const t0 = performance.now();
  const recs = function* (): Generator<VerifierRecord> {
    for (const c of verifierCases(opts.count, opts.seed)) {
      const rec = { ...c, kernel: opts.kernel(programOf(c)) };
      opts.record?.(rec);
      yield rec;
    }
  };
  return tally(recs(), t0);
}
