// What the compiled reg_bounds_sync costs on the inputs a real check gives it: one cold check of
// each program (compiled tier, results cache cleared) records every input of the native sync
// (the syncs of results-cache misses), then this tree's sync and each --base tree's are timed on
// those inputs, alternating, 12 rounds of 400 passes, CPU time (process.cpuUsage) per sync, the
// minimum over the last 10 rounds. Every tree's outputs are compared word by word first.
// Programs as in scripts/verifier-cpu.ts (corpus names or realworld object/program).
//
//   node --import tsx scripts/sync-replay-cost.ts [--base DIR]... xdp_csum_loop ksnoop.bpf.o/kprobe_return
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NativeParts } from '../src/domains/compiled.ts';
import { relocateForTarget } from '../src/isa/core.ts';
import { readObject } from '../src/isa/object.ts';
import type { Program } from '../src/isa/program.ts';
import { runningKernelExterns } from '../src/kernel/externs.ts';
import { runningKernelFlavor } from '../src/kernel/flavor.ts';
import { LINUX_6_18, type KernelFlavor } from '../src/domains/scalar.ts';
import * as analyze from '../src/verifier/analyze.ts';
import * as memo from '../src/verifier/memo.ts';

const { values: args, positionals } = parseArgs({ allowPositionals: true, options: { base: { type: 'string', multiple: true, default: [] } } });

function find(name: string): { p: Program; flavor: KernelFlavor } {
  if (!name.includes('/')) return { p: readObject(readFileSync(new URL(`../corpus/${name}.o`, import.meta.url))).link(), flavor: LINUX_6_18 };
  const [file, prog] = name.split('/');
  const root = new URL('../corpus/realworld/objects/', import.meta.url);
  const dir = readdirSync(root).find((d) => readdirSync(new URL(`${d}/`, root)).includes(file));
  if (dir === undefined) throw new Error(`sync-replay-cost: no real-world object ${file}`);
  const obj = readObject(new Uint8Array(readFileSync(new URL(`${dir}/${file}`, root))), { externs: runningKernelExterns });
  return { p: relocateForTarget(obj, obj.link(prog)), flavor: runningKernelFlavor() };
}

type Parts = { syncImpl(fl: KernelFlavor): (inp: Int32Array, out: Int32Array) => void };
const trees: { name: string; Parts: new () => Parts }[] = [{ name: 'this', Parts: NativeParts }];
for (const dir of args.base ?? []) {
  const m = await import(new URL(`file://${dir.replace(/\/$/, '')}/src/domains/compiled.ts`).href);
  trees.push({ name: dir, Parts: m.NativeParts });
}

// record: wrap this tree's native sync while one cold check runs
const recorded: Int32Array[] = [];
const syncImpl = NativeParts.prototype.syncImpl;
NativeParts.prototype.syncImpl = function (this: NativeParts, fl: KernelFlavor) {
  const f = syncImpl.call(this, fl);
  return (inp: Int32Array, out: Int32Array) => {
    recorded.push(inp.slice(0, 20));
    f(inp, out);
  };
};

for (const name of positionals) {
  const { p, flavor } = find(name);
  recorded.length = 0;
  memo.defaultSession(flavor).tier = 'compiled';
  memo.clearMemo();
  analyze.verify(p, { flavor });
  const ins = [...recorded];
  // each tree's own syncImpl (this tree's unwrapped) on a NativeParts of its own
  const impls = trees.map((t, k) => (k === 0 ? syncImpl.call(new NativeParts(), flavor) : new t.Parts().syncImpl(flavor)));
  // every tree's output on every input, word by word
  const out = new Int32Array(42), first = new Int32Array(42);
  let agree = true;
  for (const x of ins) {
    impls.forEach((f, k) => {
      f(x, k === 0 ? first : out);
      if (k > 0) for (let j = 0; j < 20; j++) if (out[j] !== first[j]) agree = false;
    });
  }
  const best = trees.map(() => Infinity);
  for (let round = 0; round < 12; round++) {
    impls.forEach((f, k) => {
      const u = process.cpuUsage();
      for (let rep = 0; rep < 400; rep++) for (const x of ins) f(x, out);
      const d = process.cpuUsage(u);
      if (round >= 2) best[k] = Math.min(best[k], ((d.user + d.system) * 1000) / (400 * Math.max(1, ins.length)));
    });
  }
  console.log(`${name}: ${ins.length} syncs per check; ns CPU per sync ${trees.map((t, k) => `${t.name} ${best[k].toFixed(0)}`).join(', ')}; outputs ${agree ? 'agree' : 'DIFFER'}`);
  if (!agree) process.exitCode = 1;
}
