// CPU time of cold checks of a few programs (compiled tier, results cache cleared), the driver
// for profiling the verifier model (`node --cpu-prof --import tsx scripts/verifier-cpu.ts ...`)
// and for before/after figures within one process: with --base DIR (another checkout of the
// project, e.g. `git worktree add /tmp/base <commit>`), the same programs are also checked by
// that tree's verifier, alternating batch by batch, and the ratio is printed. Programs: corpus
// file names without .o (xdp_loop) or realworld object/program (xdpfilt_alw_all.o/xdpfilt_alw_all),
// or `corpus` for all 22. With --kernel (root), the CPU time of the kernel's BPF_PROG_LOAD of the
// same program (log off, maps created and closed; the syscall's system time is this process's)
// is measured in the same rounds, and load / check printed: a comparison that the shared
// machine's load moves far less than wall-clock time, where both sides wait for a core.
//
//   node --import tsx scripts/verifier-cpu.ts [--rounds 8] [--batch N] [--base DIR] [--kernel] xdp_loop ksnoop.bpf.o/kprobe_entry
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { relocateForTarget } from '../src/isa/core.ts';
import { readObject } from '../src/isa/object.ts';
import type { Program } from '../src/isa/program.ts';
import { runningKernelExterns } from '../src/kernel/externs.ts';
import { runningKernelFlavor } from '../src/kernel/flavor.ts';
import { LINUX_6_18, type KernelFlavor } from '../src/domains/scalar.ts';
import { loadProgram } from '../src/kernel/load.ts';
import { kernelAvailable } from '../src/kernel/syscall.ts';
import * as analyze from '../src/verifier/analyze.ts';
import * as memo from '../src/verifier/memo.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '8' }, batch: { type: 'string' }, base: { type: 'string' }, kernel: { type: 'boolean', default: false } },
});

function find(name: string): { p: Program; flavor: KernelFlavor } {
  if (!name.includes('/')) return { p: readObject(readFileSync(new URL(`../corpus/${name}.o`, import.meta.url))).link(), flavor: LINUX_6_18 };
  const [file, prog] = name.split('/');
  const root = new URL('../corpus/realworld/objects/', import.meta.url);
  const dir = readdirSync(root).find((d) => readdirSync(new URL(`${d}/`, root)).includes(file));
  if (dir === undefined) throw new Error(`verifier-cpu: no real-world object ${file}`);
  const obj = readObject(new Uint8Array(readFileSync(new URL(`${dir}/${file}`, root))), { externs: runningKernelExterns });
  return { p: relocateForTarget(obj, obj.link(prog)), flavor: runningKernelFlavor() };
}

/** A tree's verifier: this one, and the --base one when given. */
interface Tree { readonly verify: typeof analyze.verify; readonly clearMemo: () => void; readonly defaultSession: typeof memo.defaultSession }
const trees: Tree[] = [{ verify: analyze.verify, clearMemo: memo.clearMemo, defaultSession: memo.defaultSession }];
if (args.base !== undefined) {
  const root = new URL(`file://${args.base.replace(/\/$/, '')}/`);
  const a = await import(new URL('src/verifier/analyze.ts', root).href), m = await import(new URL('src/verifier/memo.ts', root).href);
  trees.push({ verify: a.verify, clearMemo: m.clearMemo, defaultSession: m.defaultSession });
}

const names = positionals.flatMap((n) => (n === 'corpus' ? readdirSync(new URL('../corpus/', import.meta.url)).filter((f) => f.endsWith('.o')).sort().map((f) => f.slice(0, -2)) : [n]));
const progs = names.map((n) => ({ name: n, ...find(n) }));
const avail = args.kernel ? kernelAvailable() : undefined;
if (avail && !avail.ok) console.log(`kernel not run: ${avail.reason}`);
const kernel = avail?.ok === true;
/** The kernel load's CPU time per program (loads batched like the checks: one load is near the clock's resolution). */
const loadBest = progs.map(() => Infinity);
for (const t of trees) for (const { flavor } of progs) t.defaultSession(flavor).tier = 'compiled';
/** Checks per timed batch: about 20k processed instructions. */
const batchOf = (processed: number): number => Number(args.batch ?? Math.max(1, Math.round(20_000 / processed)));
const sized = progs.map((x) => ({ ...x, batch: batchOf(analyze.verify(x.p, { flavor: x.flavor }).processed) }));
const best = trees.map(() => sized.map(() => Infinity));
const rounds = Number(args.rounds);
for (let r = 0; r < rounds + 3; r++) {
  sized.forEach(({ p, flavor, batch }, k) => {
    // alternate which tree goes first (the second inherits the first's garbage)
    (r % 2 ? [...trees].reverse() : trees).forEach((t) => {
      const j = trees.indexOf(t);
      const u = process.cpuUsage();
      for (let i = 0; i < batch; i++) {
        t.clearMemo();
        t.verify(p, { flavor });
      }
      const d = process.cpuUsage(u);
      if (r >= 3) best[j][k] = Math.min(best[j][k], (d.user + d.system) / 1000 / batch);
    });
    if (kernel) {
      const u = process.cpuUsage();
      for (let i = 0; i < batch; i++) loadProgram(p, { info: false }).close();
      const d = process.cpuUsage(u);
      if (r >= 3) loadBest[k] = Math.min(loadBest[k], (d.user + d.system) / 1000 / batch);
    }
  });
}
sized.forEach(({ name, batch }, k) => {
  const base = trees.length > 1 ? `; base ${best[1][k].toFixed(3)} ms, this / base ${(best[0][k] / best[1][k]).toFixed(3)}` : '';
  const load = kernel ? `; kernel load ${loadBest[k].toFixed(3)} ms, load / check ${(loadBest[k] / best[0][k]).toFixed(2)}` : '';
  console.log(`${name}: ${best[0][k].toFixed(3)} ms CPU per cold check${base}${load} (min of ${rounds} batches of ${batch})`);
});
