// The interpreter's atomics (add, or, and, xor with and without fetch, xchg, cmpxchg; 32 and
// 64 bits) compute what the one ALU definition, src/bv/alu.ts, says: the stored value is
// aluSem's op of the same name (xchg: mov) at the access width, the fetched value the old one,
// cmpxchg's test jcondSem's jeq. The interpreter computes them on int32 halves (atomicRmw in
// src/interp/arith.ts); fast-check draws the operands.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Op } from '../../src/isa/op.ts';
import { aluSem, jcondSem } from '../../src/bv/alu.ts';
import { concrete64x32 as P } from '../../src/bv/concrete.ts';
import { exit, lddw, ldx, mov, R, r0, stx } from './util.ts';

const t = suite('interp/atomic');
type AtomicOp = 'add' | 'or' | 'and' | 'xor' | 'xchg' | 'cmpxchg';
const LOW = 0xffffffffn;

/** old at [r10-8]; r2 = src, r0 = cmp; the atomic; then `tail` picks what r0 returns. */
function runAtomic(op: AtomicOp, size: 4 | 8, fetch: boolean, old: bigint, src: bigint, cmp: bigint, tail: Op[]): bigint {
  const atomic: Op = { kind: 'atomic', size, op, fetch, dst: 10, src: 2, off: -8 };
  return r0([lddw(1, old), stx(8, 10, 1, -8), lddw(2, src), lddw(0, cmp), atomic, ...tail, exit]);
}

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
/** Operands with the corner values the halves arithmetic gets wrong first (carries, all-ones). */
const operand = fc.oneof(u64, fc.constantFrom(0n, 1n, LOW, LOW + 1n, (1n << 64n) - 1n, 1n << 63n, 0x7fffffffn, 0x80000000n));

t('add, or, and, xor (fetch or not) and xchg: memory and src as aluSem says', () => {
  fc.assert(fc.property(fc.constantFrom<'add' | 'or' | 'and' | 'xor' | 'xchg'>('add', 'or', 'and', 'xor', 'xchg'), fc.constantFrom<4 | 8>(4, 8), fc.boolean(), operand, operand,
    (op, size, fetchAsked, old, src) => {
      const fetch = op === 'xchg' || fetchAsked;
      const name = op === 'xchg' ? 'mov' : op;
      const stored = size === 8 ? aluSem(P, name, 64, old, src) : (old & ~LOW) | aluSem(P, name, 32, old, src);
      const fetched = fetch ? (size === 8 ? old : old & LOW) : src;
      const label = `${op}${size * 8}${fetch ? ' fetch' : ''} old=0x${old.toString(16)} src=0x${src.toString(16)}`;
      assert.is(runAtomic(op, size, fetch, old, src, 0n, [ldx(8, 0, 10, -8)]), stored, `${label}: memory`);
      assert.is(runAtomic(op, size, fetch, old, src, 0n, [mov(0, R(2))]), fetched, `${label}: src`);
    }), { numRuns: 400 });
});

t('cmpxchg: stores src where jeq(r0, old) at the access width; r0 gets the old value', () => {
  fc.assert(fc.property(fc.constantFrom<4 | 8>(4, 8), operand, operand, fc.oneof(operand, fc.constant(-1n)), fc.bigInt({ min: 0n, max: LOW }),
    (size, old, src, cmpDrawn, high) => {
      // -1: r0 equal to old at the width, with other high bits (only the low half counts for 32)
      const cmp = cmpDrawn === -1n ? (old & LOW) | (size === 4 ? high << 32n : old & ~LOW) : cmpDrawn;
      const width = size === 8 ? 64 : 32;
      const eq = jcondSem(P, 'jeq', width, cmp, old);
      const mask = size === 8 ? (1n << 64n) - 1n : LOW;
      const stored = (old & ~mask) | ((eq ? src : old) & mask);
      const label = `cmpxchg${width} old=0x${old.toString(16)} src=0x${src.toString(16)} r0=0x${cmp.toString(16)}`;
      assert.is(runAtomic('cmpxchg', size, true, old, src, cmp, [ldx(8, 0, 10, -8)]), stored, `${label}: memory`);
      assert.is(runAtomic('cmpxchg', size, true, old, src, cmp, []), old & mask, `${label}: r0`);
      assert.is(runAtomic('cmpxchg', size, true, old, src, cmp, [mov(0, R(2))]), src, `${label}: src unchanged`);
    }), { numRuns: 300 });
});

t.run();
