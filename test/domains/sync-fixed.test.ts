// The compiled sync's shortcuts (NativeParts.syncImpl): states whose bounds are their tnum's own
// (src/domains/sync-fixed.ts) are accepted and are fixed points of the bigint sync; a state with
// any one bound moved is rejected; the deduce rounds stop after one that changed nothing; the
// compiled sync, whichever way it went, equals the bigint one.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { concrete64x32 } from '../../src/bv/concrete.ts';
import { CompiledOps } from '../../src/domains/compiled.ts';
import { FLAVORS, scalarEq, type ScalarState } from '../../src/domains/scalar.ts';
import { regBoundsSync, regDeduceBounds, updateRegBounds } from '../../src/domains/sync.ts';
import { boundsFromTnum } from '../../src/domains/sync-fixed.ts';
import type { Tnum } from '../../src/domains/tnum.ts';
import { arbBits, arbTnum } from './arb.ts';
import { arbTracked } from './arb-scalar.ts';

const t = suite('domains/sync-fixed');
const d = concrete64x32;
const lo = (x: bigint): bigint => x & 0xffff_ffffn;

/** The state whose every bound is what the tnum implies. */
function fromTnum({ value: v, mask: m }: Tnum<bigint>): ScalarState<bigint> {
  return {
    varOff: { value: v, mask: m },
    umin: v, umax: v | m, smin: v | (m & (1n << 63n)), smax: v | (m & ((1n << 63n) - 1n)),
    u32min: lo(v), u32max: lo(v | m), s32min: lo(v) | (lo(m) & 0x8000_0000n), s32max: lo(v) | (lo(m) & 0x7fff_ffffn),
  };
}

const BOUNDS = ['umin', 'umax', 'smin', 'smax', 'u32min', 'u32max', 's32min', 's32max'] as const;

t('bounds from the tnum: accepted, a fixed point of the sync in every flavor, compiled = bigint', () => {
  const ops = FLAVORS.map((fl) => new CompiledOps(fl));
  fc.assert(fc.property(arbTnum(64), (tn) => {
    const s = fromTnum(tn);
    assert.ok(boundsFromTnum(d, s));
    FLAVORS.forEach((fl, i) => {
      assert.equal(regBoundsSync(d, s, fl), s, fl.name);
      assert.equal(ops[i].sync(s), s, `compiled ${fl.name}`);
    });
  }), { numRuns: 300 });
});

t('one bound moved, or value and mask overlapping: rejected, and the compiled sync still equals the bigint one', () => {
  const ops = FLAVORS.map((fl) => new CompiledOps(fl));
  fc.assert(fc.property(arbTnum(64), fc.constantFrom(...BOUNDS, 'value' as const), arbBits(64), (tn, field, x) => {
    const s = fromTnum(tn);
    const moved: ScalarState<bigint> = field === 'value'
      ? { ...s, varOff: { value: s.varOff.value | (x & s.varOff.mask), mask: s.varOff.mask } }
      : { ...s, [field]: field.includes('32') ? lo(x) : x };
    const same = field === 'value' ? (x & tn.mask) === 0n : moved[field] === s[field];
    assert.is(boundsFromTnum(d, moved), same, field);
    FLAVORS.forEach((fl, i) => assert.equal(ops[i].sync(moved), regBoundsSync(d, moved, fl), `${fl.name} ${field}`));
  }), { numRuns: 300 });
});

t('reachable states: the compiled sync equals the bigint one', () => {
  const ops = FLAVORS.map((fl) => new CompiledOps(fl));
  fc.assert(fc.property(arbTracked(), ({ s }) => {
    FLAVORS.forEach((fl, i) => assert.equal(ops[i].sync(s), regBoundsSync(d, s, fl), fl.name));
  }), { numRuns: 200 });
});

/** How many of the three deduce rounds change the state after the first update. */
function changingRounds(s: ScalarState<bigint>, fl: (typeof FLAVORS)[number]): number {
  let x = updateRegBounds(d, s, fl), n = 0;
  for (let k = 0; k < 3; k++) {
    const y = regDeduceBounds(d, x);
    if (scalarEq(d, x, y)) break;
    n++;
    x = y;
  }
  return n;
}

t('arbitrary states: the compiled sync equals the bigint one, whatever number of deduce rounds changes them', () => {
  const ops = FLAVORS.map((fl) => new CompiledOps(fl));
  const seen = new Set<number>();
  const arb64 = arbBits(64), arb32 = arbBits(32);
  const arbState = fc.record({ value: arb64, mask: arb64, umin: arb64, umax: arb64, smin: arb64, smax: arb64, u32min: arb32, u32max: arb32, s32min: arb32, s32max: arb32 })
    .map(({ value, mask, ...b }): ScalarState<bigint> => ({ varOff: { value: value & ~mask, mask }, ...b }));
  fc.assert(fc.property(arbState, (s) => {
    FLAVORS.forEach((fl, i) => {
      seen.add(changingRounds(s, fl));
      assert.equal(ops[i].sync(s), regBoundsSync(d, s, fl), fl.name);
    });
  }), { numRuns: 1000 });
  console.log(`    deduce rounds that changed the state: ${[...seen].sort().join(', ')}`);
  for (const n of [0, 1, 2]) assert.ok(seen.has(n), `no state whose deduce changed it in ${n} rounds`);
});

t.run();
