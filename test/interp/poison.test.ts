// Poison mode's garbage (src/interp/poison.ts): one xorshift32 stream per seed, r2..r9 first,
// then the entry stack frame, then r1..r5 after each helper call. The search compares programs
// under the same seed, so the stream must not depend on the cache or on what ran before.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { nextPoison, poisonImage } from '../../src/interp/poison.ts';
import { Machine } from '../../src/interp/machine.ts';
import { STACK_SIZE } from '../../src/interp/layout.ts';
import { exit, K, mov, program } from './util.ts';

const t = suite('interp/poison');
const seedArb = fc.integer({ min: -0x80000000, max: 0x7fffffff }).filter((s) => s !== 0);

/** The stream from `seed`, n values: what the image must hold, written out plainly. */
function stream(seed: number, n: number): number[] {
  const out: number[] = [];
  let s = seed | 0;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out.push((s = s || 1));
  }
  return out;
}

t('the generator is xorshift32 and never yields 0', () => {
  fc.assert(fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (s) => {
    const v = nextPoison(s);
    assert.is.not(v, 0);
    assert.is(v, stream(s, 1)[0]);
  }));
});

t('an image is r2..r9 (lo, hi) then the stack in little-endian words, from one stream', () => {
  fc.assert(fc.property(seedArb, (seed) => {
    const img = poisonImage(seed);
    const words = stream(seed, 16 + STACK_SIZE / 4);
    for (let r = 2; r <= 9; r++) {
      assert.is(img.regs[2 * r], words[2 * (r - 2)]);
      assert.is(img.regs[2 * r + 1], words[2 * (r - 2) + 1]);
    }
    const dv = new DataView(img.stack.buffer);
    for (let i = 0; i < STACK_SIZE / 4; i++) assert.is(dv.getInt32(4 * i, true), words[16 + i]);
    assert.is(img.after, words[words.length - 1]);
  }), { numRuns: 50 });
});

t('a cached image equals a recomputed one (after the cache was cleared by 256 other seeds)', () => {
  const first = poisonImage(12345);
  const regs = first.regs.slice(), stack = first.stack.slice();
  for (let s = 1; s <= 300; s++) poisonImage(0x10000 + s);
  const again = poisonImage(12345);
  assert.equal(again.regs, regs);
  assert.equal(again.stack, stack);
  assert.is(again.after, first.after);
});

t('a machine gets the image at setup, zeros without a seed, and scramble continues the stream', () => {
  const m = new Machine(program([mov(0, K(0)), exit], 'xdp'));
  const seed = 77;
  const words = stream(seed, 16 + STACK_SIZE / 4 + 10);
  m.setup({ poison: seed });
  for (let r = 2; r <= 9; r++) assert.is(m.RL[r], words[2 * (r - 2)], `r${r} lo`);
  assert.is(m.poisonSeed, words[15 + STACK_SIZE / 4]);
  m.scramble();
  for (let r = 1; r <= 5; r++) {
    assert.is(m.RL[r], words[16 + STACK_SIZE / 4 + 2 * (r - 1)], `r${r} lo after the call`);
    assert.is(m.RH[r], words[16 + STACK_SIZE / 4 + 2 * (r - 1) + 1], `r${r} hi after the call`);
  }
  m.setup({});
  assert.is(m.poisonSeed, 0);
  for (let r = 2; r <= 9; r++) assert.is(m.RL[r] | m.RH[r], 0, `r${r} zero`);
  assert.ok(m.u8.subarray(m.rBase[0], m.rBase[0] + STACK_SIZE).every((b) => b === 0), 'stack zeroed');
});

t.run();
