// The byte-copy idiom: loads cut by shifts into narrower stores (xdp_fwd's MAC copies from the
// fib_lookup result on the stack into the packet) redone as the widest pieces, and Z3 on it.
import { serialize } from 'node:v8';
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
import { byteCopy } from '../../src/search/idiom-byte-copy.ts';
import type { Slot } from '../../src/search/proposals.ts';

const t = suite('search/idiom-byte-copy');
const equiv = new EquivService();
t.after(() => equiv.close());

// clang-19 -O2, samples/bpf xdp_fwd_kern.c: memcpy(eth->h_dest, dmac); memcpy(eth->h_source, smac)
// with r6 the packet and the fib_lookup result at fp-64 (dmac at fp-6, smac at fp-12)
const MACS = `r1 = *(u16 *)(r10 - 2)
*(u8 *)(r6 + 4) = r1
r1 >>= 8
*(u8 *)(r6 + 5) = r1
r1 = *(u16 *)(r10 - 4)
*(u8 *)(r6 + 2) = r1
r1 >>= 8
*(u8 *)(r6 + 3) = r1
r1 = *(u16 *)(r10 - 6)
*(u8 *)(r6 + 0) = r1
r1 >>= 8
*(u8 *)(r6 + 1) = r1
r1 = *(u32 *)(r10 - 12)
r2 = r1
r2 >>= 16
*(u8 *)(r6 + 8) = r2
r2 = r1
r2 >>= 24
*(u8 *)(r6 + 9) = r2
*(u8 *)(r6 + 6) = r1
r1 >>= 8
*(u8 *)(r6 + 7) = r1
r1 = *(u16 *)(r10 - 8)
*(u8 *)(r6 + 10) = r1
r1 >>= 8
*(u8 *)(r6 + 11) = r1`;

function apply(src: string, at: number): { slots: Slot[]; change: ReturnType<typeof byteCopy> } {
  const slots: Slot[] = toOps(assemble(src).insns);
  const straight = new Set(slots.map((_, i) => i).filter((i) => slots[i] && !['exit', 'jmp', 'jmp32', 'call', 'lddw'].includes(slots[i]!.kind)));
  const change = byteCopy(slots, straight, at);
  if (change) for (const [pc, op] of change) slots[pc] = op;
  return { slots, change };
}

const text = (slots: Slot[]): string[] => slots.filter((o): o is Op => o !== null).map((o) => formatOp(o));

t("xdp_fwd's two MAC copies: 26 instructions become 8, stack reads aligned, a load after the run kept", () => {
  const { slots, change } = apply(`${MACS}\nr2 = *(u32 *)(r10 - 56)\nexit`, 0);
  assert.ok(change);
  assert.equal(text(slots), [
    'w1 = *(u16 *)(r10 - 0x6)', '*(u16 *)(r6 + 0x0) = w1', 'w1 = *(u32 *)(r10 - 0x4)', '*(u32 *)(r6 + 0x2) = w1',
    'w1 = *(u32 *)(r10 - 0xc)', '*(u32 *)(r6 + 0x6) = w1', 'w1 = *(u16 *)(r10 - 0x8)', '*(u16 *)(r6 + 0xa) = w1',
    'w2 = *(u32 *)(r10 - 0x38)', 'exit',
  ]);
});

/** V8's serializer writes a small integer as int32 (tag 0x49, 'I') and a boxed number as a double ('N'). */
const smallInt = (x: number): boolean => serialize(x)[2] === 0x49;

t('the rewritten loads and stores hold offsets as small integers, and so do the decoded ops after them', () => {
  const { slots, change } = apply(`${MACS}\nexit`, 0);
  assert.ok(change);
  for (const o of slots) if (o && 'off' in o) assert.ok(smallInt(o.off), `${formatOp(o)}: off ${o.off} boxed`);
  // (an op of each memory shape decoded afterwards: one boxed offset above gave the shape's map a double field)
  for (const o of toOps(assemble('r1 = *(u16 *)(r10 - 2)\n*(u8 *)(r6 + 4) = r1\n*(u8 *)(r6 + 5) = 3\nexit').insns)) if (o && 'off' in o) assert.ok(smallInt(o.off), formatOp(o));
});

t('no rewrite: a stored byte no load supplied (shifted out), one store, one base, or a load not stored', () => {
  assert.is(apply('r1 = *(u16 *)(r10 - 2)\nr1 >>= 16\n*(u8 *)(r6 + 0) = r1\n*(u8 *)(r6 + 1) = r1\nexit', 0).change, null);
  assert.is(apply('r1 = *(u16 *)(r10 - 2)\n*(u8 *)(r6 + 4) = r1\nr1 >>= 8\nexit', 0).change, null);
  assert.is(apply('r1 = *(u16 *)(r6 + 2)\n*(u8 *)(r6 + 4) = r1\nr1 >>= 8\n*(u8 *)(r6 + 5) = r1\nexit', 0).change, null);
  // a load whose register is stored nowhere in the run (read after it): not part of the copy
  assert.is(apply('r4 = *(u16 *)(r10 - 16)\nr1 = *(u16 *)(r10 - 2)\n*(u8 *)(r6 + 4) = r1\nr1 >>= 8\n*(u8 *)(r6 + 5) = r1\nr0 = r4\nexit', 0).change, null);
  assert.ok(apply('r4 = *(u16 *)(r10 - 16)\nr1 = *(u16 *)(r10 - 2)\n*(u8 *)(r6 + 4) = r1\nr1 >>= 8\n*(u8 *)(r6 + 5) = r1\nr0 = r4\nexit', 1).change, 'from the copy\'s own load');
});

const PROGRAM = (tail: string) => `r2 = *(u32 *)(r1 + 4)
r6 = *(u32 *)(r1 + 0)
r3 = r6
r3 += 14
r0 = 1
if r3 > r2 goto +${MACS.split('\n').length + 4}
r3 = *(u64 *)(r6 + 0)
*(u64 *)(r10 - 8) = r3
r3 = *(u32 *)(r6 + 8)
*(u32 *)(r10 - 12) = r3
${MACS}
${tail}
exit`;

function candidate(tail: string) {
  const src = PROGRAM(tail);
  const program = bareProgram(assemble(src).insns, 'xdp');
  const { change } = apply(src, 10);
  assert.ok(change);
  const cand = Candidate.initial(Original.of(program)).with(change!);
  return { program, cand, insns: materialize(cand).insns };
}

t('Z3 proves the rewritten copies equivalent, and refuses them when a shifted register is read after', async () => {
  const ok = candidate('r0 = 2');
  assert.is(ok.insns.length, ok.program.insns.length - 18);
  const p = await proveEquivalent(equiv, ok.cand, ok.insns);
  assert.ok(p.ok, JSON.stringify(p));
  const bad = candidate('r0 = r2');
  const q = await proveEquivalent(equiv, bad.cand, bad.insns);
  assert.not.ok(q.ok, 'r2 held smac byte 3 shifted; the rewrite leaves it another value');
});

t.run();
