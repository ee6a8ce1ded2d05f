import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { scalarContains, scalarWellFormed, scalarConstOf, scalarUnknown, scalarFrom, formatScalar, type ScalarState, LINUX_6_12 } from '../../src/domains/scalar.ts';
import { scalarAlu, immOperand, scalarNeg, scalarMovReg, scalarMovsx, scalarMovImm, scalarEnd, forkScalars, type ScalarAluOp, type Width } from '../../src/domains/alu.ts';
import { regBoundsSync } from '../../src/domains/sync.ts';
import { d, arbTracked, arbImm, ALU_OPS, WIDTHS } from './arb-scalar.ts';
import { arbBits } from './arb.ts';
import { aluRef, negRef, movsxRef, endRef, mov32Ref } from './scalar-ref.ts';
import { LINUX_6_18 } from '../../src/domains/scalar.ts';

const t = suite('domains/alu');
const RUNS = 120;

const show = (s: ScalarState<bigint>) => formatScalar(s);
function member(s: ScalarState<bigint>, x: bigint, what: string) {
  if (!scalarContains(d, s, x)) assert.unreachable(`${what}: 0x${x.toString(16)} ∉ ${show(s)}`);
  if (!scalarWellFormed(d, s)) assert.unreachable(`${what}: ill-formed ${show(s)}`);
}

for (const op of ALU_OPS) {
  for (const width of WIDTHS) {
    t(`${op}${width} reg: members in → result member (reachable states)`, () => {
      fc.assert(fc.property(arbTracked(), arbTracked(), (a, b) => {
        const r = scalarAlu(d, op, width, a.s, b.s, LINUX_6_18);
        member(r, aluRef(op, width, a.x, b.x), `${op}${width} ${show(a.s)} , ${show(b.s)}`);
      }), { numRuns: RUNS });
    });
    t(`${op}${width} imm: members in → result member`, () => {
      fc.assert(fc.property(arbTracked(), arbImm, (a, imm) => {
        const y = BigInt.asUintN(64, BigInt(imm));
        const r = scalarAlu(d, op, width, a.s, immOperand(d, imm), LINUX_6_18);
        member(r, aluRef(op, width, a.x, y), `${op}${width} ${show(a.s)} , ${imm}`);
      }), { numRuns: RUNS });
    });
  }
}

t('add/sub/mul with the 6.12 flavor are sound too', () => {
  for (const op of ['add', 'sub', 'mul'] as ScalarAluOp[]) {
    for (const width of WIDTHS) {
      fc.assert(fc.property(arbTracked(), arbTracked(), (a, b) => {
        member(scalarAlu(d, op, width, a.s, b.s, LINUX_6_12), aluRef(op, width, a.x, b.x), `${op}${width}/6.12`);
      }), { numRuns: 150 });
    }
  }
});

t('neg, mov32, movsx, end: members in → member out', () => {
  fc.assert(fc.property(arbTracked(), fc.constantFrom<Width>(32, 64), fc.constantFrom<8 | 16 | 32>(8, 16, 32), (a, w, ext) => {
    member(scalarNeg(d, w, a.s, LINUX_6_18), negRef(w, a.x), `neg${w}`);
    member(scalarMovReg(d, 32, a.s, LINUX_6_18), mov32Ref(a.x), 'mov32');
    const e = w === 32 && ext === 32 ? 16 : ext;
    member(scalarMovsx(d, w, e, a.s, LINUX_6_18), movsxRef(w, e, a.x), `movsx${w}/${e}`);
    for (const order of ['le', 'be', 'swap'] as const) {
      for (const bits of [16, 32, 64] as const) member(scalarEnd(d, order, bits, a.s, LINUX_6_18), endRef(order, bits, a.x), `${order}${bits}`);
    }
  }), { numRuns: RUNS });
});

t('constants in → the constant result out (ops the kernel computes exactly)', () => {
  const exact: ScalarAluOp[] = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'lsh', 'rsh', 'arsh'];
  fc.assert(fc.property(arbBits(64), arbBits(64), fc.constantFrom(...exact), fc.constantFrom<Width>(32, 64), (x, y0, op, w) => {
    const y = op === 'lsh' || op === 'rsh' || op === 'arsh' ? y0 % BigInt(w) : y0;
    const r = scalarAlu(d, op, w, scalarConstOf(d, x), scalarConstOf(d, y), LINUX_6_18);
    assert.equal(r, scalarConstOf(d, aluRef(op, w, x, y)), `${op}${w} ${x} ${y}`);
    assert.equal(scalarNeg(d, w, scalarConstOf(d, x), LINUX_6_18), scalarConstOf(d, negRef(w, x)));
  }), { numRuns: RUNS });
});

t('shifts by a non-constant or out-of-range amount, and div/mod, give unknown', () => {
  const u = scalarUnknown(d);
  const small = regBoundsSync(d, scalarFrom(d, { umax: 7n }), LINUX_6_18);
  assert.equal(scalarAlu(d, 'lsh', 64, scalarConstOf(d, 1), small, LINUX_6_18), u);
  assert.equal(scalarAlu(d, 'rsh', 64, scalarConstOf(d, 1), scalarConstOf(d, 64), LINUX_6_18), u);
  assert.equal(scalarAlu(d, 'arsh', 32, scalarConstOf(d, 1), scalarConstOf(d, 32), LINUX_6_18), u);
  // 32-bit shift whose source has a constant subregister but a large 64-bit value: unsafe (umax ≥ 32)
  assert.equal(scalarAlu(d, 'lsh', 32, scalarConstOf(d, 1), scalarConstOf(d, 0x1_0000_0003n), LINUX_6_18), u);
  for (const op of ['div', 'sdiv', 'mod', 'smod'] as ScalarAluOp[]) assert.equal(scalarAlu(d, op, 64, scalarConstOf(d, 10), scalarConstOf(d, 3), LINUX_6_18), u);
});

// Rows: kernel behaviour read off the source (verifier.c), as the log would print it.
type Row = { name: string; pre: ScalarState<bigint>; apply: (s: ScalarState<bigint>) => ScalarState<bigint>; post: Partial<Record<keyof ScalarState<bigint>, unknown>> };
const U = scalarUnknown(d);
const rows: Row[] = [
  { name: 'r &= 0xff', pre: U, apply: (s) => scalarAlu(d, 'and', 64, s, immOperand(d, 0xff), LINUX_6_18),
    post: { umin: 0n, umax: 255n, smin: 0n, smax: 255n, u32min: 0n, u32max: 255n, s32min: 0n, s32max: 255n, varOff: { value: 0n, mask: 0xffn } } },
  { name: 'w &= 0xff', pre: U, apply: (s) => scalarAlu(d, 'and', 32, s, immOperand(d, 0xff), LINUX_6_18),
    post: { umax: 255n, smax: 255n, u32max: 255n, varOff: { value: 0n, mask: 0xffn } } },
  { name: 'w = w (mov32 of unknown)', pre: U, apply: (s) => scalarMovReg(d, 32, s, LINUX_6_18),
    post: { umin: 0n, umax: 0xffff_ffffn, smin: 0n, smax: 0xffff_ffffn, varOff: { value: 0n, mask: 0xffff_ffffn } } },
  { name: 'r >>= 60', pre: U, apply: (s) => scalarAlu(d, 'rsh', 64, s, immOperand(d, 60), LINUX_6_18),
    post: { umax: 15n, smax: 15n, smin: 0n, varOff: { value: 0n, mask: 0xfn } } },
  { name: 'r s>>= 63', pre: U, apply: (s) => scalarAlu(d, 'arsh', 64, s, immOperand(d, 63), LINUX_6_18),
    post: { smin: BigInt.asUintN(64, -1n), smax: 0n, umin: 0n, umax: (1n << 64n) - 1n } },
  { name: 'r &= 0xff; r += 10', pre: U, apply: (s) => scalarAlu(d, 'add', 64, scalarAlu(d, 'and', 64, s, immOperand(d, 0xff), LINUX_6_18), immOperand(d, 10), LINUX_6_18),
    post: { umin: 10n, umax: 265n, smin: 10n, smax: 265n, varOff: { value: 0n, mask: 0x1ffn } } },
  { name: 'r &= 0xf; r <<= 32; r s>>= 32 (sext idiom)', pre: U,
    apply: (s) => scalarAlu(d, 'arsh', 64, scalarAlu(d, 'lsh', 64, scalarAlu(d, 'and', 64, s, immOperand(d, 0xf), LINUX_6_18), immOperand(d, 32), LINUX_6_18), immOperand(d, 32), LINUX_6_18),
    post: { umin: 0n, umax: 15n, smin: 0n, smax: 15n, varOff: { value: 0n, mask: 0xfn } } },
  { name: 'r = -r on [1, 5] (6.13+ NEG tracking)', pre: regBoundsSync(d, scalarFrom(d, { umin: 1n, umax: 5n }), LINUX_6_18), apply: (s) => scalarNeg(d, 64, s, LINUX_6_18),
    post: { smin: BigInt.asUintN(64, -5n), smax: BigInt.asUintN(64, -1n), umin: BigInt.asUintN(64, -5n), umax: BigInt.asUintN(64, -1n) } },
  { name: 'r = be16 r on r&0x3f00 (6.18.y END tracking)', pre: U, apply: (s) => scalarEnd(d, 'be', 16, scalarAlu(d, 'and', 64, s, immOperand(d, 0x3f00), LINUX_6_18), LINUX_6_18),
    post: { umax: 0x3fn, varOff: { value: 0n, mask: 0x3fn } } },
  { name: 'w = -1 (mov32 imm)', pre: U, apply: () => scalarMovImm(d, 32, -1), post: { umin: 0xffff_ffffn, umax: 0xffff_ffffn, s32min: 0xffff_ffffn } },
  { name: 'r = (s8) r on [0x80, 0x80]', pre: scalarConstOf(d, 0x80), apply: (s) => scalarMovsx(d, 64, 8, s, LINUX_6_18), post: { umin: BigInt.asUintN(64, -128n), smax: BigInt.asUintN(64, -128n) } },
  { name: 'r *= 3 on [0, 10] (6.14+ products)', pre: regBoundsSync(d, scalarFrom(d, { umax: 10n }), LINUX_6_18), apply: (s) => scalarAlu(d, 'mul', 64, s, immOperand(d, 3), LINUX_6_18),
    post: { umin: 0n, umax: 30n, smin: 0n, smax: 30n } },
  { name: 'r *= -1 on [0, 10] (6.14+ signed products)', pre: regBoundsSync(d, scalarFrom(d, { umax: 10n }), LINUX_6_18), apply: (s) => scalarAlu(d, 'mul', 64, s, immOperand(d, -1), LINUX_6_18),
    post: { smin: BigInt.asUintN(64, -10n), smax: 0n } },
];
for (const row of rows) {
  t(`table: ${row.name}`, () => {
    const got = row.apply(row.pre);
    for (const [k, v] of Object.entries(row.post)) assert.equal((got as unknown as Record<string, unknown>)[k], v, `${row.name}: ${k} in ${show(got)}`);
  });
}

t('maybe_fork_scalars: [-1, 0] & const forks into -1 and 0', () => {
  const m1 = regBoundsSync(d, scalarFrom(d, { smin: BigInt.asUintN(64, -1n), smax: 0n }), LINUX_6_18);
  const f = forkScalars(d, 'and', m1, immOperand(d, 5));
  assert.is(f.fork, true);
  assert.equal(f.minusOne, scalarConstOf(d, -1));
  assert.equal(f.zero, scalarConstOf(d, 0));
  assert.is(forkScalars(d, 'add', m1, immOperand(d, 5)).fork, false);
});

t.run();
