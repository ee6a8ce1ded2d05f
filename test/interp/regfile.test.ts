// The shared register file (src/interp/regfile.ts): machines own disjoint windows, a window is
// reused once given back, and a machine that found the arena full (private arrays, runs through
// the swap window) computes what a machine with a window computes, with other machines running
// in between.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { prepare, type RunInput, type Vm } from '../../src/interp/index.ts';
import { allocWindow, CODES, freeWindow, MAX_PROGRAM_SLOTS, REGIONS, REGS, SWAP_SLOTS, type RegWindow, type WindowPool } from '../../src/interp/regfile.ts';
import { DecodeError } from '../../src/isa/insn.ts';
import { fromOp, type AluName, type JcondName, type Op } from '../../src/isa/op.ts';
import type { Program } from '../../src/isa/program.ts';
import { call, exit, K, mov, program, R, alu } from './util.ts';

const t = suite('interp/regfile');

/** What a run leaves that a caller can see: the outcome and r0-r10. */
function observe(vm: Vm, input: RunInput) {
  const ok = vm.exec(input);
  const r = vm.lastResult(), m = vm.machine;
  return {
    ok,
    result: r.kind === 'exit' ? { r0: r.r0, n: r.insnCount } : { reason: r.reason, pc: r.pc, n: r.insnCount },
    regs: [...m.RL.subarray(0, 11), ...m.RH.subarray(0, 11)],
  };
}

/** Fill `pool`'s arena so that the next machines get no window there; returns what to give back. */
function exhaust(pool: WindowPool = REGS): RegWindow[] {
  const held: RegWindow[] = [];
  for (let size = pool.swap; size >= 1; size >>= 1) {
    for (;;) {
      const w = pool.alloc(size);
      if (w.base < 0) break;
      held.push(w);
    }
  }
  return held;
}

t('machines own disjoint windows and keep their registers while others run', () => {
  const a = prepare(program([mov(0, K(7)), alu('add', 0, K(-9)), exit]));
  const b = prepare(program([mov(0, K(1)), alu('lsh', 0, K(40)), exit]));
  const ma = a.machine, mb = b.machine;
  assert.ok(ma.rb >= SWAP_SLOTS && mb.rb >= SWAP_SLOTS, 'windows outside the swap window');
  assert.ok(ma.rb + ma.win.size <= mb.rb || mb.rb + mb.win.size <= ma.rb, 'disjoint');
  assert.ok(a.exec());
  assert.ok(b.exec());
  assert.is(a.r0lo, -2);
  assert.is(a.r0hi, -1);
  assert.is(b.r0lo, 0);
  assert.is(b.r0hi, 1 << 8);
});

t('a window given back is handed out again, zeroed', () => {
  const w = allocWindow(100);
  assert.is(w.size, 128);
  const base = w.base;
  freeWindow(w);
  assert.is(w.base, -1);
  const again = allocWindow(128);
  assert.is(again.base, base);
  freeWindow(again);
});

t('a full arena: the machine runs through the swap window, with the same results', () => {
  const held = exhaust();
  try {
    const ops = [mov(6, K(5)), mov(0, R(6)), alu('mul', 0, K(1 << 20)), alu('mul', 0, K(1 << 20)), call(7), alu('add', 0, R(6)), exit];
    const swapped = prepare(program(ops));
    assert.is(swapped.machine.rb, -1, 'no window left');
    const other = prepare(program([mov(0, K(3)), exit]));
    assert.is(other.machine.rb, -1);
    for (const f of held.splice(0)) REGS.release(f);
    const windowed = prepare(program(ops));
    assert.ok(windowed.machine.rb >= SWAP_SLOTS);
    assert.ok(swapped.exec());
    other.exec(); // another machine through the swap window in between
    windowed.exec();
    assert.equal(observe(swapped, {}), observe(windowed, {}));
    assert.is(swapped.r0hi, windowed.r0hi);
    assert.is(swapped.r0lo, windowed.r0lo);
    assert.is(other.r0lo, 3);
  } finally {
    for (const f of held) REGS.release(f);
  }
});

const ALU: AluName[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'neg', 'mod', 'smod', 'xor', 'mov', 'arsh'];
const JC: JcondName[] = ['jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle'];
const reg = fc.integer({ min: 0, max: 9 });
const imm = fc.oneof(fc.integer({ min: -70, max: 70 }), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
const src = fc.oneof(reg.map((r) => ({ reg: r })), imm.map((v) => ({ imm: v })));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ALU), fc.constantFrom(32 as const, 64 as const), reg, src).map(([o, width, dst, s]): Op => ({ kind: 'alu', op: o, width, dst, src: s })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...JC), fc.constantFrom(32 as const, 64 as const), reg, src, fc.integer({ min: -4, max: 5 })).map(([o, width, dst, s, d]): Op => ({ kind: 'jcond', op: o, width, dst, src: s, off: d })) },
  { weight: 1, arbitrary: fc.constant<Op>(exit) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const), reg, fc.integer({ min: -16, max: 0 })).map(([size, s, off]): Op => ({ kind: 'stx', size, dst: 10, src: s, off: off - 8 })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const), reg, fc.integer({ min: -16, max: 0 })).map(([size, d, off]): Op => ({ kind: 'ldx', size, signed: false, dst: d, src: 10, off: off - 8 })) },
);
const arbProgram: fc.Arbitrary<Program> = fc.array(op, { minLength: 1, maxLength: 25 }).map((ops) => ({ ...program([]), insns: ops.flatMap(fromOp) }));

t('property: through the swap windows (registers, code, region table, all) and through windows, the same outcome and registers', () => {
  const pools: WindowPool[][] = [[REGS], [CODES], [REGIONS], [REGS, CODES, REGIONS]];
  fc.assert(
    fc.property(arbProgram, fc.constantFrom(0, 1, 2, 3), (p, which) => {
      const full = pools[which];
      const held = full.map((pool) => exhaust(pool));
      let swapped: Vm;
      try {
        swapped = prepare(p, { stepLimit: 200 });
      } finally {
        full.forEach((pool, k) => held[k].forEach((w) => pool.release(w)));
      }
      const windowed = prepare(p, { stepLimit: 200 });
      assert.is(swapped.machine.rb < 0, full.includes(REGS));
      assert.is(swapped.machine.cb < 0, full.includes(CODES));
      assert.is(swapped.machine.gb < 0, full.includes(REGIONS));
      assert.ok(windowed.machine.rb >= 0 && windowed.machine.cb >= 0 && windowed.machine.gb >= 0);
      assert.equal(observe(swapped, {}), observe(windowed, {}));
      // and traced: the trace traps the private code in place and restores it
      assert.equal(swapped.trace({}).result, windowed.trace({}).result);
      assert.equal(observe(swapped, {}), observe(windowed, {}));
    }),
    { numRuns: 150, seed: 20 },
  );
});


t('the largest program the kernel loads runs; a larger one is refused as input, naming its size', () => {
  const big = (n: number): Program => program([...Array.from({ length: n - 1 }, (_, i) => mov(0, K(i & 0xffff))), exit]);
  const vm = prepare(big(MAX_PROGRAM_SLOTS));
  assert.ok(vm.exec({ packet: new Uint8Array(64) }));
  assert.is(vm.lastResult().kind === 'exit' && vm.lastResult().insnCount, MAX_PROGRAM_SLOTS);
  assert.throws(() => prepare(big(MAX_PROGRAM_SLOTS + 1)), (e: Error) => e instanceof DecodeError && e.message.includes(`${MAX_PROGRAM_SLOTS + 1} instruction slots`));
});

t.run();
