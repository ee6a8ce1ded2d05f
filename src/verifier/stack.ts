// The 512-byte stack of one frame, by 8-byte slot (struct bpf_stack_state): eight byte kinds
// and, for a spill, the spilled register.
//
// Byte kinds are one character each, kept in the kernel's slot_type[] order: index i of slot
// `spi` is the byte at fp - 8*spi - 1 - i (so index 0 is the highest address, and the string
// prints as the kernel's `fp-8=mmmm????`). '?' invalid (never written), 'r' spill, 'm' misc,
// '0' known zero. A slot that was never written is `undefined`.
import { type Reg, D, SCALAR_UNKNOWN, SCALAR_ZERO, immReg, scalarReg } from './regs.ts';
import { scalarConst } from '../domains/scalar.ts';
import type { DynptrMeta } from './dynptr.ts';

export const MAX_STACK = 512;
export const SLOTS = MAX_STACK / 8;

export interface Slot {
  readonly types: string;
  /** The spilled register when types[7] == 'r'. */
  readonly spilled?: Reg;
  /** The dynptr when the bytes are STACK_DYNPTR ('d'). */
  readonly dynptr?: DynptrMeta;
}

export type Stack = (Slot | undefined)[];

/**
 * A slot made with its three fields in this order, whatever it holds (spilled and dynptr
 * undefined when absent): one V8 map for every slot. Literals of one or two fields gave slots
 * three maps (and a spread a fourth), so every slot read of the prune, the packet-range and the
 * ALU sanitation code was polymorphic.
 */
export function slotOf(types: string, spilled?: Reg, dynptr?: DynptrMeta): Slot {
  return { types, spilled, dynptr } satisfies Record<keyof Slot, unknown>;
}

const INVALID = '????????';

/** Byte position of stack offset `off` (< 0): slot index and index in slot_type. */
export const spiOf = (off: number): number => (-off - 1) >> 3;
export const byteOf = (off: number): number => (-off - 1) & 7;

/** is_spilled_reg. */
export const isSpill = (s: Slot | undefined): s is Slot & { spilled: Reg } => !!s && s.types[7] === 'r' && !!s.spilled;

/** Spill size: count of trailing 'r' bytes. */
export function spillSize(s: Slot): number {
  let n = 0;
  for (let i = 7; i >= 0 && s.types[i] === 'r'; i--) n++;
  return n;
}

/** save_register_state: spill `reg` as `size` bytes at the bottom of slot spi. */
export function spill(st: Stack, spi: number, reg: Reg, size: number): void {
  // a full spill's kinds are a constant (most spills); a narrower one keeps the bytes above it,
  // an older spill's bytes among them becoming misc
  let t = RUNS.r[8];
  if (size !== 8) {
    const old = st[spi]?.types ?? INVALID;
    t = '';
    for (let i = 0; i < 8 - size; i++) t += old[i] === 'r' ? 'm' : old[i];
    t += RUNS.r[size];
  }
  st[spi] = slotOf(t, reg);
}

/** Each byte kind repeated 0-8 times (a write's bytes within one slot). */
const RUNS = { r: runsOf('r'), m: runsOf('m'), '0': runsOf('0') };

function runsOf(c: string): string[] {
  const out = [''];
  for (let n = 1; n <= 8; n++) out.push(out[n - 1] + c);
  return out;
}

/**
 * scrub_special_slot's kinds: a spill's bytes become misc (a full spill's at once; others by a
 * loop: a global regular-expression replace was ~1% of a re-check storing over spills).
 */
function scrubbed(t: string): string {
  if (t === RUNS.r[8]) return RUNS.m[8];
  let out = '';
  for (let i = 0; i < 8; i++) out += t[i] === 'r' ? 'm' : t[i];
  return out;
}

/** The offset just above slot spi (its bytes are [-8 * spi - 8, -8 * spi)). */
const slotTop = (spi: number): number => -8 * spi;

/** Write non-spill data (misc or zero) to bytes [off, off+size) of the stack. */
export function writeBytes(st: Stack, off: number, size: number, kind: 'm' | '0'): void {
  // slot by slot, one new slot each (the kernel goes byte by byte, scrubbing a spill at a slot's
  // first byte, the same result): a slot's bytes [b, e) are its kinds' indices byteOf(e - 1) to byteOf(b)
  const end = off + size;
  for (let b = off; b < end;) {
    const spi = spiOf(b);
    const e = Math.min(end, slotTop(spi));
    const s = st[spi];
    let t = s?.types ?? INVALID;
    // scrub_special_slot: a regular write destroys a spilled register
    if (s && isSpill(s)) t = scrubbed(t);
    const first = byteOf(e - 1), last = byteOf(b);
    st[spi] = slotOf(t.slice(0, first) + RUNS[kind][last - first + 1] + t.slice(last + 1));
    b = e;
  }
}

/** Kinds of bytes [off, off+size) as a string, lowest address first. */
export function kindsOf(st: Stack, off: number, size: number): string {
  let out = '';
  for (let b = off; b < off + size; b++) out += st[spiOf(b)]?.types[byteOf(b)] ?? '?';
  return out;
}

/**
 * Fixed-offset read of `size` bytes at `off` (check_stack_read_fixed_off, privileged or not).
 * Returns the register read, or an error message.
 */
export function readFixed(st: Stack, off: number, size: number, allowUninit: boolean): Reg | string {
  const spi = spiOf(off);
  const s = st[spi];
  if (isSpill(s)) {
    const n = spillSize(s);
    const reg = s.spilled;
    if (size === 8 && n === 8) return reg;
    if (reg.type !== 'scalar') return 'invalid size of register fill';
    // narrow fill of the low bytes of a spilled scalar (bpf_stack_narrow_access_ok, little endian)
    if (size <= n && -off - 1 === spi * 8 + 7) return reg; // caller truncates with coerce
    let spills = 0, zeros = 0;
    for (let i = 0; i < size; i++) {
      const c = s.types[byteOf(off + i)];
      if (c === 'r') spills++;
      else if (c === '0') zeros++;
      else if (c === '?' && !allowUninit) return `invalid read from stack off ${off}+${i} size ${size}`;
    }
    if (spills === size && reg.v.varOff.mask === 0n && reg.v.varOff.value === 0n) return SCALAR_ZERO;
    if (zeros === size) return SCALAR_ZERO;
    return SCALAR_UNKNOWN;
  }
  let zeros = 0;
  for (let i = 0; i < size; i++) {
    const c = st[spiOf(off + i)]?.types[byteOf(off + i)] ?? '?';
    if (c === '0') zeros++;
    else if ((c === '?' && !allowUninit) || c === 'd') return `invalid read from stack off ${off}+${i} size ${size}`;
    else if (c === 'r') {
      // a read straddling a spill: only scalars may be read as bytes
      const sp = st[spiOf(off + i)];
      if (sp?.spilled && sp.spilled.type !== 'scalar') return 'invalid size of register fill';
    }
  }
  return zeros === size ? SCALAR_ZERO : SCALAR_UNKNOWN;
}

/** An immediate stored with BPF_ST, as the kernel's fake register (imm sign-extended). */
export const stImmReg = (imm: number): Reg => immReg(imm | 0);

/** Clear every spill in slots touched by [lo, hi) (var-offset write) and mark the bytes misc/zero. */
export function writeRange(st: Stack, lo: number, hi: number, zero: boolean): void {
  // slot by slot as writeBytes: a zero byte stays zero when the write may be zero, any other becomes misc
  for (let b = lo; b < hi;) {
    const spi = spiOf(b);
    const e = Math.min(hi, slotTop(spi));
    const s = st[spi];
    let t = s?.types ?? INVALID;
    if (s && isSpill(s)) t = scrubbed(t);
    const first = byteOf(e - 1), last = byteOf(b);
    let mid = RUNS.m[last - first + 1];
    if (zero) {
      mid = '';
      for (let i = first; i <= last; i++) mid += t[i] === '0' ? '0' : 'm';
    }
    st[spi] = slotOf(t.slice(0, first) + mid + t.slice(last + 1));
    b = e;
  }
}
