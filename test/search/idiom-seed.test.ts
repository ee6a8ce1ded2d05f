// The chain's greedy start (src/search/idiom-seed.ts): idiom rewrites taken while each shrinks
// the program and passes the caller's check; one the check refuses is left out.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { formatOp } from '../../src/isa/disasm.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import { idiomSeed } from '../../src/search/idiom-seed.ts';
import type { Op } from '../../src/isa/op.ts';

const t = suite('search/idiom-seed');

// a byte pair read as a u16 (load merge, -3) and a u8 copy pair (copy merge, -2)
const SRC = `r3 = *(u8 *)(r2 + 12)
r4 = *(u8 *)(r2 + 13)
r4 <<= 8
r4 |= r3
r5 = *(u8 *)(r2 + 0)
*(u8 *)(r10 - 8) = r5
r5 = *(u8 *)(r2 + 1)
*(u8 *)(r10 - 7) = r5
r0 = r4
exit`;

const setup = () => {
  const orig = Original.of(bareProgram(assemble(SRC).insns, 'xdp'));
  const straight = new Set([...Array(orig.end).keys()].filter((i) => orig.ops[i]?.kind !== 'exit'));
  return { start: Candidate.initial(orig), straight, mutable: [...straight] };
};
const size = (c: Candidate): number => c.ops.filter((o) => o !== null).length;
const text = (c: Candidate): string[] => c.ops.filter((o): o is Op => o !== null).map((o) => formatOp(o));

t('every shrinking idiom the check accepts is taken, one after another', () => {
  const { start, straight, mutable } = setup();
  const seed = idiomSeed(start, straight, mutable, 1, size, () => true);
  assert.equal(text(seed), ['w4 = *(u16 *)(r2 + 0xc)', 'w5 = *(u16 *)(r2 + 0x0)', '*(u16 *)(r10 - 0x8) = w5', 'r0 = r4', 'exit']);
});

t('a rewrite the check refuses is not taken; the others still are', () => {
  const { start, straight, mutable } = setup();
  const seed = idiomSeed(start, straight, mutable, 1, size, (c) => c.ops[1] !== null);
  assert.is(size(seed), 8, 'the copy merge only');
  assert.equal(text(seed).slice(0, 4), ['w3 = *(u8 *)(r2 + 0xc)', 'w4 = *(u8 *)(r2 + 0xd)', 'r4 <<= 0x8', 'r4 |= r3']);
  assert.is(idiomSeed(start, straight, mutable, 1, size, () => false), start, 'nothing passes: the start itself');
});

t.run();
