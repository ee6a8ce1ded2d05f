// callx (BPF_JMP | BPF_CALL | BPF_X, helper id in register dst) as bpf_conformance defines it:
// the interpreter runs it; the verifier model refuses it, as Linux does.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { insn, type Insn } from '../../src/isa/insn.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { prepare } from '../../src/interp/index.ts';
import { verify } from '../../src/verifier/analyze.ts';

const t = suite('interp/callx');
const movK = (dst: number, imm: number): Insn => insn(0xb7, dst, 0, 0, imm);
const callx = (reg: number): Insn => insn(0x8d, reg);
const EXIT = insn(0x95);
const runOf = (insns: Insn[]) => prepare(bareProgram(insns, 'xdp')).run({ mem: new Uint8Array(0) });

t("bpf_conformance's callx.data: helper 5 by register, then r0 = 2", () => {
  const r = runOf([movK(1, -1), movK(2, 5), callx(2), movK(0, 2), EXIT]);
  assert.is(r.kind, 'exit');
  if (r.kind === 'exit') assert.is(r.r0, 2n);
});

t('r0 is the result of the helper named by the register (helper 8 returns 0)', () => {
  const r = runOf([movK(0, 77), movK(3, 8), callx(3), EXIT]);
  assert.is(r.kind, 'exit');
  if (r.kind === 'exit') assert.is(r.r0, 0n);
});

t('an id that names no helper (or has high bits set) faults as an unknown helper', () => {
  for (const prog of [[movK(3, 9999), callx(3), EXIT], [insn(0x18, 3, 0, 0, 8), insn(0, 0, 0, 0, 1), callx(3), EXIT]]) {
    const r = runOf(prog);
    assert.is(r.kind, 'fault');
    if (r.kind === 'fault') assert.match(r.message, /unknown helper/);
  }
});

t('the verifier model refuses callx, as the kernel does', () => {
  const v = verify(bareProgram([movK(2, 5), callx(2), movK(0, 2), EXIT], 'xdp'), { limit: 1000 });
  assert.is(v.ok, false);
});

t.run();
