import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { scalarUnknown, scalarConstOf, scalarContains, scalarWellFormed, scalarSane, scalarFrom, markKnown32, iteState, selState, formatScalar, sel, LINUX_6_18, LINUX_6_12 } from '../../src/domains/scalar.ts';
import { d, arbTracked } from './arb-scalar.ts';
import { arbBits } from './arb.ts';

const t = suite('domains/scalar');

t('unknown contains everything and is well formed', () => {
  const u = scalarUnknown(d);
  assert.ok(scalarWellFormed(d, u));
  fc.assert(fc.property(arbBits(64), (x) => scalarContains(d, u, x)));
});

t('a constant contains exactly itself', () => {
  fc.assert(fc.property(arbBits(64), arbBits(64), (x, y) => {
    const c = scalarConstOf(d, x);
    assert.ok(scalarWellFormed(d, c));
    assert.is(scalarContains(d, c, y), x === y);
  }));
});

t('sanity check: crossed bounds or a constant tnum out of sync are rejected', () => {
  assert.is(scalarSane(d, scalarFrom(d, { umin: 5n, umax: 4n })), false);
  assert.is(scalarSane(d, scalarFrom(d, { varOff: { value: 3n, mask: 0n } })), false);
  assert.is(scalarSane(d, scalarFrom(d, { s32min: 1n, s32max: 0n })), false);
  // constant subregister must match the 32-bit bounds
  assert.is(scalarSane(d, scalarFrom(d, { varOff: { value: 5n, mask: 0xffff_ffff_0000_0000n } })), false);
  assert.is(scalarSane(d, markKnown32(d, scalarUnknown(d), 5n)), true);
});

t('reachable states are well formed and contain their member', () => {
  fc.assert(fc.property(arbTracked(), (a) => {
    assert.ok(scalarWellFormed(d, a.s), formatScalar(a.s));
    assert.ok(scalarContains(d, a.s, a.x));
  }), { numRuns: 300 });
});

t('iteState picks a side; flavors differ where documented', () => {
  const a = scalarConstOf(d, 1), b = scalarUnknown(d);
  assert.equal(iteState(d, true, a, b), a);
  assert.equal(iteState(d, false, a, b), b);
  assert.is(LINUX_6_18.addSubWrap && !LINUX_6_12.addSubWrap, true);
  assert.match(formatScalar(a), /var_off=\(0x1; 0x0\)/);
});

t('sel: a known condition evaluates only its arm; an unknown one evaluates both and merges', () => {
  // only knownB is consulted: a stand-in ring says what a concrete (true/false) or symbolic (undefined) backend knows
  const ring = (k: boolean | undefined) => ({ knownB: () => k }) as unknown as Parameters<typeof sel>[0];
  const run = (k: boolean | undefined) => {
    const ran: string[] = [];
    const out = sel(ring(k), 'c', () => (ran.push('a'), 'A'), () => (ran.push('b'), 'B'), (c, x, y) => `merge(${String(c)},${x},${y})`);
    return { out, ran: ran.join('') };
  };
  assert.equal(run(true), { out: 'A', ran: 'a' });
  assert.equal(run(false), { out: 'B', ran: 'b' });
  assert.equal(run(undefined), { out: 'merge(c,A,B)', ran: 'ab' });
});

t('selState on a backend that does not know the condition merges the states field-wise (iteState)', () => {
  const blind = { ...d, u64: Object.create(d.u64, { knownB: { value: () => undefined } }) } as typeof d;
  const a = scalarConstOf(d, 5n), b = scalarUnknown(d);
  assert.equal(selState(blind, true, () => a, () => b), a);
  assert.equal(selState(blind, false, () => a, () => b), b);
});

t.run();
