// The split-store merge (latency move): byte stores of one value, in little-endian order, become
// one wide store; anything the new order could change (a load between, another store to the
// bytes, a big-endian order, a value the bytes do not come from) is left alone. Z3 proves the
// merged program and refuses a wrong merge.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { toOps, type Op } from '../../src/isa/op.ts';
import { formatOp } from '../../src/isa/disasm.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { materialize } from '../../src/search/materialize.ts';
import { proveEquivalent } from '../../src/search/prove.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import { EquivService } from '../../src/smt/isolated.ts';
import { jumpTargets } from '../../src/search/exec-cost.ts';
import { mergeSplitStores } from '../../src/search/latency-store-merge.ts';
import type { Slot } from '../../src/search/proposals.ts';
import { guardedXdp } from './fixtures/guarded-xdp.ts';

const t = suite('search/latency-store-merge');
const equiv = new EquivService();
t.after(() => equiv.close());

// a u32 read from the packet and written back at offset 0 byte by byte (xdp_swap_tx's shape)
const SPLIT32 = `r4 = *(u32 *)(r8 + 6)
*(u8 *)(r8 + 0) = r4
r5 = r4
r5 >>= 8
*(u8 *)(r8 + 1) = r5
r5 = r4
r5 >>= 16
*(u8 *)(r8 + 2) = r5
r4 >>= 24
*(u8 *)(r8 + 3) = r4`;

const PROGRAM = guardedXdp;

const straightOf = (s: readonly Slot[]) => new Set(s.map((o, i) => (o && ['alu', 'ldx', 'st', 'stx', 'end', 'atomic'].includes(o.kind) ? i : -1)).filter((i) => i >= 0));
const firstByteStore = (s: readonly Slot[]) => s.findIndex((o) => o?.kind === 'stx' && o.size === 1);

function apply(src: string) {
  const slots: Slot[] = toOps(assemble(src).insns);
  const change = mergeSplitStores(slots, straightOf(slots), jumpTargets(slots), firstByteStore(slots));
  const after = slots.slice();
  if (change) for (const [pc, op] of change) after[pc] = op;
  return { change, text: after.filter((o): o is Op => o !== null).map((o) => formatOp(o)) };
}

t('four byte stores of one value become one u32 store; the shifts stay for the deletions', () => {
  const { change, text } = apply(`${SPLIT32}\nexit`);
  assert.ok(change);
  assert.equal(text, ['w4 = *(u32 *)(r8 + 0x6)', '*(u32 *)(r8 + 0x0) = w4', 'r5 = r4', 'r5 >>= 0x8', 'r5 = r4', 'r5 >>= 0x10', 'r4 >>= 0x18', 'exit']);
});

t('a value split into registers before the first store (xdp_swap_tx) is still one u32 store', () => {
  const { text } = apply('r3 = r4\nr3 >>= 16\n*(u8 *)(r8 + 2) = r3\nr3 = r4\nr3 >>= 24\n*(u8 *)(r8 + 3) = r3\n*(u8 *)(r8 + 0) = r4\nr4 >>= 8\n*(u8 *)(r8 + 1) = r4\nexit');
  assert.equal(text, ['r3 = r4', 'r3 >>= 0x10', 'r3 = r4', 'r3 >>= 0x18', '*(u32 *)(r8 + 0x0) = w4', 'r4 >>= 0x8', 'exit']);
});

t('two bytes through 32-bit moves and shifts become a u16 store', () => {
  const { text } = apply('w4 = w7\n*(u8 *)(r8 + 4) = w4\nw4 >>= 8\n*(u8 *)(r8 + 5) = w4\nexit');
  assert.equal(text, ['w4 = w7', '*(u16 *)(r8 + 0x4) = w4', 'w4 >>= 0x8', 'exit']);
});

t('no merge: big-endian order, a load or another store between, a changed value, bytes past a 32-bit truncation', () => {
  const cases = [
    '*(u8 *)(r8 + 1) = r4\nr5 = r4\nr5 >>= 8\n*(u8 *)(r8 + 0) = r5\nexit', // bytes swapped (a be16 field)
    '*(u8 *)(r8 + 0) = r4\nr6 = *(u8 *)(r8 + 0)\nr4 >>= 8\n*(u8 *)(r8 + 1) = r4\nexit', // the load sees the old order
    '*(u8 *)(r8 + 0) = r4\n*(u8 *)(r8 + 1) = r6\nr4 >>= 8\n*(u8 *)(r8 + 1) = r4\nexit', // byte 1 written twice
    '*(u8 *)(r8 + 0) = r4\nr4 += 1\nr4 >>= 8\n*(u8 *)(r8 + 1) = r4\nexit', // not the same value any more
    '*(u8 *)(r8 + 0) = r4\n*(u8 *)(r7 + 9) = r6\nr4 >>= 8\n*(u8 *)(r8 + 1) = r4\nexit', // a store through another base may alias
    'w5 = w4\nw5 >>= 24\n*(u8 *)(r8 + 0) = w5\nr4 >>= 32\n*(u8 *)(r8 + 1) = r4\nexit', // byte 4 of r4 is not byte 1 of w5's value
  ];
  for (const c of cases) assert.is(apply(c).change, undefined, c);
});

function candidate(src: string, change = (s: Slot[]) => mergeSplitStores(s, straightOf(s), jumpTargets(s), firstByteStore(s))) {
  const program = bareProgram(assemble(src).insns, 'xdp');
  const slots = toOps(program.insns);
  const c = change(slots);
  assert.ok(c, 'a merge applies');
  const cand = Candidate.initial(Original.of(program)).with(c!);
  return { program, cand, insns: materialize(cand).insns };
}

t('Z3 proves the merged program equivalent (3 stores fewer)', async () => {
  const c = candidate(PROGRAM(SPLIT32));
  assert.is(c.insns.length, c.program.insns.length - 3);
  const p = await proveEquivalent(equiv, c.cand, c.insns);
  assert.ok(p.ok, JSON.stringify(p));
});

t('Z3 refuses a wrong merge (a big-endian pair written as one little-endian u16)', async () => {
  const src = PROGRAM('r4 = *(u16 *)(r8 + 6)\n*(u8 *)(r8 + 1) = r4\nr5 = r4\nr5 >>= 8\n*(u8 *)(r8 + 0) = r5');
  const c = candidate(src, (s) => {
    const at = firstByteStore(s);
    return [[at, { kind: 'stx', size: 2, dst: 8, src: 4, off: 0 }], [at + 3, null]];
  });
  const p = await proveEquivalent(equiv, c.cand, c.insns);
  assert.not.ok(p.ok);
});

t.run();
