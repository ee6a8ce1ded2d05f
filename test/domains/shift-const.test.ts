// is_safe_to_compute_dst_reg_range asks, for a shift, "is the source a constant below the
// width?" with the 32-bit test (subregister tnum and 32-bit ranges) for ALU32 and the 64-bit
// test for ALU64, both against the 64-bit umax. On every state the verifier can hold (built by
// the ALU ops and branch refinements, each ending in reg_bounds_sync) the two tests agree below
// the width: umax < 64 puts the value in one 32-bit block, where sync makes the 64-bit range
// follow the 32-bit one. This is why swapping or merging the two forms in safeToCompute
// (mutation testing, third round, alu.ts) changes no result; if it ever failed, those mutants
// would need a recorded kernel case.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { safeToCompute } from '../../src/domains/alu.ts';
import type { ScalarState } from '../../src/domains/scalar.ts';
import { arbTracked, d } from './arb-scalar.ts';

const t = suite('domains/shift-const');

const const32 = (s: ScalarState<bigint>): boolean => s.varOff.mask % (1n << 32n) === 0n && s.s32min === s.s32max && s.u32min === s.u32max;
const const64 = (s: ScalarState<bigint>): boolean => s.varOff.mask === 0n && s.smin === s.smax && s.umin === s.umax;

t('on reachable states the 32- and 64-bit constant tests agree when umax < width', () => {
  fc.assert(fc.property(arbTracked(6), fc.constantFrom(32, 64), ({ s }, w) => {
    const below = s.umax < BigInt(w);
    return (const32(s) && below) === (const64(s) && below);
  }), { numRuns: 3000 });
  assert.ok(true);
});

t('safeToCompute for shifts is exactly "constant below the width" (either form)', () => {
  fc.assert(fc.property(arbTracked(6), fc.constantFrom(32 as const, 64 as const), fc.constantFrom('lsh' as const, 'rsh' as const, 'arsh' as const), ({ s }, w, op) =>
    safeToCompute(d, op, w, s) === (const64(s) && s.umax < BigInt(w))), { numRuns: 2000 });
  assert.ok(true);
});

t.run();
