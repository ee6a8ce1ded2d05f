// ISA throughput: reading objects, decoding, printing and assembling, next to llvm-objdump
// on the same files (a separate process, so its figure includes process start-up).
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { readObject } from '../src/isa/object.ts';
import { disasm, formatLine } from '../src/isa/disasm.ts';
import { assemble } from '../src/isa/asm.ts';
import { toOps } from '../src/isa/op.ts';
import { rate, type BenchRow } from './types.ts';

export async function bench(): Promise<BenchRow[]> {
  const files = readdirSync('corpus').filter((f) => f.endsWith('.o')).map((f) => new Uint8Array(readFileSync(`corpus/${f}`)));
  const programs = files.map((b) => readObject(b).link());
  const insns = programs.reduce((n, p) => n + p.insns.length, 0);
  const listing = programs.map((p) => disasm(p.insns).map((l) => formatLine(l, 'llvm', false)).join('\n'));
  const rows: BenchRow[] = [];
  const objs = rate(() => files.forEach((b) => readObject(b).link()));
  rows.push({ name: 'isa: read + link all corpus objects', value: objs * files.length, unit: 'objects/s' });
  const dec = rate(() => programs.forEach((p) => toOps(p.insns)));
  rows.push({ name: 'isa: decode (toOps)', value: dec * insns, unit: 'insns/s' });
  const dis = rate(() => programs.forEach((p) => disasm(p.insns)));
  rows.push({ name: 'isa: disassemble (llvm syntax)', value: dis * insns, unit: 'insns/s' });
  const as = rate(() => listing.forEach((s) => assemble(s)));
  rows.push({ name: 'isa: assemble', value: as * insns, unit: 'insns/s' });
  try {
    const paths = readdirSync('corpus').filter((f) => f.endsWith('.o')).map((f) => `corpus/${f}`);
    const t0 = performance.now();
    const reps = 5;
    for (let i = 0; i < reps; i++) execFileSync('llvm-objdump-19', ['-d', '--mcpu=v4', ...paths], { stdio: 'ignore' });
    const llvm = (reps * insns * 1000) / (performance.now() - t0);
    rows.push({ name: 'reference: llvm-objdump-19 -d on the corpus (process)', value: llvm, unit: 'insns/s', note: `ours/llvm = ${(dis / (llvm / insns)).toFixed(1)}x` });
  } catch {
    rows.push({ name: 'reference: llvm-objdump-19', value: 0, unit: 'insns/s', note: 'not installed' });
  }
  return rows;
}
