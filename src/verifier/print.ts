// Registers and frames printed as the kernel's log_level 2 does (kernel/bpf/log.c
// print_reg_state / print_verifier_state), so a model run can be diffed against a kernel log.
// Numbers and bounds come from src/domains/format.ts, which the kernel-log printer uses too.
import { type Reg, isConst, typeStr } from './regs.ts';
import type { Frame, RefState } from './state.ts';
import { isSpill } from './stack.ts';
import { addConst, baseId } from './alu.ts';
import { formatBoundsItems, snum, unum } from '../domains/format.ts';

const s64 = (v: bigint) => BigInt.asIntN(64, v);

/** print_reg_state for one register. */
export function printReg(r: Reg, mapName: (i: number) => { name: string; ks: number; vs: number }, frameno = 0): string {
  if (r.type === 'scalar') {
    if (isConst(r.v)) return snum(r.v.varOff.value);
    const items: string[] = [];
    if (r.id) items.push(`id=${baseId(r.id)}${addConst(r.id) ? (r.off >= 0 ? `+${r.off}` : `${r.off}`) : ''}`);
    items.push(...formatBoundsItems(r.v, r.v.varOff));
    return `scalar(${items.join(',')})`;
  }
  if (r.type === 'fp' && isConst(r.v)) return `fp${r.map !== frameno ? `[${r.map}]` : ''}${snum(BigInt(r.off) + s64(r.v.varOff.value))}`;
  const items: string[] = [];
  if (r.id) items.push(`id=${r.id}`);
  if (r.refObj) items.push(`ref_obj_id=${r.refObj}`);
  if (r.type === 'map_ptr' || r.type === 'map_value' || r.type === 'map_value_or_null' || r.type === 'map_key') {
    const m = mapName(r.map);
    items.push(`map=${m.name}`, `ks=${m.ks}`, `vs=${m.vs}`);
  }
  if (r.off) items.push(`off=${snum(BigInt(r.off))}`);
  if (r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'pkt_end') {
    if (r.type !== 'pkt_end') items.push(`r=${unum(BigInt(r.range))}`);
  }
  if (r.type === 'mem' || r.type === 'mem_or_null') items.push(`sz=${r.range}`);
  if (!isConst(r.v)) items.push(...formatBoundsItems(r.v, r.v.varOff));
  else if (r.v.varOff.value) items.push(`imm=${snum(r.v.varOff.value)}`);
  return `${typeStr(r)}(${items.join(',')})`;
}

/** print_verifier_state for one frame; `regs` and `slots` limit what is printed (all when omitted). */
export function printFrame(f: Frame, mapName: (i: number) => { name: string; ks: number; vs: number }, regs = 0x7ff, slots?: Set<number>,
  refs: readonly RefState[] = []): string {
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
  // print_reference_state: the held references' ids
  if (refs.length) out.push(`refs=${refs.map((r) => r.id).join(',')}`);
  return out.join(' ');
}
