// The glue between proved parts, checked as wired: immediate operands are sign-extended to 64
// bits (as __mark_reg_known(imm) in both ALU and ALU64), and every 32-bit ALU result is
// zero-extended (upper 32 bits known 0) whenever the kernel computes its range.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { immOperand, safeToCompute, scalarAlu } from '../../src/domains/alu.ts';
import { scalarContains } from '../../src/domains/scalar.ts';
import { ALU_OPS, arbTracked, d } from './arb-scalar.ts';
import { LINUX_6_18 } from '../../src/domains/scalar.ts';

const t = suite('domains/glue');
const sext = (imm: number): bigint => BigInt.asUintN(64, BigInt(imm | 0));

t('immOperand is the constant imm sign-extended to 64 bits (corners and random)', () => {
  for (const imm of [0, 1, -1, 0x7fffffff, -0x80000000, 0xff, -256]) {
    const s = immOperand(d, imm);
    assert.equal(s.varOff, { value: sext(imm), mask: 0n }, `imm ${imm}`);
    assert.is(s.umin, sext(imm));
    assert.is(s.smax, BigInt(imm | 0) < 0n ? BigInt(imm | 0) + (1n << 64n) : BigInt(imm | 0));
  }
  fc.assert(fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (imm) => {
    const s = immOperand(d, imm);
    return s.umin === sext(imm) && s.umax === sext(imm) && scalarContains(d, s, sext(imm));
  }));
});

t('32-bit ALU results are zero-extended: upper 32 bits known 0, u64 range within [0, 2^32)', () => {
  fc.assert(fc.property(arbTracked(4), arbTracked(4), fc.constantFrom(...ALU_OPS), (a, b, op) => {
    // an op the kernel cannot bound (div/mod, shift by a non-constant) returns unknown before zext
    if (!safeToCompute(d, op, 32, b.s)) return true;
    const r = scalarAlu(d, op, 32, a.s, b.s, LINUX_6_18);
    const hi = 0xffffffff00000000n;
    return (r.varOff.value & hi) === 0n && (r.varOff.mask & hi) === 0n && r.umax <= 0xffffffffn && r.smax <= 0xffffffffn && r.smin <= r.smax; // (64-bit fields are unsigned bigints)
  }), { numRuns: 500 });
  assert.ok(true);
});

t.run();
