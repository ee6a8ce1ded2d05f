// One memory table (K2's "separate tables per region"): an initial content that is a free Z3
// array, plus the writes. While every write went to a known index the writes are a plain
// Map (index → value), so reads at known indices are lookups and two tables compare byte by
// byte over the indices either wrote; the first write or read at a symbolic index folds the
// writes into a Z3 array (store chain) and the table stays an array from then on.
// Range: bytes (8-bit values) or booleans (hash-map presence).
import type { Z3BV, Z3Bool, Z3Ctx } from '../bv/z3.ts';
import { isK, isKB, toZ3, toZ3B, type FB, type FV } from './fold.ts';
import type { SMTArray } from 'z3-solver';

export type Arr = SMTArray<'main'>;
export type Cell = FV | FB;
export type RangeKind = 'byte' | 'bool';

export class Table {
  /** Writes at known indices (only while `arr` is undefined). */
  overlay: Map<bigint, Cell>;
  /** The whole content as an array once an index was symbolic. */
  arr: Arr | undefined;

  constructor(
    readonly ctx: Z3Ctx,
    /** Initial content (free array; the same term on both sides of an equivalence query). */
    readonly init: Arr,
    /** Index width in bits. */
    readonly iw: number,
    readonly range: RangeKind,
    overlay?: Map<bigint, Cell>,
    arr?: Arr,
    /** Known indices read from the initial content (shared by clones; for counterexamples). */
    readonly readLog: Set<bigint> = new Set(),
  ) {
    this.overlay = overlay ?? new Map();
    this.arr = arr;
  }

  /** A fresh table over a new free array named `name`. */
  static fresh(ctx: Z3Ctx, name: string, iw: number, range: RangeKind): Table {
    const rs = range === 'byte' ? ctx.BitVec.sort(8) : ctx.Bool.sort();
    return new Table(ctx, ctx.Array.const(name, ctx.BitVec.sort(iw), rs) as unknown as Arr, iw, range);
  }

  clone(): Table {
    return new Table(this.ctx, this.init, this.iw, this.range, this.arr ? this.overlay : new Map(this.overlay), this.arr, this.readLog);
  }

  private idx(i: FV): Z3BV {
    return toZ3(this.ctx, i, this.iw);
  }

  private cell(v: Cell): Z3BV | Z3Bool {
    return this.range === 'byte' ? toZ3(this.ctx, v as FV, 8) : toZ3B(this.ctx, v as FB);
  }

  /** Simplify a selected term to a plain value when the array term yields a numeral. */
  private out(x: unknown): Cell {
    const c = this.ctx;
    if (this.range === 'byte') return c.isBitVecVal(x) ? x.value() : (x as Z3BV);
    return c.isTrue(x) ? true : c.isFalse(x) ? false : (x as Z3Bool);
  }

  /** The content as one array term (writes folded in). */
  asArray(): Arr {
    if (this.arr) return this.arr;
    let a = this.init;
    for (const [k, v] of this.overlay) a = a.store(this.idx(k), this.cell(v)) as Arr;
    return a;
  }

  /** Initial value at a known index (a select of the free array). */
  private initAt(k: bigint): Cell {
    this.readLog.add(k);
    return this.out(this.init.select(this.idx(k)));
  }

  read(i: FV): Cell {
    if (isK(i) && !this.arr) return this.overlay.get(i) ?? this.initAt(i);
    if (!isK(i)) this.readLog.add(-1n); // -1: some read was at a symbolic index
    if (!this.arr) {
      this.arr = this.asArray();
      this.overlay = new Map();
    }
    return this.out(this.arr.select(this.idx(i)));
  }

  write(i: FV, v: Cell): void {
    if (isK(i) && !this.arr) {
      this.overlay.set(i, v);
      return;
    }
    this.arr = (this.arr ?? this.asArray()).store(this.idx(i), this.cell(v)) as Arr;
    this.overlay = new Map();
  }

  /** Indices written at known positions (empty once the table is an array). */
  keys(): IterableIterator<bigint> {
    return this.overlay.keys();
  }
}

const sameCell = (a: Cell, b: Cell): boolean =>
  typeof a === 'bigint' || typeof a === 'boolean' ? a === b : typeof b !== 'bigint' && typeof b !== 'boolean' && a.eqIdentity(b);

/** ite(c, a, b) of two tables over the same initial array. */
export function mergeTables(ctx: Z3Ctx, c: Z3Bool, a: Table, b: Table): Table {
  if (!a.arr && !b.arr) {
    const m = new Map<bigint, Cell>();
    for (const k of new Set([...a.keys(), ...b.keys()])) {
      const x = a.read(k), y = b.read(k);
      m.set(k, sameCell(x, y) ? x : iteCell(ctx, a.range, c, x, y));
    }
    return new Table(ctx, a.init, a.iw, a.range, m, undefined, a.readLog);
  }
  const x = a.asArray(), y = b.asArray();
  return new Table(ctx, a.init, a.iw, a.range, new Map(), x.eqIdentity(y) ? x : (ctx.If(c, x, y) as unknown as Arr), a.readLog);
}

function iteCell(ctx: Z3Ctx, range: RangeKind, c: Z3Bool, x: Cell, y: Cell): Cell {
  if (range === 'byte') return ctx.If(c, toZ3(ctx, x as FV, 8), toZ3(ctx, y as FV, 8)) as Z3BV;
  return ctx.If(c, toZ3B(ctx, x as FB), toZ3B(ctx, y as FB)) as Z3Bool;
}

/** The two tables hold the same content (byte-wise over written indices, or as arrays). */
export function tablesEqual(ctx: Z3Ctx, a: Table, b: Table): FB {
  if (!a.arr && !b.arr) {
    const parts: Z3Bool[] = [];
    for (const k of new Set([...a.keys(), ...b.keys()])) {
      const x = a.read(k), y = b.read(k);
      if (sameCell(x, y)) continue;
      if ((isK(x as FV) || isKB(x as FB)) && (isK(y as FV) || isKB(y as FB))) return false;
      parts.push(a.range === 'byte' ? toZ3(ctx, x as FV, 8).eq(toZ3(ctx, y as FV, 8)) : toZ3B(ctx, x as FB).eq(toZ3B(ctx, y as FB)));
    }
    return parts.length === 0 ? true : parts.length === 1 ? parts[0] : ctx.And(...parts);
  }
  const x = a.asArray(), y = b.asArray();
  return x.eqIdentity(y) ? true : (x.eq(y) as Z3Bool);
}
