import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBytes, encodeBytes, insn } from '../../src/isa/insn.ts';
import { fromOp, toOp, InsnError } from '../../src/isa/op.ts';

const t = suite('isa/op');

t('decodes r0 = 2; exit', () => {
  const bytes = Uint8Array.from([0xb7, 0, 0, 0, 2, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
  const insns = decodeBytes(bytes);
  assert.equal(toOp(insns, 0), { kind: 'alu', op: 'mov', width: 64, dst: 0, src: { imm: 2 } });
  assert.equal(toOp(insns, 1), { kind: 'exit' });
  assert.equal([...encodeBytes(insns)], [...bytes]);
});

t('rejects reserved fields with the kernel wording', () => {
  assert.throws(() => toOp([insn(0x95, 1)], 0), (e: unknown) => e instanceof InsnError && e.message === 'BPF_EXIT uses reserved fields');
  assert.throws(() => toOp([insn(0x0f, 0, 1, 0, 5)], 0), /BPF_ALU uses reserved fields/);
});

t('sdiv round-trips through fromOp', () => {
  const x = insn(0x3f, 1, 2, 1, 0);
  const op = toOp([x], 0);
  assert.is(op.kind === 'alu' && op.op, 'sdiv');
  assert.equal(fromOp(op), [x]);
});

t.run();
