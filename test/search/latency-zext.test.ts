// Zero-extension narrowing: `rX op= S; rX <<= 32; rX >>= 32` becomes `wX op= S` for the
// operations whose low half depends only on low halves, and the shift pair alone `wX = wX`;
// a pair split by a jump target, another shift amount, a right shift that is arithmetic, or a
// maker whose low half depends on high bits (rsh, div, a shift by a register) is not narrowed
// into it. The interpreter agrees on random values (property), Z3 proves the corpus's shapes and
// refuses a wrong variant (the shift pair dropped after a 64-bit right shift).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { assemble } from '../../src/isa/asm.ts';
import { toOps, type Op } from '../../src/isa/op.ts';
import { formatOp } from '../../src/isa/disasm.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { prepare } from '../../src/interp/index.ts';
import { materialize } from '../../src/search/materialize.ts';
import { proveEquivalent } from '../../src/search/prove.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import { EquivService } from '../../src/smt/isolated.ts';
import { jumpTargets } from '../../src/search/exec-cost.ts';
import { narrowZext } from '../../src/search/latency-zext.ts';
import { proposeLatencyMove } from '../../src/search/latency-moves.ts';
import type { Slot } from '../../src/search/proposals.ts';
import { guardedXdp } from './fixtures/guarded-xdp.ts';

const t = suite('search/latency-zext');
const equiv = new EquivService();
t.after(() => equiv.close());

const straightOf = (s: readonly Slot[]) => new Set(s.map((o, i) => (o && ['alu', 'ldx', 'st', 'stx', 'end', 'atomic'].includes(o.kind) ? i : -1)).filter((i) => i >= 0));
const firstLsh32 = (s: readonly Slot[]): number => s.findIndex((o) => o?.kind === 'alu' && o.op === 'lsh' && 'imm' in o.src && o.src.imm === 32);
const zext = (s: readonly Slot[]) => narrowZext(s, straightOf(s), jumpTargets(s), firstLsh32(s));

function apply(src: string) {
  const slots: Slot[] = toOps(assemble(src).insns);
  const change = zext(slots);
  const after = slots.slice();
  if (change) for (const [pc, op] of change) after[pc] = op;
  return { change, text: after.filter((o): o is Op => o !== null).map((o) => formatOp(o)) };
}

t("the corpus's shapes: a copy (xdp_csum_loop, xdp_loop, xdp_global_func), a subtraction (xdp_lb_hash), the pair alone (xdp_subprogs)", () => {
  assert.equal(apply('r0 = r5\nr0 <<= 32\nr0 >>= 32\nexit').text, ['w0 = w5', 'exit']);
  assert.equal(apply('r1 = r0\nr1 <<= 32\nr1 >>= 32\nr0 = 1\nexit').text, ['w1 = w0', 'r0 = 0x1', 'exit']);
  assert.equal(apply('r1 -= r4\nr1 <<= 32\nr1 >>= 32\nr0 = r1\nexit').text, ['w1 -= w4', 'r0 = r1', 'exit']);
  assert.equal(apply('r3 >>= 31\nr2 <<= 32\nr2 >>= 32\nr0 = r2\nexit').text, ['r3 >>= 0x1f', 'w2 = w2', 'r0 = r2', 'exit']);
});

t('makers narrowed: add, mul, and, or, xor, neg, an immediate, a left shift below 32; others keep their width', () => {
  for (const m of ['r1 += r2', 'r1 *= r2', 'r1 &= r2', 'r1 |= 7', 'r1 ^= -1', 'r1 = -r1', 'r1 <<= 5', 'r1 = 0x7']) {
    const r = apply(`${m}\nr1 <<= 32\nr1 >>= 32\nr0 = r1\nexit`);
    assert.is(r.text.length, 3, m);
    assert.ok(r.text[0].startsWith('w1'), `${m} → ${r.text[0]}`);
  }
  // the low half of these depends on the high half (or the shift amount's masking differs)
  for (const m of ['r1 >>= 3', 'r1 s>>= 3', 'r1 /= r2', 'r1 %= r2', 'r1 <<= r2', 'r1 <<= 40', 'r2 += 1']) {
    assert.equal(apply(`${m}\nr1 <<= 32\nr1 >>= 32\nr0 = r1\nexit`).text, [formatOp(toOps(assemble(m).insns)[0]!), 'w1 = w1', 'r0 = r1', 'exit'], m);
  }
});

t('no narrowing: an arithmetic right shift, other amounts, different registers, 32-bit shifts, a jump target inside', () => {
  const cases = [
    'r1 <<= 32\nr1 s>>= 32\nexit', // a sign extension
    'r1 <<= 16\nr1 >>= 16\nexit',
    'r1 <<= 32\nr2 >>= 32\nexit',
    'w1 <<= 32\nexit',
    'r1 <<= 32\nr0 = 1\nr1 >>= 32\nexit', // not next to each other
    'if r1 == 0 goto +1\nr1 <<= 32\nr1 >>= 32\nexit', // another path lands on the right shift
  ];
  for (const c of cases) assert.is(apply(c).change, undefined, c);
  // a jump landing on the left shift: the maker stays as it is (the other path skips it)
  assert.equal(apply('r1 = r5\nif r5 == 0 goto +0\nr1 <<= 32\nr1 >>= 32\nexit').text, ['r1 = r5', 'if r5 == 0x0 goto +0x0', 'w1 = w1', 'exit']);
});

t('the interpreter agrees on random values for every narrowable maker (property)', () => {
  const makers = ['r5 = r6', 'r5 += r6', 'r5 -= r6', 'r5 *= r6', 'r5 &= r6', 'r5 |= r6', 'r5 ^= r6', 'r5 = -r5', 'r5 <<= 31', 'r5 += -7', 'r5 >>= 1'];
  fc.assert(fc.property(fc.uint8Array({ minLength: 30, maxLength: 30 }), fc.constantFrom(...makers), (packet, m) => {
    const src = guardedXdp(`r5 = *(u64 *)(r8 + 0)\nr6 = *(u64 *)(r8 + 6)\n${m}\nr5 <<= 32\nr5 >>= 32\nr0 = r5\nr0 ^= r6`, 'r0 >>= 1');
    const program = bareProgram(assemble(src).insns, 'xdp', 'p');
    const slots = toOps(program.insns);
    const change = zext(slots);
    assert.ok(change, src);
    const vm = prepare(program);
    const before = vm.run({ packet });
    for (const [pc, op] of change!) vm.patch(pc, op);
    assert.equal(vm.run({ packet }), before, src);
  }), { numRuns: 200 });
});

function candidate(src: string, change = (s: Slot[]) => zext(s)) {
  const program = bareProgram(assemble(src).insns, 'xdp');
  const slots = toOps(program.insns);
  const c = change(slots);
  assert.ok(c, 'a narrowing applies');
  const cand = Candidate.initial(Original.of(program)).with(c!);
  return { program, cand, insns: materialize(cand).insns };
}

t('Z3 proves the narrowed programs equivalent (2 instructions fewer)', async () => {
  for (const m of ['r5 = r6', 'r5 -= r6', 'r5 *= r6']) {
    const c = candidate(guardedXdp(`r5 = *(u64 *)(r8 + 0)\nr6 = *(u64 *)(r8 + 6)\n${m}\nr5 <<= 32\nr5 >>= 32`, 'r0 = r5'));
    assert.is(c.insns.length, c.program.insns.length - 2);
    assert.ok((await proveEquivalent(equiv, c.cand, c.insns)).ok, m);
  }
  const pair = candidate(guardedXdp('r5 = *(u64 *)(r8 + 0)\nr5 >>= 3\nr5 <<= 32\nr5 >>= 32', 'r0 = r5'));
  assert.is(pair.insns.length, pair.program.insns.length - 1);
  assert.ok((await proveEquivalent(equiv, pair.cand, pair.insns)).ok);
});

t('Z3 refuses a wrong variant (a 64-bit right shift narrowed as if its low half were its own)', async () => {
  const c = candidate(guardedXdp('r5 = *(u64 *)(r8 + 0)\nr5 >>= 3\nr5 <<= 32\nr5 >>= 32', 'r0 = r5'), (s) => {
    const l = firstLsh32(s);
    return [[l - 1, { kind: 'alu', op: 'rsh', width: 32, dst: 5, src: { imm: 3 } }], [l, null], [l + 1, null]];
  });
  assert.not.ok((await proveEquivalent(equiv, c.cand, c.insns)).ok);
});

t('the chain proposes it under either objective (sizeOnly included)', () => {
  const s: Slot[] = toOps(assemble('r0 = r5\nr0 <<= 32\nr0 >>= 32\nexit').insns);
  const st = straightOf(s);
  for (const sizeOnly of [false, true]) {
    const move = proposeLatencyMove(s, s, st, [...st], () => 0, sizeOnly);
    assert.equal(move, [[0, { kind: 'alu', op: 'mov', width: 32, dst: 0, src: { reg: 5 } }], [1, null], [2, null]], `sizeOnly ${sizeOnly}`);
  }
});

t.run();
