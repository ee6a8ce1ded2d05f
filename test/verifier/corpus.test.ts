// Every corpus object is accepted by the model (the kernel accepts all of them), with the
// kernel's own `processed N insns` count recorded in corpus/LOADS.md.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { verify } from '../../src/verifier/analyze.ts';

const t = suite('verifier/corpus');
const DIR = new URL('../../corpus/', import.meta.url);

/** Rows of LOADS.md with a processed count: object, program, count. */
const rows = readFileSync(new URL('LOADS.md', DIR), 'utf8').split('\n')
  .map((l) => l.split('|').map((x) => x.trim()))
  .filter((c) => c.length > 6 && c[1].endsWith('.o') && /^\d+$/.test(c[6]))
  .map((c) => ({ obj: c[1], prog: c[3], processed: Number(c[6]) }));

t('LOADS.md lists the corpus', () => {
  assert.ok(rows.length >= 16, `${rows.length} rows`);
});

for (const r of rows) {
  t(`${r.obj} ${r.prog}: accepted, processed ${r.processed} as the kernel`, () => {
    const prog = readObject(readFileSync(new URL(r.obj, DIR))).link(r.prog);
    const v = verify(prog);
    assert.is(v.ok, true, v.error ? `insn ${v.error.index}: ${v.error.message}` : '');
    assert.is(v.processed, r.processed);
  });
}

t.run();
