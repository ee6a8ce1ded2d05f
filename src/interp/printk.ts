// bpf_trace_printk formatting: the conversions bpf_bprintf_prepare (kernel/bpf/helpers.c)
// accepts — %d %i %u %x %X with l/ll, %c, %s, %p (%pK %px %ps %pS), %pi4 %pI4 %pi6 %pI6,
// flags [0 +-] and a width — rendered like vsnprintf (which also swallows the alphanumerics
// that follow a %p extension). undefined = the kernel's -EINVAL.
import type { Machine } from './machine.ts';

// The kernel's ctype (lib/ctype.c) classifies Latin-1 too: 0xa0 is a space, 0xa1-0xbf, 0xd7
// and 0xf7 punctuation, the other bytes from 0xc0 letters; 0x80-0x9f none (measured on 6.18).
const isPrint = (c: number): boolean => c >= 0x20 && c < 0x7f;
const isSpace = (c: number): boolean => c === 0x20 || (c >= 9 && c <= 13) || c === 0xa0;
const isAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
  (c >= 0xc0 && c <= 0xff && c !== 0xd7 && c !== 0xf7);
const isPunct = (c: number): boolean => (isPrint(c) && c !== 0x20 && !isAlnum(c)) || (c >= 0xa1 && c <= 0xbf) || c === 0xd7 || c === 0xf7;

function pad(body: string, flags: string, width: number, numeric: false | 'signed' | 'unsigned'): string {
  let s = body;
  if (numeric === 'signed' && !s.startsWith('-')) { // '+' and ' ' only sign %d / %i
    if (flags.includes('+')) s = `+${s}`;
    else if (flags.includes(' ')) s = ` ${s}`;
  }
  if (s.length >= width) return s;
  if (flags.includes('-')) return s.padEnd(width, ' ');
  if (numeric && flags.includes('0')) {
    const sign = /^[-+ ]/.test(s) ? s[0] : '';
    return sign + s.slice(sign.length).padStart(width - sign.length, '0');
  }
  return s.padStart(width, ' ');
}

/** Read a NUL-terminated string at the pointer (hi, lo); '' if unreadable. */
function readString(m: Machine, hi: number, lo: number): string {
  let out = '';
  for (let i = 0; i < 1024; i++) {
    const at = m.resolve(hi, (lo >>> 0) + i, 1, false);
    if (at < 0) return out;
    const c = m.u8[at];
    if (c === 0) return out;
    out += String.fromCharCode(c);
  }
  return out;
}

function readBytes(m: Machine, hi: number, lo: number, n: number): Uint8Array {
  const at = m.resolve(hi, lo >>> 0, n, false);
  return at < 0 ? new Uint8Array(n) : m.u8.slice(at, at + n);
}

/** Format `fmt` with the values of registers `argRegs`. */
export function formatPrintk(m: Machine, fmt: Uint8Array, argRegs: readonly number[]): string | undefined {
  let out = '';
  let spec = 0;
  const n = fmt.length;
  const at = (i: number): number => (i < n ? fmt[i] : 0);
  for (let i = 0; i < n; i++) {
    const c = fmt[i];
    if (c < 0x80 && !isPrint(c) && !isSpace(c)) return undefined;
    if (c !== 0x25) { out += String.fromCharCode(c); continue; }
    if (at(i + 1) === 0x25) { out += '%'; i++; continue; }
    if (spec >= argRegs.length) return undefined;
    const r = argRegs[spec++];
    const lo = m.RL[r], hi = m.RH[r];
    const v64 = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    i++;
    let flags = '';
    while ('0+- '.includes(String.fromCharCode(at(i))) && at(i) !== 0) flags += String.fromCharCode(fmt[i++]);
    let width = 0;
    if (at(i) >= 0x31 && at(i) <= 0x39) while (at(i) >= 0x30 && at(i) <= 0x39) width = width * 10 + (fmt[i++] - 0x30);
    const ch = String.fromCharCode(at(i));
    if (ch === 'p') {
      const nx = at(i + 1);
      if (nx === 0 || isSpace(nx) || isPunct(nx)) { out += pad(`0x${v64.toString(16)}`, flags, width, false); continue; }
      const n2 = String.fromCharCode(nx);
      if ((n2 === 'k' || n2 === 'u') && at(i + 2) === 0x73) {
        i += 2;
        if (at(i + 1) !== 0 && !isSpace(at(i + 1)) && !isPunct(at(i + 1))) return undefined;
        out += pad(readString(m, hi, lo), flags, width, false);
        continue;
      }
      // vsnprintf skips every alphanumeric after a %p extension ("%pI4ab" prints no "ab")
      const skipAlnum = (): void => { while (isAlnum(at(i + 1))) i++; };
      if ('KxsS'.includes(n2)) { i++; skipAlnum(); out += pad(v64.toString(16).padStart(16, '0'), flags, width, false); continue; }
      if (n2 === 'B') { i++; skipAlnum(); out += `0x${v64.toString(16)}`; continue; }
      const kind = String.fromCharCode(at(i + 2));
      if ((n2 !== 'i' && n2 !== 'I') || (kind !== '4' && kind !== '6')) return undefined;
      i += 2;
      skipAlnum();
      const b = readBytes(m, hi, lo, kind === '4' ? 4 : 16);
      if (kind === '4') out += [...b].map((x) => (n2 === 'i' ? String(x).padStart(3, '0') : String(x))).join('.');
      else {
        const groups = Array.from({ length: 8 }, (_, g) => ((b[2 * g] << 8) | b[2 * g + 1]).toString(16).padStart(4, '0'));
        out += n2 === 'i' ? groups.join('') : groups.join(':');
      }
      continue;
    }
    if (ch === 's') {
      if (at(i + 1) !== 0 && !isSpace(at(i + 1)) && !isPunct(at(i + 1))) return undefined;
      out += pad(readString(m, hi, lo), flags, width, false);
      continue;
    }
    if (ch === 'c') { out += pad(String.fromCharCode(lo & 0xff), flags, width, false); continue; }
    let bits = 32;
    if (at(i) === 0x6c) { bits = 64; i++; }
    if (at(i) === 0x6c) { bits = 64; i++; }
    const conv = String.fromCharCode(at(i));
    const u = BigInt.asUintN(bits, v64);
    let body: string;
    if (conv === 'd' || conv === 'i') body = BigInt.asIntN(bits, v64).toString();
    else if (conv === 'u') body = u.toString();
    else if (conv === 'x') body = u.toString(16);
    else if (conv === 'X') body = u.toString(16).toUpperCase();
    else return undefined;
    out += pad(body, flags, width, conv === 'd' || conv === 'i' ? 'signed' : 'unsigned');
  }
  return out;
}
