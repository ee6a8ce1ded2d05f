// Does the latency model predict? For each written output in corpus/latency/ that differs from
// its original: the change in estimated cost per run (static per-opcode sum; executed cost on
// the same inputs, exec-cost.ts) in ns (× the calibration's ns per ALU instruction) beside the
// change `kernel bench` measures (the programs' own time: each minus an empty program in the
// same rounds). Prints both Spearman rank correlations with the measurement.
// Usage: tsx scripts/latency-predict.ts [--rounds 20] [--objective O] [--with FILE.json]
// (--with: also rank the rows of an earlier run's JSON; the rows measured are written to
// corpus/latency/predict.json). --calibration FILE: the model of that calibration (default: the
// cache's). --from-table: no new timing; the measured change is each row's own time (minus an
// empty program) from the table run's benches in results.json, so the correlation is over the
// same run as the table.
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { readObject } from '../src/isa/object.ts';
import { toOps } from '../src/isa/op.ts';
import { prepare } from '../src/interp/index.ts';
import type { Program } from '../src/isa/program.ts';
import { benchPrograms } from '../src/kernel/bench.ts';
import { rng } from '../src/search/chain.ts';
import { makeTests, type TestGroup } from '../src/search/tests.ts';
import { benchGroupsOf, longPathTests } from '../src/search/bench-inputs.ts';
import { execProfile } from '../src/search/exec-profile.ts';
import { executedCost, jumpTargets } from '../src/search/exec-cost.ts';
import { loadCostModel } from '../src/search/calibration.ts';
import { latency } from '../src/search/cost.ts';
import { writeAtomic } from '../src/cli/io.ts';

const args = process.argv.slice(2);
const ri = args.indexOf('--rounds');
const rounds = ri >= 0 ? Number(args[ri + 1]) : 20;
const oi = args.indexOf('--objective');
const objective = oi >= 0 ? args[oi + 1] : undefined;
const wi = args.indexOf('--with');
const ci = args.indexOf('--calibration');
const model = loadCostModel(ci >= 0 ? args[ci + 1] : undefined);
const unitNs: number = model.unitNs ?? 0.25;
const fromTable = args.includes('--from-table');
const link = (f: string): Program => readObject(new Uint8Array(readFileSync(f))).link();

const staticCost = (p: Program) => toOps(p.insns).reduce((a, o) => a + (o ? latency(o, model.table) : 0), 0);
const execCost = (p: Program, tests: readonly TestGroup[]) => {
  const ops = toOps(p.insns);
  return executedCost(ops, { weights: execProfile(p, tests).perSlot, targets: jumpTargets(ops) }, model.table);
};

/** Spearman's rho (average ranks for ties). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  const rank = (v: readonly number[]) => {
    const idx = v.map((_, i) => i).sort((a, b) => v[a] - v[b]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < idx.length; ) {
      let j = i;
      while (j + 1 < idx.length && v[idx[j + 1]] === v[idx[i]]) j++;
      for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return r;
  };
  const rx = rank(x), ry = rank(y);
  const m = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = m(rx), my = m(ry);
  let num = 0, dx = 0, dy = 0;
  for (let i = 0; i < rx.length; i++) {
    num += (rx[i] - mx) * (ry[i] - my);
    dx += (rx[i] - mx) ** 2;
    dy += (ry[i] - my) ** 2;
  }
  return num / Math.sqrt(dx * dy);
}

const rows: { name: string; stat: number; exec: number; measured: number; low: number; high: number }[] = [];
const load0 = loadavg()[0];
const { rows: recorded } = JSON.parse(readFileSync('corpus/latency/results.json', 'utf8')) as { rows: { program: string; objective: string; netBefore: number; netAfter: number; low: number; high: number }[] };
for (const r of recorded) {
  if (objective && r.objective !== objective) continue;
  const out = `corpus/latency/${r.program}.${r.objective}.o`;
  if (!existsSync(out) || Buffer.compare(readFileSync(`corpus/${r.program}.o`), readFileSync(out)) === 0) continue;
  const a = link(`corpus/${r.program}.o`), b = link(out);
  const tests = longPathTests(a, makeTests(prepare(a), a, rng(1)));
  if (fromTable) {
    rows.push({ name: `${r.program} ${r.objective}`, stat: (staticCost(b) - staticCost(a)) * unitNs, exec: (execCost(b, tests) - execCost(a, tests)) * unitNs, measured: r.netAfter - r.netBefore, low: r.low, high: r.high });
    continue;
  }
  const m = benchPrograms([a, b], benchGroupsOf(tests), { rounds, harness: true });
  if (!m.ok) {
    console.error(`${out}: ${m.reason}`);
    continue;
  }
  const [A, B] = m.programs;
  const diffs = A.rounds.map((x, k) => B.rounds[k] - x).sort((p, q) => p - q);
  const row = {
    name: `${r.program} ${r.objective}`,
    stat: (staticCost(b) - staticCost(a)) * unitNs,
    exec: (execCost(b, tests) - execCost(a, tests)) * unitNs,
    measured: diffs[diffs.length >> 1],
    low: m.ratios[1]!.low, high: m.ratios[1]!.high,
  };
  rows.push(row);
  console.error(`${row.name}: static ${row.stat.toFixed(2)} ns, executed ${row.exec.toFixed(2)} ns, measured ${row.measured.toFixed(2)} ns`);
}
if (wi >= 0) rows.unshift(...JSON.parse(readFileSync(args[wi + 1], 'utf8')).rows);
if (!fromTable) writeAtomic('corpus/latency/predict.json', JSON.stringify({ rounds, unitNs, load: [load0, loadavg()[0]], date: new Date().toISOString(), rows }, null, 1) + '\n');
console.log('| output | static model Δ (ns) | executed model Δ (ns) | measured Δ (ns, median of rounds) |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.name} | ${r.stat.toFixed(2)} | ${r.exec.toFixed(2)} | ${r.measured.toFixed(2)} |`);
const meas = rows.map((r) => r.measured);
console.log(`\nSpearman rank correlation with the measured change over ${rows.length} outputs: static ${spearman(rows.map((r) => r.stat), meas).toFixed(2)}, executed ${spearman(rows.map((r) => r.exec), meas).toFixed(2)}`);
console.log(`unit ${unitNs} ns per ALU instruction (${model.source}); ${rounds} rounds; load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`);
