// alu.ts' bigint closed forms (lowMaskAnd, zeroBasedAdd, zeroBasedRsh, floorAnd) against the
// generic ones of src/domains/closed-forms.ts on the concrete backend: the same precondition
// answer (undefined exactly where the generic `ok` is false) and the same state where it holds.
// Z3 proves the generic ones equal to scalarAlu (proofs/closed-forms.ts), so this ties what
// runs to what is proved.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { floorAnd, lowMaskAnd, zeroBasedAdd, zeroBasedRsh } from '../../src/verifier/alu.ts';
import { floorAndForm, floorState, fillBelow, lowMaskAndForm, zeroBasedAddForm, zeroBasedRshForm, type ClosedForm } from '../../src/domains/closed-forms.ts';
import { scalarAlu } from '../../src/domains/alu.ts';
import { LINUX_6_18, scalarConst, scalarUnknown, type ScalarState } from '../../src/domains/scalar.ts';
import { D } from '../../src/verifier/regs.ts';
import { arbTracked } from '../domains/arb-scalar.ts';

const t = suite('verifier/closed-forms');

type S = ScalarState<bigint>;
const U64 = (1n << 64n) - 1n;

/** The runtime answer and the generic one agree: both refuse, or both give the same state. */
function agree(label: string, got: S | undefined, want: ClosedForm<bigint, boolean>): boolean {
  assert.is(got !== undefined, want.ok, `${label}: precondition`);
  if (got !== undefined) assert.equal(got, want.s, `${label}: state`);
  return want.ok;
}

const zeroBased = (a: bigint): S => floorState(D, a, fillBelow(D, a));
const u31 = fc.bigInt({ min: 0n, max: (1n << 31n) - 1n });
/** Bounds and masks near the edges the forms tell apart, and random ones. */
const small = fc.oneof(fc.constantFrom(0n, 1n, 2n, 0xffn, 0x100n, 0xffffn, 0x10000n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 40n, U64), u31, fc.bigInt({ min: 0n, max: 0xffffn }));

/** States the preconditions accept, and their near misses: one field moved, or from the domain's own steps. */
const FIELDS = ['umin', 'umax', 'smin', 'smax', 'u32min', 'u32max', 's32min', 's32max', 'value', 'mask'] as const;
function moved(s: S, f: (typeof FIELDS)[number], x: bigint): S {
  if (f === 'value' || f === 'mask') return { ...s, varOff: { ...s.varOff, [f]: x } };
  return { ...s, [f]: f.includes('32') ? x & 0xffffffffn : x };
}
const arbState: fc.Arbitrary<S> = fc.oneof(
  small.map(zeroBased),
  fc.tuple(small, small).map(([u, x]) => floorState(D, u, x)),
  fc.tuple(small, fc.constantFrom(...FIELDS), small).map(([a, f, x]) => moved(zeroBased(a), f, x)),
  fc.tuple(small, small, fc.constantFrom(...FIELDS), small).map(([u, m, f, x]) => moved(floorState(D, u, m), f, x)),
  arbTracked(6).map((tr) => tr.s),
  fc.constant(scalarUnknown(D)),
);
const arbK = fc.oneof(small, fc.constantFrom(0xffff0000n, 0xff00n, 0xfffffffffffff000n, 0x1_0000_ffffn), fc.bigInt({ min: 0n, max: U64 }), fc.integer({ min: 0, max: 31 }).map((n) => (1n << BigInt(n)) - 1n));

t('lowMaskAnd and floorAnd answer as their generic forms, on the same states', () => {
  let low = 0, floor = 0;
  fc.assert(fc.property(arbState, arbK, (s, k) => {
    if (agree(`lowMaskAnd ${k}`, lowMaskAnd(s, k)?.v, lowMaskAndForm(D, s, D.u64.c(k)))) low++;
    if (agree(`floorAnd ${k}`, floorAnd(s, k), floorAndForm(D, s, D.u64.c(k)))) floor++;
  }), { numRuns: 3000 });
  assert.ok(low > 100 && floor > 300, `answered: lowMaskAnd ${low}, floorAnd ${floor}`);
});

t('zeroBasedRsh answers as its generic form, shifts 0 .. 70', () => {
  let n = 0;
  fc.assert(fc.property(arbState, fc.integer({ min: 0, max: 70 }), (s, c) => {
    if (agree(`zeroBasedRsh ${c}`, zeroBasedRsh(s, BigInt(c)), zeroBasedRshForm(D, s, D.u64.c(c)))) n++;
  }), { numRuns: 3000 });
  assert.ok(n > 150, `answered ${n}`);
});

t('zeroBasedAdd answers as its generic form, on pairs of states', () => {
  let n = 0;
  fc.assert(fc.property(arbState, arbState, (x, y) => {
    if (agree('zeroBasedAdd', zeroBasedAdd(x, y), zeroBasedAddForm(D, x, y))) n++;
  }), { numRuns: 3000 });
  // and pairs of zero-based states, most of which it takes
  fc.assert(fc.property(small, small, (a, b) => {
    if (agree(`zeroBasedAdd ${a} ${b}`, zeroBasedAdd(zeroBased(a), zeroBased(b)), zeroBasedAddForm(D, zeroBased(a), zeroBased(b)))) n++;
  }), { numRuns: 2000 });
  assert.ok(n > 500, `answered ${n}`);
  // a checksum's sum of 16-bit words stays with the closed form up to 2^31
  const u16 = scalarAlu(D, 'and', 64, scalarUnknown(D), scalarConst(D, 0xffffn), LINUX_6_18);
  let sum = u16;
  for (let i = 0; i < 40; i++) {
    assert.ok(agree(`sum of ${i + 2} words`, zeroBasedAdd(sum, u16), zeroBasedAddForm(D, sum, u16)));
    sum = scalarAlu(D, 'add', 64, sum, u16, LINUX_6_18);
  }
});

t.run();
