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
 * One piece of a path's history: the instructions it executed, kept the way the kernel keeps its
 * jump history (push_jmp_history, get_prev_insn_idx). Only `n` (how many) and `last` (the latest)
 * are updated per instruction; an entry is recorded only where a backward walk could not infer
 * the step: an instruction whose predecessor in the piece is not the instruction before it (a
 * taken jump, a call, a return, the step over an lddw's second half), and an instruction with a
 * note (a spill or fill's stack slot, spi in the current frame or OPAQUE for another frame's; a
 * conditional jump's linked registers, mask | LINKED). Entries are triples in `e`: the
 * instruction, its predecessor (pc - 1 where it is only a note), its note (-1 for none).
 * Walking back from `last`, an instruction whose entry is next is left for the entry's
 * predecessor, any other for the one before it. The piece's first instruction needs no jump entry:
 * the walk stops after `n` instructions and goes on with the older piece's `last`.
 *
 * Why the next entry can be trusted to belong to the instruction walked: if it named an earlier
 * visit of the same instruction, everything executed since then would have stepped forward by
 * one without an entry, and a path that only steps forward never comes back.
 */
export interface Hist {
  n: number;
  last: number;
  /** The entries (null until the first: most pieces of straight code have none). */
  e: number[] | null;
  /**
   * Older instructions of the same segment, recorded before a branch and shared by both paths
   * that continue from it (never changed again): a push costs O(1), not a copy of the segment.
   */
  readonly prev?: Hist;
  /**
   * The last few walks of this piece once it stopped growing (see walkFrozen): where they are in
   * the module's table of kept walks (-1: none), valid while the table's generation is `wg`.
   */
  wi: number;
  wg: number;
}

/** An empty piece on top of `prev`. */
export const newHist = (prev?: Hist): Hist => ({ n: 0, last: -1, e: null, prev, wi: -1, wg: 0 });

/**
 * Instruction `pc` executes on the piece `h` (the run's per-instruction record): an entry only
 * when its predecessor in the piece is not pc - 1.
 */
export function recordStep(h: Hist, pc: number): void {
  if (h.n !== 0 && pc !== h.last + 1) addEntry(h, pc, h.last, -1);
  h.n++;
  h.last = pc;
}

/**
 * recordStep(h, pc + i) for i < n: a straight piece, each instruction following the one before,
 * so only the first may need an entry (replay.ts's take-over, which splits a run at its steps that
 * do not follow: O(1) per piece, not per step).
 */
export function recordStraight(h: Hist, pc: number, n: number): void {
  if (n === 0) return;
  if (h.n !== 0 && pc !== h.last + 1) addEntry(h, pc, h.last, -1);
  h.n += n;
  h.last = pc + n - 1;
}

/**
 * The note of the piece's last instruction (a spill or fill's slot, a jump's linked registers):
 * its entry gets it, made if it has none. Nothing on an empty piece (a branch has just forked it:
 * the instruction belongs to the older piece, whose walk never read a note written this late).
 */
export function noteStep(h: Hist, note: number): void {
  if (h.n === 0) return;
  const e = h.e, pc = h.last;
  if (e && e[e.length - 3] === pc) e[e.length - 1] = note;
  else addEntry(h, pc, pc - 1, note);
}

function addEntry(h: Hist, pc: number, before: number, note: number): void {
  if (h.e) h.e.push(pc, before, note);
  else h.e = [pc, before, note];
}

/**
 * At a branch: what the continuing path and the pushed one share, each going on with its own
 * `newHist(forkBase(h))` (two pieces, no pair made to hand them over).
 */
export const forkBase = (h: Hist): Hist | undefined => (h.n ? h : h.prev);

/** A copy whose own entries can grow independently (the shared older part is immutable). */
export const copyHist = (h: Hist): Hist => ({ n: h.n, last: h.last, e: h.e && h.e.slice(), prev: h.prev, wi: -1, wg: 0 });

/**
 * The instructions piece `h` executed with their notes, oldest first, as pairs (instruction, note):
 * what the walk reads, for tests and comparisons.
 */
export function pieceSteps(h: Hist): number[] {
  const out: number[] = new Array(2 * h.n);
  const e = h.e;
  let k = e ? e.length : 0, i = h.last;
  for (let j = h.n - 1; j >= 0; j--) {
    out[2 * j] = i;
    if (k > 0 && e![k - 3] === i) {
      out[2 * j + 1] = e![k - 1];
      i = e![k - 2];
      k -= 3;
    } else {
      out[2 * j + 1] = -1;
      i--;
    }
  }
  return out;
}

/** Do two pieces hold the same instructions and notes (their older pieces aside)? */
export function samePiece(a: Hist, b: Hist): boolean {
  if (a.n !== b.n || a.last !== b.last) return false;
  const x = a.e, y = b.e;
  if (!x || !y) return x === y || (x ?? y)!.length === 0;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * Does piece `h` hold an instruction marked in `marked` (1: on any step, 2: on a step with a
 * note; walkDiffers's answers)?
 */
export function pieceTouches(h: Hist, marked: Uint8Array): boolean {
  const e = h.e;
  let k = e ? e.length : 0, i = h.last;
  for (let j = h.n; j > 0; j--) {
    let note = -1, before = i - 1;
    if (k > 0 && e![k - 3] === i) {
      before = e![k - 2];
      note = e![k - 1];
      k -= 3;
    }
    const m = marked[i];
    if (m === 1 || (m === 2 && note !== -1)) return true;
    i = before;
  }
  return false;
}

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

/**
 * The precision of a checkpoint nothing has marked, shared by all of them (and their copies): most
 * checkpoints are never marked, and each made its own object and register array. Never written:
 * a mark gives the checkpoint its own first (ownPrecise).
 */
export const NO_PRECISION: Precise = noPrecision();

/** cp's precision, made its own (not NO_PRECISION's) before a mark. */
function ownPrecise(cp: CheckpointLike): Precise {
  let p = cp.precise;
  if (p === NO_PRECISION) p = cp.precise = noPrecision();
  return p;
}

/** Mark every scalar precise in `cp` and its ancestors. */
export function allPrecise(cp: CheckpointLike | null): void {
  for (let k = cp; k && !k.precise.all; k = k.parent) ownPrecise(k).all = true;
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
    // skipLast is the first instruction met, in whichever piece holds it
    if (skipLast && !h.n) continue;
    // a frozen piece entered without slots: its walk and the older pieces' in one (kept) answer
    if (!skipLast && (h !== top || topFrozen) && !(set.lo | set.hi)) return walkFrozen(ops, h, set);
    const w = walkSegment(ops, h, set, skipLast);
    skipLast = false;
    if (w !== OK) return w;
    if (!set.regs && !(set.lo | set.hi)) return OK;
  }
  return OK;
}

/**
 * backtrack_insn over one piece's own instructions: from the run's PieceWalks (markPrecise's
 * `walks`) when it holds a walk of the same steps with the same registers, else walked (and kept
 * there when it may be asked again).
 */
function walkSegment(ops: (Op | null)[], h: Hist, set: Want, skipLast: boolean): Walk {
  const m = runWalks;
  if (m === undefined || h.n < PIECE_MIN || (h.e !== null && h.e.length > PIECE_ENTRIES)) return walkPiece(ops, h, set, skipLast);
  const at = m.find(h, set, skipLast);
  if (at >= 0) return m.replay(at, set);
  const regs = set.regs, lo = set.lo, hi = set.hi;
  const w = walkPiece(ops, h, set, skipLast);
  m.keep(~at, h, regs, lo, hi, skipLast, set, w);
  return w;
}

/**
 * backtrack_insn over one piece's own instructions, last first (get_prev_insn_idx: the entry's
 * predecessor where the next entry is the instruction's, else the instruction before it).
 */
function walkPiece(ops: (Op | null)[], h: Hist, set: Want, skipLast: boolean): Walk {
  const e = h.e;
  if (ops.length > opTab.length) coverCodes(ops.length);
  let k = e ? e.length : 0, i = h.last;
  for (let j = h.n; j > 0; j--) {
    let note = -1, before = i - 1;
    if (k > 0 && e![k - 3] === i) {
      before = e![k - 2];
      note = e![k - 1];
      k -= 3;
    }
    if (skipLast) skipLast = false;
    else {
      if (!set.regs && !(set.lo | set.hi)) return OK;
      const w = backtrackInsn(codeAt(ops, i), note, set);
      if (w !== OK) return w;
    }
    i = before;
  }
  return OK;
}

/** Pieces shorter than this are walked, not looked up (a lookup costs about two instructions' walk). */
const PIECE_MIN = 3;
/** The most entry numbers (two entries) a piece's walk is kept for by its steps. */
const PIECE_ENTRIES = 6;
// A kept piece walk: generation, last instruction, count, the registers asked (bits 0-11) with
// skipLast (bit 12) and the number of entry numbers (13-15), the entry numbers (6), then what the
// walk left: registers (0-11) and outcome (12-13), slots lo, hi; then the slots asked, lo, hi.
// 16 int32s a record.
const PW_REC = 16, PW_BITS = 10;

/**
 * The walks of single pieces one run made, by the steps they walked (a piece's last instruction,
 * count and entries, which fix the instructions and notes met) and the registers asked: a loop's
 * histories are new objects every iteration (walkFrozen's kept walks name pieces by object, and
 * a piece is mostly walked once or twice), but they execute the same steps again and again
 * (xdp_loop's check walks 1,294 pieces, 39 of them with steps and registers not walked before).
 * A walk's answer also depends on the instructions' ops, fixed for a run but not across runs (a
 * candidate's CFG is a scratch copy patched in place): the run starts each with reset(). One
 * record per hash slot, the newest kept.
 */
export class PieceWalks {
  private readonly t: Int32Array;
  private readonly mask: number;
  private gen = 1;

  /** A table of 2^bits records (tests give 0: one record, every walk in the same place). */
  constructor(bits = PW_BITS) {
    this.t = new Int32Array(PW_REC << bits);
    this.mask = (1 << bits) - 1;
  }

  /** Forget every kept walk (a new run). */
  reset(): void {
    if (this.gen === 0x7fffffff) {
      this.t.fill(0);
      this.gen = 0;
    }
    this.gen++;
  }

  /** The record of h's walk asked for `set` (an index), else the complement of the index to keep it at. */
  find(h: Hist, set: Want, skipLast: boolean): number {
    const e = h.e, ne = e === null ? 0 : e.length, lo = set.lo, hi = set.hi;
    const key = set.regs | (skipLast ? 0x1000 : 0) | (ne << 13);
    let x = Math.imul(h.last ^ (h.n << 16), 0x9e3779b1) ^ Math.imul(key, 0x85ebca77) ^ Math.imul(lo ^ hi, 0x27d4eb2f);
    for (let i = 0; i < ne; i++) x = Math.imul(x ^ e![i], 0xc2b2ae3d);
    const at = ((x ^ (x >>> 15)) & this.mask) * PW_REC, t = this.t;
    if (t[at] !== this.gen || t[at + 1] !== h.last || t[at + 2] !== h.n || t[at + 3] !== key || t[at + 13] !== lo || t[at + 14] !== hi) return ~at;
    for (let i = 0; i < ne; i++) if (t[at + 4 + i] !== e![i]) return ~at;
    return at;
  }

  /** What the walk kept at `at` left in `set`, and its outcome. */
  replay(at: number, set: Want): Walk {
    const t = this.t, out = t[at + 10];
    set.regs = out & 0xfff;
    set.lo = t[at + 11];
    set.hi = t[at + 12];
    return (out >> 12) as Walk;
  }

  /** Keep at `at` h's walk, asked for registers `regs` and slots `lo`, `hi`, which left `set` with outcome w. */
  keep(at: number, h: Hist, regs: number, lo: number, hi: number, skipLast: boolean, set: Want, w: Walk): void {
    const e = h.e, ne = e === null ? 0 : e.length, t = this.t;
    t[at] = this.gen;
    t[at + 1] = h.last;
    t[at + 2] = h.n;
    t[at + 3] = regs | (skipLast ? 0x1000 : 0) | (ne << 13);
    for (let i = 0; i < ne; i++) t[at + 4 + i] = e![i];
    t[at + 10] = set.regs | (w << 12);
    t[at + 11] = set.lo;
    t[at + 12] = set.hi;
    t[at + 13] = lo;
    t[at + 14] = hi;
  }
}

/** The current markPrecise call's PieceWalks (a walk calls nothing that marks again). */
let runWalks: PieceWalks | undefined;

/** Walks kept per piece: a piece is met with a handful of different register sets. */
const WALKS_KEPT = 4;

// The kept walks of every piece, in one table of int32s instead of an array per piece (an array
// per walked piece, and its growth at the second walk, was ~9% of what a check of ksnoop
// allocated). A kept walk is the walk of the piece and of every older piece of its segment
// (`prev`, all frozen too), so that a segment of many pieces (one per branch) is answered by one
// lookup. A piece's place holds how many walks are kept, the piece's length when they were
// made, then WALKS_KEPT records of one number each: the registers the walk entered with (bits
// 0-11), those it left with (12-23) and its outcome (24-25). Walks that leave with stack slots
// (~0.2% of them) are not kept. The table holds walks of one instruction array (`tableOps`): a
// walk over another array, or a full table, starts it afresh under a new generation, and a
// piece's place counts only in the generation it was given in.
const PLACE = 2 + WALKS_KEPT;
let table = new Int32Array(PLACE * 1024);
let used = 0;
let generation = 1;
let tableOps: (Op | null)[] | undefined;
/** Most int32s the table grows to before it starts afresh (4 MiB). */
const TABLE_MAX = 1 << 20;

/** Forget every kept walk (the tests compare walks with and without them). */
export function forgetWalks(): void {
  generation++;
  used = 0;
  tableOps = undefined;
}

/** How many walks are kept for piece `h` (for tests). */
export const walksKept = (h: Hist): number => (h.wg === generation && h.wi >= 0 ? table[h.wi] : 0);

/**
 * The walk of a piece that no longer grows (an older part of a path's history, or a
 * checkpoint's) and of the older pieces below it: loop histories walk the same pieces with the
 * same registers again and again, so the last few outcomes are kept for the piece, for sets
 * entering without stack slots (the common case).
 */
function walkFrozen(ops: (Op | null)[], h: Hist, set: Want): Walk {
  if (ops !== tableOps) {
    forgetWalks();
    tableOps = ops;
  }
  const regs = set.regs;
  let at = h.wg === generation ? h.wi : -1;
  if (at >= 0 && table[at + 1] === h.n) {
    for (let k = at + 2, end = k + table[at]; k < end; k++) {
      const r = table[k];
      if ((r & 0xfff) !== regs) continue;
      set.regs = (r >> 12) & 0xfff;
      set.lo = set.hi = 0;
      return (r >> 24) as Walk;
    }
  }
  let w = walkSegment(ops, h, set, false);
  // the older pieces (their own kept walks answer when the set holds no slot)
  if (w === OK && h.prev && (set.regs || (set.lo | set.hi))) w = backtrack(ops, h.prev, set, false, true);
  if ((set.lo | set.hi) || (regs | set.regs) >>> 12) return w;
  // (the older pieces' walks may have started the table afresh)
  at = h.wg === generation ? h.wi : -1;
  if (at < 0 || table[at + 1] !== h.n) {
    if (used + PLACE > table.length) {
      if (table.length >= TABLE_MAX) {
        forgetWalks();
        tableOps = ops;
      } else {
        const bigger = new Int32Array(table.length * 2);
        bigger.set(table.subarray(0, used));
        table = bigger;
      }
    }
    at = used;
    used += PLACE;
    h.wi = at;
    h.wg = generation;
    table[at] = 0;
    table[at + 1] = h.n;
  }
  const rec = regs | (set.regs << 12) | (w << 24);
  const cnt = table[at];
  if (cnt < WALKS_KEPT) {
    table[at + 2 + cnt] = rec;
    table[at] = cnt + 1;
  } else {
    // the oldest walk makes room
    table.copyWithin(at + 2, at + 3, at + PLACE);
    table[at + PLACE - 1] = rec;
  }
  return w;
}

// What backtrack_insn needs of an instruction, as one number per instruction (kept per
// instruction array): the walk reads it at every instruction it goes back over, where the
// decoded op's fields are loads from objects of a dozen shapes. Bits 0-3: the class (B_*),
// 4-7: dst, 8-11: src, bit 12: src is a register the walk follows.
const B_NOP = 1, B_MOV = 2, B_ALU = 3, B_LDDW = 4, B_LDX = 5, B_STX = 6, B_ST = 7, B_LDABS = 8, B_HELPER = 9, B_OPAQUE = 10, B_JCOND = 11;
const SRC_REG = 1 << 12;
const code = (cls: number, dst = 0, src = 0, srcReg = false): number => cls | (dst << 4) | (src << 8) | (srcReg ? SRC_REG : 0);

/** The class and registers of one instruction as backtrack_insn sees it. */
function backtrackCode(op: Op): number {
  switch (op.kind) {
    case 'alu': {
      // the frame pointer is never tracked (sreg != BPF_REG_FP)
      const src = 'reg' in op.src ? op.src.reg : 0;
      return code(op.op === 'mov' || op.op === 'movsx' ? B_MOV : B_ALU, op.dst, src, 'reg' in op.src && src !== 10);
    }
    case 'lddw': return code(B_LDDW, op.dst);
    case 'ldx': return code(B_LDX, op.dst);
    // load-acquire and store-release backtrack as the load and store they are; a fetching atomic
    // as the load of its old value into src (r0 for cmpxchg); other atomics as stores
    case 'atomic':
      if (op.op === 'load_acq') return code(B_LDX, op.dst);
      if (op.op === 'store_rel' || !op.fetch) return code(B_STX, op.dst, op.src);
      return code(B_LDX, op.op === 'cmpxchg' ? 0 : op.src);
    case 'stx': return code(B_STX, op.dst, op.src);
    case 'st': return code(B_ST, op.dst);
    case 'ldabs': case 'ldind': return code(B_LDABS);
    case 'call': return code(op.callKind === 'helper' ? B_HELPER : B_OPAQUE);
    case 'exit': return code(B_OPAQUE);
    case 'jcond': {
      const src = 'reg' in op.src ? op.src.reg : 0;
      return code(B_JCOND, op.dst, src, 'reg' in op.src);
    }
    default: return code(B_NOP);
  }
}

// The codes by instruction index, each with the op object it was computed from, in one table for
// every instruction array: a code is a function of its op alone, so it counts wherever the same
// op object sits at that index (an incremental check's candidate CFG is a scratch copy patched
// per candidate; a new check decodes new op objects, whose codes are computed again as walked).
// No table per instruction array: each cold check has a new one, and a WeakMap entry plus two
// arrays per check cost ~1% of a small looping check.
const codeTab: number[] = [];
const opTab: (Op | null | undefined)[] = [];

/** The table covers instructions 0 .. n - 1 (grown without holes). */
function coverCodes(n: number): void {
  for (let i = opTab.length; i < n; i++) {
    opTab.push(undefined);
    codeTab.push(0);
  }
}

/** The code of instruction pc (computed again when its index held another op than `ops[pc]` last time). */
function codeAt(ops: (Op | null)[], pc: number): number {
  const op = ops[pc]!;
  if (opTab[pc] === op) return codeTab[pc];
  opTab[pc] = op;
  return (codeTab[pc] = backtrackCode(op));
}

/**
 * How differently backtrack_insn reads instructions a and b: 0 alike on any step (the same class
 * and registers, so that a walk over either, with the same note, leaves the same registers and
 * slots to look for), 2 alike on a step without a note only (unnoted's), 1 otherwise.
 */
export function walkDiffers(a: Op | null, b: Op | null): number {
  if (!a || !b) return 1;
  const x = backtrackCode(a), y = backtrackCode(b);
  if (x === y) return 0;
  return unnoted(x) === unnoted(y) ? 2 : 1;
}

/**
 * What an instruction's code does to a walk on a step without a note, as the code of one that
 * does the same: a load from memory, a constant's move and an lddw only drop their destination
 * (B_LDDW's), a store fails only on a wanted address register (B_ST's), an ALU operation or a
 * jump with an immediate changes nothing (B_NOP's).
 */
function unnoted(c: number): number {
  const dst = (c >> 4) & 15, reg = (c & SRC_REG) !== 0;
  switch (c & 15) {
    case B_MOV: return reg ? c : code(B_LDDW, dst);
    case B_LDX: case B_LDDW: return code(B_LDDW, dst);
    case B_STX: case B_ST: return code(B_ST, dst);
    case B_ALU: case B_JCOND: return reg ? c : code(B_NOP);
    default: return c;
  }
}

/** backtrack_insn for one instruction, given its code. */
function backtrackInsn(c: number, aux: number, set: Want): Walk {
  const dst = (c >> 4) & 15, src = (c >> 8) & 15;
  switch (c & 15) {
    case B_MOV:
      if (!(set.regs & b(dst))) break;
      set.regs &= ~b(dst);
      if (c & SRC_REG) set.regs |= b(src);
      break;
    case B_ALU:
      if (!(set.regs & b(dst))) break;
      if (c & SRC_REG) set.regs |= b(src);
      break;
    case B_LDDW:
      set.regs &= ~b(dst);
      break;
    case B_LDX:
      if (!(set.regs & b(dst))) break;
      set.regs &= ~b(dst);
      if (aux === OPAQUE) return OPAQUE_WALK;
      if (aux >= 0) addSlot(set, aux);
      break;
    case B_STX:
      // a scalar used as the address (pointer subtraction): not followed (-ENOTSUPP)
      if (set.regs & b(dst)) return NOT_SUPPORTED;
      if (aux === OPAQUE) return OPAQUE_WALK;
      if (aux >= 0 && hasSlot(set, aux)) {
        dropSlot(set, aux);
        set.regs |= b(src);
      }
      break;
    case B_ST:
      if (set.regs & b(dst)) return NOT_SUPPORTED;
      if (aux === OPAQUE) return OPAQUE_WALK;
      if (aux >= 0 && hasSlot(set, aux)) dropSlot(set, aux);
      break;
    case B_LDABS:
      // the kernel does not follow r0 into the packet ("to be analyzed": -ENOTSUPP, every
      // scalar precise) and lets r1-r5 pass, although the instruction clobbers them
      if (!(set.regs & 1)) break;
      set.regs &= ~1;
      return NOT_SUPPORTED;
    case B_HELPER:
      if (set.regs & 0b111110) return OPAQUE_WALK;
      set.regs &= ~1;
      break;
    case B_OPAQUE:
      return OPAQUE_WALK;
    case B_JCOND: {
      const both = b(dst) | (c & SRC_REG ? b(src) : 0);
      if (aux === OPAQUE && (set.regs & both)) return OPAQUE_WALK;
      if (aux > 0 && (aux & LINKED)) {
        const linked = aux & 0x7ff;
        if (set.regs & linked) set.regs |= linked;
      }
      if ((c & SRC_REG) && (set.regs & both)) set.regs |= both;
      break;
    }
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
 * `walks`: the run's kept piece walks (their ops are `ops` as they are now).
 */
export function markPrecise(ops: (Op | null)[], hist: Hist, parent: CheckpointLike | null, frame: number, regs: number, slots: readonly number[] = NO_SLOTS, inInsn = false, walks?: PieceWalks): void {
  runWalks = walks;
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
    const have = cp.precise.regs, cur = have[frame] ?? 0;
    if ((cur | set.regs) !== cur) {
      const p = ownPrecise(cp);
      // a checkpoint's first mark in the main function: an array of one, where a store into the
      // empty one grows it to room for 16
      if (frame === 0 && have.length === 0) p.regs = [set.regs];
      else p.regs[frame] = cur | set.regs;
      fresh = true;
    }
    // the set bits only, lowest first (most walks reach a checkpoint with no slot at all)
    for (let w = 0; w < 2; w++) {
      for (let m = w ? set.hi : set.lo; m; m &= m - 1) {
        const k = frame * 64 + w * 32 + (31 - Math.clz32(m & -m));
        if (!cp.precise.slots.has(k)) {
          if (cp.precise.slots === NO_PRECISE_SLOTS) ownPrecise(cp).slots = new Set();
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
