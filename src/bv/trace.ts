// Tracing backend of the bit-vector interface: running a generic operator on it records the
// straight-line program the operator computes (a DAG of bit-vector operations on its inputs),
// which jit.ts turns into a JavaScript function on int32 halves. This is how the one generic
// operator code (also proved under Z3) runs at native speed: the recording is that code, only
// with the interface's dispatch, the intermediate objects and the per-value storage gone.
//
// As under Z3, a condition that depends on an input is unknown (knownB gives undefined), so the
// domains' `sel` records both arms and merges them with ite, and loops run their full trip count.
// Operations on constants are folded by the fixed-width backend; common subexpressions are shared.
import type { Bits, Bits64x32 } from './bits.ts';
import { fixed64x32, put, hiOf, loOf, arenaMark, arenaRelease } from './fixed.ts';
import { fromBig, toBig, OUT } from './u64.ts';

/** Native code a recording calls: reads argument slots from inp, writes result slots to out. */
export type NativeImpl = (inp: Int32Array, out: Int32Array) => void;

/** Width of a node: 64, 32, or 0 for a boolean. */
export type NodeWidth = 64 | 32 | 0;

export interface Node {
  readonly op: string;
  readonly w: NodeWidth;
  readonly args: readonly number[];
  /** Plain-number parameter: shift amount, bit index, input slot. */
  readonly n: number;
  /** Constant value (halves; booleans in cl as 0/1), when op === 'const'. */
  readonly ch: number;
  readonly cl: number;
}

/** One recording: its nodes and the rings that add to it. */
export class Trace {
  readonly nodes: Node[] = [];
  private readonly byKey = new Map<string, number>();
  /** Input slots used so far (one 64-bit slot per input, whatever its width). */
  slots = 0;
  readonly d: Bits64x32<number, number>;

  constructor() {
    const u64 = traceRing(this, 64), u32 = traceRing(this, 32);
    this.d = {
      u64, u32,
      lo32: (v) => (this.nodes[v].w === 32 ? v : this.node('lo32', 32, [v])),
      // A 32-bit node read as 64 bits has high half 0, which is zero extension.
      zext32: (v) => v,
      sext32: (v) => this.node('sext32', 64, [v]),
    };
  }

  isConst = (i: number): boolean => this.nodes[i].op === 'const';

  constant(w: NodeWidth, ch: number, cl: number): number {
    return this.intern({ op: 'const', w, args: [], n: 0, ch: w === 64 ? ch | 0 : 0, cl: cl | 0 });
  }

  /** A new input of width w, read from the next input slot. */
  input(w: 64 | 32): number {
    const n = this.slots++;
    return this.intern({ op: 'in', w, args: [], n, ch: 0, cl: 0 });
  }

  /**
   * An operation the recording keeps as one call of native code (`impl`, slots in, slots out;
   * see jit.ts): for loops with a data-dependent exit, which unrolled would be too long for V8 to
   * optimise. Returns one node per result, of the widths given.
   */
  call(impl: NativeImpl, args: number[], outW: readonly (64 | 32)[]): number[] {
    const id = this.nodes.length;
    this.nodes.push({ op: 'call', w: 0, args, n: this.natives.length, ch: 0, cl: 0 });
    this.natives.push(impl);
    return outW.map((w, k) => this.intern({ op: 'proj', w, args: [id], n: k, ch: 0, cl: 0 }));
  }
  readonly natives: NativeImpl[] = [];

  /** A node for op(args), folded when every argument is constant, else shared if already made. */
  node(op: string, w: NodeWidth, args: number[], n = 0): number {
    if (args.every(this.isConst)) return this.fold(op, w, args, n);
    return this.intern({ op, w, args, n, ch: 0, cl: 0 });
  }

  private intern(x: Node): number {
    const key = `${x.op}|${x.w}|${x.args.join(',')}|${x.n}|${x.ch}|${x.cl}`;
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.nodes.length;
      this.nodes.push(x);
      this.byKey.set(key, id);
    }
    return id;
  }

  /** Evaluate op on constant arguments with the fixed-width backend. */
  private fold(op: string, w: NodeWidth, args: number[], n: number): number {
    const m = arenaMark();
    try {
      const vals = args.map((a) => {
        const x = this.nodes[a];
        return x.w === 0 ? x.cl === 1 : put(x.ch, x.cl);
      });
      const r = evalOp(op, w, vals, n);
      if (typeof r === 'boolean') return this.constant(0, 0, r ? 1 : 0);
      return this.constant(w, hiOf(r), loOf(r));
    } finally {
      arenaRelease(m);
    }
  }
}

/**
 * op on fixed-backend values. The ring is the node's width, or for a boolean node (a comparison,
 * an overflow test) the width recorded in n; `bit` reads the value at 64 bits (a 32-bit value's
 * high half is 0).
 */
function evalOp(op: string, w: NodeWidth, v: (number | boolean)[], n: number): number | boolean {
  const d = fixed64x32;
  if (op === 'lo32') return d.lo32(v[0] as number);
  if (op === 'sext32') return d.sext32(v[0] as number);
  const ringW = w !== 0 ? w : op === 'bit' ? 64 : n;
  const r = (ringW === 64 ? d.u64 : d.u32) as unknown as Record<string, (...xs: unknown[]) => number | boolean>;
  if (op.endsWith('N') || op === 'bit') return r[op](v[0], n);
  if (op === 'andB' || op === 'orB') return r[op](...v);
  return r[op](...v);
}

/** The ring of one width that records into t. V and B are node ids. */
function traceRing(t: Trace, width: 64 | 32): Bits<number, number> {
  const W = width;
  const bin = (op: string) => (a: number, b: number): number => t.node(op, W, [a, b]);
  // Comparisons and overflow tests record their ring's width in n (it selects the ring when folded).
  const cmp = (op: string) => (a: number, b: number): number => (a === b ? t.constant(0, 0, op === 'eq' || op.endsWith('e') ? 1 : 0) : t.node(op, 0, [a, b], W));
  const un = (op: string) => (a: number): number => t.node(op, W, [a]);
  const byN = (op: string) => (a: number, k: number): number => (k === 0 ? a : t.node(op, W, [a], Math.min(k, W)));
  const T = t.constant(0, 0, 1), F = t.constant(0, 0, 0);
  const zero = t.constant(W, 0, 0), ones = t.constant(W, -1, -1);
  const bconst = (i: number): boolean | undefined => (t.isConst(i) ? t.nodes[i].cl === 1 : undefined);
  const nary = (op: 'andB' | 'orB', unit: number, absorb: number) => (...xs: number[]): number => {
    const rest: number[] = [];
    for (const x of xs) {
      if (x === absorb) return absorb;
      if (x !== unit && !rest.includes(x)) rest.push(x);
    }
    if (rest.length === 0) return unit;
    if (rest.length === 1) return rest[0];
    return t.node(op, 0, rest);
  };
  const and = bin('and'), or = bin('or');
  return {
    width: W,
    backend: 'trace',
    c: (x) => {
      fromBig(BigInt(x));
      return t.constant(W, OUT[0], OUT[1]);
    },
    zero,
    one: t.constant(W, 0, 1),
    ones,
    add: (a, b) => (a === zero ? b : b === zero ? a : t.node('add', W, [a, b])),
    sub: (a, b) => (b === zero ? a : t.node('sub', W, [a, b])),
    mul: bin('mul'),
    neg: un('neg'),
    and: (a, b) => (a === zero || b === zero ? zero : a === ones ? b : b === ones || a === b ? a : and(a, b)),
    or: (a, b) => (a === zero ? b : b === zero || a === b ? a : a === ones || b === ones ? ones : or(a, b)),
    xor: (a, b) => (a === zero ? b : b === zero ? a : a === b ? zero : t.node('xor', W, [a, b])),
    not: un('not'),
    udiv: bin('udiv'),
    urem: bin('urem'),
    shl: bin('shl'),
    lshr: bin('lshr'),
    ashr: bin('ashr'),
    shlN: byN('shlN'),
    lshrN: byN('lshrN'),
    ashrN: byN('ashrN'),
    umulOverflows: (a, b) => t.node('umulOverflows', 0, [a, b], W),
    smulOverflows: (a, b) => t.node('smulOverflows', 0, [a, b], W),
    eq: cmp('eq'), ne: (a, b) => (a === b ? F : t.node('ne', 0, [a, b], W)),
    ult: cmp('ult'), ule: cmp('ule'), ugt: cmp('ugt'), uge: cmp('uge'),
    slt: cmp('slt'), sle: cmp('sle'), sgt: cmp('sgt'), sge: cmp('sge'),
    T,
    F,
    bool: (x) => (x ? T : F),
    andB: nary('andB', T, F),
    orB: nary('orB', F, T),
    notB: (a) => (a === T ? F : a === F ? T : t.node('notB', 0, [a])),
    implies: (a, b) => (a === F || b === T ? T : a === T ? b : t.node('orB', 0, [t.node('notB', 0, [a]), b])),
    ite: (c, a, b) => (a === b ? a : c === T ? a : c === F ? b : t.node('ite', W, [c, a, b])),
    iteB: (c, a, b) => (a === b ? a : c === T ? a : c === F ? b : t.node('iteB', 0, [c, a, b])),
    bit: (a, i) => (i >= W ? F : t.node('bit', 0, [a], i)),
    known: (a) => (t.isConst(a) ? (W === 64 ? toBig(t.nodes[a].ch, t.nodes[a].cl) : BigInt(t.nodes[a].cl >>> 0)) : undefined),
    knownB: bconst,
  };
}
