// Builders for interpreter tests: programs from typed Ops (src/isa/op.ts fromOp).
import { fromOp, lddwParts, type AluName, type JcondName, type Op, type Size } from '../../src/isa/op.ts';
import type { MapDef, Program, ProgType } from '../../src/isa/program.ts';
import { prepare, type RunInput, type RunResult } from '../../src/interp/index.ts';

type Src = { reg: number } | { imm: number };
export const R = (r: number): Src => ({ reg: r });
export const K = (v: number): Src => ({ imm: v });

export const alu = (op: AluName, dst: number, src: Src, width: 32 | 64 = 64, ext?: 8 | 16 | 32): Op =>
  ext ? { kind: 'alu', op, width, dst, src, ext } : { kind: 'alu', op, width, dst, src };
export const alu32 = (op: AluName, dst: number, src: Src): Op => alu(op, dst, src, 32);
export const mov = (dst: number, src: Src): Op => alu('mov', dst, src);
export const jc = (op: JcondName, dst: number, src: Src, off: number, width: 32 | 64 = 64): Op =>
  ({ kind: 'jcond', op, width, dst, src, off });
export const ja = (off: number): Op => ({ kind: 'ja', off, long: false });
export const exit: Op = { kind: 'exit' };
export const call = (id: number): Op => ({ kind: 'call', callKind: 'helper', imm: id, off: 0 });
export const callLocal = (rel: number): Op => ({ kind: 'call', callKind: 'local', imm: rel, off: 0 });
export const lddw = (dst: number, v: bigint, pseudo = 0): Op => ({ kind: 'lddw', dst, pseudo, ...lddwParts(v) });
export const ldMap = (dst: number, idx: number): Op => ({ kind: 'lddw', dst, pseudo: 5, lo: idx, hi: 0 });
export const ldMapValue = (dst: number, idx: number, off: number): Op => ({ kind: 'lddw', dst, pseudo: 6, lo: idx, hi: off });
export const ldx = (size: Size, dst: number, src: number, off: number, signed = false): Op => ({ kind: 'ldx', size, signed, dst, src, off });
export const stx = (size: Size, dst: number, src: number, off: number): Op => ({ kind: 'stx', size, dst, src, off });
export const st = (size: Size, dst: number, off: number, imm: number): Op => ({ kind: 'st', size, dst, off, imm });
export const end = (order: 'le' | 'be' | 'swap', bits: 16 | 32 | 64, dst: number): Op => ({ kind: 'end', order, bits, dst });

export function program(ops: Op[], type: ProgType = 'xdp', maps: MapDef[] = []): Program {
  return { name: 't', section: type, type, insns: ops.flatMap(fromOp), maps, license: 'GPL', funcs: [{ name: 't', start: 0 }] };
}

export function mapDef(type: number, keySize: number, valueSize: number, maxEntries: number, name = 'm'): MapDef {
  return { name, type, keySize, valueSize, maxEntries, flags: 0 };
}

/** Run once; throw (a test failure) if the result is not an exit. */
export function r0(ops: Op[], input: RunInput = { packet: new Uint8Array(64) }, type: ProgType = 'xdp', maps: MapDef[] = []): bigint {
  const r = prepare(program(ops, type, maps)).run(input);
  if (r.kind !== 'exit') throw new Error(`expected exit, got fault ${r.reason} at ${r.pc}: ${r.message}`);
  return r.r0;
}

export function run(ops: Op[], input: RunInput = { packet: new Uint8Array(64) }, type: ProgType = 'xdp', maps: MapDef[] = []): RunResult {
  return prepare(program(ops, type, maps)).run(input);
}

export const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
export const le32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n >>> 0]).buffer);
export const le64 = (n: bigint): Uint8Array => new Uint8Array(new BigUint64Array([BigInt.asUintN(64, n)]).buffer);

/** bpf_trace_printk(fmt at fp-64, size, args in r3..) where an arg 'str' is fp-96, holding "abcd". */
export function printkOps(fmt: number[], size: number, args: (number | 'str')[]): Op[] {
  const ops: Op[] = [];
  [...fmt, 0].forEach((b, i) => ops.push(st(1, 10, -64 + i, b)));
  [0x61, 0x62, 0x63, 0x64, 0].forEach((b, i) => ops.push(st(1, 10, -96 + i, b)));
  args.forEach((a, i) => ops.push(...(a === 'str' ? [mov(3 + i, R(10)), alu('add', 3 + i, K(-96))] : [mov(3 + i, K(a))])));
  return [...ops, mov(1, R(10)), alu('add', 1, K(-64)), mov(2, K(size)), call(6), exit];
}
