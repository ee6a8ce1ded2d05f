// The eighteenth pass's shortcuts on the instruction path, each against the computation it skips:
// an unknown value loaded by size (mem.ts' per-flavor table, not a coerce per load), a constant
// fold's register (alu.ts: immReg's shared register below 2^32), a compared register kept on an
// edge where its value is its own (jmp.ts), find_good_pkt_pointers on a spilled copy (jmp.ts'
// own register walk), `rX &= 2^n - 1` on unknown low bits (alu.ts' lowMaskAnd), the sum of two
// zero-based ranges, `>>` and `&` on values with a zero floor (alu.ts' zeroBasedAdd, zeroBasedRsh,
// floorAnd). Each test fails if the shortcut gives another state than the slow path.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { D, SCALAR_UNKNOWN, scalarReg } from '../../src/verifier/regs.ts';
import { unknownLoaded } from '../../src/verifier/mem.ts';
import { floorAnd, lowMaskAnd, zeroBasedAdd, zeroBasedRsh } from '../../src/verifier/alu.ts';
import { arbTracked } from '../domains/arb-scalar.ts';
import { DomainSession } from '../../src/verifier/memo.ts';
import { coerceRegToSize, coerceRegToSizeSx } from '../../src/domains/alu-move.ts';
import { scalarAlu, type ScalarAluOp } from '../../src/domains/alu.ts';
import { refine } from '../../src/domains/branch.ts';
import { LINUX_6_12, LINUX_6_18, LINUX_6_18_SX64, scalarConst, scalarUnknown, type ScalarState } from '../../src/domains/scalar.ts';
import type { State } from '../../src/verifier/state.ts';

const t = suite('verifier/insn-shortcuts');

const FLAVORS = [LINUX_6_18, LINUX_6_18_SX64, LINUX_6_12];

t('an unknown value loaded with each size and extension: the generic coerce of the unknown scalar, per flavor', () => {
  for (const fl of FLAVORS) {
    // a session of its own and the default one (the table is per flavor, filled by either)
    for (const dom of [new DomainSession(fl), new DomainSession(fl, 'compiled')]) {
      for (const size of [1, 2, 4]) {
        for (const sx of [false, true]) {
          const want = sx ? coerceRegToSizeSx(D, SCALAR_UNKNOWN.v, (size * 8) as 8 | 16 | 32, fl) : coerceRegToSize(D, SCALAR_UNKNOWN.v, size, fl);
          const got = unknownLoaded(dom, size, sx);
          assert.equal(got, scalarReg(want), `${fl.name} size ${size}${sx ? ' sx' : ''}`);
          assert.is(unknownLoaded(dom, size, sx), got, 'the same register at the next load');
        }
      }
    }
  }
});

/** The first state at instruction `pc` of an accepted check of `asm` (an XDP program). */
function entryAt(asm: string, pc: number): State {
  const v = verify(bareProgram(assemble(asm).insns, 'xdp'), { entries: true });
  assert.ok(v.ok, `accepted: ${v.error?.message}`);
  return v.entry![pc]!;
}

const FOLDED = ['add', 'sub', 'and', 'or', 'xor', 'lsh', 'rsh', 'arsh', 'mul'] as const satisfies readonly ScalarAluOp[];
/** Constants around the edges the shortcut tells apart (2^32: immReg's limit) and random ones. */
const word = fc.oneof(
  fc.constantFrom(0n, 1n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn, 0x100000000n, 0x100000001n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 33n) - 1n }), fc.integer({ min: 0, max: 63 }).map(BigInt),
);

t('a constant fold\'s register is the scalar the domain computes on the two constants (64 and 32 bits)', () => {
  fc.assert(fc.property(word, word, fc.constantFrom(...FOLDED), fc.constantFrom(64, 32), (a, b, op, w) => {
    // shifts by register amounts below the width (the others are the domain's unknown either way)
    const k = op === 'lsh' || op === 'rsh' || op === 'arsh' ? b % BigInt(w) : b;
    const r = w === 64 ? 'r' : 'w';
    const sym = { add: '+=', sub: '-=', and: '&=', or: '|=', xor: '^=', lsh: '<<=', rsh: '>>=', arsh: 's>>=', mul: '*=' }[op];
    const st = entryAt(`r1 = ${a} ll\nr2 = ${k} ll\n${r}1 ${sym} ${r}2\nr0 = 0\nexit`, 5);
    const want = scalarAlu(D, op, w as 32 | 64, scalarConst(D, a), scalarConst(D, k), LINUX_6_18);
    assert.equal(st.frames[0].regs[1], scalarReg(want), `${a} ${op}${w} ${k}`);
  }), { numRuns: 300 });
});

const LOW_MASKS = [1n, 3n, 0xfn, 0xffn, 0xfffn, 0xffffn, 0x7fffffn, 0x7fffffffn];

/** lowMaskAnd's register, when it answers, is scalarAlu's `and` in every flavor; returns whether it answered. */
function sameAsAnd(s: ScalarState<bigint>, k: bigint): boolean {
  const r = lowMaskAnd(s, k);
  if (r === undefined) return false;
  for (const fl of FLAVORS) assert.equal(r, scalarReg(scalarAlu(D, 'and', 64, s, scalarConst(D, k), fl)), `${fl.name}: ${k}`);
  return true;
}

t('`rX &= 2^n - 1` on a value with unknown low bits: the canonical [0, 2^n - 1] is scalarAlu\'s and (reachable states, every flavor)', () => {
  let answered = 0, runs = 0;
  fc.assert(fc.property(arbTracked(6), fc.constantFrom(...LOW_MASKS, 2n, 0x80000000n, 0xffffffffn, 0n, 0x10n), (t, k) => {
    runs++;
    if (sameAsAnd(t.s, k)) answered++;
  }), { numRuns: 3000 });
  // (enough of the random states meet the condition for the comparison to mean something)
  assert.ok(answered > runs / 20, `answered ${answered} of ${runs}`);
});

t('`rX &= 2^n - 1` after sums of unknown u16 words (a checksum) and on unknown, loaded and wide values', () => {
  const u16 = scalarAlu(D, 'and', 64, scalarUnknown(D), scalarConst(D, 0xffffn), LINUX_6_18);
  let sum = scalarConst(D, 0n), answered = 0;
  for (let i = 0; i < 40; i++) {
    sum = scalarAlu(D, 'add', 64, sum, u16, LINUX_6_18);
    for (const k of LOW_MASKS) if (sameAsAnd(sum, k)) answered++;
  }
  for (const s of [scalarUnknown(D), u16, unknownLoaded(new DomainSession(LINUX_6_18), 1, false).v, unknownLoaded(new DomainSession(LINUX_6_18), 4, true).v]) {
    for (const k of LOW_MASKS) if (sameAsAnd(s, k)) answered++;
  }
  assert.ok(answered > 200, `answered ${answered}`);
  // low bits unknown but a bound below the mask (64-bit, then 32-bit only): `and` keeps the bound
  for (const k of LOW_MASKS.slice(1)) {
    const masked = scalarAlu(D, 'and', 64, scalarUnknown(D), scalarConst(D, k), LINUX_6_18);
    const below = refine(D, masked, scalarConst(D, k - 1n), 'jgt', 64, LINUX_6_18).fallthrough[0];
    const wide = scalarAlu(D, 'add', 64, masked, scalarConst(D, 1n << 32n), LINUX_6_18);
    const below32 = refine(D, wide, scalarConst(D, k - 1n), 'jgt', 32, LINUX_6_18).fallthrough[0];
    for (const x of [below, below32]) {
      assert.is((x.varOff.mask & k) === k, true, 'the low bits stay unknown');
      assert.is(sameAsAnd(x, k), false, `refused: umax ${x.umax}, u32max ${x.u32max}`);
    }
  }
  // refused: a constant, known low bits, an umax below the mask, a mask that is no 2^n - 1
  assert.is(lowMaskAnd(scalarConst(D, 0x1234n), 0xffn), undefined);
  assert.is(lowMaskAnd(scalarAlu(D, 'lsh', 64, u16, scalarConst(D, 1n), LINUX_6_18), 0xffn), undefined);
  assert.is(lowMaskAnd(u16, 0x1ffffn), undefined);
  assert.is(lowMaskAnd(scalarUnknown(D), 0xff00n), undefined);
  assert.is(lowMaskAnd(scalarUnknown(D), 0xffffffffn), undefined);
});

/** zeroBasedAdd's state, when it answers, is scalarAlu's 64-bit add in every flavor; returns whether it answered. */
function sameAsAdd(x: ScalarState<bigint>, y: ScalarState<bigint>): boolean {
  const r = zeroBasedAdd(x, y);
  if (r === undefined) return false;
  for (const fl of FLAVORS) assert.equal(r, scalarAlu(D, 'add', 64, x, y, fl), `${fl.name}: [${x.umin}, ${x.umax}] + [${y.umin}, ${y.umax}]`);
  return true;
}

/** [0, a] as a program gets it: an unknown value masked to a's bit length, then `if r > a` not taken. */
function zeroBased(a: bigint): ScalarState<bigint> {
  const n = a.toString(2).length;
  const masked = scalarAlu(D, 'and', 64, scalarUnknown(D), scalarConst(D, (1n << BigInt(n)) - 1n), LINUX_6_18);
  return refine(D, masked, scalarConst(D, a), 'jgt', 64, LINUX_6_18).fallthrough[0];
}

t('the sum of two zero-based ranges is scalarAlu\'s add in every flavor (random bounds, sums past 2^31 refused)', () => {
  let answered = 0;
  fc.assert(fc.property(fc.bigInt({ min: 1n, max: (1n << 31n) - 1n }), fc.bigInt({ min: 1n, max: (1n << 31n) - 1n }), fc.integer({ min: 0, max: 30 }), (a, b, shift) => {
    // small and large operands alike (b scaled down by a random power of two)
    const x = zeroBased(a), y = zeroBased((b >> BigInt(shift)) || 1n);
    if (sameAsAdd(x, y)) answered++;
    else assert.ok(x.umax + y.umax >= 1n << 31n, 'refused only past 2^31');
  }), { numRuns: 800 });
  assert.ok(answered > 200, `answered ${answered}`);
});

t('zero-based sums: a checksum of 40 words, reachable states, and the states it refuses', () => {
  const u16 = scalarAlu(D, 'and', 64, scalarUnknown(D), scalarConst(D, 0xffffn), LINUX_6_18);
  let sum = zeroBased(1n), answered = 0;
  for (let i = 0; i < 40; i++) {
    const next = zeroBasedAdd(sum, u16);
    assert.ok(sameAsAdd(sum, u16), `word ${i}`);
    sum = next!;
    answered++;
  }
  // random reachable states: where it answers, the same state as the domain
  fc.assert(fc.property(arbTracked(6), arbTracked(6), (x, y) => {
    if (sameAsAdd(x.s, y.s)) answered++;
  }), { numRuns: 500 });
  // refused: a constant, a range not starting at 0, a tnum narrower than the range's own, a sign crossing
  assert.is(zeroBasedAdd(scalarConst(D, 5n), u16), undefined);
  assert.is(zeroBasedAdd(scalarAlu(D, 'add', 64, u16, scalarConst(D, 1n), LINUX_6_18), u16), undefined);
  assert.is(zeroBasedAdd(scalarAlu(D, 'lsh', 64, u16, scalarConst(D, 1n), LINUX_6_18), u16), undefined);
  assert.is(zeroBasedAdd(scalarUnknown(D), u16), undefined);
  assert.is(zeroBasedAdd(zeroBased(0x7fff0001n), u16), undefined, 'the sum reaches 2^31');
  assert.ok(answered >= 40);
});

t('a zero-based range shifted right is scalarAlu\'s rsh in every flavor; shifts by 0 or past its bits refused', () => {
  let answered = 0;
  fc.assert(fc.property(fc.bigInt({ min: 1n, max: (1n << 31n) - 1n }), fc.integer({ min: 0, max: 40 }), (a, c) => {
    const x = zeroBased(a), k = BigInt(c);
    const r = zeroBasedRsh(x, k);
    if (r === undefined) {
      assert.ok(c === 0 || k >= BigInt(a.toString(2).length), `refused [0, ${a}] >> ${c}`);
      return;
    }
    answered++;
    for (const fl of FLAVORS) assert.equal(r, scalarAlu(D, 'rsh', 64, x, scalarConst(D, k), fl), `${fl.name}: [0, ${a}] >> ${c}`);
  }), { numRuns: 800 });
  assert.ok(answered > 200, `answered ${answered}`);
  // random reachable states: where it answers, the same state as the domain
  fc.assert(fc.property(arbTracked(6), fc.integer({ min: 1, max: 63 }), (t, c) => {
    const r = zeroBasedRsh(t.s, BigInt(c));
    if (r !== undefined) for (const fl of FLAVORS) assert.equal(r, scalarAlu(D, 'rsh', 64, t.s, scalarConst(D, BigInt(c)), fl));
  }), { numRuns: 500 });
  const u16 = scalarAlu(D, 'and', 64, scalarUnknown(D), scalarConst(D, 0xffffn), LINUX_6_18);
  const high = scalarAlu(D, 'and', 64, u16, scalarConst(D, 0xff00n), LINUX_6_18);
  assert.equal(zeroBasedRsh(high, 8n), scalarAlu(D, 'rsh', 64, high, scalarConst(D, 8n), LINUX_6_18), 'a tnum with known low bits');
  assert.is(zeroBasedRsh(scalarUnknown(D), 8n), undefined);
});

/** Masks the way programs use them: high halves, bytes, holes, anything 64-bit. */
const arbMask = fc.oneof(
  fc.constantFrom(0xffff0000n, 0xff00n, 0xff000000n, 0xf0f0n, 0x80n, 0x1_0000_ffffn, (1n << 64n) - 1n, 0xfffffffffffff000n, 0n),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 24n) - 1n }),
);

/** floorAnd / zeroBasedRsh, when they answer, are scalarAlu's and / rsh in every flavor. */
function sameAsFloor(s: ScalarState<bigint>, op: 'and' | 'rsh', k: bigint): ScalarState<bigint> | undefined {
  const r = op === 'and' ? floorAnd(s, k) : zeroBasedRsh(s, k);
  if (r !== undefined) for (const fl of FLAVORS) assert.equal(r, scalarAlu(D, op, 64, s, scalarConst(D, k), fl), `${fl.name}: [${s.umin}, ${s.umax}] (${s.varOff.mask}) ${op} ${k}`);
  return r;
}

t('`&` and `>>` on values with a zero floor are scalarAlu\'s in every flavor (chains of both, any mask)', () => {
  let answered = 0;
  fc.assert(fc.property(fc.bigInt({ min: 1n, max: (1n << 31n) - 1n }), fc.array(fc.tuple(fc.boolean(), arbMask, fc.integer({ min: 1, max: 40 })), { minLength: 1, maxLength: 4 }), (a, steps) => {
    // the domain's own results carry on, so later steps see masks with holes and bounds below them
    let s = zeroBased(a);
    for (const [isAnd, k, c] of steps) {
      const op = isAnd ? 'and' : 'rsh', kk = isAnd ? k : BigInt(c);
      if (sameAsFloor(s, op, kk) !== undefined) answered++;
      s = scalarAlu(D, op, 64, s, scalarConst(D, kk), LINUX_6_18);
    }
  }), { numRuns: 1500 });
  assert.ok(answered > 500, `answered ${answered}`);
  fc.assert(fc.property(arbTracked(6), arbMask, fc.integer({ min: 1, max: 63 }), (t, k, c) => {
    sameAsFloor(t.s, 'and', k);
    sameAsFloor(t.s, 'rsh', BigInt(c));
  }), { numRuns: 500 });
  // a checksum's fold: r2 = sum & 0xffff0000; r2 >>= 16, for sums of 1 .. 40 words
  const u16 = scalarAlu(D, 'and', 64, scalarUnknown(D), scalarConst(D, 0xffffn), LINUX_6_18);
  let sum = u16;
  for (let i = 0; i < 40; i++) {
    const hi = sameAsFloor(sum, 'and', 0xffff0000n);
    if (i > 0) assert.ok(hi, `high half of ${i + 1} words`);
    if (hi) assert.ok(sameAsFloor(hi, 'rsh', 16n), `carry of ${i + 1} words`);
    sum = scalarAlu(D, 'add', 64, sum, u16, LINUX_6_18);
  }
  // refused: nothing left (a zero mask, a constant result), a sign crossing, an unknown value
  assert.is(floorAnd(u16, 0xf0000n), undefined, 'no bit of the mask can be set');
  assert.ok(sameAsFloor(u16, 'and', 0x8000n), 'the result is 0 or 0x8000');
  assert.is(floorAnd(zeroBased(0x7fffn), 0x8000n), undefined, 'a constant 0: left to the domain');
  assert.is(floorAnd(scalarUnknown(D), 0xff00n), undefined);
  assert.is(zeroBasedRsh(u16, 16n), undefined, 'shifted to 0');
});

t('a loop counter folded at every visit: the register at each iteration is the constant of its value', () => {
  // r1 counts 0 .. 39 by `r1 += 1`, r2 = r1 << 32 >> 32 (the values below and above 2^32 in turn)
  const v = verify(bareProgram(assemble(`r1 = 0
loop:
r1 += 1
r2 = r1
r2 <<= 32
r2 >>= 32
if r2 < 40 goto loop
r0 = 0
exit`).insns, 'xdp'), { states: true });
  assert.ok(v.ok);
  const at = (pc: number) => v.log!.filter((l) => l.startsWith(`${pc}: (`));
  assert.is(at(1).length, 40, 'one visit per iteration');
  at(1).forEach((l, i) => assert.ok(l.endsWith(`; R1=${i + 1}`), `iteration ${i + 1}: ${l}`));
  at(3).forEach((l, i) => assert.ok(l.endsWith(`; R2=${(i + 1) * 2 ** 32}`.replace(/=(\d+)$/, (_, x) => `=${'0x' + BigInt(x).toString(16)}`)), `iteration ${i + 1}: ${l}`));
  at(4).forEach((l, i) => assert.ok(l.endsWith(`; R2=${i + 1}`), `iteration ${i + 1}: ${l}`));
});

t('a constant register compared with an unknown one keeps its value on both edges; a linked one its copies', () => {
  // r2 = 7 (no id) compared by register: both edges hold 7 in r2, r0 refined
  const st = entryAt(`call get_prandom_u32
r2 = 7
if r0 > r2 goto big
r0 = 0
exit
big:
r0 = 1
exit`, 3);
  assert.equal(st.frames[0].regs[2], scalarReg(scalarConst(D, 7n)));
  // r6 linked to its spilled copy at fp-8: after the compare (which refines nothing: the compiled
  // tier returns the inputs themselves), the log prints the copy again, as a linked register's refinement gives its
  // copies new objects (as before the shortcut)
  const v = verify(bareProgram(assemble(`call get_prandom_u32
r6 = r0
*(u64 *)(r10 - 8) = r6
call get_prandom_u32
r7 = r0
if r7 != r6 goto out
r0 = 0
exit
out:
r0 = 1
exit`).insns, 'xdp'), { states: true, session: new DomainSession(LINUX_6_18, 'compiled') });
  assert.ok(v.ok);
  const jump = v.log!.find((l) => /^5: \(5d\)/.test(l));
  assert.ok(jump, 'the jump is logged');
  assert.match(jump!, /R6=scalar\(id=1\) R7=scalar\(id=2\) fp-8=scalar\(id=1\)$/, jump);
});

t('find_good_pkt_pointers widens a spilled copy of the checked pointer too', () => {
  // r4 is filled from the spill of r2 made before the check: its reads need the range the
  // check gave r2 (the spilled copy), so a walk that skipped the stack would reject at insn 8 in both
  const prog = (n: number) => `r0 = 0
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
*(u64 *)(r10 - 8) = r2
r5 = r2
r5 += 14
if r5 > r3 goto out
r4 = *(u64 *)(r10 - 8)
r0 = *(u8 *)(r4 + ${n})
r0 = 0
out:
exit`;
  assert.ok(verify(bareProgram(assemble(prog(13)).insns, 'xdp')).ok, 'the last checked byte');
  const v = verify(bareProgram(assemble(prog(14)).insns, 'xdp'));
  assert.not.ok(v.ok);
  assert.is(v.error!.index, 8);
  assert.match(v.error!.message, /invalid access to packet, off=14 size=1/);
});

t.run();
