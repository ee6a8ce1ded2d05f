// optimize --privilege unpriv: the result loads for an unprivileged loader, and a program root
// may load but an unprivileged loader may not is refused by the final check (not written) and,
// as input, is an error.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemble } from '../../src/isa/asm.ts';
import { readObject } from '../../src/isa/object.ts';
import type { Program } from '../../src/isa/program.ts';
import { toOps } from '../../src/isa/op.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { Incremental } from '../../src/verifier/incremental.ts';
import { checkWritten, unsafeInput } from '../../src/search/final-check.ts';
import { UNPRIV_CHECK } from '../../src/search/privilege.ts';
import { verifierConfig } from '../../src/verifier/config.ts';
import { firstRefusal } from '../../src/search/ptrkinds.ts';
import { UnprivilegedSession } from '../../src/kernel/unpriv.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('search/optimize-unpriv');
const dir = tempDir('bpfsynth-unpriv-');
const FIXTURE = 'test/search/fixtures/unpriv_sock.o';

const sock = (src: string): Program => ({ name: 'f', section: 'socket', type: 'socket_filter', insns: assemble(src).insns, maps: [], license: 'GPL', funcs: [{ name: 'f', start: 0 }] });
const ORIGINAL = sock('r0 = 0\nexit');
/** The same r0, with a pointer comparison on the way: root loads it, an unprivileged loader does not. */
const PTR_CMP = sock('r2 = r10\nr0 = 0\nif r2 > r1 goto +0\nexit');

const session = UnprivilegedSession.open();
const kernelUnpriv = session instanceof UnprivilegedSession;
if (kernelUnpriv) session.close();
else console.log(`skip: the kernel's unprivileged checks not run: ${session.reason}`);

t('the search model refuses, for unpriv only, a candidate that compares pointers', () => {
  assert.ok(new Incremental(PTR_CMP, { privileged: true }).verdict.ok);
  const v = new Incremental(PTR_CMP, { privileged: false }).verdict;
  assert.not.ok(v.ok);
  assert.match(v.error!.message, /R1 pointer comparison prohibited/);
});

t('the unprivileged pre-filter refuses the pointer comparisons the model refuses, and no null check', () => {
  const map = { name: 'arr', type: 2, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 };
  const lookup = 'r1 = 0\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nld_pseudo r1, 5, 0\ncall map_lookup_elem\n';
  const cases: [string, string, boolean][] = [
    ['pointer as source', 'r2 = r10\nr0 = 0\nif r0 > r2 goto +0\nexit', true],
    ['pointer against a non-zero immediate', 'r0 = 0\nif r1 == 5 goto +0\nexit', true],
    ['pointer in a 32-bit jump', 'r0 = 0\nif w10 == 0 goto +0\nexit', true],
    ['ctx tested against 0 (ctx is not known non-null)', 'r0 = 0\nif r1 != 0 goto +0\nexit', true],
    ['a map pointer tested against 0 (decided: non-null)', 'ld_pseudo r2, 5, 0\nr0 = 0\nif r2 != 0 goto +0\nexit', false],
    ['a lookup null check', `${lookup}if r0 == 0 goto +1\nr0 = 0\nr0 = 0\nexit`, false],
  ];
  for (const [name, src, refused] of cases) {
    const p = { ...sock(src), maps: [map] };
    const ops = toOps(p.insns);
    assert.is(firstRefusal(ops, ops.length, p.type, () => false, true) >= 0, refused, name);
    assert.is(firstRefusal(ops, ops.length, p.type, () => false, false) >= 0, false, `${name} (root)`);
    if (refused) assert.not.ok(verify(p, { privileged: false, allBranches: true }).ok, `${name}: the model must refuse what the pre-filter refuses`);
    else assert.ok(verify(p, { privileged: false }).ok, `${name}: the model accepts`);
  }
});

t('the final check of a written candidate refuses it for unpriv, naming the check', async () => {
  const un = await checkWritten(Candidate.of(Original.of(ORIGINAL), toOps(PTR_CMP.insns)), PTR_CMP.insns, [], verifierConfig({ privileged: false }));
  assert.not.ok(un.ok);
  assert.match(un.failure!, /^verifier model: unprivileged: R1 pointer comparison prohibited/);
  const kernel = un.checks.find((c) => c.check === UNPRIV_CHECK)!;
  if (kernelUnpriv) assert.equal([kernel.ran, kernel.ok], [true, false]);
  else assert.not.ok(kernel.ran, 'a check that could not run is reported as not run');
  // the model's root verdict on the same program: no privilege failure
  assert.ok(verify(PTR_CMP, { privileged: true }).ok);
});

t('an input an unprivileged loader is refused is unsafe for unpriv, not for root', () => {
  assert.match(unsafeInput(PTR_CMP, verifierConfig({ privileged: false })) ?? '', /pointer comparison prohibited/);
  assert.is(unsafeInput(PTR_CMP, verifierConfig({ privileged: true })), undefined);
});

t('optimize --privilege unpriv writes an object that loads unprivileged', async () => {
  const out = join(dir, 'out.o');
  const r = spawnSync(process.execPath, ['bin/bpfsynth.js', 'optimize', FIXTURE, '-o', out, '--privilege', 'unpriv', '--iterations', '400', '--chains', '1', '--budget', '10m', '--measure-top', '0', '--json'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { privilege: string; insnsAfter: number; checks: { check: string; ran: boolean; ok?: boolean }[] };
  assert.is(summary.privilege, 'unpriv');
  const p = readObject(new Uint8Array(readFileSync(out))).link();
  assert.ok(verify(p, { privileged: false }).ok, 'the model accepts the output unprivileged');
  if (summary.insnsAfter < 6) {
    const c = summary.checks.find((x) => x.check === UNPRIV_CHECK)!;
    assert.equal([c.ran, c.ok], kernelUnpriv ? [true, true] : [false, undefined]);
  }
  if (kernelUnpriv) {
    const { loadUnprivileged } = await import('../../src/kernel/unpriv.ts');
    const l = loadUnprivileged(p, { logLevel: 1 });
    assert.ok(l.ran && l.result.ok, l.ran ? l.result.log : '');
    if (l.ran) l.result.close();
  }
});

t('--privilege takes root or unpriv (usage error, exit 2)', () => {
  const r = spawnSync(process.execPath, ['bin/bpfsynth.js', 'optimize', FIXTURE, '-o', join(dir, 'x.o'), '--privilege', 'cap_sys'], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /--privilege must be root or unpriv, not 'cap_sys'/);
});

t.run();
