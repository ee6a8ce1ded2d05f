// The whole-program executor's slot order (src/smt/run.ts): a backward jump that closes no cycle
// (a tail merge's) is run in topological order and decided; a real loop is still refused.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { EquivService } from '../../src/smt/isolated.ts';

const t = suite('smt/run-order');
const equiv = new EquivService();
t.after(() => equiv.close());
const xdp = (text: string) => bareProgram(assemble(text).insns, 'xdp');

t('a backward jump into an earlier exit sequence is decided', async () => {
  const forward = xdp(`r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r3 -= r2
r0 = 1
if r3 > 100 goto +3
r0 = 2
exit
r0 = 1
exit`);
  // the same, its `r0 = 1; exit` reached by a jump back to 1 (r3 is dead there)
  const back = xdp(`goto +2
r0 = 1
exit
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r3 -= r2
if r3 > 100 goto -6
r0 = 2
exit`);
  const same = await equiv.programEquiv(forward, back.insns);
  assert.is(same.equal, true, JSON.stringify(same));
  const wrong = xdp(`goto +2
r0 = 3
exit
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r3 -= r2
if r3 > 100 goto -6
r0 = 2
exit`);
  assert.is((await equiv.programEquiv(forward, wrong.insns)).equal, false);
});

t('a cycle is refused as a loop, not run', async () => {
  const p = xdp(`r0 = 0
r0 += 1
if r0 < 4 goto -2
exit`);
  const r = await equiv.programEquiv(p, p.insns);
  assert.is(r.equal, null);
  assert.match(r.equal === null ? r.unknown : '', 'loop');
});

t.run();
