// Bytes allocated per cold check of a few programs (compiled tier, results cache cleared), by V8's
// sampling heap profiler with the objects later collected by minor and major GCs included: what
// the garbage collector has to deal with, per check and by allocating function. Programs named as
// in verifier-cpu.ts. With --base DIR the checks are that tree's verifier (one tree per process:
// the profile's functions are told apart by file only).
//
//   node --import tsx scripts/verifier-alloc.ts [--checks 20] [--warm 5] [--top 12] [--base DIR] xdp_loop ksnoop.bpf.o/kprobe_entry
import { readFileSync, readdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { relocateForTarget } from '../src/isa/core.ts';
import { readObject } from '../src/isa/object.ts';
import type { Program } from '../src/isa/program.ts';
import { runningKernelExterns } from '../src/kernel/externs.ts';
import { runningKernelFlavor } from '../src/kernel/flavor.ts';
import { LINUX_6_18, type KernelFlavor } from '../src/domains/scalar.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { checks: { type: 'string', default: '20' }, warm: { type: 'string', default: '5' }, top: { type: 'string', default: '12' }, base: { type: 'string' } },
});

function fail(msg: string): never {
  console.error(`verifier-alloc: ${msg}`);
  process.exit(2);
}

function find(name: string): { p: Program; flavor: KernelFlavor } {
  if (!name.includes('/')) return { p: readObject(readFileSync(new URL(`../corpus/${name}.o`, import.meta.url))).link(), flavor: LINUX_6_18 };
  const [file, prog] = name.split('/');
  const root = new URL('../corpus/realworld/objects/', import.meta.url);
  const dir = readdirSync(root).find((d) => readdirSync(new URL(`${d}/`, root)).includes(file));
  if (dir === undefined) fail(`no real-world object ${file}`);
  const obj = readObject(new Uint8Array(readFileSync(new URL(`${dir}/${file}`, root))), { externs: runningKernelExterns });
  return { p: relocateForTarget(obj, obj.link(prog)), flavor: runningKernelFlavor() };
}

const root = args.base === undefined ? new URL('../', import.meta.url) : new URL(`file://${args.base.replace(/\/$/, '')}/`);
const analyze = await import(new URL('src/verifier/analyze.ts', root).href);
const memo = await import(new URL('src/verifier/memo.ts', root).href);
const checks = Number(args.checks), warm = Number(args.warm), top = Number(args.top);
if (!(checks > 0) || !(warm >= 0) || !(top >= 0)) fail('--checks, --warm and --top take counts');

interface Node { callFrame: { functionName: string; url: string }; selfSize: number; children: Node[] }

const session = new Session();
session.connect();
for (const name of positionals) {
  if (!existsProgram(name)) fail(`no program ${name}`);
  const { p, flavor } = find(name);
  memo.defaultSession(flavor).tier = 'compiled';
  const check = (): void => {
    memo.clearMemo();
    analyze.verify(p, { flavor });
  };
  for (let i = 0; i < warm; i++) check();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let i = 0; i < checks; i++) check();
  const { profile } = await session.post('HeapProfiler.stopSampling') as { profile: { head: Node } };
  const by = new Map<string, number>();
  let total = 0;
  const visit = (n: Node): void => {
    total += n.selfSize;
    if (n.selfSize) {
      const file = n.callFrame.url.replace(/^.*\/src\//, 'src/');
      // by function and file (tsx's transformed modules give no useful line)
      const key = `${n.callFrame.functionName || '(anonymous)'} ${file || '(builtin)'}`;
      by.set(key, (by.get(key) ?? 0) + n.selfSize);
    }
    n.children.forEach(visit);
  };
  visit(profile.head);
  console.log(`${name}: ${(total / checks / 1024).toFixed(0)} KiB per check (${checks} checks)`);
  for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${(v / checks / 1024).toFixed(1).padStart(8)} KiB  ${k}`);
}
session.disconnect();

function existsProgram(name: string): boolean {
  if (!name.includes('/')) return readdirSync(new URL('../corpus/', import.meta.url)).includes(`${name}.o`);
  return true;
}
