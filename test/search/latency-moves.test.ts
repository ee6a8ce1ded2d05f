// The latency moves: a reloaded value taken from the register that already holds it, and
// mul/div/mod by powers of two as shifts and masks, only where that is exact.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { assemble } from '../../src/isa/asm.ts';
import { toOps, type Op } from '../../src/isa/op.ts';
import { reuseLoad, strengthReduce, proposeLatencyMove } from '../../src/search/latency-moves.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { prepare } from '../../src/interp/index.ts';

const t = suite('search/latency-moves');
const ops = (src: string) => toOps(assemble(src).insns);
const straightOf = (s: readonly (Op | null)[]) => new Set(s.map((o, i) => (o && ['alu', 'ldx', 'st', 'stx', 'end', 'atomic'].includes(o.kind) ? i : -1)).filter((i) => i >= 0));

t('a second load of the same place becomes a move from the first', () => {
  const s = ops('r2 = *(u32 *)(r1 +4)\nr3 = r2\nr4 = *(u32 *)(r1 +4)\nr0 = r4\nexit');
  assert.equal(reuseLoad(s, s, straightOf(s), 2), [2, { kind: 'alu', op: 'mov', width: 64, dst: 4, src: { reg: 2 } }]);
  // the same register reloaded: the load goes
  const same = ops('r2 = *(u32 *)(r1 +4)\nr3 = r2\nr2 = *(u32 *)(r1 +4)\nr0 = r2\nexit');
  assert.equal(reuseLoad(same, same, straightOf(same), 2), [2, null]);
});

t('no reuse across a store, a changed base or value, or a jump target', () => {
  const cases = [
    'r2 = *(u32 *)(r1 +4)\n*(u32 *)(r10 -4) = r2\nr4 = *(u32 *)(r1 +4)\nr0 = r4\nexit',
    'r2 = *(u32 *)(r1 +4)\nr1 += 4\nr4 = *(u32 *)(r1 +4)\nr0 = r4\nexit',
    'r2 = *(u32 *)(r1 +4)\nr2 += 1\nr4 = *(u32 *)(r1 +4)\nr0 = r4\nexit',
    'r2 = *(u16 *)(r1 +4)\nr3 = 1\nr4 = *(u32 *)(r1 +4)\nr0 = r4\nexit',
    'r1 = *(u64 *)(r1 +4)\nr3 = 1\nr4 = *(u64 *)(r1 +4)\nr0 = r4\nexit',
    'r2 = *(u32 *)(r1 +4)\nif r2 == 0 goto +0\nr4 = *(u32 *)(r1 +4)\nr0 = r4\nexit',
  ];
  for (const c of cases) {
    const s = ops(c);
    assert.equal(reuseLoad(s, s, straightOf(s), 2), undefined, c);
  }
});

t('strength reduction only for powers of two, and exact (property, both widths)', () => {
  assert.equal(strengthReduce(ops('r1 *= 3\nexit')[0]!), undefined);
  assert.equal(strengthReduce(ops('r1 *= -8\nexit')[0]!), undefined);
  assert.equal(strengthReduce(ops('r1 *= r2\nexit')[0]!), undefined);
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 0, max: 30 }), fc.constantFrom('*=', '/=', '%='), fc.boolean(), (x, k, op, w32) => {
    const reg = w32 ? 'w' : 'r';
    const src = `r0 = ${x} ll\n${reg}0 ${op} ${2 ** k}\nexit`;
    const p = bareProgram(assemble(src).insns, 'xdp', 'p');
    const s = toOps(p.insns);
    const moved = strengthReduce(s[2]!)!;
    assert.ok(moved, src);
    const vm = prepare(p);
    const before = vm.run();
    vm.patch(2, moved);
    const after = vm.run();
    return before.kind === 'exit' && after.kind === 'exit' && before.r0 === after.r0;
  }), { numRuns: 300 });
});

t('the proposer finds a move where one applies, none where none does', () => {
  const s = ops('r2 = *(u32 *)(r1 +4)\nr4 = *(u32 *)(r1 +4)\nr0 = r4\nexit');
  const st = straightOf(s);
  assert.equal(proposeLatencyMove(s, s, st, [...st], () => 0.5), [[1, { kind: 'alu', op: 'mov', width: 64, dst: 4, src: { reg: 2 } }]]);
  const none = ops('r2 = 1\nr0 = r2\nexit');
  assert.equal(proposeLatencyMove(none, none, straightOf(none), [...straightOf(none)], () => 0.5), undefined);
});

t.run();
