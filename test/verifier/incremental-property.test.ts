// Property: re-checking a random one-slot change of every corpus program incrementally gives
// exactly what a full check gives (verdict, message, processed, state counts, stack depths).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { type Verdict, verify } from '../../src/verifier/analyze.ts';
import { Incremental } from '../../src/verifier/incremental.ts';
import { oneSlotChange } from './mutants.ts';

const t = suite('verifier/incremental-property');
const DIR = new URL('../../corpus/', import.meta.url);

const answer = (v: Verdict) => [v.ok, v.error, v.processed, v.totalStates, v.peakStates, v.maxStatesPerInsn, v.stackDepths];

for (const f of readdirSync(DIR).filter((x) => x.endsWith('.o')).sort()) {
  t(`${f}: incremental = full on random one-slot changes`, () => {
    const p = readObject(readFileSync(new URL(f, DIR))).link();
    const inc = new Incremental(p);
    assert.equal(answer(inc.verdict), answer(verify(p)));
    // the large programs take milliseconds a check: fewer runs
    const runs = inc.verdict.processed > 2000 ? 12 : 40;
    fc.assert(fc.property(oneSlotChange(p), ({ slot, prog }) => {
      assert.equal(answer(inc.check(prog)), answer(verify(prog)), `slot ${slot}: ${JSON.stringify(prog.insns[slot])}`);
    }), { numRuns: runs, seed: 19 });
    assert.ok(inc.stats.resumed > 0, 'some re-checks resumed from a snapshot');
  });
}

t('with the log asked for, a re-check is a full check (same log lines)', () => {
  const p = readObject(readFileSync(new URL('xdp_router.o', DIR))).link();
  const inc = new Incremental(p, { states: true });
  fc.assert(fc.property(oneSlotChange(p), ({ prog }) => {
    const a = inc.check(prog), b = verify(prog, { states: true });
    assert.equal([...answer(a), a.log], [...answer(b), b.log]);
  }), { numRuns: 10, seed: 19 });
});

t('unprivileged: incremental = full (the CFG is built in full there)', () => {
  for (const f of ['socket_filter.o', 'xdp_router.o']) {
    const p = readObject(readFileSync(new URL(f, DIR))).link();
    const opts = { privileged: false };
    const inc = new Incremental(p, opts);
    assert.equal(answer(inc.verdict), answer(verify(p, opts)));
    fc.assert(fc.property(oneSlotChange(p), ({ prog }) => {
      assert.equal(answer(inc.check(prog)), answer(verify(prog, opts)));
    }), { numRuns: 20, seed: 19 });
  }
});

t.run();
