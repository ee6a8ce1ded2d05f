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
import { type Reg, type Scalar, scalarReg } from './regs.ts';

export class PcMemo {
  /**
   * Per instruction: first input, second input, and two results: the scalar result and its
   * register (made at the first store) of an ALU instruction, or the two results of pairSet and
   * pairSet2 (a jump's decision and edges, a load's register). Made with holes, which read as
   * undefined (a `fill` is a call into C++: it doubled the cost of making the table, a run's).
   */
  private slots: unknown[] | undefined;

  /** Per ALU instruction, for its pointer arithmetic: first input, second input (or an object naming the operation), result. */
  private side: unknown[] | undefined;

  constructor(private readonly n: number) {}

  /** The result stored for instruction `pc` on inputs `a` and `b` (these objects), else undefined. */
  get(pc: number, a: Scalar, b: Scalar): Scalar | undefined {
    const s = this.slots;
    if (s === undefined) return undefined;
    const k = 4 * pc;
    return s[k] === a && s[k + 1] === b ? (s[k + 2] as Scalar) : undefined;
  }

  /** Store `v` as instruction `pc`'s result on `a` and `b`; returns `v`. */
  set(pc: number, a: Scalar, b: Scalar, v: Scalar): Scalar {
    const s = (this.slots ??= new Array(4 * this.n));
    const k = 4 * pc;
    s[k] = a;
    s[k + 1] = b;
    s[k + 2] = v;
    return v;
  }

  /** Store register `r` as instruction `pc`'s result on `a` and `b` (its value as the result, `r` as the register kept with it). */
  setReg(pc: number, a: Scalar, b: Scalar, r: Reg): void {
    const s = (this.slots ??= new Array(4 * this.n));
    const k = 4 * pc;
    s[k] = a;
    s[k + 1] = b;
    s[k + 2] = r.v;
    s[k + 3] = r;
  }

  /**
   * scalarReg(v) for instruction `pc`'s result `v`: the register kept for that instruction when it
   * holds this very object (registers are immutable, so one may be shared), else a new one, kept.
   */
  reg(pc: number, v: Scalar): Reg {
    const s = this.slots;
    if (s === undefined) return scalarReg(v);
    const k = 4 * pc + 3;
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
    const k = 4 * pc;
    return s[k] === a && s[k + 1] === b ? s[k + 2] : undefined;
  }

  /** Store `v` (not undefined) as instruction `pc`'s first result on `a` and `b` (its second is dropped); returns `v`. */
  pairSet<T>(pc: number, a: object, b: object, v: T): T {
    const s = (this.slots ??= new Array(4 * this.n));
    const k = 4 * pc;
    s[k] = a;
    s[k + 1] = b;
    s[k + 2] = v;
    s[k + 3] = undefined;
    return v;
  }

  /** The second result stored by pairSet2 for instruction `pc` on `a` and `b` (these objects), else undefined. */
  pairGet2(pc: number, a: object, b: object): unknown {
    const s = this.slots;
    if (s === undefined) return undefined;
    const k = 4 * pc;
    return s[k] === a && s[k + 1] === b ? s[k + 3] : undefined;
  }

  /**
   * Store `v` (not undefined) as instruction `pc`'s second result on `a` and `b`, keeping the first
   * when it was stored for these inputs (dropped otherwise); returns `v`.
   */
  pairSet2<T>(pc: number, a: object, b: object, v: T): T {
    const s = (this.slots ??= new Array(4 * this.n));
    const k = 4 * pc;
    if (s[k] !== a || s[k + 1] !== b) {
      s[k] = a;
      s[k + 1] = b;
      s[k + 2] = undefined;
    }
    s[k + 3] = v;
    return v;
  }

  /** The pointer-arithmetic result stored for ALU instruction `pc` on `a` and `b` (these objects), else undefined. */
  sideGet(pc: number, a: object, b: object): unknown {
    const s = this.side;
    if (s === undefined) return undefined;
    const k = 3 * pc;
    return s[k] === a && s[k + 1] === b ? s[k + 2] : undefined;
  }

  /** Store `v` (not undefined) as ALU instruction `pc`'s pointer-arithmetic result on `a` and `b`; returns `v`. */
  sideSet<T>(pc: number, a: object, b: object, v: T): T {
    const s = (this.side ??= new Array(3 * this.n));
    const k = 3 * pc;
    s[k] = a;
    s[k + 1] = b;
    s[k + 2] = v;
    return v;
  }
}
