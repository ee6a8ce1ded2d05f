// The last scalar operation of each instruction in one exploration, by input objects. Scalars
// are immutable and shared, so when a later visit of an instruction (another path through
// straight-line code, the next iteration of a loop) meets the very objects of the previous one,
// the result is that visit's result: no domain call, no cache key. The register holding the
// result (no link id) is kept beside it, so such a visit allocates nothing.
import { type Reg, type Scalar, scalarReg } from './regs.ts';

export class PcMemo {
  /** Per instruction: first input, second input, result, and result's register (made at the first store). */
  private slots: (Scalar | Reg | undefined)[] | undefined;

  /**
   * Per instruction: two inputs and up to two results of the other operations an instruction may
   * make on them (a pointer's variable part after `ptr += K`, a loaded register, a jump's decision
   * and its refined edges): first input, second input (an object naming the operation where there
   * is one input), first result, second result.
   */
  private side: unknown[] | undefined;

  constructor(private readonly n: number) {}

  /** The first result stored for instruction `pc` on `a` and `b` (these objects), else undefined. */
  sideGet(pc: number, a: object, b: object): unknown {
    const s = this.side;
    if (s === undefined) return undefined;
    const k = 4 * pc;
    return s[k] === a && s[k + 1] === b ? s[k + 2] : undefined;
  }

  /** Store `v` (not undefined) as instruction `pc`'s first result on `a` and `b` (its second is dropped); returns `v`. */
  sideSet<T>(pc: number, a: object, b: object, v: T): T {
    const s = (this.side ??= new Array(4 * this.n).fill(undefined));
    const k = 4 * pc;
    s[k] = a;
    s[k + 1] = b;
    s[k + 2] = v;
    s[k + 3] = undefined;
    return v;
  }

  /** The second result stored for instruction `pc` on `a` and `b` (these objects), else undefined. */
  sideGet2(pc: number, a: object, b: object): unknown {
    const s = this.side;
    if (s === undefined) return undefined;
    const k = 4 * pc;
    return s[k] === a && s[k + 1] === b ? s[k + 3] : undefined;
  }

  /**
   * Store `v` (not undefined) as instruction `pc`'s second result on `a` and `b`, keeping the first
   * when it was stored for these inputs (dropped otherwise); returns `v`.
   */
  sideSet2<T>(pc: number, a: object, b: object, v: T): T {
    const s = (this.side ??= new Array(4 * this.n).fill(undefined));
    const k = 4 * pc;
    if (s[k] !== a || s[k + 1] !== b) {
      s[k] = a;
      s[k + 1] = b;
      s[k + 2] = undefined;
    }
    s[k + 3] = v;
    return v;
  }

  /** The result stored for instruction `pc` on inputs `a` and `b` (these objects), else undefined. */
  get(pc: number, a: Scalar, b: Scalar): Scalar | undefined {
    const s = this.slots;
    if (s === undefined) return undefined;
    const k = 4 * pc;
    return s[k] === a && s[k + 1] === b ? (s[k + 2] as Scalar) : undefined;
  }

  /**
   * The register kept for instruction `pc` when its stored inputs are `a` and `b` (these objects)
   * and the register holds the stored result: get and reg of a revisit in one step.
   */
  regOf(pc: number, a: Scalar, b: Scalar): Reg | undefined {
    const s = this.slots;
    if (s === undefined) return undefined;
    const k = 4 * pc;
    if (s[k] !== a || s[k + 1] !== b) return undefined;
    const r = s[k + 3] as Reg | undefined;
    return r !== undefined && r.v === s[k + 2] ? r : undefined;
  }

  /** Store `v` as instruction `pc`'s result on `a` and `b`; returns `v`. */
  set(pc: number, a: Scalar, b: Scalar, v: Scalar): Scalar {
    const s = (this.slots ??= new Array(4 * this.n).fill(undefined));
    const k = 4 * pc;
    s[k] = a;
    s[k + 1] = b;
    s[k + 2] = v;
    return v;
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
}
