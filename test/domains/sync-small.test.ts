// The 32-bit merge of small states (src/domains/sync-small.ts) and the compiled sync that takes it
// (NativeParts.syncImpl): where `ok` holds it equals the three __reg_deduce_bounds rounds, so the
// sync with it equals the bigint reg_bounds_sync; a state with one word at or above 2^31, or
// whose ranges do not meet, is not merged; the compiled sync, called on states of each of its
// paths interleaved, returns each call's own result (no field left from the previous call or
// shared with another path's buffer).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { concrete64x32 } from '../../src/bv/concrete.ts';
import { CompiledOps } from '../../src/domains/compiled.ts';
import { FLAVORS, type ScalarState } from '../../src/domains/scalar.ts';
import { regBoundsSync, regDeduceBounds, updateRegBounds } from '../../src/domains/sync.ts';
import { isSmall, mergeSmall, updateSmall } from '../../src/domains/sync-small.ts';
import { boundsFromTnum } from '../../src/domains/sync-fixed.ts';
import { arbBits } from './arb.ts';

const t = suite('domains/sync-small');
const d = concrete64x32;
const TOP = 1n << 31n;

/** Small values: near 0 mostly, near 2^31 sometimes. */
const arbWord = fc.oneof({ arbitrary: fc.bigInt(0n, 40n), weight: 6 }, { arbitrary: fc.bigInt(0n, 0xffffn), weight: 2 }, { arbitrary: fc.bigInt(TOP - 300n, TOP - 1n), weight: 1 });

/**
 * A small state whose ranges mostly meet: each bound a few steps outside a common [L, H], the
 * tnum mostly holding a member x of it (value x & ~mask), sometimes any.
 */
const arbSmall: fc.Arbitrary<ScalarState<bigint>> = fc.record({
  lo: fc.bigInt(0n, 200n), width: fc.bigInt(0n, 200n), high: fc.boolean(), at: fc.bigInt(0n, 200n), m: arbWord, any: fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: arbWord, weight: 1 }),
  slack: fc.array(fc.bigInt(0n, 6n), { minLength: 8, maxLength: 8 }),
}).map(({ lo, width, high, at, m, any, slack }) => {
  const L = (high ? TOP - 500n : 0n) + lo, H = L + width;
  const x = any ?? L + (width === 0n ? 0n : at % (width + 1n));
  const below = (k: number): bigint => (L >= slack[k] ? L - slack[k] : 0n), above = (k: number): bigint => (H + slack[k] < TOP ? H + slack[k] : TOP - 1n);
  return {
    varOff: { value: x & ~m & (TOP - 1n), mask: m },
    umin: below(0), umax: above(1), smin: below(2), smax: above(3), u32min: below(4), u32max: above(5), s32min: below(6), s32max: above(7),
  };
});

/** A small state whose bounds are its tnum's own (a fixed point the compiled sync copies). */
const arbFixed: fc.Arbitrary<ScalarState<bigint>> = fc.tuple(arbWord, arbWord).map(([v, m]) => {
  const value = v & ~m;
  return { varOff: { value, mask: m }, umin: value, umax: value | m, smin: value, smax: value | m, u32min: value, u32max: value | m, s32min: value, s32max: value | m };
});

const FIELDS = ['umin', 'umax', 'smin', 'smax', 'u32min', 'u32max', 's32min', 's32max'] as const;

t('where ok holds, the merge equals the three deduce rounds (it holds for most of these states, and after the first update)', () => {
  let taken = 0, runs = 0;
  fc.assert(fc.property(arbSmall, (s) => {
    for (const x of [s, ...FLAVORS.map((fl) => updateRegBounds(d, s, fl))]) {
      runs++;
      const r = mergeSmall(d, x);
      if (!r.ok) continue;
      taken++;
      assert.equal(r.s, regDeduceBounds(d, regDeduceBounds(d, regDeduceBounds(d, x))));
    }
  }), { numRuns: 1000 });
  assert.ok(taken > runs / 2, `taken ${taken} of ${runs}`);
});

t('one word at or above 2^31, or ranges that do not meet: not merged', () => {
  fc.assert(fc.property(arbSmall, fc.constantFrom(...FIELDS, 'value' as const, 'mask' as const), arbBits(64), (s, f, x) => {
    const big = TOP | x;
    const moved: ScalarState<bigint> = f === 'value' || f === 'mask'
      ? { ...s, varOff: { ...s.varOff, [f]: f.includes('32') ? big & 0xffff_ffffn : big } }
      : { ...s, [f]: f.includes('32') ? big & 0xffff_ffffn : big };
    assert.not.ok(mergeSmall(d, moved).ok, f);
  }), { numRuns: 300 });
  // u32 range above the u64 one
  const apart: ScalarState<bigint> = { varOff: { value: 0n, mask: 0xffn }, umin: 0n, umax: 10n, smin: 0n, smax: 10n, u32min: 20n, u32max: 30n, s32min: 0n, s32max: 30n };
  assert.not.ok(mergeSmall(d, apart).ok);
});

t('on small states the 32-bit update equals __update_reg_bounds, in every flavor (and after a merge)', () => {
  fc.assert(fc.property(arbSmall, (s) => {
    for (const fl of FLAVORS) {
      assert.equal(updateSmall(d, s, fl), updateRegBounds(d, s, fl), fl.name);
      const m = mergeSmall(d, updateRegBounds(d, s, fl));
      if (m.ok) assert.equal(updateSmall(d, m.s, fl), updateRegBounds(d, m.s, fl), `${fl.name} merged`);
    }
  }), { numRuns: 500 });
});

/** A small state with one 64-bit upper bound far above 2^31: not small, but small after the first update (the merge may then apply). */
const arbWide: fc.Arbitrary<ScalarState<bigint>> = fc.tuple(arbSmall, fc.constantFrom('umax', 'smax'), fc.bigInt(1n << 31n, (1n << 62n) - 1n))
  .map(([s, f, big]) => ({ ...s, [f]: big }));

/** A small state but for one word in [2^31, 2^32): not small, though every high half is 0. */
const arbNearly: fc.Arbitrary<ScalarState<bigint>> = fc.tuple(arbSmall, fc.constantFrom(...FIELDS, 'value' as const, 'mask' as const), fc.bigInt(0n, (1n << 31n) - 1n))
  .map(([s, f, x]): ScalarState<bigint> => (f === 'value' || f === 'mask' ? { ...s, varOff: { ...s.varOff, [f]: TOP | x } } : { ...s, [f]: TOP | x }))
  .map((s) => ({ ...s, varOff: { value: s.varOff.value & ~s.varOff.mask, mask: s.varOff.mask } }));

t('compiled sync on small, wide, nearly small, fixed-point and other states interleaved: each call its own bigint result, every path taken', () => {
  const ops = FLAVORS.map((fl) => new CompiledOps(fl));
  const arb64 = arbBits(64), arb32 = arbBits(32);
  const arbAny = fc.record({ value: arb64, mask: arb64, umin: arb64, umax: arb64, smin: arb64, smax: arb64, u32min: arb32, u32max: arb32, s32min: arb32, s32max: arb32 })
    .map(({ value, mask, ...b }): ScalarState<bigint> => ({ varOff: { value: value & ~mask, mask }, ...b }));
  const paths = new Set<string>();
  fc.assert(fc.property(fc.array(fc.oneof(arbSmall, arbWide, arbNearly, arbFixed, arbAny), { minLength: 2, maxLength: 8 }), (states) => {
    FLAVORS.forEach((fl, i) => {
      ops[i].clearResults();
      for (const s of states) {
        // the driver's paths (compiled.ts NativeParts.syncImpl)
        const merged = mergeSmall(d, updateRegBounds(d, s, fl)).ok;
        paths.add(boundsFromTnum(d, s) ? 'fixed' : isSmall(d, s) ? (merged ? 'small merged' : 'small, then deduce') : merged ? 'merged' : 'deduce');
        assert.equal(ops[i].sync(s), regBoundsSync(d, s, fl), fl.name);
      }
    });
  }), { numRuns: 250 });
  assert.equal([...paths].sort(), ['deduce', 'fixed', 'merged', 'small merged', 'small, then deduce']);
});

t.run();
