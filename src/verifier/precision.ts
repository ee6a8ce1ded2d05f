// Precision tracking (mark_chain_precision / backtrack_insn / propagate_precision): scalars
// start imprecise in every checkpoint, and pruning ignores an imprecise scalar's value. When a
// scalar's value is relied on (pointer arithmetic, a decided branch, a helper size, …), the
// instructions of the current path are walked backwards to find which registers and stack
// slots of each checkpoint it came from, and those are marked precise. A checkpoint is only
// used for pruning once everything below it has been explored, so by then every use below it
// has marked what it needs.
//
// Stack slots are followed through the spills and fills the kernel notes in its jump history
// (INSN_F_STACK_ACCESS: register spills, including narrow ones and stored immediates, and the
// fills that restore them); other stack accesses end the walk for their register, as in the
// kernel. The model handles the current frame; anything it does not follow (a bpf-to-bpf call
// or exit in the walk, linked stack slots, precise marks in caller frames) makes every scalar
// of the affected checkpoints precise, which is always sound.
import type { Op } from '../isa/op.ts';

/**
 * The executed instructions of a path segment, as pairs in one array (one backing store per
 * segment instead of two): `steps[2i]` the instruction, `steps[2i + 1]` its note, the stack slot
 * (spi) of a spill or fill in the current frame (OPAQUE: another frame's), else -1; cond jumps:
 * linked-register mask | LINKED.
 */
export interface Hist {
  steps: number[];
  /**
   * Older instructions of the same segment, recorded before a branch and shared by both paths
   * that continue from it (never changed again): a push costs O(1), not a copy of the segment.
   */
  readonly prev?: Hist;
  /** The last few walks of this segment once it stopped growing (see walkFrozen). */
  walked?: Walked[];
}

/** What walking a whole frozen segment did to a set that entered it with registers `in` and no slots. */
interface Walked {
  readonly in: number;
  readonly ops: (Op | null)[];
  readonly len: number;
  readonly w: Walk;
  readonly regs: number;
  readonly lo: number;
  readonly hi: number;
}

/** At a branch: the histories of the continuing path and of the pushed one, sharing what `h` recorded. */
export function forkHist(h: Hist): [Hist, Hist] {
  const base = h.steps.length ? h : h.prev;
  return [{ steps: [], prev: base }, { steps: [], prev: base }];
}

/** A copy whose own entries can grow independently (the shared older part is immutable). */
export const copyHist = (h: Hist): Hist => ({ steps: h.steps.slice(), prev: h.prev });

export const LINKED = 1 << 20;
/** aux for an access we cannot follow. */
export const OPAQUE = -2;

export interface Precise {
  /** Bit mask of precise registers, per frame. */
  regs: number[];
  /** Precise stack slots (frame * 64 + spi). */
  slots: Set<number>;
  /** Every scalar is precise. */
  all: boolean;
}

export interface CheckpointLike {
  readonly parent: CheckpointLike | null;
  readonly hist: Hist;
  readonly frames: number;
  precise: Precise;
}

/**
 * The slot set of a checkpoint nothing has marked yet, shared by all of them: most checkpoints never
 * get a precise slot, and an empty Set costs ~100 bytes. Never written: markPrecise gives a
 * checkpoint its own Set before its first slot.
 */
const NO_PRECISE_SLOTS: Set<number> = new Set();

export const noPrecision = (): Precise => ({ regs: [], slots: NO_PRECISE_SLOTS, all: false });

/** Mark every scalar precise in `cp` and its ancestors. */
export function allPrecise(cp: CheckpointLike | null): void {
  for (let k = cp; k && !k.precise.all; k = k.parent) k.precise.all = true;
}

const b = (r: number): number => 1 << r;

/**
 * What a backward walk still looks for: registers (bit r) and stack slots of the top frame as a
 * 64-bit mask in two words (spi 0-31 in `lo`, 32-63 in `hi`; a frame holds at most 64 slots), so
 * that a walk allocates no Set and a slot test is a bit test.
 */
interface Want {
  regs: number;
  lo: number;
  hi: number;
}

const hasSlot = (set: Want, spi: number): boolean => ((spi < 32 ? set.lo : set.hi) & (1 << (spi & 31))) !== 0;
function addSlot(set: Want, spi: number): void {
  if (spi < 32) set.lo |= 1 << spi;
  else set.hi |= 1 << (spi & 31);
}
function dropSlot(set: Want, spi: number): void {
  if (spi < 32) set.lo &= ~(1 << spi);
  else set.hi &= ~(1 << (spi & 31));
}

/**
 * How a backward walk ended early: the model does not follow the instruction (OPAQUE_WALK: the
 * checkpoints from the one walked up become all precise), or the kernel does not (NOT_SUPPORTED,
 * its -ENOTSUPP: every checkpoint of the current path becomes all precise).
 */
const OK = 0, OPAQUE_WALK = 1, NOT_SUPPORTED = 2;
type Walk = typeof OK | typeof OPAQUE_WALK | typeof NOT_SUPPORTED;

/**
 * backtrack_insn over one segment, from the end to its start. `regs`/`slots` are in the top
 * frame. `skipLast`: the segment's last instruction is the one relying on the registers (the
 * kernel's skip_first).
 */
function backtrack(ops: (Op | null)[], top: Hist, set: Want, skipLast = false, topFrozen = false): Walk {
  for (let h: Hist | undefined = top; h; h = h.prev) {
    // skipLast is the first instruction met, in whichever segment holds it
    if (skipLast && !h.steps.length) continue;
    const w = !skipLast && (h !== top || topFrozen) && !(set.lo | set.hi) ? walkFrozen(ops, h, set) : walkSegment(ops, h, set, skipLast);
    skipLast = false;
    if (w !== OK) return w;
    if (!set.regs && !(set.lo | set.hi)) return OK;
  }
  return OK;
}

/** backtrack_insn over one segment's own instructions, last first. */
function walkSegment(ops: (Op | null)[], h: Hist, set: Want, skipLast: boolean): Walk {
  const steps = h.steps;
  for (let i = steps.length - (skipLast ? 4 : 2); i >= 0; i -= 2) {
    if (!set.regs && !(set.lo | set.hi)) return OK;
    const w = backtrackInsn(ops[steps[i]]!, steps[i + 1], set);
    if (w !== OK) return w;
  }
  return OK;
}

/** Walks kept per segment: a segment is met with a handful of different register sets. */
const WALKS_KEPT = 4;

/**
 * walkSegment over a segment that no longer grows (an older part of a path's history, or a
 * checkpoint's): loop histories walk the same segments with the same registers again and again,
 * so the last few outcomes are kept on the segment, for sets entering without stack slots (the common case).
 */
function walkFrozen(ops: (Op | null)[], h: Hist, set: Want): Walk {
  const regs = set.regs;
  const kept = h.walked;
  if (kept) {
    for (let k = 0; k < kept.length; k++) {
      const got = kept[k];
      if (got.in !== regs || got.ops !== ops || got.len !== h.steps.length) continue;
      set.regs = got.regs;
      set.lo = got.lo;
      set.hi = got.hi;
      return got.w;
    }
  }
  const w = walkSegment(ops, h, set, false);
  const rec: Walked = { in: regs, ops, len: h.steps.length, w, regs: set.regs, lo: set.lo, hi: set.hi };
  // most segments are walked once (xdp_loop: ~600 of ~770 records per check are a segment's
  // first): a one-element literal, where `[]` then push allocates room for 16
  if (!kept) h.walked = [rec];
  else {
    if (kept.length >= WALKS_KEPT) kept.shift();
    kept.push(rec);
  }
  return w;
}

/** backtrack_insn for one instruction. */
function backtrackInsn(insn: Op, aux: number, set: Want): Walk {
  let op = insn;
  // load-acquire and store-release backtrack as the load and store they are; a fetching atomic
  // as the load of its old value into src (r0 for cmpxchg); other atomics as stores
  if (op.kind === 'atomic' && op.op === 'load_acq') op = { kind: 'ldx', size: op.size, signed: false, dst: op.dst, src: op.src, off: op.off };
  else if (op.kind === 'atomic' && op.op === 'store_rel') op = { kind: 'stx', size: op.size, dst: op.dst, src: op.src, off: op.off };
  else if (op.kind === 'atomic' && op.fetch) op = { kind: 'ldx', size: op.size, signed: false, dst: op.op === 'cmpxchg' ? 0 : op.src, src: op.dst, off: op.off };
  switch (op.kind) {
    case 'alu':
      if (!(set.regs & b(op.dst))) break;
      // the frame pointer is never tracked (sreg != BPF_REG_FP)
      if (op.op === 'mov' || op.op === 'movsx') {
        set.regs &= ~b(op.dst);
        if ('reg' in op.src && op.src.reg !== 10) set.regs |= b(op.src.reg);
      } else if ('reg' in op.src && op.src.reg !== 10) set.regs |= b(op.src.reg);
      break;
    case 'end':
      break;
    case 'lddw':
      set.regs &= ~b(op.dst);
      break;
    case 'ldx':
      if (!(set.regs & b(op.dst))) break;
      set.regs &= ~b(op.dst);
      if (aux === OPAQUE) return OPAQUE_WALK;
      if (aux >= 0) addSlot(set, aux);
      break;
    case 'stx': case 'atomic':
      // a scalar used as the address (pointer subtraction): not followed (-ENOTSUPP)
      if (set.regs & b(op.dst)) return NOT_SUPPORTED;
      if (aux === OPAQUE) return OPAQUE_WALK;
      if (aux >= 0 && hasSlot(set, aux)) {
        dropSlot(set, aux);
        set.regs |= b(op.src);
      }
      break;
    case 'st':
      if (set.regs & b(op.dst)) return NOT_SUPPORTED;
      if (aux === OPAQUE) return OPAQUE_WALK;
      if (aux >= 0 && hasSlot(set, aux)) dropSlot(set, aux);
      break;
    case 'ldabs': case 'ldind':
      // the kernel does not follow r0 into the packet ("to be analyzed": -ENOTSUPP, every
      // scalar precise) and lets r1-r5 pass, although the instruction clobbers them
      if (!(set.regs & 1)) break;
      set.regs &= ~1;
      return NOT_SUPPORTED;
    case 'call':
      if (op.callKind !== 'helper') return OPAQUE_WALK;
      if (set.regs & 0b111110) return OPAQUE_WALK;
      set.regs &= ~1;
      break;
    case 'exit':
      return OPAQUE_WALK;
    case 'jcond': {
      if (aux === OPAQUE && (set.regs & (b(op.dst) | ('reg' in op.src ? b(op.src.reg) : 0)))) return OPAQUE_WALK;
      if (aux > 0 && (aux & LINKED)) {
        const linked = aux & 0x7ff;
        if (set.regs & linked) set.regs |= linked;
      }
      if ('reg' in op.src && (set.regs & (b(op.dst) | b(op.src.reg)))) set.regs |= b(op.dst) | b(op.src.reg);
      break;
    }
    case 'ja':
      break;
  }
  return OK;
}

/** markPrecise's set, one for the module (a walk calls nothing that marks again): no object per call. */
const WANT: Want = { regs: 0, lo: 0, hi: 0 };

/** No stack slot (markPrecise's default, shared: most calls name registers only). */
const NO_SLOTS: readonly number[] = [];

/**
 * mark_chain_precision: registers `regs` and slots `slots` of the top frame (frame index
 * `frame`) are relied on now; `hist` is the current segment since `parent`. `inInsn`: called
 * while executing the last instruction of `hist`, which is not walked (the walk starts before
 * the instruction that relies on the values: a helper's size argument is not "defined" by the call).
 */
export function markPrecise(ops: (Op | null)[], hist: Hist, parent: CheckpointLike | null, frame: number, regs: number, slots: readonly number[] = NO_SLOTS, inInsn = false): void {
  const set = WANT;
  set.regs = regs;
  set.lo = set.hi = 0;
  for (const s of slots) addSlot(set, s);
  let h = hist;
  /** Only the current path's own segment (`hist`) still grows. */
  let topFrozen = false;
  for (let cp = parent; cp; cp = cp.parent) {
    const w = backtrack(ops, h, set, inInsn, topFrozen);
    if (w === NOT_SUPPORTED) return allPrecise(parent);
    if (w === OPAQUE_WALK) return allPrecise(cp);
    inInsn = false;
    if (!set.regs && !(set.lo | set.hi)) return;
    if (cp.frames !== frame + 1) return allPrecise(cp);
    if (cp.precise.all) return;
    let fresh = false;
    const cur = cp.precise.regs[frame] ?? 0;
    if ((cur | set.regs) !== cur) {
      cp.precise.regs[frame] = cur | set.regs;
      fresh = true;
    }
    // the set bits only, lowest first (most walks reach a checkpoint with no slot at all)
    for (let w = 0; w < 2; w++) {
      for (let m = w ? set.hi : set.lo; m; m &= m - 1) {
        const k = frame * 64 + w * 32 + (31 - Math.clz32(m & -m));
        if (!cp.precise.slots.has(k)) {
          if (cp.precise.slots === NO_PRECISE_SLOTS) cp.precise.slots = new Set();
          cp.precise.slots.add(k);
          fresh = true;
        }
      }
    }
    if (!fresh) return;
    h = cp.hist;
    topFrozen = true;
    // the first segment has no checkpoint left to mark, but the kernel still walks it: an
    // instruction it cannot follow there makes the whole path precise
    if (!cp.parent && backtrack(ops, h, set, false, true) === NOT_SUPPORTED) allPrecise(parent);
  }
}
