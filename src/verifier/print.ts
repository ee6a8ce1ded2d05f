// Registers and frames printed as the kernel's log_level 2 does (kernel/bpf/log.c
// print_reg_state / print_verifier_state), so a model run can be diffed against a kernel log.
// NOTE: src/kernel/regstate.ts has the same number and range formatting for parsed states;
// verifier may not import kernel, so the rules are restated here for the model's own types.
import { type Reg, type Scalar, isConst, typeStr } from './regs.ts';
import type { Frame } from './state.ts';
import { isSpill } from './stack.ts';
import { ADD_CONST, baseId } from './alu.ts';

const U64 = (1n << 64n) - 1n, U32 = 0xffffffffn;
const S64_MIN = -(1n << 63n), S64_MAX = (1n << 63n) - 1n, S32_MIN = -(1n << 31n), S32_MAX = (1n << 31n) - 1n;
const s64 = (v: bigint) => BigInt.asIntN(64, v);
const hex = (v: bigint) => `0x${BigInt.asUintN(64, v).toString(16)}`;
const snum = (v: bigint) => (s64(v) >= -32768n && s64(v) <= 32767n ? s64(v).toString() : hex(v));
const unum = (v: bigint) => (BigInt.asUintN(64, v) <= 65535n ? BigInt.asUintN(64, v).toString() : hex(v));

/** print_scalar_ranges. */
function ranges(s: Scalar): string[] {
  const s32 = (v: bigint) => BigInt.asIntN(32, v);
  const s32val = (v: bigint) => (s32(v) >= -32768n && s32(v) <= 32767n ? BigInt.asUintN(64, s32(v)) : v & U32);
  const ms = [
    { name: 'smin', val: s.smin, omit: s64(s.smin) === S64_MIN },
    { name: 'smax', val: s.smax, omit: s64(s.smax) === S64_MAX },
    { name: 'umin', val: s.umin, omit: s.umin === 0n },
    { name: 'umax', val: s.umax, omit: s.umax === U64 },
    { name: 'smin32', val: s32val(s.s32min), omit: s32(s.s32min) === S32_MIN },
    { name: 'smax32', val: s32val(s.s32max), omit: s32(s.s32max) === S32_MAX },
    { name: 'umin32', val: s.u32min, omit: s.u32min === 0n },
    { name: 'umax32', val: s.u32max, omit: s.u32max === U32 },
  ];
  const neg = (m: (typeof ms)[number]) => m.name[0] === 's' && s64(m.val) < 0n;
  const out: string[] = [];
  for (let i = 0; i < ms.length; i++) {
    const a = ms[i];
    if (a.omit) continue;
    let t = `${a.name}=`;
    for (let j = i + 2; j < ms.length; j += 2) {
      const b = ms[j];
      if (b.omit || b.val !== a.val || neg(a) !== neg(b)) continue;
      b.omit = true;
      t += `${b.name}=`;
    }
    out.push(t + (a.name[0] === 's' ? snum(a.val) : unum(a.val)));
  }
  return out;
}

const unknownTnum = (s: Scalar) => s.varOff.value === 0n && s.varOff.mask === U64;
const tn = (s: Scalar) => `(${hex(s.varOff.value)}; ${hex(s.varOff.mask)})`;

/** print_reg_state for one register. */
export function printReg(r: Reg, mapName: (i: number) => { name: string; ks: number; vs: number }, frameno = 0): string {
  if (r.type === 'scalar') {
    if (isConst(r.v)) return snum(r.v.varOff.value);
    const items: string[] = [];
    if (r.id) items.push(`id=${baseId(r.id)}${r.id >= ADD_CONST ? (r.off >= 0 ? `+${r.off}` : `${r.off}`) : ''}`);
    items.push(...ranges(r.v));
    if (!unknownTnum(r.v)) items.push(`var_off=${tn(r.v)}`);
    return `scalar(${items.join(',')})`;
  }
  if (r.type === 'fp' && isConst(r.v)) return `fp${r.map !== frameno ? `[${r.map}]` : ''}${snum(BigInt(r.off) + s64(r.v.varOff.value))}`;
  const items: string[] = [];
  if (r.id) items.push(`id=${r.id}`);
  if (r.type === 'map_ptr' || r.type === 'map_value' || r.type === 'map_value_or_null' || r.type === 'map_key') {
    const m = mapName(r.map);
    items.push(`map=${m.name}`, `ks=${m.ks}`, `vs=${m.vs}`);
  }
  if (r.off) items.push(`off=${snum(BigInt(r.off))}`);
  if (r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'pkt_end') {
    if (r.type !== 'pkt_end') items.push(`r=${unum(BigInt(r.range))}`);
  }
  if (r.type === 'mem' || r.type === 'mem_or_null') items.push(`sz=${r.range}`);
  if (!isConst(r.v)) {
    items.push(...ranges(r.v));
    if (!unknownTnum(r.v)) items.push(`var_off=${tn(r.v)}`);
  } else if (r.v.varOff.value) items.push(`imm=${snum(r.v.varOff.value)}`);
  return `${typeStr(r)}(${items.join(',')})`;
}

/** print_verifier_state for one frame; `regs` and `slots` limit what is printed (all when omitted). */
export function printFrame(f: Frame, mapName: (i: number) => { name: string; ks: number; vs: number }, regs = 0x7ff, slots?: Set<number>): string {
  const out: string[] = [];
  if (f.frameno) out.push(`frame${f.frameno}:`);
  for (let i = 0; i <= 10; i++) {
    if (!(regs & (1 << i))) continue;
    const r = f.regs[i];
    if (r.type === 'not_init') continue;
    out.push(`R${i}=${printReg(r, mapName, f.frameno)}`);
  }
  for (let spi = 0; spi < f.stack.length; spi++) {
    const s = f.stack[spi];
    if (!s || s.types === '????????' || (slots && !slots.has(spi))) continue;
    const body = isSpill(s) ? s.types.slice(0, s.types.indexOf('r')) + printReg(s.spilled, mapName, f.frameno) : s.types;
    out.push(`fp${-(spi + 1) * 8}=${body}`);
  }
  return out.join(' ');
}
