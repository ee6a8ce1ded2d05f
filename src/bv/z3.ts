// Z3 backend of the bit-vector interface: values are Z3 bit-vector terms, booleans Z3 Bool terms.
//
// The domain operators in src/domains run unchanged on this backend and build the formula of
// their own result; proofs/ then asks Z3 whether a property of that formula can fail.
//
// z3-solver runs Z3 as WebAssembly with worker threads: create the Context once (z3Context())
// and reuse it for every query; a process that used it does not exit by itself, so callers end
// it explicitly (process.exit) when done.
import { init } from 'z3-solver';
import type { BitVec, Bool, Context, Solver } from 'z3-solver';
import type { Bits, Bits64x32 } from './bits.ts';

export type Z3Ctx = Context<'main'>;
export type Z3BV = BitVec<number, 'main'>;
export type Z3Bool = Bool<'main'>;

let shared: Promise<Z3Ctx> | undefined;
let z3Api: ReturnType<typeof init> | undefined;

/** The process-wide Z3 context (initialised on first use). */
export function z3Context(): Promise<Z3Ctx> {
  shared ??= (z3Api ??= init()).then((api) => {
    withoutFrees(api.Z3 as unknown as Record<string, unknown>);
    return new api.Context('main');
  });
  return shared;
}

/**
 * Turn z3-solver's frees into no-ops: Z3_dec_ref and the other *_dec_ref calls, and
 * Z3_del_context. z3-solver calls them from FinalizationRegistry callbacks on the main thread,
 * whenever V8 runs them, while check() may be running Z3 on a worker thread over the same
 * context: a data race. A full GC before each check made it rare, not impossible (test/smt/exec
 * read r0 = 13 from a model that had r0 = 0x80000000 asserted, once in 12 runs of one seeded
 * sample), and cost 16 ms per query; it is gone. Without frees there is no race; the memory of
 * dead terms is kept until the instance goes (a fresh instance per query, src/bv/z3-instance.ts)
 * or the process does (the search's Z3 child leaves at 1.5 GB, src/smt/equiv-worker.ts).
 */
export function withoutFrees(low: Record<string, unknown>): void {
  for (const name of Object.keys(low)) if (name === 'del_context' || name === 'dec_ref' || name.endsWith('_dec_ref')) low[name] = () => {};
}

/**
 * solver.check(), with the process kept alive until it answers. z3-solver runs the check on a
 * worker thread that Emscripten marks unreferenced, and holds the event loop open only with a
 * 600 s timer: a check that ran longer than 10 minutes of wall time (a 256 s query on a machine
 * twice as busy) let Node exit with the promise pending, and uvu reported "Exiting early". Our
 * own referenced interval lasts as long as the check does, however slow the machine.
 */
export async function z3Check(solver: Pick<Solver<'main'>, 'check'>): Promise<'sat' | 'unsat' | 'unknown'> {
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    return await solver.check();
  } finally {
    clearInterval(keepAlive);
  }
}

let tail: Promise<unknown> = Promise.resolve();

/**
 * Run `query` with the context to itself: one query at a time builds terms, checks and reads
 * the model, so no caller builds terms while Z3's thread checks another query (the context is
 * not thread-safe). Not reentrant: `query` must not call z3Exclusive.
 */
export function z3Exclusive<T>(query: () => Promise<T>): Promise<T> {
  const run = tail.then(query);
  tail = run.catch(() => undefined);
  return run;
}

const rings = new WeakMap<Z3Ctx, Map<number, Bits<Z3BV, Z3Bool>>>();

/** Bits<BitVec, Bool> at `width` over ctx (cached per context and width). */
export function z3Bits(ctx: Z3Ctx, width: number): Bits<Z3BV, Z3Bool> {
  let m = rings.get(ctx);
  if (!m) rings.set(ctx, (m = new Map()));
  let b = m.get(width);
  if (!b) m.set(width, (b = makeZ3(ctx, width)));
  return b;
}

function makeZ3(ctx: Z3Ctx, width: number): Bits<Z3BV, Z3Bool> {
  const val = (x: bigint | number): Z3BV => ctx.BitVec.val(BigInt.asUintN(width, BigInt(x)), width);
  const amount = (n: number): Z3BV => val(Math.min(n, width));
  const T = ctx.Bool.val(true);
  const F = ctx.Bool.val(false);
  return {
    width,
    backend: 'z3',
    c: val,
    zero: val(0),
    one: val(1),
    ones: val(-1),
    add: (a, b) => a.add(b),
    sub: (a, b) => a.sub(b),
    mul: (a, b) => a.mul(b),
    neg: (a) => a.neg(),
    and: (a, b) => a.and(b),
    or: (a, b) => a.or(b),
    xor: (a, b) => a.xor(b),
    not: (a) => a.not(),
    udiv: (a, b) => a.udiv(b),
    urem: (a, b) => a.urem(b),
    shl: (a, n) => a.shl(n),
    lshr: (a, n) => a.lshr(n),
    ashr: (a, n) => a.shr(n),
    // SMT-LIB shifts already give 0 / sign fill for amounts ≥ width; clamp so the constant fits.
    shlN: (a, n) => (n === 0 ? a : a.shl(amount(n))),
    lshrN: (a, n) => (n === 0 ? a : a.lshr(amount(n))),
    ashrN: (a, n) => (n === 0 ? a : a.shr(amount(n))),
    // Z3's bvumul_noovfl / bvsmul_noovfl / bvsmul_noudfl: "the exact product fits"
    umulOverflows: (a, b) => a.mulNoOverflow(b, false).not(),
    smulOverflows: (a, b) => ctx.Or(a.mulNoOverflow(b, true).not(), a.mulNoUnderflow(b).not()),
    eq: (a, b) => a.eq(b),
    ne: (a, b) => a.neq(b),
    ult: (a, b) => a.ult(b),
    ule: (a, b) => a.ule(b),
    ugt: (a, b) => a.ugt(b),
    uge: (a, b) => a.uge(b),
    slt: (a, b) => a.slt(b),
    sle: (a, b) => a.sle(b),
    sgt: (a, b) => a.sgt(b),
    sge: (a, b) => a.sge(b),
    T,
    F,
    bool: (x) => (x ? T : F),
    andB: (...xs) => (xs.length === 0 ? T : xs.length === 1 ? xs[0] : ctx.And(...xs)),
    orB: (...xs) => (xs.length === 0 ? F : xs.length === 1 ? xs[0] : ctx.Or(...xs)),
    notB: (a) => a.not(),
    implies: (a, b) => ctx.Implies(a, b),
    ite: (c, a, b) => ctx.If(c, a, b) as Z3BV,
    iteB: (c, a, b) => ctx.If(c, a, b) as Z3Bool,
    bit: (a, i) => a.extract(i, i).eq(val(1).extract(0, 0)),
    known: (a) => (ctx.isBitVecVal(a) ? a.value() : undefined),
    knownB: (a) => (ctx.isTrue(a) ? true : ctx.isFalse(a) ? false : undefined),
  };
}

/** A fresh symbolic value named `name`. */
export function z3Var(ctx: Z3Ctx, name: string, width: number): Z3BV {
  return ctx.BitVec.const(name, width);
}

/** The 64/32-bit ring pair over Z3, for proofs of the scalar domain. */
export function z3Pair(ctx: Z3Ctx): Bits64x32<Z3BV, Z3Bool> {
  return {
    u64: z3Bits(ctx, 64),
    u32: z3Bits(ctx, 32),
    lo32: (v) => v.extract(31, 0),
    zext32: (v) => v.zeroExt(32),
    sext32: (v) => v.signExt(32),
  };
}
