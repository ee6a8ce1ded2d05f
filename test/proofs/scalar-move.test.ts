// The width-change proofs (proofs/scalar-move.ts): their concrete semantics agree with the
// reference evaluator, every property proves, and deliberately broken variants of
// coerce_reg_to_size_sx get a Z3 counterexample that fails again when replayed concretely —
// before sync, and also through the real reg_bounds_sync.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { concrete64x32 as cd } from '../../src/bv/concrete.ts';
import { sxFromSubreg, sxOlderRule, type SyncFn } from '../../src/domains/alu-move.ts';
import { LINUX_6_18, iteState, isConst64, scalarConst, scalarContains, type ScalarState } from '../../src/domains/scalar.ts';
import { regBoundsSync } from '../../src/domains/sync.ts';
import { tnumRange, tnumUnknown } from '../../src/domains/tnum.ts';
import { formatCounterexample, formatResult } from '../../proofs/runner.ts';
import { proveScalar, stateOf, type D } from '../../proofs/scalar.ts';
import { endC, moveProperties, moveSound, movsx32C, sextC, truncC, type MoveOp } from '../../proofs/scalar-move.ts';
import { endRef, movsxRef } from '../domains/scalar-ref.ts';

const t = suite('proofs/scalar-move');

// ---------------------------------------------------------------------------------------------
// The proofs' concrete semantics against test/oracle/reference.ts

/** Edge values around every width, and pseudo-random ones (a fixed 64-bit LCG). */
function samples(): bigint[] {
  const out: bigint[] = [];
  for (const w of [8, 16, 32, 64]) {
    const top = 1n << BigInt(w);
    for (const v of [0n, 1n, top / 2n - 1n, top / 2n, top / 2n + 1n, top - 1n, top - 2n]) out.push(v, BigInt.asUintN(64, v | (0xdead_beefn << 32n)));
  }
  let x = 0x0123_4567_89ab_cdefn;
  for (let i = 0; i < 2000; i++) {
    x = BigInt.asUintN(64, x * 6364136223846793005n + 1442695040888963407n);
    out.push(x);
  }
  return out;
}

t('truncation, sign extension and byte swaps agree with the reference evaluator', () => {
  for (const x of samples()) {
    for (const bits of [8, 16, 32]) assert.is(truncC(cd, x, bits), BigInt.asUintN(bits, x), `trunc${bits} ${x}`);
    for (const ext of [8, 16, 32] as const) assert.is(sextC(cd, x, ext), movsxRef(64, ext, x), `(s${ext}) r ${x}`);
    for (const ext of [8, 16] as const) assert.is(movsx32C(cd, x, ext), movsxRef(32, ext, x), `(s${ext}) w ${x}`);
    for (const bits of [16, 32, 64] as const) {
      for (const order of ['le', 'be', 'swap'] as const) assert.is(endC(cd, order, bits, x), endRef(order, bits, x), `${order}${bits} ${x}`);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// The catalogue's properties (all fast)

for (const p of moveProperties()) {
  t(`proves ${p.name}`, async () => {
    const r = await proveScalar(p);
    assert.is(r.result, 'proved', formatResult(r));
  });
}

// ---------------------------------------------------------------------------------------------
// Broken variants

/** 6.18.y coerce_reg_to_size_sx with the "fits" check one too loose: s32max ≤ 2^(bits-1). */
function sxFitsOffByOne<V, B>(d: D<V, B>, s: ScalarState<V>, bits: 8 | 16 | 32, sync: SyncFn): ScalarState<V> {
  const h = d.u32, half = 1n << BigInt(bits - 1);
  const fits = h.andB(h.sge(s.s32min, h.c(-half)), h.sle(s.s32max, h.c(half)));
  const konst = scalarConst(d, sextC(d, s.varOff.value, bits));
  return iteState(d, isConst64(d, s), konst, iteState(d, fits, sync(d, sxFromSubreg(d, s), LINUX_6_18), sxOlderRule(d, s, bits)));
}

/** The older coerce_reg_to_size_sx rule without the check that the sign-extended smin and smax have one sign. */
function sxOlderNoSameSign<V, B>(d: D<V, B>, s: ScalarState<V>, bits: 8 | 16 | 32): ScalarState<V> {
  const q = d.u64, h = d.u32;
  const topEq = q.eq(q.lshrN(s.smax, bits), q.lshrN(s.smin, bits));
  const a = sextC(d, s.smax, bits), b = sextC(d, s.smin, bits);
  const hi = q.ite(q.sgt(a, b), a, b), lo = q.ite(q.slt(a, b), a, b);
  const ranged: ScalarState<V> = {
    varOff: tnumRange(q, lo, hi), smin: lo, smax: hi, umin: lo, umax: hi,
    s32min: d.lo32(lo), s32max: d.lo32(hi), u32min: d.lo32(lo), u32max: d.lo32(hi),
  };
  const half = 1n << BigInt(bits - 1);
  const def: ScalarState<V> = {
    varOff: tnumUnknown(q), smin: q.c(-half), smax: q.c(half - 1n), s32min: h.c(-half), s32max: h.c(half - 1n),
    umin: q.zero, umax: q.ones, u32min: h.zero, u32max: h.ones,
  };
  return iteState(d, isConst64(d, s), scalarConst(d, sextC(d, s.varOff.value, bits)), iteState(d, topEq, ranged, def));
}

const broken: MoveOp[] = [
  { name: 'coerce_reg_to_size_sx s8 (6.18) with the fits check off by one', syncs: true, op: (d, s, sync) => sxFitsOffByOne(d, s, 8, sync), concrete: (d, x) => sextC(d, x, 8) },
  { name: 'coerce_reg_to_size_sx s16 (6.18) with the fits check off by one', syncs: true, op: (d, s, sync) => sxFitsOffByOne(d, s, 16, sync), concrete: (d, x) => sextC(d, x, 16) },
  { name: 'coerce_reg_to_size_sx s8 (6.18-sx64) without the sameSign check', syncs: false, op: (d, s) => sxOlderNoSameSign(d, s, 8), concrete: (d, x) => sextC(d, x, 8) },
  { name: 'coerce_reg_to_size_sx s32 (6.18-sx64) without the sameSign check', syncs: false, op: (d, s) => sxOlderNoSameSign(d, s, 32), concrete: (d, x) => sextC(d, x, 32) },
];

const realSync: SyncFn = (d, s, fl) => regBoundsSync(d, s, fl);

for (const m of broken) {
  t(`finds a real counterexample: ${m.name}`, async () => {
    const r = await proveScalar(moveSound(m));
    assert.is(r.result, 'counterexample', formatResult(r));
    assert.is(r.replayed, false, `replay did not fail: ${formatCounterexample(r.counterexample!)}`);
    // the same inputs break the operator with the real reg_bounds_sync too
    const cex = r.counterexample!;
    const s = stateOf<bigint>((n) => cex[n] ?? 0n, 's'), x = cex['x'] ?? 0n;
    assert.ok(scalarContains(cd, s, x), 'x is a member of the input');
    assert.not.ok(scalarContains(cd, m.op(cd, s, realSync), m.concrete(cd, x)), `synced result keeps ${x}: ${formatCounterexample(cex)}`);
    console.log(`    ${formatResult(r)}`);
  });
}

t.run();
