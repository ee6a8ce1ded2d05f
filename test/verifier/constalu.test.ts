// The verifier's constant-folding shortcut agrees with the domain's scalarAlu on constants.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { concrete64x32 as D } from '../../src/bv/concrete.ts';
import { scalarAlu, type ScalarAluOp } from '../../src/domains/alu.ts';
import { scalarConst, scalarEq } from '../../src/domains/scalar.ts';
import { constAlu, foldConst } from '../../src/verifier/alu.ts';
import { aluSem } from '../../src/bv/alu.ts';
import { LINUX_6_18 } from '../../src/domains/scalar.ts';

const t = suite('verifier/constalu');
const OPS: ScalarAluOp[] = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'lsh', 'rsh', 'arsh', 'div', 'mod', 'sdiv', 'smod'];
const val = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 70n }), fc.constantFrom(0n, 1n, 31n, 32n, 63n, 64n, 0xffffffffn, (1n << 63n), (1n << 64n) - 1n));

t('constAlu = scalarAlu on constants (or undefined where the domain is not constant)', () => {
  fc.assert(fc.property(fc.constantFrom(...OPS), fc.constantFrom<32 | 64>(32, 64), val, val, (op, w, a, b) => {
    const got = constAlu(op, w, a, b);
    const ref = scalarAlu(D, op, w, scalarConst(D, a), scalarConst(D, b), LINUX_6_18);
    if (got === undefined) return ref.varOff.mask !== 0n;
    return scalarEq(D, ref, scalarConst(D, got));
  }), { numRuns: 3000 });
  assert.ok(true);
});

t('foldConst = aluSem for every operation constAlu folds (shift amounts below the width)', () => {
  const shift = (op: ScalarAluOp) => op === 'lsh' || op === 'rsh' || op === 'arsh';
  const folded = OPS.filter((op) => op !== 'div' && op !== 'mod' && op !== 'sdiv' && op !== 'smod');
  fc.assert(fc.property(fc.constantFrom(...folded), fc.constantFrom<32 | 64>(32, 64), val, val, (op, w, a, b) => {
    const amt = shift(op) ? b % BigInt(w) : b;
    return foldConst(op, w, a, amt) === aluSem(D, op, w, a, amt);
  }), { numRuns: 5000 });
  // the edges: wrap-around, high bits of a 32-bit operand, the largest shifts
  for (const op of folded) for (const w of [32, 64] as const) {
    for (const a of [0n, 1n, 0xffffffffn, 0x1_0000_0001n, (1n << 63n), (1n << 64n) - 1n]) {
      for (const b of shift(op) ? [0n, 1n, BigInt(w - 1)] : [0n, 1n, 0xffffffffn, (1n << 64n) - 1n]) {
        assert.is(foldConst(op, w, a, b), aluSem(D, op, w, a, b), `${op}${w} ${a} ${b}`);
      }
    }
  }
});

t.run();
