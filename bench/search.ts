// The optimizer on corpus programs: candidates per second (one core) and the validated size
// reached within a short budget, next to K2's figures from DESIGN.md §5.
import { readFileSync } from 'node:fs';
import { readObject } from '../src/isa/object.ts';
import { optimize } from '../src/search/optimize.ts';
import type { BenchRow } from './types.ts';

const K2: Record<string, string> = {
  xdp_pktcntr: 'K2 -O2 build: 22→19 in 9.5 s',
  xdp_map_access: 'K2 -O2 build: 30→26 in 1.5 s',
  xdp1: 'K2 -O2 build: 61→57 in 45 s',
};

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const name of ['xdp_pktcntr', 'xdp_map_access', 'xdp_swap_tx', 'xdp1', 'xdp_parse_drop']) {
    const p = readObject(new Uint8Array(readFileSync(`corpus/${name}.o`))).link();
    const r = await optimize(p, { budgetMs: 10_000, seed: 1, objective: 'size' });
    const s = r.stats;
    rows.push({
      name: `search: ${name} (${p.insns.length} insns), 10 s`,
      value: s.iterations / (s.elapsedMs / 1000),
      unit: 'candidates/s',
      note: `${s.originalPerf}→${s.bestPerf} validated (${r.validation}), best at ${(s.bestAtMs / 1000).toFixed(1)} s${K2[name] ? `; ${K2[name]}` : ''}`,
    });
  }
  return rows;
}
