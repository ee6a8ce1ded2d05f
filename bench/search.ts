// The optimizer: candidates per second on one core (one chain, a fixed number of candidates),
// next to the kernel's BPF_PROG_LOAD of the same program in the same process (how many
// candidates the kernel's verifier alone could judge per second); then every corpus program
// optimized with the default two chains for 30 s: size before/after, when the best came, the
// funnel (pre-filters, tests, Z3), and K2's figures where DESIGN.md has them.
import { readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../src/isa/object.ts';
import { runChain } from '../src/search/chain.ts';
import { optimize } from '../src/search/optimize.ts';
import { sharedFuncs } from '../src/search/output.ts';
import { kernelAvailable } from '../src/kernel/syscall.ts';
import { loadProgram } from '../src/kernel/load.ts';
import type { BenchRow } from './types.ts';
import { EquivService } from '../src/smt/isolated.ts';

const K2: Record<string, string> = {
  xdp_pktcntr: 'K2 (-O2 build): 22→19 in 9.5 s',
  xdp_map_access: 'K2 (-O2 build): 30→26 in 1.5 s',
  xdp1: 'K2 (-O2 build): 61→57 in 45 s',
};
const object = (name: string) => readObject(new Uint8Array(readFileSync(`corpus/${name}.o`)));
const load = (name: string) => object(name).link();
const BUDGET_S = Number(process.env.BENCH_SEARCH_BUDGET ?? 30);

/** Kernel loads per second of the program (the verifier's verdict, the reference). */
function kernelLoads(name: string): number | undefined {
  if (!kernelAvailable().ok) return undefined;
  const p = load(name);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 1000) {
    loadProgram(p).close();
    n++;
  }
  return (n * 1000) / (performance.now() - t0);
}

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const name of ['xdp1', 'xdp_parse_drop', 'xdp_router']) {
    const p = load(name);
    const n = 200_000;
    const t0 = performance.now();
    await runChain(p, { budgetMs: 1e9, maxIterations: n, seed: 1, objective: 'size', validate: async () => ({ ok: false, stage: 'bench', reason: 'throughput only' }) });
    const perS = n / ((performance.now() - t0) / 1000);
    const k = kernelLoads(name);
    rows.push({
      name: `candidates/s, one core: ${name} (${p.insns.length} insns)`, value: perS, unit: 'candidates/s',
      note: `${n / 1000}k candidates, one chain${k ? `; kernel BPF_PROG_LOAD of the same program: ${k.toFixed(0)}/s (×${(perS / k).toFixed(0)})` : ''}; goal ≥ 20 k/s per core on ~60 insns`,
    });
  }
  const reductions: number[] = [];
  // one Z3 process for every program, as one long-lived optimizer would have
  const equiv = new EquivService();
  for (const f of readdirSync('corpus').filter((x) => x.endsWith('.o')).sort()) {
    const name = f.replace(/\.o$/, '');
    const p = load(name);
    process.stderr.write(`  optimize ${name}…\n`);
    const r = await optimize(p, { budgetMs: BUDGET_S * 1000, seed: 1, objective: 'size', chains: 2, keepFuncs: sharedFuncs(object(name), p.name), equiv });
    const s = r.stats;
    const before = p.insns.length, after = r.program.insns.length;
    const red = (100 * (before - after)) / before;
    reductions.push(red);
    const funnel = `${s.iterations} candidates: ${s.rejectedValidation.prefilter ?? 0} pre-filter, ${s.rejectedTests} tests, ${r.z3.queries} Z3 (median ${r.z3.medianMs} ms)`;
    rows.push({
      name: `optimize ${name}, 2 chains, ${BUDGET_S} s`, value: red, unit: '% smaller',
      note: `${before}→${after}${r.improved ? `, best at ${(s.bestAtMs / 1000).toFixed(1)} s, ${r.validation.replace(/ \(whole program: .*?\)(?= \+)/g, '')}` : ''}; ${funnel}${K2[name] ? `; ${K2[name]}` : ''}`,
    });
  }
  await equiv.close();
  reductions.sort((a, b) => a - b);
  const mid = reductions.length >> 1;
  const median = reductions.length % 2 ? reductions[mid] : (reductions[mid - 1] + reductions[mid]) / 2;
  rows.push({ name: 'optimize: median size reduction over the corpus', value: median, unit: '%', note: `${reductions.filter((x) => x >= 15).length} of ${reductions.length} programs ≥ 15%; goal: median ≥ 5%` });
  return rows;
}
