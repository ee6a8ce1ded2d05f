// The constant-store idiom drops the move when the store was its register's last reader before
// the register is overwritten (xdp_fw: `r1 = 6; *(u8 *)(r10 - 4) = r1; r1 = 7; ...; r1 = map ll`),
// and keeps it when the register may still be read.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { toOps } from '../../src/isa/op.ts';
import { formatOp } from '../../src/isa/disasm.ts';
import { allIdioms } from '../../src/search/idioms.ts';
import type { Slot } from '../../src/search/proposals.ts';

const t = suite('search/idiom-constant-store');

/** The constant-store rewrites (those making an st) of a program. */
function rewrites(src: string): string[][] {
  const slots: Slot[] = toOps(assemble(src).insns);
  const straight = new Set(slots.map((_, i) => i).filter((i) => slots[i] && ['alu', 'ldx', 'st', 'stx'].includes(slots[i]!.kind)));
  return allIdioms(slots, straight, [...straight])
    .filter((c) => c.some(([, op]) => op?.kind === 'st') && c.length <= 2)
    .map((c) => c.map(([pc, op]) => `${pc}: ${op ? formatOp(op) : 'deleted'}`));
}

t("xdp_fw's two constant stores: each move goes with its store", () => {
  const found = rewrites('r1 = 6\n*(u8 *)(r10 - 4) = r1\nr1 = 7\n*(u16 *)(r10 - 2) = r1\nr2 = r10\nr1 = 0x0 ll\nexit');
  assert.equal(found, [['1: *(u8 *)(r10 - 0x4) = 0x6', '0: deleted'], ['3: *(u16 *)(r10 - 0x2) = 0x7', '2: deleted']]);
});

t('the move stays when the register is read again, or the run ends before it is overwritten', () => {
  assert.equal(rewrites('r4 = 0\n*(u32 *)(r10 - 4) = r4\n*(u32 *)(r10 - 16) = r4\nr4 = r2\nexit'), [
    ['1: *(u32 *)(r10 - 0x4) = 0x0'],
    ['2: *(u32 *)(r10 - 0x10) = 0x0'],
  ], 'a second store reads r4: neither drops the move');
  assert.equal(rewrites('r1 = 6\n*(u8 *)(r10 - 4) = r1\nexit'), [['1: *(u8 *)(r10 - 0x4) = 0x6']], 'exit reads nothing, but the run ended');
});

t.run();
