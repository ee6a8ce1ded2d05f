// Two stack rules of the pre-filter (src/search/ptrkinds.ts) that the kernel applies whatever the
// values: an access through r10 must be aligned to its size, and a pointer goes to the stack in
// 8 bytes or not at all. The chain on xdp_fwd stood for minutes on programs breaking them (the
// interpreter cannot see either), so every new best it found was refused (issue 20). Each case
// is checked against the verifier model too, so the rule refuses only what the kernel refuses.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { toOps } from '../../src/isa/op.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { firstRefusal } from '../../src/search/ptrkinds.ts';
import { verify } from '../../src/verifier/analyze.ts';

const t = suite('search/prefilter-stack');

const PRE = 'r2 = *(u32 *)(r1 + 0)\nr3 = 7\n';
/** The pre-filter's first refused slot, and the model's verdict, for a body after PRE. */
function judge(body: string): { slot: number; model: boolean; message: string } {
  const p = bareProgram(assemble(`${PRE}${body}\nr0 = 2\nexit`).insns, 'xdp');
  const ops = toOps(p.insns);
  const v = verify(p);
  return { slot: firstRefusal(ops, ops.length, 'xdp', () => false), model: v.ok, message: v.error?.message ?? '' };
}

t('a misaligned access through r10 is refused, by the kernel model too', () => {
  for (const body of ['*(u16 *)(r10 - 63) = r3', '*(u64 *)(r10 - 60) = r3', 'r4 = *(u32 *)(r10 - 6)', '*(u32 *)(r10 - 2) = 1', 'lock *(u64 *)(r10 - 12) += r3']) {
    const setup = body.startsWith('r4') || body.startsWith('lock') ? '*(u64 *)(r10 - 16) = r3\n*(u64 *)(r10 - 8) = r3\n' : '';
    const j = judge(setup + body);
    assert.is(j.slot, 2 + setup.split('\n').length - 1, `${body}: refused at its slot`);
    assert.not.ok(j.model, `${body}: the model refuses it too`);
    assert.match(j.message, /misaligned stack access/, body);
  }
});

t('aligned accesses through r10 pass', () => {
  for (const body of ['*(u16 *)(r10 - 62) = r3', '*(u64 *)(r10 - 64) = r3', '*(u8 *)(r10 - 63) = r3', '*(u32 *)(r10 - 4) = 1']) {
    const j = judge(body);
    assert.is(j.slot, -1, body);
    assert.ok(j.model, `${body}: ${j.message}`);
  }
});

t('a pointer spilled in fewer than 8 bytes is refused; in 8, or a scalar in 4, is not', () => {
  const narrow = judge('*(u32 *)(r10 - 8) = r2');
  assert.is(narrow.slot, 2);
  assert.not.ok(narrow.model);
  assert.match(narrow.message, /invalid size of register spill/);
  assert.is(judge('*(u32 *)(r10 - 8) = r1').slot, 2, 'ctx pointer, 4 bytes');
  const wide = judge('*(u64 *)(r10 - 8) = r2');
  assert.is(wide.slot, -1);
  assert.ok(wide.model, wide.message);
  assert.is(judge('*(u32 *)(r10 - 8) = r3').slot, -1, 'a scalar in 4 bytes');
});

t.run();
