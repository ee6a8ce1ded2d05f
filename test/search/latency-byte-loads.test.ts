// The byte-load gather: a 16-bit field read as two u8 loads + shift + or becomes one u16 load
// (little-endian) or a u16 load and be16 (network order), in any order the loads, the shift and
// the or come in; anything that could change what the wide load reads (a store, a changed
// base), bytes that are not neighbours, or rD read in between is left alone. The interpreter
// agrees on random packets (property), Z3 proves the results and refuses a wrong variant.
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
import { gatherByteLoads } from '../../src/search/latency-byte-loads.ts';
import { proposeLatencyMove } from '../../src/search/latency-moves.ts';
import type { Slot } from '../../src/search/proposals.ts';
import { guardedXdp } from './fixtures/guarded-xdp.ts';

const t = suite('search/latency-byte-loads');
const equiv = new EquivService();
t.after(() => equiv.close());

const straightOf = (s: readonly Slot[]) => new Set(s.map((o, i) => (o && ['alu', 'ldx', 'st', 'stx', 'end', 'atomic'].includes(o.kind) ? i : -1)).filter((i) => i >= 0));
const lastOr = (s: readonly Slot[]): number => {
  for (let i = s.length - 1; i >= 0; i--) if (s[i]?.kind === 'alu' && (s[i] as Extract<Op, { kind: 'alu' }>).op === 'or') return i;
  return -1;
};
const deleteAll = () => 0; // the coin: rS's slots deleted too
const keepS = () => 0.9;

function apply(src: string, coin: () => number = deleteAll) {
  const slots: Slot[] = toOps(assemble(src).insns);
  const change = gatherByteLoads(slots, straightOf(slots), jumpTargets(slots), lastOr(slots), coin);
  const after = slots.slice();
  if (change) for (const [pc, op] of change) after[pc] = op;
  return { change, text: after.filter((o): o is Op => o !== null).map((o) => formatOp(o)) };
}

// xdp_subprog's and tc_edit's Ethernet protocol (h_proto at 12, little-endian host)
const SUBPROG = 'w5 = *(u8 *)(r1 + 13)\nr5 <<= 8\nw6 = *(u8 *)(r1 + 12)\nr5 |= r6\nexit';

t("xdp_subprog's order (high byte loaded and shifted first) becomes one u16 load", () => {
  assert.equal(apply(SUBPROG).text, ['w5 = *(u16 *)(r1 + 0xc)', 'exit']);
  // the coin keeps rS's load (r6 may be read later): only rD's slots go
  assert.equal(apply(SUBPROG, keepS).text, ['w6 = *(u8 *)(r1 + 0xc)', 'w5 = *(u16 *)(r1 + 0xc)', 'exit']);
});

t('the other orders: both loads first, the or into the low byte, 32-bit shift and or', () => {
  assert.equal(apply('w1 = *(u8 *)(r6 + 12)\nw3 = *(u8 *)(r6 + 13)\nr3 <<= 8\nr3 |= r1\nexit').text, ['w3 = *(u16 *)(r6 + 0xc)', 'exit']);
  assert.equal(apply('w3 = *(u8 *)(r6 + 13)\nw1 = *(u8 *)(r6 + 12)\nr3 <<= 8\nr1 |= r3\nexit').text, ['w1 = *(u16 *)(r6 + 0xc)', 'exit']);
  assert.equal(apply('w3 = *(u8 *)(r6 + 21)\nw3 <<= 8\nw1 = *(u8 *)(r6 + 20)\nw1 |= w3\nr0 = r1\nexit').text, ['w1 = *(u16 *)(r6 + 0x14)', 'r0 = r1', 'exit']);
});

t('network order (high byte first in memory) becomes a u16 load and be16', () => {
  assert.equal(apply('w5 = *(u8 *)(r1 + 12)\nr5 <<= 8\nw6 = *(u8 *)(r1 + 13)\nr5 |= r6\nexit').text, ['w5 = *(u16 *)(r1 + 0xc)', 'r5 = be16 r5', 'exit']);
  assert.equal(apply('w6 = *(u8 *)(r1 + 13)\nw5 = *(u8 *)(r1 + 12)\nr5 <<= 8\nr6 |= r5\nexit').text, ['w6 = *(u16 *)(r1 + 0xc)', 'r6 = be16 r6', 'exit']);
});

t('no gather: a store or call between, a changed base, bytes apart, a signed or wide load, another shift, rD read between, a jump target', () => {
  const cases = [
    'w5 = *(u8 *)(r1 + 13)\n*(u8 *)(r1 + 12) = r7\nr5 <<= 8\nw6 = *(u8 *)(r1 + 12)\nr5 |= r6\nexit', // the store changes byte 12 between the reads
    'w5 = *(u8 *)(r1 + 13)\nr5 <<= 8\nr1 += 1\nw6 = *(u8 *)(r1 + 12)\nr5 |= r6\nexit', // different bases
    'w5 = *(u8 *)(r1 + 14)\nr5 <<= 8\nw6 = *(u8 *)(r1 + 12)\nr5 |= r6\nexit', // not neighbours
    'r5 = *(s8 *)(r1 + 13)\nr5 <<= 8\nw6 = *(u8 *)(r1 + 12)\nr5 |= r6\nexit', // sign-extended
    'w5 = *(u16 *)(r1 + 13)\nr5 <<= 8\nw6 = *(u8 *)(r1 + 12)\nr5 |= r6\nexit', // not a byte
    'w5 = *(u8 *)(r1 + 13)\nr5 <<= 16\nw6 = *(u8 *)(r1 + 12)\nr5 |= r6\nexit', // not the next byte's place
    'w5 = *(u8 *)(r1 + 13)\nr5 <<= 8\nr7 = r5\nw6 = *(u8 *)(r1 + 12)\nr5 |= r6\nexit', // r5 read between: its slots must stay
    'w5 = *(u8 *)(r1 + 13)\nr5 <<= 8\nw6 = *(u8 *)(r1 + 12)\nr5 ^= r6\nexit', // not an or
    'w5 = *(u8 *)(r1 + 13)\nr5 <<= 8\nif r5 == 0 goto +0\nw6 = *(u8 *)(r1 + 12)\nr5 |= r6\nexit', // a jump target splits the run
  ];
  for (const c of cases) assert.is(apply(c).change, undefined, c);
});

t('the interpreter agrees on random packets, every order and byte order (property)', () => {
  const orders = [
    (h: number, l: number) => `w5 = *(u8 *)(r8 + ${h})\nr5 <<= 8\nw6 = *(u8 *)(r8 + ${l})\nr5 |= r6`,
    (h: number, l: number) => `w6 = *(u8 *)(r8 + ${l})\nw5 = *(u8 *)(r8 + ${h})\nr5 <<= 8\nr5 |= r6`,
    (h: number, l: number) => `w5 = *(u8 *)(r8 + ${h})\nw6 = *(u8 *)(r8 + ${l})\nw5 <<= 8\nw6 |= w5`,
  ];
  fc.assert(fc.property(fc.uint8Array({ minLength: 14, maxLength: 64 }), fc.integer({ min: 0, max: 12 }), fc.constantFrom(...orders), fc.boolean(), (packet, o, order, bigEndian) => {
    const [h, l] = bigEndian ? [o, o + 1] : [o + 1, o];
    const src = guardedXdp(`${order(h, l)}\nr0 = r5\nr0 ^= r6`, 'r0 &= 0xffff');
    const program = bareProgram(assemble(src).insns, 'xdp', 'p');
    const slots = toOps(program.insns);
    const change = gatherByteLoads(slots, straightOf(slots), jumpTargets(slots), lastOr(slots), keepS);
    assert.ok(change, src);
    const vm = prepare(program);
    const before = vm.run({ packet });
    for (const [pc, op] of change!) vm.patch(pc, op);
    const after = vm.run({ packet });
    assert.equal(after, before, src);
  }), { numRuns: 200 });
});

function candidate(src: string, change = (s: Slot[]) => gatherByteLoads(s, straightOf(s), jumpTargets(s), lastOr(s), deleteAll)) {
  const program = bareProgram(assemble(src).insns, 'xdp');
  const slots = toOps(program.insns);
  const c = change(slots);
  assert.ok(c, 'a gather applies');
  const cand = Candidate.initial(Original.of(program)).with(c!);
  return { program, cand, insns: materialize(cand).insns };
}

t('Z3 proves the gathered programs equivalent (3 and 2 instructions fewer)', async () => {
  const le = candidate(guardedXdp('w5 = *(u8 *)(r8 + 13)\nr5 <<= 8\nw6 = *(u8 *)(r8 + 12)\nr5 |= r6', 'r0 = r5'));
  assert.is(le.insns.length, le.program.insns.length - 3);
  assert.ok((await proveEquivalent(equiv, le.cand, le.insns)).ok);
  const be = candidate(guardedXdp('w5 = *(u8 *)(r8 + 12)\nr5 <<= 8\nw6 = *(u8 *)(r8 + 13)\nr5 |= r6', 'r0 = r5'));
  assert.is(be.insns.length, be.program.insns.length - 2);
  assert.ok((await proveEquivalent(equiv, be.cand, be.insns)).ok);
});

t('Z3 refuses a wrong variant (network order gathered without the byte swap)', async () => {
  const c = candidate(guardedXdp('w5 = *(u8 *)(r8 + 12)\nr5 <<= 8\nw6 = *(u8 *)(r8 + 13)\nr5 |= r6', 'r0 = r5'), (s) => {
    const or = lastOr(s);
    return [[or - 3, null], [or - 2, null], [or - 1, null], [or, { kind: 'ldx', size: 2, signed: false, dst: 5, src: 8, off: 12 }]];
  });
  const p = await proveEquivalent(equiv, c.cand, c.insns);
  assert.not.ok(p.ok);
});

t('the chain proposes it under either objective (sizeOnly included)', () => {
  const s: Slot[] = toOps(assemble(SUBPROG).insns);
  const st = straightOf(s);
  for (const sizeOnly of [false, true]) {
    const move = proposeLatencyMove(s, s, st, [...st], () => 0, sizeOnly);
    assert.ok(move?.some(([, op]) => op?.kind === 'ldx' && op.size === 2), `sizeOnly ${sizeOnly}`);
  }
});

t.run();
