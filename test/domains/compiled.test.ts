// The compiled operators (src/domains/compiled.ts) give the same states as the generic code on
// bigints, on reachable states drawn by fast-check, for every entry (sync, ALU, both refine
// forms, branch_taken, loads), and their results cache and native tnum_mul driver behave.
// The recorded kernel cases through the run-time backends: compiled-replay.test.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { concrete64x32 } from '../../src/bv/concrete.ts';
import { regBoundsSync } from '../../src/domains/sync.ts';
import { scalarAlu } from '../../src/domains/alu.ts';
import { refine, branchTaken, refineCondOp, revCond } from '../../src/domains/branch.ts';
import { coerceRegToSize, coerceRegToSizeSx } from '../../src/domains/alu-move.ts';
import { markUnbounded, scalarSane, scalarUnknown, LINUX_6_12, LINUX_6_18, type ScalarState } from '../../src/domains/scalar.ts';
import { CompiledOps } from '../../src/domains/compiled.ts';
import { arbTracked, ALU_OPS, CONDS, WIDTHS } from './arb-scalar.ts';

const t = suite('domains/compiled');
const d = concrete64x32;

const arbPair = fc.tuple(arbTracked(), arbTracked()).map(([a, b]) => [a.s, b.s] as const);

t('reachable states: sync, ALU, refine, branch_taken and loads compiled = bigint', () => {
  const C = new CompiledOps(LINUX_6_18);
  fc.assert(fc.property(arbPair, fc.constantFrom(...ALU_OPS), fc.constantFrom(...CONDS), fc.constantFrom(...WIDTHS), fc.constantFrom(1, 2, 4, 8), fc.boolean(),
    ([a, b], op, c, w, size, sx) => {
      assert.equal(C.sync(a), regBoundsSync(d, a, LINUX_6_18), 'sync');
      assert.equal(C.alu(op, w, a, b), scalarAlu(d, op, w, a, b, LINUX_6_18), `alu ${op}${w}`);
      const r = refine(d, a, b, c, w, LINUX_6_18), rc = C.refine(a, b, c, w);
      assert.equal([rc.fallthrough, rc.taken], [r.fallthrough, r.taken], `refine ${c}${w}`);
      assert.is(C.branchTaken(a, b, c, w), branchTaken(d, a, b, c, w), `taken ${c}${w}`);
      const edge = (k: typeof c | ReturnType<typeof revCond>) => {
        const x = regBoundsSync(d, refineCondOp(d, a, b, k, w)[0], LINUX_6_18);
        return scalarSane(d, x) ? x : markUnbounded(d, x);
      };
      const r1 = C.refineFirst(a, b, c, w);
      assert.equal([r1.fallthrough[0], r1.taken[0]], [edge(revCond(c)), edge(c)], `refine1 ${c}${w}`);
      const want = sx && size < 8 ? coerceRegToSizeSx(d, a, (size * 8) as 8 | 16 | 32, LINUX_6_18) : coerceRegToSize(d, a, size, LINUX_6_18);
      assert.equal(C.coerce(a, size, sx && size < 8), want, `coerce ${size}${sx}`);
    }), { numRuns: 300 });
});

t('calls answered by input objects (the ways of each entry): right result for every op, order and repeat', () => {
  // a small pool of objects drawn from, so that pairs recur in and beyond the eight ways, in both
  // operand orders, across entries that share objects (add/sub, 64/32) and across clears
  const pool = fc.sample(arbTracked(), { numRuns: 6, seed: 21 }).map((x) => x.s);
  const C = new CompiledOps(LINUX_6_18);
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(5), fc.nat(5), fc.constantFrom('add', 'sub', 'xor', 'lsh') as fc.Arbitrary<'add' | 'sub' | 'xor' | 'lsh'>, fc.constantFrom(...WIDTHS), fc.nat(19)), { minLength: 20, maxLength: 60 }),
    (calls) => {
      for (const [i, j, op, w, k] of calls) {
        if (k === 0) C.clearResults();
        const a = pool[i], b = pool[j];
        assert.equal(C.alu(op, w, a, b), scalarAlu(d, op, w, a, b, LINUX_6_18), `alu ${op}${w} ${i},${j}`);
        assert.equal(C.sync(a), regBoundsSync(d, a, LINUX_6_18), `sync ${i}`);
      }
    }), { numRuns: 40 });
});

t('the results cache returns the same object for the same inputs, and forgets on request', () => {
  const [a] = fc.sample(arbTracked(), { numRuns: 1, seed: 5 }).map((x) => x.s);
  const C = new CompiledOps(LINUX_6_18);
  const r1 = C.sync(a), r2 = C.sync({ ...a, varOff: { ...a.varOff } });
  assert.ok(r1 === r2, 'equal inputs hit the cache');
  C.clearResults();
  const r3 = C.sync(a);
  assert.ok(r3 !== r1, 'cleared');
  assert.equal(r3, r1);
});

t('operators are compiled per kernel flavor (6.12 tnum_mul differs from 6.18)', () => {
  // a constant times a 16-bit multiple of 16 (found by sampling arbTracked pairs: 336 of 3,000 differ)
  const k = 0x3fffffffffffffffn;
  const a = { varOff: { value: k, mask: 0n }, umin: k, umax: k, smin: k, smax: k, u32min: 0xffffffffn, u32max: 0xffffffffn, s32min: 0xffffffffn, s32max: 0xffffffffn };
  const b = { varOff: { value: 0n, mask: 0xfff0n }, umin: 0n, umax: 0xfff0n, smin: 0n, smax: 0xfff0n, u32min: 0n, u32max: 0xfff0n, s32min: 0n, s32max: 0xfff0n };
  const old = new CompiledOps(LINUX_6_12), now = new CompiledOps(LINUX_6_18);
  assert.equal(old.alu('mul', 64, a, b), scalarAlu(d, 'mul', 64, a, b, LINUX_6_12));
  assert.equal(now.alu('mul', 64, a, b), scalarAlu(d, 'mul', 64, a, b, LINUX_6_18));
  assert.not.equal(scalarAlu(d, 'mul', 64, a, b, LINUX_6_12), scalarAlu(d, 'mul', 64, a, b, LINUX_6_18), 'the flavors differ here');
});

t('two CompiledOps share no results: clearing one leaves the other\'s cache', () => {
  const [a] = fc.sample(arbTracked(), { numRuns: 1, seed: 9 }).map((x) => x.s);
  const x = new CompiledOps(LINUX_6_18), y = new CompiledOps(LINUX_6_18);
  const rx = x.sync(a), ry = y.sync(a);
  assert.ok(rx !== ry, 'separate caches: separate result objects');
  assert.equal(rx, ry);
  x.clearResults();
  assert.ok(y.sync(a) === ry, 'y still hits its own entry');
  assert.is(y.stats.hits, 1);
  assert.ok(x.sync(a) !== rx, 'x recomputed');
});

t('tnum_mul driven by the compiled exit test = the generic loop, at both widths (multipliers ending early and late)', () => {
  const C = new CompiledOps(LINUX_6_18);
  const tn = (value: bigint, mask: bigint) => ({ value, mask });
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.nat(64), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    (v1, m1, bits, v2, m2) => {
      // a multiplier of `bits` significant bits: the loop exits after `bits` steps
      const keep = (1n << BigInt(bits)) - 1n;
      const a = tn(v1 & ~m1 & keep, m1 & keep), b = tn(v2 & ~m2, m2);
      const sa = { ...scalarUnknown(d), varOff: a }, sb = { ...scalarUnknown(d), varOff: b };
      assert.equal(C.alu('mul', 64, sa, sb).varOff, scalarAlu(d, 'mul', 64, sa, sb, LINUX_6_18).varOff);
      assert.equal(C.alu('mul', 32, sa, sb).varOff, scalarAlu(d, 'mul', 32, sa, sb, LINUX_6_18).varOff);
    }), { numRuns: 300 });
});

t('count is the number of operators compiled, and a one-input entry hits after a two-input call left words beyond its inputs', () => {
  const [a, b] = fc.sample(arbTracked(), { numRuns: 2, seed: 13 }).map((x) => x.s);
  const C = new CompiledOps(LINUX_6_18);
  assert.is(C.count, 0);
  const r1 = C.sync(a);
  assert.is(C.count, 1, 'sync only (its entry index is 92: count is not the table length)');
  // a 2-input call writes words 20..39 of the scratch buffer; sync's key is words 0..19 only
  C.alu('add', 64, a, { ...b, umax: b.umax | 0x123456789n });
  assert.ok(C.sync(a) === r1, 'the same sync inputs hit');
  assert.is(C.count, 2);
});

// The results cache keys a two-scalar entry by 41 words (tag + 40) per slot. A shorter stride
// would let a key spill into the next slot's tag and first word, and a later lookup there could
// hit with another input's result. Directed case: the hash is reproduced here (as slotOf in
// compiled.ts) to place two keys in adjacent slots, the first one's spill shaped as the tag of
// add64 and word 0 of the second lookup's input.
const hashSlot = (ix: number, words: Int32Array): number => {
  let h = ix + 1;
  for (const w of words) h = Math.imul(h ^ w, 0x9e3779b1);
  h ^= h >>> 15;
  return h & ((1 << 14) - 1);
};
const keyWords = (a: S, b: S): Int32Array => {
  const q = new BigUint64Array(20);
  [a, b].forEach((s, k) => q.set([s.varOff.value, s.varOff.mask, s.umin, s.umax, s.smin, s.smax, s.u32min, s.u32max, s.s32min, s.s32max], 10 * k));
  return new Int32Array(q.buffer);
};
type S = ScalarState<bigint>;
const withWord = (s: S, umaxLow: number): S => ({ ...s, umax: (s.umax & ~0xffffffffn) | BigInt(umaxLow >>> 0) });

t('results cache: keys in adjacent slots do not overlap (no hit for inputs differing from a neighbour\'s spill)', () => {
  const ADD64 = 1; // ENTRY.alu('add', 64)
  const base = scalarUnknown(d);
  // E and E' (E with word 0 = 0) in the same slot
  let e: [S, S] | undefined, e2: [S, S] | undefined, slot = -1;
  for (let i = 1; !e; i++) {
    const a = { ...base, varOff: { value: 0x1234n, mask: 0n } }, b = { ...withWord(base, i), varOff: { value: 1n, mask: 0n } };
    const a2 = { ...a, varOff: { value: 0n, mask: 0n } };
    const s1 = hashSlot(ADD64, keyWords(a, b));
    if (s1 === hashSlot(ADD64, keyWords(a2, b))) [e, e2, slot] = [[a, b], [a2, b], s1];
  }
  // X one slot before, its second operand's s32max = 2 (the tag of add64), high word 0
  let x: [S, S] | undefined;
  for (let i = 1; !x; i++) {
    const a = withWord(base, i), b = { ...base, s32max: 2n };
    if (hashSlot(ADD64, keyWords(a, b)) === ((slot - 1) & 16383)) x = [a, b];
  }
  const C = new CompiledOps(LINUX_6_18);
  assert.equal(C.alu('add', 64, ...e), scalarAlu(d, 'add', 64, ...e, LINUX_6_18));
  assert.equal(C.alu('add', 64, ...x), scalarAlu(d, 'add', 64, ...x, LINUX_6_18));
  const want = scalarAlu(d, 'add', 64, ...e2!, LINUX_6_18);
  assert.not.equal(want, scalarAlu(d, 'add', 64, ...e, LINUX_6_18), 'the two inputs have different results');
  assert.equal(C.alu('add', 64, ...e2!), want, 'no false hit');
});

t.run();
