// Straight-line register steps a resumed re-check takes over from the baseline instead of running
// them: where the candidate enters a run of the baseline's ALU and lddw steps (scalars only, no
// prune or jump point, no fork, no changed slot) with the registers the run reads alike to the
// baseline's there, up to a renaming of ids, those steps compute what the baseline's did, renamed
// (the instructions, their slot tables and the inputs are the same, and such a step reads nothing
// else), so the candidate takes the baseline's results and does the bookkeeping each step does
// besides computing: the instruction count, the history piece and the stack liveness's visit (no
// slot is read or written). Nothing else of the exploration is touched by such a step.
//
// Why a renaming is exact: such a step reads only the current frame's registers it uses before
// writing them (SlotTable.use, the liveness's own) and the id counter, and writes only the
// registers it defines and, for a move, its source (assign_scalar_id_before_mov) and the counter.
// What it does with an id is a function of the id's being zero and carrying ADD_CONST (it copies
// an id, keeps it with ADD_CONST, drops it, or takes the counter's next): never of its number. So
// with the read registers equal field by field but for ids, the ids paired one to one (zero with
// zero, ADD_CONST with ADD_CONST), the candidate's results are the baseline's with each id of a
// read register renamed to its pair and each id the run allocated (above the baseline's counter
// at the entry: every id in use is at most the counter) moved by the difference of the counters.
import { SK_ALU, SK_LDDW } from '../isa/flow.ts';
import type { Op } from '../isa/op.ts';
import { ADD_CONST } from './alu.ts';
import type { Cfg } from './cfg.ts';
import type { Ctx, Path } from './analyze.ts';
import { recordSteps } from './precision.ts';
import { regWith, sameScalar, type Reg } from './regs.ts';
import type { State } from './state.ts';

/** Fewest steps a take-over must spare (a state comparison costs about a few steps). */
const MIN_TAKE = 4;
/** Most baseline visits of one instruction compared at an entry. */
const MAX_VISITS = 4;
/**
 * An instruction's comparisons are thinned out once RECORD of them have been made and fewer than
 * one in RARE took (then only every PROBE-th ask compares): a comparison costs a few hundred ns
 * and a take spares ~20 ns per step, so asking where the candidates' registers seldom match the
 * baseline's (a loop's later iterations: xdp_csum_loop took at 64 of 1,630 comparisons on the bench
 * candidates) costs more than it spares. The counts are halved at 4 * RECORD, so a changed
 * record shows.
 */
const RECORD = 16;
const RARE = 4;
const PROBE = 16;
/**
 * Most baseline steps recorded (the later ones are never taken over): a step costs ~30 bytes and
 * a register step its registers' copy besides, so a log stays within a few MB (xdpfilt_alw_all
 * runs 81,905 steps).
 */
const MAX_LOGGED = 1 << 15;

/** The register steps of the baseline's run, as replay needs them (recorded by the constructor's step hook). */
export class StepLog {
  /** Per step: its instruction. */
  private readonly pcs: number[] = [];
  /** Per step: the id counter before it. */
  private readonly gens: number[] = [];
  /** Per step: 1 when it is a register step the baseline went on from on the same path without a fork. */
  private readonly ok: number[] = [];
  /** Per step: the current frame's registers before it (register steps and the step after one; else undefined). */
  private readonly regs: (Reg[] | undefined)[] = [];
  /** Per step: the registers its run (from it on) reads before writing them, as a mask (-1: not yet worked out). */
  private readonly reads: number[] = [];
  /** Per step: how many ok steps start at it (-1: not yet worked out). */
  private readonly lens: number[] = [];
  /** Per step: the registers its whole run (lens ok steps from it on) writes, as a mask (-1: not yet worked out). */
  private readonly writes: number[] = [];
  /**
   * Per instruction: its register steps that may start a take-over (at most MAX_VISITS), then,
   * from the first take asked there (the log complete), only those starting MIN_TAKE ok steps or
   * more (undefined when none does: most tries met only shorter runs, which no comparison can
   * make a take; xdp_balancer 96% of them, xdp_scale_mix 71%).
   */
  private readonly at: (number[] | undefined)[];
  /** Per instruction: 1 once its visits in `at` are only those that can start a take. */
  private readonly long: Uint8Array;
  /** Per instruction: the comparisons made at it, those that took, and the asks since the last one (see RECORD). */
  private readonly compared: Int32Array;
  private readonly took: Int32Array;
  private readonly asked: Int32Array;
  private lastPath: Path | undefined;
  private lastStack = 0;
  /** The last step may be taken over (its kind, scalars, marks), pending its follower's check. */
  private lastMay = false;
  /** The steps taken over are ok steps in a row: how many end just before the current one, and the most that ever did. */
  private runLength = 0;
  private longest = 0;

  constructor(private readonly cfg: Cfg) {
    this.at = new Array<number[] | undefined>(cfg.ops.length).fill(undefined);
    this.long = new Uint8Array(cfg.ops.length);
    this.compared = new Int32Array(cfg.ops.length);
    this.took = new Int32Array(cfg.ops.length);
    this.asked = new Int32Array(cfg.ops.length);
  }

  /** Can any take come from this log (a run of MIN_TAKE ok steps)? */
  get takesAny(): boolean {
    return this.longest >= MIN_TAKE;
  }

  /** Record the step about to run (the constructor's hook, before each instruction). */
  note(c: Ctx, pc: number): void {
    const k = this.pcs.length, st = c.path.state;
    if (k === MAX_LOGGED) return;
    const prevGoes = this.lastMay && c.path === this.lastPath && c.stack.length === this.lastStack;
    if (k > 0 && prevGoes) {
      this.ok[k - 1] = 1;
      const l = (this.at[this.pcs[k - 1]] ??= []);
      if (l.length < MAX_VISITS) l.push(k - 1);
    }
    const may = mayTake(this.cfg, st, pc);
    this.pcs.push(pc);
    this.gens.push(c.idGen);
    this.ok.push(0);
    this.reads.push(-1);
    this.lens.push(-1);
    this.writes.push(-1);
    const top = st.frames[st.frames.length - 1].regs;
    this.regs.push(may || prevGoes ? top.slice() : undefined);
    this.runLength = prevGoes ? this.runLength + 1 : 0;
    if (this.runLength > this.longest) this.longest = this.runLength;
    this.lastPath = c.path;
    this.lastStack = c.stack.length;
    this.lastMay = may;
  }

  /**
   * Take over the baseline's steps from the candidate's step at pc (c: its exploration before it)
   * when one of the baseline's visits of pc had the registers its run reads alike up to a renaming
   * of ids (the module's comment), up to the first step that is not a register step or whose slot
   * `stop` marks (all of them within slots [stopLo, stopHi]): the steps taken over (c's current path then stands before the first step not
   * taken, its registers and id counter the baseline's after them, renamed), or 0 (c left as it was).
   */
  take(c: Ctx, pc: number, stop: Uint8Array, limit: number, stopLo = 0, stopHi = stop.length - 1): number {
    const ks = this.long[pc] ? this.at[pc] : this.longVisits(pc);
    if (ks === undefined) return 0;
    const tried = this.compared[pc];
    if (tried >= RECORD && this.took[pc] * RARE < tried && ++this.asked[pc] % PROBE !== 0) return 0;
    this.asked[pc] = 0;
    if (tried === 4 * RECORD) {
      this.compared[pc] = tried >> 1;
      this.took[pc] >>= 1;
    }
    this.compared[pc]++;
    const st = c.path.state, top = st.frames[st.frames.length - 1].regs;
    for (const k of ks) {
      const before = this.regs[k]!;
      let pairs = readsAlike(top, before, this.readsOf(k));
      if (pairs < 0) continue;
      const pcs = this.pcs, len = this.lengthOf(k);
      let n = len;
      if (len > 0 && pcs[k + len - 1] >= stopLo && pcs[k] <= stopHi) for (n = 0; n < len && !stop[pcs[k + n]]; ) n++;
      if (n < MIN_TAKE || c.processed + n > limit) continue;
      // the results, renamed (a result with an id neither paired nor allocated by the run cannot be: refused whole)
      const after = this.regs[k + n]!, from = this.gens[k], shift = c.idGen - from;
      // (a register the run writes is its result even where the baseline's object before the run
      // was that very result, as a loop's second pass finds the one its first pass made: the
      // candidate's own, which the run need not read, may be another)
      const written = this.writesOf(k, n);
      let changed = 0;
      for (let r = 0; r < RUN_REGS; r++) {
        const x = after[r];
        if (x === before[r] && !(written & (1 << r))) continue;
        const id = renamed(x.id, pairs, from, shift);
        if (id === undefined) {
          pairs = -1;
          break;
        }
        out[r] = id === x.id ? x : regWith(x, x.v, x.off, id, x.range);
        changed |= 1 << r;
      }
      if (pairs < 0) continue;
      const live = c.live!, hist = c.path.hist;
      recordSteps(hist, pcs, k, n);
      live.visitAllWithoutWrites(st, pcs, k, n);
      for (let r = 0; r < RUN_REGS; r++) if (changed & (1 << r)) top[r] = out[r];
      c.processed += n;
      c.idGen = this.gens[k + n] + shift;
      c.path.pc = pcs[k + n];
      this.took[pc]++;
      return n;
    }
    return 0;
  }

  /** at[pc] left with the visits whose runs a take may come from (asked once the log is complete). */
  private longVisits(pc: number): number[] | undefined {
    this.long[pc] = 1;
    const ks = this.at[pc]?.filter((k) => this.lengthOf(k) >= MIN_TAKE);
    return (this.at[pc] = ks?.length ? ks : undefined);
  }

  /** How many ok steps start at step k (worked out once for every step of its run). */
  private lengthOf(k: number): number {
    const known = this.lens[k];
    if (known >= 0) return known;
    let end = k;
    while (this.ok[end]) end++;
    for (let i = k; i <= end; i++) this.lens[i] = end - i;
    return end - k;
  }

  /** The registers steps k .. k + n - 1 write (their destinations; kept per step for a whole run). */
  private writesOf(k: number, n: number): number {
    const whole = n === this.lens[k];
    if (whole && this.writes[k] >= 0) return this.writes[k];
    const kill = this.cfg.slots.kill;
    let w = 0;
    for (let i = k; i < k + n; i++) w |= kill[this.pcs[i]];
    if (whole) this.writes[k] = w;
    return w;
  }

  /** The registers step k's run reads before writing them (as far as the run goes, or until every one is read or written). */
  private readsOf(k: number): number {
    const known = this.reads[k];
    if (known >= 0) return known;
    const { use, kill } = this.cfg.slots;
    let reads = 0, written = 0;
    for (let i = k; this.ok[i] && (reads | written) !== ALL_RUN_REGS; i++) {
      const p = this.pcs[i];
      reads |= use[p] & ~written;
      written |= kill[p];
    }
    return (this.reads[k] = reads);
  }
}

/** The registers a run can read or write: r0-r9 (r10 is a pointer, which ends a run). */
const RUN_REGS = 10;
const ALL_RUN_REGS = (1 << RUN_REGS) - 1;

/**
 * take's id pairs, baseline id then candidate id (without ADD_CONST) at [2i] and [2i + 1], and
 * its renamed results (one take at a time: module scratch, no allocation per take).
 */
const idPairs = new Int32Array(2 * RUN_REGS);
const out: Reg[] = [];

/**
 * The fields readsAlike compares, every one of Reg's, `id` by pairing (a field added to Reg fails
 * tsc here until readsAlike compares it: a field left out would let a take through that is not
 * exact).
 */
const ALIKE_FIELDS = { type: 1, v: 1, off: 1, id: 1, range: 1, map: 1, rdonly: 1, refObj: 1, ringbuf: 1, dynptrId: 1 } satisfies Record<keyof Reg, 1>;
void ALIKE_FIELDS;

/**
 * Are the candidate's registers `a` alike to the baseline's `b` on `mask`, field by field but for
 * ids, which must pair one to one (zero with zero, ADD_CONST with ADD_CONST)? The pairs made in
 * idPairs (their count), or -1.
 */
function readsAlike(a: readonly Reg[], b: readonly Reg[], mask: number): number {
  let pairs = 0;
  for (let m = mask; m !== 0; m &= m - 1) {
    const r = 31 - Math.clz32(m & -m), x = a[r], y = b[r];
    if (x !== y) {
      if (x.type !== y.type || x.off !== y.off || x.range !== y.range || x.map !== y.map) return -1;
      if (x.rdonly !== y.rdonly || x.refObj !== y.refObj || x.ringbuf !== y.ringbuf || x.dynptrId !== y.dynptrId) return -1;
      if (!sameScalar(x.v, y.v)) return -1;
    }
    const p = y.id, q = x.id;
    if (p === 0 && q === 0) continue;
    if (p === 0 || q === 0 || (p < 0) !== (q < 0)) return -1;
    const bp = p & 0x7fffffff, bq = q & 0x7fffffff;
    let i = 0;
    while (i < pairs && idPairs[2 * i] !== bp && idPairs[2 * i + 1] !== bq) i++;
    if (i === pairs) {
      idPairs[2 * pairs] = bp;
      idPairs[2 * pairs + 1] = bq;
      pairs++;
    } else if (idPairs[2 * i] !== bp || idPairs[2 * i + 1] !== bq) return -1;
  }
  return pairs;
}

/**
 * The candidate's id for a baseline result's id: its pair's (with the result's ADD_CONST), or one
 * the run allocated (above `from`, the baseline's counter at the entry) moved by `shift`;
 * undefined for any other (a result of the run has no such id).
 */
function renamed(id: number, pairs: number, from: number, shift: number): number | undefined {
  if (id === 0) return 0;
  const base = id & 0x7fffffff, flag = id < 0 ? ADD_CONST : 0;
  if (base > from) return (base + shift) | flag;
  for (let i = 0; i < pairs; i++) if (idPairs[2 * i] === base) return idPairs[2 * i + 1] | flag;
  return undefined;
}

/** Is the step at pc a register step that reads and writes scalars alone, outside prune and jump points? */
function mayTake(cfg: Cfg, st: State, pc: number): boolean {
  const kind = cfg.slots.kind[pc];
  if ((kind !== SK_ALU && kind !== SK_LDDW) || cfg.prune[pc] || cfg.jmp[pc] || cfg.bad[pc]) return false;
  if (kind === SK_LDDW) return true;
  const op = cfg.ops[pc] as Op & { kind: 'alu' };
  const regs = st.frames[st.frames.length - 1].regs;
  if ('reg' in op.src && regs[op.src.reg].type !== 'scalar') return false;
  return op.op === 'mov' || op.op === 'movsx' || regs[op.dst].type === 'scalar';
}
