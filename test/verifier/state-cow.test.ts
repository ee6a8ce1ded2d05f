// Copy-on-write stacks (src/verifier/state.ts cloneFrame / ownStack): a frame copy shares the
// stack array with the frame it was copied from, and a write through ownStack to either frame
// must never show in the other. Checked against eagerly copied model stacks: random copies and
// writes (spills, misc/zero bytes, var-offset ranges) on a growing set of frames.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { type Frame, cloneFrame, cloneState, newFrame, ownStack } from '../../src/verifier/state.ts';
import { type Stack, spill, writeBytes, writeRange } from '../../src/verifier/stack.ts';
import { immReg } from '../../src/verifier/regs.ts';
import { acquireRef, dropRef } from '../../src/verifier/refs.ts';
import type { Env } from '../../src/verifier/env.ts';

const t = suite('verifier/state-cow');

type Act =
  | { k: 'copy'; of: number }
  | { k: 'spill'; at: number; spi: number; imm: number; size: number }
  | { k: 'bytes'; at: number; off: number; size: number; zero: boolean }
  | { k: 'range'; at: number; off: number; len: number };

const act: fc.Arbitrary<Act> = fc.oneof(
  fc.record({ k: fc.constant('copy' as const), of: fc.nat(40) }),
  fc.record({ k: fc.constant('spill' as const), at: fc.nat(40), spi: fc.nat(63), imm: fc.integer({ min: -5, max: 5 }), size: fc.constantFrom(1, 2, 4, 8) }),
  fc.record({ k: fc.constant('bytes' as const), at: fc.nat(40), off: fc.integer({ min: -512, max: -8 }), size: fc.constantFrom(1, 2, 4, 8), zero: fc.boolean() }),
  fc.record({ k: fc.constant('range' as const), at: fc.nat(40), off: fc.integer({ min: -512, max: -16 }), len: fc.integer({ min: 1, max: 16 }) }),
);

/** Slots compared by content (types and spilled register), holes and undefined alike. */
const view = (s: Stack): string[] => Array.from({ length: 64 }, (_, i) => (s[i] ? `${s[i]!.types}:${s[i]!.spilled?.v.varOff.value ?? '-'}` : '.'));

t('writes through ownStack to one copy never show in another', () => {
  fc.assert(fc.property(fc.array(act, { maxLength: 60 }), (acts) => {
    const frames: Frame[] = [newFrame(0, -1, 0)];
    const models: Stack[] = [[]];
    for (const a of acts) {
      if (a.k === 'copy') {
        const i = a.of % frames.length;
        frames.push(cloneFrame(frames[i]));
        models.push(models[i].slice());
        continue;
      }
      const i = a.at % frames.length;
      if (a.k === 'spill') {
        spill(ownStack(frames[i]), a.spi, immReg(a.imm), a.size);
        spill(models[i], a.spi, immReg(a.imm), a.size);
      } else if (a.k === 'bytes') {
        writeBytes(ownStack(frames[i]), a.off, a.size, a.zero ? '0' : 'm');
        writeBytes(models[i], a.off, a.size, a.zero ? '0' : 'm');
      } else {
        writeRange(ownStack(frames[i]), a.off, a.off + a.len, false);
        writeRange(models[i], a.off, a.off + a.len, false);
      }
    }
    frames.forEach((f, i) => assert.equal(view(f.stack), view(models[i])));
    return true;
  }), { numRuns: 300 });
});

t('a state copy shares each stack until the first write, then owns a copy', () => {
  const f = newFrame(0, -1, 0);
  spill(ownStack(f), 0, immReg(1), 8);
  const s = { frames: [f], refs: [] };
  const c = cloneState(s);
  assert.is(c.frames[0].stack, f.stack);
  spill(ownStack(c.frames[0]), 1, immReg(2), 8);
  assert.is.not(c.frames[0].stack, f.stack);
  assert.is(f.stack[1], undefined);
  assert.is(c.frames[0].stack[0], f.stack[0]);
  assert.ok(c.frames[0].stack[1]?.spilled);
});

t('state copies share the reference list; acquiring or releasing in one never shows in another', () => {
  // random acquires and releases on random copies, against eagerly copied model lists
  const step = fc.tuple(fc.constantFrom('copy', 'acquire', 'release'), fc.nat(20), fc.nat(5));
  fc.assert(fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
    const env = { idGen: 0 } as Env;
    const states = [{ frames: [newFrame(0, -1, 0)], refs: [] as { id: number; insn: number }[] }];
    const models: number[][] = [[]];
    for (const [k, at, which] of steps) {
      const i = at % states.length;
      if (k === 'copy') {
        states.push(cloneState(states[i]));
        models.push(models[i].slice());
      } else if (k === 'acquire') {
        models[i].push(acquireRef(env, states[i], at));
      } else if (models[i].length) {
        const id = models[i][which % models[i].length];
        assert.ok(dropRef(states[i], id));
        models[i] = models[i].filter((x) => x !== id);
      }
    }
    states.forEach((s, i) => assert.equal(s.refs.map((r) => r.id), models[i]));
    return true;
  }), { numRuns: 300 });
});

t.run();
