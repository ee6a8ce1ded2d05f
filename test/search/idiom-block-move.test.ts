// The block-move idiom: narrow load/store runs that move bytes (samples/bpf's MAC swap) redone
// with wide accesses, and Z3 proving the rewrite of a whole XDP program.
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
import { blockMove } from '../../src/search/idiom-block-move.ts';
import type { Slot } from '../../src/search/proposals.ts';
import { guardedXdp } from './fixtures/guarded-xdp.ts';

const t = suite('search/idiom-block-move');
const equiv = new EquivService();
t.after(() => equiv.close());

// clang-19 -O2's swap_src_dst_mac (samples/bpf xdp2/xdp_redirect): twelve u16 accesses
const SWAP = `r1 = *(u16 *)(r8 + 0)
r2 = *(u16 *)(r8 + 6)
*(u16 *)(r8 + 0) = r2
r2 = *(u16 *)(r8 + 8)
r3 = *(u16 *)(r8 + 2)
*(u16 *)(r8 + 8) = r3
*(u16 *)(r8 + 2) = r2
r2 = *(u16 *)(r8 + 10)
r3 = *(u16 *)(r8 + 4)
*(u16 *)(r8 + 10) = r3
*(u16 *)(r8 + 6) = r1
*(u16 *)(r8 + 4) = r2`;

const PROGRAM = guardedXdp;

function apply(src: string, at: number): { slots: Slot[]; change: ReturnType<typeof blockMove> } {
  const slots: Slot[] = toOps(assemble(src).insns);
  const straight = new Set(slots.map((_, i) => i).filter((i) => slots[i] && !['exit', 'jmp', 'jmp32', 'call'].includes(slots[i]!.kind)));
  const change = blockMove(slots, straight, at);
  if (change) for (const [pc, op] of change) slots[pc] = op;
  return { slots, change };
}

const text = (slots: Slot[]): string[] => slots.filter((o): o is Op => o !== null).map((o) => formatOp(o));

t('the MAC swap becomes two u32 and two u16 exchanges (12 → 8 instructions)', () => {
  const { slots, change } = apply(`${SWAP}\nexit`, 0);
  assert.ok(change);
  assert.equal(text(slots), [
    'w1 = *(u32 *)(r8 + 0x6)', 'w2 = *(u32 *)(r8 + 0x0)', '*(u32 *)(r8 + 0x0) = w1', '*(u32 *)(r8 + 0x6) = w2',
    'w1 = *(u16 *)(r8 + 0xa)', 'w2 = *(u16 *)(r8 + 0x4)', '*(u16 *)(r8 + 0x4) = w1', '*(u16 *)(r8 + 0xa) = w2',
    'exit',
  ]);
});

t('a copy of four bytes with enough registers: all loads first, then the stores', () => {
  const { slots } = apply('r1 = *(u8 *)(r2 + 0)\nr3 = *(u8 *)(r2 + 1)\n*(u8 *)(r2 + 8) = r1\n*(u8 *)(r2 + 9) = r3\nr1 = *(u8 *)(r2 + 2)\n*(u8 *)(r2 + 10) = r1\nr1 = *(u8 *)(r2 + 3)\n*(u8 *)(r2 + 11) = r1\nexit', 0);
  assert.equal(text(slots), ['w1 = *(u32 *)(r2 + 0x0)', '*(u32 *)(r2 + 0x8) = w1', 'exit']);
});

t('a MAC copied from a map value into the packet (xdp_router_ipv4): two bases, the load base reused last', () => {
  const src = 'r2 = *(u16 *)(r1 + 4)\n*(u16 *)(r7 + 4) = r2\nr2 = *(u16 *)(r1 + 2)\n*(u16 *)(r7 + 2) = r2\nr1 = *(u16 *)(r1 + 0)\n*(u16 *)(r7 + 0) = r1\nexit';
  const { slots } = apply(src, 0);
  assert.equal(text(slots), ['w2 = *(u32 *)(r1 + 0x0)', '*(u32 *)(r7 + 0x0) = w2', 'w2 = *(u16 *)(r1 + 0x4)', '*(u16 *)(r7 + 0x4) = w2', 'exit']);
});

t('on the stack the pieces stay naturally aligned (the kernel refuses misaligned stack access)', () => {
  // bytes -6..-3 to -14..-11: offsets not 4-aligned, so u16 pieces
  const src = 'r1 = *(u8 *)(r10 - 6)\n*(u8 *)(r10 - 14) = r1\nr1 = *(u8 *)(r10 - 5)\n*(u8 *)(r10 - 13) = r1\nr1 = *(u8 *)(r10 - 4)\n*(u8 *)(r10 - 12) = r1\nr1 = *(u8 *)(r10 - 3)\n*(u8 *)(r10 - 11) = r1\nexit';
  const { slots, change } = apply(src, 0);
  assert.ok(change);
  assert.ok(text(slots).every((s) => !s.includes('u32')), text(slots).join('; '));
});

t('no rewrite: a stored register not loaded in the run, or nothing shorter', () => {
  assert.is(apply('r1 = *(u16 *)(r8 + 0)\n*(u16 *)(r8 + 6) = r4\nr2 = *(u16 *)(r8 + 2)\n*(u16 *)(r8 + 8) = r2\nexit', 0).change, null);
  // two separate cells moved: as many accesses as before
  assert.is(apply('r1 = *(u16 *)(r8 + 0)\n*(u16 *)(r8 + 6) = r1\nr2 = *(u16 *)(r8 + 4)\n*(u16 *)(r8 + 10) = r2\nexit', 0).change, null);
});

/** The whole-program candidate after the idiom at the first swap slot. */
function candidate(src: string) {
  const program = bareProgram(assemble(src).insns, 'xdp');
  const first = toOps(program.insns).findIndex((o) => o?.kind === 'ldx' && o.src === 8);
  const { slots, change } = apply(src, first);
  assert.ok(change);
  const cand = Candidate.initial(Original.of(program)).with(change!);
  return { program, cand, insns: materialize(cand).insns, slots };
}

t('Z3 proves the rewritten MAC swap of an XDP program equivalent', async () => {
  const c = candidate(PROGRAM(SWAP));
  assert.is(c.insns.length, c.program.insns.length - 4);
  const p = await proveEquivalent(equiv, c.cand, c.insns);
  assert.ok(p.ok, JSON.stringify(p));
});

t('Z3 refuses it when a register the run loaded is read afterwards', async () => {
  const c = candidate(PROGRAM(SWAP, 'r0 = r3'));
  const p = await proveEquivalent(equiv, c.cand, c.insns);
  assert.not.ok(p.ok);
});

t.run();
