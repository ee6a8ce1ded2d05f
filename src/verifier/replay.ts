// Straight-line register steps a resumed re-check takes over from the baseline instead of running
// them: where the candidate enters a run of the baseline's ALU, BPF_END and lddw steps (scalars,
// and the pointer steps below; no prune or jump point, no fork, no changed slot) with the
// registers the run reads alike to the
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
//
// Pointer steps (privileged, as the whole take-over): a 64-bit move of a pointer hands on the very
// register; a constant added to or taken from a pointer (ptrArith with an immediate: the fixed
// offset moved, or the step rejected) reads only the pointer and writes only its destination (no
// sanitation when privileged, no precision mark and no id: those come with a register operand);
// one pointer taken from another gives the unknown scalar. Pointers are compared field by field
// as scalars are, ids paired.
//
// Memory steps (stepKind) a run may span besides, privileged as the whole take-over:
// - A load or store through a packet or map value pointer reads its pointer register (and, a
//   store, its source: only whether it is set, as the register compared shows) and the program's
//   map and type (the same); it writes nothing but a load's destination (check_mem_access:
//   the unknown scalar truncated, or a read-only map's constant), the instruction's pointer type
//   (save_aux_ptr_type) and the visit the liveness records for any step without a stack write.
// - A fixed-offset load or store on the current frame's stack (r10 or a copy, no variable part)
//   reads its registers (r10 among them: its frame), the slot it accesses (a load its byte kinds
//   and spilled register; a store the old slot's bytes it keeps and whether it holds a dynptr),
//   and the id counter (a spill of an unknown scalar without an id gives it the next, source and
//   slot alike). It writes the slot, a load's destination, a spill's source (that id), the
//   counter, the function's stack depth (update_stack_depth), the pointer type, the liveness (a
//   load marks its slot read, a whole aligned slot stored marks it written, between the step's
//   begin and commit), the history (the step, then the spill or fill's slot as its note) and
//   the path's jump count. A zero stored below a whole slot marks its register precise (a walk
//   back over the history): never taken.
// A take compares every slot its run accesses at the run's entry (the first access is the first
// read of it: no store before it in the run), alike as registers are, ids paired with theirs, and
// the frame count (r10's frame): so every step computes what the baseline's did, renamed, as for
// the register steps above. What it writes is then the baseline's, renamed: the registers
// (above) and every slot the run stores to (its content after the run: a slot the run writes is
// written even where the candidate's object before it is another, as for registers). The rest is
// the bookkeeping each step does as it did in the baseline's run, in the same order: the history
// and the note the baseline's step made (recorded at its next step, as the entry it added or the
// note it set on its own entry) and the jump count it added; the liveness calls the step makes
// (read or write of its slot: fixed by the step and its compared registers); the pointer type,
// set where the candidate has none (the run ends before a step whose instruction the candidate
// saw with another type: save_aux_ptr_type would compare them) and the function's stack depth,
// raised to the step's where below it (update_stack_depth; explore has noteDepth read the depths
// again after a take). The processed count and the id counter are moved as for register steps.
//
// The bookkeeping in bulk (planOf, replayEffects): a run's steps that do more than a straight
// register step's (a memory step, a note, a jump count, or a step that does not follow the one
// before it: an lddw's follower) are packed once per visit into a plan, the log's own records of
// them; every other step of the run follows the one before it. So the history's per-step rule (an
// entry only where a step's predecessor in the piece is not the slot before it) makes entries only
// at a piece's first step and at the plan's steps, and recordStraight applies it once per piece;
// the liveness visits of a piece are those of its slots, counted (visitStraight); the plan's steps
// get their own records (notes, slot reads and writes, pointer types, depths) in the same order as
// running them makes them.
//
// A run's start (alikeFor): where a visit's registers are unlike the candidate's on some register
// its run reads, the steps before the first step that reads such a register (before the run
// writes it) are a run of their own: what they read is a part of what the whole run reads, all
// of it compared alike (ids paired over those reads alone), so they compute what the baseline's
// did, renamed, as above; a run cut short by a changed slot or a pointer type is the same shape.
// What they write is the baseline's after them (regs and stacks at the cut step). A register the
// cut run touches is one it reads (compared) or writes (given its result), so every other
// register, unlike or not, is left the candidate's own: the baseline's object after the cut is its
// object before it. Slots: every slot of the whole run is compared (more than the start reads).
import { SK_ALU, SK_LDDW, SK_LDX, SK_OTHER, SK_ST, SK_STX } from '../isa/flow.ts';
import type { Op } from '../isa/op.ts';
import { ADD_CONST } from './alu.ts';
import type { Cfg } from './cfg.ts';
import { type Ctx, type Path, ownPtrTypes, ownStackDepth } from './analyze.ts';
import { noteStep, recordStraight } from './precision.ts';
import { isNull, regWith, sameScalar, typeStr, type Reg } from './regs.ts';
import { MAX_STACK, SLOTS, slotOf, spiOf, type Slot, type Stack } from './stack.ts';
import { ownStack, type State } from './state.ts';

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

/** The baseline's run, step by step, as replay needs it (recorded by the constructor's step hook; stepKind says which steps a take may span). */
export class StepLog {
  /** Per step: its instruction. */
  private readonly pcs: number[] = [];
  /** Per step: the id counter before it. */
  private readonly gens: number[] = [];
  /** Per step: 1 when a take may span it (stepKind) and the baseline went on from it on the same path without a fork. */
  private readonly ok: number[] = [];
  /** Per step: the current frame's registers before it (steps a take may span and the step after one; else undefined). */
  private readonly regs: (Reg[] | undefined)[] = [];
  /** Per step: what a memory step does besides computing registers (MEM_*; 0 for a register step). */
  private readonly mem: number[] = [];
  /** Per step: a stack step's slot, -1 for any other. */
  private readonly spis: number[] = [];
  /** Per step: a memory step's pointer type as recorded per instruction (typeStr), undefined for any other. */
  private readonly types: (string | undefined)[] = [];
  /** Per step: a stack step's depth (update_stack_depth's), 0 for any other. */
  private readonly deep: number[] = [];
  /** Per step: the history note it made (a spill or fill's slot), -1 for none; and what it added to the path's jump count. */
  private readonly notes: number[] = [];
  private readonly jhs: number[] = [];
  /** Per step: 1 when it does more than a register step's bookkeeping (a memory step, a note, a jump count). */
  private readonly fx: number[] = [];
  /** Per step: the current frame's stack slots before it (recorded with `regs`; one copy shared by the steps until a stack store). */
  private readonly stacks: (Stack | undefined)[] = [];
  /** Per step: how many frames its state has. */
  private readonly frameCounts: number[] = [];
  /** Per step: the stack slots its run accesses (each compared at the run's entry), once worked out. */
  private readonly slotsRead: (number[] | undefined)[] = [];
  /** Per step: its run's plan (planOf), once worked out. */
  private readonly plans: (Int32Array | undefined)[] = [];
  /** The memory steps' pointer types (typeStr), each once: a plan names one by its index here. */
  private readonly typeNames: string[] = [];
  /** Per step: the registers its run (from it on) reads before writing them, as a mask (-1: not yet worked out). */
  private readonly reads: number[] = [];
  /** Per step: how many ok steps start at it (-1: not yet worked out). */
  private readonly lens: number[] = [];
  /** Per step: the registers its whole run (lens ok steps from it on) writes, as a mask (-1: not yet worked out). */
  private readonly writes: number[] = [];
  /**
   * Per instruction: its steps that may start a take-over (at most MAX_VISITS), then,
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
  /** The path's jump count, history entries and last entry's note before the last step (its note and jump count worked out at the next). */
  private lastJh = 0;
  private lastEntries = 0;
  private lastNote = 0;
  /** The last step may be taken over (its kind, scalars, marks), pending its follower's check. */
  private lastMay = false;
  /**
   * Register steps on scalars (no memory or pointer step) the baseline went on from in a row: how
   * many end just before the current one, and the most that ever did (a program without MIN_TAKE
   * of them in a row keeps no log: measured, xdp_parse_drop's memory steps and core_task's pointer
   * steps make runs their re-checks gain nothing from, and the log cost their re-checks more than
   * the hook's rest spares).
   */
  private runLength = 0;
  private longest = 0;
  /** The last step is a register step on scalars alone (no pointer step). */
  private lastScalar = false;

  constructor(private readonly cfg: Cfg) {
    this.at = new Array<number[] | undefined>(cfg.ops.length).fill(undefined);
    this.long = new Uint8Array(cfg.ops.length);
    this.compared = new Int32Array(cfg.ops.length);
    this.took = new Int32Array(cfg.ops.length);
    this.asked = new Int32Array(cfg.ops.length);
  }

  /** Is this log worth keeping (a run of MIN_TAKE register steps)? */
  get takesAny(): boolean {
    return this.longest >= MIN_TAKE;
  }

  /** May a take start at pc (a visit of it starts a run: else take answers 0 without comparing)? */
  startsAt(pc: number): boolean {
    return this.at[pc] !== undefined;
  }

  /** Record the step about to run (the constructor's hook, before each instruction). */
  note(c: Ctx, pc: number): void {
    const k = this.pcs.length, st = c.path.state;
    if (k === MAX_LOGGED) return;
    const prevGoes = this.lastMay && c.path === this.lastPath && c.stack.length === this.lastStack;
    const h = c.path.hist, e = h.e, entries = e === null ? 0 : e.length;
    if (k > 0 && prevGoes) {
      this.ok[k - 1] = 1;
      const l = (this.at[this.pcs[k - 1]] ??= []);
      if (l.length < MAX_VISITS) l.push(k - 1);
      // the step's own note: on the entry it made, or on the one it found at its slot (the piece's last)
      const noted = e !== null && e[entries - 3] === this.pcs[k - 1] && (entries > this.lastEntries || e[entries - 1] !== this.lastNote);
      const note = noted ? e![entries - 1] : -1, jh = c.path.jh - this.lastJh;
      this.notes[k - 1] = note;
      this.jhs[k - 1] = jh;
      if (note !== -1 || jh !== 0) this.fx[k - 1] = 1;
    }
    const top = st.frames[st.frames.length - 1];
    const m = stepKind(this.cfg, st, pc);
    const may = m !== NOT_TAKEN;
    this.pcs.push(pc);
    this.gens.push(c.idGen);
    this.ok.push(0);
    this.reads.push(-1);
    this.lens.push(-1);
    this.writes.push(-1);
    this.mem.push(may ? m : 0);
    this.spis.push(may && m >= MEM_LOAD ? info.spi : -1);
    this.types.push(may && m !== 0 ? info.type : undefined);
    this.deep.push(may && m >= MEM_LOAD ? info.depth : 0);
    this.notes.push(-1);
    this.jhs.push(0);
    this.fx.push(may && m !== 0 ? 1 : 0);
    this.slotsRead.push(undefined);
    this.plans.push(undefined);
    this.frameCounts.push(st.frames.length);
    const kept = may || prevGoes;
    this.regs.push(kept ? top.regs.slice() : undefined);
    // (the stack is the last step's while that step went on here and stored nothing)
    const last = this.stacks[k - 1];
    this.stacks.push(!kept ? undefined : prevGoes && last !== undefined && this.mem[k - 1] < MEM_STORE ? last : top.stack.slice());
    this.runLength = prevGoes && this.lastScalar ? this.runLength + 1 : 0;
    this.lastScalar = may && m === 0 && !info.pointer;
    if (this.runLength > this.longest) this.longest = this.runLength;
    this.lastPath = c.path;
    this.lastStack = c.stack.length;
    this.lastMay = may;
    this.lastJh = c.path.jh;
    this.lastEntries = entries;
    this.lastNote = entries ? e![entries - 1] : 0;
  }

  /**
   * Take over the baseline's steps (register steps, and the memory steps the module's comment
   * lists: what each reads is compared at the entry, what it writes replayed) from the candidate's
   * step at pc (c: its exploration before it)
   * when one of the baseline's visits of pc had the registers its run reads alike up to a renaming
   * of ids (the module's comment), up to the first step a take may not span (stepKind) or whose slot
   * `stop` marks (all of them within slots [stopLo, stopHi]); where no visit's whole run reads alike,
   * the longest alike start of one (alikeFor, at least MIN_TAKE steps): the steps taken over (c's current path then stands before the first step not
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
    const top = c.path.state.frames[c.path.state.frames.length - 1].regs;
    // a visit whose whole run reads registers alike first; else the longest alike start of a run
    let bestK = -1, bestLen = MIN_TAKE - 1;
    for (const k of ks) {
      const pairs = readsAlike(top, this.regs[k]!, this.readsOf(k));
      if (pairs < 0) {
        const len = this.alikeFor(top, this.regs[k]!, k, this.lengthOf(k));
        if (len > bestLen) {
          bestK = k;
          bestLen = len;
          for (let i = 0; i < 2 * prefixPairs; i++) bestPairs[i] = idPairs[i];
          bestCount = prefixPairs;
        }
        continue;
      }
      const n = this.takeRun(c, k, this.lengthOf(k), pairs, stop, limit, stopLo, stopHi);
      if (n > 0) return this.took[pc]++, n;
    }
    if (bestK < 0) return 0;
    // (the pairs alikeFor made over the best start, back where takeRun reads them)
    for (let i = 0; i < 2 * bestCount; i++) idPairs[i] = bestPairs[i];
    const n = this.takeRun(c, bestK, bestLen, bestCount, stop, limit, stopLo, stopHi);
    if (n > 0) this.took[pc]++;
    return n;
  }

  /**
   * take's take-over from the baseline's step k, at most len steps (the registers they read
   * alike to the candidate's, ids paired: `pairs` in idPairs): the steps taken, or 0.
   */
  private takeRun(c: Ctx, k: number, len: number, pairs: number, stop: Uint8Array, limit: number, stopLo: number, stopHi: number): number {
    const st = c.path.state, frame = st.frames[st.frames.length - 1], top = frame.regs, before = this.regs[k]!;
    const pcs = this.pcs;
    let n = len;
    if (len > 0 && pcs[k + len - 1] >= stopLo && pcs[k] <= stopHi) n = this.beforeStop(k, len, stop, stopLo, stopHi);
    // memory steps: up to the first whose pointer type or stack depth the candidate's records do
    // not already take as the baseline's step found them, with the slots the run accesses alike
    const plan = this.planOf(k);
    const more = plan.length > 0 && plan[P_OFF] < n;
    if (more) {
      n = this.memCut(c, n, plan);
      if (n >= MIN_TAKE && stackIn(n, plan)) {
        if (st.frames.length !== this.frameCounts[k]) return 0;
        pairs = slotsAlike(frame.stack, this.stacks[k]!, this.slotsOf(k), pairs);
        if (pairs < 0) return 0;
      }
    }
    if (n < MIN_TAKE || c.processed + n > limit) return 0;
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
    if (pairs < 0) return 0;
    // (and every slot the run stores to, as with the registers: its content after the run, renamed)
    let slots = 0;
    if (more) {
      const end = this.stacks[k + n]!;
      for (let o = 0; o < plan.length && plan[o + P_OFF] < n && pairs >= 0; o += PLAN) {
        if ((plan[o + P_KIND] & KIND) < MEM_STORE) continue;
        const spi = plan[o + P_SPI], s = renamedSlot(end[spi]!, pairs, from, shift);
        if (s === undefined) pairs = -1;
        else {
          outSlots[slots] = spi;
          outSlots[slots + 1] = s;
          slots += 2;
        }
      }
      if (pairs < 0) return 0;
    }
    // (steps that are all straight register steps: the history one piece, the liveness a visit each)
    if (!more) {
      recordStraight(c.path.hist, pcs[k], n);
      c.live!.visitStraight(st, pcs[k], n);
    } else this.replayEffects(c, st, pcs[k], n, plan);
    for (let r = 0; r < RUN_REGS; r++) if (changed & (1 << r)) top[r] = out[r];
    if (slots) {
      const stack = ownStack(frame);
      for (let i = 0; i < slots; i += 2) stack[outSlots[i] as number] = outSlots[i + 1] as Slot;
    }
    c.processed += n;
    c.idGen = this.gens[k + n] + shift;
    c.path.pc = pcs[k + n];
    return n;
  }

  /**
   * The bookkeeping of the n steps of a run from slot pc on (plan: the run's steps that do more
   * than a straight register step's) as running them does it, each record in the steps' order:
   * the history (the steps, an entry where a step does not follow the one before, a spill or
   * fill's note right after its step), the stack liveness (a visit per step; a stack load's read
   * of its slot or a whole-slot store's write between the step's begin and commit), the path's
   * jump count, the pointer type a memory step records for its instruction where the candidate
   * has none yet, and the function's stack depth.
   */
  private replayEffects(c: Ctx, st: State, pc: number, n: number, plan: Int32Array): void {
    const live = c.live!, hist = c.path.hist;
    const f = st.frames.length - 1, frameno = st.frames[f].frameno, subprog = st.frames[f].subprog;
    // (the steps before offset `from` (slot `at`) are recorded in the history and the liveness:
    // in straight pieces, each ended before a step that does not follow the one before (which
    // starts the next: recordStraight's first-step test makes its entry), makes a note or reads
    // or writes its slot (each of those alone); a step after a plan's step follows it, or it
    // would be a plan's step itself)
    let jh = 0, depth = -1, from = 0, at = pc;
    for (let o = 0; o < plan.length; o += PLAN) {
      const j = plan[o + P_OFF];
      if (j >= n) break;
      const spc = plan[o + P_PC], kind = plan[o + P_KIND], m = kind & KIND, note = plan[o + P_NOTE];
      const slot = m === MEM_LOAD || m === MEM_STORE_SLOT;
      if (note !== -1 || slot || kind & GAP) {
        recordStraight(hist, at, j - from);
        live.visitStraight(st, at, j - from);
        from = j;
        at = spc;
      }
      if (note !== -1 || slot) {
        recordStraight(hist, spc, 1);
        if (note !== -1) noteStep(hist, note);
        if (slot) {
          live.begin(st, spc);
          if (m === MEM_LOAD) live.read(st, f, spc, plan[o + P_SPI]);
          else live.write(frameno, plan[o + P_SPI]);
          live.commit();
        } else live.visitStraight(st, spc, 1);
        from = j + 1;
        at = spc + 1;
      }
      jh += plan[o + P_JH];
      if (m !== 0 && c.ptrTypes[spc] === undefined) ownPtrTypes(c)[spc] = this.typeNames[plan[o + P_TYPE]];
      // update_stack_depth (explore has noteDepth read the depths again after a take)
      const deep = plan[o + P_DEEP];
      if (m >= MEM_LOAD && deep > depth) {
        depth = c.stackDepth.get(subprog) ?? 0;
        if (deep > depth) ownStackDepth(c).set(subprog, (depth = deep));
      }
    }
    recordStraight(hist, at, n - from);
    live.visitStraight(st, at, n - from);
    c.path.jh += jh;
  }

  /**
   * How many of a run's first n steps may be taken (plan: the run's steps that do more than a
   * straight register step's): up to the first memory step whose instruction the candidate has
   * seen with another pointer type (save_aux_ptr_type would compare them).
   */
  private memCut(c: Ctx, n: number, plan: Int32Array): number {
    const types = c.ptrTypes, names = this.typeNames;
    for (let o = 0; o < plan.length && plan[o + P_OFF] < n; o += PLAN) {
      if ((plan[o + P_KIND] & KIND) === 0) continue;
      const t = types[plan[o + P_PC]];
      if (t !== undefined && t !== names[plan[o + P_TYPE]]) return plan[o + P_OFF];
    }
    return n;
  }

  /**
   * The plan of step k's run (from k on; worked out once): PLAN fields for each of its steps that
   * do more than a straight register step's bookkeeping (those `fx` marks, and those after k that
   * do not follow the step before them: an lddw's follower, a history entry), in order, packed
   * for a take to read in one pass: its offset from k, slot, kind (MEM_*, GAP), note, jump count,
   * stack slot and depth, and pointer type (typeNames' index, -1: none).
   */
  private planOf(k: number): Int32Array {
    const known = this.plans[k];
    if (known) return known;
    const pcs = this.pcs, steps: number[] = [];
    const gap = (i: number): boolean => i > k && pcs[i] !== pcs[i - 1] + 1;
    for (let i = k, end = k + this.lengthOf(k); i < end; i++) if (this.fx[i] || gap(i)) steps.push(i);
    const plan = new Int32Array(steps.length * PLAN);
    for (let x = 0; x < steps.length; x++) {
      const i = steps[x], o = x * PLAN, type = this.types[i];
      plan[o + P_OFF] = i - k;
      plan[o + P_PC] = pcs[i];
      plan[o + P_KIND] = this.mem[i] | (gap(i) ? GAP : 0);
      plan[o + P_NOTE] = this.notes[i];
      plan[o + P_JH] = this.jhs[i];
      plan[o + P_SPI] = this.spis[i];
      plan[o + P_DEEP] = this.deep[i];
      plan[o + P_TYPE] = type === undefined ? -1 : this.typeIndex(type);
    }
    return (this.plans[k] = plan);
  }

  /** A pointer type's index in typeNames (added when new). */
  private typeIndex(type: string): number {
    const i = this.typeNames.indexOf(type);
    return i >= 0 ? i : this.typeNames.push(type) - 1;
  }

  /**
   * How many of the len steps from k come before the first whose slot `stop` marks (all of them
   * within slots [lo, hi]): the run's slots rise step by step (no jump in a run), so each marked
   * slot within the run's span is looked up by bisection, not each step.
   */
  private beforeStop(k: number, len: number, stop: Uint8Array, lo: number, hi: number): number {
    const pcs = this.pcs;
    for (let p = Math.max(pcs[k], lo), e = Math.min(pcs[k + len - 1], hi); p <= e; p++) {
      if (!stop[p]) continue;
      // (none at p: the second half of an lddw)
      let a = k, b = k + len - 1;
      while (a < b) {
        const m = (a + b) >> 1;
        if (pcs[m] < p) a = m + 1;
        else b = m;
      }
      if (pcs[a] === p) return a - k;
    }
    return len;
  }

  /** The stack slots step k's run accesses, each once (as far as the run goes). */
  private slotsOf(k: number): number[] {
    const known = this.slotsRead[k];
    if (known) return known;
    const out: number[] = [];
    for (let i = k, end = k + this.lengthOf(k); i < end; i++) {
      const spi = this.spis[i];
      if (spi >= 0 && !out.includes(spi)) out.push(spi);
    }
    return (this.slotsRead[k] = out);
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
    // (a spill may give its source register an id, as a move may: a register the step reads, so
    // one the run reads before writing it is compared and then changes as the baseline's does)
    for (let i = k; i < k + n; i++) w |= kill[this.pcs[i]];
    if (whole) this.writes[k] = w;
    return w;
  }

  /**
   * How many of the len steps from k read only registers alike to the baseline's (those before
   * the first step that reads, before the run writes it, a register unlike or with an id not
   * paired): the pairs made over them in prefixPairs.
   */
  private alikeFor(top: readonly Reg[], before: readonly Reg[], k: number, len: number): number {
    const { use, kill } = this.cfg.slots, pcs = this.pcs;
    let pairs = 0, seen = 0, i = k;
    for (const end = k + len; i < end; i++) {
      const p = pcs[i];
      for (let m = use[p] & ~seen; m !== 0; m &= m - 1) {
        const r = 31 - Math.clz32(m & -m);
        const q = regAlike(top[r], before[r], pairs);
        if (q < 0) {
          prefixPairs = pairs;
          return i - k;
        }
        pairs = q;
      }
      seen |= use[p] | kill[p];
    }
    prefixPairs = pairs;
    return i - k;
  }

  /** The registers step k's run reads before writing them (as far as the run goes, or until every one is read or written). */
  private readsOf(k: number): number {
    const known = this.reads[k];
    if (known >= 0) return known;
    const { use, kill } = this.cfg.slots;
    let reads = 0, written = 0;
    for (let i = k; this.ok[i] && (reads | written) !== ALL_READ_REGS; i++) {
      const p = this.pcs[i];
      reads |= use[p] & ~written;
      written |= kill[p];
    }
    return (this.reads[k] = reads);
  }
}

/** The registers a run can write: r0-r9 (r10, the frame pointer, is only read: by a stack step). */
const RUN_REGS = 10;
/** The registers a run can read: r0-r10. */
const ALL_READ_REGS = 0x7ff;

/**
 * take's id pairs, baseline id then candidate id (without ADD_CONST) at [2i] and [2i + 1] (at most
 * one per register read, r0-r10, and per stack slot read), and its renamed results: registers
 * in `out`, slots as (slot index, slot) pairs in `outSlots` (one take at a time: module scratch,
 * no allocation per take).
 */
const idPairs = new Int32Array(2 * (RUN_REGS + 1 + SLOTS));
const out: Reg[] = [];
/** alikeFor's pairs (module scratch, as idPairs), and those of the longest start take has found, kept while it tries the other visits. */
let prefixPairs = 0, bestCount = 0;
const bestPairs = new Int32Array(idPairs.length);
const outSlots: (number | Slot)[] = [];

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
  for (let m = mask; m !== 0 && pairs >= 0; m &= m - 1) {
    const r = 31 - Math.clz32(m & -m);
    pairs = regAlike(a[r], b[r], pairs);
  }
  return pairs;
}

/** Is the candidate's register x alike to the baseline's y, its id paired with y's among the `pairs` made? The pairs then, or -1. */
function regAlike(x: Reg, y: Reg, pairs: number): number {
  if (x !== y) {
    if (x.type !== y.type || x.off !== y.off || x.range !== y.range || x.map !== y.map) return -1;
    if (x.rdonly !== y.rdonly || x.refObj !== y.refObj || x.ringbuf !== y.ringbuf || x.dynptrId !== y.dynptrId) return -1;
    if (!sameScalar(x.v, y.v)) return -1;
  }
  const p = y.id, q = x.id;
  if (p === 0 && q === 0) return pairs;
  if (p === 0 || q === 0 || (p < 0) !== (q < 0)) return -1;
  const bp = p & 0x7fffffff, bq = q & 0x7fffffff;
  let i = 0;
  while (i < pairs && idPairs[2 * i] !== bp && idPairs[2 * i + 1] !== bq) i++;
  if (i === pairs) {
    idPairs[2 * pairs] = bp;
    idPairs[2 * pairs + 1] = bq;
    return pairs + 1;
  }
  return idPairs[2 * i] === bp && idPairs[2 * i + 1] === bq ? pairs : -1;
}

/**
 * Are the candidate's stack slots `a` alike to the baseline's `b` at `spis`: the same byte kinds,
 * no dynptr, and the spilled registers alike (ids paired, going on from `pairs`)? The pairs then, or -1.
 */
function slotsAlike(a: Stack, b: Stack, spis: readonly number[], pairs: number): number {
  for (let i = 0; i < spis.length && pairs >= 0; i++) {
    const x = a[spis[i]], y = b[spis[i]];
    if (x === undefined || y === undefined) {
      if (x !== y) return -1;
      continue;
    }
    if (x !== y && (x.types !== y.types || x.dynptr !== undefined || y.dynptr !== undefined)) return -1;
    if (x.spilled === undefined || y.spilled === undefined) {
      if (x.spilled !== y.spilled) return -1;
      continue;
    }
    pairs = regAlike(x.spilled, y.spilled, pairs);
  }
  return pairs;
}

/** A baseline slot after a run, its spilled register's id renamed as renamed() does (undefined: cannot be). */
function renamedSlot(s: Slot, pairs: number, from: number, shift: number): Slot | undefined {
  const x = s.spilled;
  if (x === undefined || x.id === 0) return s;
  const id = renamed(x.id, pairs, from, shift);
  if (id === undefined) return undefined;
  return id === x.id ? s : slotOf(s.types, regWith(x, x.v, x.off, id, x.range), s.dynptr);
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

/** A plan's fields per step (StepLog.planOf): PLAN of them. */
const P_OFF = 0, P_PC = 1, P_KIND = 2, P_NOTE = 3, P_JH = 4, P_SPI = 5, P_DEEP = 6, P_TYPE = 7, PLAN = 8;
/** P_KIND: the step's MEM_* (KIND's bits; 0 for a register step), and GAP when it does not follow the step before it. */
const KIND = 7, GAP = 8;

/** Is any of a run's first n steps a stack step (plan: the run's steps that do more than a straight register step's)? */
function stackIn(n: number, plan: Int32Array): boolean {
  for (let o = 0; o < plan.length && plan[o + P_OFF] < n; o += PLAN) if ((plan[o + P_KIND] & KIND) >= MEM_LOAD) return true;
  return false;
}

/** A step that may not be taken over (stepKind). */
const NOT_TAKEN = -1;
/** Memory steps a take may span (stepKind; 0 is a register step): a packet or map value load or store, which reads its registers and writes at most its destination (its bookkeeping: a visit). */
const MEM_VISIT = 1;
/** A fixed-offset load from the current frame's stack (the liveness reads its slot). */
const MEM_LOAD = 2;
/** A fixed-offset store to the current frame's stack; MEM_STORE_SLOT: of a whole aligned slot (the liveness marks it written). */
const MEM_STORE = 3;
const MEM_STORE_SLOT = 4;
/** stepKind's slot, pointer type and depth of a memory step (module scratch, read at once). */
const info = { spi: -1, type: '', depth: 0, pointer: false };

/**
 * What the step at pc is to a take (on state st, before it runs): a register step that reads and
 * writes scalars alone (0), a memory step (MEM_*, with `info` set), or NOT_TAKEN; only outside
 * prune and jump points.
 */
function stepKind(cfg: Cfg, st: State, pc: number): number {
  const kind = cfg.slots.kind[pc];
  info.pointer = false;
  if (cfg.prune[pc] || cfg.jmp[pc] || cfg.bad[pc]) return NOT_TAKEN;
  if (kind === SK_LDDW) return 0;
  const regs = st.frames[st.frames.length - 1].regs;
  // (BPF_END, the slot kind's one instruction: a scalar's bytes swapped, a new scalar without an id)
  if (kind === SK_OTHER) return regs[(cfg.ops[pc] as Op & { kind: 'end' }).dst].type === 'scalar' ? 0 : NOT_TAKEN;
  if (kind === SK_ALU) {
    const op = cfg.ops[pc] as Op & { kind: 'alu' };
    if ('reg' in op.src && regs[op.src.reg].type !== 'scalar') {
      // a pointer copied whole (the move hands on the very register: no id, no memo), or one
      // pointer taken from another (privileged: an unknown scalar)
      info.pointer = true;
      if (op.op === 'mov') return op.width === 64 && op.dst !== 10 ? 0 : NOT_TAKEN;
      return op.op === 'sub' && regs[op.dst].type !== 'scalar' ? 0 : NOT_TAKEN;
    }
    if (op.op === 'mov' || op.op === 'movsx' || regs[op.dst].type === 'scalar') return 0;
    info.pointer = true;
    // a constant added to or taken from a pointer (ptrArith privileged: the offset moved, or the
    // step rejected; no sanitation, no precision mark, no id: those come with a register operand)
    return !('reg' in op.src) && op.width === 64 && (op.op === 'add' || op.op === 'sub') ? 0 : NOT_TAKEN;
  }
  if (kind !== SK_LDX && kind !== SK_STX && kind !== SK_ST) return NOT_TAKEN;
  const op = cfg.ops[pc] as Op & { kind: 'ldx' | 'stx' | 'st' };
  const r = regs[kind === SK_LDX ? (op as Op & { kind: 'ldx' }).src : op.dst];
  if (r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'map_value') {
    info.type = typeStr(r);
    return MEM_VISIT;
  }
  // the stack: the current frame's, at a fixed offset within it
  if (r.type !== 'fp' || r.map !== st.frames.length - 1 || r.v.varOff.mask !== 0n || r.v.varOff.value !== 0n) return NOT_TAKEN;
  const lo = r.off + op.off;
  if (lo < -MAX_STACK || lo + op.size > 0 || (lo & (op.size - 1)) !== 0) return NOT_TAKEN;
  const slot = st.frames[st.frames.length - 1].stack[spiOf(lo)];
  if (slot !== undefined && (slot.dynptr !== undefined || slot.types.includes('d'))) return NOT_TAKEN;
  info.type = typeStr(r);
  info.spi = spiOf(lo);
  info.depth = -lo;
  if (kind === SK_LDX) return MEM_LOAD;
  // (a zero stored below a whole slot marks the register precise: a walk, never taken)
  if (kind === SK_STX && lo % 8 !== 0 && isNull(regs[(op as Op & { kind: 'stx' }).src])) return NOT_TAKEN;
  return lo % 8 === 0 && op.size === 8 ? MEM_STORE_SLOT : MEM_STORE;
}
