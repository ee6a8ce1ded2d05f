// Numbers, bounds and var_off as the kernel's verifier log prints them (kernel/bpf/log.c:
// verbose_snum, verbose_unum, print_scalar_ranges, tnum_strn). Shared by the verifier model's
// printer and the kernel-log parser's printer so the two print the same text for the same state.
//
//   snum: decimal when the value as s64 is in [-32768, 32767], else the u64 pattern as 0x…
//   unum: decimal when the value as u64 is ≤ 65535, else 0x…
//   ranges: the eight bounds in the order smin smax umin umax smin32 smax32 umin32 umax32;
//     a bound at its default is omitted; a bound equal to a later one of the same kind (min
//     with mins, max with maxes) prints once as `a=b=…`, but a negative signed value never
//     groups with a non-negative one; signed 32-bit values outside s16 print as their u32
//     pattern.
import type { Tnum } from './tnum.ts';

const U64 = (1n << 64n) - 1n;
const U32 = (1n << 32n) - 1n;

const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);
const inS16 = (v: bigint): boolean => v >= -32768n && v <= 32767n;

/** %#llx of the u64 pattern (0 prints as 0x0). */
export const hex64 = (v: bigint): string => `0x${u64(v).toString(16)}`;
/** verbose_snum: v as s64. */
export const snum = (v: bigint): string => (inS16(s64(v)) ? s64(v).toString() : hex64(v));
/** verbose_unum: v as u64. */
export const unum = (v: bigint): string => (u64(v) <= 65535n ? u64(v).toString() : hex64(v));

/**
 * The eight bounds of a scalar. Signed fields may hold either the signed value or the bit
 * pattern of their width (the printer reads them through asIntN); unsigned ones are values.
 */
export interface PrintedBounds {
  readonly smin: bigint;
  readonly smax: bigint;
  readonly umin: bigint;
  readonly umax: bigint;
  readonly s32min: bigint;
  readonly s32max: bigint;
  readonly u32min: bigint;
  readonly u32max: bigint;
}

/** print_scalar_ranges: the bound items (maybe none). */
export function formatRanges(b: PrintedBounds): string[] {
  // a 32-bit signed bound prints through snum of: its sign-extension when in s16, else its u32 pattern
  const s32print = (v: bigint) => (inS16(s32(v)) ? u64(s32(v)) : v & U32);
  const items = [
    { name: 'smin', val: u64(b.smin), omit: s64(b.smin) === -(1n << 63n) },
    { name: 'smax', val: u64(b.smax), omit: s64(b.smax) === (1n << 63n) - 1n },
    { name: 'umin', val: u64(b.umin), omit: u64(b.umin) === 0n },
    { name: 'umax', val: u64(b.umax), omit: u64(b.umax) === U64 },
    { name: 'smin32', val: s32print(b.s32min), omit: s32(b.s32min) === -(1n << 31n) },
    { name: 'smax32', val: s32print(b.s32max), omit: s32(b.s32max) === (1n << 31n) - 1n },
    { name: 'umin32', val: b.u32min & U32, omit: (b.u32min & U32) === 0n },
    { name: 'umax32', val: b.u32max & U32, omit: (b.u32max & U32) === U32 },
  ];
  const signed = (i: number) => items[i].name[0] === 's';
  const negative = (i: number) => signed(i) && s64(items[i].val) < 0n;
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) {
    if (items[i].omit) continue;
    let text = `${items[i].name}=`;
    // same parity = same kind (min/max); later items only
    for (let j = i + 2; j < items.length; j += 2) {
      if (items[j].omit || items[j].val !== items[i].val || negative(j) !== negative(i)) continue;
      items[j].omit = true;
      text += `${items[j].name}=`;
    }
    out.push(text + (signed(i) ? snum(items[i].val) : unum(items[i].val)));
  }
  return out;
}

/** tnum_strn for a var_off that is not constant: `(0x0; 0xff)`. */
export const formatVarOffPair = (t: Tnum<bigint>): string => `(${hex64(t.value)}; ${hex64(t.mask)})`;

/** A var_off with every bit unknown is not printed. */
export const varOffUnknown = (t: Tnum<bigint>): boolean => t.value === 0n && u64(t.mask) === U64;

/** The items after an id for a non-constant value (scalar or a pointer's variable part): ranges, then var_off unless fully unknown. */
export function formatBoundsItems(b: PrintedBounds, varOff: Tnum<bigint>): string[] {
  const out = formatRanges(b);
  if (!varOffUnknown(varOff)) out.push(`var_off=${varOff.mask === 0n ? unum(varOff.value) : formatVarOffPair(varOff)}`);
  return out;
}
