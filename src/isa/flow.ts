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

// ---- analyses ---------------------------------------------------------------------------------

/**
 * Registers live before each slot (bit 10, the frame pointer, always), as compute_live_registers:
 * a backward fixpoint within each function (a call falls through; callees are not entered).
 * The result has end + 1 entries (nothing is live past the end); the second half of an lddw has 0.
 */
export function liveRegs(s: Slots, helperArgs: HelperArgs = allArgs): Uint16Array {
  const { ops, end } = s;
  // one buffer for every table: a typed array of its own costs a malloc (~1 µs) each, which was
  // a good part of building a small candidate's CFG in the verifier model's incremental check
  const buf = new ArrayBuffer(8 * end + 2 * (end + 1) + 4 * end + end);
  const s1 = new Int32Array(buf, 0, end), s2 = new Int32Array(buf, 4 * end, end);
  const live = new Uint16Array(buf, 8 * end, end + 1);
  const use = new Uint16Array(buf, 8 * end + 2 * (end + 1), end), kill = new Uint16Array(buf, 12 * end + 2, end);
  const skip = new Uint8Array(buf, 14 * end + 2, end);
  for (let pc = 0; pc < end; pc++) {
    const op = ops[pc];
    if (!op) {
      // a deleted slot passes liveness through; the half of an lddw is no instruction
      if (s.deleted?.(pc)) s1[pc] = pc + 1, s2[pc] = -1;
      else skip[pc] = 1;
      continue;
    }
    use[pc] = liveUses(op, helperArgs);
    kill[pc] = defs(op) | clobbers(op);
    s1[pc] = nextSlot(op, pc);
    s2[pc] = jumpSlot(op, pc);
  }
  for (let changed = true; changed;) {
    changed = false;
    for (let pc = end - 1; pc >= 0; pc--) {
      if (skip[pc]) continue;
      let out = 0;
      if (s1[pc] >= 0 && s1[pc] < end) out |= live[s1[pc]];
      if (s2[pc] >= 0 && s2[pc] < end) out |= live[s2[pc]];
      const v = (use[pc] | (out & ~kill[pc]) | R10) & 0x7ff;
      if (v !== live[pc]) {
        live[pc] = v;
        changed = true;
      }
    }
  }
  return live;
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
