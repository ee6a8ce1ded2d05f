// The profiled latency objective: hot slots weigh by their execution count, cold ones almost
// nothing, and a load that an earlier store cannot forward to pays the stall.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { toOps } from '../../src/isa/op.ts';
import { prepare } from '../../src/interp/index.ts';
import { rng } from '../../src/search/chain.ts';
import { makeTests } from '../../src/search/tests.ts';
import { execProfile, latencyProfile, longPathGroups } from '../../src/search/exec-profile.ts';
import { executedCost, forwardFailures, jumpTargets, FORWARD_FAIL } from '../../src/search/exec-cost.ts';
import { BUILTIN_COSTS, perf } from '../../src/search/cost.ts';
import { undeleted } from '../../src/search/candidate.ts';

const t = suite('search/exec-cost');

// drops frames shorter than 34 bytes after 5 insns; longer ones run the 3-insn tail too
const SRC = `r2 = *(u32 *)(r1 +4)
r3 = *(u32 *)(r1 +0)
r4 = r3
r4 += 34
if r4 > r2 goto +3
r0 = *(u8 *)(r3 +23)
r0 *= 2
r0 = 2
exit`;
const program = bareProgram(assemble(SRC).insns, 'xdp', 'p');

t('the profile counts each slot per input and tells long paths from early drops', () => {
  const tests = makeTests(prepare(program), program, rng(1));
  const p = execProfile(program, tests);
  assert.ok(p.inputs > 10);
  assert.equal(p.perSlot[0], 1); // every run starts here
  assert.equal(p.perSlot[8], 1); // and exits here
  assert.ok(p.perSlot[5] > 0 && p.perSlot[5] < 1, `tail weight ${p.perSlot[5]}`);
  const all = p.perInput.flat();
  assert.ok(all.includes(6) && all.includes(9), all.join(','));
  const long = longPathGroups(tests, p, 0.9);
  const n = long.reduce((a, g) => a + g.packets.length, 0);
  assert.ok(n > 0 && n < p.inputs);
  for (const g of long) for (const x of g.packets) assert.ok(x.length >= 34);
});

t('executed cost weighs a slot by how often it runs', () => {
  const tests = makeTests(prepare(program), program, rng(1));
  const prof = latencyProfile(program, tests, toOps(program.insns));
  const ops = toOps(program.insns);
  const base = executedCost(ops, prof, BUILTIN_COSTS);
  // removing the cold-ish mul saves its weight times mul's cost; removing a hot mov saves more per unit
  const noMul = ops.slice(); noMul[6] = null;
  const noMov = ops.slice(); noMov[3] = null;
  const saved = (s: typeof ops) => base - executedCost(s, prof, BUILTIN_COSTS);
  assert.ok(Math.abs(saved(noMul) - (prof.weights[6] + 0.01) * BUILTIN_COSTS.mul) < 1e-9);
  assert.ok(Math.abs(saved(noMov) - (prof.weights[3] + 0.01) * BUILTIN_COSTS.alu) < 1e-9);
  // perf under latency with the profile is the executed cost; under size the count comes first
  assert.equal(perf(undeleted(ops), 'latency', BUILTIN_COSTS, (s) => executedCost(s, prof, BUILTIN_COSTS)), base);
  assert.equal(Math.floor(perf(undeleted(ops), 'size', BUILTIN_COSTS, (s) => executedCost(s, prof, BUILTIN_COSTS))), 9);
});

t('a wide load over a narrow store is a forwarding failure; a contained one is not', () => {
  const ops = (src: string) => toOps(assemble(src).insns);
  const fail = ops('*(u16 *)(r10 -8) = r1\nr2 = *(u32 *)(r10 -8)\nr0 = 0\nexit');
  assert.equal(forwardFailures(fail, jumpTargets(fail)), [1]);
  const fits = ops('*(u64 *)(r10 -8) = r1\nr2 = *(u32 *)(r10 -4)\nr0 = 0\nexit');
  assert.equal(forwardFailures(fits, jumpTargets(fits)), []);
  // the base register redefined in between: not the same address any more
  const moved = ops('*(u16 *)(r6 +0) = r1\nr6 += 8\nr2 = *(u32 *)(r6 +0)\nr0 = 0\nexit');
  assert.equal(forwardFailures(moved, jumpTargets(moved)), []);
  // a jump target in between: the store may not be on the path
  const joined = ops('if r1 == 0 goto +1\n*(u16 *)(r10 -8) = r1\nr2 = *(u32 *)(r10 -8)\nr0 = 0\nexit');
  assert.equal(forwardFailures(joined, jumpTargets(joined)), []);
  const prof = { weights: new Float64Array(4).fill(1), targets: jumpTargets(fail) };
  const ok = ops('*(u32 *)(r10 -8) = r1\nr2 = *(u32 *)(r10 -8)\nr0 = 0\nexit');
  assert.ok(Math.abs(executedCost(fail, prof, BUILTIN_COSTS) - executedCost(ok, prof, BUILTIN_COSTS) - 1.01 * FORWARD_FAIL) < 1e-9);
});

t.run();
