// State comparison for pruning (states_equal / func_states_equal / regsafe / stacksafe):
// a new state is covered by an explored one when every live register and stack slot of the old
// state admits at least the values of the new one (RANGE_WITHIN for scalars: the model treats
// every scalar as precise, which prunes less than the kernel but never unsoundly). EXACT is the
// infinite-loop check's identity.
import { type Scalar, type Reg, sameScalar } from './regs.ts';
import { type State, type Frame, ownStack } from './state.ts';
import type { Slot } from './stack.ts';
import { isSpill, slotOf } from './stack.ts';
import type { Precise } from './precision.ts';
import { addConst } from './alu.ts';

export type Exact = 'not_exact' | 'exact';

/**
 * check_ids: old ids map one-to-one to current ids. Pairs in two parallel arrays scanned
 * linearly, as the kernel's idmap: a comparison sees a few ids, and one map is reused (reset)
 * for every states_equal instead of allocating two Maps per call.
 */
export class IdMap {
  private readonly olds: number[] = [];
  private readonly curs: number[] = [];
  private n = 0;
  private tmp = 0x40000000;
  reset(): this {
    this.n = 0;
    this.tmp = 0x40000000;
    return this;
  }
  check(a: number, b: number): boolean {
    if (!a && !b) return true;
    if (!a || !b) return false;
    // 0 marks "not paired": no pair holds a zero id (a linked id is negative, alu.ts ADD_CONST,
    // so -1 could be one)
    let x = 0, y = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.olds[i] === a) x = this.curs[i];
      if (this.curs[i] === b) y = this.olds[i];
    }
    if (x === 0 && y === 0) {
      this.olds[this.n] = a;
      this.curs[this.n++] = b;
      return true;
    }
    return x === b && y === a;
  }
  /** check_scalar_ids: a zero id is a fresh unique id (two fresh ids always pair, and nothing can meet them again). */
  checkScalar(a: number, b: number): boolean {
    if (!a && !b) {
      this.tmp += 2;
      return true;
    }
    return this.check(a || ++this.tmp, b || ++this.tmp);
  }
}

/** Signed 64-bit a <= b on the u64 bigints the scalars hold (no BigInt.asIntN allocation). */
const S64 = 1n << 63n, S32 = 1n << 31n;
function sle(a: bigint, b: bigint, sign: bigint): boolean {
  const na = a >= sign, nb = b >= sign;
  return na === nb ? a <= b : na;
}

/** range_within + tnum_in. */
function within(o: Scalar, c: Scalar): boolean {
  if (o === c) return true;
  return o.umin <= c.umin && c.umax <= o.umax && sle(o.smin, c.smin, S64) && sle(c.smax, o.smax, S64) &&
    o.u32min <= c.u32min && c.u32max <= o.u32max && sle(o.s32min, c.s32min, S32) && sle(c.s32max, o.s32max, S32) &&
    tnumIn(o.varOff, c.varOff);
}

/** tnum_in; the common cases (same tnum, a constant old one) without the bigint temporaries. */
function tnumIn(o: Scalar['varOff'], c: Scalar['varOff']): boolean {
  if (o === c) return true;
  if (o.mask === 0n) return c.mask === 0n && c.value === o.value;
  if (o.mask === c.mask) return (c.value & ~o.mask) === o.value;
  return (c.mask & ~o.mask) === 0n && (c.value & ~o.mask) === o.value;
}

/** regs_exact. */
function regsExact(o: Reg, c: Reg, ids: IdMap): boolean {
  return o.type === c.type && o.off === c.off && o.range === c.range && o.map === c.map && !!o.rdonly === !!c.rdonly &&
    !!o.ringbuf === !!c.ringbuf && (o.dynptrId ?? 0) === (c.dynptrId ?? 0) && sameScalar(o.v, c.v) && ids.check(o.id, c.id) && ids.check(o.refObj ?? 0, c.refObj ?? 0);
}

/**
 * A register shared by both states (checkpoints and their descendants share unchanged registers
 * and slots) that holds no id is safe in either mode: every check on it compares it with itself,
 * and only ids (recorded in the id map) could make the answer depend on other registers.
 */
const noIds = (r: Reg): boolean => r.id === 0 && !r.refObj;

/** regsafe. */
export function regsafe(o: Reg, c: Reg, ids: IdMap, exact: Exact, precise = true): boolean {
  if (exact === 'exact') return regsExact(o, c, ids);
  if (o.type === 'not_init') return true;
  if (o.type !== c.type) return false;
  switch (o.type) {
    case 'scalar':
      if (!precise) return true;
      if (addConst(o.id) !== addConst(c.id)) return false;
      if (addConst(o.id) && o.off !== c.off) return false;
      return ids.checkScalar(o.id, c.id) && within(o.v, c.v);
    case 'map_key': case 'map_value': case 'mem':
      return o.off === c.off && o.map === c.map && o.range === c.range && !!o.rdonly === !!c.rdonly && !!o.ringbuf === !!c.ringbuf && (o.dynptrId ?? 0) === (c.dynptrId ?? 0) &&
        within(o.v, c.v) && ids.check(o.id, c.id) && ids.check(o.refObj ?? 0, c.refObj ?? 0);
    case 'pkt': case 'pkt_meta':
      if (o.range > c.range || o.off !== c.off || !ids.check(o.id, c.id)) return false;
      return within(o.v, c.v);
    default:
      return regsExact(o, c, ids);
  }
}

const ALL_MISC = { test: (t: string): boolean => { for (let i = 0; i < 8; i++) { const c = t.charCodeAt(i); if (c !== 109 && c !== 63) return false; } return true; } };
const UNBOUND: Reg | undefined = undefined;

/** Whether stack slot spi of frame f is precise in the explored state (every slot when precise is absent or all). */
const slotPrecise = (precise: Precise | undefined, f: number, spi: number): boolean => !precise || precise.all || precise.slots.has(f * 64 + spi);

/** stacksafe (root: uninitialised and misc bytes of the old state accept anything). */
function stacksafe(o: Frame, c: Frame, ids: IdMap, exact: Exact, unknown: Reg, precise: Precise | undefined, f: number): boolean {
  const n = o.stack.length;
  for (let spi = 0; spi < n; spi++) {
    const os = o.stack[spi];
    if (!os) {
      if (exact === 'exact' && c.stack[spi]) return false;
      continue;
    }
    if (os === c.stack[spi] && !os.dynptr && (!os.spilled || noIds(os.spilled))) continue;
    const cs: Slot | undefined = c.stack[spi];
    const ct = cs?.types ?? '????????';
    // STACK_DYNPTR: the same kind and slot, the held references mapping one to one
    if (os.dynptr && !(cs?.dynptr && os.dynptr.kind === cs.dynptr.kind && os.dynptr.first === cs.dynptr.first && ids.check(os.dynptr.ref, cs.dynptr.ref))) return false;
    if (exact === 'exact') {
      if (ct !== os.types) return false;
      if (isSpill(os) && !regsafe(os.spilled, cs!.spilled!, ids, exact)) return false;
      continue;
    }
    if (os.types === '????????' || os.types === 'mmmmmmmm') continue;
    const oReg = isSpill(os) && os.types === 'rrrrrrrr' && os.spilled.type === 'scalar' ? os.spilled : ALL_MISC.test(os.types) ? unknown : UNBOUND;
    const cReg = cs && isSpill(cs) && ct === 'rrrrrrrr' && cs.spilled.type === 'scalar' ? cs.spilled : ALL_MISC.test(ct) ? unknown : UNBOUND;
    if (oReg && cReg) {
      if (!regsafe(oReg, cReg, ids, exact, oReg === unknown || slotPrecise(precise, f, spi))) return false;
      continue;
    }
    for (let i = 0; i < 8; i++) {
      const a = os.types[i], b = ct[i];
      if (a === '?' || a === 'm') continue;
      if (a !== b) return false;
    }
    if (isSpill(os) && !regsafe(os.spilled, cs!.spilled!, ids, exact, slotPrecise(precise, f, spi))) return false;
  }
  if (exact === 'exact') for (let spi = n; spi < c.stack.length; spi++) if (c.stack[spi]) return false;
  return true;
}

/** refsafe: the same number of held references, their ids mapping one to one (before any register). */
function refsafe(o: State, c: State, ids: IdMap): boolean {
  if (o.refs.length !== c.refs.length) return false;
  for (let i = 0; i < o.refs.length; i++) if (!ids.check(o.refs[i].id, c.refs[i].id)) return false;
  return true;
}

const scratchIds = new IdMap();

/**
 * states_maybe_looping, loosened to a necessary condition of the exact comparison: the same
 * number of frames and, in the current frame, registers r0-r9 alike in type, offset and values
 * (ids are left to statesEqual). The infinite-loop check runs it first: most ancestors on the
 * path differ in r0 or r1, and rejecting them here skips the id map's reset and the reference
 * and frame walk of a full comparison.
 */
export function mayLoop(o: State, c: State): boolean {
  return mayLoopIn(o, c.frames.length, c.frames[c.frames.length - 1].regs);
}

/**
 * mayLoop against a current state given by its number of frames `n` and its current frame's
 * registers `cr` (is_state_visited reads them once for its whole list).
 */
export function mayLoopIn(o: State, n: number, cr: readonly Reg[]): boolean {
  const of = o.frames;
  if (of.length !== n) return false;
  const or = of[n - 1].regs;
  for (let r = 0; r < 10; r++) {
    const a = or[r], b = cr[r];
    if (a !== b && (a.type !== b.type || a.off !== b.off || !sameScalar(a.v, b.v))) return false;
  }
  return true;
}

/**
 * A necessary condition of the not_exact statesEqual, on numbers alone: the same number of
 * frames and, in the current frame, every register live there (`live`) that the explored state
 * `o` holds initialised has the type of the current state's, and a pointer the offset (and range,
 * at most the current one for a packet pointer, the same for any other) the comparison requires.
 * Scalars' values, ids and the stack are left to statesEqual. is_state_visited asks it before
 * each comparison with a finished checkpoint: most of them fail on a packet pointer's offset or
 * range (xdp_loop: it rejects 1,820 of the 2,050 failing comparisons per check) without the
 * id map's reset, the reference check and the bigint comparisons of the scalars before it.
 */
export function mayCover(o: State, c: State, live: number): boolean {
  return mayCoverIn(o, c.frames.length, c.frames[c.frames.length - 1].regs, live);
}

/** mayCover against a current state given as mayLoopIn's is; only the live registers are visited. */
export function mayCoverIn(o: State, n: number, cr: readonly Reg[], live: number): boolean {
  const of = o.frames;
  if (of.length !== n) return false;
  const or = of[n - 1].regs;
  for (let m = live & 0x3ff; m; m &= m - 1) {
    const r = 31 - Math.clz32(m & -m);
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

/**
 * states_equal: same call chain, and each frame's live registers and stack are covered.
 * `live(frameIndex)` gives the bit mask of registers to compare in that frame.
 */
export function statesEqual(o: State, c: State, exact: Exact, live: (f: number) => number, unknown: Reg, precise?: Precise): boolean {
  if (o.frames.length !== c.frames.length) return false;
  const ids = scratchIds.reset();
  if (!refsafe(o, c, ids)) return false;
  for (let f = 0; f < o.frames.length; f++) {
    const of = o.frames[f], cf = c.frames[f];
    if (of.callsite !== cf.callsite) return false;
    const mask = exact === 'exact' ? 0x7ff : live(f);
    const pr = !precise || precise.all ? 0x7ff : precise.regs[f] ?? 0;
    for (let r = 0; r < 10; r++) {
      if (!(mask & (1 << r))) continue;
      const o = of.regs[r], cr = cf.regs[r];
      if (o === cr && noIds(o)) continue;
      if (!regsafe(o, cr, ids, exact, (pr & (1 << r)) !== 0)) return false;
    }
    if (!stacksafe(of, cf, ids, exact, unknown, precise, f)) return false;
  }
  return true;
}

/**
 * widen_imprecise_scalars: before a may_goto's fall-through is queued, every scalar that changed
 * since the previous visit of the same instruction on this path and is not precise becomes
 * unknown, so a counting loop converges instead of being unrolled to the loop budget.
 */
export function widenImprecise(old: State, c: State, precise: Precise, unknown: Reg): void {
  const ids = scratchIds.reset();
  const widen = (o: Reg, r: Reg, isPrecise: boolean): Reg =>
    o.type !== 'scalar' || r.type !== 'scalar' || isPrecise || regsExact(o, r, ids) ? r : unknown;
  for (let f = Math.min(old.frames.length, c.frames.length) - 1; f >= 0; f--) {
    const of = old.frames[f], cf = c.frames[f];
    const pr = precise.all ? 0x7ff : precise.regs[f] ?? 0;
    for (let r = 0; r < 10; r++) cf.regs[r] = widen(of.regs[r], cf.regs[r], (pr & (1 << r)) !== 0);
    const n = Math.min(of.stack.length, cf.stack.length);
    for (let spi = 0; spi < n; spi++) {
      const os = of.stack[spi], cs = cf.stack[spi];
      if (!os || !cs || !isSpill(os) || !isSpill(cs)) continue;
      const w = widen(os.spilled, cs.spilled, precise.all || precise.slots.has(f * 64 + spi));
      if (w !== cs.spilled) ownStack(cf)[spi] = slotOf(cs.types, w, cs.dynptr);
    }
  }
}
