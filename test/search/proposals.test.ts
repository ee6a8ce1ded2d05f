// The search's proposal kinds and cheap pre-filters, as data: a program, what the rewrite or
// the filter must say about it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { assemble } from '../../src/isa/asm.ts';
import { toOps, type Op } from '../../src/isa/op.ts';
import { formatOp } from '../../src/isa/disasm.ts';
import { proposeIdiom } from '../../src/search/idioms.ts';
import { firstPointerMisuseOps } from '../../src/search/ptrkinds.ts';
import { readObject } from '../../src/isa/object.ts';
import { runChain } from '../../src/search/chain.ts';
import { prepare } from '../../src/interp/index.ts';
import { makeTests, evaluate } from '../../src/search/tests.ts';
import { rng } from '../../src/search/chain.ts';
import { materialize } from '../../src/search/materialize.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';

const t = suite('search/proposals');
const slotsOf = (src: string) => toOps(assemble(src).insns);
const text = (slots: (Op | null)[]): string[] => slots.filter((o): o is Op => o !== null).map((o) => formatOp(o));

/** Apply the only idiom that matches `src`. */
function rewrite(src: string): string[] | null {
  const slots = slotsOf(src);
  const straight = new Set(slots.map((_, i) => i).filter((i) => slots[i] && slots[i]!.kind !== 'exit'));
  const c = proposeIdiom(slots, straight, [...straight], () => 0);
  if (!c) return null;
  for (const [pc, op] of c) slots[pc] = op;
  return text(slots);
}

const IDIOMS: [string, string, string[] | null][] = [
  ['load-modify-store → atomic add (immediate)', 'r1 = *(u64 *)(r0 + 8)\nr1 += 1\n*(u64 *)(r0 + 8) = r1\nexit',
    ['r1 = 0x1', 'lock *(u64 *)(r0 + 0x8) += r1', 'exit']],
  ['load-modify-store → atomic add (register, 32-bit)', 'w1 = *(u32 *)(r0 + 0)\nw1 += w2\n*(u32 *)(r0 + 0) = w1\nexit',
    ['lock *(u32 *)(r0 + 0x0) += w2', 'exit']],
  ['constant store', 'r1 = 7\nr2 = r10\n*(u32 *)(r10 - 4) = w1\nexit',
    ['r1 = 0x7', 'r2 = r10', '*(u32 *)(r10 - 0x4) = 0x7', 'exit']],
  ['store merge (two constants)', '*(u32 *)(r10 - 8) = 1\n*(u32 *)(r10 - 4) = 0\nexit',
    ['*(u64 *)(r10 - 0x8) = 0x1', 'exit']],
  ['load merge (two bytes, shift, or)', 'w3 = *(u8 *)(r1 + 12)\nw4 = *(u8 *)(r1 + 13)\nr4 <<= 8\nr4 |= r3\nexit',
    ['w4 = *(u16 *)(r1 + 0xc)', 'exit']],
  ['copy merge (two byte copies, descending)', 'w2 = *(u8 *)(r1 + 3)\n*(u8 *)(r1 + 9) = w2\nw2 = *(u8 *)(r1 + 2)\n*(u8 *)(r1 + 8) = w2\nexit',
    ['w2 = *(u16 *)(r1 + 0x2)', '*(u16 *)(r1 + 0x8) = w2', 'exit']],
  ['no idiom: the store writes another place', 'r1 = *(u64 *)(r0 + 8)\nr1 += 1\n*(u64 *)(r0 + 16) = r1\nexit', null],
  ['no idiom: the shift is not the load width', 'w3 = *(u8 *)(r1 + 12)\nw4 = *(u8 *)(r1 + 13)\nr4 <<= 4\nr4 |= r3\nexit', null],
];

for (const [name, src, want] of IDIOMS) {
  t(`idiom: ${name}`, () => {
    const got = rewrite(src);
    if (want === null) assert.is(got, null);
    else assert.equal(got, want);
  });
}

t('store merge refuses a value st cannot hold (imm is 32 bits, sign-extended)', () => {
  assert.is(rewrite('*(u32 *)(r10 - 8) = 0\n*(u32 *)(r10 - 4) = 1\nexit'), null);
  assert.equal(rewrite('*(u32 *)(r10 - 8) = -1\n*(u32 *)(r10 - 4) = -1\nexit'), ['*(u64 *)(r10 - 0x8) = -0x1', 'exit']);
});

const MISUSE: [string, string, number][] = [
  ['32-bit arithmetic on the context pointer', 'w1 += 4\nr0 = 0\nexit', 0],
  ['and on a stack pointer', 'r2 = r10\nr2 &= -8\nr0 = 0\nexit', 1],
  ['pointer + pointer', 'r2 = r10\nr2 += r1\nr0 = 0\nexit', 1],
  ['scalar - pointer', 'r2 = 5\nr2 -= r10\nr0 = 0\nexit', 1],
  ['arithmetic on pkt_end', 'r2 = *(u32 *)(r1 + 4)\nr2 += 1\nr0 = 0\nexit', 1],
  ['pkt_end - pkt is fine', 'r2 = *(u32 *)(r1 + 4)\nr3 = *(u32 *)(r1 + 0)\nr2 -= r3\nr0 = 0\nexit', -1],
  ['packet pointer + constant is fine', 'r3 = *(u32 *)(r1 + 0)\nr3 += 14\nr0 = 0\nexit', -1],
  ['scalar + pointer is fine', 'r2 = 8\nr2 += r10\nr0 = 0\nexit', -1],
  ['leak: a pointer\'s low half as a number', 'w0 = w1\nexit', 0],
  ['leak: a pointer returned', 'r0 = r10\nexit', 1],
  ['leak: a pointer stored into the packet', 'r2 = *(u32 *)(r1 + 0)\n*(u64 *)(r2 + 0) = r10\nr0 = 0\nexit', 1],
  ['spilling a pointer to the stack is fine', '*(u64 *)(r10 - 8) = r1\nr0 = 0\nexit', -1],
  ['a pointer on one path only is not held against it', 'r2 = 1\nif r1 == 0 goto +1\nr2 = r10\nr2 &= 3\nr0 = 0\nexit', -1],
];

for (const [name, src, want] of MISUSE) {
  t(`pointer pre-filter: ${name}`, () => {
    const ops = slotsOf(src);
    assert.is(firstPointerMisuseOps(ops, ops.length, 'xdp', () => false), want);
  });
}

t('pointer pre-filter: every corpus program passes, callees included (it refuses only what the kernel refuses)', () => {
  for (const f of readdirSync('corpus').filter((x) => x.endsWith('.o'))) {
    const p = readObject(new Uint8Array(readFileSync(`corpus/${f}`))).link();
    assert.is(firstPointerMisuseOps(toOps(p.insns), p.insns.length, p.type, () => false), -1, f);
  }
});

const corpus = (name: string) => readObject(new Uint8Array(readFileSync(`corpus/${name}.o`))).link();

t('tests: truncated frames on both sides of each bounds check catch a weakened check', () => {
  const p = corpus('xdp1');
  const tests = makeTests(prepare(p), p, rng(1));
  // `r3 += 0xe; if r3 > r2` guards the Ethernet header; check 10 bytes instead
  const slots = toOps(p.insns);
  const pc = slots.findIndex((o) => o?.kind === 'alu' && o.op === 'add' && 'imm' in o.src && o.src.imm === 14);
  slots[pc] = { ...(slots[pc] as Op & { kind: 'alu' }), src: { imm: 10 } };
  const m = materialize(Candidate.of(Original.of(p), slots));
  assert.ok(evaluate(prepare({ ...p, insns: m.insns }), tests).error > 0);
  assert.is(evaluate(prepare(p), tests).error, 0, 'the original passes its own tests');
});

t('tests: a map state holding the keys the inputs looked up, so a hit path is tested', () => {
  // xdp_subprog counts packets per IPv4 source address in an LRU hash: only presets of those
  // addresses make the increment (slots 18-20) run
  const p = corpus('xdp_subprog');
  const tests = makeTests(prepare(p), p, rng(1));
  const hits = tests.find((g) => g.presets.some((x) => new DataView(x.key.buffer).getUint32(0, true) > 3));
  assert.ok(hits, 'a group presets looked-up keys');
  for (const x of hits!.presets) {
    const key = Buffer.from(x.key).toString('hex');
    assert.ok(hits!.packets.some((pk) => Buffer.from(pk.subarray(26, 30)).toString('hex') === key), `key ${key} is a source address of its packets`);
  }
  // a candidate that breaks only the increment now fails a test
  const slots = toOps(p.insns);
  const inc = slots.findIndex((o) => o?.kind === 'alu' && o.op === 'add' && o.dst === 1 && 'imm' in o.src && o.src.imm === 1);
  slots[inc] = { ...(slots[inc] as Op & { kind: 'alu' }), src: { imm: 2 } };
  const m = materialize(Candidate.of(Original.of(p), slots));
  assert.ok(evaluate(prepare({ ...p, insns: m.insns }), tests).error > 0);
});

t('chain on xdp_pktcntr reaches 19 instructions (K2: 22 → 19) with seed 1 in 40,000 candidates (exclusive maps: the rewrite makes the counter atomic)', async () => {
  const p = corpus('xdp_pktcntr');
  const r = await runChain(p, { budgetMs: 120_000, maxIterations: 40_000, seed: 1, objective: 'size', exclusiveMaps: true });
  assert.ok(r.best.length <= 19, `got ${r.best.length}`);
  assert.ok(verify({ ...p, insns: r.best }).ok);
});

t.run();
