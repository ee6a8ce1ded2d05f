// A proof's Z3 work does not depend on what ran before it: each property runs in a Z3 instance
// of its own (src/bv/z3-instance.ts), so its resource count ("rlimit count") is the same in any
// order, in one process (and within its limit in proofs/rlimits.json). Before that, the 32-bit
// mul wrap lemma took 9 690 units alone and over 2e6 after the 64-bit integer queries, and
// is_scalar_branch_taken jeq 2.3e6 or 4.1e7 by its neighbours.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { budgetKey, loadRlimits } from '../../proofs/budget.ts';
import { catalogue, type ProofJob } from '../../proofs/suite.ts';

const t = suite('proofs/determinism');

// cheap properties of the three runners: bit-vector scalar, tnum, integer model
const NAMES: [string, number][] = [
  ['mul wrap lemma', 64],
  ['BPF_END le16 sound before sync', 64],
  ['mul wrap lemma', 32],
  ['is_scalar_branch_taken jge sound', 64],
  ['add', 64],
];

function pick(): ProofJob[] {
  const all = catalogue();
  return NAMES.map(([n, w]) => {
    const j = all.find((x) => x.width === w && (x.name === n || x.name.startsWith(`${n}:`) || x.name.startsWith(`${n} `)));
    if (!j) throw new Error(`no ${w}-bit property ${n} in the catalogue`);
    return j;
  });
}

async function counts(jobs: ProofJob[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const j of jobs) {
    const r = await j.run();
    assert.is(r.result, 'proved', `${j.name}: ${r.result} ${r.reason ?? ''}`);
    out.set(budgetKey(j.name, j.width), r.rlimit!);
  }
  return out;
}

t('each property takes the same Z3 work in either order, within its recorded limit', async () => {
  const jobs = pick();
  const forward = await counts(jobs);
  const backward = await counts([...jobs].reverse());
  const table = loadRlimits().properties;
  for (const [key, used] of forward) {
    assert.is(backward.get(key), used, `${key}: ${used} forward, ${backward.get(key)} backward`);
    if (table[key]) assert.ok(used <= table[key].limit, `${key}: ${used} over its recorded limit ${table[key].limit}`);
  }
});

t.run();
