// How an optimizer chain's verifier-model checks split: one chain (src/search/chain.ts) per
// corpus program with a fixed seed and iteration count, its `Incremental.check` calls wrapped to
// count and time them by kind: same length resumed from a snapshot, same length run from the
// start, other length resumed (renumbered), other length checked in full (and why, where the
// tree's Incremental records it). `--root DIR` imports another tree's sources (a `git archive`
// of an older commit), so both trees are measured by one script.
// Usage: node --import tsx bench/chain-model-split.ts [--root DIR] [--iterations N] [--seed S] [name ...]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const root = resolve(opt('--root', new URL('..', import.meta.url).pathname));
const iterations = Number(opt('--iterations', '3000'));
const seed = Number(opt('--seed', '1'));
const names = args.length ? args : ['xdp1', 'xdp_parse_drop', 'core_task', 'xdp_balancer', 'xdp_scale_mix500'];

const src = (p: string): string => pathToFileURL(`${root}/src/${p}`).href;
const { readObject } = await import(src('isa/object.ts'));
const { runChain } = await import(src('search/chain.ts'));
const { Incremental } = await import(src('verifier/incremental.ts'));

interface Kind { n: number; ms: number; skipped: number }
type Split = Map<string, Kind>;

/** Wrap Incremental.prototype.check: each call counted and timed under the kind it turned out to be. */
function instrument(split: Split): void {
  const check = Incremental.prototype.check;
  Incremental.prototype.check = function (this: any, prog: any, ...rest: unknown[]) {
    const s = this.stats, resumed = s.resumed, shifted = s.shifted ?? 0, skipped = (s.skippedInsns ?? 0) + (s.shiftedInsns ?? 0);
    const reasons = s.full ? { ...s.full } : undefined;
    const t = performance.now();
    const v = check.call(this, prog, ...rest);
    const ms = performance.now() - t;
    const other = prog.insns.length !== this.base.insns.length;
    let kind: string;
    if ((s.shifted ?? 0) > shifted) kind = 'other length, resumed';
    else if (s.resumed > resumed) kind = 'same length, resumed';
    else {
      let why = '';
      if (reasons) for (const [k, x] of Object.entries(s.full as Record<string, number>)) if (x !== (reasons[k] ?? 0)) why = k;
      kind = `${other ? 'other length' : 'same length'}, full${why ? ` (${why})` : ''}`;
    }
    const k = split.get(kind) ?? { n: 0, ms: 0, skipped: 0 };
    k.n++;
    k.ms += ms;
    k.skipped += (s.skippedInsns ?? 0) + (s.shiftedInsns ?? 0) - skipped;
    split.set(kind, k);
    return v;
  };
}

const split: Split = new Map();
instrument(split);
console.log(`root ${root}, ${iterations} iterations, seed ${seed}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ${new Date().toISOString()}`);
console.log('| program | proposals | checks | kind | count | model ms | µs per check | instructions skipped, mean |');
console.log('|---|---:|---:|---|---:|---:|---:|---:|');
for (const name of names) {
  const p = readObject(readFileSync(`${root}/corpus/${name}.o`)).link();
  split.clear();
  const t = performance.now();
  const r = await runChain(p, { budgetMs: 600_000, maxIterations: iterations, seed, objective: 'size' });
  const wall = performance.now() - t;
  let checks = 0, model = 0;
  for (const k of split.values()) checks += k.n, model += k.ms;
  const rows = [...split.entries()].sort((a, b) => b[1].ms - a[1].ms);
  for (const [kind, k] of rows) console.log(`| ${name} | ${r.stats.iterations} | ${checks} | ${kind} | ${k.n} | ${k.ms.toFixed(1)} | ${(1000 * k.ms / k.n).toFixed(0)} | ${(k.skipped / k.n).toFixed(1)} |`);
  console.log(`| ${name} | ${r.stats.iterations} | ${checks} | **all** (chain ${wall.toFixed(0)} ms, ${(r.stats.iterations / wall * 1000).toFixed(0)} it/s) | ${checks} | ${model.toFixed(1)} | ${checks ? (1000 * model / checks).toFixed(0) : '-'} | |`);
}
