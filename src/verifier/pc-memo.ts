// The last operation of each instruction in one exploration, by input objects. Scalars are
// immutable and shared, so when a later visit of an instruction (another path through
// straight-line code, the next iteration of a loop) meets the very objects of the previous one,
// the result is that visit's result: no domain call, no cache key.
//
// One table of four entries per instruction serves the instruction's own operation: an ALU
// instruction's scalar result (inputs, result, and the register holding it, so such a visit
// allocates nothing), a conditional jump's decision and refined edges, a load's truncated
// register. An instruction is one of these for the whole exploration. Pointer arithmetic at an
// ALU instruction (the same instruction may also see scalars) has a second table, made when first used.
//
// The memo outlives one exploration: the runs that share a context's ImmRegs (an incremental
// checker's baseline, its snapshots' copies and every re-check resumed from them) share one memo
// (pcMemo), so a re-check meets the baseline's results at the instructions after its resume and
// allocates no table. A candidate may hold another instruction at a slot, so every entry keeps the
// decoded instruction (the Op object of the run's CFG) it was stored for and answers only while
// the run's CFG has that very object there; a run under another domain session starts empty.
import { type ImmRegs, type Reg, type Scalar, scalarReg } from './regs.ts';

/** The decoded instructions of a memo not bound to a run's CFG (tests): no object at any slot. */
const NO_OPS: readonly unknown[] = [];

/** Slots per instruction in the main table (inputs, two results, the instruction) and the side table (inputs, result, the instruction). */
const W = 5, WS = 4;

export class PcMemo {
  /**
   * Per instruction: first input, second input, two results (the scalar result and its register,
   * made at the first store, of an ALU instruction, or the two results of pairSet and pairSet2: a
   * jump's decision and edges, a load's register), and the instruction they were stored for.
   */
  private slots: unknown[] | undefined;

  /** Per ALU instruction, for its pointer arithmetic: first input, second input (or an object naming the operation), result, instruction. */
  private side: unknown[] | undefined;

  /** The decoded instructions of the run using the memo, by slot (bind). */
  private ops: readonly unknown[] = NO_OPS;

  /** The domain session whose results the tables hold (bind). */
  private session: unknown = undefined;

  constructor(private readonly n: number) {}

  /**
   * Use the memo in a run over `ops` (its CFG's decoded instructions, the objects an entry is
   * stored for) with domain session `session`: the tables are dropped when they hold another
   * session's results. Returns the memo.
   */
  bind(ops: readonly unknown[], session: unknown): this {
    if (session !== this.session) {
      this.slots = this.side = undefined;
      this.session = session;
    }
    this.ops = ops;
    return this;
  }

  /** The result stored for instruction `pc` on inputs `a` and `b` (these objects), else undefined. */
  get(pc: number, a: Scalar, b: Scalar): Scalar | undefined {
    const s = this.slots;
    if (s === undefined) return undefined;
    const k = W * pc;
    return s[k] === a && s[k + 1] === b && s[k + 4] === this.ops[pc] ? (s[k + 2] as Scalar) : undefined;
  }

  /** Store `v` as instruction `pc`'s result on `a` and `b`; returns `v`. */
  set(pc: number, a: Scalar, b: Scalar, v: Scalar): Scalar {
    const s = (this.slots ??= new Array(W * this.n).fill(undefined));
    const k = W * pc;
    s[k] = a;
    s[k + 1] = b;
    s[k + 2] = v;
    s[k + 4] = this.ops[pc];
    return v;
  }

  /** Store register `r` as instruction `pc`'s result on `a` and `b` (its value as the result, `r` as the register kept with it). */
  setReg(pc: number, a: Scalar, b: Scalar, r: Reg): void {
    const s = (this.slots ??= new Array(W * this.n).fill(undefined));
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
    const s = this.slots;
    if (s === undefined) return scalarReg(v);
    const k = W * pc + 3;
    const r = s[k] as Reg | undefined;
    if (r !== undefined && r.v === v) return r;
    const n = scalarReg(v);
    s[k] = n;
    return n;
  }

  /** The first result stored by pairSet for instruction `pc` on `a` and `b` (these objects), else undefined. */
  pairGet(pc: number, a: object, b: object): unknown {
    const s = this.slots;
    if (s === undefined) return undefined;
    const k = W * pc;
    return s[k] === a && s[k + 1] === b && s[k + 4] === this.ops[pc] ? s[k + 2] : undefined;
  }

  /** Store `v` (not undefined) as instruction `pc`'s first result on `a` and `b` (its second is dropped); returns `v`. */
  pairSet<T>(pc: number, a: object, b: object, v: T): T {
    const s = (this.slots ??= new Array(W * this.n).fill(undefined));
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
    const s = this.slots;
    if (s === undefined) return undefined;
    const k = W * pc;
    return s[k] === a && s[k + 1] === b && s[k + 4] === this.ops[pc] ? s[k + 3] : undefined;
  }

  /**
   * Store `v` (not undefined) as instruction `pc`'s second result on `a` and `b`, keeping the first
   * when it was stored for these inputs (dropped otherwise); returns `v`.
   */
  pairSet2<T>(pc: number, a: object, b: object, v: T): T {
    const s = (this.slots ??= new Array(W * this.n).fill(undefined));
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
    const s = this.side;
    if (s === undefined) return undefined;
    const k = WS * pc;
    return s[k] === a && s[k + 1] === b && s[k + 3] === this.ops[pc] ? s[k + 2] : undefined;
  }

  /** Store `v` (not undefined) as ALU instruction `pc`'s pointer-arithmetic result on `a` and `b`; returns `v`. */
  sideSet<T>(pc: number, a: object, b: object, v: T): T {
    const s = (this.side ??= new Array(WS * this.n).fill(undefined));
    const k = WS * pc;
    s[k] = a;
    s[k + 1] = b;
    s[k + 2] = v;
    s[k + 3] = this.ops[pc];
    return v;
  }
}

/**
 * The memo of the runs sharing `imms` (a context's per-length caches, shared by its copies), made
 * at the first, bound to this run's decoded instructions and domain session.
 */
export function pcMemo(imms: ImmRegs, n: number, ops: readonly unknown[], session: unknown): PcMemo {
  return (imms.memo ??= new PcMemo(n)).bind(ops, session);
}
