// The last scalar operation of each instruction in one exploration, by input objects. Scalars
// are immutable and shared, so when a later visit of an instruction (another path through
// straight-line code, the next iteration of a loop) meets the very objects of the previous one,
// the result is that visit's result: no domain call, no cache key.
import type { Scalar } from './regs.ts';

export class PcMemo {
  /** Per instruction: first input, second input, result (made at the first store). */
  private slots: (Scalar | undefined)[] | undefined;

  constructor(private readonly n: number) {}

  /** The result stored for instruction `pc` on inputs `a` and `b` (these objects), else undefined. */
  get(pc: number, a: Scalar, b: Scalar): Scalar | undefined {
    const s = this.slots;
    if (s === undefined) return undefined;
    const k = 3 * pc;
    return s[k] === a && s[k + 1] === b ? s[k + 2] : undefined;
  }

  /** Store `v` as instruction `pc`'s result on `a` and `b`; returns `v`. */
  set(pc: number, a: Scalar, b: Scalar, v: Scalar): Scalar {
    const s = (this.slots ??= new Array(3 * this.n).fill(undefined));
    const k = 3 * pc;
    s[k] = a;
    s[k + 1] = b;
    s[k + 2] = v;
    return v;
  }
}
