// The one ALU / END / JMP definition (src/bv/alu.ts) against the independent bigint oracle
// (test/oracle/reference.ts): on bigints (concrete64x32) for many random operands, and on Z3
// terms (z3Pair, simplified to numerals) for a few hundred.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { concrete64x32 } from '../../src/bv/concrete.ts';
import { z3Context, z3Pair } from '../../src/bv/z3.ts';
import type { AluName, JcondName } from '../../src/isa/op.ts';
import { refAlu, refEnd, refJcond } from '../oracle/reference.ts';
import { aluSem, endSem, immOperand, jcondSem } from '../../src/bv/alu.ts';

const t = suite('bv/alu');

const ALU: AluName[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'neg', 'mod', 'smod', 'xor', 'mov', 'movsx', 'arsh'];
const JC: JcondName[] = ['jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle'];
const edge = [0n, 1n, 2n, 31n, 32n, 63n, 64n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, (1n << 63n), (1n << 64n) - 1n, (1n << 63n) - 1n, 0xffffffff80000000n];
const u64 = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(...edge), fc.bigInt({ min: 0n, max: 70n }));
const aluCase = fc.record({ op: fc.constantFrom(...ALU), width: fc.constantFrom(32 as const, 64 as const), a: u64, b: u64, ext: fc.constantFrom(8 as const, 16 as const, 32 as const) })
  .map((c) => ({ ...c, ext: c.width === 32 && c.ext === 32 ? (8 as const) : c.ext }));

t('ALU on bigints = reference (20k cases)', () => {
  fc.assert(fc.property(aluCase, ({ op, width, a, b, ext }) => {
    assert.is(aluSem(concrete64x32, op, width, a, b, ext), refAlu(op, width, a, b, ext), `${op}${width} ${a} ${b}`);
  }), { numRuns: 20_000 });
});

t('END and JMP on bigints = reference', () => {
  fc.assert(fc.property(u64, u64, fc.constantFrom('le' as const, 'be' as const, 'swap' as const), fc.constantFrom(16 as const, 32 as const, 64 as const), fc.constantFrom(...JC), fc.constantFrom(32 as const, 64 as const),
    (a, b, order, bits, jc, w) => {
      assert.is(endSem(concrete64x32, order, bits, a), refEnd(order, bits, a));
      assert.is(jcondSem(concrete64x32, jc, w, a, b), refJcond(jc, w, a, b));
    }), { numRuns: 10_000 });
});

t('ALU, END, JMP on Z3 terms = reference (simplified)', async () => {
  const ctx = await z3Context();
  const P = z3Pair(ctx);
  const v = (x: bigint) => ctx.BitVec.val(x, 64);
  const cases = fc.sample(fc.tuple(aluCase, fc.constantFrom(...JC)), { numRuns: 300, seed: 7 });
  for (const [{ op, width, a, b, ext }, jc] of cases) {
    const r = await ctx.simplify(aluSem(P, op, width, v(a), v(b), ext));
    assert.ok(ctx.isBitVecVal(r), 'simplifies to a numeral');
    assert.is(r.value(), refAlu(op, width, a, b, ext), `${op}${width} ${a} ${b}`);
    const j = await ctx.simplify(jcondSem(P, jc, width, v(a), v(b)));
    assert.is(ctx.isTrue(j), refJcond(jc, width, a, b), `${jc}${width} ${a} ${b}`);
  }
  for (const order of ['le', 'be', 'swap'] as const) {
    for (const bits of [16, 32, 64] as const) {
      const x = 0x0123456789abcdefn;
      const r = await ctx.simplify(endSem(P, order, bits, v(x)));
      assert.ok(ctx.isBitVecVal(r) && r.value() === refEnd(order, bits, x), `${order}${bits}`);
    }
  }
});

t('immOperand: a 32-bit immediate sign-extended to 64 bits', () => {
  const R = concrete64x32.u64;
  assert.is(immOperand(R, -1), (1n << 64n) - 1n);
  assert.is(immOperand(R, 0x7fffffff), 0x7fffffffn);
  assert.is(immOperand(R, -0x80000000), 0xffffffff80000000n);
  assert.is(immOperand(R, 0xffffffff), (1n << 64n) - 1n); // an unsigned 32-bit pattern is the same immediate
});

t.run();
