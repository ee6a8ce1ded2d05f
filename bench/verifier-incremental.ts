// Incremental re-check against the kernel's load, per corpus program, two ways:
// - cold: the bench mutant (the slot at 2/3 becomes `goto +0`) re-checked by a cached
//   Incremental, a full check of the same mutant, and BPF_PROG_LOAD of the original (root only,
//   log off, maps created and closed), in interleaved rounds; the minimum of each. Each re-check
//   follows a load and a full check, which evict the caches.
// - back to back, as a search re-checks: a batch of distinct candidates (search-mutants.ts)
//   re-checked one after the other by one Incremental, and a batch of loads of the original one
//   after the other, the two batches alternating (which goes first alternates too); per re-check
//   and per load, the median over the rounds of each batch's mean, with the lowest and highest
//   (on a loaded machine the lowest is the steadier figure: a batch is often preempted).
// All in this one process, so the shared machine's load drifts over both sides alike.
// Usage: node --import tsx bench/verifier-incremental.ts [rounds] [name-filter] for a markdown
// table; `npm run bench -- verifier-incremental` for the rows.
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
import { searchMutants } from './search-mutants.ts';

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

/** A median with the lowest and highest of what it is the median of. */
export interface Spread {
  median: number;
  lo: number;
  hi: number;
}

function spread(xs: number[]): Spread {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, lo: s[0], hi: s[s.length - 1] };
}

/** One corpus program's back-to-back figures (µs per re-check and per load; load undefined where the kernel could not be asked). */
export interface BatchRow {
  name: string;
  /** Candidates in the batch, and how many of them the model accepts. */
  mutants: number;
  accepted: number;
  /** Mean instructions processed per candidate (a full check's count). */
  processed: number;
  recheck: Spread;
  load?: Spread;
}

/**
 * Per program: `rounds` rounds (fewer above 2,000 processed), each a batch of re-checks of every
 * candidate by one Incremental and a batch of loads, after two warm-up rounds. Every re-check's
 * answer is first checked against a full check.
 */
export function measureBatches(rounds: number, filter = '', size = 256): BatchRow[] {
  const dir = new URL('../corpus/', import.meta.url);
  const kernel = kernelAvailable().ok;
  const rows: BatchRow[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.o') && x.includes(filter)).sort()) {
    const p = readObject(readFileSync(new URL(f, dir))).link();
    const big = verify(p).processed > 2000;
    const ms = searchMutants(p, big ? size >> 3 : size);
    if (!ms.length) continue;
    const inc = new Incremental(p);
    let processed = 0, accepted = 0;
    for (const m of ms) {
      const full = verify(m), again = inc.check(m);
      if (full.processed !== again.processed || full.ok !== again.ok) throw new Error(`${f}: incremental and full checks differ on a candidate`);
      processed += full.processed;
      if (full.ok) accepted++;
    }
    const loads = big ? 8 : 32;
    const recheck = (): number => {
      const t = performance.now();
      for (const m of ms) inc.check(m);
      return ((performance.now() - t) * 1000) / ms.length;
    };
    const load = (): number => {
      const t = performance.now();
      for (let i = 0; i < loads; i++) loadProgram(p, { info: false }).close();
      return ((performance.now() - t) * 1000) / loads;
    };
    const rs: number[] = [], ls: number[] = [];
    const n = big ? Math.max(5, rounds >> 3) : rounds;
    for (let r = -2; r < n; r++) {
      const first = r & 1 ? 'load' : 'recheck';
      const a = first === 'recheck' ? recheck() : kernel ? load() : NaN;
      const b = first === 'recheck' ? (kernel ? load() : NaN) : recheck();
      if (r < 0) continue;
      rs.push(first === 'recheck' ? a : b);
      if (kernel) ls.push(first === 'recheck' ? b : a);
    }
    rows.push({ name: f.replace(/\.o$/, ''), mutants: ms.length, accepted, processed: processed / ms.length, recheck: spread(rs), load: kernel ? spread(ls) : undefined });
  }
  return rows;
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
    name: `incremental ${r.name} (cold)`, value: r.incremental, unit: 'µs',
    note: `${r.processed} processed; full check ${r.full.toFixed(0)} µs${Number.isNaN(r.load) ? ', kernel not run' : `, kernel load ${r.load.toFixed(0)} µs, load / incremental ${(r.load / r.incremental).toFixed(1)}`}`,
  }));
  const timed = rows.filter((r) => !Number.isNaN(r.load));
  if (timed.length) out.push({ name: 'programs whose re-check is >= 10x faster than the load (cold)', value: timed.filter((r) => r.load >= 10 * r.incremental).length, unit: `of ${timed.length}` });
  const batches = measureBatches(30);
  for (const r of batches) {
    out.push({
      name: `incremental ${r.name} (back to back)`, value: r.recheck.median, unit: 'µs',
      note: `${r.mutants} candidates, ${r.accepted} accepted, ${r.processed.toFixed(0)} processed on average${r.load ? `; kernel load ${r.load.median.toFixed(0)} µs, load / re-check ${(r.load.median / r.recheck.median).toFixed(1)}` : ', kernel not run'}`,
    });
  }
  const both = batches.filter((r) => r.load);
  if (both.length) out.push({ name: 'programs whose re-check is >= 10x faster than the load (back to back)', value: both.filter((r) => r.load!.median >= 10 * r.recheck.median).length, unit: `of ${both.length}` });
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.argv[2] ?? 200), filter = process.argv[3] ?? '';
  if (!Number.isInteger(rounds) || rounds < 1) {
    console.error(`verifier-incremental: rounds must be a positive integer, not ${process.argv[2]}`);
    process.exit(2);
  }
  const load0 = loadavg()[0], t0 = new Date().toISOString();
  const fmt = (x: number) => (Number.isNaN(x) ? 'not run' : x.toFixed(0));
  const cold = measure(rounds, filter);
  const batches = new Map(measureBatches(Math.max(10, rounds >> 2), filter).map((r) => [r.name, r]));
  const sp = (s: Spread) => `${fmt(s.median)} (${fmt(s.lo)}-${fmt(s.hi)})`;
  console.log('| program | insns | processed | full check µs | cold: re-check µs (min) | load µs (min) | load / re-check | candidates (accepted) | processed, mean | back to back: re-check µs, median (range) | load µs, median (range) | load / re-check, medians | lowest |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of cold) {
    const b = batches.get(r.name);
    const back = !b ? '– | – | – | – | – | –' : `${b.mutants} (${b.accepted}) | ${b.processed.toFixed(0)} | ${sp(b.recheck)} | ${b.load ? sp(b.load) : 'not run'} | ${b.load ? (b.load.median / b.recheck.median).toFixed(1) : 'not run'} | ${b.load ? (b.load.lo / b.recheck.lo).toFixed(1) : 'not run'}`;
    console.log(`| ${r.name} | ${r.insns} | ${r.processed} | ${fmt(r.full)} | ${fmt(r.incremental)} | ${fmt(r.load)} | ${Number.isNaN(r.load) ? 'not run' : (r.load / r.incremental).toFixed(1)} | ${back} |`);
  }
  const k = kernelAvailable();
  console.log(`${t0} to ${new Date().toISOString()}; load average ${load0.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after; kernel ${k.ok ? 'timed' : `not run (${(k as { reason?: string }).reason ?? 'no bpf()'})`}`);
}
