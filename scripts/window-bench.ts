// Candidates/s of the whole-program chain and of the window search on objects of growing size,
// both through optimize() as the CLI runs them (validation: kernel and Z3; one chain; the
// chain non-blocking), one after the other in one process:
//   node --import tsx scripts/window-bench.ts OBJ... [--budget MS] [--assume-exclusive-maps]
// Rates per second of wall clock and per second of this process's CPU time (user + system,
// Z3's child process not counted): on a shared machine the second is the per-core figure.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { readObject } from '../src/isa/object.ts';
import { optimize } from '../src/search/optimize.ts';
import { EquivService } from '../src/smt/isolated.ts';

const args = process.argv.slice(2);
const bi = args.indexOf('--budget');
const budgetMs = bi >= 0 ? Number(args.splice(bi, 2)[1]) : 10_000;
const ex = args.indexOf('--assume-exclusive-maps');
const exclusiveMaps = ex >= 0 && !!args.splice(ex, 1);
console.log(JSON.stringify({ load: loadavg().map((x) => +x.toFixed(1)), cpus: cpus().length, budgetMs, exclusiveMaps }));
// Z3's child process started before any timing (loading Z3 takes seconds, more under load)
const equiv = new EquivService();
await equiv.windowEquiv([], [], { liveOut: 0 });
for (const file of args) {
  const p = readObject(new Uint8Array(readFileSync(file))).link();
  for (const windows of [false, true]) {
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    const r = await optimize(p, { budgetMs, seed: 1, objective: 'size', chains: 1, exclusiveMaps, windows, equiv });
    const u = process.cpuUsage(cpu0);
    console.log(JSON.stringify({
      program: file.split('/').pop(), insns: p.insns.length, mode: windows ? 'windows' : 'chain',
      candidates: r.stats.iterations,
      perWallSec: Math.round(r.stats.iterations / (r.stats.elapsedMs / 1000)),
      perCpuSec: Math.round(r.stats.iterations / ((u.user + u.system) / 1e6)),
      after: r.program.insns.length, firstImprovementS: r.improved ? +(r.stats.bestAtMs / 1000).toFixed(1) : null,
      totalS: +((performance.now() - w0) / 1000).toFixed(1),
      ...(r.windows ? { windows: r.windows } : {}), validation: r.validation.slice(0, 100),
    }));
  }
}
await equiv.close();
process.exit(0);
