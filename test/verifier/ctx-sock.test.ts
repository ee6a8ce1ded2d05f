// cgroup_sock context rules (struct bpf_sock, per attach type) against the kernel's recorded
// answers (scripts/realworld/record-ctx.ts): every load/store size at every offset.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { verify } from '../../src/verifier/analyze.ts';
import { ctxCases, ctxProgram } from '../../scripts/realworld/ctx-cases.ts';

const t = suite('verifier/ctx-sock');
const rec: { ctxSize: number; attaches: number[]; verdicts: string } = JSON.parse(readFileSync('corpus/ctx/cgroup_sock.json', 'utf8'));

t('the model accepts exactly the probes the kernel accepted', () => {
  const cases = ctxCases(rec.ctxSize, rec.attaches);
  assert.is(cases.length, rec.verdicts.length);
  const wrong: string[] = [];
  cases.forEach((c, i) => {
    const kernel = rec.verdicts[i] === '1';
    const model = verify(ctxProgram(c, 'cgroup_sock')).ok;
    if (kernel !== model) wrong.push(`${c.write ? 'store' : 'load'} u${c.size * 8} at ${c.off} (attach ${c.attach}): kernel ${kernel}, model ${model}`);
  });
  assert.equal(wrong.slice(0, 10), []);
});

t.run();
