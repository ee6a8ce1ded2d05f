// A pointer's variable part moved by a non-constant scalar (src/domains/alu-ptr.ts): the generic
// operator on bigints gives what the verifier model computed by hand on bigints before it (the
// formula is kept here as the reference: sums and differences as integers, any overflow of a
// signed or unsigned bound → unbounded, 32-bit bounds unbounded, the tnum added or subtracted),
// and the compiled form gives the same raw and synced states.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { concrete64x32 } from '../../src/bv/concrete.ts';
import { regBoundsSync } from '../../src/domains/sync.ts';
import { tnumAdd, tnumSub } from '../../src/domains/tnum.ts';
import { LINUX_6_12, LINUX_6_18, type ScalarState } from '../../src/domains/scalar.ts';
import { ptrVarOffset, ptrVarMove, type PtrVarOp } from '../../src/domains/alu-ptr.ts';
import { CompiledOps } from '../../src/domains/compiled.ts';
import { arbTracked } from './arb-scalar.ts';

const t = suite('domains/alu-ptr');
const d = concrete64x32;
type S = ScalarState<bigint>;
const S64_MIN = -(1n << 63n), S64_MAX = (1n << 63n) - 1n, U64_MAX = (1n << 64n) - 1n;
const s64 = (x: bigint) => BigInt.asIntN(64, x), u64 = (x: bigint) => BigInt.asUintN(64, x);

/** The hand-written form adjust_ptr_min_max_vals had in src/verifier/alu.ts. */
function reference(op: PtrVarOp, p: S, o: S): S {
  const U32 = { u32min: 0n, u32max: 0xffffffffn, s32min: 0x80000000n, s32max: 0x7fffffffn };
  let smin: bigint, smax: bigint, umin: bigint, umax: bigint;
  if (op === 'add') {
    smin = s64(p.smin) + s64(o.smin); smax = s64(p.smax) + s64(o.smax);
    umin = p.umin + o.umin; umax = p.umax + o.umax;
    if (umin > U64_MAX || umax > U64_MAX) { umin = 0n; umax = U64_MAX; }
  } else {
    smin = s64(p.smin) - s64(o.smax); smax = s64(p.smax) - s64(o.smin);
    if (p.umin < o.umax) { umin = 0n; umax = U64_MAX; } else { umin = p.umin - o.umax; umax = p.umax - o.umin; }
  }
  if (smin < S64_MIN || smin > S64_MAX || smax < S64_MIN || smax > S64_MAX) { smin = S64_MIN; smax = S64_MAX; }
  const varOff = op === 'add' ? tnumAdd(d.u64, p.varOff, o.varOff) : tnumSub(d.u64, p.varOff, o.varOff);
  return { varOff, smin: u64(smin), smax: u64(smax), umin, umax, ...U32 };
}

const arbPair = fc.tuple(arbTracked(), arbTracked()).map(([a, b]) => [a.s, b.s] as const);
const OPS: PtrVarOp[] = ['add', 'sub'];

t('generic on bigints = the former hand-written formula (both flavors: the pointer rule does not follow addSubWrap)', () => {
  fc.assert(fc.property(arbPair, fc.constantFrom(...OPS), ([p, o], op) => {
    const want = reference(op, p, o);
    assert.equal(ptrVarOffset(d, op, p, o, LINUX_6_18), want, `${op} 6.18`);
    assert.equal(ptrVarOffset(d, op, p, o, LINUX_6_12), want, `${op} 6.12`);
  }), { numRuns: 2000 });
});

t('compiled = generic on bigints (raw and synced)', () => {
  const C = new CompiledOps(LINUX_6_18);
  fc.assert(fc.property(arbPair, fc.constantFrom(...OPS), ([p, o], op) => {
    const want = ptrVarMove(d, op, p, o, LINUX_6_18);
    assert.equal(want.synced, regBoundsSync(d, want.raw, LINUX_6_18));
    const got = C.ptrVar(op, p, o);
    assert.equal(got.raw, want.raw, `${op} raw`);
    assert.equal(got.synced, want.synced, `${op} synced`);
  }), { numRuns: 1000 });
});

t('edges: a wrap of either unsigned bound, a signed overflow', () => {
  const k = (x: bigint): S => ({ varOff: { value: x, mask: 0n }, umin: x, umax: x, smin: x, smax: x, u32min: x & 0xffffffffn, u32max: x & 0xffffffffn, s32min: x & 0xffffffffn, s32max: x & 0xffffffffn });
  const C = new CompiledOps(LINUX_6_18);
  for (const [a, b] of [[U64_MAX, 1n], [S64_MAX, 1n], [0n, 1n], [1n << 63n, 1n << 63n], [5n, 7n]] as const) {
    for (const op of OPS) {
      const want = reference(op, k(a), k(b));
      assert.equal(ptrVarOffset(d, op, k(a), k(b), LINUX_6_18), want, `${op} ${a} ${b}`);
      assert.equal(C.ptrVar(op, k(a), k(b)).raw, want, `compiled ${op} ${a} ${b}`);
    }
  }
  assert.is(reference('add', k(U64_MAX), k(1n)).umax, U64_MAX);
  assert.is(reference('sub', k(0n), k(1n)).umin, 0n);
});

t.run();
