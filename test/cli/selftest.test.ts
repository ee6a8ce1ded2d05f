// `bpfsynth selftest` as a user meets it: help, usage errors, and a replayed run's table and
// last line (from the recorded kernel answers: no root needed).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runMain } from './run-main.ts';

const t = suite('cli/selftest');

const run = runMain;

t('--help, and usage errors exit 2 with one line', async () => {
  const h = await run(['selftest', '--help']);
  assert.is(h.code, 0);
  assert.match(h.out, /usage: bpfsynth selftest \[--filter RE\]/);
  const bad = await run(['selftest', '--filter', '(']);
  assert.is(bad.code, 2);
  assert.match(bad.err, /^bpfsynth: --filter: /);
  assert.is((await run(['selftest', '--replay', '--record'])).code, 2);
  assert.is((await run(['check', '--privilege', 'nobody', 'corpus/selftests/obj/verifier_and.bpf.o'])).code, 2);
});

t('a replayed run: the disagreements, the feature table and the last line', async () => {
  const r = await run(['selftest', '--replay', '--filter', '^verifier_(and|cgroup_storage)\\.c:', '--all']);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /^kernel: recorded answers of /);
  assert.match(r.out, /agree +verifier_and\.c:invalid_and_of_negative_number\n/);
  // a raw map fd left in the instructions: the model refuses it in the kernel's words
  assert.match(r.out, /agree +verifier_cgroup_storage\.c:invalid_cgroup_storage_access_2\n/);
  assert.match(r.out, /retval mismatch +verifier_cgroup_storage\.c:valid_cgroup_storage_access +interpreter: unknown helper 81/);
  assert.match(r.out, /\nselftests: 15 agree, 0 false accepts, 0 false rejects, 0 message mismatches, 0 skipped\n$/);
  const j = JSON.parse((await run(['selftest', '--replay', '--filter', '^verifier_and\\.c:', '--json'])).out);
  assert.is(j.summary.agree, 3);
  assert.is(j.runs.length, 3);
});

t.run();
