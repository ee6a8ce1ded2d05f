// __update_reg64_bounds per kernel flavor: 6.18.y collapses a register whose u64 range and tnum
// share exactly one value to that constant (tnum_step); 6.12 does not. The recorded traces are
// all 6.18, so only this test tells the flavors apart (kills Stryker mutant 224 of sync.ts: the
// collapse applied under every flavor).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LINUX_6_12, LINUX_6_18, scalarFrom } from '../../src/domains/scalar.ts';
import { updateReg64Bounds } from '../../src/domains/sync.ts';
import { d } from './arb-scalar.ts';

const t = suite('domains/sync-flavor');

// tnum {0, 2} and u64 range [1, 2]: the one shared value is 2
const s = scalarFrom(d, { varOff: { value: 0n, mask: 2n }, umin: 1n, umax: 2n });

t('6.18: the single shared value becomes the constant', () => {
  const r = updateReg64Bounds(d, s, LINUX_6_18);
  assert.equal([r.umin, r.umax, r.varOff.value, r.varOff.mask], [2n, 2n, 2n, 0n]);
});

t('6.12: no collapse, the range only tightens from the tnum', () => {
  const r = updateReg64Bounds(d, s, LINUX_6_12);
  assert.equal([r.umin, r.umax, r.varOff.value, r.varOff.mask], [1n, 2n, 0n, 2n]);
});

t.run();
