// The flow core: where control goes after an instruction, which registers it reads, defines and
// clobbers, register liveness, and a forward worklist solver. Every analysis over slots (the
// verifier model's CFG and liveness, the search's pre-filters and proofs, the SMT encoder's
// program walk) asks here instead of keeping its own table.
//
// Slots: decoded instructions, one per 8-byte slot. A null slot is either the second half of an
// lddw (never executed on its own) or, in the search's candidates, a deleted instruction that
// acts as a no-op; `deleted` tells them apart.
import type { Op } from './op.ts';

export type Slot = Op | null;

/** Registers as a bit set: bit i = ri. */
export type RegSet = number;

export interface Slots {
  readonly ops: readonly Slot[];
  /** Slots past `end` are not part of the walk (the search's candidates carry a tail). */
  readonly end: number;
  /** Is null slot `pc` a deleted instruction (a no-op falling through)? Default: never. */
  readonly deleted?: (pc: number) => boolean;
}

/** Helper id → argument registers its prototype reads (r1 = bit 1). */
export type HelperArgs = (id: number) => RegSet;

/** r1-r5: what a call may read when its prototype is unknown, and what it leaves undefined. */
export const ARG_REGS: RegSet = 0b111110;
/** r0-r9: everything but the frame pointer. */
export const ALL_REGS: RegSet = 0x3ff;
const R10: RegSet = 1 << 10;
const allArgs: HelperArgs = () => ARG_REGS;

const b = (r: number): RegSet => 1 << r;
const srcOf = (src: { reg: number } | { imm: number }): RegSet => ('reg' in src ? b(src.reg) : 0);

// ---- successors -------------------------------------------------------------------------------

/** The slot reached by not jumping: -1 after exit and ja (an lddw spans two slots). */
export function nextSlot(op: Op, pc: number): number {
  if (op.kind === 'exit' || op.kind === 'ja') return -1;
  return pc + (op.kind === 'lddw' ? 2 : 1);
}

/** The slot a taken jump reaches (ja, conditional jumps); -1 for other instructions. */
export function jumpSlot(op: Op, pc: number): number {
  return op.kind === 'ja' || op.kind === 'jcond' || op.kind === 'maygoto' ? pc + 1 + op.off : -1;
}

/** The first slot of a bpf-to-bpf callee; -1 unless `op` is a local call. */
export function calleeSlot(op: Op, pc: number): number {
  return op.kind === 'call' && op.callKind === 'local' ? pc + 1 + op.imm : -1;
}

// ---- registers --------------------------------------------------------------------------------

/**
 * Registers the instruction itself reads, the ones the verifier checks are initialised before it
 * runs (check_reg_arg with SRC_OP): a helper reads its prototype's arguments; a bpf-to-bpf call
 * reads nothing itself (its callee does, see `liveUses`); a kfunc's arguments need its BTF, so
 * none are counted; LD_ABS/LD_IND read the context in r6 (and the offset register).
 */
export function uses(op: Op, helperArgs: HelperArgs = allArgs): RegSet {
  switch (op.kind) {
    case 'alu':
      if (op.op === 'mov' || op.op === 'movsx') return srcOf(op.src);
      return b(op.dst) | srcOf(op.src);
    case 'end': return b(op.dst);
    case 'jcond': return b(op.dst) | srcOf(op.src);
    case 'ja': case 'maygoto': return 0;
    case 'exit': return b(0);
    case 'call': return op.callKind === 'helper' ? helperArgs(op.imm) : 0;
    case 'lddw': return 0;
    case 'ldabs': return b(6);
    case 'ldind': return b(6) | b(op.src);
    case 'ldx': return b(op.src);
    case 'st': return b(op.dst);
    case 'stx': return b(op.dst) | b(op.src);
    case 'atomic': return b(op.dst) | b(op.src) | (op.op === 'cmpxchg' ? b(0) : 0);
  }
}

/** Registers the instruction gives a value. */
export function defs(op: Op): RegSet {
  switch (op.kind) {
    case 'alu': case 'end': case 'ldx': case 'lddw': return b(op.dst);
    case 'call': case 'ldabs': case 'ldind': return b(0);
    case 'atomic': return op.op === 'cmpxchg' ? b(0) : op.fetch ? b(op.src) : 0;
    default: return 0;
  }
}

/** Registers the instruction leaves undefined (mark_reg_not_init of r1-r5 after calls and LD_ABS/LD_IND). */
export function clobbers(op: Op): RegSet {
  return op.kind === 'call' || op.kind === 'ldabs' || op.kind === 'ldind' ? ARG_REGS : 0;
}

/**
 * Registers live before the instruction as the kernel's compute_live_registers counts its uses
 * (the `Live regs before insn:` table, measured on 6.18): a bpf-to-bpf call or kfunc keeps r1-r5
 * live, and LD_ABS/LD_IND keep every register r0-r9 live (the kernel leaves them at its
 * default of "uses everything", more than they read).
 */
export function liveUses(op: Op, helperArgs: HelperArgs = allArgs): RegSet {
  if (op.kind === 'ldabs' || op.kind === 'ldind') return ALL_REGS;
  if (op.kind === 'call' && op.callKind !== 'helper') return ARG_REGS;
  return uses(op, helperArgs);
}

// ---- per-slot tables -------------------------------------------------------------------------

// What the analyses over a program ask of each slot, read from the decoded op once: `op.kind` is
// a load from objects of a dozen shapes (megamorphic, ~8 ns each), and the CFG walks, liveness
// and the exploration used to ask it again and again per slot.

/** Slot kinds (SlotTable.kind). SK_NONE: the second half of an lddw; SK_NOP: a deleted slot. */
export const SK_NONE = 0, SK_OTHER = 1, SK_EXIT = 2, SK_JCOND = 3, SK_JA = 4, SK_MAYGOTO = 5;
/** A helper or kfunc call; SK_LOCAL_CALL: a bpf-to-bpf call. */
export const SK_CALL = 6, SK_LOCAL_CALL = 7;
/** lddw (its first half); SK_LDABS: LD_ABS and LD_IND. */
export const SK_LDDW = 8, SK_LDABS = 9, SK_NOP = 10;
/**
 * An ALU instruction (alu kind: mov, neg and the binary operations; BPF_END is SK_OTHER): the
 * verifier's main loop hands these to the ALU code by this code, without reading `op.kind`.
 */
export const SK_ALU = 11;
/**
 * A load (BPF_LDX), a store of a register (BPF_STX) or of an immediate (BPF_ST), an atomic
 * operation: the verifier's main loop hands each to its own code by these, as for SK_ALU.
 * SK_OTHER is left with BPF_END.
 */
export const SK_LDX = 12, SK_STX = 13, SK_ST = 14, SK_ATOMIC = 15;

/**
 * A slot of SK_OTHER or a memory kind: an instruction whose only successor is the next slot and
 * that is no ALU instruction, call or LD_ABS (what SK_OTHER alone was before the memory kinds).
 */
export const isOtherKind = (k: number): boolean => k === SK_OTHER || (k >= SK_LDX && k <= SK_ATOMIC);

/** Per slot: its kind, successors and register effects, as nextSlot, jumpSlot, liveUses, defs | clobbers give them. */
export interface SlotTable {
  readonly kind: Uint8Array;
  /** nextSlot; -1 for none and for an lddw half; pc + 1 for a deleted slot. */
  readonly next: Int32Array;
  /** jumpSlot (-1 for none: a jump's -1 is told apart by its kind). */
  readonly jump: Int32Array;
  /** liveUses. */
  readonly use: Uint16Array;
  /** defs | clobbers. */
  readonly kill: Uint16Array;
}

/** Bytes a table of n slots takes in a buffer (a multiple of 4). */
export const slotTableBytes = (n: number): number => 13 * n + ((4 - ((13 * n) & 3)) & 3);

/** The views of a table of n slots at byte `at` (a multiple of 4) of `buf`. */
export function slotTableAt(buf: ArrayBuffer, at: number, n: number): SlotTable {
  return {
    next: new Int32Array(buf, at, n),
    jump: new Int32Array(buf, at + 4 * n, n),
    use: new Uint16Array(buf, at + 8 * n, n),
    kill: new Uint16Array(buf, at + 10 * n, n),
    kind: new Uint8Array(buf, at + 12 * n, n),
  };
}

/** A copy of a table of n slots (its own buffer). */
export function copySlotTable(t: SlotTable): SlotTable {
  const n = t.kind.length, c = slotTableAt(new ArrayBuffer(slotTableBytes(n)), 0, n);
  c.next.set(t.next);
  c.jump.set(t.jump);
  c.use.set(t.use);
  c.kill.set(t.kill);
  c.kind.set(t.kind);
  return c;
}

/** Fill the table's entries for slots [0, end) (`deleted` null slots are no-ops falling through). */
export function fillSlots(t: SlotTable, s: Slots, helperArgs: HelperArgs = allArgs): void {
  const { ops, end } = s;
  for (let pc = 0; pc < end; pc++) {
    const op = ops[pc];
    setSlot(t, pc, op, helperArgs, !op && s.deleted !== undefined && s.deleted(pc));
  }
}

/** Write slot pc's entry for `op` (one read of its kind). */
export function setSlot(t: SlotTable, pc: number, op: Op | null, helperArgs: HelperArgs = allArgs, deleted = false): void {
  let kind = SK_OTHER, next = pc + 1, jump = -1, use = 0, kill = 0;
  if (!op) {
    kind = deleted ? SK_NOP : SK_NONE;
    if (!deleted) next = -1;
  } else {
    switch (op.kind) {
      case 'alu':
        kind = SK_ALU;
        use = op.op === 'mov' || op.op === 'movsx' ? srcOf(op.src) : b(op.dst) | srcOf(op.src);
        kill = b(op.dst);
        break;
      case 'end': use = kill = b(op.dst); break;
      case 'jcond':
        kind = SK_JCOND;
        use = b(op.dst) | srcOf(op.src);
        jump = pc + 1 + op.off;
        break;
      case 'ja':
        kind = SK_JA;
        next = -1;
        jump = pc + 1 + op.off;
        break;
      case 'maygoto':
        kind = SK_MAYGOTO;
        jump = pc + 1 + op.off;
        break;
      case 'exit':
        kind = SK_EXIT;
        next = -1;
        use = b(0);
        break;
      case 'call':
        kind = op.callKind === 'local' ? SK_LOCAL_CALL : SK_CALL;
        use = op.callKind === 'helper' ? helperArgs(op.imm) : ARG_REGS;
        kill = b(0) | ARG_REGS;
        break;
      case 'lddw':
        kind = SK_LDDW;
        next = pc + 2;
        kill = b(op.dst);
        break;
      case 'ldabs': case 'ldind':
        kind = SK_LDABS;
        use = ALL_REGS;
        kill = b(0) | ARG_REGS;
        break;
      case 'ldx': kind = SK_LDX; use = b(op.src); kill = b(op.dst); break;
      case 'st': kind = SK_ST; use = b(op.dst); break;
      case 'stx': kind = SK_STX; use = b(op.dst) | b(op.src); break;
      case 'atomic':
        kind = SK_ATOMIC;
        use = b(op.dst) | b(op.src) | (op.op === 'cmpxchg' ? b(0) : 0);
        kill = op.op === 'cmpxchg' ? b(0) : op.fetch ? b(op.src) : 0;
        break;
    }
  }
  t.kind[pc] = kind;
  t.next[pc] = next;
  t.jump[pc] = jump;
  t.use[pc] = use;
  t.kill[pc] = kill;
}

// ---- analyses ---------------------------------------------------------------------------------

/**
 * Registers live before each slot (bit 10, the frame pointer, always), as compute_live_registers:
 * a backward fixpoint within each function (a call falls through; callees are not entered).
 * The result has end + 1 entries (nothing is live past the end); the second half of an lddw has 0.
 */
export function liveRegs(s: Slots, helperArgs: HelperArgs = allArgs): Uint16Array {
  const end = s.end, at = slotTableBytes(end);
  // one buffer for the table and the answer: a typed array of its own costs a malloc (~1 µs)
  const buf = new ArrayBuffer(at + 2 * (end + 1));
  const t = slotTableAt(buf, 0, end);
  fillSlots(t, s, helperArgs);
  const live = new Uint16Array(buf, at, end + 1);
  solveLive(t, end, live);
  return live;
}

/** Does every edge out of slots [from, to) lead to a later slot (no loop can close there)? */
export function leadsForward(t: Pick<SlotTable, 'next' | 'jump'>, from: number, to: number): boolean {
  const { next, jump } = t;
  for (let pc = from; pc < to; pc++) {
    if ((next[pc] >= 0 && next[pc] <= pc) || (jump[pc] >= 0 && jump[pc] <= pc)) return false;
  }
  return true;
}

/**
 * liveRegs on a filled table, into `live` (end + 1 entries, all 0 on entry). When every edge
 * leads to a later slot one backward sweep is the fixpoint; otherwise sweeps repeat until
 * nothing changes.
 */
export function solveLive(t: SlotTable, end: number, live: Uint16Array): void {
  const { kind, next, jump, use, kill } = t;
  const forward = leadsForward(t, 0, end);
  for (let changed = true; changed;) {
    changed = false;
    for (let pc = end - 1; pc >= 0; pc--) {
      if (kind[pc] === SK_NONE) continue;
      const s1 = next[pc], s2 = jump[pc];
      let out = 0;
      if (s1 >= 0 && s1 < end) out |= live[s1];
      if (s2 >= 0 && s2 < end) out |= live[s2];
      const v = (use[pc] | (out & ~kill[pc]) | R10) & 0x7ff;
      if (v !== live[pc]) {
        live[pc] = v;
        changed = true;
      }
    }
    if (forward) break;
  }
}

/**
 * A forward data-flow problem whose states the problem itself stores (typed arrays, in place):
 * the solver only decides which slot to visit and along which edges states flow.
 */
export interface ForwardProblem {
  /** Apply slot `pc` (null: a deleted no-op) to its in-state, giving the out-state. */
  transfer(pc: number, op: Op | null): void;
  /** Join the last out-state into slot `to`'s in-state; true when that changed it (or first reached it). */
  join(to: number): boolean;
  /** Join the entry state of the callee at `to` (built from local call `pc`'s in-state); true when changed. */
  joinCallee(pc: number, to: number): boolean;
}

/**
 * Worklist fixpoint from slot 0 (whose in-state the problem has set): each visited slot flows into
 * its callee (before its transfer), then its fall-through, then its jump target. Edges leaving
 * [0, end) are dropped; so is everything after an exit.
 */
export function solveForward(s: Slots, p: ForwardProblem): void {
  const { ops, end } = s;
  const work = [0];
  while (work.length) {
    const pc = work.pop()!;
    const op = ops[pc];
    if (!op) {
      if (s.deleted?.(pc)) {
        p.transfer(pc, null);
        if (pc + 1 < end && p.join(pc + 1)) work.push(pc + 1);
      }
      continue;
    }
    const c = calleeSlot(op, pc);
    if (c >= 0 && c < end && p.joinCallee(pc, c)) work.push(c);
    p.transfer(pc, op);
    const n = nextSlot(op, pc);
    if (n >= 0 && n < end && p.join(n)) work.push(n);
    const j = jumpSlot(op, pc);
    if (j >= 0 && j < end && p.join(j)) work.push(j);
  }
}
