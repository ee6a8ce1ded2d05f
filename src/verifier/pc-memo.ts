// The last operation of each instruction in one exploration, by input objects. Scalars are
// immutable and shared, so when a later visit of an instruction (another path through
// straight-line code, the next iteration of a loop) meets the very objects of the previous one,
// the result is that visit's result: no domain call, no cache key.
//
// One table of five entries per instruction serves the instruction's own operation: an ALU
// instruction's scalar result (inputs, result, and the register holding it, so such a visit
// allocates nothing), a conditional jump's decision and refined edges, a load's truncated
// register. An instruction is one of these for the whole exploration. Pointer arithmetic at an
// ALU instruction (the same instruction may also see scalars) has a second table, made when first used.
//
// Every entry also names the decoded instruction it was stored for, and answers only while the
// memo's instruction at that index is that very object (decoded instructions are immutable, and
// a result is a function of the instruction, the input objects and the domain session alone). So
// the tables can outlive a run: the runs over one instruction array (and session) share them
// (`shared`). The incremental checker's derived candidates all run over one array, patched in
// place at their changed slots (cfg-delta.ts), so a re-check meets the previous re-checks' results
// wherever its instructions and inputs are theirs (a resumed run starts from the baseline's own
// register objects), with no tables made per run. A full check decodes a new array, whose
// instructions no other run's entries name: its tables are its own, young objects that die with
// the run, as before (tables kept in the old generation make each store of a new result a
// remembered-set entry, which a loop like xdp_loop's makes by the thousand).
import type { Op } from '../isa/op.ts';
import { type Reg, type Scalar, scalarReg } from './regs.ts';

/** Entries per instruction in `slots`: the two inputs, two results, the instruction. */
const W = 5;
/** Entries per instruction in `side`: the two inputs, the result, the instruction. */
const WS = 4;

/** A memo's tables (the shared ones belong to one program length and one owner, a domain session). */
interface Tables {
  readonly n: number;
  readonly owner: object | undefined;
  /**
   * Per instruction: first input, second input, two results (the scalar result and its register
   * (made at the first store) of an ALU instruction, or the two results of pairSet and pairSet2:
   * a jump's decision and edges, a load's register), and the instruction they were stored for.
   */
  slots: unknown[] | undefined;
  /** Per ALU instruction, for its pointer arithmetic: first input, second input (or an object naming the operation), result, instruction. */
  side: unknown[] | undefined;
}

/** The tables of the last memo made with `shared`, and its instruction array. */
let sharedTables: Tables | undefined;
let sharedOps: readonly (Op | null)[] | undefined;

export class PcMemo {
  private readonly t: Tables;
  /** The instruction at each index, as entries must name it to answer. */
  private readonly ops: readonly (Op | null)[];

  /**
   * A memo for a program of `n` slots. `shared`: the run's decoded instructions and the owner of
   * what the results are computed with (the domain session): the tables of the last memo made, if
   * it was made over the same array (of the same length) and owner, are used again. Without it the
   * memo has tables of its own.
   */
  constructor(private readonly n: number, shared?: { readonly ops: readonly (Op | null)[]; readonly owner: object }) {
    if (shared) {
      this.ops = shared.ops;
      // (one array at a time: a map by array made each full check's run a weak entry, ~2x its time on xdp_lb_hash)
      let t = sharedTables;
      if (t === undefined || sharedOps !== shared.ops || t.n !== n || t.owner !== shared.owner) {
        t = sharedTables = { n, owner: shared.owner, slots: undefined, side: undefined };
        sharedOps = shared.ops;
      }
      this.t = t;
    } else {
      this.ops = new Array(n).fill(null);
      this.t = { n, owner: undefined, slots: undefined, side: undefined };
    }
  }

  /** The slots table, made at the first store, with holes (they read as undefined; a `fill` is a call into C++). */
  private slotsToWrite(): unknown[] {
    return (this.t.slots ??= new Array(W * this.n));
  }

  /** The result stored for instruction `pc` on inputs `a` and `b` (these objects), else undefined. */
  get(pc: number, a: Scalar, b: Scalar): Scalar | undefined {
    const s = this.t.slots;
    if (s === undefined) return undefined;
    const k = W * pc;
    return s[k] === a && s[k + 1] === b && s[k + 4] === this.ops[pc] ? (s[k + 2] as Scalar) : undefined;
  }

  /**
   * reg(pc, get(pc, a, b)) when get has a result, else undefined: the register of the result
   * stored for instruction `pc` on `a` and `b` (these objects), the one kept with it when it holds
   * that very result (else a new one, kept). One lookup of the entry for an ALU instruction's
   * common revisit.
   */
  hitReg(pc: number, a: Scalar, b: Scalar): Reg | undefined {
    const s = this.t.slots;
    if (s === undefined) return undefined;
    const k = W * pc;
    if (s[k] !== a || s[k + 1] !== b || s[k + 4] !== this.ops[pc]) return undefined;
    const v = s[k + 2] as Scalar | undefined;
    return v === undefined ? undefined : this.reg(pc, v);
  }

  /** Store `v` as instruction `pc`'s result on `a` and `b`; returns `v`. */
  set(pc: number, a: Scalar, b: Scalar, v: Scalar): Scalar {
    const s = this.slotsToWrite();
    const k = W * pc;
    s[k] = a;
    s[k + 1] = b;
    s[k + 2] = v;
    s[k + 4] = this.ops[pc];
    return v;
  }

  /** Store register `r` as instruction `pc`'s result on `a` and `b` (its value as the result, `r` as the register kept with it). */
  setReg(pc: number, a: Scalar, b: Scalar, r: Reg): void {
    const s = this.slotsToWrite();
    const k = W * pc;
    s[k] = a;
    s[k + 1] = b;
    s[k + 2] = r.v;
    s[k + 3] = r;
    s[k + 4] = this.ops[pc];
  }

  /**
   * scalarReg(v) for instruction `pc`'s result `v`: the register kept for that instruction when it
   * holds this very object (registers are immutable, so one may be shared), else a new one, kept.
   */
  reg(pc: number, v: Scalar): Reg {
    const s = this.t.slots;
    if (s === undefined) return scalarReg(v);
    // (a function of `v` alone: no instruction to compare)
    const k = W * pc + 3;
    const r = s[k] as Reg | undefined;
    if (r !== undefined && r.v === v) return r;
    const n = scalarReg(v);
    s[k] = n;
    return n;
  }

  /** The first result stored by pairSet for instruction `pc` on `a` and `b` (these objects), else undefined. */
  pairGet(pc: number, a: object, b: object): unknown {
    const s = this.t.slots;
    if (s === undefined) return undefined;
    const k = W * pc;
    return s[k] === a && s[k + 1] === b && s[k + 4] === this.ops[pc] ? s[k + 2] : undefined;
  }

  /** Store `v` (not undefined) as instruction `pc`'s first result on `a` and `b` (its second is dropped); returns `v`. */
  pairSet<T>(pc: number, a: object, b: object, v: T): T {
    const s = this.slotsToWrite();
    const k = W * pc;
    s[k] = a;
    s[k + 1] = b;
    s[k + 2] = v;
    s[k + 3] = undefined;
    s[k + 4] = this.ops[pc];
    return v;
  }

  /** The second result stored by pairSet2 for instruction `pc` on `a` and `b` (these objects), else undefined. */
  pairGet2(pc: number, a: object, b: object): unknown {
    const s = this.t.slots;
    if (s === undefined) return undefined;
    const k = W * pc;
    return s[k] === a && s[k + 1] === b && s[k + 4] === this.ops[pc] ? s[k + 3] : undefined;
  }

  /**
   * Store `v` (not undefined) as instruction `pc`'s second result on `a` and `b`, keeping the first
   * when it was stored for these inputs (dropped otherwise); returns `v`.
   */
  pairSet2<T>(pc: number, a: object, b: object, v: T): T {
    const s = this.slotsToWrite();
    const k = W * pc, op = this.ops[pc];
    if (s[k] !== a || s[k + 1] !== b || s[k + 4] !== op) {
      s[k] = a;
      s[k + 1] = b;
      s[k + 2] = undefined;
      s[k + 4] = op;
    }
    s[k + 3] = v;
    return v;
  }

  /** The pointer-arithmetic result stored for ALU instruction `pc` on `a` and `b` (these objects), else undefined. */
  sideGet(pc: number, a: object, b: object): unknown {
    const s = this.t.side;
    if (s === undefined) return undefined;
    const k = WS * pc;
    return s[k] === a && s[k + 1] === b && s[k + 3] === this.ops[pc] ? s[k + 2] : undefined;
  }

  /** Store `v` (not undefined) as ALU instruction `pc`'s pointer-arithmetic result on `a` and `b`; returns `v`. */
  sideSet<T>(pc: number, a: object, b: object, v: T): T {
    const s = (this.t.side ??= new Array(WS * this.n));
    const k = WS * pc;
    s[k] = a;
    s[k + 1] = b;
    s[k + 2] = v;
    s[k + 3] = this.ops[pc];
    return v;
  }
}
