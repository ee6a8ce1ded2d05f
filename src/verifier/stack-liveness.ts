// Stack-slot liveness as Linux 6.18 computes it (kernel/bpf/liveness.c): which 8-byte slots of
// which frame an instruction or any of its successors may still read, per call chain. The
// explored states the search prunes against are "cleaned" with it (dead slots become invalid)
// once their subtree is finished, so states_equal compares only live slots.
//
// The analysis is path-insensitive and accumulates as exploration goes on, so the answer depends
// on when it is asked. This module keeps the kernel's bookkeeping and its timing hooks:
// - every processed instruction records the slots it reads (may_read, a union over visits) and
//   the slots it writes with a full aligned 8-byte store (must_write, an intersection);
// - `update` (bpf_update_live_stack) runs a backward fixpoint over the function's instructions
//   in the kernel's postorder, starting from the previous answer, for each function instance of
//   the current call chain whose marks changed, and hands the callee's entry sets to its call site;
// - `alive` (bpf_stack_slot_alive) answers for an explored state.
// Masks are 64-bit, kept as two 32-bit halves (slots 0-31, 32-63) so nothing allocates. The
// program's shape the fixpoint walks (successors, postorders) is stack-liveness-shape.ts.
import { EXIT_EDGE, minPredOf, postorderIn, sameFlow, shapeOf, spreadOf, type LivenessCfg, type Shape, type Spread } from './stack-liveness-shape.ts';
import type { State } from './state.ts';
import { copyU32, copyU8, releaseU32, releaseU8, u8, zeroU32 } from './words.ts';
import { copyMap, copySet } from './copies.ts';

/** Per instruction of a function instance, for one frame: four 64-bit masks as 8 uint32. */
const MAY_READ = 0, MUST_WRITE = 2, WRITE_ACC = 4, LIVE = 6, STRIDE = 8;

/**
 * Instance.mwSet per instruction: not visited (every must-write mask there empty), visited with
 * every frame's must-write mask there empty, visited with one of them not empty. A revisit that
 * writes nothing (most instructions: any ALU one) then has masks to empty only at MW_SOME, told
 * by the byte alone.
 */
const MW_UNSET = 0, MW_EMPTY = 1, MW_SOME = 2;
/** A function instance: one function reached through one call chain (struct func_instance). */
interface Instance {
  readonly key: string;
  /** The copy that may change it in place (copies share instances until one of them writes). */
  owner: object;
  /** Call instruction of each frame below this one (callsites[i] enters frame i + 1). */
  readonly callsites: readonly number[];
  /** First instruction of this function. */
  readonly start: number;
  /** Its frame number (the call chain's depth). */
  readonly depth: number;
  readonly len: number;
  /** Masks of each frame 0..depth, allocated when first marked. */
  readonly frames: (Uint32Array | undefined)[];
  /**
   * must_write has been set once for the instruction (later visits intersect), and whether one
   * of the frames' must-write masks there is not empty: MW_UNSET, MW_EMPTY or MW_SOME.
   */
  readonly mwSet: Uint8Array;
  updated: boolean;
  mwDropped: boolean;
  /**
   * The highest instruction index whose marks (may-read, must-write) changed since the last
   * fixpoint (-1: none). In a function whose edges all lead forward, the slots above it still
   * hold what a fixpoint would give them (their marks and their successors' answers are as the
   * last one left them), so the next fixpoint walks only the slots from it down.
   */
  dirty: number;
  /**
   * The instruction indices whose marks changed since the last fixpoint (repeats allowed), or
   * null when not known (after a renumbering, or past MAX_MARKED of them). A fixpoint then works
   * out only these slots and the predecessors of each slot whose masks it changes, in the order
   * and rounds of the kernel's walk (fixpoint's `spread`): every other slot would be given the
   * masks it holds again, as its marks and its successors' masks are those it was last worked
   * out from. The array is this instance's own (own() copies it).
   */
  marked: number[] | null;
  /** Fixpoints run on it so far (by it and the copies it came from): its next is the baseline's record of that number. */
  fixes: number;
  /**
   * Outside the slots in `marked`, its masks are those the recording baseline's instance of the
   * same key held after its `fixes`-th fixpoint (all 0 for none): true for the baseline's own
   * and their copies, false once a copy has run a fixpoint the baseline did not (FixRecord).
   */
  asBase: boolean;
}

/**
 * One fixpoint of a baseline that records them (recordFixpoints), for the copies that resume
 * from its snapshots: the slots whose marks had changed since its previous fixpoint (null: not
 * known), whether a must-write mark was dropped, and every frame's masks after it. A copy's
 * instance at the same fixpoint that is `asBase` can differ from the baseline's only at the
 * slots of both lists: with the same may-read and must-write marks there (the fixpoint changes
 * neither) and the same flag, its masks before the fixpoint are the baseline's, so its masks
 * after it are these.
 */
interface FixRecord {
  readonly marked: readonly number[] | null;
  readonly mwDropped: boolean;
  readonly after: readonly (Uint32Array | undefined)[];
  /**
   * Per frame, the slots whose answers the fixpoint changed, when they are few (a quarter of the
   * function's or fewer: xdp_balancer's ~200 of 1553), so that a copy writes those rows only
   * (undefined: it copies every row, as the small programs' first fixpoint changes most).
   */
  readonly rows: readonly (Int32Array | undefined)[];
  /**
   * The last solved set a copy held, shared, when it took this answer, and that set with the
   * function added, shared too: the copies that resume from one snapshot start with its set and
   * add the same function (a copy of the set per re-check was a third of taking the answer).
   */
  solvedFrom?: Set<number>;
  solvedTo?: Set<number>;
}

/** A baseline's fixpoints, per instance key in the order they ran (undefined: not kept, past FIX_MEMO_WORDS). */
interface FixMemo {
  readonly byKey: Map<string, (FixRecord | undefined)[]>;
  words: number;
  /** Most words it keeps (FIX_MEMO_WORDS unless a test asks fewer). */
  readonly most: number;
}

/** Most mask words a baseline keeps in its records (4 bytes each): 4 MB. */
const FIX_MEMO_WORDS = 1 << 20;

/** Most changed slots an instance lists (more: the fixpoint walks every slot from `dirty` down). */
const MAX_MARKED = 64;

/** A change of the marks at instruction index `idx` of instance `x` (dirty and marked). */
function changedAt(x: Instance, idx: number): void {
  if (idx > x.dirty) x.dirty = idx;
  const l = x.marked;
  if (l === null) return;
  if (l.length < MAX_MARKED) l.push(idx);
  else x.marked = null;
}


/** The call chain of frame `f` of a state: the call sites below it and its function. */
const chainKey = (st: State, f: number): string => {
  let k = '';
  for (let i = 1; i <= f; i++) k += `${st.frames[i].callsite},`;
  return k + st.frames[f].subprog;
};

/** The instances of a released liveness (never written: instancesShared is set with it). */
const NO_INSTANCES: Map<string, Instance> = new Map();

/** The solved functions of a liveness nothing has solved yet, shared (never written: a liveness holding it has solvedShared set, so it copies before adding). */
const NO_SOLVED: Set<number> = new Set();

export class StackLiveness {
  private instances: Map<string, Instance>;
  /** `instances` is another copy's too: copied before a change (instancesToChange). */
  private instancesShared = false;
  /** The frame-0 instance of `instances` last found or made (null: look it up; cleared when `instances` is replaced). */
  private root: Instance | null = null;
  /** Ownership token of this copy's instances. */
  private token: object = {};
  /** Shared by every copy (same program): computed once, at the first fixpoint of any of them. */
  private shapeRef: { shape?: Shape };
  /** The instance of the current state's innermost frame (null after the call chain changed). */
  private cur: Instance | null = null;
  /**
   * Slots written by the instruction being processed, per frame (lo, hi halves); made at the
   * first write (a typed array costs ~0.3 µs to make, and a re-check's copy may never write).
   */
  private writes: Uint32Array | undefined = undefined;
  private writeInsn = 0;
  /** When set, the level-2 log lines the kernel prints for the fixpoints (`(0) frame 0 insn 3 +live -8 `). */
  trace?: string[];

  /** Functions (by first instruction) whose answers a fixpoint has computed. */
  private solved: Set<number>;
  /** `solved` is another copy's too: copied before an addition. */
  private solvedShared = false;

  /**
   * The fixpoints of the baseline this copy descends from (shared by every copy: only the
   * baseline writes it, while `recording`); none after a rebase, since later fixpoints walk
   * another control flow.
   */
  private memo: FixMemo | undefined;
  private recording = false;
  /** Fixpoints this copy took from the baseline's records instead of walking (counts, tests). */
  replayed = 0;

  /** `from`: copy()'s original, whose instances and solved functions the new one starts with (and whose fixpoints' records). */
  constructor(private cfg: LivenessCfg, shapeRef: { shape?: Shape } = {}, from?: StackLiveness) {
    this.shapeRef = shapeRef;
    this.memo = from?.memo;
    // (a copy makes no empty map or set only to replace them)
    // the instances map is shared with the original until one of them adds to it (a resumed
    // re-check whose first instruction is rejected never does)
    this.instances = from?.instances.size ? from.instances : new Map();
    this.instancesShared = this.instances.size > 0;
    // the solved set is shared with the original (or is the shared empty one) until one of them adds to it
    this.solved = from?.solved.size ? from.solved : NO_SOLVED;
    this.solvedShared = true;
  }

  /**
   * Can what was recorded serve a program with another control flow (`cfg`)? Only if no
   * fixpoint ran over a function whose successors differ there.
   */
  fits(cfg: LivenessCfg): boolean {
    if (cfg.ops.length !== this.cfg.ops.length || cfg.subprogs.length !== this.cfg.subprogs.length || cfg.subprogs.some((x, i) => x !== this.cfg.subprogs[i])) return false;
    for (const start of this.solved) if (!sameFlow(this.cfg, cfg, start)) return false;
    return true;
  }

  /**
   * Continue on `cfg`, a program made from this one by deleting slots (`to`: each old slot's new
   * slot, -1 when deleted): instances, call sites and solved functions renumbered, each
   * function's rows moved to its slots' new numbers. For the incremental checker, which asks it
   * only when every slot an instance or a call chain names survives and the deleted slots hold
   * no marks, nor answers a fixpoint could have made differ (renumber.ts).
   */
  renumber(cfg: LivenessCfg, to: Int32Array): void {
    const instances = new Map<string, Instance>();
    // a fresh owner: the arrays may be shared with other copies, own() copies them before a write
    const owner = {};
    for (const x of this.instances.values()) {
      const start = to[x.start], callsites = x.callsites.map((c) => to[c]);
      const k = cfg.subprogs.indexOf(start);
      const len = (cfg.subprogs[k + 1] ?? cfg.ops.length) - start;
      let frames = x.frames, mwSet = x.mwSet;
      if (len !== x.len) {
        frames = x.frames.map((m) => m && moveRows(m, STRIDE, x.start, x.len, start, len, to));
        mwSet = moveRows(x.mwSet, 1, x.start, x.len, start, len, to);
      }
      const key = `${callsites.map((c) => `${c},`).join('')}${start}`;
      // (dirty: the whole function, as nothing is known of the moved rows)
      instances.set(key, { key, owner, callsites, start, depth: x.depth, len, frames, mwSet, updated: x.updated, mwDropped: x.mwDropped, dirty: len - 1, marked: null, fixes: x.fixes, asBase: false });
    }
    this.instances = instances;
    this.instancesShared = false;
    this.root = null;
    this.solved = new Set([...this.solved].map((f) => to[f]));
    this.solvedShared = false;
    this.cur = null;
    if (this.writeInsn > 0) this.writeInsn = to[this.writeInsn];
    this.rebase(cfg);
  }

  /** Has a fixpoint walked the function starting at `start` (its control flow is then part of the answer)? */
  solvedFunction(start: number): boolean {
    return this.solved.has(start);
  }

  /**
   * A new, empty analysis of `cfg`, a program whose control flow is this one's at every slot
   * (as the fixpoint walks it): it shares this one's shape, so a run of a candidate that keeps
   * the baseline's flow but resumes from no snapshot does not work out the successors and
   * postorders again.
   */
  blank(cfg: LivenessCfg): StackLiveness {
    const b = new StackLiveness(cfg, this.shapeRef);
    // (its instances start as the baseline's did: empty)
    b.memo = this.memo;
    return b;
  }

  /** Continue on program `cfg` (which `fits`): later fixpoints walk its control flow. */
  rebase(cfg: LivenessCfg): void {
    this.cfg = cfg;
    this.shapeRef = {};
    this.memo = undefined;
  }

  /**
   * From now on, keep each fixpoint's answer (FixRecord) for the copies of this liveness and of
   * its blank(): one of theirs whose marks are this one's at the same fixpoint takes the answer
   * instead of walking the function (the incremental checker's baseline, whose re-checks mostly
   * reach the same path ends with the same marks). `most`: words of masks it may keep.
   */
  recordFixpoints(most = FIX_MEMO_WORDS): void {
    this.memo = { byKey: new Map(), words: 0, most };
    this.recording = true;
  }

  private get shape(): Shape {
    return this.shapeRef.shape ??= shapeOf(this.cfg);
  }

  /** A deep copy (the incremental checker resumes explorations from copies). */
  copy(): StackLiveness {
    // copy on write: both sides now share every instance (the constructor copies the map), and neither owns one
    const c = new StackLiveness(this.cfg, this.shapeRef, this);
    if (this.trace) c.trace = this.trace.slice();
    this.token = {};
    if (this.instances.size) this.instancesShared = true;
    if (this.solved.size) this.solvedShared = true;
    this.cur = null;
    return c;
  }

  /**
   * Does this copy hold the same answers and marks as `o` (same program), so that both answer
   * and update alike from now on? For the incremental checker's rejoin test, between instructions.
   */
  sameAs(o: StackLiveness): boolean {
    if (this.cfg !== o.cfg || this.instances.size !== o.instances.size || this.solved.size !== o.solved.size) return false;
    // (between instructions `cur` is a cache of the current state's instance, found again from
    // the state when null, and `writeInsn` is set by begin() before commit reads it: one copy
    // that has run an instruction since it was made and one that has not differ only there)
    if (this.cur && o.cur && this.cur.key !== o.cur.key) return false;
    for (const s of this.solved) if (!o.solved.has(s)) return false;
    for (const [key, x] of this.instances) {
      const y = o.instances.get(key);
      if (!y) return false;
      if (x === y) continue;
      if (x.updated !== y.updated || x.mwDropped !== y.mwDropped) return false;
      for (let i = 0; i < x.mwSet.length; i++) if (x.mwSet[i] !== y.mwSet[i]) return false;
      // a frame without masks is one whose masks are all zero (they are made when first needed)
      for (let f = 0; f < Math.max(x.frames.length, y.frames.length); f++) {
        const a = x.frames[f], b = y.frames[f];
        if (a === b) continue;
        if (!a || !b) {
          if ((a ?? b)!.some((v) => v !== 0)) return false;
          continue;
        }
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
      }
    }
    return true;
  }

  /**
   * The run of this copy is over and nothing reads it again (the incremental checker's copy of a
   * snapshot, once its verdict is known): the masks only it holds go back to words.ts for later
   * copies. An instance it owns was made or copied by it after its last copy(), so no other copy
   * holds it. The copy is left empty.
   */
  release(): void {
    for (const x of this.instances.values()) {
      if (x.owner !== this.token) continue;
      for (const m of x.frames) if (m) releaseU32(m);
      releaseU8(x.mwSet);
    }
    this.instances = NO_INSTANCES;
    this.instancesShared = true;
    this.root = this.cur = null;
    this.token = {};
  }

  /** The instances map, made this copy's own (copied if shared) before it is changed. */
  private instancesToChange(): Map<string, Instance> {
    if (this.instancesShared) {
      this.instances = copyMap(this.instances);
      this.instancesShared = false;
    }
    return this.instances;
  }

  /** The instance, made this copy's own (cloned if shared) before it is changed. */
  private own(x: Instance): Instance {
    if (x.owner === this.token) return x;
    const frames: (Uint32Array | undefined)[] = [];
    for (const f of x.frames) frames.push(f && copyU32(f));
    // a literal, not `{ ...x, owner, frames, mwSet }` (V8 runs a spread with overrides in its runtime)
    const c: Instance = { key: x.key, owner: this.token, callsites: x.callsites, start: x.start, depth: x.depth, len: x.len, frames, mwSet: copyU8(x.mwSet), updated: x.updated, mwDropped: x.mwDropped, dirty: x.dirty, marked: x.marked && x.marked.slice(), fixes: x.fixes, asBase: x.asBase };
    this.instancesToChange().set(x.key, c);
    // (the map's other entries stay: a root of another key is still its entry)
    if (c.depth === 0) this.root = c;
    return c;
  }

  private lookup(key: string, callsites: readonly number[], start: number): Instance {
    let x = this.instances.get(key);
    if (!x) {
      const k = this.cfg.subprogs.indexOf(start);
      const end = this.cfg.subprogs[k + 1] ?? this.cfg.ops.length;
      x = { key, owner: this.token, callsites, start, depth: callsites.length, len: end - start, frames: [], mwSet: u8(end - start), updated: false, mwDropped: false, dirty: -1, marked: [], fixes: 0, asBase: true };
      this.instancesToChange().set(key, x);
      if (x.depth === 0) this.root = x;
    }
    return x;
  }

  private instanceOf(st: State, f: number): Instance {
    // the main function's instance (frame 0: every path's end and the start of the next path
    // ask for it) without building its key and hashing it
    const root = this.root;
    if (f === 0 && root && root.start === st.frames[0].subprog) return root;
    const key = chainKey(st, f);
    // the call-site list is made only for a new instance (this runs at every path's end)
    const x = this.instances.get(key);
    if (x) {
      if (f === 0) this.root = x;
      return x;
    }
    const callsites: number[] = [];
    for (let i = 1; i <= f; i++) callsites.push(st.frames[i].callsite);
    return this.lookup(key, callsites, st.frames[f].subprog);
  }

  private masks(x: Instance, frame: number): Uint32Array {
    return x.frames[frame] ??= zeroU32(x.len * STRIDE);
  }

  /** bpf_reset_live_stack_callchain: the state entered or left a function. */
  resetChain(): void {
    this.cur = null;
  }

  private ensure(st: State): Instance {
    return this.cur ??= this.own(this.instanceOf(st, st.frames.length - 1));
  }

  /** bpf_reset_stack_write_marks, before instruction `pc` of state `st` runs. */
  begin(st: State, pc: number): void {
    // the instance is found (and made this copy's own) when the instruction first marks or
    // commits: one rejected before its end (most candidates, at their changed slot) needs none
    this.began = st;
    this.writeInsn = pc;
    this.clearWrites();
  }

  /** `writes` all zero again. */
  private clearWrites(): void {
    // most instructions write no slot: clear only after one did (by a loop over the 16 words:
    // `fill` is a builtin call, ~1% of a re-check that stores to the stack at most instructions)
    if (this.written) {
      const w = this.writes!;
      for (let i = 0; i < 16; i++) w[i] = 0;
      this.written = false;
    }
  }
  /** `writes` may hold marks (set by write and toCaller, cleared by begin). */
  private written = false;
  /** The state whose instruction begin() was last told of. */
  private began: State | undefined = undefined;

  /** bpf_mark_stack_read: instruction `pc` reads slot `spi` of frame `frame`. */
  read(st: State, frame: number, pc: number, spi: number): void {
    const x = this.ensure(st);
    markRead(x, this.masks(x, frame), pc - x.start, spi >= 32 ? 1 : 0, (1 << (spi & 31)) >>> 0);
  }

  /** bpf_mark_stack_write: the current instruction writes all 8 bytes of slot `spi` of `frame`. */
  write(frame: number, spi: number): void {
    (this.writes ??= new Uint32Array(16))[frame * 2 + (spi >= 32 ? 1 : 0)] |= 1 << (spi & 31);
    this.written = true;
  }

  /** bpf_commit_stack_write_marks (nothing when the instruction changed the call chain). */
  commit(): void {
    // (the caller commits only when the call chain stayed: began's innermost frame is the instruction's)
    const x = this.cur ?? (this.began ? this.ensure(this.began) : null);
    if (!x) return;
    if (this.written) return this.commitTo(x);
    this.commitNone(x, this.writeInsn - x.start);
  }

  /**
   * commit of the common instruction, which wrote no slot (`writes` is all zero), at index `idx`
   * of `x`: commitTo's result without reading the marks, the first visit only records the visit,
   * a later one empties the must-write masks of every frame (none to empty unless the byte says
   * one is not empty: an instruction that never writes a slot never reads the frames' masks).
   */
  private commitNone(x: Instance, idx: number): void {
    const set = x.mwSet[idx];
    if (set === MW_SOME) this.emptyMustWrite(x, idx);
    else if (set === MW_UNSET) x.mwSet[idx] = MW_EMPTY;
    this.writeInsn = 0;
  }

  /**
   * begin(st, pc) then commit(), for an instruction that cannot write a stack slot (an ALU
   * instruction: nothing between the two marks a write), in one call.
   */
  visitWithoutWrites(st: State, pc: number): void {
    this.began = st;
    this.clearWrites();
    const x = this.cur ?? this.ensure(st);
    this.commitNone(x, pc - x.start);
  }

  /**
   * visitWithoutWrites(st, pc + i) for i < n: a straight piece of such instructions of one
   * function and call chain (replay.ts's take-over), the instance found once and the indices
   * counted, not read from a list.
   */
  visitStraight(st: State, pc: number, n: number): void {
    if (n === 0) return;
    this.began = st;
    this.clearWrites();
    const x = this.cur ?? this.ensure(st), mw = x.mwSet, end = pc - x.start + n;
    // (commitNone of each, its writeInsn cleared once)
    for (let idx = pc - x.start; idx < end; idx++) this.visitByte(x, mw, idx);
    this.writeInsn = 0;
  }

  /** commitNone's byte (mw: x.mwSet) without its writeInsn: a first visit recorded, a revisit's must-write masks emptied. */
  private visitByte(x: Instance, mw: Uint8Array, idx: number): void {
    const set = mw[idx];
    if (set === MW_SOME) this.emptyMustWrite(x, idx);
    else if (set === MW_UNSET) mw[idx] = MW_EMPTY;
  }

  /** commit's revisit without writes: every frame's must-write mask at `idx` emptied. */
  private emptyMustWrite(x: Instance, idx: number): void {
    const at = idx * STRIDE + MUST_WRITE;
    for (let frame = 0; frame <= x.depth; frame++) {
      // a frame without masks has none to empty
      const m = x.frames[frame];
      if (!m || (m[at] === 0 && m[at + 1] === 0)) continue;
      m[at] = m[at + 1] = 0;
      x.updated = x.mwDropped = true;
      changedAt(x, idx);
    }
    x.mwSet[idx] = MW_EMPTY;
  }

  private commitTo(x: Instance): void {
    const idx = this.writeInsn - x.start;
    // (only after write or toCaller, which made it)
    const w = this.writes!;
    // (the frames' new must-write masks here: one not empty makes the byte MW_SOME)
    let some = 0;
    for (let frame = 0; frame <= x.depth; frame++) {
      let lo = w[frame * 2], hi = w[frame * 2 + 1];
      if (!lo && !hi && !x.mwSet[idx]) continue;
      const m = this.masks(x, frame), at = idx * STRIDE + MUST_WRITE;
      const oldLo = m[at], oldHi = m[at + 1];
      if (x.mwSet[idx]) {
        lo &= oldLo;
        hi &= oldHi;
      }
      some |= lo | hi;
      if (oldLo !== lo >>> 0 || oldHi !== hi >>> 0) {
        m[at] = lo;
        m[at + 1] = hi;
        x.updated = true;
        changedAt(x, idx);
      }
      if ((oldLo & ~lo) || (oldHi & ~hi)) x.mwDropped = true;
    }
    x.mwSet[idx] = some !== 0 ? MW_SOME : MW_EMPTY;
    this.writeInsn = 0;
  }

  /**
   * bpf_update_live_stack: bring the instances of every frame of `st` (innermost first) up to
   * date. Called at the end of each path and when a function returns.
   */
  update(st: State): void {
    this.cur = null;
    for (let f = st.frames.length - 1; f >= 0; f--) {
      let x = this.instanceOf(st, f);
      if (!x.updated) continue;
      x = this.own(x);
      if (this.memo === undefined) this.fixpoint(x);
      else this.solveOrReplay(x, this.memo);
      x.fixes++;
      // here, not at fixpoint's end: V8 compiles fixpoint's long loop on the stack (OSR) before
      // a first call has returned, and code after the loop without feedback then deopted the
      // cached OSR code on every call for a while (21 of xdp_balancer's first 30 deopts)
      if (x.depth > 0) this.toCaller(x);
      x.updated = false;
      x.mwDropped = false;
    }
  }

  /**
   * fixpoint, with the baseline's records: the baseline records its answer; a copy
   * whose instance holds the marks the baseline's held at the same fixpoint takes the
   * baseline's answer (FixRecord), and one that walks the function is the baseline's no more.
   */
  private solveOrReplay(x: Instance, memo: FixMemo): void {
    if (this.recording) {
      const marked = x.marked && x.marked.slice(), mwDropped = x.mwDropped;
      const before = x.frames.map((m) => m && m.slice());
      this.fixpoint(x);
      let list = memo.byKey.get(x.key);
      if (list === undefined) memo.byKey.set(x.key, (list = []));
      let words = 0;
      for (const m of x.frames) if (m) words += m.length;
      if (memo.words + words > memo.most) list.push(undefined);
      else {
        memo.words += words;
        list.push({ marked, mwDropped, after: x.frames.map((m) => m && m.slice()), rows: x.frames.map((m, f) => m && fewRowsChanged(before[f], m, x.len)) });
      }
      return;
    }
    // (with the log on, the walk prints its lines)
    const rec = x.asBase && !this.trace ? memo.byKey.get(x.key)?.[x.fixes] : undefined;
    if (rec === undefined || !sameMarks(x, rec)) {
      this.fixpoint(x);
      x.asBase = false;
      return;
    }
    if (!this.solved.has(x.start)) {
      if (this.solvedShared && rec.solvedFrom === this.solved) this.solved = rec.solvedTo!;
      else {
        const from = this.solved, shared = this.solvedShared;
        this.markSolved(x.start);
        if (shared) {
          rec.solvedFrom = from;
          rec.solvedTo = this.solved;
          this.solvedShared = true;
        }
      }
    }
    this.replayed++;
    for (let f = 0; f < rec.after.length; f++) {
      const b = rec.after[f];
      if (b === undefined) continue;
      const m = x.frames[f], rows = rec.rows[f];
      if (m === undefined) x.frames[f] = copyU32(b);
      else if (rows === undefined) m.set(b);
      else {
        // (the marks are the same everywhere, the answers everywhere else)
        for (let i = 0; i < rows.length; i++) {
          const at = rows[i] * STRIDE;
          m[at + LIVE] = b[at + LIVE];
          m[at + LIVE + 1] = b[at + LIVE + 1];
          m[at + WRITE_ACC] = b[at + WRITE_ACC];
          m[at + WRITE_ACC + 1] = b[at + WRITE_ACC + 1];
        }
      }
    }
    x.dirty = -1;
    // (popped: setting an array's length is a runtime call, and the list is short)
    const marked = x.marked!;
    while (marked.length > 0) marked.pop();
  }

  /** The function starting at `start` is one a fixpoint has solved (solved is copied first if shared). */
  private markSolved(start: number): void {
    if (this.solved.has(start)) return;
    if (this.solvedShared) {
      this.solved = copySet(this.solved);
      this.solvedShared = false;
    }
    this.solved.add(start);
  }

  /** update_instance's backward fixpoint (update() then passes the entry's sets to the caller's call site). */
  private fixpoint(x: Instance): void {
    this.markSolved(x.start);
    if (x.mwDropped) for (const m of x.frames) if (m) for (let i = 0; i < x.len; i++) m[i * STRIDE + WRITE_ACC] = m[i * STRIDE + WRITE_ACC + 1] = 0;
    const shape = this.shape, { s1, s2 } = shape;
    const trace = this.trace;
    // acyclic: the second round is only the kernel's check that nothing changed, and the kernel's
    // walk order makes no difference (the log shows both: it counts rounds, lists lines in order)
    const down = trace ? undefined : shape.down.get(x.start), once = down !== undefined;
    // the walk of a forward function ends below this slot, and below the predecessors of every
    // slot it changes, when the changed slots are known (-1: it goes on to the function's start)
    let stop = -1;
    const marked = x.marked;
    if (marked === null) x.marked = [];
    else {
      // (not at the shape's first fixpoint: the tables cost a pass over the program, which a full
      // check's one fixpoint, xdp_lb_hash's, would not earn back; that walk is the same)
      if (!trace && !x.mwDropped && shape.fixpoints++ > 0) {
        if (!down) {
          // the changed slots and those their changes reach (marked's comment)
          x.dirty = -1;
          if (marked.length) this.spread(x, marked, shape.spread ??= spreadOf(shape));
          marked.length = 0;
          return;
        }
        stop = x.start + x.dirty;
        for (let i = 0; i < marked.length; i++) if (x.start + marked[i] < stop) stop = x.start + marked[i];
      }
      marked.length = 0;
    }
    const minPred = stop >= 0 ? (shape.minPred ??= minPredOf(shape)) : undefined;
    const order = down ?? postorderIn(shape, x.start);
    // one pass over a forward function starts at its highest slot whose marks changed (unless the
    // write accumulators were all reset above: then every slot is worked out again)
    let first = 0;
    if (down && !x.mwDropped) first = firstAtOrBelow(down, x.start + x.dirty);
    x.dirty = -1;
    let rounds = 0;
    for (let changed = true; changed;) {
      changed = false;
      rounds++;
      for (let frame = 0; frame <= x.depth; frame++) {
        const m = x.frames[frame];
        if (!m) continue;
        let low = stop;
        for (let k = first; k < order.length; k++) {
          const pc = order[k];
          // no slot below has changed marks or a changed successor: the walk would give each what it holds
          if (pc < low) break;
          if (s1[pc] < 0) continue;
          const at = (pc - x.start) * STRIDE;
          if (workOut(m, pc, x.start, s1, s2)) {
            changed = true;
            if (minPred && minPred[pc] < low) low = minPred[pc];
          }
          if (trace && (m[at + MAY_READ] || m[at + MAY_READ + 1] || m[at + MUST_WRITE] || m[at + MUST_WRITE + 1] || pc === x.start || this.cfg.prune?.[pc])) {
            const head = `${chainName(x)} frame ${frame} insn ${pc} `;
            maskChange(trace, head, 'live', m[at + LIVE], m[at + LIVE + 1], NEXT[0], NEXT[1]);
            maskChange(trace, head, 'written', m[at + WRITE_ACC], m[at + WRITE_ACC + 1], NEXT[2], NEXT[3]);
          }
          storeNext(m, at);
        }
      }
      if (once) break;
    }
    trace?.push(`${chainName(x)} live stack update done in ${rounds} iterations`);
  }

  /**
   * The fixpoint of instance `x` (no log, no write accumulator reset) whose marks changed at
   * instruction indices `marked` alone, frame by frame: the kernel's rounds over the function's
   * postorder, each slot worked out only when its marks or a successor's masks changed since it
   * last was (the kernel's walk would give the others what they hold). A changed slot's
   * predecessor later in the postorder is worked out in the same round, one earlier (a jump
   * back) in the next, as in the kernel's walk; the rounds end when one leaves nothing for the
   * next.
   */
  private spread(x: Instance, marked: readonly number[], sp: Spread): void {
    const { s1, s2 } = this.shape, { pos, predStart, preds } = sp;
    const order = postorderIn(this.shape, x.start);
    for (let frame = 0; frame <= x.depth; frame++) {
      const m = x.frames[frame];
      if (!m) continue;
      let now = sp.now, pending = false;
      for (let i = 0; i < marked.length; i++) {
        const k = pos[x.start + marked[i]];
        if (k < 0) continue;
        now[k >> 5] |= 1 << (k & 31);
        pending = true;
      }
      while (pending) {
        pending = false;
        const next = now === sp.now ? sp.next : sp.now;
        for (let w = 0; w < now.length; w++) {
          for (let word = now[w]; word !== 0; word = now[w]) {
            const b = 31 - Math.clz32(word & -word);
            now[w] = word & ~(1 << b);
            const k = (w << 5) | b, pc = order[k];
            if (s1[pc] < 0 || !workOut(m, pc, x.start, s1, s2)) continue;
            storeNext(m, (pc - x.start) * STRIDE);
            for (let i = predStart[pc], e = predStart[pc + 1]; i < e; i++) {
              const q = preds[i];
              if (q > k) now[q >> 5] |= 1 << (q & 31);
              else {
                next[q >> 5] |= 1 << (q & 31);
                pending = true;
              }
            }
          }
        }
        now = next;
      }
    }
  }

  /** propagate_to_outer_instance: the callee's entry is what its call instruction reads and writes. */
  private toCaller(x: Instance): void {
    const callsites = x.callsites.slice(0, -1);
    const callerStart = this.cfg.funcOf[x.callsites[x.depth - 1]];
    const outer = this.own(this.lookup(`${callsites.map((c) => `${c},`).join('')}${callerStart}`, callsites, callerStart));
    const callsite = x.callsites[x.depth - 1];
    this.writeInsn = callsite;
    const w = (this.writes ??= new Uint32Array(16));
    w.fill(0);
    this.written = true;
    for (let frame = 0; frame < x.depth; frame++) {
      const m = x.frames[frame];
      if (!m) continue;
      w[frame * 2] = m[WRITE_ACC];
      w[frame * 2 + 1] = m[WRITE_ACC + 1];
      const om = this.masks(outer, frame), idx = callsite - outer.start;
      markRead(outer, om, idx, 0, m[LIVE]);
      markRead(outer, om, idx, 1, m[LIVE + 1]);
    }
    this.commitTo(outer);
  }

  /**
   * bpf_stack_slot_alive for an explored state at `pc`: slot `spi` of frame `frame` is read at
   * `pc` or later in the innermost function, or after the call site in some caller on the way.
   */
  alive(st: State, pc: number, frame: number, spi: number): boolean {
    const m = this.aliveSlots(st, pc, frame);
    return (m[spi >= 32 ? 1 : 0] & (1 << (spi & 31))) !== 0;
  }

  /**
   * `alive` for every slot of frame `frame` at once, as a 64-bit mask (lo, hi) in a scratch
   * array overwritten by the next call: the instances of the chain are looked up once per
   * frame instead of once per slot (cleanState asks for every slot of every explored state).
   */
  aliveSlots(st: State, pc: number, frame: number): Uint32Array {
    const out = (this.aliveScratch ??= new Uint32Array(2));
    const depth = st.frames.length - 1;
    out[0] = out[1] = 0;
    liveInto(out, this.instanceOf(st, depth), pc, frame);
    for (let i = frame; i < depth; i++) liveInto(out, this.instanceOf(st, i), st.frames[i + 1].callsite + 1, frame);
    return out;
  }
  /** aliveSlots' answer (made at its first call: most copies are never asked). */
  private aliveScratch: Uint32Array | undefined = undefined;
}

/**
 * Does instance `x` (asBase, at the fixpoint `rec` records) hold the marks the baseline's held
 * there? It can differ only at the slots either side changed since the previous fixpoint.
 */
function sameMarks(x: Instance, rec: FixRecord): boolean {
  if (rec.marked === null || x.marked === null || rec.mwDropped !== x.mwDropped) return false;
  for (let f = 0; f <= x.depth; f++) {
    const a = x.frames[f], b = rec.after[f];
    if (a === undefined && b === undefined) continue;
    if (!marksAgree(a, b, x.marked) || !marksAgree(a, b, rec.marked)) return false;
  }
  return true;
}

/** A slot's answer words: its live and written masks (two 32-bit halves each). */
const ANSWER_WORDS: readonly number[] = [LIVE, LIVE + 1, WRITE_ACC, WRITE_ACC + 1];

/**
 * The slots (of `len`) whose live or written masks differ between one frame's masks `before`
 * (undefined: all 0) and `after` a fixpoint, if a quarter of them or fewer (else undefined).
 */
function fewRowsChanged(before: Uint32Array | undefined, after: Uint32Array, len: number): Int32Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < len; i++) {
    const at = i * STRIDE;
    for (const w of ANSWER_WORDS) {
      if ((before === undefined ? 0 : before[at + w]) === after[at + w]) continue;
      out.push(i);
      if (4 * out.length > len) return undefined;
      break;
    }
  }
  return Int32Array.from(out);
}

/** The same may-read and must-write masks at every slot of `rows` (a frame without masks: all 0). */
function marksAgree(a: Uint32Array | undefined, b: Uint32Array | undefined, rows: readonly number[]): boolean {
  for (let i = 0; i < rows.length; i++) {
    const at = rows[i] * STRIDE;
    for (let w = at + MAY_READ; w < at + MUST_WRITE + 2; w++) if ((a === undefined ? 0 : a[w]) !== (b === undefined ? 0 : b[w])) return false;
  }
  return true;
}

/** workOut's answer: a slot's live mask (lo, hi) and written mask (lo, hi); one for the module (fixpoints do not nest). */
const NEXT = new Uint32Array(4);

/**
 * One step of the kernel's walk: the live and written masks of slot pc (of the instance starting
 * at `start`, in one frame's masks `m`) from its successors' and its own marks, into NEXT;
 * whether they differ from the slot's.
 */
function workOut(m: Uint32Array, pc: number, start: number, s1: Int32Array, s2: Int32Array): boolean {
  const at = (pc - start) * STRIDE;
  let b = (s1[pc] - start) * STRIDE;
  let afterLo = m[b + LIVE], afterHi = m[b + LIVE + 1], accLo = m[b + WRITE_ACC], accHi = m[b + WRITE_ACC + 1];
  if (s2[pc] === EXIT_EDGE) accLo = accHi = 0;
  else if (s2[pc] >= 0) {
    b = (s2[pc] - start) * STRIDE;
    afterLo |= m[b + LIVE];
    afterHi |= m[b + LIVE + 1];
    accLo &= m[b + WRITE_ACC];
    accHi &= m[b + WRITE_ACC + 1];
  }
  accLo = (accLo | m[at + MUST_WRITE]) >>> 0;
  accHi = (accHi | m[at + MUST_WRITE + 1]) >>> 0;
  const liveLo = ((afterLo & ~m[at + MUST_WRITE]) | m[at + MAY_READ]) >>> 0;
  const liveHi = ((afterHi & ~m[at + MUST_WRITE + 1]) | m[at + MAY_READ + 1]) >>> 0;
  NEXT[0] = liveLo;
  NEXT[1] = liveHi;
  NEXT[2] = accLo;
  NEXT[3] = accHi;
  return liveLo !== m[at + LIVE] || liveHi !== m[at + LIVE + 1] || accLo !== m[at + WRITE_ACC] || accHi !== m[at + WRITE_ACC + 1];
}

/** NEXT stored as the masks of the slot whose row starts at `at`. */
function storeNext(m: Uint32Array, at: number): void {
  m[at + LIVE] = NEXT[0];
  m[at + LIVE + 1] = NEXT[1];
  m[at + WRITE_ACC] = NEXT[2];
  m[at + WRITE_ACC + 1] = NEXT[3];
}

/** fmt_callchain: `(call sites..., function start)`. */
const chainName = (x: Instance): string => `(${[...x.callsites, x.start].join(',')})`;

/** Stack offsets of the slots in a mask, as bpf_fmt_stack_mask prints them (`-8,-24`). */
function slotList(lo: number, hi: number): string {
  const out: number[] = [];
  for (let i = 0; i < 64; i++) if (((i < 32 ? lo : hi) >>> (i & 31)) & 1) out.push(-(i + 1) * 8);
  return out.join(',');
}

/** log_mask_change: one line naming the slots a mask gained and lost, if any. */
function maskChange(trace: string[], head: string, what: string, oldLo: number, oldHi: number, lo: number, hi: number): void {
  const gainLo = lo & ~oldLo, gainHi = hi & ~oldHi, lossLo = oldLo & ~lo, lossHi = oldHi & ~hi;
  if (!gainLo && !gainHi && !lossLo && !lossHi) return;
  let line = head;
  if (gainLo || gainHi) line += `+${what} ${slotList(gainLo, gainHi)} `;
  if (lossLo || lossHi) line += `-${what} ${slotList(lossLo, lossHi)}`;
  trace.push(line);
}

/** mark_stack_read on one half of the mask at instruction index `idx` of an instance. */
function markRead(x: Instance, m: Uint32Array, idx: number, half: number, bits: number): void {
  if (!bits) return;
  const at = idx * STRIDE;
  const old = m[at + MAY_READ + half];
  const now = (old | bits) >>> 0;
  if (now === old) return;
  if (((now | m[at + LIVE + half]) >>> 0) !== m[at + LIVE + half]) x.updated = true;
  m[at + MAY_READ + half] = now;
  changedAt(x, idx);
}

/** Rows of `stride` entries for slots from..from+len, moved to slots at..at+n by `to` (a deleted slot's row dropped). */
function moveRows<T extends Uint32Array | Uint8Array>(m: T, stride: number, from: number, len: number, at: number, n: number, to: Int32Array): T {
  const out = new (m.constructor as new (k: number) => T)(n * stride);
  // runs of surviving slots move together (one copy per run, not per row)
  for (let r = 0; r < len;) {
    if (to[from + r] < 0) {
      r++;
      continue;
    }
    let e = r + 1;
    while (e < len && to[from + e] === to[from + r] + (e - r)) e++;
    out.set(m.subarray(r * stride, e * stride), (to[from + r] - at) * stride);
    r = e;
  }
  return out;
}

/** The first index of `order` (slots from the highest down) whose slot is at most `pc` (order.length: none). */
function firstAtOrBelow(order: Int32Array, pc: number): number {
  let lo = 0, hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order[mid] > pc) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The live mask of instance `x` at `pc` for `frame`, or-ed into out (lo, hi). */
function liveInto(out: Uint32Array, x: Instance, pc: number, frame: number): void {
  const m = x.frames[frame];
  if (!m) return;
  const at = (pc - x.start) * STRIDE + LIVE;
  out[0] |= m[at];
  out[1] |= m[at + 1];
}

/**
 * clean_verifier_state's stack half: a copy of explored state `st` (at `pc`) whose dead slots
 * are invalid (never written), so that states_equal skips them. `st` itself is left alone
 * (checkpoint states are shared by copied explorations). Dead registers need no cleaning here:
 * states_equal already compares only the live ones.
 */
export function cleanState(st: State, pc: number, live: StackLiveness): State {
  let out: State | undefined;
  for (let f = 0; f < st.frames.length; f++) {
    const stack = st.frames[f].stack;
    if (!stack.length) continue;
    const m = live.aliveSlots(st, pc, f);
    const lo = m[0], hi = m[1];
    for (let spi = 0; spi < stack.length; spi++) {
      if (!stack[spi] || ((spi >= 32 ? hi : lo) & (1 << (spi & 31))) !== 0) continue;
      // literals in cloneState's and cloneFrame's order, not spreads with overrides (which V8 runs in its runtime)
      if (out === undefined) {
        out = { frames: st.frames.slice(), refs: st.refs };
        if (st.mayGotoDepth !== undefined) out.mayGotoDepth = st.mayGotoDepth;
      }
      if (out.frames[f] === st.frames[f]) {
        const fr = st.frames[f];
        out.frames[f] = { regs: fr.regs, stack: stack.slice(), shared: false, callsite: fr.callsite, subprog: fr.subprog, frameno: fr.frameno };
      }
      out.frames[f].stack[spi] = undefined;
    }
    // the dead slots on top dropped (states_equal walks the explored state's slots, and one
    // that is not there is one it skips)
    if (out !== undefined && out.frames[f] !== st.frames[f]) {
      const s = out.frames[f].stack;
      let n = s.length;
      while (n > 0 && s[n - 1] === undefined) n--;
      s.length = n;
    }
  }
  return out ?? st;
}

/** The stack-liveness lines of a kernel level-2 log (what `StackLiveness.trace` records). */
export function stackLiveLines(log: string): string[] {
  return log.split('\n').filter((l) => /^\([\d,]+\) (frame \d+ insn \d+ |live stack update done)/.test(l));
}
