// The per-instruction memo of binary scalar ALU results (src/verifier/pc-memo.ts): it answers
// only for the very input objects last stored at that instruction.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PcMemo, pcMemo } from '../../src/verifier/pc-memo.ts';
import { D, ImmRegs } from '../../src/verifier/regs.ts';
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

t('an entry answers only while the bound instructions hold the object it was stored for', () => {
  const m = new PcMemo(3);
  const add = { kind: 'alu' }, sub = { kind: 'alu' }, jeq = { kind: 'jcond' };
  const base = [add, jeq, add], other = [sub, jeq, add];
  const a = scalarUnknown(D), b = scalarConst(D, 8n), v = scalarConst(D, 1n), key = { moved: true };
  m.bind(base, 's');
  m.set(0, a, b, v);
  m.pairSet(1, a, b, 1);
  m.sideSet(2, a, key, v);
  assert.is(m.get(0, a, b), v);
  m.bind(other, 's');
  assert.is(m.get(0, a, b), undefined, 'another instruction at slot 0');
  assert.is(m.pairGet(1, a, b), 1, 'slot 1 holds the same object');
  assert.is(m.sideGet(2, a, key), v, 'slot 2 too');
  const w = scalarConst(D, 2n);
  m.set(0, a, b, w);
  assert.is(m.get(0, a, b), w, 'stored for the other instruction');
  m.bind(base, 's');
  assert.is(m.get(0, a, b), undefined, 'not the baseline instruction\'s result');
  const edges = { taken: [a], fallthrough: [a] };
  m.bind([add, { kind: 'jcond' }, sub], 's');
  assert.is(m.pairSet2(1, a, b, edges), edges);
  assert.is(m.pairGet(1, a, b), undefined, 'a second result for another instruction drops the first');
  assert.is(m.sideGet(2, a, key), undefined, 'nor the side table');
});

t('a run under another domain session starts empty; pcMemo shares one memo per ImmRegs', () => {
  const imms = new ImmRegs(2);
  const ops = [{ kind: 'alu' }, { kind: 'alu' }];
  const a = scalarUnknown(D), b = scalarConst(D, 8n), v = scalarConst(D, 1n);
  const m = pcMemo(imms, 2, ops, 's1');
  m.set(1, a, b, v);
  assert.is(pcMemo(imms, 2, ops, 's1'), m, 'the same memo for the next run');
  assert.is(m.get(1, a, b), v, 'kept across runs');
  assert.is(pcMemo(imms, 2, ops, 's2').get(1, a, b), undefined, 'another session');
  assert.is.not(pcMemo(new ImmRegs(2), 2, ops, 's2'), m, 'other caches, another memo');
});

t.run();
