// The symbolic encoder against the interpreter: random straight-line programs (ALU, END, lddw,
// stack loads/stores incl. sign-extending ones, atomics) from random registers. The interpreter
// runs them; the encoder runs them over symbolic registers and stack, Z3 evaluates the result
// at the same inputs; every register and stack byte must agree. Also the all-known path
// (folding to bigints without Z3 terms).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { z3Check, z3Context, type Z3BV } from '../../src/bv/z3.ts';
import { fromOp, lddwParts, type AluName, type Op } from '../../src/isa/op.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { prepare } from '../../src/interp/index.ts';
import { Exec } from '../../src/smt/exec.ts';
import { toZ3, type FV } from '../../src/smt/fold.ts';
import { execWindow } from '../../src/smt/run.ts';
import { initialState, makeInputs, STACK_BASE, type Val } from '../../src/smt/state.ts';

const t = suite('smt/exec');

const reg = fc.integer({ min: 0, max: 5 });
const imm = fc.oneof(fc.integer({ min: -16, max: 16 }), fc.constantFrom(0x7fffffff, -0x80000000, 0xff, 0xffff, 63, 64, 31, 32, -1), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
const ALU: AluName[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'neg', 'mod', 'smod', 'xor', 'mov', 'movsx', 'arsh'];
const size = fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const);

const alu: fc.Arbitrary<Op> = fc.tuple(fc.constantFrom(...ALU), fc.constantFrom(32 as const, 64 as const), reg, reg, fc.boolean(), imm, fc.constantFrom(8 as const, 16 as const, 32 as const))
  .map(([op, width, dst, src, useReg, k, ext]): Op => {
    if (op === 'neg') return { kind: 'alu', op, width, dst, src: { imm: 0 } };
    if (op === 'movsx') return { kind: 'alu', op, width, dst, src: { reg: src }, ext: width === 32 && ext === 32 ? 16 : ext };
    return { kind: 'alu', op, width, dst, src: useReg ? { reg: src } : { imm: k } };
  });
const end: fc.Arbitrary<Op> = fc.tuple(reg, fc.constantFrom('le' as const, 'be' as const, 'swap' as const), fc.constantFrom(16 as const, 32 as const, 64 as const))
  .map(([dst, order, bits]) => ({ kind: 'end', order, bits, dst }));
const lddw: fc.Arbitrary<Op> = fc.tuple(reg, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(([dst, v]) => ({ kind: 'lddw', dst, pseudo: 0, ...lddwParts(v) }));
const mem: fc.Arbitrary<Op> = fc.tuple(size, fc.integer({ min: 1, max: 8 }), reg, reg, fc.nat(3), imm).map(([sz, slot, a, b, kind, k]): Op => {
  const off = -slot * 8 + (sz < 8 ? (slot % (8 / sz)) * sz : 0);
  if (kind === 0) return { kind: 'stx', size: sz, dst: 10, src: a, off };
  if (kind === 1) return { kind: 'st', size: sz, dst: 10, off, imm: k };
  return { kind: 'ldx', size: sz, signed: kind === 2 && sz !== 8, dst: b, src: 10, off };
});
const atomic: fc.Arbitrary<Op> = fc.tuple(fc.constantFrom(4 as const, 8 as const), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 5 }), fc.constantFrom('add', 'or', 'and', 'xor', 'xchg', 'cmpxchg' as const), fc.boolean())
  .map(([sz, slot, src, op, fetch]): Op => ({ kind: 'atomic', size: sz, op, fetch: op === 'xchg' || op === 'cmpxchg' || fetch, dst: 10, src, off: -slot * 8 }));
const body = fc.array(fc.oneof({ weight: 6, arbitrary: alu }, { weight: 1, arbitrary: end }, { weight: 1, arbitrary: lddw }, { weight: 3, arbitrary: mem }, { weight: 1, arbitrary: atomic }), { minLength: 1, maxLength: 12 });
const u64 = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 40n }), fc.constantFrom(1n << 63n, (1n << 64n) - 1n, 0x80000000n, 0xffffffffn));
const cases = fc.tuple(body, fc.array(u64, { minLength: 10, maxLength: 10 }));

/** Run in the interpreter: registers r0..r9 and stack bytes fp-64..fp-1 afterwards. */
function interp(ops: Op[], init: bigint[]): { regs: bigint[]; stack: number[] } {
  const pro: Op[] = init.map((v, r) => ({ kind: 'lddw', dst: r, pseudo: 0, ...lddwParts(v) }));
  const vm = prepare(bareProgram([...pro, ...ops, { kind: 'exit' } as Op].flatMap(fromOp)));
  const res = vm.run({ packet: new Uint8Array(14) });
  assert.is(res.kind, 'exit');
  const m = vm.machine;
  const regs = Array.from({ length: 10 }, (_, i) => (BigInt(m.RH[i] >>> 0) << 32n) | BigInt(m.RL[i] >>> 0));
  const base = m.rBase[0] + 512;
  return { regs, stack: Array.from(m.u8.slice(base - 64, base)) };
}

t('symbolic execution evaluated at the inputs = interpreter (80 programs)', async () => {
  const ctx = await z3Context();
  for (const [ops, init] of fc.sample(cases, { numRuns: 80, seed: 42 })) {
    const inp = makeInputs(ctx, []);
    const ex = new Exec(ctx, inp, { untypedAsMem: true });
    const vars = init.map((_, i) => ctx.BitVec.const(`r${i}`, 64));
    const regs: Val[] = [...vars.map((v) => ({ v })), { v: STACK_BASE + 512n, t: { r: 'stack' } }];
    const st = execWindow(ex, initialState(inp, regs), ops);
    const s = new ctx.Solver();
    vars.forEach((v, i) => s.add(v.eq(ctx.BitVec.val(init[i], 64))));
    for (const k of inp.stack0.readLog) s.add((inp.stack0.init.select(ctx.BitVec.val(k, 64)) as Z3BV).eq(ctx.BitVec.val(0, 8)));
    assert.is(await z3Check(s), 'sat');
    const m = s.model();
    const val = (x: FV, w: number): bigint => {
      const r = m.eval(toZ3(ctx, x, w), true);
      return ctx.isBitVecVal(r) ? r.value() : -1n;
    };
    const want = interp(ops, init);
    const got = st.regs.slice(0, 10).map((r) => val(r.v, 64));
    const stack = Array.from({ length: 64 }, (_, i) => Number(val(st.stack.read(BigInt(512 - 64 + i)) as FV, 8)));
    const msg = ops.map((o) => JSON.stringify(o)).join('\n');
    assert.equal(got, want.regs, msg);
    assert.equal(stack, want.stack, msg);
  }
});

t('all-known inputs fold to bigints equal to the interpreter (300 programs)', async () => {
  const ctx = await z3Context();
  for (const [ops, init] of fc.sample(cases, { numRuns: 300, seed: 9 })) {
    const inp = makeInputs(ctx, []);
    const ex = new Exec(ctx, inp, { untypedAsMem: true });
    const regs: Val[] = [...init.map((v) => ({ v })), { v: STACK_BASE + 512n, t: { r: 'stack' } }];
    const st = initialState(inp, regs);
    for (let k = 0n; k < 512n; k++) st.stack.write(k, 0n); // the interpreter's zeroed stack
    execWindow(ex, st, ops);
    const want = interp(ops, init);
    assert.equal(st.regs.slice(0, 10).map((r) => r.v), want.regs);
    assert.equal(Array.from({ length: 64 }, (_, i) => Number(st.stack.read(BigInt(448 + i)))), want.stack);
  }
});

t.run();
