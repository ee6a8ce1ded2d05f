// The chain waiting for each validation against the chain going on while it runs (issue 20),
// one after the other in one process: node --import tsx scripts/nonblocking-bench.ts OBJ... [--budget MS]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { readObject } from '../src/isa/object.ts';
import { optimize, type OptimizeOptions } from '../src/search/optimize.ts';

const args = process.argv.slice(2);
const bi = args.indexOf('--budget');
const budgetMs = bi >= 0 ? Number(args.splice(bi, 2)[1]) : 20_000;
console.log(JSON.stringify({ load: loadavg().map((x) => +x.toFixed(1)), budgetMs }));
for (const file of args) {
  const p = readObject(new Uint8Array(readFileSync(file))).link();
  for (const nonBlocking of [false, true]) {
    const r = await optimize(p, { budgetMs, seed: 1, objective: 'size', chains: 1, measureTop: 0, nonBlocking } as OptimizeOptions);
    console.log(JSON.stringify({
      program: file.split('/').pop(), nonBlocking, before: p.insns.length, after: r.program.insns.length,
      perSec: Math.round(r.stats.iterations / (r.stats.elapsedMs / 1000)), bestAtS: +(r.stats.bestAtMs / 1000).toFixed(1),
      z3Queries: r.z3.queries, z3MedianMs: r.z3.medianMs, validation: r.validation.slice(0, 80),
    }));
  }
}
process.exit(0);
