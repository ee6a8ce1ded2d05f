// Verifier model speed: median time to check each corpus program (memo cleared = cold; memo kept
// = warm, as in the search loop), an incremental re-check of a mutated candidate, and the
// kernel's BPF_PROG_LOAD of the same program in this process (root only). The domain operators
// run compiled (src/domains/compiled.ts) or on bigints (the tier before it); the variants are
// timed in interleaved rounds so that the shared machine's load drifts equally over all of them.
import { readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../src/isa/object.ts';
import { fromOp } from '../src/isa/op.ts';
import type { Program } from '../src/isa/program.ts';
import { verify } from '../src/verifier/analyze.ts';
import { Incremental } from '../src/verifier/incremental.ts';
import { clearMemo, defaultSession, type DomainTier } from '../src/verifier/memo.ts';
import { LINUX_6_18 } from '../src/domains/scalar.ts';

/** The tier of the session verify() uses by default (6.18). */
const setDomainTier = (t: DomainTier): void => {
  defaultSession(LINUX_6_18).tier = t;
};
import { kernelAvailable } from '../src/kernel/syscall.ts';
import { loadProgram } from '../src/kernel/load.ts';
import type { BenchRow } from './types.ts';
import { settleWindows } from './settle.ts';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Median microseconds of f over about `ms` (at least 5 runs). */
function timeUs(f: () => void, ms = 300): number {
  for (let i = 0; i < 3; i++) f();
  const xs: number[] = [];
  const t0 = performance.now();
  while (xs.length < 5 || performance.now() - t0 < ms) {
    const t = performance.now();
    f();
    xs.push((performance.now() - t) * 1000);
  }
  return median(xs);
}

/** Median microseconds of each of fs, run in interleaved rounds for about `ms` (at least 7 rounds). */
function timeAllUs(fs: (() => void)[], ms = 600): number[] {
  for (const f of fs) for (let i = 0; i < 3; i++) f();
  const xs: number[][] = fs.map(() => []);
  const t0 = performance.now();
  while (xs[0].length < 7 || performance.now() - t0 < ms) {
    fs.forEach((f, k) => {
      const t = performance.now();
      f();
      xs[k].push((performance.now() - t) * 1000);
    });
  }
  return xs.map(median);
}

/**
 * Check p cold on the compiled tier until its CPU time per check has settled (settle.ts's rule on
 * windows of ~100 ms, each read as its lowest ~5 ms batch; at most 40 windows): V8 is still
 * optimising the verifier for thousands of checks of a program, longer than the warm-up rounds
 * above give each one (BENCHMARKS, eighteenth pass). The checks made and whether the cap stopped them.
 */
function settleCold(p: Program): { checks: number; capped: boolean } {
  setDomainTier('compiled');
  let checks = 0;
  const window = (): number[] => {
    let low = Infinity;
    for (const t0 = performance.now(); performance.now() - t0 < 100;) {
      const u = process.cpuUsage(), t1 = performance.now();
      let k = 0;
      do {
        clearMemo();
        verify(p);
        k++;
      } while (performance.now() - t1 < 5);
      const d = process.cpuUsage(u);
      low = Math.min(low, (d.user + d.system) / 1000 / k);
      checks += k;
    }
    return [low];
  };
  const s = settleWindows(window, 1, 40);
  return { checks, capped: s.capped };
}

/** The candidate used for incremental timing: the instruction at 2/3 of the program becomes `goto +0`. */
function mutant(p: Program): Program {
  let i = Math.floor((p.insns.length * 2) / 3);
  while (i > 0 && (p.insns[i].code === 0x18 || p.insns[i - 1].code === 0x18)) i--;
  return { ...p, insns: p.insns.map((x, j) => (j === i ? fromOp({ kind: 'ja', off: 0, long: false })[0] : x)) };
}

export async function bench(): Promise<BenchRow[]> {
  const dir = new URL('../corpus/', import.meta.url);
  const rows: BenchRow[] = [];
  const kernel = kernelAvailable().ok;
  const cold: number[] = [], warm: number[] = [], incr: number[] = [], kern: number[] = [];
  const bigCold: number[] = [], bigWarm: number[] = [], bigIncr: number[] = [];
  const files = readdirSync(dir).filter((x) => x.endsWith('.o')).sort();
  const progs = files.map((f) => readObject(readFileSync(new URL(f, dir))).link());
  // Compile every operator the corpus uses before timing, and run each enough (results cache
  // cleared) for V8 to optimise the generated code; then each program is settled (settleCold)
  // before its rounds: the steady state of a long run.
  setDomainTier('compiled');
  for (let r = 0; r < 40; r++) {
    for (const p of progs) {
      clearMemo();
      verify(p);
    }
  }
  for (const [n, f] of files.entries()) {
    const p = progs[n];
    const v = verify(p);
    const inc = new Incremental(p);
    const m = mutant(p);
    const settled = settleCold(p);
    const tiered = (t: 'compiled' | 'bigint', g: () => void) => () => {
      setDomainTier(t);
      g();
    };
    const [c, w, i, bc, bw, bi] = timeAllUs([
      tiered('compiled', () => { clearMemo(); verify(p); }),
      tiered('compiled', () => verify(p)),
      tiered('compiled', () => inc.check(m)),
      tiered('bigint', () => { clearMemo(); verify(p); }),
      tiered('bigint', () => verify(p)),
      tiered('bigint', () => inc.check(m)),
    ]);
    setDomainTier('tiered');
    cold.push(c); warm.push(w); incr.push(i); bigCold.push(bc); bigWarm.push(bw); bigIncr.push(bi);
    let k = NaN;
    if (kernel) {
      k = timeUs(() => loadProgram(p, { info: false }).close());
      kern.push(k);
    }
    const name = f.replace(/\.o$/, '');
    rows.push({ name: `check ${name} (warm)`, value: w, unit: 'µs', note: `${p.insns.length} insns, ${v.processed} processed; settled after ${settled.checks} cold checks${settled.capped ? ' (capped)' : ''}; cold ${c.toFixed(0)} µs, incremental ${i.toFixed(0)} µs${kernel ? `, kernel load ${k.toFixed(0)} µs` : ''}; bigint domains: warm ${bw.toFixed(0)}, cold ${bc.toFixed(0)}, incremental ${bi.toFixed(0)} µs` });
  }
  rows.push({ name: 'median check, cold memo', value: median(cold), unit: 'µs', note: 'corpus programs, full analysis, domain results cache cleared each run' });
  rows.push({ name: 'median check, warm memo', value: median(warm), unit: 'µs', note: 'corpus programs, full analysis' });
  rows.push({ name: 'median incremental check', value: median(incr), unit: 'µs', note: 'one slot at 2/3 of the program replaced by goto +0' });
  rows.push({ name: 'median check, cold memo, bigint domains', value: median(bigCold), unit: 'µs', note: 'the same, domain operators on bigints (before the compiled tier)' });
  rows.push({ name: 'median check, warm memo, bigint domains', value: median(bigWarm), unit: 'µs', note: 'as above' });
  rows.push({ name: 'median incremental check, bigint domains', value: median(bigIncr), unit: 'µs', note: 'as above' });
  if (kernel) rows.push({ name: 'median kernel BPF_PROG_LOAD', value: median(kern), unit: 'µs', note: 'same programs, log_level 0, maps created and closed' });
  if (kernel) rows.push({ name: 'programs where a cold check beats the load', value: cold.filter((x, j) => x < kern[j]).length, unit: `of ${files.length}` });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await bench()) console.log(`${r.name}: ${r.value.toFixed(1)} ${r.unit}${r.note ? ` (${r.note})` : ''}`);
}
