// Property: a re-check that stops where it rejoins the baseline's exploration (and adds the
// baseline's rest) gives what a full check gives, on the programs where random one-slot changes
// rejoin most often; and rejoins do happen there, so the comparison is exercised.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { type Verdict, verify } from '../../src/verifier/analyze.ts';
import { Incremental } from '../../src/verifier/incremental.ts';
import { oneSlotChange } from './mutants.ts';

const t = suite('verifier/incremental-rejoin');
const DIR = new URL('../../corpus/', import.meta.url);

const answer = (v: Verdict) => [v.ok, v.error, v.processed, v.totalStates, v.peakStates, v.maxStatesPerInsn, v.stackDepths];

for (const f of ['xdp_scale_mix500.o', 'xdp_lb_hash.o', 'xdp_parse_drop.o', 'xdp_firewall.o', 'socket_filter.o', 'xdp_router.o', 'xdp_swap_tx.o', 'xdp1.o', 'tc_edit.o', 'xdp_global_func.o']) {
  t(`${f}: a rejoined re-check = full check`, () => {
    const p = readObject(readFileSync(new URL(f, DIR))).link();
    // every rejoin tried, however little it spares
    const inc = new Incremental(p, {}, { minRejoinGain: 0, maxFailedJoins: Infinity });
    fc.assert(fc.property(oneSlotChange(p), ({ slot, prog }) => {
      assert.equal(answer(inc.check(prog)), answer(verify(prog)), `slot ${slot}: ${JSON.stringify(prog.insns[slot])}`);
    }), { numRuns: 150, seed: 7 });
    assert.ok(inc.stats.rejoined >= 3, `rejoined ${inc.stats.rejoined} times`);
  });
}

t.run();
