// What the search works on. `Original`: the program decoded once into slots, with the analyses
// the search, its proofs and its writer read (liveness, pointer kinds, jump targets) computed on
// first use and kept. `Candidate`: an original plus the current slots and an explicit deleted
// bitset. A null slot is then only ever the second half of an lddw; whether a slot was deleted
// is read from the bitset, never guessed from a null.
import { toOps, type Op } from '../isa/op.ts';
import { jumpSlot, liveRegs } from '../isa/flow.ts';
import { helperArgsFor } from '../isa/protos.ts';
import type { Program } from '../isa/program.ts';
import { pointerKinds } from './ptrkinds.ts';
import type { Slot } from './proposals.ts';

/** Slots in place and which of them are deleted: what the cost and the writers read. */
export interface SlotView {
  readonly ops: readonly Slot[];
  /** 1 at deleted slots. */
  readonly deleted: Uint8Array;
}

/** A view of slots with nothing deleted (an original program, for costing it). */
export const undeleted = (ops: readonly Slot[]): SlotView => ({ ops, deleted: new Uint8Array(ops.length) });

const decodedOnce = new WeakMap<Program, Original>();

/** A program decoded once, with its analyses cached. */
export class Original {
  readonly end: number;
  private live?: Uint16Array;
  private kindRows?: Uint16Array;
  private targets?: ReadonlySet<number>;

  private constructor(readonly program: Program, readonly ops: readonly Slot[]) {
    this.end = program.insns.length;
  }

  /** The program's Original: decoded on the first call for this Program object, then reused. */
  static of(program: Program): Original {
    let o = decodedOnce.get(program);
    if (!o) decodedOnce.set(program, (o = new Original(program, toOps(program.insns))));
    return o;
  }

  /** An Original from slots already decoded (a worker thread given them with the program). */
  static decoded(program: Program, ops: readonly Slot[]): Original {
    let o = decodedOnce.get(program);
    if (!o) decodedOnce.set(program, (o = new Original(program, ops)));
    return o;
  }

  /** Registers live before each slot (end + 1 bit sets; helpers read their prototype's arguments). */
  get liveness(): Uint16Array {
    return (this.live ??= liveRegs({ ops: this.ops, end: this.end }, helperArgsFor(this.program.type)));
  }

  /** The pre-filter's register kinds before each slot (11 per slot, see ptrkinds.ts). */
  get kinds(): Uint16Array {
    return (this.kindRows ??= pointerKinds(this.ops, this.end, this.program.type, () => false).rows);
  }

  /** Slots some jump or call lands on. */
  get jumpTargets(): ReadonlySet<number> {
    if (!this.targets) {
      const t = new Set<number>();
      for (let pc = 0; pc < this.end; pc++) {
        const op = this.ops[pc];
        const to = op ? jumpSlot(op, pc) : -1;
        if (to >= 0) t.add(to);
      }
      this.targets = t;
    }
    return this.targets;
  }
}

/** A candidate as it crosses a thread: the slots that differ from the original and the deleted ones. */
export interface CandidateWire {
  readonly set: readonly [number, Op][];
  readonly deleted: readonly number[];
}

/** One change a proposal makes: a slot's new op, or null to delete the slot. */
export type Change = readonly [number, Slot];

/** The original's slots, some replaced, some deleted. Immutable: `with` makes a new one. */
export class Candidate implements SlotView {
  private constructor(readonly original: Original, readonly ops: readonly Slot[], readonly deleted: Uint8Array) {}

  /** The original itself: nothing changed, nothing deleted. */
  static initial(original: Original): Candidate {
    return new Candidate(original, original.ops.slice(), new Uint8Array(original.end));
  }

  /** A candidate given in full: its slots (all of them) and the deleted ones. */
  static of(original: Original, ops: readonly Slot[], deleted: Iterable<number> = []): Candidate {
    const d = new Uint8Array(original.end);
    for (const pc of deleted) d[pc] = 1;
    return new Candidate(original, ops.slice(), d);
  }

  static fromWire(original: Original, w: CandidateWire): Candidate {
    const ops = original.ops.slice();
    for (const [pc, op] of w.set) ops[pc] = op;
    const d = new Uint8Array(original.end);
    for (const pc of w.deleted) {
      d[pc] = 1;
      ops[pc] = null;
    }
    return new Candidate(original, ops, d);
  }

  /** This candidate with the changes applied (a null change deletes its slot). */
  with(changes: readonly Change[]): Candidate {
    const ops = this.ops.slice();
    // the bitset is shared (never written after construction) unless a change flips a bit:
    // copying a typed array costs more than the rest of this step
    let d = this.deleted;
    for (const [pc, op] of changes) {
      ops[pc] = op;
      const bit = op === null ? 1 : 0;
      if (d[pc] !== bit) {
        if (d === this.deleted) d = d.slice();
        d[pc] = bit;
      }
    }
    return new Candidate(this.original, ops, d);
  }

  private deletedFn?: (pc: number) => boolean;
  /** Is slot pc deleted (a no-op until materialized)? Bound, to hand to the flow core. */
  get isDeleted(): (pc: number) => boolean {
    const d = this.deleted;
    return (this.deletedFn ??= (pc: number): boolean => d[pc] === 1);
  }

  /** The deleted slots as a set. */
  deletedSet(): Set<number> {
    const s = new Set<number>();
    for (let pc = 0; pc < this.deleted.length; pc++) if (this.deleted[pc]) s.add(pc);
    return s;
  }

  /** Is slot pc other than in the original (changed or deleted)? */
  changed(pc: number): boolean {
    const a = this.ops[pc], b = this.original.ops[pc];
    return this.deleted[pc] === 1 || (a !== b && JSON.stringify(a) !== JSON.stringify(b));
  }

  toWire(): CandidateWire {
    const set: [number, Op][] = [], deleted: number[] = [];
    for (let pc = 0; pc < this.ops.length; pc++) {
      const op = this.ops[pc];
      if (this.deleted[pc]) deleted.push(pc);
      else if (op !== null && op !== this.original.ops[pc]) set.push([pc, op]);
    }
    return { set, deleted };
  }
}
