// LPM tries in whole-program proofs (src/smt/lpm.ts) and values of lookups in different maps
// after paths meet (state.ts 'maps' pointers), issue 20: xdp_router_ipv4's proof was undecided
// on both. A rewrite that holds for every trie is proved; one that assumes two different keys
// find two different entries is refused (a longest-prefix lookup may answer both with one
// entry, which a hash map would not); a program that updates the trie stays undecided.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import type { Insn } from '../../src/isa/insn.ts';
import { bareProgram, type MapDef, type Program } from '../../src/isa/program.ts';
import { programEquiv } from '../../src/smt/equiv.ts';

const t = suite('smt/lpm');

const LPM: MapDef = { name: 'lpm', type: 11, keySize: 8, valueSize: 8, maxEntries: 8, flags: 1 };
const HASH: MapDef = { name: 'exact', type: 1, keySize: 4, valueSize: 8, maxEntries: 8, flags: 0 };

/** Assemble; the n-th lddw refers to map `lddwMaps[n]`. */
function prog(src: string, maps: MapDef[], lddwMaps: number[]): Program {
  let n = 0;
  const insns = assemble(src).insns.map((x) => (x.code === 0x18 ? { ...x, src: 1, imm: lddwMaps[n++] } : x));
  return { ...bareProgram(insns, 'xdp'), maps };
}
const code = (src: string, lddwMaps: number[]): readonly Insn[] => prog(src, [], lddwMaps).insns;

// key {prefixlen, 4 address bytes from the packet} at fp-8; the packet is 14+ bytes
const HEAD = `r6 = *(u32 *)(r1 + 0)
r2 = *(u32 *)(r1 + 4)
r3 = r6
r3 += 14
if r3 > r2 goto drop
r4 = *(u32 *)(r6 + 0)
*(u32 *)(r10 - 4) = r4
*(u32 *)(r10 - 8) = 32`;
const LOOKUP = `r2 = r10
r2 += -8
r1 = 0x0 ll
call 1`;
const TAIL = `r0 = 2
exit
drop:
r0 = 1
exit`;

t('a rewrite of a read through an LPM value is proved for every trie; a wrong offset is refused', async () => {
  const body = (copy: string): string => `${HEAD}\n${LOOKUP}\nif r0 == 0 goto drop\n${copy}\n${TAIL}`;
  const a = prog(body('r1 = *(u16 *)(r0 + 0)\n*(u16 *)(r6 + 0) = r1\nr1 = *(u16 *)(r0 + 2)\n*(u16 *)(r6 + 2) = r1'), [LPM], [0]);
  const good = await programEquiv(a, code(body('r1 = *(u32 *)(r0 + 0)\n*(u32 *)(r6 + 0) = r1'), [0]), { rlimit: 50_000_000 });
  assert.is(good.equal, true, JSON.stringify(good));
  const bad = await programEquiv(a, code(body('r1 = *(u32 *)(r0 + 4)\n*(u32 *)(r6 + 0) = r1'), [0]), { rlimit: 50_000_000 });
  assert.is(bad.equal, false, 'a copy from the wrong offset of the value');
});

t('two lookups with different prefix lengths may find one entry: a load moved above a store through the other is refused', async () => {
  // r7: lookup with /32, r0: lookup with /24 of the same address; store through r7, load through r0
  const body = (middle: string): string => `${HEAD}\n${LOOKUP}\nif r0 == 0 goto drop\nr7 = r0\n*(u32 *)(r10 - 8) = 24\n${LOOKUP}\nif r0 == 0 goto drop\n${middle}\n*(u32 *)(r6 + 0) = r1\n${TAIL}`;
  const a = prog(body('*(u32 *)(r7 + 0) = 7\nr1 = *(u32 *)(r0 + 0)'), [LPM], [0, 0]);
  const moved = await programEquiv(a, code(body('r1 = *(u32 *)(r0 + 0)\n*(u32 *)(r7 + 0) = 7'), [0, 0]), { rlimit: 50_000_000 });
  assert.is(moved.equal, false, 'proved as if the two keys found two entries');
  // the same two lookups in a hash map are two keys, and two different keys are two values
  const h = prog(body('*(u32 *)(r7 + 0) = 7\nr1 = *(u32 *)(r0 + 0)'), [{ ...HASH, keySize: 8 }], [0, 0]);
  const hash = await programEquiv(h, code(body('r1 = *(u32 *)(r0 + 0)\n*(u32 *)(r7 + 0) = 7'), [0, 0]), { rlimit: 50_000_000 });
  assert.is(hash.equal, true, 'control: in a hash map the move is right');
});

t('a program that updates the trie is left undecided', async () => {
  const src = `${HEAD}\nr2 = r10\nr2 += -8\nr3 = r10\nr3 += -8\nr4 = 0\nr1 = 0x0 ll\ncall 2\n${TAIL}`;
  const a = prog(src, [LPM], [0]);
  const r = await programEquiv(a, a.insns, { rlimit: 50_000_000 });
  assert.is(r.equal, null);
  assert.match(r.equal === null ? r.unknown : '', /LPM trie/);
});

t('a value of either map after paths meet: a rewrite through it is proved, a wrong one refused', async () => {
  // r0 from HASH (packet byte 0 is 0) or from LPM; then two u16 copies from it into the packet
  const body = (copy: string): string => `${HEAD}
r5 = *(u8 *)(r6 + 0)
r2 = r10
r2 += -8
if r5 == 0 goto exact
r1 = 0x0 ll
call 1
goto join
exact:
r1 = 0x0 ll
call 1
join:
if r0 == 0 goto drop
${copy}
${TAIL}`;
  const a = prog(body('r1 = *(u16 *)(r0 + 0)\n*(u16 *)(r6 + 0) = r1\nr1 = *(u16 *)(r0 + 2)\n*(u16 *)(r6 + 2) = r1'), [LPM, HASH], [0, 1]);
  const good = await programEquiv(a, code(body('r1 = *(u32 *)(r0 + 0)\n*(u32 *)(r6 + 0) = r1'), [0, 1]), { rlimit: 50_000_000 });
  assert.is(good.equal, true, JSON.stringify(good));
  const bad = await programEquiv(a, code(body('r1 = *(u16 *)(r0 + 0)\n*(u16 *)(r6 + 0) = r1\n*(u16 *)(r6 + 2) = r1'), [0, 1]), { rlimit: 50_000_000 });
  assert.is(bad.equal, false, 'the second half copied from the first');
  // a store through it reaches the map of the path taken
  const st = prog(body('*(u32 *)(r0 + 0) = 5\nr1 = *(u32 *)(r0 + 0)\n*(u32 *)(r6 + 0) = r1'), [LPM, HASH], [0, 1]);
  const folded = await programEquiv(st, code(body('*(u32 *)(r0 + 0) = 5\n*(u32 *)(r6 + 0) = 5'), [0, 1]), { rlimit: 50_000_000 });
  assert.is(folded.equal, true, JSON.stringify(folded));
  const lost = await programEquiv(st, code(body('*(u32 *)(r6 + 0) = 5'), [0, 1]), { rlimit: 50_000_000 });
  assert.is(lost.equal, false, 'the store into the map value dropped');
});

t.run();
