// What switching between the model's re-checks and the kernel's loads costs the batch after the
// switch (why bench/verifier-incremental.ts times each batch after an untimed twin). Per program:
// the bench candidates (search-mutants.ts, 256, seed 1) re-checked until warm, then `trials`
// times: a batch of loads of every candidate, then `after` re-check batches in a row, each timed
// (process CPU time per re-check); and the other way: re-checks for 20 ms, then the candidates
// loaded in groups of 16 from a candidate that moves with the trial, each group timed (per load). Prints the median per position: a first
// batch above the later ones is the switch's cost. Needs root for the loads.
// Usage: node --import tsx scripts/switch-cost.ts [trials] [program...]
import { readFileSync } from 'node:fs';
import { readObject } from '../src/isa/object.ts';
import { verify } from '../src/verifier/analyze.ts';
import { Incremental } from '../src/verifier/incremental.ts';
import { kernelAvailable } from '../src/kernel/syscall.ts';
import { loadProgram } from '../src/kernel/load.ts';
import { searchCandidates } from '../bench/search-mutants.ts';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const cpuUs = (f: () => void): number => {
  const c = process.cpuUsage();
  f();
  const t = process.cpuUsage(c);
  return t.user + t.system;
};

/** Per position after a switch: the medians over the trials (µs per re-check, µs per load). */
export function switchCost(name: string, trials: number, after = 8, groups = 16): { recheck: number[]; load: number[] } {
  const p = readObject(readFileSync(new URL(`../corpus/${name}.o`, import.meta.url))).link();
  const ms = searchCandidates(p, verify(p).processed > 500 ? 32 : 256, 1, false);
  const inc = new Incremental(p);
  const recheck = () => cpuUs(() => { for (const m of ms) inc.check(m.prog, m.oldToNew); }) / ms.length;
  for (let i = 0; i < 200; i++) recheck();
  const re: number[][] = Array.from({ length: after }, () => []), lo: number[][] = Array.from({ length: groups }, () => []);
  for (let t = 0; t < trials; t++) {
    for (const m of ms) loadProgram(m.prog, { info: false }).close();
    for (let k = 0; k < after; k++) re[k].push(recheck());
    const w = performance.now();
    while (performance.now() - w < 20) recheck();
    // each trial starts at another candidate, so a position is not always the same candidates
    const o = t * 48;
    for (let g = 0; g < groups; g++) lo[g].push(cpuUs(() => { for (let i = 0; i < 16; i++) loadProgram(ms[(o + g * 16 + i) % ms.length].prog, { info: false }).close(); }) / 16);
  }
  return { recheck: re.map(median), load: lo.map(median) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [a0, ...names] = process.argv.slice(2);
  const trials = Number(a0 ?? 12);
  if (!Number.isInteger(trials) || trials < 1) {
    console.error(`switch-cost: trials must be a positive integer, not ${a0}`);
    process.exit(2);
  }
  const k = kernelAvailable();
  if (!k.ok) {
    console.error(`switch-cost: not run: the kernel's load is not available (${(k as { reason?: string }).reason ?? 'no bpf()'})`);
    process.exit(1);
  }
  console.log(`${new Date().toISOString()}; medians of ${trials} trials, µs (CPU)`);
  for (const n of names.length ? names : ['kprobe_counter', 'xdp_swap_tx', 'xdp_subprogs', 'xdp_map_access']) {
    const r = switchCost(n, trials);
    console.log(`${n}: re-check batches after loads: ${r.recheck.map((x) => x.toFixed(1)).join(' ')}`);
    console.log(`${n}: loads (groups of 16) after re-checks: ${r.load.map((x) => x.toFixed(0)).join(' ')}`);
  }
}
