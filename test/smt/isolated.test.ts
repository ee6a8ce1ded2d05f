// Equivalence queries in the Z3 child process (src/smt/isolated.ts): the same answers as in-process,
// counterexamples that cross the process boundary intact, and a worker that stops mid-query
// leaves the query undecided and the next query answered by a fresh one. Each EquivService owns its
// child and queue: closing one leaves another's alone.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import type { Insn } from '../../src/isa/insn.ts';
import { bareProgram, type Program } from '../../src/isa/program.ts';
import { EquivService } from '../../src/smt/isolated.ts';

const t = suite('smt/isolated');
const A = (s: string): Insn[] => assemble(s).insns;
const z3 = new EquivService();
t.after(() => z3.close());

t('window queries: equal proved, different refused with the live-in registers that show it', async () => {
  const eq = await z3.windowEquiv(A('r0 = r1\nr0 += 2'), A('r0 = r1\nr0 -= -2'), { liveOut: [0] });
  assert.is(eq.equal, true);
  const ne = await z3.windowEquiv(A('r0 = r1\nr0 += 2'), A('r0 = r1\nr0 += 3'), { liveOut: [0] });
  assert.is(ne.equal, false);
  if (ne.equal !== false) return;
  assert.is(ne.counterexample.regs.length, 10);
  assert.is(typeof ne.counterexample.regs[1], 'bigint');
});

t('program queries: a different return value gets a counterexample packet', async () => {
  const p = bareProgram(A('r0 = *(u32 *)(r1 + 0)\nr2 = *(u32 *)(r1 + 4)\nr2 -= r0\nr0 = 2\nif r2 > 20 goto +1\nr0 = 1\nexit'), 'xdp');
  const same = await z3.programEquiv(p, p.insns);
  assert.is(same.equal, true);
  const other = A('r0 = *(u32 *)(r1 + 0)\nr2 = *(u32 *)(r1 + 4)\nr2 -= r0\nr0 = 2\nif r2 > 21 goto +1\nr0 = 1\nexit');
  let r = await z3.programEquiv(p, other);
  // A child that died (killed for memory on a crowded machine) leaves its query undecided by
  // design, with the reason; the fresh child must then answer. Any other undecided answer (the
  // rlimit, Z3's own 'unknown') is a failure, and its reason is in the message.
  if (r.equal === null && /Z3 process stopped/.test(r.unknown)) {
    console.log(`  (the Z3 child died: ${r.unknown}; asking the fresh one)`);
    r = await z3.programEquiv(p, other);
  }
  assert.is(r.equal, false, r.equal === null ? `undecided: ${r.unknown}` : 'proved equal');
  if (r.equal !== false) return;
  assert.instance(r.counterexample.packet, Uint8Array);
  assert.is(r.counterexample.packet.length, 21, 'only a 21-byte packet tells them apart');
});

t('the Z3 process killed mid-query: that query is undecided, the next one gets a new process', async () => {
  const pending = z3.windowEquiv(A('r0 = r1\nr0 *= r2\nr0 *= r3'), A('r0 = r2\nr0 *= r3\nr0 *= r1'), { liveOut: [0] });
  await z3.stop();
  const r = await pending;
  assert.is(r.equal, null);
  if (r.equal === null) assert.match(r.unknown, /Z3 process stopped/);
  const again = await z3.windowEquiv(A('r0 = r1\nr0 += 2'), A('r0 = r1\nr0 -= -2'), { liveOut: [0] });
  assert.is(again.equal, true);
});

t('a child that takes a query and then uses no CPU is killed as hung: the query is undecided, with why', async () => {
  const hung = new EquivService({ idleMs: 1_500, worker: new URL('./fixtures/hung-worker.mjs', import.meta.url).pathname });
  try {
    const r = await hung.windowEquiv(A('r0 = r1\nr0 += 2'), A('r0 = r1\nr0 -= -2'), { liveOut: [0] });
    assert.is(r.equal, null);
    if (r.equal === null) assert.match(r.unknown, /no CPU used for 1\.5 s with a query in flight: hung/);
  } finally {
    await hung.close();
  }
});

t('a query that throws in the child: the caller gets the error, the next query a fresh child', async () => {
  const err = await z3.programEquiv({} as Program, []).then(() => undefined, (e: Error) => e);
  assert.instance(err, Error);
  const again = await z3.windowEquiv(A('r0 = r1\nr0 += 2'), A('r0 = r1\nr0 -= -2'), { liveOut: [0] });
  assert.is(again.equal, true);
});

t('two services: separate children and queues; closing one leaves the other answering', async () => {
  const x = new EquivService(), y = new EquivService();
  try {
    const both = await Promise.all([x.windowEquiv(A('r0 = r1\nr0 += 2'), A('r0 = r1\nr0 -= -2'), { liveOut: [0] }), y.windowEquiv(A('r0 = r1\nr0 += 2'), A('r0 = r1\nr0 += 3'), { liveOut: [0] })]);
    assert.equal(both.map((r) => r.equal), [true, false]);
    assert.ok(x.pid !== undefined && y.pid !== undefined && x.pid !== y.pid, 'one child each');
    const slow = y.windowEquiv(A('r0 = r1\nr0 <<= 1'), A('r0 = r1\nr0 += r1'), { liveOut: [0] });
    assert.is(y.inFlight, 1);
    await x.close();
    assert.is(x.pid, undefined);
    assert.is(y.inFlight, 1, "x's close did not touch y's query");
    assert.is((await slow).equal, true, 'y answers its query');
    const refused = await x.windowEquiv(A('r0 = 1'), A('r0 = 1'), { liveOut: [0] }).then(() => undefined, (e: Error) => e.message);
    assert.match(refused ?? '', /closed/);
  } finally {
    await Promise.all([x.close(), y.close()]);
  }
});

t.run();
