// BENCHMARKS.md's contents (scripts/benchmarks-contents.ts): anchors as GitHub makes them, sections
// grouped by the issue they name, and the committed document's list current.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { anchorOf, contentsOf, issueOf, withContents } from '../../scripts/benchmarks-contents.ts';

const t = suite('scripts/benchmarks-contents');

t('anchors: lower case, punctuation and symbols dropped, spaces as hyphens', () => {
  const cases: [string, string][] = [
    ['Optimizer at scale (issue 20)', 'optimizer-at-scale-issue-20'],
    ["K2's benchmarks, one run at 7819b94 (issue 20)", 'k2s-benchmarks-one-run-at-7819b94-issue-20'],
    ['Real-world objects (front end and `kernel check`)', 'real-world-objects-front-end-and-kernel-check'],
    ['Mutation testing (issue 18): tnum.ts, alu.ts', 'mutation-testing-issue-18-tnumts-aluts'],
    ['Latency, fifth round — 2× faster', 'latency-fifth-round--2-faster'],
  ];
  for (const [text, want] of cases) assert.is(anchorOf(text), want, text);
});

t('the issue a heading names: the first one', () => {
  assert.is(issueOf('Unprivileged loads (issues 16 and 20)'), 16);
  assert.is(issueOf('Stack-slot liveness (issues 15 and 19: pruning parity)'), 15);
  assert.is(issueOf('Proof suite cost (issue 18)'), 18);
  assert.is(issueOf('CO-RE (hand-measured, 2026-12-04)'), undefined);
});

t('sections grouped by topic, repeated headings numbered over every level, fenced lines ignored', () => {
  const doc = [
    '# Benchmarks', '<!-- contents:begin -->', 'old', '<!-- contents:end -->',
    '## Speed (issue 19)', '### Speed (issue 19)', '## Speed (issue 19)',
    '```', '## Not a heading (issue 19)', '```',
    '## Proofs (issue 18)', '## Notes', '## Something (issue 99)',
  ].join('\n');
  const c = contentsOf(doc);
  const lines = c.split('\n').filter((l) => l.startsWith('-') || l.startsWith('  -'));
  assert.equal(lines, [
    '- **Verifier model speed and incremental re-checks (issue 19)**',
    '  - [Speed (issue 19)](#speed-issue-19)',
    '  - [Speed (issue 19)](#speed-issue-19-2)',
    '- **Deterministic proofs and mutation testing (issue 18)**',
    '  - [Proofs (issue 18)](#proofs-issue-18)',
    '- **Other sections**',
    '  - [Notes](#notes)',
    '  - [Something (issue 99)](#something-issue-99)',
  ]);
  assert.ok(withContents(doc).includes('[Proofs (issue 18)]'));
  assert.not.ok(withContents(doc).includes('\nold\n'));
});

t('a document without the markers is refused, naming them', () => {
  assert.throws(() => withContents('# Benchmarks\n## A (issue 19)\n'), /contents:begin/);
});

t('the committed BENCHMARKS.md lists every section (run the script with --write when this fails)', () => {
  const doc = readFileSync(new URL('../../BENCHMARKS.md', import.meta.url), 'utf8');
  assert.is(withContents(doc), doc);
});

t.run();
