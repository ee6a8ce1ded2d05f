// A run's precision walks of single pieces kept by their steps (src/verifier/precision.ts,
// PieceWalks): marks made with them are the marks of walks made afresh, a kept walk answers only
// a piece of the same steps asked for the same registers, and a reset forgets what an
// instruction array patched in place would answer otherwise.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Op } from '../../src/isa/op.ts';
import { forgetWalks, markPrecise, newHist, noPrecision, PieceWalks, type CheckpointLike, type Hist } from '../../src/verifier/precision.ts';
import { auxFor, hist } from './hists.ts';

const t = suite('verifier/piece-walks');

const alu = (op: string, dst: number, src: number | { imm: number }): Op =>
  ({ kind: 'alu', op, width: 64, dst, src: typeof src === 'number' ? { reg: src } : src }) as unknown as Op;
const ldx = (dst: number): Op => ({ kind: 'ldx', size: 8, signed: false, dst, src: 10, off: -8 }) as Op;
const stx = (src: number): Op => ({ kind: 'stx', size: 8, dst: 10, src, off: -8 }) as Op;
const jgt = (dst: number, src: number): Op => ({ kind: 'jcond', op: 'jgt', width: 64, dst, src: { reg: src }, off: 0 }) as Op;
const ja = (): Op => ({ kind: 'ja', off: 0, long: false }) as unknown as Op;

const reg = fc.integer({ min: 0, max: 9 });
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(fc.constantFrom('mov', 'add'), reg, reg).map(([op, d, s]) => alu(op, d, s)),
  fc.tuple(reg, fc.integer({ min: -4, max: 4 })).map(([d, imm]) => alu('mov', d, { imm })),
  reg.map(ldx),
  reg.map(stx),
  fc.tuple(reg, reg).map(([d, s]) => jgt(d, s)),
  fc.constant(ja()),
);

/**
 * A loop's history: a few bodies (instruction runs with their notes), and the order the
 * iterations ran them in; each iteration's body is a new piece with the same steps, split at
 * `cut` as branches split it, on top of the iterations before, with a checkpoint every `every`.
 */
interface Loop { ops: Op[]; bodies: { pcs: number[]; aux: number[][] }[]; order: [number, number][]; cut: number; every: number; queries: { regs: number; slots: number[] }[] }

// (each body's steps with two sets of notes: pieces of the same instructions and entry count
// whose notes differ)
const arbLoop: fc.Arbitrary<Loop> = fc.array(arbOp, { minLength: 4, maxLength: 12 }).chain((ops) => fc.record({
  ops: fc.constant(ops),
  bodies: fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: ops.length - 1 }), fc.nat(1000), fc.nat(1000)), { minLength: 1, maxLength: 9 }), { minLength: 1, maxLength: 3 })
    .map((bs) => bs.map((b) => ({ pcs: b.map(([pc]) => pc), aux: [b.map(([pc, x]) => auxFor(ops[pc], x)), b.map(([pc, , y]) => auxFor(ops[pc], y))] }))),
  order: fc.array(fc.tuple(fc.nat(2), fc.nat(1)), { minLength: 2, maxLength: 10 }),
  cut: fc.integer({ min: 2, max: 8 }),
  every: fc.integer({ min: 1, max: 4 }),
  queries: fc.array(fc.record({ regs: fc.integer({ min: 1, max: 0x3ff }), slots: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 1 }) }), { minLength: 1, maxLength: 6 }),
}));

/** The loop's checkpoints and current path (each iteration's pieces new objects). */
function build(l: Loop) {
  let parent: CheckpointLike | null = null, h: Hist | undefined;
  const cps: CheckpointLike[] = [];
  l.order.forEach(([k, v], i) => {
    const b = l.bodies[k % l.bodies.length], aux = b.aux[v];
    for (let j = 0; j < b.pcs.length; j += l.cut) h = hist(b.pcs.slice(j, j + l.cut), aux.slice(j, j + l.cut), h);
    if (i % l.every === l.every - 1 && i < l.order.length - 1) {
      parent = { parent, hist: h!, frames: 1, precise: noPrecision() };
      cps.push(parent);
      h = undefined;
    }
  });
  return { cps, parent, path: h ?? newHist() };
}

const marks = (cps: CheckpointLike[]) => cps.map((c) => ({ regs: c.precise.regs.slice(), slots: [...c.precise.slots].sort(), all: c.precise.all }));

t('marks made with kept piece walks are the marks of walks made afresh, request after request', () => {
  // the table as the runs have it, and of one record (each walk kept in place of the one before)
  const tables = [new PieceWalks(), new PieceWalks(0)];
  fc.assert(fc.property(arbLoop, fc.nat(1), (l, which) => {
    const walks = tables[which];
    const kept = build(l), fresh = build(l);
    walks.reset();
    forgetWalks();
    const got = l.queries.map((q, i) => {
      markPrecise(l.ops, kept.path, kept.parent, 0, q.regs, q.slots, i % 2 === 0, walks);
      return marks(kept.cps);
    });
    l.queries.forEach((q, i) => {
      forgetWalks();
      markPrecise(l.ops, fresh.path, fresh.parent, 0, q.regs, q.slots, i % 2 === 0);
      assert.equal(got[i], marks(fresh.cps), `request ${i}`);
    });
  }), { numRuns: 4000 });
});

// what is kept: a walk of the piece [0, 1, 2, 3] (r1 and a high slot asked) answers only the same steps, registers and slots
const KEPT_PLAIN = { pcs: [0, 1, 2, 3], aux: [-1, -1, -1, -1], regs: 1 << 1, lo: 0, hi: 1 << 31, skipLast: false }, KEPT = KEPT_PLAIN;
const asks: { what: string; pcs: number[]; aux: number[]; regs: number; lo: number; hi: number; skipLast: boolean; found: boolean }[] = [
  { what: 'the same steps, a new piece', ...KEPT, found: true },
  { what: 'other registers', ...KEPT, regs: 1 << 2, found: false },
  { what: 'a stack slot more (fp-8)', ...KEPT, lo: 1, found: false },
  { what: 'another high slot', ...KEPT, hi: 1 << 30, found: false },
  { what: 'the last instruction skipped', ...KEPT, skipLast: true, found: false },
  { what: 'one step fewer', ...KEPT, pcs: [1, 2, 3], aux: [-1, -1, -1], found: false },
  { what: 'another last instruction', ...KEPT, pcs: [1, 2, 3, 4], found: false },
  { what: 'a jump inside (an entry)', ...KEPT, pcs: [0, 1, 1, 3], found: false },
  { what: 'a note on a step', ...KEPT, aux: [-1, 2, -1, -1], found: false },
];
// and of a piece with an entry (a note on its second step): the same entry count, other entries
const NOTED = { pcs: [0, 1, 2, 3], aux: [-1, 2, -1, -1], regs: 1 << 1, lo: 0, hi: 0, skipLast: false };
const notedAsks: typeof asks = [
  { what: 'the same steps and note', ...NOTED, found: true },
  { what: 'another note', ...NOTED, aux: [-1, 3, -1, -1], found: false },
  { what: 'the note on another step', ...NOTED, aux: [-1, -1, 2, -1], found: false },
  { what: 'a jump instead of the note', ...NOTED, pcs: [0, 2, 2, 3], aux: [-1, -1, -1, -1], found: false },
];

for (const [KEPT, a] of [...asks.map((a) => [KEPT_PLAIN, a] as const), ...notedAsks.map((a) => [NOTED, a] as const)]) {
  t(`a kept piece walk${KEPT === NOTED ? ' (a noted step)' : ''}, asked with ${a.what}: ${a.found ? 'found' : 'not found'}`, () => {
    // (a table of one record: whatever is asked is looked for where the kept walk is)
    const walks = new PieceWalks(0);
    const k = hist(KEPT.pcs, KEPT.aux);
    const asked = { regs: KEPT.regs, lo: KEPT.lo, hi: KEPT.hi };
    const at = walks.find(k, asked, KEPT.skipLast);
    assert.ok(at < 0, 'nothing kept yet');
    walks.keep(~at, k, KEPT.regs, KEPT.lo, KEPT.hi, KEPT.skipLast, { regs: 1 << 5, lo: 3, hi: 0 }, 0);
    const got = walks.find(hist(a.pcs, a.aux), { regs: a.regs, lo: a.lo, hi: a.hi }, a.skipLast);
    assert.is(got >= 0, a.found);
    if (a.found) {
      const set = { regs: 0, lo: 0, hi: 0 };
      assert.is(walks.replay(got, set), 0);
      assert.equal(set, { regs: 1 << 5, lo: 3, hi: 0 });
    }
    walks.reset();
    assert.ok(walks.find(hist(KEPT.pcs, KEPT.aux), asked, KEPT.skipLast) < 0, 'forgotten by reset');
  });
}

t('an instruction array patched in place between runs: after a reset, the piece is walked with the new op', () => {
  const ops: Op[] = [alu('mov', 1, 2), ja(), ja(), ja()];
  const walks = new PieceWalks();
  const walk = (): number => {
    const cp: CheckpointLike = { parent: null, hist: newHist(), frames: 1, precise: noPrecision() };
    markPrecise(ops, hist([0, 1, 2, 3], [-1, -1, -1, -1]), cp, 0, 1 << 1, [], false, walks);
    return cp.precise.regs[0];
  };
  assert.is(walk(), 1 << 2, 'r1 came from r2');
  ops[0] = alu('mov', 1, 3);
  assert.is(walk(), 1 << 2, 'within a run the kept walk answers (its ops are fixed for the run)');
  walks.reset();
  assert.is(walk(), 1 << 3, 'after the reset, r1 came from r3');
});

t.run();
