// The main loop (do_check + is_state_visited): depth-first exploration of the program's paths
// with a stack of pending branch states, checkpoints at prune points, pruning against explored
// states whose subtrees are finished, infinite-loop detection against unfinished ancestors, and
// the 1,000,000 processed-instruction limit.
import type { AluAux } from './spectre.ts';
import { type Program, oneLayout } from '../isa/program.ts';
import { formatKernel } from '../isa/disasm.ts';
import { InsnError, type Op } from '../isa/op.ts';
import { calleeSlot, SK_ALU, SK_EXIT, SK_JCOND, SK_LDDW, SK_LOCAL_CALL, SK_MAYGOTO } from '../isa/flow.ts';
import { buildCfg, CfgError, type Cfg } from './cfg.ts';
import { firstCallNeedingCap, SUBPROG_NEEDS_CAP } from './privilege.ts';
import { type Env, type Options, REJECTED, VerifierError, fail, reject } from './env.ts';
import { type DomainSession, sessionFor } from './config.ts';
import { copyMap, copySet } from './copies.ts';
import { ImmRegs, NOT_INIT, SCALAR_UNKNOWN, ptrReg } from './regs.ts';
import { PcMemo } from './pc-memo.ts';
import { type State, cloneState, cur, newFrame } from './state.ts';
import { step, auxOf, touched, firstUnread } from './step.ts';
import { aluStep } from './alu.ts';
import { mayCoverIn, mayLoopIn, statesEqual, widenImprecise } from './prune.ts';
import { StackLiveness, cleanState } from './stack-liveness.ts';
import { printFrame } from './print.ts';
import { Tracer, type TracePath } from './trace.ts';
import { type Hist, type Precise, LINKED, NO_PRECISION, OPAQUE, PieceWalks, allPrecise, copyHist, forkBase, markPrecise, newHist, noPrecision, noteStep, recordStep } from './precision.ts';

/** BPF_PSEUDO_MAP_FD, _MAP_VALUE, _MAP_IDX, _MAP_IDX_VALUE: an lddw naming one of the program's maps. */
const refersToMap = (pseudo: number): boolean => pseudo === 1 || pseudo === 2 || pseudo === 5 || pseudo === 6;

/** Every register of every frame (the infinite-loop check compares them all). */
const allLive = (): number => 0x7ff;

function sameCallsites(a: State, b: State): boolean {
  if (a.frames.length !== b.frames.length) return false;
  for (let i = 0; i < a.frames.length; i++) if (a.frames[i].callsite !== b.frames[i].callsite) return false;
  return true;
}

export const COMPLEXITY_LIMIT = 1_000_000;
const JMP_SEQ_LIMIT = 8192;

export interface Verdict {
  readonly ok: boolean;
  /** On rejection: instruction index and the kernel's message (lines joined with \n). */
  readonly error?: { readonly index: number; readonly message: string };
  readonly processed: number;
  readonly totalStates: number;
  readonly peakStates: number;
  readonly maxStatesPerInsn: number;
  /** Deepest stack byte used by each function, in subprogram order (subprog_info[].stack_depth: the log's "stack depth" line). */
  readonly stackDepths?: number[];
  /** log_level-2-like lines, when Options.states. */
  readonly log?: string[];
  /** First state seen at each instruction (Options.entries). */
  readonly entry?: (State | undefined)[];
  readonly idGen?: number;
  /** The exploration path by path with the registers after each instruction (Options.trace). */
  readonly trace?: TracePath[];
  /** The trace stopped early (too many instructions). */
  readonly traceTruncated?: boolean;
  /** The stack-liveness lines of a level-2 log, when Options.stackLiveLog. */
  readonly stackLiveLog?: string[];
}

export interface Checkpoint {
  /** Its instruction (a list holds the states of every instruction hashed to it). */
  readonly pc: number;
  /** Replaced (never mutated) by its cleaned copy once its subtree is finished. */
  state: State;
  /** clean_live_states has applied the stack liveness to `state`. */
  cleaned?: boolean;
  branches: number;
  readonly parent: Checkpoint | null;
  hit: number;
  miss: number;
  /** Instructions from the parent checkpoint to this one. */
  readonly hist: Hist;
  readonly frames: number;
  precise: Precise;
}

export interface Path {
  state: State;
  pc: number;
  prev: number;
  parent: Checkpoint | null;
  /** Instructions since `parent`. */
  hist: Hist;
  /** jmp_history_cnt: jump-history entries since `parent` (a checkpoint is forced at a prune point past 40). */
  jh: number;
}

/** The state at program entry: r1 = ctx, r10 = fp. */
export function initialState(): State {
  const f = newFrame(0, -1, 0);
  f.regs[1] = ptrReg('ctx');
  return { frames: [f], refs: [] };
}

/** Everything the exploration mutates: enough to stop and resume it (incremental checks). */
export interface Ctx {
  processed: number;
  jmps: number;
  prevJmps: number;
  prevInsns: number;
  totalStates: number;
  peakStates: number;
  maxPer: number;
  idGen: number;
  path: Path;
  stack: Path[];
  /**
   * explored_states: lists of checkpoints by (instruction ^ call site) % program length, as the
   * kernel hashes them; a list can hold other instructions' and other call chains' states.
   */
  explored: (Checkpoint[] | undefined)[];
  /**
   * Per explored list: at least the number of its checkpoints that are finished (branches 0)
   * and not yet cleaned, so is_state_visited skips the clean_live_states pass when it is 0.
   * (A plain array: copying an Int32Array of 31 entries cost ~0.9 µs, a plain array ~0.05 µs.)
   */
  toClean: number[];
  stackDepth: Map<number, number>;
  /** Per instruction (a plain array, not a Map: a Map of 20 entries costs ~1 µs to copy, the array ~0.03). */
  ptrTypes: (string | undefined)[];
  aluAux: Map<number, AluAux>;
  tailMaps: Map<number, number>;
  /** The stack-slot liveness gathered so far (created by the first run). */
  live?: StackLiveness;
  /**
   * Caches that depend only on the program's length and the instructions' values, so copies share
   * them (made by the first run; a resumed run would otherwise make them again): the immediate
   * operand registers, and the main function's explored list of each instruction (-1: not yet).
   */
  imms?: ImmRegs;
  mainBucket?: number[];
  /**
   * Pending paths stack[0 .. lazy) still share their state and jump-history piece with the
   * context this one was copied from (lazyCopy): each gets its own copies when popped, so
   * a re-check that ends before popping them never copies them.
   */
  lazy: number;
  /**
   * Which of stackDepth, ptrTypes, aluAux and tailMaps (the SHARED_* bits) are still those of
   * the context this one was copied from (lazyCopy): run() gives the context its own copy
   * of one at its first use through the Env, so a re-check that never reaches a memory access, a
   * tail call or a masked ALU operation copies none. Read through the context (the verdict, a
   * rejoin's comparison), a shared one needs no copy.
   */
  shared: number;
}

const SHARED_DEPTH = 1, SHARED_TYPES = 2, SHARED_AUX = 4, SHARED_TAILS = 8;

/**
 * The caches of Ctx.imms and Ctx.mainBucket for the last program length a fresh context was made
 * for (they depend only on the length and on the values they are checked against): a re-check
 * that no snapshot serves, run from the start, makes them again otherwise (~0.3 µs).
 */
let byLength: { readonly n: number; readonly imms: ImmRegs; readonly mainBucket: number[] } | undefined;

/** A context at the program's start (`into`: its explored lists and clean counts in these arrays, emptied; see CtxArrays). */
export function freshCtx(n: number, into?: CtxArrays): Ctx {
  const k = byLength?.n === n ? byLength : (byLength = { n, imms: new ImmRegs(n), mainBucket: new Array(n).fill(-1) });
  return {
    processed: 0, jmps: 0, prevJmps: 0, prevInsns: 0, totalStates: 0, peakStates: 0, maxPer: 0, idGen: 0,
    path: { state: initialState(), pc: 0, prev: -1, parent: null, hist: newHist(), jh: 0 }, stack: [], explored: into ? emptied(into.explored) : new Array(n), toClean: into ? countsInto(into.toClean, NO_COUNTS) : new Array(n).fill(0), stackDepth: new Map(), ptrTypes: new Array(n).fill(undefined), aluAux: new Map(), tailMaps: new Map(),
    live: undefined, imms: k.imms, mainBucket: k.mainBucket, lazy: 0, shared: 0,
  };
}

/**
 * A deep copy of a context (checkpoint states are immutable and shared; counters and pending
 * states are copied). `lists`: the indices of c's explored lists that exist, when the caller
 * knows them (a context copied many times: the incremental checker's snapshots), so that the
 * copy does not walk every instruction's entry.
 */
export const copyCtx = (c: Ctx, lists?: readonly number[]): Ctx => copyOf(c, lists, false, undefined, undefined, undefined);

/**
 * copyCtx for a run that resumes from c (the incremental checker's re-check): the pending paths
 * keep sharing their states and jump-history pieces with c until run() pops them (Ctx.lazy), and
 * the per-instruction records are shared until run() first hands them out (Ctx.shared); c must
 * then stay as it is (a snapshot) while the copy runs. `lists` need name only the lists not empty
 * (the copy leaves out the others). `into`, `cleans`: see CtxArrays.
 */
export const lazyCopy = (c: Ctx, lists?: readonly number[], into?: CtxArrays, cleans?: readonly number[]): Ctx => copyOf(c, lists, true, into, cleans, undefined);

/**
 * copyCtx of an exploration that goes on (the incremental checker's snapshots): `kept` holds the
 * copies earlier snapshots made of pending paths' states and pieces, by the path copied. A
 * pending path's state and piece are never written until it is popped, nor is it pending again
 * after, so the snapshots share one copy of each, which must then never be written (a run pops
 * them into copies of its own: lazyCopy). `lists`: as copyCtx's.
 */
export const snapshotCopy = (c: Ctx, kept: Map<Path, Path>, lists?: readonly number[]): Ctx => copyOf(c, lists, false, undefined, undefined, kept);

/** copyCtx, lazyCopy and snapshotCopy (`lazy`: lazyCopy's; `kept`: snapshotCopy's). */
function copyOf(c: Ctx, lists: readonly number[] | undefined, lazy: boolean, into: CtxArrays | undefined, cleans: readonly number[] | undefined, kept: Map<Path, Path> | undefined): Ctx {
  // (copyOf never runs inside itself: one record serves every copy, emptied before and after)
  const seen = COPIES;
  forget(seen);
  const stack: Path[] = [];
  if (lazy) {
    // (a path's own fields: its state and piece are copied by run()'s pop, below c.lazy)
    for (const p of c.stack) stack.push({ state: p.state, pc: p.pc, prev: p.prev, parent: copyCheckpoint(p.parent, seen), hist: p.hist, jh: p.jh });
  } else {
    for (const p of c.stack) stack.push(kept ? copyPending(p, seen, kept) : copyPath(p, seen));
  }
  const explored = into ? emptied(into.explored) : new Array<Checkpoint[] | undefined>(c.explored.length);
  if (lists) {
    // a lazy copy leaves out the empty lists (visited makes a missing one; nothing else tells
    // them apart), so a list named may be missing in a lazy copy copied again
    for (const i of lists) {
      const l = c.explored[i];
      if (l && (l.length || !lazy)) explored[i] = copyList(l, seen);
    }
  } else {
    for (let i = 0; i < explored.length; i++) {
      const l = c.explored[i];
      if (l) explored[i] = copyList(l, seen);
    }
  }
  const path = copyPath(c.path, seen);
  forget(seen);
  // (written out in freshCtx's order: a spread of c costs more and may give another shape)
  return {
    processed: c.processed, jmps: c.jmps, prevJmps: c.prevJmps, prevInsns: c.prevInsns, totalStates: c.totalStates, peakStates: c.peakStates, maxPer: c.maxPer, idGen: c.idGen,
    path, stack, explored, toClean: into ? (cleans ? countsInto(into.toClean, cleans) : copiedInto(into.toClean, c.toClean)) : c.toClean.slice(), stackDepth: lazy ? c.stackDepth : copyMap(c.stackDepth), ptrTypes: lazy ? c.ptrTypes : c.ptrTypes.slice(),
    aluAux: lazy ? c.aluAux : copyMap(c.aluAux), tailMaps: lazy ? c.tailMaps : copyMap(c.tailMaps),
    live: c.live?.copy(), imms: c.imms, mainBucket: c.mainBucket, lazy: lazy ? stack.length : 0, shared: lazy ? SHARED_DEPTH | SHARED_TYPES | SHARED_AUX | SHARED_TAILS : 0,
  };
}

/**
 * Arrays of a context's length that lazyCopy and freshCtx fill instead of making new ones (the
 * caller's, for contexts of which only the last is in use: the incremental checker's re-checks;
 * a context of n slots makes two arrays of n otherwise, garbage after the re-check). With them,
 * lazyCopy's `cleans` may give c's clean counts as nonZero's pairs (a copy made often then reads
 * those, not all n of c's).
 */
export interface CtxArrays {
  readonly explored: (Checkpoint[] | undefined)[];
  readonly toClean: number[];
}

/** The arrays a context of n slots copied into `into` uses. */
export const ctxArrays = (n: number): CtxArrays => ({ explored: new Array(n).fill(undefined), toClean: new Array(n).fill(0) });

/** `xs` with no entry set (every one undefined; by a loop: `fill` is a call into the runtime's C++, ~0.1 µs). */
function emptied<T>(xs: (T | undefined)[]): (T | undefined)[] {
  for (let i = 0; i < xs.length; i++) if (xs[i] !== undefined) xs[i] = undefined;
  return xs;
}

/** No (index, value) pairs. */
const NO_COUNTS: readonly number[] = [];

/** The nonzero entries of xs, as (index, value) pairs. */
export function nonZero(xs: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) if (xs[i] !== 0) out.push(i, xs[i]);
  return out;
}

/** `to` holding 0 but at the (index, value) pairs of `pairs`. */
function countsInto(to: number[], pairs: readonly number[]): number[] {
  for (let i = 0; i < to.length; i++) if (to[i] !== 0) to[i] = 0;
  for (let k = 0; k < pairs.length; k += 2) to[pairs[k]] = pairs[k + 1];
  return to;
}

/** `to` (of from's length) holding from's entries. */
function copiedInto(to: number[], from: readonly number[]): number[] {
  for (let i = 0; i < from.length; i++) to[i] = from[i];
  return to;
}

/** c's per-instruction pointer types, made its own first (the Env's, and replay.ts's for a memory step it takes over). */
export function ownPtrTypes(c: Ctx): (string | undefined)[] {
  if (c.shared & SHARED_TYPES) ownRecord(c, SHARED_TYPES);
  return c.ptrTypes;
}

/** c's stack depths per function, made its own first (the Env's, and replay.ts's for a stack step it takes over). */
export function ownStackDepth(c: Ctx): Map<number, number> {
  if (c.shared & SHARED_DEPTH) ownRecord(c, SHARED_DEPTH);
  return c.stackDepth;
}

/** Ctx.shared: c's own copy of the records `bit` names, made at run()'s first use of them. */
function ownRecord(c: Ctx, bit: number): void {
  if (bit === SHARED_DEPTH) c.stackDepth = copyMap(c.stackDepth);
  else if (bit === SHARED_TYPES) c.ptrTypes = c.ptrTypes.slice();
  else if (bit === SHARED_AUX) c.aluAux = copyMap(c.aluAux);
  else c.tailMaps = copyMap(c.tailMaps);
  c.shared &= ~bit;
}

/**
 * The checkpoints one copy of a context has copied, with their copies: pairs (original, copy) while few
 * (a re-check's snapshot holds a handful, and a Map costs ~0.1 µs to make), a Map past MAX_PAIRS
 * (a large exploration's copy stays linear).
 */
interface Copies {
  /** pairs[0 .. 2 * n): the entries after are undefined (the list is kept: setting an array's length is a runtime call). */
  readonly pairs: (Checkpoint | undefined)[];
  n: number;
  map: Map<Checkpoint, Checkpoint> | undefined;
}

const MAX_PAIRS = 16;

/** copyOf's record, empty between copies (so that it holds no checkpoint alive). */
const COPIES: Copies = { pairs: [], n: 0, map: undefined };

/** Empty the record (its pairs overwritten with undefined, so that it keeps no checkpoint alive). */
function forget(s: Copies): void {
  for (let i = 0; i < 2 * s.n; i++) s.pairs[i] = undefined;
  s.n = 0;
  s.map = undefined;
}

/** The copy of checkpoint k already made, else undefined. */
function copied(s: Copies, k: Checkpoint): Checkpoint | undefined {
  if (s.map) return s.map.get(k);
  const p = s.pairs;
  for (let i = 0; i < 2 * s.n; i += 2) if (p[i] === k) return p[i + 1];
  return undefined;
}

function recordCopy(s: Copies, k: Checkpoint, n: Checkpoint): void {
  if (s.map) {
    s.map.set(k, n);
    return;
  }
  const p = s.pairs;
  if (s.n < MAX_PAIRS) {
    p[2 * s.n] = k;
    p[2 * s.n + 1] = n;
    s.n++;
    return;
  }
  const m = new Map<Checkpoint, Checkpoint>();
  for (let i = 0; i < 2 * s.n; i += 2) m.set(p[i]!, p[i + 1]!);
  m.set(k, n);
  s.map = m;
}

// copyOf's helpers at module level (a closure per copy costs under tsx: see run's comment)

/** The indices of c's explored lists that exist (for copyCtx). */
export function listsOf(c: Ctx): number[] {
  const out: number[] = [];
  for (let i = 0; i < c.explored.length; i++) if (c.explored[i]) out.push(i);
  return out;
}

function copyList(l: readonly Checkpoint[], seen: Copies): Checkpoint[] {
  // (most lists hold one checkpoint: a literal of one, where a pushed list reserves 17)
  if (l.length === 1) return [copyCheckpoint(l[0], seen)!];
  const m: Checkpoint[] = [];
  for (const k of l) m.push(copyCheckpoint(k, seen)!);
  return m;
}

/**
 * The slot set of a checkpoint without precise slots (precision.ts's: markPrecise gives a
 * checkpoint its own set before adding to this one), shared by copies as by new checkpoints.
 */
const NO_SLOTS = noPrecision().slots;

/** The copy of checkpoint `k` in the copy that `seen` records (made on first use, parents first). */
function copyCheckpoint(k: Checkpoint | null, seen: Copies): Checkpoint | null {
  if (!k) return null;
  let n = copied(seen, k);
  if (!n) {
    const pr = k.precise;
    n = { pc: k.pc, state: k.state, cleaned: k.cleaned, branches: k.branches, parent: null, hit: k.hit, miss: k.miss, hist: k.hist, frames: k.frames,
      precise: pr === NO_PRECISION ? pr : { regs: pr.regs.length ? pr.regs.slice() : [], slots: pr.slots.size ? copySet(pr.slots) : NO_SLOTS, all: pr.all } };
    recordCopy(seen, k, n);
    (n as { parent: Checkpoint | null }).parent = copyCheckpoint(k.parent, seen);
  }
  return n;
}

function copyPath(p: Path, seen: Copies): Path {
  return { state: cloneState(p.state), pc: p.pc, prev: p.prev, parent: copyCheckpoint(p.parent, seen), hist: copyHist(p.hist), jh: p.jh };
}

/** copyPath of a pending path, with the copies of its state and piece `kept` has (made now if none). */
function copyPending(p: Path, seen: Copies, kept: Map<Path, Path>): Path {
  let k = kept.get(p);
  if (!k) kept.set(p, (k = { state: cloneState(p.state), pc: p.pc, prev: p.prev, parent: null, hist: copyHist(p.hist), jh: p.jh }));
  return { state: k.state, pc: p.pc, prev: p.prev, parent: copyCheckpoint(p.parent, seen), hist: k.hist, jh: p.jh };
}

/**
 * The program's CFG, or the kernel's rejection when its static checks fail. A map reference
 * to a map the program does not have fails at load time wherever the lddw is, reached or not
 * (resolve_pseudo_ldimm64; fuzz verifier found an unreachable one the model accepted).
 */
export function cfgOrReject(prog: Pick<Program, 'insns' | 'maps' | 'type'>, privileged = true): Cfg | Verdict {
  // bpf_prog_load: BPF_MAXINSNS without CAP_BPF (E2BIG, nothing in the log)
  if (!privileged && prog.insns.length > BPF_MAXINSNS) return cfgReject(new CfgError(`E2BIG: ${prog.insns.length} insns is over BPF_MAXINSNS (${BPF_MAXINSNS}) for an unprivileged loader`, 0));
  // add_subprog_and_kfunc, the first pass over the program
  const call = privileged ? -1 : firstCallNeedingCap(prog.insns);
  if (call >= 0) return cfgReject(new CfgError(SUBPROG_NEEDS_CAP, call));
  let cfg: Cfg;
  try {
    cfg = buildCfg(prog.insns, prog.type, { loops: privileged });
  } catch (e) {
    if (e instanceof CfgError || e instanceof InsnError) return cfgReject(e);
    throw e;
  }
  const kind = cfg.slots.kind;
  for (let i = 0; i < kind.length; i++) {
    if (kind[i] !== SK_LDDW) continue;
    const op = cfg.ops[i];
    if (op?.kind === 'lddw' && refersToMap(op.pseudo) && !prog.maps[op.lo]) {
      return cfgReject(new CfgError(`fd ${op.lo} is not pointing to valid bpf_map`, i));
    }
  }
  return cfg;
}

/** Analyse a program. */
export function verify(prog: Program, opts: Options = {}): Verdict {
  const cfg = cfgOrReject(prog, opts.privileged ?? true);
  if ('ok' in cfg) return opts.states ? { ...cfg, log: [cfg.error!.message] } : cfg;
  return run(prog, cfg, opts, freshCtx(prog.insns.length));
}

export const cfgReject = (e: CfgError | InsnError): Verdict =>
  ({ ok: false, error: { index: e.index, message: e.message }, processed: 0, totalStates: 0, peakStates: 0, maxStatesPerInsn: 0 });

/** explored_state's list for instruction pc with call site cs in a program of n slots. */
export const bucketOf = (pc: number, cs: number, n: number): number => ((pc ^ cs) >>> 0) % n;

/**
 * The Env of a run(): the options' settings, the context's records, and what the steps call
 * back into the exploration, as prototype methods and getters, and the exploration's own
 * operations (is_state_visited, the pending paths) as methods. One object serves run after run
 * (`free`, set up by `start`): a run made a literal of a dozen closures before (~0.9 KB, at every
 * re-check), and a literal with getters is made by the runtime, slowly. The two functions handed
 * out as values (`push`, `regsLive`) are made once per object.
 */
class RunEnv implements Env {
  // (fields declared, not defined: a defined class field is set to undefined before the
  // constructor runs, one property definition each)
  declare prog: Program;
  declare cfg: Cfg;
  declare dom: DomainSession;
  declare privileged: boolean;
  declare strictAlignment: boolean;
  declare nrCpus: number;
  declare allBranches: boolean;
  declare idGen: number;
  declare imms: ImmRegs;
  declare aluMemo: PcMemo;
  declare c: Ctx;
  declare live: StackLiveness;
  /** The processed count of the instruction that has its jump-history entry (push_jmp_history merges a second one). */
  declare private histAt: number;
  /** A rejection reported by return (env.ts reject), until run() turns it into the verdict. */
  declare rejected: VerifierError | undefined;
  declare limit: number;
  declare log: string[] | undefined;
  declare entry: (State | undefined)[] | undefined;
  declare tracer: Tracer | undefined;
  /** The state and instruction whose live registers regsLive gives (set by visited before comparing). */
  declare private liveSt: State;
  declare private livePc: number;
  /** The log's "from A to B:" line of a popped path, until its first instruction is logged. */
  declare pendingFrom: string;
  /**
   * bucket's answers for the main function (callsite -1) by instruction, -1 until computed (a
   * plain array: a typed array costs ~0.9 µs to make, a few % of a small program's check).
   */
  declare private mainBucket: number[];
  /**
   * What the run asks of an instruction's kind at every visit, from the CFG's slot table: `op.kind`
   * is a megamorphic load (a decoded op has one of a dozen shapes, ~8 ns).
   */
  declare kinds: Uint8Array;
  /** pushPath, as the function step() is handed. */
  declare readonly push: (s: State, pc: number) => void;
  /** liveOf, as the function statesEqual is handed. */
  declare private readonly regsLive: (f: number) => number;
  /** noteDepth's last function (-1: none yet) and its depth then. */
  declare private depthF: number;
  declare private depthV: number;
  /** The run's precision walks of single pieces (markPrecise's `walks`), forgotten at each start. */
  declare private readonly walks: PieceWalks;

  constructor() {
    this.push = (s, pc) => this.pushPath(s, pc);
    this.regsLive = (f) => this.liveOf(f);
    this.walks = new PieceWalks();
  }

  /** Set up for a run of prog (its CFG cfg) from context c. */
  start(prog: Program, cfg: Cfg, opts: Options, c: Ctx, live: StackLiveness): this {
    this.prog = oneLayout(prog);
    this.cfg = cfg;
    this.dom = sessionFor(opts);
    this.privileged = opts.privileged ?? true;
    this.strictAlignment = opts.strictAlignment ?? false;
    this.nrCpus = opts.nrCpus ?? 2;
    this.allBranches = opts.allBranches ?? false;
    this.idGen = c.idGen;
    this.imms = c.imms ??= new ImmRegs(prog.insns.length);
    // (the tables of the runs before, of the same length and session: entries name their instruction)
    this.aluMemo = new PcMemo(prog.insns.length, { ops: cfg.ops, owner: this.dom });
    this.c = c;
    this.live = live;
    this.histAt = -1;
    this.rejected = undefined;
    this.limit = opts.limit ?? COMPLEXITY_LIMIT;
    this.log = opts.states ? [] : undefined;
    this.entry = opts.entries ? new Array(prog.insns.length) : undefined;
    this.tracer = opts.trace && c.processed === 0 ? new Tracer() : undefined;
    this.liveSt = c.path.state;
    this.livePc = 0;
    this.pendingFrom = '';
    this.mainBucket = c.mainBucket ??= new Array(c.explored.length).fill(-1);
    this.kinds = cfg.slots.kind;
    this.depthF = -1;
    this.depthV = 0;
    this.walks.reset();
    return this;
  }

  /**
   * Let go of the run's objects (the object waits in `free` for the next run, which sets them
   * again): kept, a full check's own memo table would outlive its run into the old generation.
   */
  end(): void {
    this.c = this.live = this.prog = this.cfg = this.liveSt = this.log = this.entry = this.tracer = this.rejected = undefined!;
    this.aluMemo = this.kinds = this.mainBucket = undefined!;
  }

  // the per-instruction records, the context's own from their first use (Ctx.shared)
  get stackDepth(): Map<number, number> {
    return ownStackDepth(this.c);
  }

  get ptrTypes(): (string | undefined)[] {
    return ownPtrTypes(this.c);
  }

  get aluAux(): Map<number, AluAux> {
    if (this.c.shared & SHARED_AUX) ownRecord(this.c, SHARED_AUX);
    return this.c.aluAux;
  }

  get tailMaps(): Map<number, number> {
    if (this.c.shared & SHARED_TAILS) ownRecord(this.c, SHARED_TAILS);
    return this.c.tailMaps;
  }

  ptrTypeAt(pc: number): string | undefined {
    return this.c.ptrTypes[pc];
  }

  /** The context's stack depths were written outside noteDepth (a step hook's take-over): noteDepth's kept depth is stale. */
  forgetDepth(): void {
    this.depthF = -1;
  }

  /** update_stack_depth, the last function's depth kept (only this and a take-over write stackDepth in a run: no Map lookup per stack access). */
  noteDepth(f: number, depth: number): void {
    let d = this.depthV;
    if (f !== this.depthF) {
      d = this.c.stackDepth.get(f) ?? 0;
      this.depthF = f;
    }
    if (depth <= d) {
      this.depthV = d;
      return;
    }
    this.depthV = depth;
    this.stackDepth.set(f, depth);
  }

  precise(regs: number, slots?: number[]): void {
    const path = this.c.path;
    if (regs < 0) allPrecise(path.parent);
    else markPrecise(this.cfg.ops, path.hist, path.parent, path.state.frames.length - 1, regs, slots, true, this.walks);
  }

  hist(frame = -1, spi = 0): void {
    const c = this.c;
    if (frame >= 0) noteStep(c.path.hist, frame === c.path.state.frames.length - 1 ? spi : OPAQUE);
    if (this.histAt === c.processed) return;
    this.histAt = c.processed;
    c.path.jh++;
  }

  stackRead(frame: number, spi: number): void {
    this.live.read(this.c.path.state, frame, this.c.path.pc, spi);
  }

  stackWrite(frame: number, spi: number): void {
    this.live.write(frame, spi);
  }

  pushPath(s: State, pc: number): void {
    const c = this.c, kinds = this.kinds;
    if (kinds[c.path.pc] === SK_MAYGOTO) this.widenFromPrev(s, c.path.pc);
    if (c.path.parent) c.path.parent.branches++;
    const base = forkBase(c.path.hist);
    c.path.hist = newHist(base);
    c.stack.push({ state: s, pc, prev: c.path.pc, parent: c.path.parent, hist: newHist(base), jh: c.path.jh });
    if (c.stack.length > JMP_SEQ_LIMIT) fail(c.path.pc, `The sequence of ${c.stack.length} jumps is too complex.`);
  }

  /** explored_state: the list instruction `pc` of a state in `st`'s function hashes to. */
  bucket(pc: number, st: State): number {
    const c = this.c, mainBucket = this.mainBucket;
    const callsite = cur(st).callsite;
    if (callsite !== -1 || pc >= mainBucket.length) return bucketOf(pc, callsite, c.explored.length);
    // the main function's buckets, one division per instruction for the run
    let b = mainBucket[pc];
    if (b < 0) b = mainBucket[pc] = bucketOf(pc, -1, c.explored.length);
    return b;
  }

  /** find_prev_entry + widen_imprecise_scalars for the state a may_goto at `at` queues. */
  widenFromPrev(s: State, at: number): void {
    const c = this.c;
    const here = c.path.parent;
    for (const sl of c.explored[this.bucket(at, c.path.state)] ?? []) {
      if (sl.pc !== at || sl === here || sl.branches <= 0 || !sameCallsites(sl.state, s)) continue;
      widenImprecise(sl.state, s, sl.precise, SCALAR_UNKNOWN);
      return;
    }
  }

  endPath(): void {
    const c = this.c;
    for (let k = c.path.parent; k; k = k.parent) {
      if (--k.branches > 0) break;
      c.toClean[this.bucket(k.pc, k.state)]++;
    }
  }

  /** The live registers of frame f of liveSt at livePc (statesEqual's `regsLive`). */
  liveOf(f: number): number {
    const cfg = this.cfg;
    if (f === this.liveSt.frames.length - 1) return cfg.live[this.livePc];
    const callsite = this.liveSt.frames[f + 1].callsite;
    return (cfg.live[callsite + 1] ?? 0) & 0x7c0;
  }

  /** propagate_precision: what the explored state relied on, the current path relies on too. */
  propagate(sl: Checkpoint, st: State): void {
    const c = this.c, cfg = this.cfg;
    const top = st.frames.length - 1;
    const p = sl.precise;
    let other = p.all;
    for (let f = 0; f < p.regs.length; f++) if (f !== top && p.regs[f]) other = true;
    // made only for a checkpoint with precise slots (most have none: no array per pruned path)
    let slots: number[] | undefined;
    // (most checkpoints have no precise slot: no iterator over an empty set)
    if (p.slots.size) {
      for (const k of p.slots) {
        if (k >> 6 !== top) other = true;
        else (slots ??= []).push(k & 63);
      }
    }
    if (other) return allPrecise(c.path.parent);
    if (p.regs[top] || slots) markPrecise(cfg.ops, c.path.hist, c.path.parent, top, p.regs[top] ?? 0, slots, false, this.walks);
  }

  /** is_state_visited: true when the current state is covered by an explored one. */
  visited(pc: number): boolean {
    const c = this.c, cfg = this.cfg, live = this.live, kinds = this.kinds;
    const st = c.path.state;
    // a long jump history forces a checkpoint (it would otherwise grow without bound)
    const mayGoto = kinds[pc] === SK_MAYGOTO;
    const force = c.path.jh > 40 || mayGoto;
    let addNew = force || manyJumpsSince(c, c.processed);
    const b = this.bucket(pc, st);
    let list = c.explored[b];
    if (!list) {
      // nothing explored in this list (so nothing to clean either): a list is made only for
      // a checkpoint, not at every prune point met (a copied context copies every list it has)
      if (!addNew) return false;
      list = c.explored[b] = [];
    }
    // clean_live_states: finished explored states here, same call chain, lose their dead slots
    // (the pass recounts the list's finished, uncleaned checkpoints: the count only grows in endPath)
    if (c.toClean[b] > 0) {
      let left = 0;
      for (const sl of list) {
        if (sl.branches > 0 || sl.cleaned) continue;
        if (sl.pc !== pc || !sameCallsites(sl.state, st)) {
          left++;
          continue;
        }
        sl.state = cleanState(sl.state, pc, live);
        sl.cleaned = true;
      }
      c.toClean[b] = left;
    }
    let cnt = 0;
    this.liveSt = st;
    this.livePc = pc;
    // the current frame's live registers (regsLive's answer for it), for mayCover, and what
    // mayLoop and mayCover read of the current state (once for the list)
    const liveTop = cfg.live[pc];
    const nFrames = st.frames.length, topRegs = st.frames[nFrames - 1].regs, depthNow = st.mayGotoDepth ?? 0;
    for (let i = 0; i < list.length;) {
      const sl = list[i];
      cnt++;
      if (sl.pc !== pc) {
        i++;
        continue;
      }
      if (sl.branches > 0) {
        const depth = sl.state.mayGotoDepth ?? 0;
        // a may_goto loop is covered once a deeper visit stays within the ranges (RANGE_WITHIN: all precise)
        if (mayGoto && depth !== depthNow && statesEqual(sl.state, st, 'not_exact', this.regsLive, SCALAR_UNKNOWN)) {
          sl.hit++;
          this.propagate(sl, st);
          return true;
        }
        if (depth === depthNow && mayLoopIn(sl.state, nFrames, topRegs) && statesEqual(sl.state, st, 'exact', allLive, SCALAR_UNKNOWN)) fail(pc, `infinite loop detected at insn ${pc}`);
        if (!force && c.jmps - c.prevJmps < 20 && c.processed - c.prevInsns < 100) addNew = false;
      } else if (mayCoverIn(sl.state, nFrames, topRegs, liveTop) && statesEqual(sl.state, st, 'not_exact', this.regsLive, SCALAR_UNKNOWN, sl.precise)) {
        sl.hit++;
        this.propagate(sl, st);
        return true;
      }
      if (addNew) sl.miss++;
      if (sl.miss > sl.hit * 3 + 3) {
        // (the later entries moved down by hand: splice makes an array of the removed one)
        for (let j = i + 1; j < list.length; j++) list[j - 1] = list[j];
        list.pop();
        c.peakStates--;
        continue;
      }
      i++;
    }
    if (cnt > c.maxPer) c.maxPer = cnt;
    if (!addNew) return false;
    // `cleaned` from the start, in copyCheckpoint's order: one hidden class for every checkpoint
    const cp: Checkpoint = { pc, state: cloneState(st), cleaned: false, branches: 1, parent: c.path.parent, hit: 0, miss: 0, hist: c.path.hist, frames: st.frames.length, precise: NO_PRECISION };
    c.path.hist = newHist();
    c.path.jh = 0;
    c.totalStates++;
    c.peakStates++;
    c.prevJmps = c.jmps;
    c.prevInsns = c.processed;
    c.path.parent = cp;
    // list.unshift(cp) by hand: the builtin is a runtime call (the lists are short)
    for (let j = list.length; j > 0; j--) list[j] = list[j - 1];
    list[0] = cp;
    return false;
  }

  pop(): boolean {
    const c = this.c, log = this.log, tracer = this.tracer;
    const next = c.stack.pop();
    if (!next) return false;
    // a lazy copy's pending path gets its own state and piece now (lazyCopy)
    if (c.stack.length < c.lazy) {
      c.lazy = c.stack.length;
      next.state = cloneState(next.state);
      next.hist = copyHist(next.hist);
    }
    c.path = next;
    tracer?.start(c.path.prev, c.path.pc, cur(c.path.state));
    if (log) {
      this.pendingFrom = `from ${c.path.prev} to ${c.path.pc}:`;
      log.push('');
    }
    return true;
  }

  stats() {
    const c = this.c;
    return `processed ${c.processed} insns (limit ${this.limit}) max_states_per_insn ${c.maxPer} total_states ${c.totalStates} peak_states ${c.peakStates} mark_read 0`;
  }

  /** The verdict of a rejection, thrown (fail) or returned (reject). */
  rejection(e: VerifierError): Verdict {
    const log = this.log;
    if (log) log.push(e.message, this.stats());
    return this.verdict({ index: e.index, message: e.message });
  }

  verdict(error?: { index: number; message: string }): Verdict {
    const c = this.c, tracer = this.tracer;
    // (the optional fields added after, not spread in: a spread literal is built by the slow
    // generic copy, at every check's end)
    const v: { -readonly [K in keyof Verdict]: Verdict[K] } = {
      ok: !error, error, processed: c.processed, totalStates: c.totalStates, peakStates: c.peakStates, maxStatesPerInsn: c.maxPer, log: this.log, entry: this.entry, idGen: this.idGen, stackDepths: stackDepthsOf(this.cfg, c.stackDepth),
    };
    if (tracer) {
      v.trace = tracer.paths;
      v.traceTruncated = tracer.truncated;
    }
    if (this.live.trace) v.stackLiveLog = this.live.trace;
    return v;
  }
}

/** RunEnv objects no run is using (a run inside a run, the incremental checker's baseAt from a step hook, takes another). */
const free: RunEnv[] = [];

/**
 * Explore from the context `c` (mutated). `onStep` is called with the context before each
 * instruction is processed (the incremental checker's snapshots and first-visit record).
 */
export function run(prog: Program, cfg: Cfg, opts: Options, c: Ctx, onStep?: (c: Ctx, pc: number) => void): Verdict {
  const live = c.live ??= new StackLiveness(cfg);
  if (opts.stackLiveLog) live.trace ??= [];
  const env = free.pop() ?? new RunEnv();
  try {
    return explore(env.start(prog, cfg, opts, c, live), prog, cfg, opts, c, onStep);
  } finally {
    env.end();
    free.push(env);
  }
}

/** The log's names and sizes of the program's maps (made for a log only, outside explore: a closure there would give every run a context). */
function mapNames(prog: Program): (i: number) => { name: string; ks: number; vs: number } {
  return (i) => ({ name: prog.maps[i]?.name ?? `map${i}`, ks: prog.maps[i]?.keySize ?? 0, vs: prog.maps[i]?.valueSize ?? 0 });
}

/** run()'s exploration, with its env set up. */
function explore(env: RunEnv, prog: Program, cfg: Cfg, opts: Options, c: Ctx, onStep?: (c: Ctx, pc: number) => void): Verdict {
  const mapInfo = env.log ? mapNames(prog) : undefined;
  // what the loop reads at every instruction, in local bindings
  const cx = c, lv = env.live, en = env, pruneAt = cfg.prune, jmpAt = cfg.jmp, badAt = cfg.bad, opsAt = cfg.ops, kindAt = env.kinds, push = env.push;
  const hook = onStep, lim = env.limit, logs = env.log, firsts = env.entry, tr = env.tracer, plain = !logs && !tr;
  try {
    if (logs && cx.processed === 0) logs.push(`0: ${printFrame(cur(cx.path.state), mapInfo!, undefined, undefined, cx.path.state.refs)}`);
    tr?.start(-1, 0, cur(cx.path.state));
    for (;;) {
      const pc = cx.path.pc;
      if (hook) {
        cx.idGen = en.idGen;
        hook(cx, pc);
        // the hook took steps over (replay.ts): go on from where they leave the path
        if (cx.path.pc !== pc) {
          en.idGen = cx.idGen;
          // (which may have raised a function's stack depth: noteDepth's kept depth read again)
          en.forgetDepth();
          continue;
        }
      }
      if (++cx.processed > lim) fail(pc, `BPF program is too large. Processed ${cx.processed} insn`);
      if (pruneAt[pc] && en.visited(pc)) {
        tr?.safe(pc);
        if (logs) logs.push(en.pendingFrom ? `${en.pendingFrom} safe` : `${pc}: safe`);
        en.pendingFrom = '';
        en.endPath();
        // (after the last path nothing asks the liveness again: its update is only logged)
        if (cx.stack.length || lv.trace) lv.update(cx.path.state);
        if (!en.pop()) break;
        continue;
      }
      const path = cx.path;
      if (jmpAt[pc]) en.hist();
      if (firsts && !firsts[pc]) firsts[pc] = cloneState(path.state);
      if (badAt[pc]) fail(pc, badAt[pc]!);
      const op = opsAt[pc]!;
      const kind = kindAt[pc];
      const st = path.state;
      if (kind === SK_ALU && plain) {
        // an ALU instruction without a log or trace: what the general body below does for it,
        // told by its kind (no jump, exit or call: the call chain stays, no jump is counted, the
        // next instruction is the next slot; and no stack slot written: the stack liveness has
        // only the visit to record)
        recordStep(path.hist, pc);
        const alu = op as Op & { kind: 'alu' };
        const e = aluStep(en, st, pc, alu, push, cloneState);
        if (e !== undefined) {
          // (the liveness as begin leaves it for a rejected instruction)
          lv.begin(st, pc);
          reject(en, pc, e);
          return en.rejection(en.rejected!);
        }
        lv.visitWithoutWrites(st, pc);
        path.pc = pc + 1;
        continue;
      }
      let before: State['frames'][number]['stack'] | undefined;
      if (logs) {
        if (en.pendingFrom) logs.push(`${en.pendingFrom} ${printFrame(cur(st), mapInfo!, undefined, undefined, st.refs)}`);
        en.pendingFrom = '';
        logs.push(`${pc}: (${prog.insns[pc].code.toString(16).padStart(2, '0')}) ${formatKernel(op)}`);
        before = cur(st).stack.slice();
      }
      const depth = st.frames.length;
      // the history records the step, and an entry only where the walk cannot infer it (see Hist)
      recordStep(path.hist, pc);
      if (kind === SK_JCOND) {
        // a note of linked registers without any (LINKED alone) changes nothing the walk does
        const note = auxOf(st, op as Op & { kind: 'jcond' }, pc, cfg.live);
        if (note !== -1 && note !== LINKED) noteStep(path.hist, note);
      }
      lv.begin(st, pc);
      // a function's exit brings its liveness up to date while the state is still inside it
      if (kind === SK_EXIT && depth > 1) lv.update(st);
      const next = step(en, st, pc, op, push, kind);
      // (the instruction stopped as a throw would have: nothing after it is recorded)
      if (next === REJECTED) return en.rejection(en.rejected!);
      if (st.frames.length !== depth) lv.resetChain();
      else lv.commit();
      if (logs && st.frames.length === depth && kind !== SK_EXIT) {
        const f = cur(st);
        const slots = new Set<number>();
        for (let i = 0; i < Math.max(f.stack.length, before!.length); i++) if (f.stack[i] !== before![i]) slots.add(i);
        const text = printFrame(f, mapInfo!, touched(op), slots, st.refs);
        if (text) logs[logs.length - 1] = `${logs[logs.length - 1].padEnd(38)}; ${text}`;
      }
      tr?.step(pc, next < 0 ? undefined : cur(st));
      // exit, conditional jumps, ja, may_goto and calls count as jumps
      if (kind >= SK_EXIT && kind <= SK_LOCAL_CALL) cx.jmps++;
      if (next < 0) {
        en.endPath();
        if (cx.stack.length || lv.trace) lv.update(cx.path.state);
        if (!en.pop()) break;
        continue;
      }
      path.pc = next;
    }
  } catch (e) {
    if (e instanceof VerifierError) return en.rejection(e);
    throw e;
  }
  const deep = stackCheck(prog, cfg, c.stackDepth);
  if (deep) {
    if (logs) logs.push(deep, en.stats());
    return en.verdict({ index: 0, message: deep });
  }
  // do_misc_fixups: an unprivileged tail call must use one prog array on every path (its index is masked against it)
  if (opts.privileged === false) {
    for (const [pc, m] of c.tailMaps) {
      if (m >= 0) continue;
      if (logs) logs.push('tail_call abusing map_ptr');
      return en.verdict({ index: pc, message: 'tail_call abusing map_ptr' });
    }
  }
  if (logs) logs.push(en.stats());
  return en.verdict();
}


/** Verdict.stackDepths: each function's deepest stack byte, in subprogram order. */
function stackDepthsOf(cfg: Cfg, depth: Map<number, number>): number[] {
  // (a loop, not a map with a closure; one function, most programs: a literal, not a push into an empty array)
  if (cfg.subprogs.length === 1) return [depth.get(cfg.subprogs[0]) ?? 0];
  const out: number[] = [];
  for (const f of cfg.subprogs) out.push(depth.get(f) ?? 0);
  return out;
}

/**
 * The verdict run(prog, cfg, opts, c) gives when the first instruction it processes is rejected
 * with check_reg_arg's `R%d !read_ok` (step.ts firstUnread), worked out without running, so
 * without copying c (a snapshot the incremental checker resumes from: left as it is). Up to that
 * read nothing else can answer: no hook, no log, the instruction within the limit, no static
 * rejection at it, and at a prune point no explored state of its list (nothing to prune against:
 * visited() only adds a checkpoint when it wants one). Undefined when run() must tell.
 */
export function unreadAtResume(cfg: Cfg, opts: Options, c: Ctx): Verdict | undefined {
  if (opts.states || opts.trace || opts.entries || opts.stackLiveLog) return undefined;
  const pc = c.path.pc, st = c.path.state, regs = st.frames[st.frames.length - 1].regs;
  // an identity test on the registers the slot reads first (every unset register of a run is NOT_INIT but rare ones: run() finds those)
  let m = cfg.slots.use[pc];
  while (m !== 0 && regs[31 - Math.clz32(m & -m)] !== NOT_INIT) m &= m - 1;
  if (m === 0 || cfg.bad[pc] || c.processed + 1 > (opts.limit ?? COMPLEXITY_LIMIT)) return undefined;
  const kind = cfg.slots.kind[pc];
  const r = firstUnread(regs, cfg.ops[pc]!, kind);
  if (r < 0) return undefined;
  let added = 0;
  if (cfg.prune[pc]) {
    if (kind === SK_MAYGOTO) return undefined;
    if (c.explored[bucketOf(pc, st.frames[st.frames.length - 1].callsite, c.explored.length)]?.length) return undefined;
    // visited()'s checkpoint, made when wanted (an empty list has no state to stop it)
    if (c.path.jh > 40 || manyJumpsSince(c, c.processed + 1)) added = 1;
  }
  return {
    ok: false, error: { index: pc, message: `R${r} !read_ok` }, processed: c.processed + 1, totalStates: c.totalStates + added, peakStates: c.peakStates + added, maxStatesPerInsn: c.maxPer,
    log: undefined, entry: undefined, idGen: c.idGen, stackDepths: stackDepthsOf(cfg, c.stackDepth),
  };
}

/** is_state_visited's own reason for a checkpoint: 2+ jumps and 8+ instructions since the last one (`processed`: the count at the visit). */
function manyJumpsSince(c: Ctx, processed: number): boolean {
  return c.jmps - c.prevJmps >= 2 && processed - c.prevInsns >= 8;
}

/** Most instructions an unprivileged program may have (include/uapi/linux/bpf_common.h). */
const BPF_MAXINSNS = 4096;

/**
 * check_max_stack_depth (JIT: frames rounded up to 16 bytes; tracing programs use private stacks,
 * so their sizes are not summed). The walk of the call graph is static: a recursion that do_check
 * found bounded still reaches 8 frames here.
 */
function stackCheck(prog: Program, cfg: Cfg, depth: Map<number, number>): string | undefined {
  const privStack = prog.type === 'kprobe' || prog.type === 'tracepoint' || prog.type === 'raw_tracepoint' || prog.type === 'perf_event';
  return stackWalk(cfg, depth, privStack, 0, 0, 1);
}

const round16 = (d: number): number => Math.ceil(d / 16) * 16;

/** One function of check_max_stack_depth's walk (module level: a closure per check costs under tsx). */
function stackWalk(cfg: Cfg, depth: Map<number, number>, privStack: boolean, f: number, total: number, frames: number): string | undefined {
  if (!privStack) {
    total += round16(depth.get(f) ?? 0);
    if (total > 512) return `combined stack size of ${frames} calls is ${total}. Too large`;
  }
  const end = cfg.subprogs[cfg.subprogs.indexOf(f) + 1] ?? cfg.ops.length;
  // the bpf-to-bpf calls found by the slot table's kinds (a byte per slot: reading each raw
  // instruction's code and source register was ~1.5% of a small program's re-check)
  const kind = cfg.slots.kind;
  for (let i = f; i < end; i++) {
    if (kind[i] !== SK_LOCAL_CALL) continue;
    if (frames >= 8) return `the call stack of ${frames} frames is too deep !`;
    const r = stackWalk(cfg, depth, privStack, calleeSlot(cfg.ops[i] as Op & { kind: 'call' }, i), total, frames + 1);
    if (r) return r;
  }
  return undefined;
}
