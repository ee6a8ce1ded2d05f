// The fast scalar-domain proofs, and a broken sync stage that must get a real counterexample.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as S from '../../src/domains/sync.ts';
import { ALL_PARTS, proveScalar, syncSound } from '../../proofs/scalar.ts';
import { formatResult } from '../../proofs/runner.ts';
import type { Bits64x32 } from '../../src/bv/bits.ts';
import type { ScalarState } from '../../src/domains/scalar.ts';

const t = suite('proofs/scalar');

// The whole 64-bit deduction first and then the offset stage: the order this file has always
// proved them in quickly (Z3's time on one query depends on what the process asked before it).
for (const [name, stage] of [['__reg64_deduce_bounds', S.reg64DeduceBounds], ['__reg_bound_offset', S.regBoundOffset]] as const) {
  t(`${name} keeps members (Z3, 64-bit)`, async () => {
    const r = await proveScalar(syncSound(name, stage));
    assert.is(r.result, 'proved', formatResult(r));
  });
}

// part by part, as proofs/scalar.ts does (a whole-state query is 0.4 s or 100 s depending on history)
for (const [name, stage] of [['__reg_deduce_mixed_bounds', S.regDeduceMixedBounds]] as const) {
  t(`${name} keeps members, each part (Z3, 64-bit)`, async () => {
    for (const part of ALL_PARTS) {
      const r = await proveScalar(syncSound(name, stage, part));
      assert.is(r.result, 'proved', formatResult(r));
    }
  });
}

t('a __reg_bound_offset that trusts umin+1 gets a counterexample that replays', async () => {
  const broken = <V, B>(d: Bits64x32<V, B>, s: ScalarState<V>): ScalarState<V> => S.regBoundOffset(d, { ...s, umin: d.u64.add(s.umin, d.u64.one) });
  const r = await proveScalar(syncSound('broken offset', broken));
  assert.is(r.result, 'counterexample');
  assert.is(r.replayed, false, 'the counterexample must fail concretely');
});

t.run();
