// When the compiled operators (src/domains/compiled.ts) look their results cache up: an entry
// whose lookups seldom hit computes without lookup for a while and then tries again, an entry
// whose lookups hit keeps looking up, and either way every result is the generic code's.
// is_branch_taken is answered by its ways only.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { concrete64x32 } from '../../src/bv/concrete.ts';
import { scalarAlu } from '../../src/domains/alu.ts';
import { branchTaken } from '../../src/domains/branch.ts';
import { scalarConstOf, scalarUnknown, LINUX_6_18, type ScalarState } from '../../src/domains/scalar.ts';
import { CompiledOps, ENTRY } from '../../src/domains/compiled.ts';

const t = suite('domains/compiled-lookup');
const d = concrete64x32;
type S = ScalarState<bigint>;

/** A state of its own for each i (a new object every call): a constant outside the small-word table, or a range. */
const fresh = (i: number): S => (i % 2 === 0 ? scalarConstOf(d, 0x12345n + BigInt(i) * 0x10001n) : { ...scalarUnknown(d), umin: 0n, umax: BigInt(i) * 0x1000n, smin: 0n, smax: BigInt(i) * 0x1000n });

t('an entry whose lookups miss stops looking up, computes the same results, and looks up again later', () => {
  const C = new CompiledOps(LINUX_6_18), ix = ENTRY.alu('and', 64);
  const mask = scalarConstOf(d, 0xffffn);
  const seen: boolean[] = [];
  for (let i = 0; i < 1500; i++) {
    const a = fresh(i);
    assert.equal(C.alu('and', 64, a, mask), scalarAlu(d, 'and', 64, a, mask, LINUX_6_18), `and64 #${i}`);
    seen.push(C.caching(ix));
  }
  const off = seen.indexOf(false);
  assert.ok(off > 0, 'lookups stopped after a window without hits');
  assert.ok(seen.indexOf(true, off) > off, 'and started again');
  assert.ok(C.stats.skipped > 0 && C.stats.skipped < 1500, `skipped ${C.stats.skipped}`);
  assert.is(C.stats.hits, 0, 'nothing repeated');
  assert.ok(C.caching(ENTRY.alu('and', 32)), 'other entries keep their own windows');
});

t('an entry whose lookups hit keeps looking up; after a skip it finds the values kept before and after', () => {
  const C = new CompiledOps(LINUX_6_18), ix = ENTRY.alu('add', 64);
  const one = scalarConstOf(d, 1n);
  for (let i = 0; i < 800; i++) C.alu('add', 64, fresh(i), one);
  // 800 distinct calls: the entry alternated windows and skips; now four values over and over,
  // each time as new objects (so only the results cache, not the per-object ways, can answer)
  const before = C.stats.hits;
  for (let i = 0; i < 2000; i++) {
    const a = fresh(i % 4);
    const r = C.alu('add', 64, { ...a, varOff: { ...a.varOff } }, one);
    if (i % 97 === 0) assert.equal(r, scalarAlu(d, 'add', 64, a, one, LINUX_6_18), `add64 #${i}`);
  }
  assert.ok(C.caching(ix), 'still looking up');
  assert.ok(C.stats.hits - before > 1500, `hits ${C.stats.hits - before} of 2000`);
});

t('clearResults keeps an entry\'s skip: the window measures the workload, not one generation', () => {
  const C = new CompiledOps(LINUX_6_18), ix = ENTRY.alu('rsh', 64);
  const k = scalarConstOf(d, 16n);
  let i = 0;
  while (C.caching(ix) && i < 200) C.alu('rsh', 64, fresh(i++), k);
  assert.not.ok(C.caching(ix), 'stopped within 200 distinct calls');
  C.clearResults();
  assert.is(C.stats.skipped, 0, 'stats reset');
  const a = fresh(i);
  assert.equal(C.alu('rsh', 64, a, k), scalarAlu(d, 'rsh', 64, a, k, LINUX_6_18));
  assert.is(C.stats.skipped, 1, 'the call after the clear still skips the lookup');
});

t('is_branch_taken: answered by its ways for the same objects, computed again for equal inputs in other objects', () => {
  const C = new CompiledOps(LINUX_6_18);
  const a = fresh(3), b = scalarConstOf(d, 0x2000n);
  const want = branchTaken(d, a, b, 'jgt', 64);
  assert.is(C.branchTaken(a, b, 'jgt', 64), want);
  assert.is(C.branchTaken(a, b, 'jgt', 64), want, 'the same objects (a way)');
  assert.is(C.branchTaken({ ...a }, { ...b }, 'jgt', 64), want, 'equal inputs in other objects');
  assert.is(C.branchTaken({ ...a }, { ...b }, 'jgt', 32), branchTaken(d, a, b, 'jgt', 32));
  assert.is(C.branchTaken({ ...a }, { ...b }, 'jlt', 64), branchTaken(d, a, b, 'jlt', 64));
  assert.equal(C.stats, { hits: 0, misses: 0, skipped: 0 }, 'the results cache is not involved');
});

// A result's words outside the constant tables come back through a 256-slot table of recent
// bigints (compiled.ts recentWord), keyed by both halves. The hash is reproduced here to find two
// values sharing a slot; alternating them must give each its own bigint, never the slot's last.
const recentSlot = (x: bigint): number => {
  const lo = Number(BigInt.asIntN(32, x)), hi = Number(BigInt.asIntN(32, x >> 32n));
  return (Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca6b)) >>> 24;
};

t('results whose words share a slot of the recent-bigint table each read back their own value', () => {
  const x = 0x1234_5678_9abcn;
  let y = x + 1n;
  while (recentSlot(y) !== recentSlot(x)) y++;
  const C = new CompiledOps(LINUX_6_18), zero = scalarConstOf(d, 0n);
  for (let i = 0; i < 6; i++) {
    C.clearResults(); // computed every time, not answered by the results cache or the ways
    const v = i % 2 === 0 ? x : y, a = scalarConstOf(d, v);
    const r = C.alu('or', 64, a, zero);
    assert.equal(r, scalarAlu(d, 'or', 64, a, zero, LINUX_6_18), `or64 of 0x${v.toString(16)}`);
    assert.is(r.umax, v);
  }
});

t('a copy of a compiled result with one bound replaced is an input of its own (stored again, not taken for the result)', () => {
  const C = new CompiledOps(LINUX_6_18), k = scalarConstOf(d, 0xff0n);
  const a = { ...scalarUnknown(d), umin: 0x100n, umax: 0x1_0000_0000n, smin: 0x100n, smax: 0x1_0000_0000n };
  const r = C.alu('and', 64, a, k);
  // the next call's first input is r itself, then copies of r that differ in one field each
  assert.equal(C.alu('add', 64, r, k), scalarAlu(d, 'add', 64, r, k, LINUX_6_18));
  const copies: S[] = [{ ...r, umax: r.umax - 1n }, { ...r, varOff: { value: r.varOff.value, mask: r.varOff.mask >> 1n } }, { ...r, s32max: r.s32max - 1n }];
  for (const c of copies) {
    assert.equal(C.alu('add', 64, c, k), scalarAlu(d, 'add', 64, c, k, LINUX_6_18), 'copy');
    assert.equal(C.alu('add', 64, r, k), scalarAlu(d, 'add', 64, r, k, LINUX_6_18), 'the original again');
  }
});

t('every operator and width has an entry index of its own, below ENTRY.count', () => {
  const alus = ['add', 'sub', 'mul', 'div', 'sdiv', 'mod', 'smod', 'or', 'and', 'lsh', 'rsh', 'arsh', 'xor'] as const;
  const conds = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'] as const;
  const all: number[] = [ENTRY.sync, ENTRY.ptrVar('add'), ENTRY.ptrVar('sub')];
  for (const w of [32, 64] as const) {
    for (const op of alus) all.push(ENTRY.alu(op, w));
    for (const c of conds) all.push(ENTRY.refine(c, w), ENTRY.refine1(c, w), ENTRY.taken(c, w));
  }
  for (const size of [1, 2, 4, 8]) for (const sx of [false, true]) all.push(ENTRY.coerce(size, sx));
  assert.is(new Set(all).size, all.length, 'no two share an index');
  assert.ok(all.every((ix) => Number.isInteger(ix) && ix >= 0 && ix < ENTRY.count), 'all within the tables');
  assert.is(all.length, ENTRY.count, 'and every index is used');
});

t.run();
