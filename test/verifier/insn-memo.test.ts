// The per-instruction shortcuts of the ALU and jump handling (src/verifier/alu.ts, jmp.ts, mem.ts
// through src/verifier/pc-memo.ts): each answers only for the very input objects it was stored
// with, and a program where taking it for other inputs (or for a linked add) would change the
// verdict gets the verdict of the full computation.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PcMemo } from '../../src/verifier/pc-memo.ts';
import { D, type Scalar } from '../../src/verifier/regs.ts';
import { LINUX_6_18, scalarConst, scalarUnknown } from '../../src/domains/scalar.ts';
import { movedVar } from '../../src/verifier/alu.ts';
import { linkedValue } from '../../src/verifier/jmp.ts';
import { type DomainSession, defaultSession } from '../../src/verifier/memo.ts';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { ARRAY } from './cases.ts';
import { assertVerdict } from './verdict.ts';

const t = suite('verifier/insn-memo');

t('pairGet / pairGet2 answer for the same objects at the same instruction; a new store drops the other result', () => {
  const m = new PcMemo(4);
  const a = scalarUnknown(D), b = scalarConst(D, 4n), c = scalarConst(D, 4n);
  assert.is(m.pairGet(1, a, b), undefined, 'nothing stored yet');
  assert.is(m.pairGet2(1, a, b), undefined);
  assert.is(m.pairSet(1, a, b, -1), -1);
  assert.is(m.pairGet(1, a, b), -1);
  assert.is(m.pairGet2(1, a, b), undefined, 'no second result yet');
  assert.is(m.pairGet(1, a, c), undefined, 'an equal value in another object');
  assert.is(m.pairGet(1, b, a), undefined, 'inputs swapped');
  assert.is(m.pairGet(2, a, b), undefined, 'another instruction');
  const edges = { taken: [a, b], fallthrough: [a, b] };
  assert.is(m.pairSet2(1, a, b, edges), edges);
  assert.is(m.pairGet(1, a, b), -1, 'the first result stays for the same inputs');
  assert.is(m.pairGet2(1, a, b), edges);
  m.pairSet2(1, a, c, edges);
  assert.is(m.pairGet(1, a, c), undefined, 'a second result for other inputs drops the first');
  assert.is(m.pairGet2(1, a, c), edges);
  assert.is(m.pairGet2(1, a, b), undefined);
  m.pairSet(1, a, c, 0);
  assert.is(m.pairGet2(1, a, c), undefined, 'a new first result drops the second');
  assert.is(m.pairGet(1, a, c), 0);
});

t('the pointer-arithmetic table is kept apart from the instruction\'s scalar result', () => {
  const m = new PcMemo(4);
  const p = scalarUnknown(D), o = scalarConst(D, 2n), v = scalarConst(D, 3n), key = { moved: true };
  assert.is(m.sideGet(2, p, key), undefined, 'nothing stored yet');
  m.set(2, p, o, v);
  assert.is(m.sideGet(2, p, o), undefined, 'a scalar result of the same objects is not a pointer result');
  assert.is(m.sideSet(2, p, key, o), o);
  assert.is(m.sideGet(2, p, key), o);
  assert.is(m.sideGet(2, p, o), undefined, 'another second input');
  assert.is(m.get(2, p, o), v, 'the scalar result stays');
});

t('reg: the kept register while it holds the result asked for, a new one (then kept) otherwise', () => {
  const m = new PcMemo(3);
  const a = scalarUnknown(D), b = scalarConst(D, 8n), v = scalarConst(D, 1n), w = scalarConst(D, 2n);
  assert.is(m.get(1, a, b), undefined, 'nothing stored yet');
  m.set(1, a, b, v);
  assert.is(m.get(1, a, b), v);
  assert.is(m.get(1, b, a), undefined, 'inputs swapped');
  assert.is(m.get(1, a, scalarConst(D, 8n)), undefined, 'an equal value in another object');
  const r = m.reg(1, v);
  assert.is(r.v, v);
  assert.is(m.reg(1, v), r, 'kept');
  assert.is(m.reg(2, v) === r, false, 'another instruction');
  m.set(1, a, b, w);
  const r2 = m.reg(1, w);
  assert.is(r2.v, w, 'the kept register held an earlier result: a new one');
  assert.is(m.reg(1, v) === r, false);
});

// alu.ts movedVar: a pointer's variable part after a move by a constant, kept by the very object
// (and session) whatever the instruction; the value is the session's sync of the part with its
// 32-bit bounds unbounded.
t('movedVar: the sync of the 32-bit-unbounded part, kept by object and session for the last four parts', () => {
  const calls: Scalar[] = [];
  const marks = new Map<Scalar, Scalar>();
  const session = (tag: bigint) => ({ sync: (s: Scalar) => {
    calls.push(s);
    const m = scalarConst(D, tag + BigInt(calls.length));
    marks.set(m, s);
    return m;
  } }) as unknown as DomainSession;
  const one = session(100n), two = session(200n);
  const ps = [0, 1, 2, 3, 4].map(() => scalarUnknown(D));
  const a = movedVar(one, ps[0]);
  assert.is(calls.length, 1);
  const asked = marks.get(a)!;
  assert.is(asked.umax, ps[0].umax, 'the 64-bit bounds are the part\'s');
  assert.is(asked.varOff, ps[0].varOff);
  assert.equal([asked.u32min, asked.u32max, asked.s32min, asked.s32max], [0n, 0xffffffffn, 0x80000000n, 0x7fffffffn], '__mark_reg32_unbounded');
  assert.is(movedVar(one, ps[0]), a, 'kept for the same object');
  assert.is(calls.length, 1);
  assert.is.not(movedVar(one, scalarUnknown(D)), a, 'an equal value in another object is computed');
  assert.is(calls.length, 2);
  const b = movedVar(two, ps[0]);
  assert.is.not(b, a, 'another session computes its own');
  assert.is(calls.length, 3);
  for (const p of ps.slice(1)) movedVar(one, p);
  assert.is(calls.length, 7);
  movedVar(one, ps[0]);
  assert.is(calls.length, 8, 'four newer parts pushed the first one out');
  // a real session: the same answer as its sync of the unbounded copy
  const real = defaultSession(LINUX_6_18);
  const p = scalarConst(D, 5n);
  const q = { ...p, u32min: 0n, u32max: 0xffffffffn, s32min: 0x80000000n, s32max: 0x7fffffffn };
  assert.equal(movedVar(real, p), real.sync(q));
});

// jmp.ts linkedValue: a linked register's value from the known one and its constant delta, kept by
// the very known object, delta and session.
t('linkedValue: the known value plus the delta, kept by object, delta and session for the last four', () => {
  const real = defaultSession(LINUX_6_18);
  const known = { ...scalarUnknown(D), umin: 0n, umax: 10n, smin: 0n, smax: 10n, u32min: 0n, u32max: 10n, s32min: 0n, s32max: 10n, varOff: { value: 0n, mask: 15n } };
  const up = linkedValue(real, known, 5);
  assert.equal([up.umin, up.umax, up.smin, up.smax], [5n, 15n, 5n, 15n]);
  assert.equal([up.u32min, up.u32max, up.s32min, up.s32max], [5n, 15n, 5n, 15n]);
  const down = linkedValue(real, known, -3);
  assert.equal([down.umin, down.umax, down.smin, down.smax], [0n, 0xffffffffffffffffn, (1n << 64n) - 3n, 7n], 'below zero: the unsigned range wraps');
  assert.is(linkedValue(real, known, 5), up, 'kept');
  assert.equal(linkedValue(real, { ...known }, 5), up, 'an equal value in another object: the same value');
  let syncs = 0;
  const counting = { flavor: real.flavor, sync: (x: Scalar) => (syncs++, real.sync(x)) } as unknown as DomainSession;
  assert.equal(linkedValue(counting, known, 5), up, 'another session computes its own');
  assert.is(syncs, 1);
  linkedValue(counting, { ...known }, 5);
  assert.is(syncs, 2, 'an equal value in another object is computed again');
  linkedValue(counting, known, 5);
  assert.is(syncs, 2);
  for (let d = 1; d <= 4; d++) linkedValue(counting, known, 100 + d);
  assert.is(syncs, 6);
  linkedValue(counting, known, 5);
  assert.is(syncs, 7, 'four newer answers pushed it out');
});

const run = (asm: string, maps = [ARRAY]) => verify({ ...bareProgram(assemble(asm).insns, 'xdp'), maps });

// r5 (one loaded object on both paths) is compared at one jump with r6 = 4 (first path) and then
// r6 = 0x20000 (second path): the second comparison refines nothing, so the packet read after
// r2 += r5 has no range there. Refined edges reused by the first operand alone would accept.
t('a jump with the same first operand and another second one is refined again', () => {
  const v = run(`r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r0 = 0
r4 = r2
r4 += 8
if r4 > r3 goto end
r5 = *(u16 *)(r2 + 0)
r7 = *(u8 *)(r2 + 2)
r6 = 4
if r7 == 1 goto far
goto cmp
far:
r6 = 0x20000
cmp:
if r5 > r6 goto end
r2 += r5
r8 = r2
r8 += 1
if r8 > r3 goto end
r0 = *(u8 *)(r2 + 0)
end:
exit`);
  assertVerdict(v, [17, 'invalid access to packet']);
});

// The same, decided: r5 (u8) > 1000 never holds on the first path, r5 > 4 may on the second,
// whose taken edge reads an uninitialised register. A decision reused by the first operand alone
// would skip that edge and accept.
t('a jump decided for one second operand is decided again for another', () => {
  const v = run(`r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r0 = 0
r4 = r2
r4 += 8
if r4 > r3 goto end
r5 = *(u8 *)(r2 + 0)
r7 = *(u8 *)(r2 + 2)
r6 = 1000
if r7 == 1 goto far
goto cmp
far:
r6 = 4
cmp:
if r5 > r6 goto bad
goto end
bad:
r0 = r9
end:
exit`);
  assertVerdict(v, [14, 'R9 !read_ok']);
});

// `r1 += 1` meets the same objects on both paths (r1 loaded before they split, the immediate
// shared): on the first path r1 has no id (a plain add: the memo keeps its register), on the
// second `r2 = r1` links them first, so the add keeps r1 linked to r2 with a delta and
// `if r2 > 10` bounds r1 to 11: the map value read at r0 + r1 stays within its 16 bytes. The
// memo's register (no link) taken for the second visit would leave r1 up to 256 and reject.
t('a linked add keeps its link when its inputs are those of an unlinked visit', () => {
  const v = run(`r6 = *(u32 *)(r1 + 0)
r7 = *(u32 *)(r1 + 4)
r0 = 0
r1 = r6
r1 += 8
if r1 > r7 goto end
r1 = 0
*(u32 *)(r10 - 8) = r1
r2 = r10
r2 += -8
ld_pseudo r1, 5, 0
call map_lookup_elem
if r0 == 0 goto end
r1 = *(u8 *)(r6 + 0)
r9 = *(u8 *)(r6 + 1)
r2 = 0x100
if r9 == 1 goto other
goto join
other:
r2 = r1
join:
r1 += 1
if r2 > 10 goto end
r0 += r1
r1 = *(u8 *)(r0 + 0)
end:
r0 = 0
exit`);
  assertVerdict(v, undefined);
});

// ptrArith's immediate offset (`ptr += K`, no bigint tests) and its constant move (the variable
// part checked once, the new offset alone after the move): the kernel's messages and instructions
// (the same verdicts as before these shortcuts, at 6ce94e6).
t('a pointer moved by immediates: check_reg_sane_offset on the constant, then on the new offset', () => {
  const xdp = (asm: string) => verify(bareProgram(assemble(asm).insns, 'xdp'));
  assertVerdict(xdp('r1 = r10\nr1 += 0x20000000\nr0 = 0\nexit'), [1, 'math between fp pointer and 536870912 is not allowed']);
  assertVerdict(xdp('r1 = r10\nr1 += -0x20000000\nr0 = 0\nexit'), [1, 'math between fp pointer and -536870912 is not allowed']);
  assertVerdict(xdp('r1 = r10\nr1 += -0x1fffffff\nr0 = 0\nexit'), undefined);
  assertVerdict(xdp('r1 = r10\nr1 += 0x1fffffff\nr1 += 0x1fffffff\nr0 = 0\nexit'), [2, 'fp pointer offset 1073741822 is not allowed']);
  assertVerdict(xdp('r1 = r10\nr1 += -0x1fffffff\nr1 += -0x1fffffff\nr0 = 0\nexit'), [2, 'fp pointer offset -1073741822 is not allowed']);
  assertVerdict(xdp('r2 = *(u32 *)(r1 + 0)\nr2 -= 0x1fffffff\nr2 -= 0x1fffffff\nr0 = 0\nexit'), [2, 'pkt pointer offset -1073741822 is not allowed']);
});

// find_good_pkt_pointers and check_packet_access on a packet pointer without a variable part
// (decided on its offset alone): the range stops at 0xffff, and a read past it is refused.
t('packet ranges from a pointer without a variable part: up to 0xffff, checked on the offset', () => {
  const xdp = (asm: string) => verify(bareProgram(assemble(asm).insns, 'xdp'));
  const ranged = (k: string, read: number) => `r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += ${k}
if r4 > r3 goto end
r0 = *(u8 *)(r2 + ${read})
end:
r0 = 0
exit`;
  assertVerdict(xdp(ranged('8', 7)), undefined);
  assertVerdict(xdp(ranged('8', 8)), [5, 'invalid access to packet, off=8 size=1, R2(id=0,off=8,r=8)']);
  assertVerdict(xdp(ranged('0xffff', 0)), undefined);
  assertVerdict(xdp(ranged('0x10000', 0)), [5, 'invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)']);
});

// The session's last byte swap per form (alu.ts endScalar, DomainSession.endLast): one immediate
// object (the same slot and value in programs of one length) swapped by every form in turn, and
// by one form again after another value: each answer is checked by a decided jump, a wrong one
// reaching a read of the uninitialised r0.
const SWAPS: [form: string, input: string, expected: string][] = [
  ['be16', '0x11223344aabbccdd', '0xddcc'],
  ['be32', '0x11223344aabbccdd', '0xddccbbaa'],
  ['be64', '0x11223344aabbccdd', '0xddccbbaa44332211'],
  ['le16', '0x11223344aabbccdd', '0xccdd'],
  ['le32', '0x11223344aabbccdd', '0xaabbccdd'],
  ['le64', '0x11223344aabbccdd', '0x11223344aabbccdd'],
  ['bswap16', '0x11223344aabbccdd', '0xddcc'],
  ['bswap32', '0x11223344aabbccdd', '0xddccbbaa'],
  ['bswap64', '0x11223344aabbccdd', '0xddccbbaa44332211'],
  ['be16', '0x11223344aabbccdd', '0xddcc'],
  ['be16', '0x1234', '0x3412'],
  ['be16', '0x11223344aabbccdd', '0xddcc'],
  ['be32', '0x1234', '0x34120000'],
];
t('a byte swap answers for its form and input object alone (the session keeps each form\'s last)', () => {
  for (const [form, input, expected] of SWAPS) {
    const v = verify(bareProgram(assemble(`r1 = ${input} ll\nr1 = ${form} r1\nr2 = ${expected} ll\nif r1 == r2 goto ok\nr0 = *(u64 *)(r0 +0)\nok:\nr0 = 0\nexit`).insns, 'xdp'));
    assert.is(v.ok, true, `${form} ${input}: ${v.error?.message}`);
    assert.is(v.processed, 6, `${form} ${input}: the jump decided`);
  }
});

t.run();
