import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { scalarContains, scalarConstOf, scalarUnknown, scalarFrom, formatScalar, type ScalarState } from '../../src/domains/scalar.ts';
import { branchTaken, refine, revCond, type Cond } from '../../src/domains/branch.ts';
import { immOperand, scalarAlu } from '../../src/domains/alu.ts';
import { regBoundsSync } from '../../src/domains/sync.ts';
import { d, arbTracked, arbImm, CONDS, WIDTHS, extraMembers, type Tracked } from './arb-scalar.ts';
import { arbBits } from './arb.ts';
import { condRef } from './scalar-ref.ts';
import { LINUX_6_18 } from '../../src/domains/scalar.ts';

const t = suite('domains/branch');
const show = formatScalar;

const arbOperand: fc.Arbitrary<Tracked> = fc.oneof(arbTracked(), arbImm.map((i) => ({ s: immOperand(d, i), x: BigInt.asUintN(64, BigInt(i)) })));

for (const cond of CONDS) {
  for (const width of WIDTHS) {
    t(`${cond}${width}: branchTaken sound, refined edges keep the pair`, () => {
      fc.assert(fc.property(arbTracked(), arbOperand, fc.array(arbBits(64), { maxLength: 6 }), (a, b, fills) => {
        const bt = branchTaken(d, a.s, b.s, cond, width);
        const r = refine(d, a.s, b.s, cond, width, LINUX_6_18);
        for (const x of extraMembers(a, fills)) {
          for (const y of extraMembers(b, fills)) {
            const c = condRef(cond, width, x, y);
            if (bt === 1 && !c) assert.unreachable(`said taken: ${x} ${y} ${show(a.s)} ${show(b.s)}`);
            if (bt === 0 && c) assert.unreachable(`said not taken: ${x} ${y} ${show(a.s)} ${show(b.s)}`);
            const [ra, rb] = c ? r.taken : r.fallthrough;
            if (!scalarContains(d, ra, x) || !scalarContains(d, rb, y)) {
              assert.unreachable(`${c ? 'taken' : 'fallthrough'} lost (${x}, ${y}): ${show(a.s)} ${show(b.s)} → ${show(ra)} ${show(rb)}`);
            }
            assert.is(c ? r.takenInsane : r.fallthroughInsane, false);
          }
        }
      }), { numRuns: 100 });
    });
  }
}

t('constants decide every condition exactly', () => {
  fc.assert(fc.property(arbBits(64), arbBits(64), fc.constantFrom(...CONDS), fc.constantFrom<32 | 64>(32, 64), (x, y, cond, w) => {
    assert.is(branchTaken(d, scalarConstOf(d, x), scalarConstOf(d, y), cond, w), condRef(cond, w, x, y) ? 1 : 0);
  }), { numRuns: 500 });
});

t('revCond is an involution and negates the condition', () => {
  for (const c of CONDS) assert.is(revCond(revCond(c)), c);
  for (const c of CONDS.filter((c) => c !== 'jset')) assert.ok(CONDS.includes(revCond(c) as Cond));
});

// Rows from the kernel's refinement logic.
const U = scalarUnknown(d);
const byte = scalarAlu(d, 'and', 64, U, immOperand(d, 0xff), LINUX_6_18);
const rows: Array<{ name: string; a: ScalarState<bigint>; imm: number; cond: Cond; w: 32 | 64; taken: Partial<ScalarState<bigint>>; fall: Partial<ScalarState<bigint>> }> = [
  { name: 'if r < 10', a: U, imm: 10, cond: 'jlt', w: 64, taken: { umin: 0n, umax: 9n, smin: 0n, smax: 9n, varOff: { value: 0n, mask: 0xfn } }, fall: { umin: 10n } },
  { name: 'if r s> 5', a: U, imm: 5, cond: 'jsgt', w: 64, taken: { smin: 6n, umin: 6n, smax: (1n << 63n) - 1n }, fall: { smax: 5n } },
  { name: 'if r == 7 on a byte', a: byte, imm: 7, cond: 'jeq', w: 64, taken: { umin: 7n, umax: 7n, varOff: { value: 7n, mask: 0n } }, fall: { umin: 0n, umax: 255n } },
  { name: 'if r != 0 on a byte', a: byte, imm: 0, cond: 'jne', w: 64, taken: { umin: 1n, umax: 255n }, fall: { umin: 0n, umax: 0n } },
  { name: 'if r & 4 (jset single bit)', a: byte, imm: 4, cond: 'jset', w: 64, taken: { umin: 4n, varOff: { value: 4n, mask: 0xfbn } }, fall: { varOff: { value: 0n, mask: 0xfbn }, umax: 0xfbn } },
  { name: 'if w > 100 (jmp32) on unknown', a: U, imm: 100, cond: 'jgt', w: 32, taken: { u32min: 101n }, fall: { u32max: 100n, s32min: 0n, s32max: 100n } },
];
for (const row of rows) {
  t(`table: ${row.name}`, () => {
    const r = refine(d, row.a, immOperand(d, row.imm), row.cond, row.w, LINUX_6_18);
    for (const [k, v] of Object.entries(row.taken)) assert.equal((r.taken[0] as unknown as Record<string, unknown>)[k], v, `taken ${k}: ${show(r.taken[0])}`);
    for (const [k, v] of Object.entries(row.fall)) assert.equal((r.fallthrough[0] as unknown as Record<string, unknown>)[k], v, `fall ${k}: ${show(r.fallthrough[0])}`);
  });
}

t('branchTaken on ranges: [0,9] < 10 always, ≥ 10 never; unknown otherwise', () => {
  const small = regBoundsSync(d, scalarFrom(d, { umax: 9n }), LINUX_6_18);
  assert.is(branchTaken(d, small, immOperand(d, 10), 'jlt', 64), 1);
  assert.is(branchTaken(d, small, immOperand(d, 10), 'jge', 64), 0);
  assert.is(branchTaken(d, small, immOperand(d, 5), 'jlt', 64), -1);
  // tnums that disagree on a known bit cannot be equal (tnum_overlap)
  const even = scalarAlu(d, 'and', 64, U, immOperand(d, -2), LINUX_6_18);
  assert.is(branchTaken(d, even, immOperand(d, 3), 'jeq', 64), 0);
  assert.is(branchTaken(d, even, immOperand(d, 3), 'jne', 64), 1);
});

t.run();
