// The fixed-width backends against the bigint oracle, operation by operation, at 64 and 32 bits:
// the arena backend (src/bv/fixed.ts) directly, and the compiler (src/bv/trace.ts + jit.ts) on a
// recording of each operation alone, with its inputs symbolic and also constant (folded).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Bits } from '../../src/bv/bits.ts';
import { concreteBits, concrete64x32 } from '../../src/bv/concrete.ts';
import { fixedBits, fixed64x32, fromBigint, toBigint, arenaMark, arenaRelease, arenaSize } from '../../src/bv/fixed.ts';
import { Trace } from '../../src/bv/trace.ts';
import { compileTrace } from '../../src/bv/jit.ts';
import { arbBits } from '../domains/arb.ts';

const t = suite('bv/fixed');
const RUNS = 300;

type Out = 'v' | 'b';
/** An operation over any ring: two values, a plain amount n, a value or a boolean out. */
interface Case { name: string; out: Out; run<V, B>(r: Bits<V, B>, a: V, b: V, n: number): V | B }
const v = (name: string, f: <V, B>(r: Bits<V, B>, a: V, b: V, n: number) => V): Case => ({ name, out: 'v', run: f });
const bo = (name: string, f: <V, B>(r: Bits<V, B>, a: V, b: V, n: number) => B): Case => ({ name, out: 'b', run: f });
const CASES: Case[] = [
  v('add', (r, a, b) => r.add(a, b)), v('sub', (r, a, b) => r.sub(a, b)), v('mul', (r, a, b) => r.mul(a, b)),
  v('neg', (r, a) => r.neg(a)), v('and', (r, a, b) => r.and(a, b)), v('or', (r, a, b) => r.or(a, b)),
  v('xor', (r, a, b) => r.xor(a, b)), v('not', (r, a) => r.not(a)), v('udiv', (r, a, b) => r.udiv(a, b)),
  v('urem', (r, a, b) => r.urem(a, b)), v('shl', (r, a, b) => r.shl(a, b)), v('lshr', (r, a, b) => r.lshr(a, b)),
  v('ashr', (r, a, b) => r.ashr(a, b)), v('shlN', (r, a, _b, n) => r.shlN(a, n)), v('lshrN', (r, a, _b, n) => r.lshrN(a, n)),
  v('ashrN', (r, a, _b, n) => r.ashrN(a, n)), v('ite', (r, a, b) => r.ite(r.ult(a, b), a, b)),
  v('c', (r, _a, _b, n) => r.c(BigInt(n) * 0x1234_5678_9abcn - 7n)),
  bo('umulOverflows', (r, a, b) => r.umulOverflows!(a, b)), bo('smulOverflows', (r, a, b) => r.smulOverflows!(a, b)),
  bo('eq', (r, a, b) => r.eq(a, b)), bo('ne', (r, a, b) => r.ne(a, b)), bo('ult', (r, a, b) => r.ult(a, b)),
  bo('ule', (r, a, b) => r.ule(a, b)), bo('ugt', (r, a, b) => r.ugt(a, b)), bo('uge', (r, a, b) => r.uge(a, b)),
  bo('slt', (r, a, b) => r.slt(a, b)), bo('sle', (r, a, b) => r.sle(a, b)), bo('sgt', (r, a, b) => r.sgt(a, b)),
  bo('sge', (r, a, b) => r.sge(a, b)), bo('bit', (r, a, _b, n) => r.bit(a, n)),
  bo('andB/orB/notB/iteB', (r, a, b) => r.iteB(r.eq(a, b), r.notB(r.slt(a, b)), r.orB(r.andB(r.ult(a, b), r.ne(a, r.zero)), r.bit(b, 0)))),
];

/** Inputs: two values (equal ones sometimes, so ties are tested) and an amount up to width + 2. */
const arbIn = (w: number) => fc.tuple(arbBits(w), arbBits(w), fc.integer({ min: 0, max: w + 2 }), fc.boolean())
  .map(([a, b, n, same]) => ({ a, b: same ? a : b, n }));

for (const w of [64, 32]) {
  const big = concreteBits(w), fx = fixedBits(w);
  for (const c of CASES) {
    t(`arena ${c.name}${w} = bigint`, () => {
      fc.assert(fc.property(arbIn(w), ({ a, b, n }) => {
        const m = arenaMark();
        const r = c.run(fx, fx.c(a), fx.c(b), n);
        const got = c.out === 'v' ? toBigint(r as number) : r;
        arenaRelease(m);
        assert.is(got, c.run(big, a, b, n));
      }), { numRuns: RUNS });
    });
    t(`compiled ${c.name}${w} = bigint (symbolic and constant inputs)`, () => {
      const tr = new Trace();
      const ring = w === 64 ? tr.d.u64 : tr.d.u32;
      const a = tr.input(w as 64 | 32), b = tr.input(w as 64 | 32);
      fc.assert(fc.property(arbIn(w), ({ a: x, b: y, n }) => {
        const outs = [{ id: c.run(ring, a, b, n) as number, w: c.out === 'v' ? (w as 64 | 32) : (0 as const) }];
        const f = compileTrace(tr, outs);
        const buf = new ArrayBuffer(16), I64 = new BigUint64Array(buf);
        I64[0] = x; I64[1] = y;
        const ob = new ArrayBuffer(16), O64 = new BigUint64Array(ob);
        f(new Int32Array(buf), new Int32Array(ob));
        const want = c.run(big, x, y, n);
        assert.is(c.out === 'v' ? O64[0] : O64[0] === 1n, want, 'symbolic');
        // the same operation on constants is folded while recording
        const k = c.run(ring, ring.c(x), ring.c(y), n) as number;
        const folded = c.out === 'v' ? ring.known(k) : ring.knownB(k);
        assert.is(folded, want, 'folded');
      }), { numRuns: 60 });
    });
  }
}

t('compiled shifts by a value: every amount below the width and just above it, and huge ones, = bigint', () => {
  for (const w of [64, 32] as const) {
    const big = concreteBits(w);
    for (const op of ['shl', 'lshr', 'ashr'] as const) {
      const tr = new Trace();
      const ring = w === 64 ? tr.d.u64 : tr.d.u32;
      const f = compileTrace(tr, [{ id: ring[op](tr.input(w), tr.input(w)), w }]);
      const buf = new ArrayBuffer(16), I64 = new BigUint64Array(buf), ob = new ArrayBuffer(16), O64 = new BigUint64Array(ob);
      const amounts = [...Array.from({ length: w + 3 }, (_, k) => BigInt(k)), 1n << 31n, (1n << 32n) + 3n, (1n << BigInt(w)) - 1n].filter((n) => n < 1n << BigInt(w));
      fc.assert(fc.property(arbBits(w), fc.constantFrom(...amounts), (x, n) => {
        I64[0] = x; I64[1] = n;
        f(new Int32Array(buf), new Int32Array(ob));
        assert.is(O64[0], big[op](x, n), `${op}${w} by ${n}`);
      }), { numRuns: 400 });
    }
  }
});

t('arena regions free their handles; values made before a region survive it', () => {
  const keep = fromBigint(0x1234_5678_9abc_def0n);
  const m = arenaMark();
  for (let i = 0; i < 1000; i++) fixed64x32.u64.add(keep, keep);
  assert.ok(arenaSize() >= m + 1000);
  arenaRelease(m);
  assert.is(arenaSize(), m);
  assert.is(toBigint(keep), 0x1234_5678_9abc_def0n);
});

t('width conversions agree with the bigint pair', () => {
  fc.assert(fc.property(arbBits(64), arbBits(32), (x, y) => {
    const m = arenaMark();
    const F = fixed64x32, C = concrete64x32;
    assert.is(toBigint(F.lo32(F.u64.c(x))), C.lo32(x));
    assert.is(toBigint(F.zext32(F.u32.c(y))), C.zext32(y));
    assert.is(toBigint(F.sext32(F.u32.c(y))), C.sext32(y));
    arenaRelease(m);
  }), { numRuns: RUNS });
});

t('an unsupported width is refused by name', () => {
  assert.throws(() => fixedBits(16), /width 16/);
});

t.run();
