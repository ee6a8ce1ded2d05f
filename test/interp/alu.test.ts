import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { AluName, JcondName } from '../../src/isa/op.ts';
import { aluSem, endSem, jcondSem } from '../../src/bv/alu.ts';
import { concrete64x32 as P } from '../../src/bv/concrete.ts';
import { alu, end, exit, jc, K, lddw, mov, R, r0, u64 } from './util.ts';

const t = suite('interp/alu');
const MIN64 = 1n << 63n;

/** r1 = a; r2 = b; r1 OP= r2 (or imm); r0 = r1; exit. */
function evalAlu(op: AluName, width: 32 | 64, a: bigint, b: bigint | number, ext?: 8 | 16 | 32): bigint {
  const src = typeof b === 'number' ? K(b) : R(2);
  return r0([lddw(1, a), lddw(2, typeof b === 'bigint' ? b : 0n), alu(op, 1, src, width, ext), mov(0, R(1)), exit]);
}

// Edge cases as data: [op, width, dst, src, expected].
const cases: [AluName, 32 | 64, bigint, bigint | number, bigint][] = [
  ['lsh', 64, 1n, 65n, 2n], // shift amounts are masked with 63
  ['lsh', 32, 1n, 33n, 2n], // ... and 31
  ['rsh', 64, 0x8000000000000000n, 127n, 1n],
  ['arsh', 64, 0x8000000000000000n, 63n, u64(-1n)],
  ['arsh', 32, 0x80000000n, 31n, 0xffffffffn],
  ['arsh', 32, 0xffffffff_80000000n, 4n, 0xf8000000n], // ALU32 ignores the high half, zero-extends
  ['div', 64, 7n, 0n, 0n], // DIV by 0 → 0
  ['div', 32, 7n, 0n, 0n],
  ['div', 64, u64(-1n), 2n, 0x7fffffffffffffffn],
  ['mod', 64, 7n, 0n, 7n], // MOD by 0 leaves dst
  ['mod', 32, 0x1_00000007n, 0n, 7n], // ... ALU32: zero-extended 32-bit dst
  ['sdiv', 64, MIN64, u64(-1n), MIN64], // INT_MIN / -1 = INT_MIN
  ['sdiv', 32, 0x80000000n, 0xffffffffn, 0x80000000n],
  ['sdiv', 64, u64(-7n), 2n, u64(-3n)], // truncation toward zero
  ['sdiv', 64, u64(-7n), 0n, 0n],
  ['sdiv', 32, 0xfffffff9n, 2n, 0xfffffffdn],
  ['smod', 64, u64(-7n), 2n, u64(-1n)], // remainder has the dividend's sign
  ['smod', 64, 7n, u64(-2n), 1n],
  ['smod', 64, MIN64, u64(-1n), 0n], // smod by -1 = 0
  ['smod', 32, 0x80000000n, 0xffffffffn, 0n],
  ['smod', 64, u64(-7n), 0n, u64(-7n)],
  ['smod', 32, 0xffff_fffffff9n, 0n, 0xfffffff9n],
  ['sdiv', 64, 0x123456789abcdefn, u64(-0x12345n), u64(-(0x123456789abcdefn / 0x12345n))],
  ['mul', 64, 0xffffffffffffffffn, 0xffffffffffffffffn, 1n],
  ['mul', 64, 0x1_0000_0001n, 0xffff_ffffn, 0xffff_ffff_ffff_ffffn],
  ['mul', 32, 0x1_0000_0003n, 5n, 15n],
  ['neg', 64, 1n, 0, u64(-1n)],
  ['neg', 64, 0n, 0, 0n],
  ['neg', 32, 1n, 0, 0xffffffffn],
  ['add', 64, 0xffffffffn, 1n, 0x100000000n],
  ['add', 32, 0xffffffffn, 1n, 0n],
  ['sub', 64, 0n, 1n, u64(-1n)],
  ['mov', 32, 0n, 0xffff_ffff_ffff_ffffn, 0xffffffffn],
  ['add', 64, 5n, -1, 4n], // 64-bit immediates are sign-extended
  ['and', 64, u64(-1n), -2, u64(-2n)],
  ['and', 32, u64(-1n), -2, 0xfffffffen],
  ['mov', 64, 0n, -1, u64(-1n)],
  ['mov', 32, 0n, -1, 0xffffffffn],
];

for (const [op, w, a, b, want] of cases) {
  t(`${op}${w} ${a} ${b} = ${want}`, () => {
    assert.is(evalAlu(op, w, a, b), want);
  });
}

t('movsx 8/16/32 (ALU64) and 8/16 (ALU32, zero-extended from 32)', () => {
  assert.is(evalAlu('movsx', 64, 0n, 0x180n, 8), u64(-128n));
  assert.is(evalAlu('movsx', 64, 0n, 0x8000n, 16), u64(-32768n));
  assert.is(evalAlu('movsx', 64, 0n, 0x1_8000_0000n, 32), u64(-(1n << 31n)));
  assert.is(evalAlu('movsx', 32, 0n, 0x80n, 8), 0xffffff80n);
  assert.is(evalAlu('movsx', 32, 0n, 0x7fffn, 16), 0x7fffn);
  assert.is(evalAlu('movsx', 32, 0n, 0x8000n, 16), 0xffff8000n);
});

t('END: to-le truncates, to-be and bswap swap', () => {
  const v = 0x1122334455667788n;
  const e = (order: 'le' | 'be' | 'swap', bits: 16 | 32 | 64): bigint => r0([lddw(0, v), end(order, bits, 0), exit]);
  assert.is(e('le', 16), 0x7788n);
  assert.is(e('le', 32), 0x55667788n);
  assert.is(e('le', 64), v);
  assert.is(e('be', 16), 0x8877n);
  assert.is(e('be', 32), 0x88776655n);
  assert.is(e('be', 64), 0x8877665544332211n);
  assert.is(e('swap', 16), 0x8877n);
  assert.is(e('swap', 32), 0x88776655n);
  assert.is(e('swap', 64), 0x8877665544332211n);
});

t('JMP32 compares the low 32 bits only', () => {
  // r1 = 0x1_00000000, r2 = 0: equal as 32-bit, different as 64-bit.
  const prog = (width: 32 | 64) => [lddw(1, 0x1_0000_0000n), mov(2, K(0)), mov(0, K(0)), jc('jeq', 1, R(2), 1, width), exit, mov(0, K(1)), exit];
  assert.is(r0(prog(32)), 1n);
  assert.is(r0(prog(64)), 0n);
  // signed 32-bit: 0x80000000 < 0 as s32, > 0 as s64
  const sprog = (width: 32 | 64) => [lddw(1, 0x8000_0000n), mov(0, K(0)), jc('jslt', 1, K(0), 1, width), exit, mov(0, K(1)), exit];
  assert.is(r0(sprog(32)), 1n);
  assert.is(r0(sprog(64)), 0n);
});

// ---- properties: the interpreter's uint32-halves specialisation against the one definition ----
// (src/bv/alu.ts on bigints), every ALU/ALU64 op, END form and jump condition at both widths
const refAlu = (op: AluName, w: 32 | 64, a: bigint, b: bigint, ext?: 8 | 16 | 32): bigint => aluSem(P, op, w, a, b, ext);
const refEnd = (order: 'le' | 'be' | 'swap', bits: 16 | 32 | 64, v: bigint): bigint => endSem(P, order, bits, v);
const refJcond = (op: JcondName, w: 32 | 64, a: bigint, b: bigint): boolean => jcondSem(P, op, w, a, b);
const interesting = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.constantFrom(0n, 1n, 2n, 31n, 32n, 63n, 64n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x1_0000_0000n,
    MIN64, MIN64 - 1n, u64(-1n), u64(-2n)),
  fc.bigInt({ min: 0n, max: (1n << 33n) - 1n }).map((x) => u64(-x)),
);
const aluOps: AluName[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'neg', 'mod', 'smod', 'xor', 'mov', 'arsh'];

t('ALU (register source) matches the one definition, both widths', () => {
  fc.assert(fc.property(fc.constantFrom(...aluOps), fc.constantFrom(32 as const, 64 as const), interesting, interesting, (op, w, a, b) => {
    assert.is(evalAlu(op, w, a, b), refAlu(op, w, a, b), `${op}${w} ${a} ${b}`);
  }), { numRuns: 1500 });
});

t('ALU (immediate source, sign-extended) matches the one definition', () => {
  fc.assert(fc.property(fc.constantFrom(...aluOps), fc.constantFrom(32 as const, 64 as const), interesting, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (op, w, a, k) => {
    assert.is(evalAlu(op, w, a, k), refAlu(op, w, a, u64(BigInt(k))), `${op}${w} ${a} ${k}`);
  }), { numRuns: 800 });
});

t('movsx and END match the one definition', () => {
  fc.assert(fc.property(interesting, fc.constantFrom(8 as const, 16 as const, 32 as const), (v, ext) => {
    assert.is(evalAlu('movsx', 64, 0n, v, ext), refAlu('movsx', 64, 0n, v, ext));
    if (ext !== 32) assert.is(evalAlu('movsx', 32, 0n, v, ext), refAlu('movsx', 32, 0n, v, ext));
  }), { numRuns: 300 });
  fc.assert(fc.property(interesting, fc.constantFrom('le' as const, 'be' as const, 'swap' as const), fc.constantFrom(16 as const, 32 as const, 64 as const), (v, order, bits) => {
    assert.is(r0([lddw(0, v), end(order, bits, 0), exit]), refEnd(order, bits, v));
  }), { numRuns: 300 });
});

const conds: JcondName[] = ['jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle'];
t('conditional jumps match the one definition, both widths', () => {
  fc.assert(fc.property(fc.constantFrom(...conds), fc.constantFrom(32 as const, 64 as const), interesting, interesting, (op, w, a, b) => {
    const taken = r0([lddw(1, a), lddw(2, b), mov(0, K(0)), jc(op, 1, R(2), 1, w), exit, mov(0, K(1)), exit]);
    assert.is(taken === 1n, refJcond(op, w, a, b), `${op}${w} ${a} ${b}`);
  }), { numRuns: 1500 });
});

t.run();
