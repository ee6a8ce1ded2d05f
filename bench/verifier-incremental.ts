// Incremental re-check against the kernel's load, per corpus program, two ways:
// - cold: the bench mutant (the slot at 2/3 becomes `goto +0`) re-checked by a cached
//   Incremental, a full check of the same mutant, and BPF_PROG_LOAD of the original (root only,
//   log off, maps created and closed), in interleaved rounds; the minimum of each. Each re-check
//   follows a load and a full check, which evict the caches.
// - back to back, as a search re-checks: a batch of distinct candidates (search-mutants.ts)
//   re-checked one after the other by one Incremental, and the same candidates loaded one after
//   the other (what a search asking the kernel would do), the two batches alternating (which goes first alternates too),
//   each timed batch run right after an untimed run of the same batch (--no-warm-in: not; timedRounds); per re-check
//   and per load, the median over the rounds of each batch's mean, with the lowest and highest,
//   in CPU time of this process (user + system, which the load's syscall is) and wall clock: on
//   the shared machine a batch is often preempted, which the CPU time leaves out.
// - steady (--steady): after those rounds, the same Incremental keeps re-checking the batch until
//   its CPU time per re-check stops falling (a fresh process's first ~10^4 re-checks include V8
//   compiling the code, partly on its background threads, which process CPU time counts), then
//   the back-to-back rounds are timed again the same way: what a search that re-checks millions
//   of candidates in one process pays. Also the main thread's own CPU time (from
//   /proc/thread-self/schedstat; Node 20 has no per-thread CPU clock), for both figures.
// All in this one process, so the shared machine's load drifts over both sides alike.
// Usage: node --import tsx bench/verifier-incremental.ts [rounds] [name-filter] [--deletions] [--steady] [--no-warm-in]
// for a markdown table; `npm run bench -- verifier-incremental` for the rows.
import { openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { readObject } from '../src/isa/object.ts';
import { fromOp } from '../src/isa/op.ts';
import type { Program } from '../src/isa/program.ts';
import { verify } from '../src/verifier/analyze.ts';
import { Incremental } from '../src/verifier/incremental.ts';
import { kernelAvailable } from '../src/kernel/syscall.ts';
import { loadProgram } from '../src/kernel/load.ts';
import type { BenchRow } from './types.ts';
import { searchCandidates } from './search-mutants.ts';
import { Settling } from './settle.ts';

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

/**
 * Per item of a batch: wall-clock µs, CPU µs of this process (user + system, all its threads;
 * preemption by other processes not counted), and CPU µs of the main thread alone (undefined
 * where /proc/thread-self/schedstat cannot be read).
 */
export interface Timed {
  wall: Spread;
  cpu: Spread;
  thread?: Spread;
}

/** How the steady state was reached: re-checks made before its timed rounds, of which settling. */
export interface Settled {
  /** Re-checks of the batch by this Incremental before the steady timed rounds (all of them). */
  before: number;
  /** Of those, the re-checks made only to settle (after the first timed rounds). */
  settling: number;
  /** Whether the cap stopped the settling instead of the CPU time levelling off. */
  capped: boolean;
  /** CPU µs per re-check of each settling window, in order. */
  windows: number[];
}

/** One corpus program's back-to-back figures (per re-check and per load; load undefined where the kernel could not be asked). */
export interface BatchRow {
  name: string;
  /** Candidates in the batch, and how many of them the model and the kernel accept. */
  mutants: number;
  accepted: number;
  kernelAccepted?: number;
  /** Mean instructions processed per candidate (a full check's count). */
  processed: number;
  recheck: Timed;
  load?: Timed;
  /** With `steady`: the same, timed after the settling, and how it settled. */
  steady?: { recheck: Timed; load?: Timed; settled: Settled };
}

/** The main thread's CPU time in ns (user + system, as the scheduler counts it), or NaN. */
const threadNs = (() => {
  let fd = -1;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return () => NaN;
  }
  const buf = Buffer.alloc(128);
  return () => Number(buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, 0)).split(' ')[0]);
})();

/** Run `f` once over a batch of `n` items: [wall µs, process CPU µs, main-thread CPU µs] per item. */
function batch(f: () => void, n: number): [number, number, number] {
  // the thread's clock is read outside the process's, so the process figure is what it was
  const th = threadNs();
  const c = process.cpuUsage(), t = performance.now();
  f();
  const wall = performance.now() - t, cpu = process.cpuUsage(c);
  return [(wall * 1000) / n, (cpu.user + cpu.system) / n, (threadNs() - th) / 1000 / n];
}

type Sample = [number, number, number];

/**
 * `rounds` rounds (as many as fit in ~2 s, at least 5), each a batch of re-checks and a batch of
 * loads, which goes first alternating, after two warm-up rounds that also size the run.
 * `warmIn`: each timed batch is the second of two identical batches in a row, the first untimed.
 * Without it a timed batch is the first after the other side's: the first re-check batch after a
 * batch of loads ran 1.5-3x slower than the next (the kernel's load and its deferred freeing had
 * evicted the caches), and the first loads after re-checks ~2x slower than later ones, which
 * weighs on the short re-check batch (1-5 ms) far more than on the load batch (20-40 ms).
 */
export function timedRounds(recheck: () => Sample, load: (() => Sample) | undefined, rounds: number, warmIn: boolean): { rs: Sample[]; ls: Sample[]; made: number } {
  const rs: Sample[] = [], ls: Sample[] = [];
  const twice = (f: (() => Sample) | undefined) => (f && warmIn ? () => (f(), f()) : f);
  const re = twice(recheck)!, lo = twice(load);
  let n = 2, spent = 0;
  for (let r = -2; r < n; r++) {
    const t = performance.now();
    const x = r & 1 ? lo?.() : re();
    const y = r & 1 ? re() : lo?.();
    if (r < 0) {
      spent += performance.now() - t;
      if (r === -1) n = Math.max(5, Math.min(rounds, Math.floor(2000 / (spent / 2))));
      continue;
    }
    rs.push(r & 1 ? y! : x!);
    const l = r & 1 ? x : y;
    if (l) ls.push(l);
  }
  return { rs, ls, made: n + 2 };
}

/** Settling windows: at least this many re-checks or this many ms each. */
const WINDOW_RECHECKS = 2048, WINDOW_MS = 250;
/** Settled: this many windows in a row none of which beat the best before them by 5%. */
const SETTLE_GAIN = 0.95, SETTLE_PATIENCE = 5;
/** Or stopped anyway after this many re-checks or this many ms per program. */
const CAP_RECHECKS = 60_000, CAP_MS = 10_000;

/**
 * Re-check the batch over and over until its process CPU time per re-check stops falling:
 * windows of batches (WINDOW_RECHECKS re-checks or WINDOW_MS, whichever comes first, so a long
 * program's window stays short), stopped once SETTLE_PATIENCE windows in a row come no lower
 * than SETTLE_GAIN of the lowest window before them (settle.ts), or at the cap. Windows, not single batches:
 * a batch of 256 short re-checks lasts a few ms, and the background compiler's bursts and the
 * shared machine's other processes move single batches by more than 5%. A window higher than the
 * best (a neighbour's burst) does not restart the wait, and a lower one does: "three windows in
 * a row within 5% of each other", tried first, stopped on passing plateaus while other
 * processes ran (kprobe_counter at 31 µs after 16,384 re-checks, where a run before it had
 * reached 11 µs).
 */
function settle(recheck: () => Sample, size: number): Omit<Settled, 'before'> {
  const rule = new Settling(SETTLE_GAIN, SETTLE_PATIENCE);
  const t0 = performance.now();
  let made = 0;
  for (;;) {
    const tw = performance.now();
    let cpu = 0, k = 0;
    do {
      cpu += recheck()[1] * size;
      k += size;
    } while (k < WINDOW_RECHECKS && performance.now() - tw < WINDOW_MS);
    made += k;
    if (rule.add(cpu / k)) return { settling: made, capped: false, windows: rule.windows };
    if (made >= CAP_RECHECKS || performance.now() - t0 >= CAP_MS) return { settling: made, capped: true, windows: rule.windows };
  }
}

/**
 * Per program: up to `rounds` rounds (as many as fit in ~2 s, at least 5), each a batch of
 * re-checks of every candidate by one Incremental and a batch of loads of the same candidates,
 * after two warm-up rounds. Every re-check's answer is first checked against a full check.
 * `deletions`: the candidates' deleted slots are removed, as the chain removes them.
 * `steady`: then settle (see `settle`) and time the same rounds again (`BatchRow.steady`).
 */
export function measureBatches(rounds: number, filter = '', size = 256, deletions = false, steady = false, warmIn = true): BatchRow[] {
  const dir = new URL('../corpus/', import.meta.url);
  const kernel = kernelAvailable().ok;
  const rows: BatchRow[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.o') && x.includes(filter)).sort()) {
    const p = readObject(readFileSync(new URL(f, dir))).link();
    // fewer candidates where a check is long (their candidates' may be much longer: loops)
    const ms = searchCandidates(p, verify(p).processed > 500 ? size >> 3 : size, 1, deletions);
    if (!ms.length) continue;
    const inc = new Incremental(p);
    let processed = 0, accepted = 0, kernelAccepted = 0;
    for (const { prog: m, oldToNew } of ms) {
      const full = verify(m), again = inc.check(m, oldToNew);
      if (full.processed !== again.processed || full.ok !== again.ok) throw new Error(`${f}: incremental and full checks differ on a candidate`);
      processed += full.processed;
      if (full.ok) accepted++;
      if (kernel) {
        const r = loadProgram(m, { info: false });
        if (r.ok) kernelAccepted++;
        r.close();
      }
    }
    const recheck = (): Sample => batch(() => {
      for (const m of ms) inc.check(m.prog, m.oldToNew);
    }, ms.length);
    const load = kernel ? (): Sample => batch(() => {
      for (const m of ms) loadProgram(m.prog, { info: false }).close();
    }, ms.length) : undefined;
    const timed = (xs: Sample[]): Timed => {
      const th = xs.map((v) => v[2]);
      return { wall: spread(xs.map((v) => v[0])), cpu: spread(xs.map((v) => v[1])), thread: th.some(Number.isNaN) ? undefined : spread(th) };
    };
    const first = timedRounds(recheck, load, rounds, warmIn);
    const row: BatchRow = { name: f.replace(/\.o$/, ''), mutants: ms.length, accepted, kernelAccepted: kernel ? kernelAccepted : undefined, processed: processed / ms.length, recheck: timed(first.rs), load: kernel ? timed(first.ls) : undefined };
    if (steady) {
      const s = settle(recheck, ms.length);
      const again = timedRounds(recheck, load, rounds, warmIn);
      // the answer check above, the first timed rounds with their warm-up, the settling, and this
      // warm-up (every round's batch twice with the warm-in)
      const per = warmIn ? 2 : 1;
      const before = ms.length * (1 + per * (first.made + 2)) + s.settling;
      row.steady = { recheck: timed(again.rs), load: kernel ? timed(again.ls) : undefined, settled: { before, ...s } };
    }
    rows.push(row);
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
  const batches = measureBatches(30, '', 256, false, true);
  for (const r of batches) {
    out.push({
      name: `incremental ${r.name} (back to back, CPU time)`, value: r.recheck.cpu.median, unit: 'µs',
      note: `${r.mutants} candidates, ${r.accepted} accepted, ${r.processed.toFixed(0)} processed on average${r.load ? `; kernel load of each ${r.load.cpu.median.toFixed(0)} µs, load / re-check ${(r.load.cpu.median / r.recheck.cpu.median).toFixed(1)}` : ', kernel not run'}`,
    });
  }
  for (const r of batches) {
    const s = r.steady!;
    out.push({
      name: `incremental ${r.name} (back to back, steady, CPU time)`, value: s.recheck.cpu.median, unit: 'µs',
      note: `after ${s.settled.before} re-checks (${s.settled.settling} to settle${s.settled.capped ? ', capped' : ''})${s.load ? `; kernel load of each ${s.load.cpu.median.toFixed(0)} µs, load / re-check ${(s.load.cpu.median / s.recheck.cpu.median).toFixed(1)}` : ', kernel not run'}`,
    });
  }
  const both = batches.filter((r) => r.load);
  if (both.length) {
    out.push({ name: 'programs whose re-check is >= 10x faster than the load (back to back, CPU time)', value: both.filter((r) => r.load!.cpu.median >= 10 * r.recheck.cpu.median).length, unit: `of ${both.length}` });
    out.push({ name: 'programs whose re-check is >= 10x faster than the load (back to back, steady, CPU time)', value: both.filter((r) => r.steady!.load!.cpu.median >= 10 * r.steady!.recheck.cpu.median).length, unit: `of ${both.length}` });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  // --deletions: the back-to-back candidates' deleted slots are removed (as the chain does), not `goto +0`
  // --steady: also the back-to-back figures once the re-checks' CPU time has levelled off
  // --no-warm-in: time each batch right after the other side's (as before 2026-12-06; timedRounds)
  const flags = new Set(['--deletions', '--steady', '--no-warm-in']);
  const deletions = args.includes('--deletions'), steady = args.includes('--steady'), warmIn = !args.includes('--no-warm-in');
  const bad = args.find((x) => x.startsWith('--') && !flags.has(x));
  if (bad) {
    console.error(`verifier-incremental: unknown option ${bad} (known: --deletions, --steady, --no-warm-in)`);
    process.exit(2);
  }
  const [a0, a1] = args.filter((x) => !flags.has(x));
  const rounds = Number(a0 ?? 200), filter = a1 ?? '';
  if (!Number.isInteger(rounds) || rounds < 1) {
    console.error(`verifier-incremental: rounds must be a positive integer, not ${a0}`);
    process.exit(2);
  }
  const load0 = loadavg()[0], t0 = new Date().toISOString();
  const fmt = (x: number) => (Number.isNaN(x) ? 'not run' : x.toFixed(0));
  const cold = measure(rounds, filter);
  const batches = new Map(measureBatches(Math.max(10, rounds >> 2), filter, 256, deletions, steady, warmIn).map((r) => [r.name, r]));
  const sp = (s: Spread) => `${fmt(s.median)} (${fmt(s.lo)}-${fmt(s.hi)})`;
  const ratio = (l: Spread | undefined, r: Spread | undefined) => (l && r ? (l.median / r.median).toFixed(1) : 'not run');
  // main thread: the re-check's and the load's own CPU time, without V8's background threads
  const main = (re: Timed, lo: Timed | undefined) => (re.thread ? `${sp(re.thread)} | ${lo ? ratio(lo.thread, re.thread) : 'not run'}` : 'not available | not available');
  const head = ['program', 'insns', 'processed', 'full check µs', 'cold: re-check µs (min)', 'load µs (min)', 'load / re-check', 'candidates (accepted: model; kernel)', 'processed, mean', 'back to back, CPU: re-check µs, median (range)', 'load µs, median (range)', 'load / re-check', 'main thread: re-check µs', 'load / re-check', 'wall clock: load / re-check'];
  if (steady) head.push('steady: re-checks before (to settle)', 'CPU: re-check µs', 'load µs', 'load / re-check', 'main thread: re-check µs', 'load / re-check', 'wall clock: load / re-check');
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|---|${head.slice(1).map(() => '---:').join('|')}|`);
  for (const r of cold) {
    const b = batches.get(r.name);
    const back = !b ? '– | – | – | – | – | – | – | –' : `${b.mutants} (${b.accepted}${b.kernelAccepted === undefined ? '' : `; ${b.kernelAccepted}`}) | ${b.processed.toFixed(0)} | ${sp(b.recheck.cpu)} | ${b.load ? sp(b.load.cpu) : 'not run'} | ${ratio(b.load?.cpu, b.recheck.cpu)} | ${main(b.recheck, b.load)} | ${ratio(b.load?.wall, b.recheck.wall)}`;
    const s = b?.steady;
    const st = !steady ? '' : !s ? ' – | – | – | – | – | – | – |' : ` ${s.settled.before} (${s.settled.settling}${s.settled.capped ? ', capped' : ''}) | ${sp(s.recheck.cpu)} | ${s.load ? sp(s.load.cpu) : 'not run'} | ${ratio(s.load?.cpu, s.recheck.cpu)} | ${main(s.recheck, s.load)} | ${ratio(s.load?.wall, s.recheck.wall)} |`;
    console.log(`| ${r.name} | ${r.insns} | ${r.processed} | ${fmt(r.full)} | ${fmt(r.incremental)} | ${fmt(r.load)} | ${Number.isNaN(r.load) ? 'not run' : (r.load / r.incremental).toFixed(1)} | ${back} |${st}`);
  }
  const tens = (pick: (b: BatchRow) => [Timed | undefined, Timed] | undefined) => {
    const xs = [...batches.values()].map(pick).filter((x): x is [Timed, Timed] => !!x && !!x[0]);
    return `${xs.filter(([l, re]) => l.cpu.median >= 10 * re.cpu.median).length} of ${xs.length}`;
  };
  if (kernelAvailable().ok) {
    console.log(`back to back, CPU time, load / re-check >= 10x: ${tens((b) => [b.load, b.recheck])}${steady ? `; steady: ${tens((b) => (b.steady ? [b.steady.load, b.steady.recheck] : undefined))}` : ''}`);
  }
  const k = kernelAvailable();
  console.log(`${t0} to ${new Date().toISOString()}; load average ${load0.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after; kernel ${k.ok ? 'timed' : `not run (${(k as { reason?: string }).reason ?? 'no bpf()'})`}`);
}
