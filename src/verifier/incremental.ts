// Incremental re-checking for the optimizer: analyse a baseline program once, recording when the
// exploration first touched each instruction and keeping snapshots of the exploration at such
// first visits. A candidate resumes from the last snapshot taken before the exploration first
// touched anything the candidate changes (an instruction, a prune or jump point, the live
// registers of a slot), because everything explored up to that moment is the same for both.
// The result is the one a full run gives (same verdict, message and counts), provided also that
// no stack-liveness fixpoint has already walked a function whose control flow changed — checked
// here, falling back to an earlier snapshot (or a full run) when one has.
//
// The candidate's CFG is derived from the baseline's (cfg-delta.ts) when the change keeps the
// program's structure, so a re-check decodes and solves only around the changed slots; a
// candidate that deletes straight-line slots gets the baseline's renumbered (cfg-shift.ts).
import type { Program } from '../isa/program.ts';
import { leadsForward, SK_ALU, SK_JCOND, SK_LDDW, SK_LDX, SK_OTHER, SK_ST, SK_STX } from '../isa/flow.ts';
import { sameInsn } from '../isa/insn.ts';
import { InsnError, type Op } from '../isa/op.ts';
import { buildCfg, CfgError, type Cfg } from './cfg.ts';
import { bucketOf, type Ctx, type CtxArrays, type Path, type Verdict, COMPLEXITY_LIMIT, copyCtx, ctxArrays, lazyCopy, snapshotCopy, listsOf, freshCtx, nonZero, run, unreadAtResume, verify, cfgReject, cfgOrReject } from './analyze.ts';
import type { Options } from './env.ts';
import { StackLiveness } from './stack-liveness.ts';
import { sameShape } from './stack-liveness-shape.ts';
import { CfgDelta, readsLive } from './cfg-delta.ts';
import { CfgShift } from './cfg-shift.ts';
import { baseId } from './alu.ts';
import { type Changed, type Future, sameExploration } from './rejoin.ts';
import { walkDiffers } from './precision.ts';
import { StepLog } from './replay.ts';
import { type Renumbering, type ShiftChange, inverse, keysApart, renumberable, renumberCtx, renumbering, shiftChange } from './renumber.ts';

interface Snapshot {
  /** Instructions processed before it (the next one is the first visit of its instruction). */
  readonly processed: number;
  readonly ctx: Ctx;
  /** Per pending path of ctx.stack: the key of its pop in `popAt` (-1: none recorded). */
  readonly borns: readonly number[];
  /** The explored lists ctx has (copyCtx's `lists`). */
  readonly lists: readonly number[];
  /**
   * What a re-check's lazy copy reads (made when first asked): the lists not empty (a lazy copy
   * leaves out the others), the clean counts not zero (lazyCopy's `cleans`).
   */
  resume?: { readonly lists: readonly number[]; readonly cleans: readonly number[] };
  /** Subprogram-frame keys (Incremental.keys) visited at prune points before it. */
  readonly keys: number;
  /** Whether those keys had lists of their own under the baseline's length (computed when first asked). */
  apart?: boolean;
  /**
   * The latest baseline step at which a path pending here was popped with enough of the baseline
   * left to spare (rejoinAfter's test; -1: none, or no rejoin can happen), computed when first asked.
   */
  lastPop?: number;
}

/** What a candidate changes, as far as resuming is concerned. */
interface Change {
  readonly cfg: Cfg;
  /** Slots whose instruction, marks or live registers differ. */
  readonly touched: readonly number[];
  /** touched[liveFrom..]: the slots whose live registers alone differ (reached at their first read, not visit). */
  readonly liveFrom: number;
  /** Slots whose instruction differs, when the CFG was derived and its control flow kept (a rejoin is then possible). */
  readonly ops?: readonly number[];
  /**
   * Functions whose control flow changed (a snapshot whose stack liveness solved one cannot
   * serve), or, for a CFG built from scratch, whether the whole shape is the baseline's.
   */
  readonly flowFuncs?: readonly number[];
  readonly shape?: boolean;
  /** The stack-liveness fixpoints must walk the candidate's control flow from now on. */
  readonly rebase: boolean;
}

/** No functions (a change that keeps every function's control flow). */
const NO_SLOTS: readonly number[] = [];

/** Most snapshots a baseline keeps (each costs a copy of the exploration when taken). */
const MAX_SNAPSHOTS = 128;
/** Most baseline states at pops kept for rejoin comparisons (each a copy of the exploration). */
const MAX_POP_STATES = 256;

/** The baseline at a pop, as far as the cheap rejoin tests need it (the full state is re-run on demand). */
interface Pop {
  readonly k: number;
  readonly idGen: number;
  readonly prevInsns: number;
  readonly jmps: number;
  readonly prevJmps: number;
  readonly maxPer: number;
}

/**
 * Fewest baseline instructions a rejoin must spare to be tried: a comparison walks the whole
 * exploration, which costs about as much as running a few dozen instructions.
 */
const MIN_REJOIN_GAIN = 32;

/**
 * Fewest instructions a renumbered resume must skip (fewer: the candidate runs from the start,
 * its CFG already built). Copying and renumbering a snapshot costs about what running a few
 * dozen instructions does: with 16, the deletions of the small corpus programs (resumes skipping
 * 20-40 instructions) were re-checked 4-18% slower than full checks (medians of four one-process
 * runs, BENCHMARKS.md "Incremental re-check, fifth pass"). The optimizer's new bests, which keep
 * the deletions of the bests before them, resume after 3 instructions on average (core_task).
 */
const MIN_SHIFT_SKIP = 48;

/**
 * The take-over hook (replay.ts) is kept while it pays: every TAKE_PERIOD re-checks that have it,
 * the steps it took are compared with those it saw run, and with fewer than one in TAKE_SHARE
 * taken the next TAKE_REST re-checks go without it (then it is tried again). The hook costs a
 * call at each step run; a step taken spares ~20-30 ns. Measured (BENCHMARKS, seventeenth pass):
 * xdp_loop, whose candidates take 0.04% of their steps (the baseline's first visits of a loop body
 * are not the candidates' later iterations), re-checked ~1.12x the base's time with the hook in
 * separate processes; the scale_mix programs take 67-88%. (It replaces a gate on the baseline's
 * longest run of register steps, 128, set from the corpus.) With alike starts taken (RETRY_TAKE
 * below) xdp_subprogs's hook took 1 in 7-8 of its steps and was kept in 87 of its 169 bench
 * re-checks at 8 (rested in all at the base), its steady re-check 12-13 µs against 8-15 at the
 * base in separate processes; at 6 it rests in all 169 again (7-10 µs), and so does
 * kprobe_counter's (115 takes of 460 steps in 256 re-checks).
 */
const TAKE_PERIOD = 32;
const TAKE_SHARE = 6;
const TAKE_REST = 1024;

/**
 * Register steps a resumed run goes on before it asks the baseline's log again after a refusal
 * (replay.ts): on the bench candidates of xdp_scale_mix and xdp_scale_mix2k, asking only after
 * other steps took 54% of the steps run after the resume, every 16 steps 75%, every step 76%.
 * Since a take may cover an alike start of a run (replay.ts alikeFor), a refusal means the very
 * step asked at mostly reads a register unlike the baseline's: steps still run after the resume on
 * xdp_scale_mix500's 32 bench candidates (one re-check each), asking again after 15 steps 2,780,
 * after 3 1,948, at every step 1,567 (whole runs only, after 15: 3,139); xdp_subprogs, at the
 * hook's TAKE_SHARE line, keeps the hook asking at every step (rests it at 3 and 15).
 */
const RETRY_TAKE = 3;

/** Full comparisons a re-check may fail before it stops trying to rejoin (they cost a walk of the exploration each). */
const MAX_FAILED_JOINS = 2;

/** The baseline's counters before its next step (c: its exploration then). */
const popOf = (c: Ctx): Pop => ({ k: c.processed, idGen: c.idGen, prevInsns: c.prevInsns, jmps: c.jmps, prevJmps: c.prevJmps, maxPer: c.maxPer });

/** Thrown out of a run by its step hook: stop here (a resumed candidate rejoined, or the baseline reached the step asked for). */
class Stop {
  constructor(readonly c: Ctx, readonly k = 0, readonly base?: Ctx) {}
}

export class Incremental {
  readonly verdict: Verdict;
  private readonly cfg?: Cfg;
  private readonly delta?: CfgDelta;
  /** Derives a candidate's CFG when slots are deleted (made at the first such candidate). */
  private shift?: CfgShift;
  private readonly snaps: Snapshot[] = [];
  /**
   * The snapshots' `processed`, in order (resumePoint's binary search reads these instead of each
   * snapshot object, which a re-check otherwise loads from memory only to compare a number).
   */
  private snapSteps = new Int32Array(0);
  /** Per slot: 1 + instructions processed before the baseline's exploration first touched it (0: never). */
  private readonly firstTouch: Int32Array;
  /** Options that record the whole exploration (log, trace): every candidate gets a full check. */
  private readonly full: boolean;
  /** Per slot: 1 + instructions processed before the baseline's exploration last touched it (0: never). */
  private readonly lastTouch: Int32Array;
  /**
   * Per slot: 1 + instructions processed before the baseline's exploration first read all of the
   * slot's live registers (0: never), which is often well after its first visit: a prune point's
   * are read only when a state of the same instruction is already explored, a bpf-to-bpf call's
   * next slot's when the callee does so for the caller's frame (a helper call's are never read,
   * its next slot's as a prune point's). A candidate whose other liveness is all it changes up to
   * then resumes later. A jump's (and a bpf-to-bpf call's, for its callee's jumps) are read one
   * register at a time: `linkRead`.
   */
  private readonly liveRead: Int32Array;
  /**
   * Per slot and register (10 * slot + r): 1 + instructions processed before a conditional jump
   * first collected linked scalars while register r of the frame whose live registers are the
   * slot's held one linked to a compared register (0: never). Only then does that register's
   * liveness bit change what the jump does (step.ts auxOf, jmp.ts linkedCount and syncLinked skip
   * a live register that is not linked): a candidate whose liveness differs there in other
   * registers alone reads the same.
   */
  private readonly linkRead: Int32Array;
  /** Per explored list: 1 + instructions processed before the baseline's last visit to it (0: never). */
  private readonly lastBucket: Int32Array;
  /** The baseline's visits to prune points: step, jump count then, and whether it added a checkpoint. */
  private readonly visits: { step: number[]; jmps: number[]; made: number[] } = { step: [], jmps: [], made: [] };
  /** When each pending path was popped: instructions processed then, by the step it was pushed at. */
  private readonly popAt = new Map<number, Pop>();
  /** The baseline's exploration as it was at some pops (made when first compared against). */
  private readonly popStates = new Map<number, Ctx>();
  /** Scratch masks of a candidate's changes (cleared after each check). */
  private readonly changed: Changed;
  /** The change whose slots `changed` holds (undefined: none). */
  private marked?: Change;
  /**
   * Candidates checked, how many instructions the resumed runs skipped, how many of those runs
   * were answered at their first instruction without one (unreadAtResume), how many rejoined the
   * baseline and the instructions that spared.
   */
  readonly stats = { checks: 0, resumed: 0, skippedInsns: 0, unread: 0, derived: 0, rejoined: 0, joinedInsns: 0, taken: 0, takenInsns: 0, takeRested: 0, shifted: 0, shiftedInsns: 0, full: {} as Record<string, number> };
  /**
   * The subprogram frames' keys (instruction, call site) visited at prune points, in the order
   * first visited, as pairs; `keySet` the same as numbers. A candidate of another length rehashes
   * the explored lists, which is exact only while no two keys share a list (renumber.ts).
   */
  private readonly keys: number[] = [];
  /** Functions (by first slot) whose edges all lead forward, as far as asked. */
  private readonly forwardFns = new Map<number, boolean>();
  /** An empty stack liveness of the baseline (blank() of it serves a candidate of the same control flow). */
  private blankLive?: StackLiveness;
  /** Per slot: the earliest first touch of it or any later slot (0: none touched). */
  private readonly firstFrom: Int32Array;
  /**
   * The explored lists and clean counts of the context a resumed re-check runs (lazyCopy fills
   * them at each: the context is the re-check's alone, and nothing keeps it after).
   */
  private arrays?: CtxArrays;
  /** The baseline's steps, for a resumed run to take over (replay.ts; privileged only: unprivileged ALU steps record their sanitation). */
  private steps?: StepLog;
  /**
   * The take-over hook's record since its last look (TAKE_PERIOD): re-checks given it, the steps
   * it saw run and those it took; and the re-checks still to go without it.
   */
  private takeChecks = 0;
  private takeRun = 0;
  private takeTaken = 0;
  private takeRest = 0;
  /** Scratch mask of a candidate's changed slots, where no take-over may go (cleared after each check). */
  private readonly stops: Uint8Array;

  /**
   * `tuning`: fewest instructions a rejoin must spare to be tried, full comparisons a re-check may
   * fail before it stops trying (tests set 0 and Infinity to try every one), fewest instructions a
   * renumbered resume must skip (tests set 0).
   */
  constructor(readonly base: Program, readonly opts: Options = {}, private readonly tuning: { minRejoinGain?: number; maxFailedJoins?: number; minShiftSkip?: number } = {}) {
    const n = base.insns.length;
    this.firstTouch = new Int32Array(n + 1);
    this.lastTouch = new Int32Array(n + 1);
    this.liveRead = new Int32Array(n + 1);
    this.linkRead = new Int32Array(10 * (n + 1));
    this.lastBucket = new Int32Array(n);
    this.firstFrom = new Int32Array(n + 1);
    this.changed = { ops: new Uint8Array(n + 1), live: new Uint8Array(n + 1) };
    this.stops = new Uint8Array(n + 1);
    this.full = !!(opts.states || opts.trace || opts.entries || opts.stackLiveLog);
    let cfg: Cfg;
    try {
      // the unprivileged checks before the CFG (E2BIG, calls needing CAP_BPF): cfgOrReject's
      const early = opts.privileged === false ? cfgOrReject(base, false) : undefined;
      if (early && 'ok' in early) {
        this.verdict = early;
        return;
      }
      cfg = this.cfg = early ?? buildCfg(base.insns, base.type);
    } catch (e) {
      if (!(e instanceof CfgError || e instanceof InsnError)) throw e;
      this.verdict = cfgReject(e);
      return;
    }
    this.delta = new CfgDelta(base, cfg, opts.privileged !== false);
    const every = Math.max(1, Math.ceil(n / MAX_SNAPSHOTS));
    let firsts = 0;
    const touch = this.firstTouch, last = this.lastTouch, liveRead = this.liveRead, linkRead = this.linkRead, popAt = this.popAt, bucket = this.lastBucket, visits = this.visits;
    let prevInsns = 0;
    // pending paths by the step that pushed them (a step pushes at most one), until popped
    const born = new Map<Path, number>();
    // the snapshots' one copy of each pending path's state and piece (snapshotCopy's `kept`): read by
    // every re-check that pops the path, so a few objects, not one per snapshot, stay in the cache
    const pendingCopies = new Map<Path, Path>();
    let path: Path | undefined, pending = 0;
    const keys = this.keys, keySet = new Set<number>();
    const c0 = freshCtx(n);
    const steps = this.steps = !this.full && opts.privileged !== false ? new StepLog(cfg) : undefined;
    // the baseline keeps its fixpoints' answers: a re-check reaching one with the same marks takes it
    if (!this.full) (c0.live = new StackLiveness(cfg)).recordFixpoints();
    this.verdict = run(base, cfg, opts, c0, (c, pc) => {
      steps?.note(c, pc);
      if (c.stack.length > pending) born.set(c.stack[c.stack.length - 1], c.processed);
      pending = c.stack.length;
      if (c.path !== path) {
        path = c.path;
        const b = born.get(path);
        if (b !== undefined) {
          popAt.set(b, popOf(c));
          born.delete(path);
        }
      }
      last[pc] = c.processed + 1;
      if (c.prevInsns !== prevInsns) {
        prevInsns = c.prevInsns;
        visits.made[visits.made.length - 1] = 1;
      }
      if (cfg.prune[pc]) {
        const st = c.path.state;
        bucket[bucketOf(pc, st.frames[st.frames.length - 1].callsite, n)] = c.processed + 1;
        visits.step.push(c.processed);
        visits.jmps.push(c.jmps);
        visits.made.push(0);
        const cs = st.frames[st.frames.length - 1].callsite;
        if (cs !== -1 && !keySet.has(cs * (n + 1) + pc)) {
          keySet.add(cs * (n + 1) + pc);
          keys.push(pc, cs);
        }
      }
      // a call's next slot is read (its live registers) while the callee runs
      const call = cfg.ops[pc]?.kind === 'call';
      if (call) last[pc + 1] = c.processed + 1;
      // (in a callee, the reads also reach the callers' call slots: evaluated until those are marked)
      const frames = c.path.state.frames;
      if ((!liveRead[pc] || (frames.length > 1 && callersUnread(frames, liveRead))) && comparesNow(c, cfg, pc)) {
        liveRead[pc] ||= c.processed + 1;
        // a comparison reads each caller frame's live registers after its call (analyze.ts regsLive)
        for (let f = 1; f < frames.length; f++) liveRead[frames[f].callsite + 1] ||= c.processed + 1;
      }
      if (cfg.slots.kind[pc] === SK_JCOND) linkedNow(c, cfg, pc, linkRead);
      if (touch[pc]) return;
      touch[pc] = c.processed + 1;
      // (a call's live registers and its next slot's are read by what runs in the callee: above)
      if (call && !touch[pc + 1]) touch[pc + 1] = c.processed + 1;
      if (c.processed > 0 && firsts++ % every === 0) {
        // (the lists found once: the copy and the snapshot's record both need them)
        const lists = listsOf(c);
        this.snaps.push({ processed: c.processed, ctx: snapshotCopy(c, pendingCopies, lists), borns: c.stack.map((p) => born.get(p) ?? -1), lists, keys: keys.length / 2 });
      }
    });
    // a log no re-check can take from (no run of replay.ts's MIN_TAKE register steps) is let go
    if (steps && !steps.takesAny) this.steps = undefined;
    this.snapSteps = Int32Array.from(this.snaps, (x) => x.processed);
    this.blankLive = c0.live?.blank(cfg);
    let from = 0;
    for (let pc = n - 1; pc >= 0; pc--) {
      if (touch[pc] && (!from || touch[pc] < from)) from = touch[pc];
      this.firstFrom[pc] = from;
    }
  }

  /**
   * Check a candidate (same maps and type as the baseline; any instructions). `oldToNew`: for a
   * candidate of another length made by deleting baseline slots, each baseline slot's slot in the
   * candidate (-1: deleted), as src/isa/edit.ts deleteSlots returns it; without it such a
   * candidate is checked in full.
   */
  check(prog: Program, oldToNew?: Int32Array): Verdict {
    this.stats.checks++;
    if (this.full) return this.fullCheck(prog, 'options record the exploration');
    if (!this.cfg) return this.fullCheck(prog, 'baseline rejected statically');
    if (prog.maps !== this.base.maps || prog.type !== this.base.type) return this.fullCheck(prog, 'other maps or type');
    if (prog.insns.length !== this.base.insns.length) return this.shifted(prog, oldToNew);
    const change = this.change(prog);
    if ('ok' in change) return change;
    const snap = this.resumePoint(change);
    if (!snap) return run(prog, change.cfg, this.opts, this.freshFor(change));
    this.stats.resumed++;
    this.stats.skippedInsns += snap.processed;
    // a first instruction that reads an unset register is answered from the snapshot (no copy)
    const unread = unreadAtResume(change.cfg, this.opts, snap.ctx);
    if (unread) {
      this.stats.unread++;
      return unread;
    }
    const r = snap.resume ??= { lists: snap.lists.filter((i) => snap.ctx.explored[i]!.length > 0), cleans: nonZero(snap.ctx.toClean) };
    const c = lazyCopy(snap.ctx, r.lists, this.arrays ??= ctxArrays(this.base.insns.length), r.cleans);
    if (change.rebase) c.live?.rebase(change.cfg);
    const after = change.ops ? this.rejoinAfter(snap, change) : -1;
    const take = this.takeHook(change);
    if (after < 0 && !take) return released(c, run(prog, change.cfg, this.opts, c));
    const pops = after < 0 ? undefined : this.rejoinHook(c, snap, change, after);
    const hook = !take ? pops! : !pops ? take : (cc: Ctx, pc: number) => {
      pops(cc);
      take(cc, pc);
    };
    try {
      return run(prog, change.cfg, this.opts, c, hook);
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      return this.joined(e);
    } finally {
      if (this.marked) this.mark(this.marked, 0);
      if (take) for (const pc of change.touched) this.stops[pc] = 0;
      c.live?.release();
    }
  }

  /**
   * A context to run a candidate from the start: when its control flow is the baseline's, with
   * a stack liveness that shares the baseline's shape (successors, postorders) instead of
   * working it out again.
   */
  private freshFor(change: Change): Ctx {
    const c = freshCtx(change.cfg.ops.length, this.arrays ??= ctxArrays(this.base.insns.length));
    if (!change.rebase && this.blankLive) c.live = this.blankLive.blank(change.cfg);
    return c;
  }

  /** A full check, counted under why it was one. */
  private fullCheck(prog: Program, why: string): Verdict {
    this.countFull(why);
    return verify(prog, this.opts);
  }

  private countFull(why: string): void {
    this.stats.full[why] = (this.stats.full[why] ?? 0) + 1;
  }

  /**
   * A candidate of another length: resumed from the last snapshot taken before the baseline's
   * exploration touched a deleted slot or one that differs once renumbered (renumber.ts); no
   * rejoin (the baseline's rest is numbered otherwise). Its CFG is the baseline's renumbered
   * where cfg-shift.ts can derive it, else built.
   */
  private shifted(prog: Program, oldToNew: Int32Array | undefined): Verdict {
    if (!oldToNew) return this.fullCheck(prog, 'other length, no renumbering given');
    const r = renumbering(oldToNew, this.base.insns.length, prog.insns.length);
    if (typeof r === 'string') return this.fullCheck(prog, `other length, ${r}`);
    const privileged = this.opts.privileged ?? true;
    const d = (this.shift ??= new CfgShift(this.base, this.cfg!, this.delta!, privileged)).derive(prog, r);
    const cfg = d?.cfg ?? cfgOrReject(prog, privileged);
    if ('ok' in cfg) return cfg;
    const min = this.tuning.minShiftSkip ?? MIN_SHIFT_SKIP;
    // (a deleted slot first touched within `min` instructions: shiftChange's first is no later)
    const early = deletedBy(r, this.firstTouch, min);
    const change = early ? undefined : shiftChange(this.base.insns, prog.insns, this.cfg!, cfg, r, this.firstTouch, readsLive, d?.differs);
    const late = change !== undefined && change.first > min;
    const snap = late ? this.shiftPoint(change, r, cfg, min) : undefined;
    if (!snap) {
      const why = late ? 'other length, no snapshot fits' : 'other length, resumes too early';
      this.countFull(why);
      return run(prog, cfg, this.opts, freshCtx(prog.insns.length));
    }
    this.stats.shifted++;
    this.stats.shiftedInsns += snap.processed;
    const c = copyCtx(snap.ctx, snap.lists);
    renumberCtx(c, snap.lists, r, cfg);
    return run(prog, cfg, this.opts, c);
  }

  /**
   * The last snapshot taken before the change's first step, and after `min` instructions, that a
   * candidate renumbered by r can resume from: its stack liveness has solved no function whose flow changed, nor one that
   * loses slots unless its edges all lead forward (a solved function's answers at the slots not
   * yet touched are then all 0, and a deleted slot with one successor held its successor's: the
   * rows need only moving), and its subprogram keys have lists of their own under both lengths.
   */
  private shiftPoint(change: ShiftChange, r: Renumbering, cfg: Cfg, min: number): Snapshot | undefined {
    const old = this.cfg!, n = this.base.insns.length, touch = this.firstTouch;
    let lo = 0, hi = this.snaps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.snaps[mid].processed < change.first) lo = mid + 1;
      else hi = mid;
    }
    let back: Int32Array | undefined;
    next: for (let k = lo - 1; k >= 0 && this.snaps[k].processed >= min; k--) {
      const s = this.snaps[k], live = s.ctx.live;
      if (!renumberable(s.ctx)) continue;
      if (live) {
        for (const f of change.flow) if (live.solvedFunction(f)) continue next;
        for (const f of change.deleted) if (live.solvedFunction(f) && !this.forward(f)) continue next;
      }
      if (s.keys) {
        // main-function slots visited (as prune points) before the snapshot, by baseline slot
        const visited = (p: number): boolean => p >= 0 && old.prune[p] === 1 && old.funcOf[p] === 0 && touch[p] > 0 && touch[p] <= s.processed;
        s.apart ??= keysApart(this.keys, s.keys, n, visited);
        if (!s.apart) continue;
        back ??= inverse(r);
        const moved: number[] = [];
        for (let i = 0; i < 2 * s.keys; i++) moved.push(r.map[this.keys[i]] ?? -1);
        if (moved.includes(-1) || !keysApart(moved, s.keys, r.n, (p) => visited(back![p]))) continue;
      }
      return s;
    }
    return undefined;
  }

  /** Does every edge of the baseline's function starting at `fn` lead to a later slot? */
  private forward(fn: number): boolean {
    const known = this.forwardFns.get(fn);
    if (known !== undefined) return known;
    const { subprogs, slots } = this.cfg!;
    const ok = leadsForward(slots, fn, subprogs[subprogs.indexOf(fn) + 1] ?? slots.kind.length);
    this.forwardFns.set(fn, ok);
    return ok;
  }

  /**
   * A step hook that takes the baseline's register steps over where the candidate enters them
   * with the registers they read alike to the baseline's, ids renamed (replay.ts), or the alike
   * start of such a run: tried at the first register step after any other step, a
   * changed slot or a path's start, and again every RETRY_TAKE register steps after a refusal (a
   * register unlike the baseline's is often overwritten a few steps on). Sets `stops` (check
   * clears it).
   */
  private takeHook(change: Change): ((c: Ctx, pc: number) => void) | undefined {
    const log = this.steps;
    if (!log || !this.takePays()) return undefined;
    const stops = this.stops, limit = this.opts.limit ?? COMPLEXITY_LIMIT;
    // (and the changed slots' span: a run outside it needs no look at `stops`)
    let lo = stops.length, hi = -1;
    for (const pc of change.touched) {
      stops[pc] = 1;
      if (pc < lo) lo = pc;
      if (pc > hi) hi = pc;
    }
    const kind = change.cfg.slots.kind, prune = change.cfg.prune;
    // register steps to run before the next try
    let path: Path | undefined, wait = 0;
    return (c, pc) => {
      this.takeRun++;
      if (c.path !== path) {
        path = c.path;
        wait = 0;
      }
      const k = kind[pc];
      if ((k !== SK_ALU && k !== SK_LDDW && k !== SK_LDX && k !== SK_STX && k !== SK_ST && k !== SK_OTHER) || stops[pc] || prune[pc]) {
        wait = 0;
        return;
      }
      if (wait > 0) {
        wait--;
        return;
      }
      // (a step no run starts at, such as a pointer's: the next step is tried, no wait)
      if (!log.startsAt(pc)) return;
      const n = log.take(c, pc, stops, limit, lo, hi);
      if (!n) {
        wait = RETRY_TAKE;
        return;
      }
      this.stats.taken++;
      this.stats.takenInsns += n;
      this.takeTaken += n;
    };
  }

  /** Is the take-over hook to be given to this re-check (TAKE_PERIOD's rule; counted in stats.takeRested when not)? */
  private takePays(): boolean {
    if (this.takeRest > 0) {
      this.takeRest--;
      this.stats.takeRested++;
      return false;
    }
    if (++this.takeChecks > TAKE_PERIOD) {
      const rest = this.takeTaken * TAKE_SHARE < this.takeRun + this.takeTaken;
      this.takeChecks = this.takeRun = this.takeTaken = 0;
      if (rest) {
        this.takeRest = TAKE_REST - 1;
        this.stats.takeRested++;
        return false;
      }
      this.takeChecks = 1;
    }
    return true;
  }

  /**
   * Can a resumed candidate rejoin the baseline at all? Only at the pop of a branch pending at the
   * snapshot, after the baseline's last touch of every changed slot, sparing enough of its
   * instructions: the tests of rejoinHook that depend on the snapshot and the change alone. The
   * step a rejoin may come at the earliest (lastTouchOf), or -1 when none can: the run then needs
   * no step hook (nor its per-check setup).
   */
  private rejoinAfter(snap: Snapshot, change: Change): number {
    const last = snap.lastPop ??= this.lastPop(snap);
    if (last < 0) return -1;
    const after = this.lastTouchOf(change);
    return after <= last ? after : -1;
  }

  /** 1 + the step of the baseline's last touch of any of the change's slots. */
  private lastTouchOf(change: Change): number {
    let after = 0;
    for (const pc of change.touched) if (this.lastTouch[pc] > after) after = this.lastTouch[pc];
    return after;
  }

  /** Snapshot.lastPop. */
  private lastPop(snap: Snapshot): number {
    const v = this.verdict;
    if (v.error?.message.startsWith('BPF program is too large')) return -1;
    const gain = this.tuning.minRejoinGain ?? MIN_REJOIN_GAIN;
    let last = -1;
    for (const b of snap.borns) {
      if (b < 0) continue;
      const pop = this.popAt.get(b);
      if (pop && v.processed - pop.k >= gain && pop.k > last) last = pop.k;
    }
    return last;
  }

  /**
   * Set (or clear) the candidate's changed slots in the scratch masks (an instruction as
   * walkDiffers tells), `marked` the change they hold (set before the first full comparison).
   */
  private mark(change: Change, v: number): void {
    const old = this.cfg!.ops, ops = change.cfg.ops;
    for (const pc of change.ops!) this.changed.ops[pc] = v && walkDiffers(old[pc], ops[pc]);
    for (const pc of change.touched) this.changed.live[pc] = v;
    this.marked = v ? change : undefined;
  }

  /**
   * A step hook for a resumed candidate that rejoinAfter lets through: at each pop of a path that
   * was pending when the candidate resumed (where the baseline popped that path, whatever its
   * step), at or after `after` (the baseline's last touch of every changed slot), if the two
   * explorations are the same, stop (the rest is the baseline's).
   */
  private rejoinHook(c: Ctx, snap: Snapshot, change: Change, after: number): (c: Ctx) => void {
    const v = this.verdict;
    const limit = this.opts.limit ?? COMPLEXITY_LIMIT;
    // the pending paths whose pops may rejoin
    const pre = new Map<Path, number>();
    for (let i = 0; i < c.stack.length; i++) if (snap.borns[i] >= 0) pre.set(c.stack[i], snap.borns[i]);
    let path = c.path, failed = 0;
    const gain = this.tuning.minRejoinGain ?? MIN_REJOIN_GAIN, maxFailed = this.tuning.maxFailedJoins ?? MAX_FAILED_JOINS;
    return (cc) => {
      if (cc.path === path) return;
      path = cc.path;
      const b = pre.get(path);
      const pop = b === undefined ? undefined : this.popAt.get(b);
      if (pop && failed < maxFailed && pop.k >= after && v.processed - pop.k >= gain && cc.processed + v.processed - pop.k <= limit && this.mayJoin(cc, pop, change)) failed++;
    };
  }

  /**
   * rejoinHook's test at the baseline's step pop.k: stop the candidate (a Stop thrown) when its
   * exploration is the baseline's there; true when a full comparison failed (counted).
   */
  private mayJoin(cc: Ctx, pop: Pop, change: Change): boolean {
    const v = this.verdict;
    if (cc.idGen !== pop.idGen) return false;
    // the most states per instruction after k is known only if it grew after k
    if (v.maxStatesPerInsn === pop.maxPer && cc.maxPer < pop.maxPer) return false;
    if (!this.sameCounters(cc, pop)) return false;
    const k = pop.k, base = this.baseAt(k);
    if (!base) return false;
    const future: Future = { k, buckets: this.lastBucket, slots: this.lastTouch, live: this.cfg!.live };
    if (this.marked !== change) this.mark(change, 1);
    if (sameExploration(cc, base, this.changed, future)) throw new Stop(cc, k, base);
    return true;
  }

  /**
   * Will the candidate's checkpoint-creation counters (instructions and jumps since the last
   * checkpoint) steer the baseline's rest as the baseline's own do? They are read at prune
   * points, against thresholds: compare what each visit after k decides, up to the first visit
   * that adds a checkpoint (both counters restart there).
   */
  private sameCounters(a: Ctx, b: Pop): boolean {
    const k = b.k;
    const da = a.processed - a.prevInsns, db = k - b.prevInsns, ja = a.jmps - a.prevJmps, jb = b.jmps - b.prevJmps;
    if (da === db && ja === jb) return true;
    const { step, jmps, made } = this.visits;
    let lo = 0, hi = step.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (step[mid] < k) lo = mid + 1;
      else hi = mid;
    }
    for (let v = lo; v < step.length; v++) {
      // at the visit: processed has grown by t + 1, jumps by dj (same steps on both sides)
      const t = step[v] - k + 1, dj = jmps[v] - b.jmps;
      // analyze.ts visited(): a checkpoint is wanted after 2 jumps and 8 instructions, and a
      // pending state there stops it only within 20 jumps and 100 instructions
      if ((ja + dj >= 2 && da + t >= 8) !== (jb + dj >= 2 && db + t >= 8)) return false;
      if ((ja + dj < 20 && da + t < 100) !== (jb + dj < 20 && db + t < 100)) return false;
      if (made[v]) return true;
    }
    return true;
  }

  /** The candidate's verdict once it rejoined the baseline at the baseline's step k: the baseline's rest added. */
  private joined(s: Stop): Verdict {
    const v = this.verdict, c = s.c, b = s.base!;
    this.stats.rejoined++;
    this.stats.joinedInsns += v.processed - s.k;
    return {
      ...v,
      processed: c.processed + v.processed - s.k,
      totalStates: c.totalStates + v.totalStates - b.totalStates,
      peakStates: c.peakStates + v.peakStates - b.peakStates,
      maxStatesPerInsn: v.maxStatesPerInsn > b.maxPer ? Math.max(c.maxPer, v.maxStatesPerInsn) : c.maxPer,
    };
  }

  /** The baseline's exploration at the moment it had processed k instructions (re-run from the last snapshot before). */
  private baseAt(k: number): Ctx | undefined {
    const kept = this.popStates.get(k);
    if (kept) return kept;
    let snap: Snapshot | undefined;
    for (const s of this.snaps) {
      if (s.processed > k) break;
      snap = s;
    }
    const c = snap ? copyCtx(snap.ctx, snap.lists) : freshCtx(this.base.insns.length);
    try {
      run(this.base, this.cfg!, this.opts, c, (cc) => {
        if (cc.processed === k) throw new Stop(cc);
      });
      return undefined;
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
    if (this.popStates.size < MAX_POP_STATES) this.popStates.set(k, c);
    return c;
  }

  /** The candidate's CFG and what it changes; a rejection by the static checks; the baseline's verdict for the same program. */
  private change(prog: Program): Change | Verdict {
    const old = this.cfg!;
    const d = this.delta?.derive(prog);
    if (d) {
      if (!d.slots.length) return this.verdict;
      this.stats.derived++;
      if (!d.flow.length) return { cfg: d.cfg, touched: d.touched, liveFrom: d.liveFrom, rebase: false, flowFuncs: NO_SLOTS, ops: d.slots };
      const flowFuncs: number[] = [];
      for (const pc of d.flow) flowFuncs.push(old.funcOf[pc]);
      return { cfg: d.cfg, touched: d.touched, liveFrom: d.liveFrom, rebase: true, flowFuncs, ops: undefined };
    }
    const cfg = cfgOrReject(prog, this.opts.privileged ?? true);
    if ('ok' in cfg) return cfg;
    const a = this.base.insns, b = prog.insns;
    const touched: number[] = [], liveOnly: number[] = [];
    for (let i = 0; i < a.length; i++) {
      if (!sameInsn(a[i], b[i]) || old.prune[i] !== cfg.prune[i] || old.jmp[i] !== cfg.jmp[i] || old.funcOf[i] !== cfg.funcOf[i] || old.bad[i] !== cfg.bad[i]) touched.push(i);
      else if (old.live[i] !== cfg.live[i] && (readsLive(old, i) || readsLive(cfg, i))) liveOnly.push(i);
    }
    const shape = sameShape(old, cfg);
    const liveFrom = touched.length;
    for (const pc of liveOnly) touched.push(pc);
    return { cfg, touched, liveFrom, rebase: !shape, shape };
  }

  /**
   * 1 + instructions processed before the baseline first read what differs between its live
   * registers at slot pc and `now` (0: never): all of them (liveRead) or a differing register
   * linked at a jump (linkRead).
   */
  private liveReadOf(pc: number, now: number): number {
    let at = this.liveRead[pc];
    for (let d = (this.cfg!.live[pc] ^ now) & 0x3ff; d !== 0; d &= d - 1) {
      const x = this.linkRead[10 * pc + 31 - Math.clz32(d & -d)];
      if (x && (!at || x < at)) at = x;
    }
    return at;
  }

  /** The last snapshot taken before the baseline's exploration first touched a changed slot, whose stack liveness fits. */
  private resumePoint(change: Change): Snapshot | undefined {
    let first = Infinity;
    const { touched, liveFrom } = change;
    for (let i = 0; i < touched.length; i++) {
      const at = i < liveFrom ? this.firstTouch[touched[i]] : this.liveReadOf(touched[i], change.cfg.live[touched[i]]);
      if (at && at < first) first = at;
    }
    // snapshots are in exploration order: the last one before `first`
    const steps = this.snapSteps;
    let lo = 0, hi = steps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (steps[mid] < first) lo = mid + 1;
      else hi = mid;
    }
    // a change that keeps every function's control flow fits any snapshot (fits' first answer)
    if (change.flowFuncs && !change.flowFuncs.length) return lo > 0 ? this.snaps[lo - 1] : undefined;
    for (let k = lo - 1; k >= 0; k--) if (fits(this.snaps[k], change)) return this.snaps[k];
    return undefined;
  }
}

/** Did the baseline's exploration touch a slot r deletes within its first `min` instructions (`touch`: Incremental.firstTouch)? */
function deletedBy(r: Renumbering, touch: Int32Array, min: number): boolean {
  const map = r.map;
  for (let i = r.first; i < map.length; i++) if (map[i] < 0 && touch[i] > 0 && touch[i] <= min) return true;
  return false;
}

/** v, once c's stack liveness (a snapshot's copy, read no more) has given its masks back. */
function released(c: Ctx, v: Verdict): Verdict {
  c.live?.release();
  return v;
}

/**
 * Will the run compare the state before slot pc with explored ones, reading the slot's live
 * registers and every caller frame's (the slot after its call)? At a prune point, when its
 * explored list holds a state of pc (analyze.ts visited compares with those only). Only a
 * bpf-to-bpf call pushes a frame (call.ts localCall): a helper call's are never read.
 */
function comparesNow(c: Ctx, cfg: Cfg, pc: number): boolean {
  if (!cfg.prune[pc]) return false;
  const st = c.path.state;
  const list = c.explored[bucketOf(pc, st.frames[st.frames.length - 1].callsite, c.explored.length)];
  if (list) for (const k of list) if (k.pc === pc) return true;
  return false;
}

/**
 * At conditional jump pc, when a compared register is a scalar with a link id (the linked
 * scalars are collected only then: step.ts auxOf, jmp.ts condJump), mark in `linkRead` (see
 * Incremental.linkRead) the registers of each frame linked to a compared one: their liveness
 * bits are read, at pc for the current frame and at the call a caller frame waits in (jmp.ts
 * linkedLive).
 */
function linkedNow(c: Ctx, cfg: Cfg, pc: number, linkRead: Int32Array): void {
  const frames = c.path.state.frames, top = frames.length - 1;
  const op = cfg.ops[pc] as Op & { kind: 'jcond' };
  const a = frames[top].regs[op.dst];
  const idA = a.type === 'scalar' && a.id ? baseId(a.id) : -1;
  let idB = -1;
  if ('reg' in op.src) {
    const b = frames[top].regs[op.src.reg];
    if (b.type === 'scalar' && b.id) idB = baseId(b.id);
  }
  if (idA === -1 && idB === -1) return;
  for (let f = 0; f <= top; f++) {
    const slot = f === top ? pc : frames[f + 1].callsite, regs = frames[f].regs;
    for (let r = 0; r < 10; r++) {
      const x = regs[r];
      if (x.type !== 'scalar' || !x.id) continue;
      const id = baseId(x.id);
      if (id === idA || id === idB) linkRead[10 * slot + r] ||= c.processed + 1;
    }
  }
}

/** Is the slot after a caller frame's call not yet marked read? */
function callersUnread(frames: readonly { callsite: number }[], liveRead: Int32Array): boolean {
  for (let f = 1; f < frames.length; f++) if (!liveRead[frames[f].callsite + 1]) return true;
  return false;
}

/** May the snapshot's stack liveness serve the candidate (no fixpoint walked a changed control flow)? */
function fits(s: Snapshot, change: Change): boolean {
  const live = s.ctx.live;
  if (!live) return true;
  if (change.flowFuncs) {
    for (const f of change.flowFuncs) if (live.solvedFunction(f)) return false;
    return true;
  }
  return change.shape || live.fits(change.cfg);
}

/**
 * A cheap cost for the search: 0 when safe; otherwise the number of instructions from the
 * first error to the end of the program (an error found late means most of the program is fine).
 */
export function safetyDistance(v: Verdict, insnCount: number): number {
  if (v.ok) return 0;
  return Math.max(1, insnCount - (v.error?.index ?? 0));
}
