// is_safe_to_compute_dst_reg_range asks, for a shift, "is the source a constant below the
// width?" with the 32-bit test (subregister tnum and 32-bit ranges) for ALU32 and the 64-bit
// test for ALU64, both against the 64-bit umax. On every state the verifier can hold (built by
// the ALU ops and branch refinements, each ending in reg_bounds_sync) the two tests agree below
// the width: umax < 64 puts the value in one 32-bit block, where sync makes the 64-bit range
// follow the 32-bit one. This is why swapping or merging the two forms in safeToCompute
// (mutation testing, third round, alu.ts) changes no result; if it ever failed, those mutants
// would need a recorded kernel case. Likewise ALU32 LSH computed by the 64-bit path.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { finish, immOperand, safeToCompute, scalarAlu } from '../../src/domains/alu.ts';
import { scalarLsh64 } from '../../src/domains/alu-shift.ts';
import { LINUX_6_18, type ScalarState } from '../../src/domains/scalar.ts';
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

t('ALU32 LSH through the 64-bit path, then zero extension and sync, is the ALU32 result', () => {
  // scalar_min_max_lsh computes the same 32-bit bounds and the same low 32 bits of var_off as
  // scalar32_min_max_lsh; the zero extension then replaces everything above them
  fc.assert(fc.property(arbTracked(6), fc.integer({ min: 0, max: 31 }), ({ s }, k) => {
    const src = immOperand(d, k);
    const viaLsh64 = finish(d, scalarLsh64(d, s, src, LINUX_6_18), 32, LINUX_6_18);
    assert.equal(viaLsh64, scalarAlu(d, 'lsh', 32, s, src, LINUX_6_18));
  }), { numRuns: 1000 });
});

t.run();
