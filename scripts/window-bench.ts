// Candidates/s of the whole-program chain and of the window search on objects of growing size,
// side by side in one process (issue 20): node --import tsx scripts/window-bench.ts OBJ... [--budget MS]
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { readObject } from '../src/isa/object.ts';
import { runChain } from '../src/search/chain.ts';
import { runWindowSearch } from '../src/search/window-search.ts';
import { stopEquivWorker } from '../src/smt/isolated.ts';

const args = process.argv.slice(2);
const bi = args.indexOf('--budget');
const budgetMs = bi >= 0 ? Number(args.splice(bi, 2)[1]) : 10_000;
const only = args.indexOf('--windows-only');
const windowsOnly = only >= 0 && !!args.splice(only, 1);
const ex = args.indexOf('--assume-exclusive-maps');
const exclusiveMaps = ex >= 0 && !!args.splice(ex, 1);
/** Candidates per second of this process's CPU time (user + system): the per-core rate on a shared machine. */
const perCpu = (n: number, since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return Math.round(n / ((u.user + u.system) / 1e6));
};
console.log(JSON.stringify({ load: loadavg().map((x) => +x.toFixed(1)), cpus: cpus().length, budgetMs }));
for (const file of args) {
  const p = readObject(new Uint8Array(readFileSync(file))).link();
  const row: Record<string, unknown> = { program: `${file.split('/').pop()}`, insns: p.insns.length };
  if (!windowsOnly) {
    const cpu0 = process.cpuUsage();
    const c = await runChain(p, { budgetMs, seed: 1, objective: 'size', exclusiveMaps });
    row.chainPerSec = Math.round(c.stats.iterations / (c.stats.elapsedMs / 1000));
    row.chainPerCpuSec = perCpu(c.stats.iterations, cpu0);
    row.chainTested = c.stats.iterations - (c.stats.rejectedValidation['prefilter'] ?? 0) - (c.stats.rejectedValidation['shared maps'] ?? 0);
  }
  const cpu1 = process.cpuUsage();
  const w = await runWindowSearch(p, { budgetMs, seed: 1, objective: 'size', exclusiveMaps });
  row.windowPerSec = Math.round(w.stats.iterations / (w.stats.elapsedMs / 1000));
  row.windowPerCpuSec = perCpu(w.stats.iterations, cpu1);
  row.windows = w.windowStats.windows;
  row.searched = w.windowStats.searched;
  row.proofs = w.windowStats.proofs;
  row.answeredWhileSearching = w.windowStats.answeredWhileSearching;
  row.before = p.insns.length;
  row.after = w.best.length;
  row.firstImprovementMs = w.stats.accepted ? Math.round(w.stats.bestAtMs) : null;
  console.log(JSON.stringify(row));
}
await stopEquivWorker();
