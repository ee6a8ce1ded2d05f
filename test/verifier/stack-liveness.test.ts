// The model's stack-slot liveness (src/verifier/stack-liveness.ts) against the kernel's: the
// `+live`/`+written` lines of a 6.18 level-2 log, recorded by scripts/record-stack-liveness.ts in
// corpus/stack-liveness.json — in full for hand-written cases, as a count and a SHA-256 for every
// accepted program of the corpus and the real-world corpus. The lines show every fixpoint the
// kernel ran, in order, with what changed, so equal lines mean the same answers at the same times.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { assemble } from '../../src/isa/asm.ts';
import { readObject } from '../../src/isa/object.ts';
import { relocateForTarget } from '../../src/isa/core.ts';
import { bareProgram, type ProgType } from '../../src/isa/program.ts';
import { runningKernelExterns } from '../../src/kernel/externs.ts';
import { runningKernelFlavor } from '../../src/kernel/flavor.ts';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { loadProgram } from '../../src/kernel/load.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { buildCfg } from '../../src/verifier/cfg.ts';
import { StackLiveness, cleanState, stackLiveLines } from '../../src/verifier/stack-liveness.ts';
import { postorder, sameShape } from '../../src/verifier/stack-liveness-shape.ts';
import { cfgOrReject, freshCtx, initialState, run } from '../../src/verifier/analyze.ts';
import type { Cfg } from '../../src/verifier/cfg.ts';
import { readdirSync } from 'node:fs';

const t = suite('verifier/stack-liveness');
interface Rec {
  kernel: string;
  cases: { name: string; type: ProgType; source: string; lines: string[] }[];
  objects: { object: string; program: string; count: number; sha256: string }[];
}
const rec = JSON.parse(readFileSync('corpus/stack-liveness.json', 'utf8')) as Rec;
const asm = (src: string, type: ProgType = 'xdp') => bareProgram(assemble(src.replace(/;/g, '\n')).insns, type);
const flavor = runningKernelFlavor();

t('the recording covers calls, branches, loops and the corpora', () => {
  assert.ok(rec.cases.some((c) => /callee/.test(c.name)), 'a call case');
  assert.ok(rec.cases.some((c) => c.lines.some((l) => /^\(\d+,\d+\)/.test(l))), 'a line of a callee instance');
  assert.ok(rec.objects.length >= 200, `${rec.objects.length} programs`);
});

for (const c of rec.cases) {
  t(`${c.name}: the kernel's liveness lines`, () => {
    const v = verify(asm(c.source, c.type), { flavor, stackLiveLog: true });
    assert.ok(v.ok, v.error?.message);
    assert.equal(v.stackLiveLog, c.lines);
  });
}

t('every recorded corpus program: the same lines (count and SHA-256)', () => {
  const objs = new Map<string, ReturnType<typeof readObject>>();
  let n = 0;
  for (const r of rec.objects) {
    if (!existsSync(r.object)) continue;
    let obj = objs.get(r.object);
    if (!obj) objs.set(r.object, obj = readObject(new Uint8Array(readFileSync(r.object)), { externs: runningKernelExterns }));
    const p = relocateForTarget(obj, obj.link(r.program, {}), undefined);
    const lines = verify(p, { flavor, privileged: true, stackLiveLog: true }).stackLiveLog ?? [];
    assert.is(lines.length, r.count, `${r.object} ${r.program}: line count`);
    assert.is(createHash('sha256').update(lines.join('\n')).digest('hex'), r.sha256, `${r.object} ${r.program}: lines`);
    n++;
  }
  assert.ok(n >= 200, `only ${n} programs present`);
});

t('an acyclic function gets the same masks from one fixpoint round as from rounds until nothing changes (every corpus program, a loop)', () => {
  let acyclic = 0;
  // and a loop whose back edge carries a read one round does not bring round (the jump back is
  // walked before the loop's head in postorder): there the rounds must go on
  const loop = asm('*(u64 *)(r10 - 8) = 0;r1 = 0;l:;r1 += 1;if r1 > 3 goto e;r2 = *(u64 *)(r10 - 8);goto l;e:;r0 = 0;exit');
  const progs = readdirSync('corpus').filter((x) => x.endsWith('.o')).sort().map((f) => ({ f, p: readObject(readFileSync(`corpus/${f}`)).link() }));
  for (const { f, p } of [...progs, { f: 'loop', p: loop }]) {
    const cfg = cfgOrReject(p) as Cfg;
    // with the log on, every fixpoint runs until a round changes nothing (the log counts rounds)
    const once = freshCtx(p.insns.length), full = freshCtx(p.insns.length);
    run(p, cfg, { flavor }, once);
    run(p, cfg, { flavor, stackLiveLog: true }, full);
    // the update at the last path's end runs only for the log (nothing asks the liveness after it)
    once.live!.update(once.path.state);
    const st = initialState();
    const end = cfg.subprogs[1] ?? p.insns.length;
    let forward = true;
    for (let pc = 0; pc < p.insns.length; pc++) if ((cfg.slots.next[pc] >= 0 && cfg.slots.next[pc] <= pc) || (cfg.slots.jump[pc] >= 0 && cfg.slots.jump[pc] <= pc)) forward = false;
    if (forward) acyclic++;
    for (let pc = 0; pc < end; pc++) {
      assert.equal([...once.live!.aliveSlots(st, pc, 0)], [...full.live!.aliveSlots(st, pc, 0)], `${f}: slots live at ${pc}`);
    }
  }
  assert.ok(acyclic >= 10, `${acyclic} acyclic programs`);
});

// 0-9 straight code and branches, every edge forward; slots 0-3 of the stack
const FORWARD = 'if r1 == 0 goto a;r0 = 1;if r2 > 3 goto b;a:;r0 = 2;r3 = 4;b:;if r3 == 1 goto c;r4 = 5;r5 = 6;c:;r0 = 0;exit';
// 0-11 two loops, one inside the other (jumps back over one slot and over several)
const LOOPS = 'r1 = 0;l:;r2 = 0;m:;r2 += 1;if r2 == 7 goto m;if r2 < 4 goto m;r1 += 1;if r3 == 0 goto n;r4 = 1;n:;if r1 < 3 goto l;r0 = 0;exit';
/** A visit of a random instruction: the stack slots (bits 0-3) it writes, then reads, and whether the fixpoint runs after it. */
type Visit = { pc: number; reads: number; writes: number; update: boolean };
const visitOf = (n: number) => ({ pc: fc.integer({ min: 0, max: n - 1 }), reads: fc.integer({ min: 0, max: 15 }), writes: fc.integer({ min: 0, max: 15 }), update: fc.boolean() });
function applyVisit(live: StackLiveness, st: ReturnType<typeof initialState>, v: Visit): void {
  live.begin(st, v.pc);
  for (let spi = 0; spi < 4; spi++) {
    if (v.writes & (1 << spi)) live.write(0, spi);
    if (v.reads & (1 << spi)) live.read(st, 0, v.pc, spi);
  }
  live.commit();
  if (v.update) live.update(st);
}

for (const [shape, src] of [['a forward function', FORWARD], ['a function with loops', LOOPS]]) t(`${shape}: the fixpoint over the changed slots = rounds over every slot (random visits, copies)`, () => {
  const cfg = buildCfg(asm(src).insns, 'xdp', { loops: true });
  const n = cfg.ops.length, st = initialState();
  const visit = fc.record({ ...visitOf(n), copy: fc.boolean() });
  fc.assert(fc.property(fc.array(visit, { minLength: 1, maxLength: 24 }), (vs) => {
    // the log forces rounds over every slot until nothing changes
    let part = new StackLiveness(cfg), full = new StackLiveness(cfg);
    full.trace = [];
    for (const v of vs) {
      for (const live of [part, full]) applyVisit(live, st, v);
      if (v.copy) {
        part = part.copy();
        full = full.copy();
      }
      for (let pc = 0; pc < n; pc++) if (v.update) assert.equal([...part.aliveSlots(st, pc, 0)], [...full.aliveSlots(st, pc, 0)], `slot ${pc}`);
    }
  }), { numRuns: 80, seed: 17 });
});

for (const [shape, src] of [['a forward function', FORWARD], ['a function with loops', LOOPS]]) t(`${shape}: a copy of a recording baseline takes the baseline's fixpoint only when the walk gives the same (random visits, the baseline's rest with visits changed, added, dropped)`, () => {
  const cfg = buildCfg(asm(src).insns, 'xdp', { loops: true });
  const n = cfg.ops.length, st = initialState();
  const visit = fc.record(visitOf(n));
  const answers = (live: StackLiveness): number[][] => [...Array(n).keys()].map((pc) => [...live.aliveSlots(st, pc, 0)]);
  // slots in both halves of the masks (bits 0-3 of a visit: fp-8, fp-16, fp-272, fp-328)
  const spis = [0, 1, 33, 40];
  const visitWide = (live: StackLiveness, v: Visit): void => {
    live.begin(st, v.pc);
    for (let b = 0; b < 4; b++) {
      if (v.writes & (1 << b)) live.write(0, spis[b]);
      if (v.reads & (1 << b)) live.read(st, 0, v.pc, spis[b]);
    }
    live.commit();
    if (v.update) live.update(st);
  };
  let replayed = 0, walked = 0;
  fc.assert(fc.property(fc.array(visit, { minLength: 1, maxLength: 16 }), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.option(visit)), { maxLength: 2 }), fc.boolean(), (vs, cut, edits, fresh) => {
    const base = new StackLiveness(cfg);
    base.recordFixpoints();
    const k = fresh ? 0 : cut % (vs.length + 1);
    vs.slice(0, k).forEach((v) => visitWide(base, v));
    // a snapshot (or, for a re-check from the start, an empty liveness of the same shape)
    const copy = fresh ? base.blank(cfg) : base.copy();
    vs.slice(k).forEach((v) => visitWide(base, v));
    base.update(st);
    // the copy runs the baseline's rest, with a visit replaced or dropped at a few places
    const rest = vs.slice(k);
    for (const [at, v] of edits) {
      if (!rest.length) break;
      if (v === null) rest.splice(at % rest.length, 1);
      else rest[at % rest.length] = v;
    }
    rest.forEach((v) => visitWide(copy, v));
    copy.update(st);
    const plain = new StackLiveness(cfg);
    [...vs.slice(0, k), ...rest].forEach((v) => visitWide(plain, v));
    plain.update(st);
    assert.equal(answers(copy), answers(plain), 'the copy');
    // and every mask, the written ones too (later fixpoints start from them)
    assert.ok(copy.sameAs(plain), 'the same masks');
    replayed += copy.replayed;
    if (copy.replayed === 0) walked++;
  }), { numRuns: 300, seed: 17 });
  assert.ok(replayed >= 100 && walked >= 30, `taken ${replayed}, copies that walked every fixpoint ${walked}`);
});

for (const [shape, src] of [['a forward function', FORWARD], ['a function with loops', LOOPS]]) t(`${shape}: copies of one snapshot run one after another, each released, each as a fresh liveness would (every mask, first-visit byte and flag; random visits)`, () => {
  const cfg = buildCfg(asm(src).insns, 'xdp', { loops: true });
  const n = cfg.ops.length, st = initialState();
  // (a fixpoint at a visit now and then: each makes release copy every row back, the rest only the slots
  // marked; visits that mark nothing set only the first-visit byte)
  const slots = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 15 }));
  const visit = fc.record({ ...visitOf(n), reads: slots, writes: slots, update: fc.integer({ min: 0, max: 7 }).map((k) => k === 0) });
  const answers = (live: StackLiveness): number[][] => [...Array(n).keys()].map((pc) => [...live.aliveSlots(st, pc, 0)]);
  fc.assert(fc.property(fc.array(visit, { maxLength: 10 }), fc.array(fc.tuple(fc.array(visit, { maxLength: 10 }), fc.boolean()), { minLength: 2, maxLength: 4 }), fc.boolean(), (before, runs, record) => {
    const base = new StackLiveness(cfg);
    if (record) base.recordFixpoints();
    before.forEach((v) => applyVisit(base, st, v));
    const snap = base.copy();
    // the baseline goes on as the first copy will (which then takes its recorded answers, when it keeps them)
    runs[0][0].forEach((v) => applyVisit(base, st, v));
    base.update(st);
    // (a copy may end without a last fixpoint: then only the slots it marked differ from the snapshot's)
    for (const [own, end] of runs) {
      const c = snap.copy();
      own.forEach((v) => applyVisit(c, st, v));
      const plain = new StackLiveness(cfg);
      [...before, ...own].forEach((v) => applyVisit(plain, st, v));
      for (const live of end ? [c, plain] : []) live.update(st);
      assert.equal(answers(c), answers(plain), 'answers');
      assert.ok(c.sameAs(plain), 'every mask, first-visit byte and flag');
      c.release();
    }
  }), { numRuns: 150, seed: 17 });
});

for (const [shape, src] of [['a forward function', FORWARD], ['a function with loops', LOOPS]]) t(`${shape}: visitWithoutWrites is begin then commit of an instruction that marks nothing (random visits among others that mark, copies)`, () => {
  const cfg = buildCfg(asm(src).insns, 'xdp', { loops: true });
  const n = cfg.ops.length, st = initialState();
  const visit = fc.record({ ...visitOf(n), copy: fc.boolean(), bare: fc.boolean() });
  const answers = (live: StackLiveness): number[][] => [...Array(n).keys()].map((pc) => [...live.aliveSlots(st, pc, 0)]);
  fc.assert(fc.property(fc.array(visit, { minLength: 1, maxLength: 24 }), (vs) => {
    let two = new StackLiveness(cfg), one = new StackLiveness(cfg);
    for (const v of vs) {
      if (v.bare) {
        // a visit without marks, after others that wrote (the scratch marks still set) or not
        two.begin(st, v.pc);
        two.commit();
        one.visitWithoutWrites(st, v.pc);
        if (v.update) for (const live of [two, one]) live.update(st);
      } else for (const live of [two, one]) applyVisit(live, st, v);
      if (v.copy) {
        two = two.copy();
        one = one.copy();
      }
      assert.ok(one.sameAs(two), 'every mask, first-visit byte and flag');
    }
    for (const live of [two, one]) live.update(st);
    assert.equal(answers(one), answers(two));
  }), { numRuns: 150, seed: 27 });
});

// 0-39 straight code: long straight pieces, starting anywhere
const LONG = `${'r0 = 0;'.repeat(39)}exit`;

for (const [shape, src] of [['a forward function', FORWARD], ['a function with loops', LOOPS], ['straight code of 40 instructions', LONG]]) t(`${shape}: visitStraight is visitWithoutWrites of each instruction of the straight piece (random pieces among visits that mark, copies)`, () => {
  const cfg = buildCfg(asm(src).insns, 'xdp', { loops: true });
  const n = cfg.ops.length, st = initialState();
  const pc = fc.integer({ min: 0, max: n - 1 });
  const visit = fc.record({ ...visitOf(n), copy: fc.boolean(), run: fc.option(fc.tuple(pc, fc.nat(n))) });
  fc.assert(fc.property(fc.array(visit, { minLength: 1, maxLength: 24 }), (vs) => {
    let each = new StackLiveness(cfg), all = new StackLiveness(cfg);
    for (const v of vs) {
      if (v.run) {
        // the piece pc, pc + 1, ... within the function's instructions
        const [from, len] = v.run, count = Math.min(len, n - from);
        for (let p = from; p < from + count; p++) each.visitWithoutWrites(st, p);
        all.visitStraight(st, from, count);
      } else for (const live of [each, all]) applyVisit(live, st, v);
      if (v.copy) {
        each = each.copy();
        all = all.copy();
      }
      assert.ok(all.sameAs(each), 'every mask, first-visit byte and flag');
    }
  }), { numRuns: 150, seed: 28 });
});

t('a rebased copy takes no recorded fixpoint (its fixpoints walk another control flow)', () => {
  // the same marks on a program whose jump at 1 leads elsewhere: slot 2's read reaches insn 1 only through the fall-through
  const a = buildCfg(asm('r0 = 0;if r1 == 0 goto l;r0 = *(u64 *)(r10 - 8);l:;r0 = 0;exit').insns);
  const b = buildCfg(asm('r0 = 0;if r1 == 0 goto l;r0 = *(u64 *)(r10 - 8);r0 = 0;l:;exit').insns);
  const st = initialState();
  const visits = [{ pc: 2, reads: 1, writes: 0, update: false }, { pc: 1, reads: 0, writes: 0, update: true }];
  const base = new StackLiveness(a);
  base.recordFixpoints();
  const same = base.copy(), moved = base.copy();
  visits.forEach((v) => applyVisit(base, st, v));
  moved.rebase(b);
  for (const live of [same, moved]) visits.forEach((v) => applyVisit(live, st, v));
  assert.is(same.replayed, 1, 'the same marks on the same flow: the baseline\'s answer');
  assert.is(moved.replayed, 0);
  assert.equal([...same.aliveSlots(st, 1, 0)], [...base.aliveSlots(st, 1, 0)]);
});

t('past its budget a baseline keeps no more answers: copies walk those fixpoints, and take the ones kept', () => {
  const cfg = buildCfg(asm(FORWARD).insns);
  const st = initialState();
  const n = cfg.ops.length;
  // two fixpoints; the first one's masks (one frame, n slots) fit a budget of n * 8 words, not both
  const first = [{ pc: 9, reads: 1, writes: 0, update: true }], second = [{ pc: 4, reads: 2, writes: 0, update: true }];
  for (const [most, taken] of [[0, 0], [8 * n, 1], [16 * n, 2]]) {
    const base = new StackLiveness(cfg);
    base.recordFixpoints(most);
    const copy = base.copy();
    [...first, ...second].forEach((v) => applyVisit(base, st, v));
    [...first, ...second].forEach((v) => applyVisit(copy, st, v));
    assert.is(copy.replayed, taken, `budget ${most}`);
    assert.ok(copy.sameAs(base), `budget ${most}: the baseline's masks`);
  }
});

t('a copy that dropped a must-write takes no recorded fixpoint, though its marks are the baseline\'s', () => {
  // FORWARD's slot 3 (`r0 = 2`) writes fp-8 once in the copy, then not: the second visit empties the
  // must-write mark (dropped), leaving the marks the baseline has, whose one visit wrote nothing. Only
  // the flag tells them apart; the fixpoint of a dropped mark works out the write masks anew.
  const cfg = buildCfg(asm(FORWARD).insns);
  const st = initialState();
  const n = cfg.ops.length;
  const answers = (live: StackLiveness): number[][] => [...Array(n).keys()].map((pc) => [...live.aliveSlots(st, pc, 0)]);
  const read = { pc: 9, reads: 1, writes: 0, update: false }, fix = { pc: 10, reads: 0, writes: 0, update: true };
  const kept = [{ pc: 3, reads: 0, writes: 0, update: false }, read, fix];
  const dropped = [{ pc: 3, reads: 0, writes: 1, update: false }, { pc: 3, reads: 0, writes: 0, update: false }, read, fix];
  const base = new StackLiveness(cfg);
  base.recordFixpoints();
  const snap = base.copy();
  kept.forEach((v) => applyVisit(base, st, v));
  const same = snap.copy(), drop = snap.copy();
  kept.forEach((v) => applyVisit(same, st, v));
  dropped.forEach((v) => applyVisit(drop, st, v));
  assert.is(same.replayed, 1, 'the same visits: the baseline\'s answer');
  assert.is(drop.replayed, 0, 'a dropped must-write: its own fixpoint');
  const plain = new StackLiveness(cfg);
  dropped.forEach((v) => applyVisit(plain, st, v));
  assert.equal(answers(drop), answers(plain));
  assert.ok(drop.sameAs(plain), 'every mask and flag as a plain walk\'s');
});

t('copies that take a recorded answer count its function solved, the snapshot and each other not changed', () => {
  const cfg = buildCfg(asm('r0 = 0;r0 = *(u64 *)(r10 - 8);exit').insns);
  const st = initialState();
  const visits = [{ pc: 1, reads: 1, writes: 0, update: true }];
  const base = new StackLiveness(cfg);
  base.recordFixpoints();
  const snap = base.copy();
  visits.forEach((v) => applyVisit(base, st, v));
  const copies = [snap.copy(), snap.copy(), snap.copy()];
  for (const c of copies) {
    visits.forEach((v) => applyVisit(c, st, v));
    assert.is(c.replayed, 1);
    assert.ok(c.solvedFunction(0), 'solved in the copy');
    assert.ok(c.alive(st, 0, 0, 0));
  }
  assert.not.ok(snap.solvedFunction(0), 'the snapshot solved nothing');
  assert.not.ok(snap.alive(st, 0, 0, 0), 'nor answers for the read');
});

t('copies that begin an instruction and never commit it (a rejected re-check) change nothing, and copies share nothing they write (random visits)', () => {
  const cfg = buildCfg(asm(FORWARD).insns);
  const n = cfg.ops.length, st = initialState();
  const visit = fc.record(visitOf(n));
  const apply = (live: StackLiveness, v: Visit): void => applyVisit(live, st, v);
  const answers = (live: StackLiveness): number[][] => [...Array(n).keys()].map((pc) => [...live.aliveSlots(st, pc, 0)]);
  fc.assert(fc.property(fc.array(visit, { maxLength: 8 }), fc.array(visit, { maxLength: 8 }), fc.array(visit, { maxLength: 8 }), (before, after, own) => {
    const orig = new StackLiveness(cfg);
    before.forEach((v) => apply(orig, v));
    // a copy rejected at its first instruction, then the original goes on
    const rejected = orig.copy();
    rejected.begin(st, own[0]?.pc ?? 0);
    after.forEach((v) => apply(orig, v));
    orig.update(st);
    const replay = new StackLiveness(cfg);
    [...before, ...after].forEach((v) => apply(replay, v));
    replay.update(st);
    assert.equal(answers(orig), answers(replay), 'the original');
    // a copy that runs: its own answers, the original's unchanged
    const snap = answers(orig);
    const copy = orig.copy();
    own.forEach((v) => apply(copy, v));
    copy.update(st);
    [...own].forEach((v) => apply(replay, v));
    replay.update(st);
    assert.equal(answers(copy), answers(replay), 'the copy');
    assert.equal(answers(orig), snap, 'the original after the copy ran');
  }), { numRuns: 40, seed: 17 });
});

t('the last path\'s end updates the liveness only when it is logged (nothing asks it afterwards)', () => {
  // one path: a write, a read, the end; the read makes fp-8 live from insn 1 on
  const p = asm('*(u64 *)(r10 - 8) = 0;r0 = *(u64 *)(r10 - 8);r0 = 0;exit');
  const cfg = cfgOrReject(p) as Cfg, st = initialState();
  const quiet = freshCtx(p.insns.length), logged = freshCtx(p.insns.length);
  assert.ok(run(p, cfg, { flavor }, quiet).ok);
  assert.ok(run(p, cfg, { flavor, stackLiveLog: true }, logged).ok);
  assert.ok(logged.live!.alive(st, 1, 0, 0), 'logged: updated at the end');
  assert.not.ok(quiet.live!.alive(st, 1, 0, 0), 'not logged: no update after the last path');
  quiet.live!.update(quiet.path.state);
  assert.ok(quiet.live!.alive(st, 1, 0, 0), 'the same answer once updated');
});

t('a released copy gives its masks to later copies: their answers and the original\'s are unchanged (random visits)', () => {
  const cfg = buildCfg(asm(FORWARD).insns);
  const n = cfg.ops.length, st = initialState();
  const visit = fc.record(visitOf(n));
  const answers = (live: StackLiveness): number[][] => [...Array(n).keys()].map((pc) => [...live.aliveSlots(st, pc, 0)]);
  fc.assert(fc.property(fc.array(visit, { maxLength: 8 }), fc.array(visit, { minLength: 1, maxLength: 8 }), fc.array(visit, { minLength: 1, maxLength: 8 }), (before, first, second) => {
    const orig = new StackLiveness(cfg);
    before.forEach((v) => applyVisit(orig, st, v));
    orig.update(st);
    const snap = answers(orig);
    // a copy that never ran gives nothing back (it holds the original's masks only)
    orig.copy().release();
    // a first copy runs, then is released; a second one reuses what it gave back
    const a = orig.copy();
    first.forEach((v) => applyVisit(a, st, v));
    a.update(st);
    a.release();
    const b = orig.copy();
    second.forEach((v) => applyVisit(b, st, v));
    b.update(st);
    const replay = new StackLiveness(cfg);
    [...before, ...second].forEach((v) => applyVisit(replay, st, v));
    replay.update(st);
    assert.equal(answers(b), answers(replay), 'the second copy');
    assert.equal(answers(orig), snap, 'the original');
    // and a third copy after the second's release, the original's marks unchanged
    b.release();
    const c = orig.copy();
    c.update(st);
    assert.equal(answers(c), snap, 'a copy after both releases');
  }), { numRuns: 60, seed: 17 });
});

t('postorder: each function from its start, successors fall-through first (compute_postorder)', () => {
  // 0: if r1 == 0 goto 2; 1: r0 = 1; 2: exit  — the jump target is walked first, so it ends first
  const cfg = buildCfg(asm('if r1 == 0 goto l;r0 = 1;l:;exit').insns);
  assert.equal([...postorder(cfg).get(0)!], [2, 1, 0]);
});

t('cleaning drops dead slots from a copy and leaves the explored state alone', () => {
  const cfg = buildCfg(asm('r0 = *(u64 *)(r10 - 8);r0 = 0;exit').insns);
  const live = new StackLiveness(cfg);
  const st = initialState();
  live.begin(st, 0);
  live.read(st, 0, 0, 0);
  live.commit();
  live.update(st);
  st.frames[0].stack[0] = { types: 'mmmmmmmm' };
  st.frames[0].stack[1] = { types: 'mmmmmmmm' };
  assert.ok(live.alive(st, 0, 0, 0));
  assert.not.ok(live.alive(st, 0, 0, 1));
  assert.not.ok(live.alive(st, 1, 0, 0), 'nothing is read after insn 0');
  const c = cleanState(st, 0, live);
  assert.ok(c.frames[0].stack[0] && !c.frames[0].stack[1]);
  assert.is(c.frames[0].stack.length, 1, 'the dead slot on top is dropped');
  assert.ok(st.frames[0].stack[1], 'the original keeps its slot');
  assert.is(cleanState(c, 0, live), c, 'nothing left to clean: the same object');
});

t('a slot written at an instruction on one visit and not on a later one is no longer killed there', () => {
  // insn 0 writes slot 0 (fp-8) on its first visit, nothing on the second; insn 1 reads it
  const cfg = buildCfg(asm('r0 = 0;r0 = *(u64 *)(r10 - 8);exit').insns);
  const visit = (live: StackLiveness, pc: number, writes: boolean, reads: boolean): void => {
    live.begin(st, pc);
    if (writes) live.write(0, 0);
    if (reads) live.read(st, 0, pc, 0);
    live.commit();
  };
  const st = initialState();
  const once = new StackLiveness(cfg), twice = new StackLiveness(cfg);
  for (const live of [once, twice]) {
    visit(live, 0, true, false);
    if (live === twice) visit(live, 0, false, false);
    visit(live, 1, false, true);
    live.update(st);
    assert.ok(live.alive(st, 1, 0, 0), 'read at insn 1');
  }
  assert.not.ok(once.alive(st, 0, 0, 0), 'must-written at insn 0: dead before it');
  assert.ok(twice.alive(st, 0, 0, 0), 'the second visit wrote nothing: live before insn 0');
  // a copy and a later revisit keep the answer
  const copy = twice.copy();
  visit(copy, 0, false, false);
  copy.update(st);
  assert.ok(copy.alive(st, 0, 0, 0));
});

t('a copy keeps its answers while the original goes on marking (the instances are copied before a write)', () => {
  const cfg = buildCfg(asm('r0 = 0;r0 = *(u64 *)(r10 - 8);exit').insns);
  const st = initialState();
  const live = new StackLiveness(cfg);
  live.begin(st, 1);
  live.read(st, 0, 1, 0);
  live.commit();
  live.update(st);
  const copy = live.copy();
  // the original: insn 0 now writes the slot, so it is dead before insn 0 there
  live.begin(st, 0);
  live.write(0, 0);
  live.commit();
  live.update(st);
  assert.not.ok(live.alive(st, 0, 0, 0));
  assert.ok(copy.alive(st, 0, 0, 0), 'the copy never saw the write');
  // and the other way round
  copy.begin(st, 1);
  copy.read(st, 0, 1, 1);
  copy.commit();
  copy.update(st);
  assert.ok(copy.alive(st, 0, 0, 1));
  assert.not.ok(live.alive(st, 0, 0, 1));
});

t('shape: a changed jump target is a different shape, a changed operand is not', () => {
  const a = buildCfg(asm('if r1 == 0 goto l;r0 = 1;l:;r0 = 0;exit').insns);
  const b = buildCfg(asm('if r1 == 0 goto l;r0 = 2;l:;r0 = 0;exit').insns);
  const c = buildCfg(asm('if r1 == 0 goto l;l:;r0 = 1;r0 = 0;exit').insns);
  assert.ok(sameShape(a, b));
  assert.not.ok(sameShape(a, c));
});

t('fits: recorded liveness serves another control flow only where no fixpoint walked a changed jump', () => {
  const src = (j: string) => asm(`r0 = *(u64 *)(r10 - 8);if r1 == 0 goto l;${j};l:;r0 = 0;m:;exit`).insns;
  const a = buildCfg(src('r0 = 1')), b = buildCfg(src('goto +0')), c = buildCfg(src('goto m'));
  const live = new StackLiveness(a);
  assert.ok(live.fits(c), 'nothing solved yet');
  const st = initialState();
  live.begin(st, 0);
  live.read(st, 0, 0, 0);
  live.commit();
  live.update(st);
  assert.ok(live.fits(b), 'goto +0 leads where the fall-through did');
  assert.not.ok(live.fits(c), 'a changed jump in a solved function');
});

t('the kernel prints the recorded lines (same kernel, when bpf() works)', () => {
  const k = kernelAvailable();
  if (!k.ok || rec.kernel !== release()) {
    console.log(`  skipped: ${!k.ok ? k.reason : `recorded on ${rec.kernel}, running ${release()}`}`);
    return;
  }
  for (const c of rec.cases) {
    const r = loadProgram(asm(c.source, c.type), { logLevel: 2, info: false });
    r.close();
    assert.equal(stackLiveLines(r.log), c.lines, c.name);
  }
});

t.run();
