// Text forms of concrete tnums.
//
// - Kernel form, as tnum_strn prints var_off in the verifier log (kernel/bpf/log.c): a known
//   constant prints bare — decimal when ≤ 65535, else `%#llx` — and otherwise `(%#llx; %#llx)`,
//   e.g. `(0x0; 0xff)` (the kernel's printf writes 0 with `#` as `0x0`).
// - Bit form, as tnum_sbin: one character per bit, most significant first, `x` for unknown,
//   written here with a `0b` prefix: `0b10xx1`.
// Parsing accepts both forms and plain constants (`5`, `0x10`, `-1`).
import type { Tnum } from './tnum.ts';

export class TnumParseError extends Error {
  override name = 'TnumParseError';
}

const hex = (x: bigint): string => `0x${x.toString(16)}`;

/** tnum_strn: `(0x0; 0xff)`, or the constant alone when the mask is 0. */
export function formatTnum(t: Tnum<bigint>): string {
  if (t.mask === 0n) return t.value <= 0xffffn ? t.value.toString(10) : hex(t.value);
  return `(${hex(t.value)}; ${hex(t.mask)})`;
}

/** Always the pair form `(0x5; 0x2)`, even for constants. */
export function formatTnumPair(t: Tnum<bigint>): string {
  return `(${hex(t.value)}; ${hex(t.mask)})`;
}

/**
 * tnum_sbin with a `0b` prefix: `width` characters, or with `trim` the leading known zeros
 * dropped (at least one character kept).
 */
export function formatTnumBits(t: Tnum<bigint>, width = 64, opts: { trim?: boolean } = {}): string {
  let s = '';
  for (let i = width - 1; i >= 0; i--) {
    const bit = 1n << BigInt(i);
    s += t.mask & bit ? 'x' : t.value & bit ? '1' : '0';
  }
  if (opts.trim) s = s.replace(/^0+(?=.)/, '');
  return `0b${s}`;
}

/** Parse a number as printed by the kernel or typed by a person: decimal, 0x hex, 0b binary, 0o octal, optional minus. */
function parseNumber(text: string, width: number, what: string): bigint {
  const s = text.trim().replace(/_/g, '');
  if (!/^-?(0x[0-9a-f]+|0b[01]+|0o[0-7]+|[0-9]+)$/i.test(s)) throw new TnumParseError(`${what}: not a number: '${text.trim()}'`);
  const neg = s.startsWith('-');
  const mag = BigInt(neg ? s.slice(1) : s);
  const limit = 1n << BigInt(width);
  if (neg) {
    if (mag > limit / 2n) throw new TnumParseError(`${what}: ${s} is below the signed ${width}-bit range`);
    return BigInt.asUintN(width, -mag);
  }
  if (mag >= limit) throw new TnumParseError(`${what}: ${s} does not fit in ${width} bits`);
  return mag;
}

/**
 * Parse `(v; m)`, `0b10xx1` or a plain constant into a well-formed tnum of the given width.
 * Errors name what is wrong: a malformed number, a value that does not fit, value & mask ≠ 0.
 */
export function parseTnum(text: string, width = 64): Tnum<bigint> {
  const s = text.trim();
  if (s === '') throw new TnumParseError('empty tnum');
  if (s.startsWith('(')) {
    const m = /^\(\s*([^;()]+?)\s*;\s*([^;()]+?)\s*\)$/.exec(s);
    if (!m) throw new TnumParseError(`expected '(value; mask)', got '${s}'`);
    const value = parseNumber(m[1], width, 'value');
    const mask = parseNumber(m[2], width, 'mask');
    if (value & mask) throw new TnumParseError(`value ${hex(value)} and mask ${hex(mask)} overlap in ${hex(value & mask)}`);
    return { value, mask };
  }
  if (/^0b[01x_]*x[01x_]*$/i.test(s)) {
    const bits = s.slice(2).replace(/_/g, '').toLowerCase();
    if (bits.length > width) throw new TnumParseError(`'${s}' has ${bits.length} bits, more than ${width}`);
    let value = 0n;
    let mask = 0n;
    for (const ch of bits) {
      value <<= 1n;
      mask <<= 1n;
      if (ch === '1') value |= 1n;
      else if (ch === 'x') mask |= 1n;
    }
    return { value, mask };
  }
  return { value: parseNumber(s, width, 'constant'), mask: 0n };
}
