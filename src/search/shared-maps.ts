// Maps are shared: user space and other programs may write a map while this one runs. The
// equivalence proof (src/smt) and the tests model a map as changing only by the program's own
// writes, so a rewrite they accept may hold only without concurrent writers: merging two reads
// of a map value, caching one across a helper call, a plain load-add-store turned atomic (or
// back), a map update's flags changed where an earlier lookup saw the key absent.
//
// Unless --assume-exclusive-maps, the search therefore leaves alone everything that touches map
// state or carries a value to or from it, so the proof's sequential model is never relied on:
//   - memory accesses whose base may point into a map value (map_value, or of unknown kind);
//   - instructions reading a value that came from map state (loads from map values, the result
//     of a helper given a map, and what is computed from them: a forward taint);
//   - instructions computing what reaches map state (stored values, addresses, the arguments of
//     a helper given a map: a backward slice);
// and a changed instruction may neither read a tainted register nor overwrite a tainted or
// backward-needed one. Spills are followed coarsely: once any tainted value is spilled, every
// stack load counts as tainted (and once a needed value is reloaded, or a map helper is given a
// stack pointer — a key or a value — every stack store is kept).
// Control flow: a path can be infeasible only without concurrent writers (a read of a map
// place the program wrote or read before on that path, compared in a branch); the proof then
// never looks at it. Such a branch needs two map events before it, so every instruction
// reachable from a branch on a tainted register with two or more map events on some path
// before it is kept too.
import type { Op } from '../isa/op.ts';
import { calleeSlot, clobbers, defs, jumpSlot, nextSlot, solveForward, uses, type ForwardProblem, type HelperArgs, type RegSet } from '../isa/flow.ts';
import { helperArgsFor } from '../isa/protos.ts';
import { isMapPtr, isMapValue, STACK, U } from './ptrkinds.ts';
import type { Original } from './candidate.ts';
import type { Slot } from './proposals.ts';

const NREG = 11;
const ARGS: RegSet = 0b111110;
const bit = (r: number): RegSet => 1 << r;

export interface SharedMapGuard {
  /** Slots the search must leave as they are (1). */
  readonly kept: Uint8Array;
  /** May a slot that is not kept hold `op` (null: deleted)? */
  allows(pc: number, op: Slot): boolean;
}

const baseOf = (op: Op): number | undefined =>
  op.kind === 'ldx' ? op.src : op.kind === 'st' || op.kind === 'stx' || op.kind === 'atomic' ? op.dst : undefined;

/** The guard for `program`, or undefined when it has no maps (nothing is shared). */
export function sharedMapGuard(orig: Original): SharedMapGuard | undefined {
  const program = orig.program, original = orig.ops;
  if (!program.maps.length) return undefined;
  const end = original.length;
  const kinds = orig.kinds;
  const kind = (pc: number, r: number): number => kinds[pc * NREG + r];
  const args = helperArgsFor(program.type);
  /** Does `op` at `pc` access memory that may be a map value (by the original's register kinds)? */
  const mapAccess = (pc: number, op: Op, tainted: RegSet): boolean => {
    const b = baseOf(op);
    if (b === undefined) return false;
    const k = kind(pc, b);
    return isMapValue(k) || k === U || (tainted & bit(b)) !== 0;
  };
  const stackAccess = (pc: number, op: Op): boolean => {
    const b = baseOf(op);
    return b !== undefined && kind(pc, b) === STACK;
  };
  /** A helper given a map (r1 a map pointer): its result and its arguments belong to map state. */
  const mapCall = (pc: number, op: Op): boolean => op.kind === 'call' && (op.callKind !== 'helper' || isMapPtr(kind(pc, 1)));

  // a helper given a map that also gets a stack pointer reads keys or values from the stack
  const stackToMap = original.some((op, pc) => op !== null && mapCall(pc, op) && [1, 2, 3, 4, 5].some((r) => kind(pc, r) === STACK));
  // forward taint, then the backward slice; each pass again while the spill flags grow
  let spilledTaint = false, reloadedNeed = stackToMap;
  let taint: Uint16Array = new Uint16Array(end), need: Uint16Array = new Uint16Array(end + 1);
  for (let round = 0; round < 4; round++) {
    const before = [spilledTaint, reloadedNeed].join();
    taint = forwardTaint(original, end, (pc, op, t) => {
      if (op.kind === 'ldx') return mapAccess(pc, op, t) || (spilledTaint && stackAccess(pc, op));
      if (op.kind === 'atomic') return mapAccess(pc, op, t);
      // a pointer into a writable global-data map: a copy of it could reach the map unseen
      if (op.kind === 'lddw') return (op.pseudo === 2 || op.pseudo === 6) && !program.maps[op.lo]?.readonly;
      return mapCall(pc, op);
    });
    for (let pc = 0; pc < end; pc++) {
      const op = original[pc];
      if (op?.kind === 'stx' && stackAccess(pc, op) && taint[pc] & bit(op.src)) spilledTaint = true;
    }
    need = backwardNeed(original, end, args, (pc, op) => {
      if (mapAccess(pc, op, taint[pc])) return uses(op, args);
      if (op.kind === 'call' && mapCall(pc, op)) return op.callKind === 'helper' ? args(op.imm) : ARGS;
      if (reloadedNeed && (op.kind === 'stx' || op.kind === 'st') && stackAccess(pc, op)) return uses(op, args);
      return 0;
    });
    for (let pc = 0; pc < end; pc++) {
      const op = original[pc];
      if (op?.kind === 'ldx' && stackAccess(pc, op) && need[pc + 1] & bit(op.dst)) reloadedNeed = true;
    }
    if ([spilledTaint, reloadedNeed].join() === before) break;
  }
  const after = (pc: number): RegSet => needAfter(original, need, pc);
  const touches = (pc: number, op: Op): boolean => {
    const written = defs(op) | clobbers(op);
    if (uses(op, args) & taint[pc] || written & (taint[pc] | after(pc))) return true;
    if (mapAccess(pc, op, taint[pc])) return true;
    return (spilledTaint || reloadedNeed) && stackAccess(pc, op);
  };
  const kept = new Uint8Array(end);
  for (let pc = 0; pc < end; pc++) {
    const op = original[pc];
    if (op && touches(pc, op)) kept[pc] = 1;
  }
  const event = (pc: number, op: Op): boolean => mapAccess(pc, op, taint[pc]) || mapCall(pc, op);
  const events = mapEventsBefore(original, end, event);
  const risky: number[] = [];
  original.forEach((op, pc) => {
    if (op?.kind === 'jcond' && events[pc] >= 2 && uses(op) & taint[pc]) risky.push(pc);
  });
  for (const pc of reachableFrom(original, end, risky)) kept[pc] = 1;
  return { kept, allows: (pc, op) => !kept[pc] && (op === null || !touches(pc, op)) };
}

/** Registers holding map-derived values before each slot (a may-analysis: joined by union). */
function forwardTaint(ops: readonly Slot[], end: number, source: (pc: number, op: Op, tainted: RegSet) => boolean): Uint16Array {
  const rows = new Uint16Array(end);
  let cur = 0;
  const seen = new Uint8Array(end);
  seen[0] = 1;
  const problem: ForwardProblem = {
    transfer(pc, op) {
      cur = rows[pc];
      if (!op) return;
      const t = cur;
      const src = source(pc, op, t);
      const d = defs(op);
      cur &= ~(d | clobbers(op));
      if (src || (op.kind !== 'ldx' && uses(op) & t & ~bit(10))) cur |= d;
    },
    join(to) {
      const next = rows[to] | cur;
      const changed = !seen[to] || next !== rows[to];
      seen[to] = 1;
      rows[to] = next;
      return changed;
    },
    joinCallee(pc, to) {
      const next = rows[to] | (rows[pc] & ARGS);
      const changed = !seen[to] || next !== rows[to];
      seen[to] = 1;
      rows[to] = next;
      return changed;
    },
  };
  solveForward({ ops, end }, problem);
  return rows;
}

/** Registers before each slot whose value reaches map state (`gen`: what a slot itself sends there). */
function backwardNeed(ops: readonly Slot[], end: number, args: HelperArgs, gen: (pc: number, op: Op) => RegSet): Uint16Array {
  const live = new Uint16Array(end + 1);
  for (let changed = true; changed; ) {
    changed = false;
    for (let pc = end - 1; pc >= 0; pc--) {
      const op = ops[pc];
      if (!op) continue;
      const out = needAfter(ops, live, pc);
      const d = defs(op) | clobbers(op);
      let inn = (out & ~d) | gen(pc, op);
      if (out & defs(op)) inn |= uses(op, args) & ~bit(10);
      if (op.kind === 'call' && op.callKind === 'local') inn |= ARGS;
      if (inn !== live[pc]) {
        live[pc] = inn;
        changed = true;
      }
    }
  }
  return live;
}

/** The union of what is needed at the slots `pc` flows to. */
function needAfter(ops: readonly Slot[], live: Uint16Array, pc: number): RegSet {
  const op = ops[pc];
  if (!op) return 0;
  let out = 0;
  const n = nextSlot(op, pc), j = jumpSlot(op, pc);
  if (n >= 0 && n < ops.length) out |= live[n];
  if (j >= 0 && j < ops.length) out |= live[j];
  return out;
}

/** Map events on some path before each slot, counted up to 2 (a may-analysis: joined by max). */
function mapEventsBefore(ops: readonly Slot[], end: number, event: (pc: number, op: Op) => boolean): Uint8Array {
  const rows = new Uint8Array(end);
  const seen = new Uint8Array(end);
  seen[0] = 1;
  let cur = 0;
  const into = (to: number, v: number): boolean => {
    const next = Math.max(rows[to], v);
    const changed = !seen[to] || next !== rows[to];
    seen[to] = 1;
    rows[to] = next;
    return changed;
  };
  solveForward({ ops, end }, {
    transfer(pc, op) {
      cur = rows[pc];
      if (op && event(pc, op)) cur = Math.min(2, cur + 1);
    },
    join: (to) => into(to, cur),
    joinCallee: (pc, to) => into(to, rows[pc]),
  });
  return rows;
}

/** Slots reachable from the edges of the given branches (the branches themselves excluded). */
function reachableFrom(ops: readonly Slot[], end: number, from: readonly number[]): number[] {
  const seen = new Uint8Array(end);
  const work: number[] = [];
  const push = (pc: number): void => {
    if (pc >= 0 && pc < end && !seen[pc]) {
      seen[pc] = 1;
      work.push(pc);
    }
  };
  for (const pc of from) {
    const op = ops[pc]!;
    push(nextSlot(op, pc));
    push(jumpSlot(op, pc));
  }
  while (work.length) {
    const pc = work.pop()!;
    const op = ops[pc];
    if (!op) continue;
    push(nextSlot(op, pc));
    push(jumpSlot(op, pc));
    push(calleeSlot(op, pc));
  }
  return [...seen.keys()].filter((pc) => seen[pc]);
}
