// Fixed-width concrete backend of the bit-vector interface: a value is an integer handle into an
// arena of (hi, lo) int32 halves, so an operation is a few integer instructions and a bump of the
// arena's top, with no heap allocation (bench/bv-repr.ts measured this against bigints, bigints
// through BigInt.asUintN and {hi, lo} pair objects; see BENCHMARKS.md).
//
// Handles are immutable (no operation writes an existing slot), so ite can return one of its
// arguments and values may be shared freely. Their lifetime is a region: `arenaMark()` before a
// computation and `arenaRelease(mark)` after it frees every handle made in between; results that
// must outlive the region are read out first (with `known` or the scalar conversion of
// src/domains/fixed-scalar.ts). Handles made outside any region (constants, module-level caches
// such as the ring limits of scalar.ts) are never freed.
//
// The 32-bit ring shares the arena; its values always have hi = 0, so zext32 is the identity.
import type { Bits, Bits64x32 } from './bits.ts';
import { OUT, add64, sub64, mul64, shl64, lshr64, ashr64, ult64, slt64, umulOverflows64, fromBig, toBig } from './u64.ts';

let HI = new Int32Array(1 << 16);
let LO = new Int32Array(1 << 16);
let top = 0;

function grow(): void {
  const hi = new Int32Array(HI.length * 2), lo = new Int32Array(LO.length * 2);
  hi.set(HI);
  lo.set(LO);
  HI = hi;
  LO = lo;
}

/** A new handle holding (h, l). */
export function put(h: number, l: number): number {
  if (top === HI.length) grow();
  HI[top] = h;
  LO[top] = l;
  return top++;
}

const putOut = (): number => put(OUT[0], OUT[1]);

/** Start of a region: every handle made after this is freed by arenaRelease(mark). */
export const arenaMark = (): number => top;
export function arenaRelease(mark: number): void {
  top = mark;
}
/** Handles currently live (for tests and leak checks). */
export const arenaSize = (): number => top;

export const hiOf = (v: number): number => HI[v];
export const loOf = (v: number): number => LO[v];

/** A 64-bit handle from a bigint (modulo 2^64). */
export function fromBigint(x: bigint): number {
  fromBig(x);
  return putOut();
}
/** The unsigned bigint a handle holds. */
export const toBigint = (v: number): bigint => toBig(HI[v], LO[v]);

// Constants shared by both rings, made before any region so they are never freed.
const ZERO = put(0, 0), ONE = put(0, 1), ONES64 = put(-1, -1), ONES32 = put(0, -1);

const andB = (...xs: boolean[]): boolean => {
  for (const x of xs) if (!x) return false;
  return true;
};
const orB = (...xs: boolean[]): boolean => {
  for (const x of xs) if (x) return true;
  return false;
};

/** The boolean half of both widths' rings: plain JavaScript booleans. */
const BOOL_OPS = {
  T: true,
  F: false,
  bool: (x: boolean): boolean => x,
  andB,
  orB,
  notB: (a: boolean): boolean => !a,
  implies: (a: boolean, b: boolean): boolean => !a || b,
  ite: (c: boolean, a: number, b: number): number => (c ? a : b),
  iteB: (c: boolean, a: boolean, b: boolean): boolean => (c ? a : b),
};

function make64(): Bits<number, boolean> {
  const bigOp = (f: (a: bigint, b: bigint) => bigint) => (a: number, b: number): number => fromBigint(f(toBigint(a), toBigint(b)));
  const amount = (n: number): number => (HI[n] !== 0 || LO[n] >>> 0 >= 64 ? 64 : LO[n]);
  const s64 = (v: number): bigint => BigInt.asIntN(64, toBigint(v));
  return {
    width: 64,
    backend: 'fixed',
    c: (x) => (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x < 2 ** 31 ? put(0, x) : fromBigint(BigInt(x))),
    zero: ZERO,
    one: ONE,
    ones: ONES64,
    add: (a, b) => { add64(HI[a], LO[a], HI[b], LO[b]); return putOut(); },
    sub: (a, b) => { sub64(HI[a], LO[a], HI[b], LO[b]); return putOut(); },
    mul: (a, b) => { mul64(HI[a], LO[a], HI[b], LO[b]); return putOut(); },
    neg: (a) => { sub64(0, 0, HI[a], LO[a]); return putOut(); },
    and: (a, b) => put(HI[a] & HI[b], LO[a] & LO[b]),
    or: (a, b) => put(HI[a] | HI[b], LO[a] | LO[b]),
    xor: (a, b) => put(HI[a] ^ HI[b], LO[a] ^ LO[b]),
    not: (a) => put(~HI[a], ~LO[a]),
    // Division is rare in the domains (the multiplication overflow test has its own operator):
    // bigints keep it short and obviously right.
    udiv: bigOp((a, b) => (b === 0n ? (1n << 64n) - 1n : a / b)),
    urem: bigOp((a, b) => (b === 0n ? a : a % b)),
    shl: (a, n) => { shl64(HI[a], LO[a], amount(n)); return putOut(); },
    lshr: (a, n) => { lshr64(HI[a], LO[a], amount(n)); return putOut(); },
    ashr: (a, n) => { ashr64(HI[a], LO[a], amount(n)); return putOut(); },
    shlN: (a, n) => { shl64(HI[a], LO[a], n); return putOut(); },
    lshrN: (a, n) => { lshr64(HI[a], LO[a], n); return putOut(); },
    ashrN: (a, n) => { ashr64(HI[a], LO[a], n); return putOut(); },
    umulOverflows: (a, b) => umulOverflows64(HI[a], LO[a], HI[b], LO[b]),
    smulOverflows: (a, b) => {
      const p = s64(a) * s64(b);
      return p < -(1n << 63n) || p >= 1n << 63n;
    },
    eq: (a, b) => HI[a] === HI[b] && LO[a] === LO[b],
    ne: (a, b) => HI[a] !== HI[b] || LO[a] !== LO[b],
    ult: (a, b) => ult64(HI[a], LO[a], HI[b], LO[b]),
    ule: (a, b) => !ult64(HI[b], LO[b], HI[a], LO[a]),
    ugt: (a, b) => ult64(HI[b], LO[b], HI[a], LO[a]),
    uge: (a, b) => !ult64(HI[a], LO[a], HI[b], LO[b]),
    slt: (a, b) => slt64(HI[a], LO[a], HI[b], LO[b]),
    sle: (a, b) => !slt64(HI[b], LO[b], HI[a], LO[a]),
    sgt: (a, b) => slt64(HI[b], LO[b], HI[a], LO[a]),
    sge: (a, b) => !slt64(HI[a], LO[a], HI[b], LO[b]),
    ...BOOL_OPS,
    bit: (a, i) => i < 64 && ((i >= 32 ? HI[a] >>> (i - 32) : LO[a] >>> i) & 1) === 1,
    known: (a) => toBigint(a),
    knownB: (a) => a,
  };
}

function make32(): Bits<number, boolean> {
  const u = (v: number): number => LO[v] >>> 0;
  const amount = (n: number): number => (HI[n] !== 0 || LO[n] >>> 0 >= 32 ? 32 : LO[n]);
  return {
    width: 32,
    backend: 'fixed',
    c: (x) => put(0, typeof x === 'number' && Number.isSafeInteger(x) ? x | 0 : Number(BigInt.asIntN(32, BigInt(x)))),
    zero: ZERO,
    one: ONE,
    ones: ONES32,
    add: (a, b) => put(0, (LO[a] + LO[b]) | 0),
    sub: (a, b) => put(0, (LO[a] - LO[b]) | 0),
    mul: (a, b) => put(0, Math.imul(LO[a], LO[b])),
    neg: (a) => put(0, -LO[a] | 0),
    and: (a, b) => put(0, LO[a] & LO[b]),
    or: (a, b) => put(0, LO[a] | LO[b]),
    xor: (a, b) => put(0, LO[a] ^ LO[b]),
    not: (a) => put(0, ~LO[a]),
    udiv: (a, b) => put(0, u(b) === 0 ? -1 : Math.floor(u(a) / u(b)) | 0),
    urem: (a, b) => put(0, u(b) === 0 ? LO[a] : (u(a) % u(b)) | 0),
    shl: (a, n) => { const k = amount(n); return put(0, k >= 32 ? 0 : LO[a] << k); },
    lshr: (a, n) => { const k = amount(n); return put(0, k >= 32 ? 0 : (LO[a] >>> k) | 0); },
    ashr: (a, n) => put(0, LO[a] >> Math.min(amount(n), 31)),
    shlN: (a, n) => put(0, n >= 32 ? 0 : LO[a] << n),
    lshrN: (a, n) => put(0, n >= 32 ? 0 : (LO[a] >>> n) | 0),
    ashrN: (a, n) => put(0, LO[a] >> Math.min(n, 31)),
    // Products of two 32-bit readings are below 2^64; rounding to a double is monotonic and the
    // bounds compared against are exact doubles, so the comparisons are exact.
    umulOverflows: (a, b) => u(a) * u(b) >= 4294967296,
    smulOverflows: (a, b) => { const p = LO[a] * LO[b]; return p < -2147483648 || p >= 2147483648; },
    eq: (a, b) => LO[a] === LO[b],
    ne: (a, b) => LO[a] !== LO[b],
    ult: (a, b) => u(a) < u(b),
    ule: (a, b) => u(a) <= u(b),
    ugt: (a, b) => u(a) > u(b),
    uge: (a, b) => u(a) >= u(b),
    slt: (a, b) => LO[a] < LO[b],
    sle: (a, b) => LO[a] <= LO[b],
    sgt: (a, b) => LO[a] > LO[b],
    sge: (a, b) => LO[a] >= LO[b],
    ...BOOL_OPS,
    bit: (a, i) => i < 32 && ((LO[a] >>> i) & 1) === 1,
    known: (a) => BigInt(LO[a] >>> 0),
    knownB: (a) => a,
  };
}

export const fixed64: Bits<number, boolean> = make64();
export const fixed32: Bits<number, boolean> = make32();

/** The fixed-width 64/32-bit pair the scalar domain runs on in the verifier model. */
export const fixed64x32: Bits64x32<number, boolean> = {
  u64: fixed64,
  u32: fixed32,
  lo32: (v) => (HI[v] === 0 ? v : put(0, LO[v])),
  zext32: (v) => v,
  sext32: (v) => (LO[v] < 0 ? put(-1, LO[v]) : v),
};

/** The fixed-width ring of a width (32 or 64; the domains need no other at run time). */
export function fixedBits(width: number): Bits<number, boolean> {
  if (width === 64) return fixed64;
  if (width === 32) return fixed32;
  throw new Error(`fixed-width backend: width ${width} not supported (32 or 64)`);
}
