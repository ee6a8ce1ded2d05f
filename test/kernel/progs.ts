// Tiny instruction builders for the kernel tests (independent of src/isa/asm.ts).
import { fromOp, lddwParts, type AluName, type JcondName, type Size } from '../../src/isa/op.ts';
import type { Insn } from '../../src/isa/insn.ts';
import { PSEUDO } from '../../src/isa/opcodes.ts';
import type { MapDef, Program, ProgType } from '../../src/isa/program.ts';

type Src = number | { r: number };
const operand = (s: Src) => (typeof s === 'number' ? { imm: s } : { reg: s.r });

export const R = (r: number) => ({ r });
export const alu64 = (op: AluName, dst: number, src: Src): Insn[] => fromOp({ kind: 'alu', op, width: 64, dst, src: operand(src) });
export const alu32 = (op: AluName, dst: number, src: Src): Insn[] => fromOp({ kind: 'alu', op, width: 32, dst, src: operand(src) });
export const mov = (dst: number, src: Src) => alu64('mov', dst, src);
export const jmp = (op: JcondName, dst: number, src: Src, off: number): Insn[] => fromOp({ kind: 'jcond', op, width: 64, dst, src: operand(src), off });
export const jmp32 = (op: JcondName, dst: number, src: Src, off: number): Insn[] => fromOp({ kind: 'jcond', op, width: 32, dst, src: operand(src), off });
export const ja = (off: number) => fromOp({ kind: 'ja', off, long: false });
export const ldx = (size: Size, dst: number, src: number, off: number) => fromOp({ kind: 'ldx', size, signed: false, dst, src, off });
export const stx = (size: Size, dst: number, off: number, src: number) => fromOp({ kind: 'stx', size, dst, src, off });
export const st = (size: Size, dst: number, off: number, imm: number) => fromOp({ kind: 'st', size, dst, off, imm });
export const lddw = (dst: number, v: bigint) => fromOp({ kind: 'lddw', dst, pseudo: 0, ...lddwParts(v) });
/** r = &maps[idx] (lddw src=MAP_IDX). */
export const ldMap = (dst: number, idx: number) => fromOp({ kind: 'lddw', dst, pseudo: PSEUDO.MAP_IDX, lo: idx, hi: 0 });
/** r = &maps[idx].value[off] (lddw src=MAP_IDX_VALUE). */
export const ldMapValue = (dst: number, idx: number, off = 0) => fromOp({ kind: 'lddw', dst, pseudo: PSEUDO.MAP_IDX_VALUE, lo: idx, hi: off });
export const call = (helper: number) => fromOp({ kind: 'call', callKind: 'helper', imm: helper, off: 0 });
export const callLocal = (off: number) => fromOp({ kind: 'call', callKind: 'local', imm: off, off: 0 });
export const exit = () => fromOp({ kind: 'exit' });

export function prog(type: ProgType, parts: Insn[][], maps: MapDef[] = [], name = 'test'): Program {
  return { name, section: type, type, insns: parts.flat(), maps, license: 'GPL', funcs: [{ name, start: 0 }] };
}

export const arrayMap = (name: string, valueSize = 8, maxEntries = 1): MapDef => ({ name, type: 2, keySize: 4, valueSize, maxEntries, flags: 0 });
export const hashMap = (name: string, keySize = 4, valueSize = 8, maxEntries = 16): MapDef => ({ name, type: 1, keySize, valueSize, maxEntries, flags: 0 });
