// Every tnum operator proved sound with Z3 at 64 bits (mul by its step lemmas; the unrolled muls
// at 8 bits). Each proof builds its formula from the same functions that run concretely.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatResult, prove } from '../../proofs/runner.ts';
import { arithmeticProperties, latticeProperties, mulProperties } from '../../proofs/tnum.ts';
import { mulStepLemmas } from '../../proofs/tnum-mul.ts';
import { carryWitnesses, optimalByWitness } from '../../proofs/tnum-optimal.ts';
import * as T from '../../src/domains/tnum.ts';

const t = suite('proofs/tnum');

const at64 = [
  ...arithmeticProperties(64), ...latticeProperties(), ...mulStepLemmas(),
  // Optimality of add and sub: every unknown result bit takes both values (witness proof).
  optimalByWitness('add', T.tnumAdd, (bv, x, y) => bv.add(x, y), carryWitnesses),
  optimalByWitness('sub', T.tnumSub, (bv, x, y) => bv.sub(x, y), carryWitnesses),
];
for (const p of at64) {
  t(`proves ${p.name} at 64 bits`, async () => {
    const r = await prove(p, 64);
    assert.is(r.result, 'proved', formatResult(r));
  });
}

// The fully unrolled drivers (tnumMul, tnumMulCgo22) at 8 bits, as a cross-check of the induction.
for (const p of mulProperties().filter((m) => !m.name.includes('Legacy'))) {
  t(`proves ${p.name} at 8 bits`, async () => {
    const r = await prove(p, 8);
    assert.is(r.result, 'proved', formatResult(r));
  });
}

t.run();
