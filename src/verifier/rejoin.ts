// The incremental checker's rejoin test: is a candidate's exploration, between two instructions,
// in exactly the state the baseline's was at some step, so that the rest of the candidate's run
// would be the baseline's rest? Everything the run reads from then on is compared: the current
// path and the pending ones (states, histories, jump-history counts), the explored checkpoints
// (states, branch counts, hit/miss counts, precision marks, cleaning, parent links), the counters
// that steer checkpoint creation (as differences), the per-instruction tables and the stack
// liveness. Histories that precision backtracking may still walk must not hold a slot whose
// instruction the walk reads otherwise than the baseline's, and no frame may return to a slot
// whose live registers changed. Counters the outcome only adds up (processed, states) are the
// caller's to offset.
import type { Ctx, Checkpoint, Path } from './analyze.ts';
import { type Hist, pieceTouches, samePiece } from './precision.ts';
import { type Reg, sameScalar } from './regs.ts';
import type { Stack } from './stack.ts';
import type { State } from './state.ts';

/**
 * What a candidate changes: `ops[pc]` set where the instruction differs and precision
 * backtracking reads it otherwise (precision.ts walkDiffers: 1 on any step, 2 on a step with a
 * note; a rewrite of the same class and registers, such as another offset or constant, reads
 * alike), `live[pc]` where a frame returning to pc would read other live registers.
 */
export interface Changed {
  readonly ops: Uint8Array;
  readonly live: Uint8Array;
}

/** What the baseline's run still reads after step k: what it never reads again cannot steer it. */
export interface Future {
  readonly k: number;
  /** Per explored list: 1 + the step of the baseline's last visit to it (0: never); visited again if > k. */
  readonly buckets: Int32Array;
  /** Per slot: 1 + the step the baseline last processed it at; processed again (its per-instruction records read) if > k. */
  readonly slots: Int32Array;
  /** The baseline's live registers per slot (the candidate's are the same wherever the baseline still reads them). */
  readonly live: Uint16Array;
}

/**
 * Is candidate context `a` the same exploration as baseline context `b` (same program position),
 * as far as the baseline's `future` reads? The counters that steer checkpoint creation are the
 * caller's to compare.
 */
export function sameExploration(a: Ctx, b: Ctx, changed: Changed, future: Future): boolean {
  if (a.idGen !== b.idGen || a.stack.length !== b.stack.length || a.explored.length !== b.explored.length) return false;
  if (!sameMap(a.stackDepth, b.stackDepth) || !sameMap(a.tailMaps, b.tailMaps)) return false;
  if (!sameAt(a.ptrTypes, b.ptrTypes, future) || !sameWhere(a.aluAux, b.aluAux, future)) return false;
  if (!sameShallow(a, b, future)) return false;
  const pairs: Pairs = { fwd: new Map(), back: new Set(), walked: new Set() };
  // the live paths first: their checkpoint chains are the ones backtracking still walks
  if (!samePath(a.path, b.path, pairs, changed)) return false;
  for (let i = 0; i < a.stack.length; i++) if (!samePath(a.stack[i], b.stack[i], pairs, changed)) return false;
  for (let i = 0; i < a.explored.length; i++) {
    if (future.buckets[i] <= future.k) continue;
    const x = a.explored[i], y = b.explored[i];
    if (!x || !y) {
      if ((x?.length ?? 0) !== (y?.length ?? 0)) return false;
      continue;
    }
    if (x.length !== y.length) return false;
    for (let k = 0; k < x.length; k++) {
      const p = x[k], q = y[k], seen = pairs.fwd.get(p);
      if (seen) {
        if (seen !== q) return false;
        continue;
      }
      if (p.branches > 0 || q.branches > 0) {
        if (!sameCheckpoint(p, q, pairs, null)) return false;
        continue;
      }
      if (pairs.back.has(q)) return false;
      // finished and off every live path: pruning reads only its live registers, stack, references
      // and marks, and only at its own instruction (elsewhere it just takes a place in the list)
      if (deadPlace(p, q, future)) continue;
      if (!sameFinished(p, q) || !sameLiveState(p.state, q.state, p.pc, future.live)) return false;
      pairs.fwd.set(p, q);
      pairs.back.add(q);
    }
  }
  if (!a.live || !b.live) return a.live === b.live;
  return a.live.sameAs(b.live);
}

/** Both finished checkpoints are of instructions the baseline never processes again. */
const deadPlace = (p: Checkpoint, q: Checkpoint, future: Future): boolean =>
  p.branches === 0 && q.branches === 0 && future.slots[p.pc] <= future.k && future.slots[q.pc] <= future.k;

function sameFinished(p: Checkpoint, q: Checkpoint): boolean {
  return p.pc === q.pc && p.branches === q.branches && p.hit === q.hit && p.miss === q.miss && p.frames === q.frames && !!p.cleaned === !!q.cleaned && samePrecise(p, q);
}

/** What states_equal (not exact) reads of an explored state at `pc`: live registers of each frame, stacks, references. */
function sameLiveState(a: State, b: State, pc: number, live: Uint16Array): boolean {
  if (a.frames.length !== b.frames.length || (a.mayGotoDepth ?? 0) !== (b.mayGotoDepth ?? 0) || !deepSame(a.refs, b.refs)) return false;
  const top = a.frames.length - 1;
  for (let f = 0; f <= top; f++) {
    const x = a.frames[f], y = b.frames[f];
    if (x.callsite !== y.callsite || x.subprog !== y.subprog || x.frameno !== y.frameno || !deepSame(x.stack, y.stack)) return false;
    // analyze.ts regsLive: the caller frames' callee-saved registers live after their call
    const mask = f === top ? live[pc] : (live[a.frames[f + 1].callsite + 1] ?? 0) & 0x7c0;
    for (let r = 0; r < 10; r++) if (mask & (1 << r) && !deepSame(x.regs[r], y.regs[r])) return false;
  }
  return true;
}

/** The explored lists the baseline visits again, field by field without states and links: most differences show here. */
function sameShallow(a: Ctx, b: Ctx, future: Future): boolean {
  for (let i = 0; i < a.explored.length; i++) {
    if (future.buckets[i] <= future.k) continue;
    const x = a.explored[i], y = b.explored[i];
    if ((x?.length ?? 0) !== (y?.length ?? 0)) return false;
    if (!x || !y) continue;
    for (let j = 0; j < x.length; j++) {
      const p = x[j], q = y[j];
      if (deadPlace(p, q, future)) continue;
      if (p.pc !== q.pc || p.branches !== q.branches || p.hit !== q.hit || p.miss !== q.miss || !!p.cleaned !== !!q.cleaned || !samePrecise(p, q)) return false;
    }
  }
  return true;
}

/** Candidate checkpoints matched to the baseline's (one to one), and those whose chain history was checked. */
interface Pairs {
  readonly fwd: Map<Checkpoint, Checkpoint>;
  readonly back: Set<Checkpoint>;
  readonly walked: Set<Checkpoint>;
}

function samePath(a: Path, b: Path, pairs: Pairs, changed: Changed): boolean {
  if (a.pc !== b.pc || a.prev !== b.prev || a.jh !== b.jh) return false;
  if (!sameHist(a.hist, b.hist, changed.ops) || !sameState(a.state, b.state)) return false;
  for (const f of a.state.frames) if (f.callsite >= 0 && changed.live[f.callsite + 1]) return false;
  return sameCheckpoint(a.parent, b.parent, pairs, changed.ops);
}

/** `chainOps`: the checkpoint is on a live path's chain (its history must match and be free of changed slots). */
function sameCheckpoint(a: Checkpoint | null, b: Checkpoint | null, pairs: Pairs, chainOps: Uint8Array | null): boolean {
  for (;;) {
    if (!a || !b) return a === b;
    const seen = pairs.fwd.get(a);
    if (seen) {
      if (seen !== b) return false;
      // met again: done, unless now from a live path whose chain was not walked yet
      if (!chainOps || pairs.walked.has(a)) return true;
    } else {
      if (a.pc !== b.pc || a.branches !== b.branches || a.hit !== b.hit || a.miss !== b.miss || a.frames !== b.frames || !!a.cleaned !== !!b.cleaned) return false;
      if (!samePrecise(a, b) || !deepSame(a.state, b.state) || pairs.back.has(b)) return false;
      pairs.fwd.set(a, b);
      pairs.back.add(b);
    }
    if (chainOps) {
      if (!sameHist(a.hist, b.hist, chainOps)) return false;
      pairs.walked.add(a);
    }
    a = a.parent;
    b = b.parent;
  }
}

/**
 * Are states a and b alike as the rest of a run reads them (deepSame's, without the frames'
 * copy-on-write flag, and with an absent may_goto depth as 0)?
 */
export function sameState(a: State, b: State): boolean {
  if (a === b) return true;
  const n = a.frames.length;
  if (n !== b.frames.length || (a.mayGotoDepth ?? 0) !== (b.mayGotoDepth ?? 0)) return false;
  if (a.refs !== b.refs && !deepSame(a.refs, b.refs)) return false;
  for (let f = n - 1; f >= 0; f--) {
    const x = a.frames[f], y = b.frames[f];
    if (x.callsite !== y.callsite || x.subprog !== y.subprog || x.frameno !== y.frameno) return false;
    if (x.regs !== y.regs && !sameRegs(x.regs, y.regs)) return false;
    if (x.stack !== y.stack && !sameSlots(x.stack, y.stack)) return false;
  }
  return true;
}

/**
 * Registers alike as deepSame tells, field by field without its walk over keys (two states'
 * registers are often other objects of equal value: a re-check computes its own).
 */
function sameRegs(a: readonly Reg[], b: readonly Reg[]): boolean {
  if (a.length !== b.length) return false;
  for (let r = 0; r < a.length; r++) if (a[r] !== b[r] && !sameReg(a[r], b[r])) return false;
  return true;
}

function sameReg(x: Reg, y: Reg): boolean {
  if (x.type !== y.type || x.off !== y.off || x.id !== y.id || x.range !== y.range || x.map !== y.map) return false;
  if (x.rdonly !== y.rdonly || x.refObj !== y.refObj || x.ringbuf !== y.ringbuf || x.dynptrId !== y.dynptrId) return false;
  return sameScalar(x.v, y.v);
}

/**
 * The fields sameReg compares, every one of Reg's (a field added to Reg fails tsc here until
 * sameReg compares it: deepSame, which it replaced, compared every field by construction).
 */
const SAME_REG_FIELDS = { type: 1, v: 1, off: 1, id: 1, range: 1, map: 1, rdonly: 1, refObj: 1, ringbuf: 1, dynptrId: 1 } satisfies Record<keyof Reg, 1>;
void SAME_REG_FIELDS;

/** Stack slots alike as deepSame tells (a spilled register as sameReg does). */
function sameSlots(a: Stack, b: Stack): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (x === y) continue;
    if (!x || !y || x.types !== y.types) return false;
    if (x.spilled !== y.spilled && (!x.spilled || !y.spilled || !sameReg(x.spilled, y.spilled))) return false;
    if (x.dynptr !== y.dynptr && !deepSame(x.dynptr, y.dynptr)) return false;
  }
  return true;
}

function samePrecise(a: Checkpoint, b: Checkpoint): boolean {
  const p = a.precise, q = b.precise;
  if (p.all !== q.all || p.slots.size !== q.slots.size) return false;
  for (const s of p.slots) if (!q.slots.has(s)) return false;
  const n = Math.max(p.regs.length, q.regs.length);
  for (let f = 0; f < n; f++) if ((p.regs[f] ?? 0) !== (q.regs[f] ?? 0)) return false;
  return true;
}

/**
 * The same recorded instructions (this piece and the shared older ones), none of them changed.
 * Pieces alike in count, last instruction and entries executed the same instructions: a piece's
 * walk back is a function of those (see Hist).
 */
function sameHist(a: Hist | undefined, b: Hist | undefined, ops: Uint8Array): boolean {
  for (;;) {
    if (!a || !b) return a === b;
    if (!samePiece(a, b) || pieceTouches(a, ops)) return false;
    a = a.prev;
    b = b.prev;
  }
}

/** Per-instruction records alike wherever the instruction is processed again. */
function sameWhere<V>(a: Map<number, V>, b: Map<number, V>, future: Future): boolean {
  for (const [pc, v] of a) if (future.slots[pc] > future.k && !deepSame(v, b.get(pc))) return false;
  for (const pc of b.keys()) if (future.slots[pc] > future.k && !a.has(pc)) return false;
  return true;
}

/** Per-instruction strings equal wherever the baseline processes the instruction again. */
function sameAt(a: readonly (string | undefined)[], b: readonly (string | undefined)[], future: Future): boolean {
  for (let pc = 0; pc < a.length; pc++) if (a[pc] !== b[pc] && future.slots[pc] > future.k) return false;
  return a.length === b.length;
}

function sameMap<K, V>(a: Map<K, V>, b: Map<K, V>): boolean {
  if (a.size !== b.size) return false;
  // in order: the unprivileged tail-call check reports the first entry it meets
  const it = b.entries();
  for (const [k, v] of a) {
    const [k2, v2] = it.next().value as [K, V];
    if (k !== k2 || !deepSame(v, v2)) return false;
  }
  return true;
}

/**
 * Structural equality of verifier values (states, registers, slots): arrays element-wise, typed
 * arrays, plain objects by their defined fields (an optional field left out and one set to
 * undefined are alike), identical objects at once (states share immutable registers).
 * Written here rather than taken from a library for that last two rules and bigint leaves.
 */
export function deepSame(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || !a || !b) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepSame(a[i], b[i])) return false;
    return true;
  }
  if (ArrayBuffer.isView(a)) {
    if (!ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    const x = a as unknown as ArrayLike<unknown>, y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  if (a instanceof Map || a instanceof Set || b instanceof Map || b instanceof Set) {
    if (!(a instanceof Map && b instanceof Map)) return a instanceof Set && b instanceof Set && a.size === b.size && [...a].every((x) => b.has(x));
    return sameMap(a, b);
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
  for (const k in x) if (x[k] !== undefined && !deepSame(x[k], y[k])) return false;
  for (const k in y) if (y[k] !== undefined && x[k] === undefined) return false;
  return true;
}
