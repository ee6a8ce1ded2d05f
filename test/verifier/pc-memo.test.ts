// The per-instruction memo of binary scalar ALU results (src/verifier/pc-memo.ts): it answers
// only for the very input objects last stored at that instruction.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PcMemo } from '../../src/verifier/pc-memo.ts';
import { D } from '../../src/verifier/regs.ts';
import { scalarConst, scalarUnknown } from '../../src/domains/scalar.ts';

const t = suite('verifier/pc-memo');

t('a stored result comes back only for the same objects at the same instruction', () => {
  const m = new PcMemo(4);
  const a = scalarUnknown(D), b = scalarConst(D, 8n), v = scalarConst(D, 1n);
  assert.is(m.get(2, a, b), undefined, 'nothing stored yet');
  assert.is(m.set(2, a, b, v), v);
  assert.is(m.get(2, a, b), v);
  assert.is(m.get(1, a, b), undefined, 'another instruction');
  assert.is(m.get(2, b, a), undefined, 'operands swapped');
  assert.is(m.get(2, a, scalarConst(D, 8n)), undefined, 'an equal value in another object');
  const w = scalarConst(D, 2n);
  m.set(2, b, b, w);
  assert.is(m.get(2, a, b), undefined, 'replaced by the later store');
  assert.is(m.get(2, b, b), w);
});

t('the result register is shared only while it holds the same result object', () => {
  const m = new PcMemo(3);
  const a = scalarUnknown(D), b = scalarConst(D, 8n), v = scalarConst(D, 1n), w = scalarConst(D, 1n);
  const r0 = m.reg(1, v);
  assert.is(r0.type, 'scalar');
  assert.is(r0.v, v);
  assert.is(r0.id, 0);
  m.set(1, a, b, v);
  const r1 = m.reg(1, v);
  assert.is(r1.v, v);
  assert.is(m.reg(1, v), r1, 'the same result object: the kept register');
  assert.is.not(m.reg(2, v), r1, 'another instruction keeps its own');
  const r2 = m.reg(1, w);
  assert.is(r2.v, w, 'an equal value in another object gets a register of its own');
  assert.is.not(r2, r1);
  assert.is(m.reg(1, w), r2);
});

t.run();
