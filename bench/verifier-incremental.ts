// Incremental re-check against the kernel's load, per corpus program: the bench mutant (the slot
// at 2/3 becomes `goto +0`) re-checked by a cached Incremental, a full check of the same mutant,
// and BPF_PROG_LOAD of the original (root only, log off, maps created and closed). The three run
// in interleaved rounds in this one process, so the shared machine's load drifts over all of
// them alike; the minimum of each is reported. Usage: node --import tsx bench/verifier-incremental.ts
// [rounds] [name-filter] for a markdown table; `npm run bench -- verifier-incremental` for the rows.
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { readObject } from '../src/isa/object.ts';
import { fromOp } from '../src/isa/op.ts';
import type { Program } from '../src/isa/program.ts';
import { verify } from '../src/verifier/analyze.ts';
import { Incremental } from '../src/verifier/incremental.ts';
import { kernelAvailable } from '../src/kernel/syscall.ts';
import { loadProgram } from '../src/kernel/load.ts';
import type { BenchRow } from './types.ts';

/** The bench's candidate: the instruction at 2/3 of the program becomes `goto +0`. */
export function benchMutant(p: Program): Program {
  let i = Math.floor((p.insns.length * 2) / 3);
  while (i > 0 && (p.insns[i].code === 0x18 || p.insns[i - 1].code === 0x18)) i--;
  return { ...p, insns: p.insns.map((x, j) => (j === i ? fromOp({ kind: 'ja', off: 0, long: false })[0] : x)) };
}

/** Minimum microseconds of each of fs over `rounds` interleaved rounds (after 3 warm-up rounds). */
function minUs(fs: (() => void)[], rounds: number): number[] {
  for (let r = 0; r < 3; r++) for (const f of fs) f();
  const best = fs.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    fs.forEach((f, k) => {
      const t = performance.now();
      f();
      best[k] = Math.min(best[k], (performance.now() - t) * 1000);
    });
  }
  return best;
}

/** One corpus program's figures (µs; NaN where the kernel could not be asked). */
export interface IncrementalRow {
  name: string;
  insns: number;
  processed: number;
  full: number;
  incremental: number;
  load: number;
}

export function measure(rounds: number, filter = ''): IncrementalRow[] {
  const dir = new URL('../corpus/', import.meta.url);
  const kernel = kernelAvailable().ok;
  const rows: IncrementalRow[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.o') && x.includes(filter)).sort()) {
    const p = readObject(readFileSync(new URL(f, dir))).link();
    const m = benchMutant(p);
    const inc = new Incremental(p);
    const full = verify(m), again = inc.check(m);
    if (full.processed !== again.processed || full.ok !== again.ok) throw new Error(`${f}: incremental and full checks differ`);
    const fs = [() => void verify(m), () => void inc.check(m)];
    if (kernel) fs.push(() => void loadProgram(p, { info: false }).close());
    const [c, i, k = NaN] = minUs(fs, full.processed > 2000 ? Math.max(7, rounds >> 4) : rounds);
    rows.push({ name: f.replace(/\.o$/, ''), insns: p.insns.length, processed: full.processed, full: c, incremental: i, load: k });
  }
  return rows;
}

/** For `npm run bench -- verifier-incremental`. */
export async function bench(): Promise<BenchRow[]> {
  const rows = measure(100);
  const out: BenchRow[] = rows.map((r) => ({
    name: `incremental ${r.name}`, value: r.incremental, unit: 'µs',
    note: `${r.processed} processed; full check ${r.full.toFixed(0)} µs${Number.isNaN(r.load) ? ', kernel not run' : `, kernel load ${r.load.toFixed(0)} µs, load / incremental ${(r.load / r.incremental).toFixed(1)}`}`,
  }));
  const timed = rows.filter((r) => !Number.isNaN(r.load));
  if (timed.length) out.push({ name: 'programs whose re-check is >= 10x faster than the load', value: timed.filter((r) => r.load >= 10 * r.incremental).length, unit: `of ${timed.length}` });
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const load0 = loadavg()[0];
  const fmt = (x: number) => (Number.isNaN(x) ? 'not run' : x.toFixed(0));
  console.log('| program | insns | processed | full check µs | incremental µs | kernel load µs | load / incremental |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of measure(Number(process.argv[2] ?? 200), process.argv[3] ?? '')) {
    console.log(`| ${r.name} | ${r.insns} | ${r.processed} | ${fmt(r.full)} | ${fmt(r.incremental)} | ${fmt(r.load)} | ${Number.isNaN(r.load) ? 'not run' : (r.load / r.incremental).toFixed(1)} |`);
  }
  const k = kernelAvailable();
  console.log(`load average ${load0.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after; kernel ${k.ok ? 'timed' : `not run (${(k as { reason?: string }).reason ?? 'no bpf()'})`}`);
}
