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
import { markUnbounded, scalarConstOf, scalarEq, scalarSane, scalarUnknown, LINUX_6_12, LINUX_6_18, type ScalarState } from '../../src/domains/scalar.ts';
import { CompiledOps, ENTRY, hashOf } from '../../src/domains/compiled.ts';
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

/** A state that reg_bounds_sync changes (its result is a new object, not the input itself): a byte whose bounds are wider than its tnum's. */
const unsynced = (k: number): ScalarState<bigint> => {
  const s = { ...scalarUnknown(d), varOff: { value: BigInt(k), mask: 0xf0n }, umax: 0x1000n };
  assert.not.ok(scalarEq(d, regBoundsSync(d, s, LINUX_6_18), s));
  return s;
};

t('the results cache returns the same object for the same inputs, and forgets on request', () => {
  const a = unsynced(5);
  const C = new CompiledOps(LINUX_6_18);
  const r1 = C.sync(a), r2 = C.sync({ ...a, varOff: { ...a.varOff } });
  assert.ok(r1 === r2, 'equal inputs hit the cache');
  C.clearResults();
  const r3 = C.sync(a);
  assert.ok(r3 !== r1, 'cleared');
  assert.equal(r3, r1);
});

t('a result with the words of an input is that input object; one word apart, or a bound equal to another only in its low half, is read as its own', () => {
  const C = new CompiledOps(LINUX_6_18);
  const range = { ...scalarUnknown(d), umin: 0n, umax: 100n, smin: 0n, smax: 100n }, k = scalarConstOf(d, 50n);
  const r = C.refine(range, k, 'jgt', 64);
  assert.equal([r.fallthrough, r.taken], [refine(d, range, k, 'jgt', 64, LINUX_6_18).fallthrough, refine(d, range, k, 'jgt', 64, LINUX_6_18).taken]);
  assert.ok(r.fallthrough[1] === k && r.taken[1] === k, 'the constant comes back as itself');
  // the sync changes s32max only (the last word of the state)
  const wide = { varOff: { value: 0n, mask: 0xffn }, umin: 0n, umax: 0xffn, smin: 0n, smax: 0xffn, u32min: 0n, u32max: 0xffn, s32min: 0n, s32max: 0x1ffn };
  const synced = C.sync(wide);
  assert.ok(synced !== wide);
  assert.equal(synced, regBoundsSync(d, wide, LINUX_6_18));
  assert.is(synced.s32max, 0xffn);
  // umax 0x1_0000_00ff and u32max 0xff share their low half only
  const m = scalarConstOf(d, 0x1_0000_00ffn), x = scalarUnknown(d);
  const and = C.alu('and', 64, x, m);
  assert.equal(and, scalarAlu(d, 'and', 64, x, m, LINUX_6_18));
  assert.equal([and.umax, and.u32max], [0x1_0000_00ffn, 0xffn]);
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
  const a = unsynced(9);
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

// The results cache keeps a 32-bit tag (hashOf) per slot and, on a tag match, compares the
// stored inputs' words with the current ones. Directed case: two add64 inputs with the same
// tag (word 0 changed, the last low word chosen to bring the even lane back to the same value;
// the odd lane sees the same words), so only the compare tells them apart.
const keyWords = (a: S, b: S): Int32Array => {
  const q = new BigUint64Array(20);
  [a, b].forEach((s, k) => q.set([s.varOff.value, s.varOff.mask, s.umin, s.umax, s.smin, s.smax, s.u32min, s.u32max, s.s32min, s.s32max], 10 * k));
  return new Int32Array(q.buffer);
};
type S = ScalarState<bigint>;

t('results cache: inputs with the same tag and entry but other words do not hit', () => {
  const ADD64 = ENTRY.alu('add', 64);
  const a: S = scalarConstOf(d, 0x1234n), b: S = { ...scalarUnknown(d), umax: 0x10000n, smax: 0x10000n, umin: 0n, smin: 0n, s32max: 7n };
  const a2: S = { ...a, varOff: { value: 0x5678n, mask: 0n } };
  // the even lane before its last word (word 38, b.s32max's low half), for each input
  const lane = (w: Int32Array): number => {
    let h = ADD64 + 1;
    for (let j = 0; j < 38; j += 2) h = Math.imul(h ^ w[j], 0x9e3779b1);
    return h;
  };
  const w1 = keyWords(a, b), w2 = keyWords(a2, b);
  const b2 = { ...b, s32max: BigInt(((lane(w1) ^ lane(w2) ^ 7) >>> 0)) };
  assert.is(hashOf(ADD64, keyWords(a2, b2), 40), hashOf(ADD64, w1, 40), 'the same tag');
  const C = new CompiledOps(LINUX_6_18);
  assert.equal(C.alu('add', 64, a, b), scalarAlu(d, 'add', 64, a, b, LINUX_6_18));
  const want = scalarAlu(d, 'add', 64, a2, b2, LINUX_6_18);
  assert.not.equal(want, scalarAlu(d, 'add', 64, a, b, LINUX_6_18), 'the two inputs have different results');
  assert.equal(C.alu('add', 64, a2, b2), want, 'no false hit');
  assert.is(C.stats.hits, 0);
  assert.equal(C.alu('add', 64, { ...a2 }, { ...b2 }), want);
  assert.is(C.stats.hits, 1, 'the slot now holds the second inputs: equal ones in other objects hit');
});

t.run();
