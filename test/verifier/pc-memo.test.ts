// The per-instruction memo of binary scalar ALU results (src/verifier/pc-memo.ts): it answers
// only for the very input objects last stored at that instruction.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PcMemo } from '../../src/verifier/pc-memo.ts';
import { D } from '../../src/verifier/regs.ts';
import { scalarConst, scalarUnknown } from '../../src/domains/scalar.ts';
import type { Op } from '../../src/isa/op.ts';

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

t('hitReg is reg of get when get answers, else undefined (stores of every kind, another instruction, another instruction object)', () => {
  const op = (imm: number): Op => ({ kind: 'alu', op: 'add', width: 64, dst: 1, src: { imm } }) as Op;
  const ops = [op(1), op(2), op(3)];
  const owner = {};
  const a = scalarUnknown(D), b = scalarConst(D, 8n), v = scalarConst(D, 1n);
  const two = new PcMemo(3, { ops, owner }), one = new PcMemo(3, { ops, owner: {} });
  const same = (pc: number, x: typeof a, y: typeof a, what: string): void => {
    const g = two.get(pc, x, y), r = one.hitReg(pc, x, y);
    if (g === undefined) assert.is(r, undefined, what);
    else {
      assert.ok(r !== undefined, what);
      assert.is(r!.v, g, what);
      assert.is(r!.type, 'scalar', what);
      assert.is(one.hitReg(pc, x, y), r, `${what}: the register kept`);
    }
  };
  const both = (f: (m: PcMemo) => void): void => {
    f(two);
    f(one);
  };
  same(0, a, b, 'no table yet');
  both((m) => m.set(0, a, b, v));
  same(0, a, b, 'set');
  same(0, b, a, 'operands swapped');
  same(1, a, b, 'another instruction');
  both((m) => m.setReg(1, a, b, m.reg(1, v)));
  same(1, a, b, 'setReg');
  // a jump's second result alone leaves the first undefined
  both((m) => m.pairSet2(2, a, b, { taken: 1 }));
  same(2, a, b, 'pairSet2 alone');
  both((m) => m.pairSet(2, a, b, v));
  same(2, a, b, 'pairSet');
  // the array patched in place, as cfg-delta.ts patches a candidate's
  ops[0] = op(9);
  assert.is(one.hitReg(0, a, b), undefined, 'another instruction object at the index');
  same(0, a, b, 'another instruction object at the index');
});

t('memos made with `shared` over one instruction array (and owner) share their entries, each answering only for its own instruction at the index', () => {
  const op = (imm: number): Op => ({ kind: 'alu', op: 'add', width: 64, dst: 1, src: { imm } }) as Op;
  const x = op(1), y = op(2), z = op(3);
  const owner = {};
  const a = scalarUnknown(D), b = scalarConst(D, 8n), v = scalarConst(D, 1n), e = scalarConst(D, 5n);
  // one array patched in place between runs, as cfg-delta.ts patches a candidate's: index 1 changes
  const ops = [x, y];
  const m1 = new PcMemo(2, { ops, owner });
  m1.set(0, a, b, v);
  m1.set(1, a, b, v);
  m1.sideSet(1, a, b, e);
  m1.pairSet(0, a, b, e);
  m1.set(0, a, b, v);
  ops[1] = z;
  const m2 = new PcMemo(2, { ops, owner });
  assert.is(m2.get(0, a, b), v, 'the same instruction object: the entry of the run before');
  assert.is(m2.get(1, a, b), undefined, 'another instruction at the index');
  assert.is(m2.sideGet(1, a, b), undefined, 'nor its pointer arithmetic');
  assert.is(m2.pairGet(0, a, b), v, 'pairSet and set share the entry');
  // the patch undone: the entry made for z does not answer for y
  m2.set(1, a, b, e);
  ops[1] = y;
  const m3 = new PcMemo(2, { ops, owner });
  assert.is(m3.get(1, a, b), undefined, 'an entry made for another instruction');
  m3.pairSet2(1, a, b, v);
  assert.is(m3.pairGet2(1, a, b), v);
  assert.is(m3.pairGet(1, a, b), undefined, 'a second result on an entry of another instruction drops the first');
  // another array (a full check's own, the baseline's run inside a re-check) or owner: tables of their own
  assert.is(new PcMemo(2, { ops: [x, y], owner }).get(0, a, b), undefined, 'another array');
  assert.is(new PcMemo(2, { ops, owner: {} }).get(0, a, b), undefined, 'another owner');
  assert.is(new PcMemo(2).get(0, a, b), undefined, 'no sharing asked');
});

t.run();
