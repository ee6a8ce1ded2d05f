// cgroup_sock (struct bpf_sock, per attach type) and sock_ops (struct bpf_sock_ops) context rules against the kernel's recorded
// answers (scripts/realworld/record-ctx.ts): every load/store size at every offset.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { verify } from '../../src/verifier/analyze.ts';
import { assemble } from '../../src/isa/asm.ts';
import { ctxCases, ctxProgram, type CtxCase } from '../../scripts/realworld/ctx-cases.ts';
import type { ProgType } from '../../src/isa/program.ts';

const t = suite('verifier/ctx-sock');

/** Probes where kernel and model differ, as lines. */
function differences(type: ProgType, skip: (c: CtxCase) => boolean = () => false): string[] {
  const rec: { ctxSize: number; attaches: number[]; verdicts: string } = JSON.parse(readFileSync(`corpus/ctx/${type}.json`, 'utf8'));
  const cases = ctxCases(rec.ctxSize, rec.attaches);
  assert.is(cases.length, rec.verdicts.length);
  const wrong: string[] = [];
  cases.forEach((c, i) => {
    if (skip(c)) return;
    const kernel = rec.verdicts[i] === '1';
    const model = verify(ctxProgram(c, type)).ok;
    if (kernel !== model) wrong.push(`${c.write ? 'store' : 'load'} u${c.size * 8} at ${c.off} (attach ${c.attach}): kernel ${kernel}, model ${model}`);
  });
  return wrong;
}

t('cgroup_sock: the model accepts exactly the probes the kernel accepted', () => {
  assert.equal(differences('cgroup_sock').slice(0, 10), []);
});

t('sock_ops: likewise, the sk pointer (PTR_TO_SOCKET_OR_NULL) included', () => {
  assert.equal(differences('sock_ops'), []);
});

t('sock_ops returns 0 or 1 (the kernel: "At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]")', () => {
  const prog = (v: number) => ({ ...ctxProgram({ off: 0, size: 4, write: false, attach: 3 }, 'sock_ops'), insns: assemble(`r0 = ${v}\nexit\n`).insns });
  assert.ok(verify(prog(1)).ok);
  const v = verify(prog(2));
  assert.not.ok(v.ok);
  assert.match(v.error!.message, /At program exit the register R0 has smin=2 smax=2 should have been in \[0, 1\]/);
});

t.run();
