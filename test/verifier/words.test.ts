// Typed arrays cut out of shared chunks (src/verifier/words.ts): each one handed out is zero,
// has its own bytes (writing one changes no other, across chunk boundaries too), and a copy holds
// the source's values without sharing them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { copyU32, copyU8, releaseU32, releaseU8, u32, u8, zeroU32 } from '../../src/verifier/words.ts';

const t = suite('verifier/words');

t('arrays are zero, disjoint and of the asked length', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5000 })), { minLength: 1, maxLength: 60 }), (asks) => {
    const made: (Uint32Array | Uint8Array)[] = [];
    for (const [wide, n] of asks) {
      const a = wide ? u32(n) : u8(n);
      assert.is(a.length, n);
      assert.ok(a.every((x) => x === 0), 'handed out non-zero');
      made.push(a);
      // fill it with a value only this array holds, then check no earlier array was touched
      a.fill(made.length);
    }
    made.forEach((a, i) => assert.ok(a.every((x) => x === ((i + 1) & (a instanceof Uint8Array ? 0xff : 0xffffffff))), `array ${i} overwritten`));
  }), { numRuns: 60 });
});

t('copies equal their source and do not share it', () => {
  fc.assert(fc.property(fc.uint32Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 3000 }), (w, b) => {
    const src32 = u32(w.length), src8 = u8(b.length);
    src32.set(w);
    src8.set(b);
    const c32 = copyU32(src32), c8 = copyU8(src8);
    assert.equal([...c32], [...w]);
    assert.equal([...c8], [...b]);
    if (w.length) {
      c32[0] = (c32[0] + 1) >>> 0;
      assert.is(src32[0], w[0]);
    }
    if (b.length) {
      c8[0] = (c8[0] + 1) & 0xff;
      assert.is(src8[0], b[0]);
    }
  }), { numRuns: 100 });
});

t('a released array serves the next copy of its length (with the copy\'s values), no other length', () => {
  const a = u32(37), b = u8(41);
  releaseU32(a);
  releaseU8(b);
  const other = copyU32(u32(38));
  assert.is.not(other, a, 'another length');
  const src = u32(37).fill(7), src8 = u8(41).fill(9);
  const c = copyU32(src), d = copyU8(src8);
  assert.is(c, a, 'the released one');
  assert.is(d, b);
  assert.ok(c.every((x) => x === 7) && d.every((x) => x === 9), 'the copy\'s values');
  assert.is.not(copyU32(src), a, 'handed out once');
});

t('zeroU32 hands out a released array of its length emptied, else a new zero one', () => {
  const a = u32(43).fill(5);
  releaseU32(a);
  const z = zeroU32(43);
  assert.is(z, a, 'the released one');
  assert.ok(z.every((x) => x === 0), 'emptied');
  const y = zeroU32(43);
  assert.is.not(y, a, 'handed out once');
  assert.ok(y.length === 43 && y.every((x) => x === 0));
});

t.run();
