// mul's bounds at 32 and 64 bits in the exact integer model (proofs/scalar-mul.ts, SCALAR.md): the
// lemmas and the four main queries, and deliberately broken variants of scalar_min_max_mul that
// must get a counterexample which fails again when replayed with the concrete backend.
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bits } from '../../src/bv/bits.ts';
import { umulOvf, smulOvf, type Bounds } from '../../src/domains/alu-arith.ts';
import { smaxOf, sminOf, sMax, sMin } from '../../src/domains/scalar.ts';
import { budgetKey, loadRlimits } from '../../proofs/budget.ts';
import { proveInt, type IntProperty } from '../../proofs/int-runner.ts';
import { formatCounterexample, formatResult } from '../../proofs/runner.ts';
import { proveScalar } from '../../proofs/scalar.ts';
import { mulBoundsAreMulBounds, mulIntProperties, mulBoundsInt } from '../../proofs/scalar-mul.ts';

const t = suite('proofs/scalar-mul');

// The integer-model (nonlinear) queries each in a process of its own (`prove --isolate`). With
// fresh contexts of one Z3 instance their work depended on the queries before them (the 32-bit
// wrap lemma: 9 690 units alone, over 2e6 after the 64-bit ones); every proof now has an instance
// of its own (test/proofs/determinism), so this mainly exercises --isolate.
t('proves the integer-model lemmas and bounds at 64 and 32 bits, each in its own process', () => {
  const names = [...new Set(mulIntProperties().map(([p]) => p.name))];
  const r = spawnSync(process.execPath, ['bin/bpfsynth.js', 'prove', ...names, '--isolate', '--json'], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; width: number; result: string; rlimit: number });
  assert.is(lines.length, mulIntProperties().length, r.stderr);
  for (const x of lines) assert.is(x.result, 'proved', `${x.width}-bit ${x.name}: ${x.result} after ${x.rlimit} units`);
  assert.is(r.status, 0, r.stderr);
  // Each count is within the limit recorded in proofs/rlimits.json (the rlimit bounds the run, so
  // this holds by construction) and printed beside the recorded use. Not asserted equal: the count is
  // the same run after run on one machine (alone, beside a second copy, under other environment
  // variables, pinned to one CPU), but the project's CI machine counted 18 583 units where ours count
  // 18 578 for the 64-bit unsigned claim. What differs there is not known; equality across machines
  // is not something Z3 promises, the limit is what bounds the run.
  const recorded = loadRlimits().properties;
  for (const x of lines) {
    const rec = recorded[budgetKey(x.name, x.width)];
    assert.ok(rec, `${x.width}-bit ${x.name}: no limit recorded in proofs/rlimits.json`);
    assert.ok(x.rlimit <= rec.limit, `${x.width}-bit ${x.name}: ${x.rlimit} units over its limit ${rec.limit}`);
    console.log(`    ${x.width}-bit ${x.name}: ${x.rlimit} units (recorded ${rec.used}, limit ${rec.limit})`);
  }
});

t('proves the glue: raw mul bounds are mulBounds on each half', async () => {
  const r = await proveScalar(mulBoundsAreMulBounds());
  assert.is(r.result, 'proved', formatResult(r));
});

/** Signed bounds from two corners only (smin·smin, smax·smax), with their overflow checks. */
function twoCorners<V, B>(r: Bits<V, B>, a: Bounds<V>, b: Bounds<V>): Bounds<V> {
  const p0 = r.mul(a.smin, b.smin), p3 = r.mul(a.smax, b.smax);
  const ovf = r.orB(smulOvf(r, a.smin, b.smin), smulOvf(r, a.smax, b.smax));
  return { ...a, smin: r.ite(ovf, sMin(r), sminOf(r, p0, p3)), smax: r.ite(ovf, sMax(r), smaxOf(r, p0, p3)) };
}

/** Unsigned bounds [umin·umin, umax·umax] without the overflow check. */
const noUnsignedCheck = <V, B>(r: Bits<V, B>, a: Bounds<V>, b: Bounds<V>): Bounds<V> => ({ ...a, umin: r.mul(a.umin, b.umin), umax: r.mul(a.umax, b.umax) });

/** The four corners with their wrapped products but no signed overflow check. */
function noSignedCheck<V, B>(r: Bits<V, B>, a: Bounds<V>, b: Bounds<V>): Bounds<V> {
  const p = [r.mul(a.smin, b.smin), r.mul(a.smin, b.smax), r.mul(a.smax, b.smin), r.mul(a.smax, b.smax)];
  return { ...a, smin: sminOf(r, sminOf(r, p[0], p[1]), sminOf(r, p[2], p[3])), smax: smaxOf(r, smaxOf(r, p[0], p[1]), smaxOf(r, p[2], p[3])) };
}

/** Unsigned bounds checking only umin·umin for overflow. */
const onlyUminCheck = <V, B>(r: Bits<V, B>, a: Bounds<V>, b: Bounds<V>): Bounds<V> => {
  const ovf = umulOvf(r, a.umin, b.umin);
  return { ...a, umin: r.ite(ovf, r.zero, r.mul(a.umin, b.umin)), umax: r.ite(ovf, r.ones, r.mul(a.umax, b.umax)) };
};

const broken: [IntProperty, number][] = [
  [mulBoundsInt('signed', 64, twoCorners, 'mul bounds from two corners'), 64],
  [mulBoundsInt('signed', 32, noSignedCheck, 'mul bounds without the signed overflow check'), 32],
  [mulBoundsInt('unsigned', 64, noUnsignedCheck, 'mul bounds without the unsigned overflow check'), 64],
  [mulBoundsInt('unsigned', 32, onlyUminCheck, 'mul bounds checking only umin·umin'), 32],
];
for (const [p, w] of broken) {
  t(`finds a real counterexample: ${p.name} (${w} bits)`, async () => {
    const r = await proveInt(p, w);
    assert.is(r.result, 'counterexample', formatResult(r));
    assert.is(r.replayed, false, `replay did not fail: ${formatCounterexample(r.counterexample!)}`);
    console.log(`    ${formatResult(r)}`);
  });
}

t.run();
