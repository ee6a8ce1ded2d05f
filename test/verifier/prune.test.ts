// The allocation-free pieces of state comparison (src/verifier/prune.ts) against their plain
// definitions: check_ids' one-to-one id map (parallel arrays, reused) against two Maps, and a
// VerifierError that carries no stack but its message and instruction.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { IdMap, mayCover, mayLoop, regsafe, statesEqual } from '../../src/verifier/prune.ts';
import { type State, cloneState, newFrame } from '../../src/verifier/state.ts';
import { type Reg, type RegType, SCALAR_UNKNOWN, ZERO, immReg } from '../../src/verifier/regs.ts';
import { VerifierError, fail } from '../../src/verifier/env.ts';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { buildCfg } from '../../src/verifier/cfg.ts';
import { freshCtx, run, verify } from '../../src/verifier/analyze.ts';
import { ADD_CONST } from '../../src/verifier/alu.ts';

const t = suite('verifier/prune');

/** check_ids / check_scalar_ids as first written: two Maps and a fresh-id counter per comparison. */
class MapIds {
  private fwd = new Map<number, number>();
  private bwd = new Map<number, number>();
  private tmp = 0x40000000;
  check(a: number, b: number): boolean {
    if (!a && !b) return true;
    if (!a || !b) return false;
    const x = this.fwd.get(a), y = this.bwd.get(b);
    if (x === undefined && y === undefined) {
      this.fwd.set(a, b);
      this.bwd.set(b, a);
      return true;
    }
    return x === b && y === a;
  }
  checkScalar(a: number, b: number): boolean {
    return this.check(a || ++this.tmp, b || ++this.tmp);
  }
}

// small ids so that pairs collide often; a few with the BPF_ADD_CONST bit
// linked ids (alu.ts ADD_CONST, the int32 sign bit) are negative; -1 is the largest of them
const id = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(1 | ADD_CONST, 2 | ADD_CONST, -1));
const calls = fc.array(fc.tuple(fc.boolean(), id, id), { maxLength: 40 });

t('IdMap answers every call as the two-Map check_ids, across resets', () => {
  const reused = new IdMap();
  fc.assert(fc.property(calls, (cs) => {
    const ref = new MapIds();
    reused.reset();
    for (const [scalar, a, b] of cs) {
      const want = scalar ? ref.checkScalar(a, b) : ref.check(a, b);
      const got = scalar ? reused.checkScalar(a, b) : reused.check(a, b);
      if (got !== want) return false;
    }
    return true;
  }), { numRuns: 3000 });
});

t('IdMap: a mapped id cannot map to a second id, and a zero id pairs only with zero', () => {
  const m = new IdMap();
  assert.ok(m.check(3, 7));
  assert.ok(m.check(3, 7));
  assert.not.ok(m.check(3, 8));
  assert.not.ok(m.check(4, 7));
  assert.not.ok(m.check(0, 7));
  assert.ok(m.check(0, 0));
  // a fresh scalar id (0) on one side takes the other id for itself
  assert.ok(m.reset().checkScalar(0, 5));
  assert.not.ok(m.check(9, 5));
});

t('VerifierError keeps message and instruction without capturing a stack', () => {
  try {
    fail(12, 'R1 !read_ok');
    assert.unreachable('fail returned');
  } catch (e) {
    assert.instance(e, VerifierError);
    assert.is((e as VerifierError).message, 'R1 !read_ok');
    assert.is((e as VerifierError).index, 12);
    assert.is((e as VerifierError).name, 'VerifierError');
    assert.not.match(String((e as { stack?: string }).stack), /\n\s+at /);
  }
  // the process-wide stack trace limit is restored
  assert.ok(new Error('x').stack!.includes('\n    at '));
});

// states_equal skips a register both states share when it holds no id: regsafe on it must say
// safe in both modes, whatever the precision, and leave the id map as it was
const TYPES: RegType[] = ['scalar', 'not_init', 'ctx', 'fp', 'pkt', 'pkt_meta', 'pkt_end', 'map_value', 'map_key', 'mem', 'map_ptr'];
const noIdReg: fc.Arbitrary<Reg> = fc.record({
  type: fc.constantFrom(...TYPES),
  v: fc.oneof(fc.constant(SCALAR_UNKNOWN.v), fc.constant(ZERO), fc.integer({ min: -100, max: 100 }).map((x) => immReg(x).v)),
  off: fc.integer({ min: -64, max: 64 }), range: fc.integer({ min: -2, max: 64 }), map: fc.integer({ min: 0, max: 3 }),
}).map((r) => ({ ...r, id: 0 }));

t('regsafe(r, r) for a register without an id: safe, and the id map unchanged', () => {
  fc.assert(fc.property(noIdReg, fc.boolean(), fc.boolean(), calls, calls, (r, exact, precise, before, after) => {
    const a = new IdMap(), b = new IdMap();
    for (const [sc, x, y] of before) {
      if (sc) { a.checkScalar(x, y); b.checkScalar(x, y); } else { a.check(x, y); b.check(x, y); }
    }
    if (!regsafe(r, r, a, exact ? 'exact' : 'not_exact', precise)) return false;
    // fresh scalar ids only need to be unique, so compare the non-scalar checks that follow
    for (const [, x, y] of after) if (a.check(x, y) !== b.check(x, y)) return false;
    return true;
  }), { numRuns: 2000 });
});

// the infinite-loop check's first filter must never reject a pair the exact comparison accepts:
// states of one or two frames over a small pool of registers (ids included, values rebuilt as
// new objects so that equal registers are not always the same object), the second state a copy
// of the first with a few registers replaced
const poolReg: fc.Arbitrary<() => Reg> = fc.tuple(noIdReg, fc.integer({ min: 0, max: 2 }), fc.integer({ min: -3, max: 3 }))
  .map(([r, id, k]) => () => (k === 0 ? { ...r, id } : { ...immReg(k), id }));
const frameRegs = fc.array(poolReg, { minLength: 10, maxLength: 10 });
/** A state of the drawn frames (the caller's first), each register made by its drawn maker. */
function stateOf(frames: (() => Reg)[][]): State {
  return { frames: frames.map((regs, i) => {
    const f = newFrame(i, i ? 5 : -1, i ? 6 : 0);
    regs.forEach((mk, r) => { f.regs[r] = mk(); });
    return f;
  }), refs: [] };
}

const loopPair = fc.record({
  frames: fc.array(frameRegs, { minLength: 1, maxLength: 2 }),
  edits: fc.array(fc.tuple(fc.nat(1), fc.nat(9), poolReg), { maxLength: 3 }),
  // registers of the copy given new ids (the exact comparison maps ids one to one, not by value)
  renumber: fc.array(fc.tuple(fc.nat(1), fc.nat(9)), { maxLength: 2 }),
  callerDiffers: fc.boolean(),
});

t('mayLoop holds whenever the exact comparison does, and rejects a changed register of the current frame', () => {
  let accepted = 0;
  fc.assert(fc.property(loopPair, ({ frames, edits, renumber, callerDiffers }) => {
    const o = stateOf(frames);
    const c = cloneState(o);
    for (const [f, r, mk] of edits) c.frames[Math.min(f, c.frames.length - 1)].regs[r] = mk();
    for (const [f, r] of renumber) {
      const fr = c.frames[Math.min(f, c.frames.length - 1)];
      if (fr.regs[r].id) fr.regs[r] = { ...fr.regs[r], id: fr.regs[r].id + 10 };
    }
    if (callerDiffers && c.frames.length > 1) c.frames[0].regs[0] = immReg(99);
    const exact = statesEqual(o, c, 'exact', () => 0x7ff, SCALAR_UNKNOWN);
    if (exact) accepted++;
    return !exact || mayLoop(o, c);
  }), { numRuns: 3000 });
  assert.ok(accepted > 100, `only ${accepted} exact pairs drawn`);
  const a: State = { frames: [newFrame(0, -1, 0)], refs: [] };
  a.frames[0].regs[1] = immReg(1);
  const b = cloneState(a);
  assert.ok(mayLoop(a, b));
  b.frames[0].regs[1] = immReg(2);
  assert.not.ok(mayLoop(a, b));
  b.frames[0].regs[1] = immReg(1);
  assert.ok(mayLoop(a, b));
});

// is_state_visited's filter before a not_exact comparison must never reject a pair the comparison
// accepts: the copy's registers replaced, or moved by a little in offset or range (a packet
// pointer's larger range is still covered), under random liveness and precision
const nudge: fc.Arbitrary<(r: Reg) => Reg> = fc.oneof(
  poolReg.map((mk) => () => mk()),
  fc.integer({ min: -2, max: 2 }).map((d) => (r: Reg) => ({ ...r, off: r.off + d })),
  fc.integer({ min: -2, max: 2 }).map((d) => (r: Reg) => ({ ...r, range: r.range + d })),
  fc.constantFrom<RegType>('scalar', 'not_init', 'pkt').map((type) => (r: Reg) => ({ ...r, type })),
  // another id (the comparison maps ids one to one, not by value)
  fc.constant((r: Reg) => ({ ...r, id: r.id ? r.id + 10 : 0 })),
);
const coverPair = fc.record({
  frames: fc.array(frameRegs, { minLength: 1, maxLength: 2 }),
  edits: fc.array(fc.tuple(fc.nat(1), fc.nat(9), nudge), { maxLength: 3 }),
  live: fc.integer({ min: 0, max: 0x3ff }),
  precise: fc.tuple(fc.integer({ min: 0, max: 0x3ff }), fc.integer({ min: 0, max: 0x3ff }), fc.boolean()),
});

/** coverPair's explored state and the current state made from it by the drawn edits. */
function coverStates(frames: (() => Reg)[][], edits: [number, number, (r: Reg) => Reg][]): [State, State] {
  const o = stateOf(frames);
  const c = cloneState(o);
  for (const [f, r, ed] of edits) {
    const fr = c.frames[Math.min(f, c.frames.length - 1)];
    fr.regs[r] = ed(fr.regs[r]);
  }
  return [o, c];
}

t('mayCover holds whenever the not_exact comparison does, and rejects a moved pointer', () => {
  let accepted = 0, rejected = 0;
  fc.assert(fc.property(coverPair, ({ frames, edits, live, precise: [p0, p1, all] }) => {
    const [o, c] = coverStates(frames, edits);
    const full = statesEqual(o, c, 'not_exact', () => live, SCALAR_UNKNOWN, { regs: [p0, p1], slots: new Set(), all });
    const filter = mayCover(o, c, live);
    if (full) accepted++;
    if (!filter) rejected++;
    return !full || filter;
  }), { numRuns: 4000 });
  assert.ok(accepted > 300, `only ${accepted} covered pairs drawn`);
  assert.ok(rejected > 300, `only ${rejected} pairs rejected by the filter`);
  // a packet pointer: a larger range is covered, a smaller one or another offset is not
  const a: State = { frames: [newFrame(0, -1, 0)], refs: [] };
  a.frames[0].regs[1] = { ...immReg(0), type: 'pkt', off: 14, range: 20 };
  const b = cloneState(a);
  b.frames[0].regs[1] = { ...a.frames[0].regs[1], range: 40 };
  assert.ok(mayCover(a, b, 1 << 1));
  b.frames[0].regs[1] = { ...a.frames[0].regs[1], range: 10 };
  assert.not.ok(mayCover(a, b, 1 << 1));
  assert.ok(mayCover(a, b, 1 << 2), 'a dead register is not looked at');
  b.frames[0].regs[1] = { ...a.frames[0].regs[1], off: 16 };
  assert.not.ok(mayCover(a, b, 1 << 1));
});

/**
 * mayCover as first written: every register r0-r9 in turn, the ones outside `live` skipped (the
 * filter now walks the set bits of the mask instead).
 */
function mayCoverByRegister(o: State, c: State, live: number): boolean {
  const n = o.frames.length;
  if (n !== c.frames.length) return false;
  const or = o.frames[n - 1].regs, cr = c.frames[n - 1].regs;
  for (let r = 0; r < 10; r++) {
    if (!(live & (1 << r))) continue;
    const a = or[r], b = cr[r];
    if (a === b || a.type === 'not_init' || a.type === 'scalar') {
      if (a !== b && a.type === 'scalar' && b.type !== 'scalar') return false;
      continue;
    }
    if (a.type !== b.type || a.off !== b.off) return false;
    if (a.type === 'pkt' || a.type === 'pkt_meta' ? a.range > b.range : a.range !== b.range) return false;
  }
  return true;
}

t('mayCover gives the per-register answer for every live mask, r10 and higher bits included', () => {
  let differ = 0;
  fc.assert(fc.property(coverPair, fc.integer({ min: 0, max: 0xffff }), ({ frames, edits }, live) => {
    const [o, c] = coverStates(frames, edits);
    const want = mayCoverByRegister(o, c, live);
    // the answer must depend on the live registers: the same pair under every register live
    if (want !== mayCoverByRegister(o, c, 0x3ff)) differ++;
    return mayCover(o, c, live) === want;
  }), { numRuns: 4000 });
  assert.ok(differ > 100, `only ${differ} pairs whose answer the mask changes`);
});

t('an explored list is made only for a checkpoint: the prune points met without one leave none', () => {
  let lists = 0, made = 0;
  for (const name of ['xdp1', 'xdp_parse_drop', 'core_task', 'xdp_lb_hash', 'xdp_loop']) {
    const p = readObject(readFileSync(`corpus/${name}.o`)).link();
    const c = freshCtx(p.insns.length);
    const v = run(p, buildCfg(p.insns, p.type), {}, c);
    assert.equal(v, verify(p), name);
    const held = c.explored.filter((l) => l !== undefined);
    // each list got a checkpoint when made; one evicted since may leave it empty
    for (const l of held) assert.ok(l!.length > 0 || c.peakStates < c.totalStates, `${name}: an empty list with nothing evicted`);
    assert.ok(held.length <= c.totalStates, name);
    lists += held.length;
    made += c.totalStates;
  }
  assert.ok(lists > 0 && made > 0);
});

t.run();
