// Precision rows of is_scalar_branch_taken that the recorded kernel traces never reach, each
// killing a mutant that survived `npm run mutate` (BENCHMARKS.md, "Mutation testing"). The
// answers follow kernel/bpf/verifier.c (6.18): for a 64-bit JEQ/JNE whose tnums and 64-bit
// ranges overlap, disjoint 32-bit ranges still decide the jump ("if 64-bit ranges are
// inconclusive, see if we can utilize 32-bit subrange knowledge").
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { scalarConstOf, scalarFrom, scalarUnknown } from '../../src/domains/scalar.ts';
import { branchTaken, refine } from '../../src/domains/branch.ts';
import { d } from './arb-scalar.ts';
import { LINUX_6_18 } from '../../src/domains/scalar.ts';

const t = suite('domains/branch-precision');

const wide = { umin: 0n, umax: 1n << 40n, smin: 0n, smax: 1n << 40n };
// u32 ranges apart, s32 ranges overlapping (low's crosses 2^31, so its s32 range is everything)
const low = scalarFrom(d, { ...wide, u32min: 0n, u32max: 0x9000_0000n });
const high = scalarFrom(d, { ...wide, u32min: 0xa000_0000n, u32max: 0xb000_0000n, s32min: 0xa000_0000n, s32max: 0xb000_0000n });
// the same, but the subregisters apart only as signed ranges (u32 ranges overlap)
const neg = scalarFrom(d, { ...wide, u32min: 0n, u32max: 0xffff_ffffn, s32min: -10n & 0xffff_ffffn, s32max: -1n & 0xffff_ffffn });
const pos = scalarFrom(d, { ...wide, u32min: 0n, u32max: 0xffff_ffffn, s32min: 0n, s32max: 10n });

t('64-bit jeq/jne: disjoint u32 ranges decide it when the 64-bit view and the s32 ranges cannot', () => {
  assert.is(branchTaken(d, low, high, 'jeq', 64), 0);
  assert.is(branchTaken(d, high, low, 'jeq', 64), 0);
  assert.is(branchTaken(d, low, high, 'jne', 64), 1);
});

t('64-bit jeq/jne: disjoint s32 ranges decide it when the u32 ranges overlap', () => {
  assert.is(branchTaken(d, neg, pos, 'jeq', 64), 0);
  assert.is(branchTaken(d, pos, neg, 'jne', 64), 1);
});

t('the same pairs at 64 bits with overlapping subregisters stay undecided', () => {
  assert.is(branchTaken(d, low, low, 'jeq', 64), -1);
  assert.is(branchTaken(d, pos, pos, 'jne', 64), -1);
});

// regs_refine_cond_op, JSET taken with a power-of-two constant: that bit becomes known 1 —
// at 64 bits also a bit above 32 (only a register can hold such a constant: an immediate is
// sign-extended). The random traces only compare against immediates.
t('64-bit jset taken on a single-bit constant above bit 31 knows that bit', () => {
  const bit = 1n << 40n;
  const [r] = refine(d, scalarUnknown(d), scalarConstOf(d, bit), 'jset', 64, LINUX_6_18).taken;
  assert.is(r.varOff.value & bit, bit);
  assert.is(r.varOff.mask & bit, 0n);
  const [r32] = refine(d, scalarUnknown(d), scalarConstOf(d, 1n << 5n), 'jset', 32, LINUX_6_18).taken;
  assert.is(r32.varOff.value, 1n << 5n);
  assert.is(r32.varOff.mask, ~(1n << 5n) & 0xffff_ffff_ffff_ffffn);
});

t.run();
