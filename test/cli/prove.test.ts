// bpfsynth prove: properties run in child processes, results come back in catalogue order.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';

const t = suite('cli/prove');
const prove = (...args: string[]) => spawnSync(process.execPath, ['bin/bpfsynth.js', 'prove', ...args], { encoding: 'utf8' });

t('two properties over two solver processes: both proved, in catalogue order, as JSON', () => {
  const r = prove('mul wrap lemma', '--json', '--jobs', '2');
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.map((x) => [x.width, x.result]), [[64, 'proved'], [32, 'proved']]);
});

t('the summary line, and exit 2 for a name that matches nothing', () => {
  const ok = prove('mul box lemma');
  assert.match(ok.stdout, /prove: 1 proved, 0 not proved/);
  const bad = prove('no such property');
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /no property matches/);
});

t('a resource limit too small for the query: the answer is limit, not proved (exit 1), every run', () => {
  for (let i = 0; i < 2; i++) {
    const r = prove('mul box lemma', '--json', '--rlimit', '1000');
    assert.is(r.status, 1, r.stderr);
    const x = JSON.parse(r.stdout.trim());
    assert.is(x.result, 'limit');
    assert.is(x.limit, 1000);
    assert.match(x.reason, /resource limit|canceled/);
    assert.ok(x.rlimit >= 1000, 'Z3 stopped at the limit');
  }
});

t.run();
