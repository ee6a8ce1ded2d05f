// fast-check arbitraries for valid instructions (as typed Ops), shared by ISA tests.
import fc from 'fast-check';
import type { Op } from '../../src/isa/op.ts';

const reg = fc.integer({ min: 0, max: 10 });
const wreg = fc.integer({ min: 0, max: 9 }); // destination registers (r10 is read-only, but decodable)
const imm = fc.oneof(fc.integer({ min: -2147483648, max: 2147483647 }), fc.integer({ min: -20, max: 20 }));
const off = fc.integer({ min: -32768, max: 32767 });
const width = fc.constantFrom(32 as const, 64 as const);
const size = fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const);
const operand = fc.oneof(reg.map((r) => ({ reg: r })), imm.map((i) => ({ imm: i })));

// (records are rebuilt as plain objects: fast-check makes null-prototype ones)
export const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('alu' as const), op: fc.constantFrom('add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'mod', 'smod', 'xor', 'mov', 'arsh' as const), width, dst: wreg, src: operand }) as fc.Arbitrary<Op>,
  fc.record({ kind: fc.constant('alu' as const), op: fc.constant('neg' as const), width, dst: wreg, src: fc.constant({ imm: 0 }) }),
  fc.tuple(width, wreg, reg).chain(([w, d, s]) =>
    fc.constantFrom(...(w === 64 ? [8, 16, 32] as const : [8, 16] as const)).map((ext) => ({ kind: 'alu' as const, op: 'movsx' as const, width: w, dst: d, src: { reg: s }, ext }))),
  fc.record({ kind: fc.constant('end' as const), order: fc.constantFrom('le' as const, 'be' as const, 'swap' as const), bits: fc.constantFrom(16 as const, 32 as const, 64 as const), dst: wreg }),
  fc.record({ kind: fc.constant('ja' as const), off, long: fc.constant(false) }),
  fc.record({ kind: fc.constant('ja' as const), off: imm, long: fc.constant(true) }),
  fc.record({ kind: fc.constant('jcond' as const), op: fc.constantFrom('jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle' as const), width, dst: reg, src: operand, off }) as fc.Arbitrary<Op>,
  fc.record({ kind: fc.constant('call' as const), callKind: fc.constant('helper' as const), imm: fc.integer({ min: 0, max: 211 }), off: fc.constant(0) }),
  fc.record({ kind: fc.constant('call' as const), callKind: fc.constant('local' as const), imm, off: fc.constant(0) }),
  fc.record({ kind: fc.constant('call' as const), callKind: fc.constant('kfunc' as const), imm, off: fc.constant(0) }),
  fc.constant({ kind: 'exit' as const }),
  fc.record({ kind: fc.constant('lddw' as const), dst: wreg, pseudo: fc.constant(0), lo: imm, hi: imm }),
  fc.record({ kind: fc.constant('lddw' as const), dst: wreg, pseudo: fc.integer({ min: 1, max: 6 }), lo: imm, hi: imm }),
  fc.record({ kind: fc.constant('ldabs' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), imm }),
  fc.record({ kind: fc.constant('ldind' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), src: reg, imm }),
  fc.record({ kind: fc.constant('ldx' as const), size, signed: fc.constant(false), dst: wreg, src: reg, off }),
  fc.record({ kind: fc.constant('ldx' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), signed: fc.constant(true), dst: wreg, src: reg, off }),
  fc.record({ kind: fc.constant('st' as const), size, dst: reg, off, imm }),
  fc.record({ kind: fc.constant('stx' as const), size, dst: reg, src: reg, off }),
  fc.record({ kind: fc.constant('atomic' as const), size: fc.constantFrom(4 as const, 8 as const), op: fc.constantFrom('add', 'or', 'and', 'xor' as const), fetch: fc.boolean(), dst: reg, src: reg, off }) as fc.Arbitrary<Op>,
  fc.record({ kind: fc.constant('atomic' as const), size: fc.constantFrom(4 as const, 8 as const), op: fc.constantFrom('xchg', 'cmpxchg' as const), fetch: fc.constant(true), dst: reg, src: reg, off }) as fc.Arbitrary<Op>,
).map((op) => JSON.parse(JSON.stringify(op)) as Op);
