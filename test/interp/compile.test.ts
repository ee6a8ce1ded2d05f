// The compiled tier (src/interp/compile.ts) against its reference, the interpreter loop, on
// random programs that fault, loop, jump out of range and hit the step limit; and against the
// kernel's recorded test_run answers (corpus/traces/interp.jsonl.gz) for every recorded program
// it compiles.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { prepare, type RunInput, type Vm } from '../../src/interp/index.ts';
import { compileSource } from '../../src/interp/compile.ts';
import { fromOp, type AluName, type JcondName, type Op } from '../../src/isa/op.ts';
import type { Insn } from '../../src/isa/insn.ts';
import type { Program } from '../../src/isa/program.ts';
import { STACK_SIZE } from '../../src/interp/layout.ts';
import { checkRecord, programOf, type InterpRecord } from '../../fuzz/interp/run.ts';
import { readRecording } from '../../fuzz/record.ts';
import { call, exit, K, mapDef, mov, program } from './util.ts';

const t = suite('interp/compile');

/** Everything a run leaves that a caller can see: outcome, r0-r10, the entry frame, the packet. */
function observe(vm: Vm, input: RunInput) {
  const ok = vm.exec(input);
  const m = vm.machine, r = vm.lastResult();
  return {
    ok,
    result: r.kind === 'exit' ? { r0: r.r0, n: r.insnCount, pkt: Array.from(r.packet) } : { reason: r.reason, pc: r.pc, msg: r.message, n: r.insnCount },
    regs: [...m.RL.subarray(0, 11), ...m.RH.subarray(0, 11)],
    stack: Array.from(m.u8.subarray(m.rBase[0], m.rBase[0] + STACK_SIZE)),
  };
}

const reg = fc.integer({ min: 0, max: 10 });
const imm = fc.oneof(fc.integer({ min: -70, max: 70 }), fc.constantFrom(0x7fffffff, -0x80000000, 0xffff, 0x8000, -1, 31, 32, 63, 64), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
const src = fc.oneof(reg.map((r) => ({ reg: r })), imm.map((v) => ({ imm: v })));
const ALU: AluName[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'neg', 'mod', 'smod', 'xor', 'mov', 'arsh', 'movsx'];
const JC: JcondName[] = ['jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle'];
const size = fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const);
const off = fc.oneof(fc.integer({ min: -24, max: 80 }), fc.constantFrom(-512, -8, 0, 4, 8, 4096));

/** Any op the compiled tier covers, operands unconstrained (wild pointers fault, as they should). */
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ALU), fc.constantFrom(32 as const, 64 as const), reg, src, fc.constantFrom(8 as const, 16 as const, 32 as const))
    .map(([o, width, dst, s, ext]): Op => (o === 'neg' ? { kind: 'alu', op: o, width, dst, src: { imm: 0 } }
      : o === 'movsx' ? { kind: 'alu', op: o, width, dst, src: { reg: 'reg' in s ? s.reg : 1 }, ext: width === 32 && ext === 32 ? 8 : ext }
        : { kind: 'alu', op: o, width, dst, src: s })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('le' as const, 'be' as const, 'swap' as const), fc.constantFrom(16 as const, 32 as const, 64 as const), reg).map(([order, bits, dst]): Op => ({ kind: 'end', order, bits, dst })) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...JC), fc.constantFrom(32 as const, 64 as const), reg, src, fc.integer({ min: -6, max: 6 })).map(([o, width, dst, s, d]): Op => ({ kind: 'jcond', op: o, width, dst, src: s, off: d })) },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 6 }).map((d): Op => ({ kind: 'ja', off: d, long: false })) },
  { weight: 3, arbitrary: fc.tuple(size, reg, fc.constantFrom(1, 2, 6, 10), off, fc.boolean()).map(([sz, dst, s, o, sx]): Op => ({ kind: 'ldx', size: sz, signed: sx && sz !== 8, dst, src: s, off: o })) },
  { weight: 2, arbitrary: fc.tuple(size, fc.constantFrom(1, 2, 10), off, imm).map(([sz, dst, o, v]): Op => ({ kind: 'st', size: sz, dst, off: o, imm: v })) },
  { weight: 2, arbitrary: fc.tuple(size, fc.constantFrom(1, 2, 10), reg, off).map(([sz, dst, s, o]): Op => ({ kind: 'stx', size: sz, dst, src: s, off: o })) },
  { weight: 1, arbitrary: fc.tuple(reg, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(([dst, v]): Op => ({ kind: 'lddw', dst, pseudo: 0, lo: Number(v & 0xffffffffn) | 0, hi: Number(v >> 32n) | 0 })) },
  { weight: 1, arbitrary: fc.constant<Op>(exit) },
);

/** A program: r2 = data, r3 = data_end first (so loads and stores often land in the packet), then random ops. */
const arbProgram: fc.Arbitrary<Program> = fc.array(op, { minLength: 1, maxLength: 30 }).map((ops) => {
  const head: Op[] = [{ kind: 'ldx', size: 4, signed: false, dst: 2, src: 1, off: 0 }, { kind: 'ldx', size: 4, signed: false, dst: 3, src: 1, off: 4 }];
  const insns: Insn[] = [...head, ...ops].flatMap(fromOp);
  return { ...program([]), insns };
});

t('property: the compiled tier leaves what the interpreter leaves (outcome, registers, frame, packet)', () => {
  let compiled = 0;
  fc.assert(
    fc.property(arbProgram, fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 300 }), fc.boolean(), (p, packets, stepLimit, poison) => {
      const a = prepare(p, { stepLimit }), b = prepare(p, { stepLimit, tier: 'compiled' });
      assert.is(a.tier, 'interpreter');
      if (b.tier !== 'compiled') return;
      compiled++;
      for (const pk of packets) {
        const input = poison ? { packet: pk, poison: 9 } : { packet: pk };
        assert.equal(observe(b, { ...input, packet: pk.slice() }), observe(a, { ...input, packet: pk.slice() }));
      }
    }),
    { numRuns: 1500, seed: 31 },
  );
  assert.ok(compiled >= 1400, `${compiled} programs compiled`);
});

t('property: values the compiled tier keeps in locals are canonical int32 halves (seen by signed and equality compares)', () => {
  // edges and small shift counts most of the time: a non-canonical value shows only at some
  const u64 = fc.oneof(
    fc.bigInt({ min: 0n, max: 70n }),
    fc.constantFrom((1n << 64n) - 1n, 1n << 63n, (1n << 32n) - 1n, 1n << 31n, 0xffffffff80000000n, 0x7fffffffn, 0x80000000ffffffffn),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  );
  const ld = (dst: number, v: bigint): Op => ({ kind: 'lddw', dst, pseudo: 0, lo: Number(v & 0xffffffffn) | 0, hi: Number(v >> 32n) | 0 });
  const jump = (o: JcondName, width: 32 | 64, off: number): Op => ({ kind: 'jcond', op: o, width, dst: 1, src: { reg: 3 }, off });
  fc.assert(
    fc.property(fc.constantFrom(...ALU), fc.constantFrom(32 as const, 64 as const), u64, u64, fc.boolean(), (o, width, a, b, useImm) => {
      const s = useImm ? { imm: Number(b & 0xffffffffn) | 0 } : { reg: 2 };
      const the: Op = o === 'neg' ? { kind: 'alu', op: o, width, dst: 1, src: { imm: 0 } }
        : o === 'movsx' ? { kind: 'alu', op: o, width, dst: 1, src: { reg: 2 }, ext: 16 } : { kind: 'alu', op: o, width, dst: 1, src: s };
      const head = [ld(1, a), ld(2, b), the];
      const want = prepare({ ...program([]), insns: [...head, mov(0, { reg: 1 }), exit].flatMap(fromOp) }).run({ packet: new Uint8Array(14) });
      if (want.kind !== 'exit') return;
      // r0 = 1 only if r1 equals the interpreter's result under 64-bit and 32-bit, signed and unsigned compares
      const check = [...head, ld(3, want.r0), mov(0, K(0)), jump('jne', 64, 5), jump('jsgt', 32, 4), jump('jslt', 32, 3), jump('jsgt', 64, 2), jump('jne', 32, 1), mov(0, K(1)), exit];
      const vm = prepare({ ...program([]), insns: check.flatMap(fromOp) }, { tier: 'compiled' });
      assert.is(vm.tier, 'compiled');
      vm.exec({ packet: new Uint8Array(14) });
      assert.is(vm.r0lo, 1, `${o}${width} ${a} ${b}`);
    }),
    { numRuns: 3000, seed: 32 },
  );
});

t('after a patch the compiled tier runs the patched code', () => {
  const p = program([mov(0, K(1)), mov(1, K(2)), { kind: 'alu', op: 'add', width: 64, dst: 0, src: { reg: 1 } }, exit]);
  const vm = prepare(p, { tier: 'compiled' });
  assert.is(vm.tier, 'compiled');
  vm.exec({ packet: new Uint8Array(14) });
  assert.is(vm.r0lo, 3);
  assert.ok(vm.patch(1, mov(1, K(40))));
  vm.exec({ packet: new Uint8Array(14) });
  assert.is(vm.r0lo, 41);
  vm.reload(program([mov(0, K(7)), exit]).insns);
  assert.is(vm.tier, 'compiled');
  vm.exec({ packet: new Uint8Array(14) });
  assert.is(vm.r0lo, 7);
});

t('programs with calls, atomics or may_goto stay interpreted', () => {
  const arr = mapDef(2, 4, 8, 1);
  assert.is(prepare(program([mov(0, K(0)), call(5), exit]), { tier: 'compiled' }).tier, 'interpreter');
  assert.is(prepare(program([mov(0, K(0)), { kind: 'atomic', op: 'add', size: 8, fetch: false, dst: 10, src: 0, off: -8 }, exit], 'xdp', [arr]), { tier: 'compiled' }).tier, 'interpreter');
  assert.is(compileSource(prepare(program([mov(0, K(0)), exit])).machine)?.includes('case 0:'), true);
});

t('recorded kernel runs replayed through the compiled tier (every second record): 0 mismatches', () => {
  const recs = readRecording<InterpRecord>('corpus/traces/interp.jsonl.gz');
  let programs = 0, runs = 0;
  const bad: string[] = [];
  recs.forEach((rec, i) => {
    if (!rec.loaded || i % 2 !== 0) return;
    // which programs the tier covers: from the source alone (no function built)
    if (compileSource(prepare(programOf(rec.code, rec.type)).machine) === undefined) return;
    const c = checkRecord(rec, { tier: 'compiled' });
    programs++;
    runs += c.runs;
    if (c.diffs.length && bad.length < 3) bad.push(c.diffs[0]);
  });
  assert.ok(programs >= 2000 && runs >= 2500, `${programs} programs, ${runs} runs compiled`);
  assert.equal(bad, []);
});

t.run();
