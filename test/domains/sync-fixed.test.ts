// The compiled sync's shortcut (src/domains/sync-fixed.ts, used by NativeParts.syncImpl): states
// whose bounds are their tnum's own are accepted and are fixed points of the bigint sync; a state
// with any one bound moved is rejected; the compiled sync, shortcut or not, equals the bigint one.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { concrete64x32 } from '../../src/bv/concrete.ts';
import { CompiledOps } from '../../src/domains/compiled.ts';
import { FLAVORS, type ScalarState } from '../../src/domains/scalar.ts';
import { regBoundsSync } from '../../src/domains/sync.ts';
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

t.run();
