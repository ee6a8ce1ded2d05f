// bench/incremental-ab.ts's command line: what it compares, and the one-line reasons it refuses.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolve } from 'node:path';
import { SMALL_PROGRAMS, parseAbArgs } from '../../bench/incremental-ab.ts';

const t = suite('bench/incremental-ab');

/** A file system holding two complete trees /a and /b, a tree /c without src/, and /a's corpus programs x and y. */
const files = new Set<string>();
for (const tree of ['/a', '/b', '/c']) for (const f of ['src/isa/object.ts', 'src/verifier/analyze.ts', 'src/verifier/incremental.ts', 'bench/search-mutants.ts']) if (tree !== '/c' || f.startsWith('bench')) files.add(resolve(tree, f));
for (const p of ['x', 'y', ...SMALL_PROGRAMS]) if (p !== 'xdp1') files.add(resolve('/a/corpus', `${p}.o`));
const exists = (p: string) => files.has(p);

t('trees, programs after --, and the defaults', () => {
  assert.equal(parseAbArgs(['/a', '/b', '--', 'x', 'y'], exists), { trees: ['/a', '/b'], programs: ['x', 'y'], warm: 150, rounds: 30, candidates: 256, deletions: false });
  assert.equal(parseAbArgs(['--warm', '0', '/a', '--rounds', '7', '/b', '/a'], exists), 'no corpus program xdp1 in /a/corpus');
  files.add(resolve('/a/corpus', 'xdp1.o'));
  assert.equal(parseAbArgs(['--warm', '0', '/a', '--rounds', '7', '/b', '/a'], exists), { trees: ['/a', '/b', '/a'], programs: SMALL_PROGRAMS, warm: 0, rounds: 7, candidates: 256, deletions: false });
  assert.equal(parseAbArgs(['/a', '--candidates', '32', '/b', '--', 'x'], exists), { trees: ['/a', '/b'], programs: ['x'], warm: 150, rounds: 30, candidates: 32, deletions: false });
  assert.equal(parseAbArgs(['--deletions', '/a', '/b', '--', 'x'], exists), { trees: ['/a', '/b'], programs: ['x'], warm: 150, rounds: 30, candidates: 256, deletions: true });
});

t('refusals name what is wrong', () => {
  assert.is(parseAbArgs(['/a'], exists), 'give at least two trees to compare (got 1)');
  assert.is(parseAbArgs(['/a', '/c'], exists), 'tree /c has no src/isa/object.ts');
  assert.is(parseAbArgs(['/a', '/b', '--rounds', '0'], exists), '--rounds needs a positive integer, not 0');
  assert.is(parseAbArgs(['/a', '/b', '--warm'], exists), '--warm needs a non-negative integer, not nothing');
  assert.is(parseAbArgs(['/a', '/b', '--candidates', '0'], exists), '--candidates needs a positive integer, not 0');
  assert.is(parseAbArgs(['/a', '/b', '--candidates', '2.5'], exists), '--candidates needs a positive integer, not 2.5');
  assert.is(parseAbArgs(['/a', '/b', '--fast'], exists), 'unknown option --fast (known: --warm, --rounds, --candidates, --deletions, --)');
  assert.is(parseAbArgs(['/a', '/b', '--', 'z'], exists), 'no corpus program z in /a/corpus');
});

t.run();
