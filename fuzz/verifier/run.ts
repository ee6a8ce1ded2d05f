// `bpfsynth fuzz verifier`: our verifier model against the kernel's verdict on near-miss
// programs — mutants of the corpus objects and of generated accepted programs (an offset or
// immediate nudged, a register changed, an instruction replaced by `goto +0` or another one,
// a load's width changed), so that many are just barely unsafe. Where both accept, every
// register state the kernel's log_level 2 log prints is compared with the model's at the same
// point of the same path (states.ts).
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { decodeBytes, encodeBytes, type Insn } from '../../src/isa/insn.ts';
import type { MapDef, Program, ProgType } from '../../src/isa/program.ts';
import { verify, type Verdict } from '../../src/verifier/analyze.ts';
import { addTally, compareStates, decodePaths, emptyTally, type StateDiff, type StateTally } from './states.ts';
import { arbInterpCase, FUZZ_MAPS } from '../interp/gen.ts';
import type { KernelFlavor } from '../../src/domains/scalar.ts';
import { readRecordingFile, recordedFlavor } from '../record.ts';

export interface VerifierRecord {
  /** 'corpus:<file>' (its maps and type) or 'gen:<type>' (a generated program; maps below). */
  source: string;
  code: string;
  /** gen: the program's maps (so a recording does not depend on the generator's current maps). */
  maps?: MapDef[];
  /** states: the kernel's log_level 2 paths and printed states (states.ts encodePaths), when accepted. */
  kernel: { ok: boolean; message?: string; processed?: number; states?: string };
}

export interface VerifierReport {
  programs: number;
  agree: number;
  falseAccepts: number;
  falseRejects: number;
  /** Register states (insn visit, register) the kernel printed that differ from the model's. */
  stateMismatches: number;
  /** Register states compared / equal / printed by the kernel on paths the model walked differently. */
  statesCompared: number;
  statesEqual: number;
  statesUncompared: number;
  /** Programs both accept whose states were compared. */
  programsWithStates: number;
  /** Both accept but the processed-instruction counts differ (the explorations differed; not a state mismatch). */
  countDiffs: number;
  examples: string[];
  /** Verdict disagreements by kind and message (numbers replaced by N). */
  reasons: Record<string, number>;
  /** The first state mismatches, with their program. */
  diffs: (StateDiff & { source: string; code: string })[];
  seconds: number;
}

export interface CompareOptions {
  /** The kernel flavor the recording was made on (replayVerifier sets it from the recording's meta). */
  flavor?: KernelFlavor;
  /** How many state mismatches to keep for printing (default 3). */
  keepDiffs?: number;
  /**
   * Quick replay: a program the kernel rejected as too large is run with this instruction limit
   * and agrees when the model is still exploring there (it does not prove the model would hit the
   * full limit; the full replay does).
   */
  quickLimit?: number;
}

export interface Comparison {
  kind: 'agree' | 'false-accept' | 'false-reject';
  detail: string;
  /** Both accept, the processed counts differ. */
  countDiff?: string;
  states?: StateTally;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
let corpus: Map<string, Program> | undefined;
function corpusPrograms(): Map<string, Program> {
  corpus ??= new Map(readdirSync('corpus').filter((f) => f.endsWith('.o')).sort().map((f) => [f, readObject(new Uint8Array(readFileSync(`corpus/${f}`))).link()]));
  return corpus;
}

/** The program of a record: a corpus object's (its maps and type) or a generated one's (recorded maps; older records: the generator's two maps). */
export function programOf(rec: Pick<VerifierRecord, 'source' | 'code' | 'maps'>): Program {
  const insns = decodeBytes(new Uint8Array(Buffer.from(rec.code, 'hex')));
  if (rec.source.startsWith('corpus:')) return { ...corpusPrograms().get(rec.source.slice(7))!, insns };
  const type = rec.source.slice(4) as ProgType;
  return { name: 'fuzz', section: type, type, insns, maps: rec.maps ?? FUZZ_MAPS, license: 'GPL', funcs: [{ name: 'fuzz', start: 0 }] };
}

const mapRecord = (m: MapDef): MapDef => ({ name: m.name, type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags });

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
export function* verifierCases(count: number, seed: number): Generator<Pick<VerifierRecord, 'source' | 'code' | 'maps'>> {
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
      yield { source: `gen:${p.type}`, code: hex(encodeBytes(rand() < 0.2 ? p.insns : mutate(p.insns, rand))), maps: p.maps.map(mapRecord) };
    }
  }
}

const TOO_LARGE = /^BPF program is too large/;

/** Compare the model with a recorded kernel answer: the verdict, and where both accept, the register states. */
export function compareVerdict(rec: VerifierRecord, opts: CompareOptions = {}): Comparison {
  const prog = programOf(rec);
  const quick = opts.quickLimit !== undefined && !rec.kernel.ok && TOO_LARGE.test(rec.kernel.message ?? '');
  const v: Verdict = verify(prog, { flavor: opts.flavor, trace: rec.kernel.ok && rec.kernel.states !== undefined, ...(quick ? { limit: opts.quickLimit } : {}) });
  if (v.ok && rec.kernel.ok) {
    const countDiff = v.processed !== rec.kernel.processed ? `processed: kernel ${rec.kernel.processed}, model ${v.processed}` : undefined;
    const states = rec.kernel.states !== undefined && !v.traceTruncated ? compareStates(prog, decodePaths(rec.kernel.states), v.trace!, opts.keepDiffs ?? 3) : undefined;
    return { kind: 'agree', detail: '', ...(countDiff ? { countDiff } : {}), ...(states ? { states } : {}) };
  }
  // (quick: a model rejection within the lower limit is the full run's rejection too)
  if (!v.ok && !rec.kernel.ok) return { kind: 'agree', detail: '' };
  if (v.ok) return { kind: 'false-accept', detail: `model accepts; kernel: ${rec.kernel.message}` };
  return { kind: 'false-reject', detail: `model: insn ${v.error!.index}: ${v.error!.message.split('\n')[0]}; kernel accepts` };
}

function tally(recs: Iterable<VerifierRecord>, t0: number, opts: CompareOptions, onProgress?: (r: VerifierReport) => void): VerifierReport {
  const r: VerifierReport = {
    programs: 0, agree: 0, falseAccepts: 0, falseRejects: 0, stateMismatches: 0, statesCompared: 0, statesEqual: 0, statesUncompared: 0,
    programsWithStates: 0, countDiffs: 0, examples: [], reasons: {}, diffs: [], seconds: 0,
  };
  const keep = opts.keepDiffs ?? 3;
  const all = emptyTally();
  for (const rec of recs) {
    r.programs++;
    const c = compareVerdict(rec, opts);
    if (c.kind === 'agree') r.agree++;
    else {
      if (c.kind === 'false-accept') r.falseAccepts++;
      else r.falseRejects++;
      if (r.examples.length < 3) r.examples.push(`${c.kind} (${rec.source}): ${c.detail}\n  program: ${rec.code}`);
      const why = `${c.kind}: ${c.detail.replace(/\d+/g, 'N')}`;
      r.reasons[why] = (r.reasons[why] ?? 0) + 1;
    }
    if (c.countDiff) r.countDiffs++;
    if (c.states) {
      r.programsWithStates++;
      const before = all.diffs.length;
      addTally(all, c.states, keep);
      for (const d of all.diffs.slice(before)) r.diffs.push({ ...d, source: rec.source, code: rec.code });
    }
    onProgress?.(r);
  }
  r.statesCompared = all.compared;
  r.statesEqual = all.equal;
  r.statesUncompared = all.uncompared;
  r.stateMismatches = all.compared - all.equal;
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}

export function replayVerifier(path: string, opts: CompareOptions = {}, onProgress?: (r: VerifierReport) => void): VerifierReport {
  const t0 = performance.now();
  const { meta, records } = readRecordingFile<VerifierRecord>(path);
  return tally(records, t0, { ...opts, flavor: recordedFlavor(meta) }, onProgress);
}

/** Fraction of compared register states that are equal (1 when none were compared). */
export const stateAgreement = (r: VerifierReport): number => (r.statesCompared ? r.statesEqual / r.statesCompared : 1);

export function fuzzVerifier(opts: CompareOptions & { count: number; seed: number; kernel: (p: Program) => VerifierRecord['kernel']; record?: (r: VerifierRecord) => void; onProgress?: (r: VerifierReport) => void }): VerifierReport {
  const t0 = performance.now();
  const recs = function* (): Generator<VerifierRecord> {
    for (const c of verifierCases(opts.count, opts.seed)) {
      const rec = { ...c, kernel: opts.kernel(programOf(c)) };
      opts.record?.(rec);
      yield rec;
    }
  };
  return tally(recs(), t0, opts, opts.onProgress);
}
