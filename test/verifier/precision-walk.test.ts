// The precision walk's per-segment memory (src/verifier/precision.ts, walkFrozen): marking
// precision with the outcomes kept on frozen history segments gives the same marks, call after
// call, as walking every segment afresh. Random histories of moves, adds, spills, fills and
// jumps (with linked-register notes and opaque accesses), split into checkpoints, with forks
// sharing older segments, asked a random sequence of precision requests.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Op } from '../../src/isa/op.ts';
import { allPrecise, forgetWalks, markPrecise, newHist, noPrecision, NO_PRECISION, pieceSteps, pieceTouches, recordStep, recordStraight, samePiece, walksKept, LINKED, OPAQUE, type CheckpointLike, type Hist } from '../../src/verifier/precision.ts';
import { auxFor, hist } from './hists.ts';

const t = suite('verifier/precision-walk');

const reg = fc.integer({ min: 0, max: 9 });
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ dst: reg, src: reg, op: fc.constantFrom('mov', 'add') }).map(({ dst, src, op }) => ({ kind: 'alu', op, width: 64, dst, src: { reg: src } }) as unknown as Op),
  fc.record({ dst: reg, imm: fc.integer({ min: -4, max: 4 }) }).map(({ dst, imm }) => ({ kind: 'alu', op: 'mov', width: 64, dst, src: { imm } }) as unknown as Op),
  fc.record({ dst: reg, src: fc.constant(10) }).map(({ dst, src }) => ({ kind: 'ldx', size: 8, signed: false, dst, src, off: -8 }) as Op),
  fc.record({ src: reg }).map(({ src }) => ({ kind: 'stx', size: 8, dst: 10, src, off: -8 }) as Op),
  fc.record({ dst: reg, src: reg }).map(({ dst, src }) => ({ kind: 'jcond', op: 'jgt', width: 64, dst, src: { reg: src }, off: 0 }) as Op),
  fc.constant({ kind: 'ja', off: 0, long: false } as unknown as Op),
);

/**
 * The same piece with an entry for every instruction (its true predecessor and its note): the
 * old history, which kept every step, in the new shape. A walk over it infers nothing.
 */
function fullHist(pcs: number[], aux: number[], prev?: Hist): Hist {
  const e: number[] = [];
  pcs.forEach((pc, i) => e.push(pc, i ? pcs[i - 1] : pc - 1, aux[i]));
  return { n: pcs.length, last: pcs.length ? pcs[pcs.length - 1] : -1, e: e.length ? e : null, prev, wi: -1, wg: 0 };
}

// a few register sets come back often, so that kept walks are met again (as in loops)
interface Shape { ops: Op[]; segs: { pcs: number[]; aux: number[] }[]; fork: number; queries: { regs: number; slots: number[] }[] }

const arbShape: fc.Arbitrary<Shape> = fc.array(arbOp, { minLength: 4, maxLength: 16 }).chain((ops) =>
  fc.record({
    ops: fc.constant(ops),
    segs: fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: ops.length - 1 }), fc.nat(1000)), { maxLength: 12 }), { minLength: 2, maxLength: 6 })
      .map((ss) => ss.map((s) => ({ pcs: s.map(([pc]) => pc), aux: s.map(([pc, x]) => auxFor(ops[pc], x)) }))),
    fork: fc.nat(),
    queries: fc.array(fc.record({ regs: fc.oneof(fc.constantFrom(1, 2, 6), fc.integer({ min: 1, max: 0x3ff })), slots: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }) }), { minLength: 1, maxLength: 8 }),
  }));

/**
 * A chain of checkpoints over all segments but the last two, and two current paths (a fork):
 * each continues from the last checkpoint with its own segment on top of a shared older one.
 */
function build(s: Shape, make = hist) {
  const segs = s.segs.map((x): Hist => make(x.pcs, x.aux));
  let parent: CheckpointLike | null = null;
  const cps: CheckpointLike[] = [];
  for (let i = 0; i < segs.length - 1; i++) {
    parent = { parent, hist: segs[i], frames: 1, precise: noPrecision() };
    cps.push(parent);
  }
  const shared = segs[segs.length - 1];
  const own = (k: number): Hist => make([k % s.ops.length], [-1], shared.n ? shared : undefined);
  return { cps, parent, paths: [own(s.fork), own(s.fork + 1)], all: [...segs] };
}

const marks = (cps: CheckpointLike[]) => cps.map((c) => ({ regs: c.precise.regs.slice(), slots: [...c.precise.slots].sort(), all: c.precise.all }));

/**
 * The shape's requests on `kept` one after another, keeping walks, give the marks the same
 * requests give on `fresh` with the walks forgotten before each.
 */
function sameMarks(s: Shape, kept: ReturnType<typeof build>, fresh: ReturnType<typeof build>): void {
  forgetWalks();
  const keptMarks = s.queries.map((q, i) => {
    markPrecise(s.ops, kept.paths[i % 2], kept.parent, 0, q.regs, q.slots, i % 3 === 0);
    return marks(kept.cps);
  });
  s.queries.forEach((q, i) => {
    forgetWalks();
    markPrecise(s.ops, fresh.paths[i % 2], fresh.parent, 0, q.regs, q.slots, i % 3 === 0);
    assert.equal(keptMarks[i], marks(fresh.cps), `request ${i}`);
  });
}

t('kept walks give the marks of fresh walks, request after request', () => {
  fc.assert(fc.property(arbShape, (s) => {
    // one sequence of requests keeping walks, then the same sequence forgetting them before each
    const kept = build(s), fresh = build(s);
    sameMarks(s, kept, fresh);
  }), { numRuns: 3000 });
});

/**
 * The shape's segments each as a chain of pieces of at most `cut` instructions (a segment the
 * exploration forked at several branches: older pieces shared, each frozen once forked).
 */
function buildSplit(s: Shape, cut: number) {
  return build(s, (pcs, aux, prev) => {
    let h = prev;
    for (let i = 0; i < pcs.length || (i === 0 && !h); i += cut) h = hist(pcs.slice(i, i + cut), aux.slice(i, i + cut), h);
    return h!;
  });
}

t('kept walks over segments of several pieces give the marks of fresh walks over whole segments', () => {
  fc.assert(fc.property(arbShape, fc.integer({ min: 1, max: 4 }), (s, cut) => {
    // the requests keeping walks first (the table is one for the module), then afresh each
    const kept = buildSplit(s, cut), fresh = build(s);
    sameMarks(s, kept, fresh);
  }), { numRuns: 3000 });
});

t('a recorded piece gives back every instruction and note it executed, in order', () => {
  // jumps anywhere (back into a loop body, to the piece's first instruction, to the same one),
  // steps over an lddw's second half, notes on any of them
  const step = fc.tuple(fc.oneof(fc.constant(1), fc.constant(2), fc.integer({ min: -6, max: 6 })), fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 63 }), fc.constant(OPAQUE), fc.constant(LINKED | 6)));
  fc.assert(fc.property(fc.nat(20), fc.array(step, { maxLength: 40 }), (start, moves) => {
    const pcs: number[] = [], aux: number[] = [];
    let pc = start;
    for (const [d, note] of moves) {
      pcs.push(pc);
      aux.push(note);
      pc = Math.max(0, pc + d);
    }
    const h = hist(pcs, aux);
    assert.equal(pieceSteps(h), pcs.flatMap((p, i) => [p, aux[i]]));
    // only jumps and notes take an entry
    const need = pcs.filter((p, i) => aux[i] !== -1 || (i > 0 && p !== pcs[i - 1] + 1)).length;
    assert.is((h.e?.length ?? 0) / 3, need);
  }), { numRuns: 3000 });
});

t('pieces compare alike exactly when they executed the same steps, and find a marked instruction wherever it is', () => {
  // two short sequences over few instructions, so that equal ones are common; a mark on one instruction
  const seq = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom(-1, -1, 3, OPAQUE)), { maxLength: 8 });
  fc.assert(fc.property(seq, seq, fc.integer({ min: 0, max: 5 }), (a, b, m) => {
    const x = hist(a.map(([pc]) => pc), a.map(([, n]) => n)), y = hist(b.map(([pc]) => pc), b.map(([, n]) => n));
    assert.is(samePiece(x, y), JSON.stringify(a) === JSON.stringify(b));
    const marked = new Uint8Array(6);
    marked[m] = 1;
    assert.is(pieceTouches(x, marked), a.some(([pc]) => pc === m));
  }), { numRuns: 3000 });
});

t('walks over recorded pieces mark what walks over pieces with every step as an entry mark', () => {
  fc.assert(fc.property(arbShape, (s) => {
    const sparse = build(s), full = build(s, fullHist);
    s.queries.forEach((q, i) => {
      const p = i % 2;
      markPrecise(s.ops, sparse.paths[p], sparse.parent, 0, q.regs, q.slots, i % 3 === 0);
      markPrecise(s.ops, full.paths[p], full.parent, 0, q.regs, q.slots, i % 3 === 0);
      assert.equal(marks(sparse.cps), marks(full.cps), `request ${i}`);
    });
  }), { numRuns: 3000 });
});

t('a kept walk is used: the second request over the same frozen segments walks none of them again', () => {
  const ops: Op[] = [{ kind: 'alu', op: 'mov', width: 64, dst: 1, src: { reg: 2 } } as unknown as Op, { kind: 'ja', off: 0, long: false } as unknown as Op];
  const seg = hist([0, 1, 1], [-1, -1, -1]);
  const top = hist([1], [-1], seg);
  const cp: CheckpointLike = { parent: null, hist: hist([], []), frames: 1, precise: noPrecision() };
  markPrecise(ops, top, cp, 0, 1 << 1);
  assert.equal(cp.precise.regs[0], 1 << 2, 'r1 came from r2');
  assert.is(walksKept(seg), 1);
  // a different instruction array (another candidate) does not reuse the walk
  const ops2 = [{ kind: 'ja', off: 0, long: false } as unknown as Op, ops[1]];
  const cp2: CheckpointLike = { parent: null, hist: hist([], []), frames: 1, precise: noPrecision() };
  markPrecise(ops2, top, cp2, 0, 1 << 1);
  assert.equal(cp2.precise.regs[0], 1 << 1, 'r1 kept under the other program');
});

t('an instruction array patched in place (a scratch CFG of a candidate) is walked with its new op', () => {
  const mov = (src: number): Op => ({ kind: 'alu', op: 'mov', width: 64, dst: 1, src: { reg: src } }) as unknown as Op;
  const ops: Op[] = [mov(2), { kind: 'ja', off: 0, long: false } as unknown as Op];
  const walk = (): number => {
    const cp: CheckpointLike = { parent: null, hist: hist([], []), frames: 1, precise: noPrecision() };
    markPrecise(ops, hist([1], [-1], hist([0, 1], [-1, -1])), cp, 0, 1 << 1);
    return cp.precise.regs[0];
  };
  assert.is(walk(), 1 << 2, 'r1 came from r2');
  ops[0] = mov(3);
  assert.is(walk(), 1 << 3, 'after the patch, r1 came from r3');
});

t('checkpoints share NO_PRECISION until marked: a mark, a slot or allPrecise gives one its own, the shared one stays empty', () => {
  const ops: Op[] = [{ kind: 'alu', op: 'mov', width: 64, dst: 1, src: { reg: 2 } } as unknown as Op, { kind: 'ja', off: 0, long: false } as unknown as Op];
  const empty = (): void => assert.equal([NO_PRECISION.regs, [...NO_PRECISION.slots], NO_PRECISION.all], [[], [], false], 'the shared precision');
  const root: CheckpointLike = { parent: null, hist: hist([], []), frames: 1, precise: NO_PRECISION };
  const a: CheckpointLike = { parent: root, hist: hist([0], [-1]), frames: 1, precise: NO_PRECISION };
  // r1 relied on after insn 0 (r1 = r2): a's segment makes r2 precise in root, a is not walked into
  markPrecise(ops, hist([1], [-1]), a, 0, 1 << 1);
  assert.equal(a.precise.regs, [1 << 1]);
  assert.is.not(a.precise, NO_PRECISION);
  assert.equal(root.precise.regs, [1 << 2]);
  empty();
  // a spill slot (fp-8 read back at insn 1, noted as spi 0) in a checkpoint of its own
  const b: CheckpointLike = { parent: null, hist: hist([], []), frames: 1, precise: NO_PRECISION };
  markPrecise(ops, hist([1], [-1]), b, 0, 0, [0]);
  assert.equal([...b.precise.slots], [0]);
  empty();
  const c: CheckpointLike = { parent: null, hist: hist([], []), frames: 1, precise: NO_PRECISION };
  const d: CheckpointLike = { parent: c, hist: hist([], []), frames: 1, precise: NO_PRECISION };
  allPrecise(d);
  assert.ok(c.precise.all && d.precise.all);
  empty();
});

t('recordStraight is recordStep of each instruction of a straight piece (random pieces, then straight ones at any pc: after a gap, or following on)', () => {
  const pc = fc.integer({ min: 0, max: 40 });
  fc.assert(fc.property(fc.array(pc, { maxLength: 6 }), fc.array(fc.tuple(pc, fc.nat(6)), { maxLength: 4 }), (first, runs) => {
    const each = newHist(), all = newHist();
    for (const p of first) for (const h of [each, all]) recordStep(h, p);
    for (const [start, len] of runs) {
      // (a start of 0 goes on from the last instruction, when there is one)
      const from = start === 0 && each.n !== 0 ? each.last + 1 : start;
      for (let i = 0; i < len; i++) recordStep(each, from + i);
      recordStraight(all, from, len);
      assert.equal(all, each);
    }
  }), { numRuns: 300, seed: 31 });
});

t.run();
