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

t.run();
