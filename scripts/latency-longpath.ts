// What a table run's outputs changed on the long path, beside what its bench could resolve. For
// each row of DIR/results.json whose output differs from its original: instructions executed per
// long-path input (the timed inputs: the optimizer's seed-1 tests that follow the original's long
// path) before and after, in the interpreter; the executed-cost model's change in ns (× the
// calibration's ns per ALU instruction); and the row's 95% interval as ns either side of the
// original's time (half its width × ns/run before), the smallest change that bench could call.
// Usage: tsx scripts/latency-longpath.ts [--dir corpus/latency] [--objective latency] [NAME…]
import { existsSync, readFileSync } from 'node:fs';
import { readObject } from '../src/isa/object.ts';
import { toOps } from '../src/isa/op.ts';
import { prepare } from '../src/interp/index.ts';
import type { Program } from '../src/isa/program.ts';
import { rng } from '../src/search/chain.ts';
import { makeTests, type TestGroup } from '../src/search/tests.ts';
import { longPathTests } from '../src/search/bench-inputs.ts';
import { execProfile } from '../src/search/exec-profile.ts';
import { executedCost, jumpTargets } from '../src/search/exec-cost.ts';
import { loadCostModel } from '../src/search/calibration.ts';

const args = process.argv.slice(2);
const di = args.indexOf('--dir');
const DIR = di >= 0 ? args[di + 1] : 'corpus/latency';
const oi = args.indexOf('--objective');
const objective = oi >= 0 ? args[oi + 1] : 'latency';
const only = args.filter((a, i) => !a.startsWith('--') && !['--dir', '--objective'].includes(args[i - 1]));
const model = loadCostModel();
const unitNs: number = model.unitNs ?? 0.25;
const link = (f: string): Program => readObject(new Uint8Array(readFileSync(f))).link();
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
const executed = (p: Program, tests: readonly TestGroup[]) => {
  const prof = execProfile(p, tests);
  return { perInput: mean(prof.perInput.flat()), cost: executedCost(toOps(p.insns), { weights: prof.perSlot, targets: jumpTargets(toOps(p.insns)) }, model.table) };
};

const results = `${DIR}/results.json`;
if (!existsSync(results)) {
  console.error(`latency-longpath: no ${results}`);
  process.exit(1);
}
const rec = JSON.parse(readFileSync(results, 'utf8')) as { rows: { program: string; objective: string; nsBefore: number; low: number; high: number; ratio: number; verdict: string }[] };
console.log('| program | insns | executed per long-path input | executed model Δ (ns) | measured Δ (ns) | 95% interval half-width (ns) | verdict |');
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const r of rec.rows) {
  if (r.objective !== objective || (only.length && !only.includes(r.program))) continue;
  const out = `${DIR}/${r.program}.${r.objective}.o`;
  if (!existsSync(out)) continue;
  const a = link(`corpus/${r.program}.o`);
  const b = link(out);
  const tests = longPathTests(a, makeTests(prepare(a), a, rng(1)));
  const ea = executed(a, tests);
  const eb = executed(b, tests);
  const half = ((r.high - r.low) / 2) * r.nsBefore;
  console.log(`| ${r.program} | ${a.insns.length} → ${b.insns.length} | ${ea.perInput.toFixed(1)} → ${eb.perInput.toFixed(1)} | ${((eb.cost - ea.cost) * unitNs).toFixed(2)} | ${((r.ratio - 1) * r.nsBefore).toFixed(2)} | ±${half.toFixed(2)} | ${r.verdict} |`);
}
console.log(`\nunit ${unitNs} ns per ALU instruction (${model.source}); inputs: the optimizer's seed-1 tests on the original's long path`);
