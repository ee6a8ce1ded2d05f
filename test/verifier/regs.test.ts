// Shared constant registers (src/verifier/regs.ts immReg): the register the domain builds for an
// immediate, one object per value, still right after the cache is emptied.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { D, ImmRegs, constReg, immReg, scalarReg } from '../../src/verifier/regs.ts';
import { lddwValue } from '../../src/isa/op.ts';
import { immOperand, scalarMovImm } from '../../src/domains/alu.ts';

const t = suite('verifier/regs');
const int32 = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(0, -1, 1, -0x80000000, 0x7fffffff));

t('immReg(imm) is the immediate operand and the 64-bit mov; immReg(imm >>> 0) the 32-bit mov', () => {
  fc.assert(fc.property(int32, (imm) => {
    assert.equal(immReg(imm), scalarReg(immOperand(D, imm)));
    assert.equal(immReg(imm), scalarReg(scalarMovImm(D, 64, imm)));
    assert.equal(immReg(imm >>> 0), scalarReg(scalarMovImm(D, 32, imm)));
    return true;
  }), { numRuns: 2000 });
});

t('one register per value, and values stay right when the cache is emptied', () => {
  const a = immReg(-8);
  assert.is(immReg(-8), a);
  assert.is.not(immReg(0xfffffff8), a);
  for (let i = 0; i < 10_000; i++) immReg(i * 7 + 100);
  assert.equal(immReg(-8), a);
  assert.is(immReg(-8).v.varOff.value, 0xfffffffffffffff8n);
  assert.is(immReg(0xfffffff8).v.varOff.value, 0xfffffff8n);
});

t('an lddw constant is the value of its two immediates, shared per instruction while they stay', () => {
  fc.assert(fc.property(int32, int32, int32, int32, (lo, hi, lo2, hi2) => {
    const m = new ImmRegs(4);
    const r = m.wideAt(2, lo, hi);
    assert.equal(r, constReg(lddwValue({ lo, hi })));
    assert.is(m.wideAt(2, lo, hi), r, 'the same immediates: the kept register');
    const s = m.wideAt(2, lo2, hi2);
    assert.equal(s, constReg(lddwValue({ lo: lo2, hi: hi2 })), 'other immediates at the same instruction');
    if (lo2 !== lo || hi2 !== hi) assert.is.not(s, r);
    // the immediate operands of ALU instructions are kept apart
    assert.equal(m.at(2, lo), immReg(lo));
    assert.is(m.wideAt(2, lo2, hi2), s);
    return true;
  }), { numRuns: 500 });
});

t.run();
