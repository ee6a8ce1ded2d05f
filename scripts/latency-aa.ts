// A/A experiment for `kernel bench`'s call order: each program timed against itself (A, a
// second load B, the control C, the empty program) with the old rotated order and the balanced
// one, alternately, in one process. With no bias the ratios B/A and C/A centre on 1; prints
// each run's medians and, per order, how many fell below 1 and their median.
// Usage: tsx scripts/latency-aa.ts [--rounds 30] [--reps 2] [NAME…]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { readObject } from '../src/isa/object.ts';
import { benchPrograms } from '../src/kernel/bench.ts';
import { optimizerInputs } from '../src/search/bench-inputs.ts';
import { median } from '../src/kernel/ratio.ts';

const args = process.argv.slice(2);
const opt = (k: string, d: number): number => (args.includes(k) ? Number(args[args.indexOf(k) + 1]) : d);
const rounds = opt('--rounds', 30), reps = opt('--reps', 2);
const names = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const progs = names.length ? names : ['xdp1', 'xdp_firewall', 'xdp_loop', 'xdp_parse_drop', 'xdp_router', 'xdp_subprog'];
const seen: Record<string, number[]> = { rotate: [], balanced: [] };
const load0 = loadavg()[0];
for (let rep = 0; rep < reps; rep++) {
  for (const name of progs) {
    const p = readObject(new Uint8Array(readFileSync(`corpus/${name}.o`))).link();
    const inputs = optimizerInputs(p);
    // the two orders alternate which runs first, so drift over the experiment hits both
    for (const order of rep % 2 ? (['balanced', 'rotate'] as const) : (['rotate', 'balanced'] as const)) {
      const r = benchPrograms([p, p], inputs, { rounds, control: true, harness: true, order });
      if (!r.ok) throw new Error(`${name}: ${r.reason}`);
      const ba = r.ratios[1]!, ca = r.control!;
      seen[order].push(ba.median, ca.median);
      console.log(`${name} ${order.padEnd(8)} B/A ${ba.median.toFixed(4)} (${ba.low.toFixed(4)} … ${ba.high.toFixed(4)}) C/A ${ca.median.toFixed(4)} (${ca.low.toFixed(4)} … ${ca.high.toFixed(4)})`);
    }
  }
}
for (const [order, xs] of Object.entries(seen)) {
  console.log(`${order}: ${xs.filter((x) => x < 1).length} of ${xs.length} below 1, median ${median(xs).toFixed(4)}`);
}
console.log(`${rounds} rounds; load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`);
