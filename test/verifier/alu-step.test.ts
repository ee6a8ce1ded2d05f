// run()'s short way through an ALU instruction (analyze.ts explore: taken when no log or trace is
// kept) against its general body (taken for every instruction when the run logs): the same
// verdicts, counts and stack depths, so the same pruning (which reads the stack liveness the short
// way records) and the same rejections, for corpus programs and random one-slot changes of them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { insnWith } from '../../src/isa/insn.ts';
import type { Program } from '../../src/isa/program.ts';
import { type Verdict, verify } from '../../src/verifier/analyze.ts';
import { oneSlotChange } from './mutants.ts';
import type { AluName, Op } from '../../src/isa/op.ts';
import type { Env } from '../../src/verifier/env.ts';
import { sessionFor } from '../../src/verifier/config.ts';
import { PcMemo } from '../../src/verifier/pc-memo.ts';
import { ImmRegs, NOT_INIT, SCALAR_UNKNOWN, constReg, ptrReg, scalarReg } from '../../src/verifier/regs.ts';
import { type State, cloneState, newFrame } from '../../src/verifier/state.ts';
import { aluRevisit, aluStep } from '../../src/verifier/alu.ts';
import { scalarConst } from '../../src/domains/scalar.ts';
import { D } from '../../src/verifier/regs.ts';

const t = suite('verifier/alu-step');
const load = (name: string): Program => readObject(readFileSync(new URL(`../../corpus/${name}.o`, import.meta.url))).link();

/** What a verdict says but its log. */
const counts = (v: Verdict) => ({ ok: v.ok, error: v.error, processed: v.processed, totalStates: v.totalStates, peakStates: v.peakStates, maxStatesPerInsn: v.maxStatesPerInsn, stackDepths: v.stackDepths, idGen: v.idGen });

/** Programs with straight ALU code, loops, stack spills, calls (a log of xdp_balancer is slow: left out). */
const PROGRAMS = ['xdp_scale_mix500', 'xdp_loop', 'xdp_csum_loop', 'xdp_parse_drop', 'xdp_subprogs', 'xdp_lb_hash', 'core_task', 'tc_edit'];

for (const name of PROGRAMS) {
  t(`${name}: the short way and the general body give the same verdict and counts (the program, then random one-slot changes)`, () => {
    const p = load(name);
    const plain = verify(p);
    assert.ok(plain.processed > 0);
    assert.equal(counts(plain), counts(verify(p, { states: true })));
    let rejected = 0;
    fc.assert(fc.property(oneSlotChange(p), ({ prog }) => {
      const a = verify(prog), b = verify(prog, { states: true });
      if (!a.ok) rejected++;
      assert.equal(counts(a), counts(b));
    }), { numRuns: 40, seed: 27 });
    // (the rejections include ALU instructions' own: the short way's return)
    assert.ok(rejected > 0, `${rejected} rejected`);
  });
}

t('an ALU instruction rejected on the short way: the same message and instruction as the general body', () => {
  const p = load('xdp_scale_mix500');
  // its first `rX += K` (slot 4) made `rX += r9`: r9 is set nowhere before it, so the read is rejected
  const insns = p.insns.slice();
  const at = insns.findIndex((x) => x.code === 0x07);
  assert.is(at, 4);
  insns[at] = insnWith(insns[at], { code: 0x0f, src: 9, imm: 0 });
  const q = { ...p, insns };
  const a = verify(q), b = verify(q, { states: true });
  assert.is(a.ok, false);
  assert.equal(a.error, { index: at, message: 'R9 !read_ok' });
  assert.equal(counts(a), counts(b));
});

const ALU_OPS: AluName[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'neg', 'mod', 'smod', 'xor', 'mov', 'movsx', 'arsh'];
const reg = fc.integer({ min: 0, max: 10 });
const aluOp = fc.record({
  op: fc.constantFrom(...ALU_OPS), width: fc.constantFrom(32 as const, 64 as const), dst: reg,
  src: fc.oneof(reg.map((r) => ({ reg: r })), fc.integer({ min: -2, max: 70 }).map((imm) => ({ imm }))),
}).map((o): Op & { kind: 'alu' } => ({ kind: 'alu', ...o, src: o.op === 'neg' ? { imm: 0 } : o.src, ...(o.op === 'movsx' ? { ext: 8 as const } : {}) }) as Op & { kind: 'alu' });
/** A register of each sort aluStep tells apart: unset, constants, an unknown scalar (linked or not), pointers. */
const regOf = fc.constantFrom(NOT_INIT, constReg(0n), constReg(3n), constReg(-1n), SCALAR_UNKNOWN, scalarReg(SCALAR_UNKNOWN.v, 5), scalarReg(scalarConst(D, 7n), 6), ptrReg('ctx'), ptrReg('pkt'));

t('aluRevisit answers only where aluStep would store the memo\'s register, and stores that very register, with the same records (random ops, registers, privilege; the memo\'s entry from earlier visits, of a privileged run or not)', () => {
  let answered = 0, declined = 0;
  fc.assert(fc.property(aluOp, fc.array(regOf, { minLength: 10, maxLength: 10 }), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 2 }), (op, regs, privileged, before, visits) => {
    const f = newFrame(0, -1, 0);
    for (let r = 0; r < 10; r++) f.regs[r] = regs[r];
    const st: State = { frames: [f], refs: [] };
    const ops = [op, op, op];
    // (the memo's tables outlive a run: the earlier visits' run may be privileged when this one is not)
    const e = { imms: new ImmRegs(3), privileged: before, idGen: 10, aluMemo: new PcMemo(3, { ops, owner: {} }), dom: sessionFor({}), precise() {}, aluAux: new Map(), ptrTypes: [] };
    const env = e as unknown as Env;
    for (let i = 0; i < visits; i++) aluStep(env, cloneState(st), 1, op, () => {}, cloneState);
    e.privileged = privileged;
    const a = cloneState(st), b = cloneState(st);
    const idGen = env.idGen;
    // each way its own records (an unprivileged ALU instruction records its Spectre masking's)
    const auxA = new Map(e.aluAux), auxB = new Map(e.aluAux);
    e.aluAux = auxA;
    if (!aluRevisit(env, a, 1, op)) {
      declined++;
      assert.equal(a.frames[0].regs, st.frames[0].regs, 'declined: nothing stored');
      assert.is(env.idGen, idGen);
      return;
    }
    answered++;
    e.aluAux = auxB;
    assert.is(aluStep(env, b, 1, op, () => {}, cloneState), undefined, 'aluStep accepts it');
    assert.equal([...auxA], [...auxB], 'the same records');
    for (let r = 0; r <= 10; r++) assert.is(a.frames[0].regs[r], b.frames[0].regs[r], `r${r}: the very register`);
    assert.is(env.idGen, idGen, 'no id made');
  }), { numRuns: 3000, seed: 27 });
  assert.ok(answered > 100 && declined > 100, `${answered} answered, ${declined} declined`);
});

t.run();
