// Stale state between runs: setup restores only the part of the entry stack frame that runs
// wrote (Machine.stackMark, lowered by the slow path when a write lands below it), and only
// the registers and packet bytes a run can change. A program that reads stack it (or an
// earlier run) wrote before writing it must see what a fresh machine gives it, every run,
// however the write got there: r10 with a constant offset, a copy of r10 moved by a packet
// byte, a pointer made from a constant, an atomic, a helper. Registers it never writes read
// zero again after a poisoned run, a mem-mode run (r2) or a caller writing them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { prepare, type RunInput, type RunResult, type Vm } from '../../src/interp/index.ts';
import { TAG } from '../../src/interp/layout.ts';
import type { Op } from '../../src/isa/op.ts';
import { alu, call, callLocal, exit, jc, K, lddw, ldx, mov, program, R, st, stx } from './util.ts';

const t = suite('interp/stale-stack');
const view = (r: RunResult) => (r.kind === 'exit' ? { r0: r.r0, n: r.insnCount, pkt: Array.from(r.packet) } : { fault: r.reason, n: r.insnCount });

/** A pointer to offset `off` of stack frame 0 made from a constant, not from r10. */
const forged = (dst: number, off: number): Op => lddw(dst, (BigInt(TAG >>> 0) << 32n) | BigInt(off));

// r6 = data; with 2 packet bytes: r0 = the u64 at fp - 8 - 8 * (b0 & 63), read before anything
// is written, then `writes` (r5 = fp - 8 - 8 * (b1 & 63), r2 = 0x77); r0 is the read value.
const readThenWrite = (writes: Op[]): Op[] => [
  ldx(4, 6, 1, 0), ldx(4, 7, 1, 4), mov(0, K(0)), mov(2, R(6)), alu('add', 2, K(2)),
  jc('jgt', 2, R(7), 16 + writes.length),
  ldx(1, 3, 6, 0), ldx(1, 4, 6, 1),
  alu('and', 3, K(63)), alu('lsh', 3, K(3)), alu('and', 4, K(63)), alu('lsh', 4, K(3)),
  mov(5, R(10)), alu('add', 5, K(-8)), alu('sub', 5, R(3)), ldx(8, 8, 5, 0),
  mov(5, R(10)), alu('add', 5, K(-8)), alu('sub', 5, R(4)), mov(2, K(0x77)),
  ...writes,
  mov(0, R(8)), exit,
];

const BPF_FUNC_get_current_comm = 16;
const PROGRAMS: Record<string, Op[]> = {
  // through a copy of r10 (the slow path the first time below the mark, then the fast one)
  copy: readThenWrite([st(8, 5, 0, 0x5a5a), stx(1, 5, 3, 2)]),
  // r10 and a constant offset, far below the others
  fixed: readThenWrite([st(2, 10, -6, 0x1234), st(4, 10, -300, -1)]),
  // a constant that happens to be a frame-0 pointer (the verifier would refuse it; we run it)
  forged: readThenWrite([forged(9, 96), st(8, 9, 0, 0x33), forged(9, 3), stx(1, 9, 0, 2)]),
  atomic: readThenWrite([{ kind: 'atomic', size: 8, op: 'add', fetch: false, dst: 5, src: 2, off: 0 }]),
  // a helper writing 8 bytes (the task's name) into the stack at r5
  helper: readThenWrite([mov(1, R(5)), mov(2, K(8)), call(BPF_FUNC_get_current_comm)]),
  // reads r2..r9 and writes only r0: zero unless poisoned
  regs: [mov(0, R(2)), ...[3, 4, 5, 6, 7, 8, 9].map((r) => alu('xor', 0, R(r))), exit],
};

t('a run reads what a fresh machine gives: zero, whatever the last run wrote there', () => {
  for (const [name, ops] of Object.entries(PROGRAMS)) {
    for (const tier of ['interpreter', 'compiled'] as const) {
      const vm = prepare(program(ops), { tier });
      // each run reads the slot the one before wrote (b0 of run k+1 = b1 of run k)
      const slots = [0, 5, 63, 11, 0, 50, 62, 1];
      for (let k = 0; k + 1 < slots.length; k++) {
        const packet = new Uint8Array(64).fill(0xab);
        packet[0] = slots[k];
        packet[1] = slots[k + 1];
        const r = vm.run({ packet });
        assert.is(r.kind, 'exit', `${name} (${tier}) run ${k}`);
        if (r.kind === 'exit') assert.is(r.r0, 0n, `${name} (${tier}) run ${k}: read stale stack`);
      }
    }
  }
});

t('a pointer made from a constant writes below the mark: the next run still sees zero there', () => {
  const ops = [forged(2, 40), ldx(8, 0, 2, 0), st(8, 2, 0, 9), exit];
  const vm = prepare(program(ops));
  for (let k = 0; k < 3; k++) {
    assert.ok(vm.exec({ packet: new Uint8Array(64) }));
    assert.is(vm.r0lo, 0, `run ${k}`);
  }
  assert.is(vm.machine.stackMark, 40);
});

t('a frame a caller wrote (window states) is whole again at the next setup', () => {
  const vm = prepare(program([ldx(8, 0, 10, -504), exit]));
  vm.exec({ packet: new Uint8Array(64) });
  const m = vm.machine;
  m.u8.fill(0xee, m.rBase[0], m.rBase[0] + 512);
  m.frameWritten();
  assert.ok(vm.exec({ packet: new Uint8Array(64) }));
  assert.is(vm.r0lo, 0);
  assert.is(vm.r0hi, 0);
});

t('registers the code never writes are zero again after poison, mem mode and a caller writing them', () => {
  const ops = PROGRAMS.regs;
  const vm = prepare(program(ops));
  const plain: RunInput = { packet: new Uint8Array(64) };
  const fresh = (input: RunInput) => view(prepare(program(ops)).run(input));
  const inputs: RunInput[] = [plain, { packet: new Uint8Array(64), poison: 5 }, plain, { mem: new Uint8Array(24) }, plain, plain];
  for (const input of inputs) assert.equal(view(vm.run(input)), fresh(input), JSON.stringify(input));
  vm.machine.RL[7] = 99; // a window state's registers
  vm.machine.frameWritten();
  assert.equal(view(vm.run(plain)), fresh(plain));
});

const step = fc.record({
  b0: fc.integer({ min: 0, max: 63 }), b1: fc.integer({ min: 0, max: 63 }),
  len: fc.constantFrom(2, 14, 64), poison: fc.constantFrom(0, 0, 0, 5, 9), viaExec: fc.boolean(),
});

t('property: a reused machine agrees with a fresh one run after run (stack, registers, packet)', () => {
  fc.assert(
    fc.property(fc.constantFrom(...Object.keys(PROGRAMS)), fc.constantFrom('interpreter' as const, 'compiled' as const), fc.array(step, { minLength: 1, maxLength: 10 }), (name, tier, steps) => {
      const ops = PROGRAMS[name];
      const reused: Vm = prepare(program(ops), { tier });
      for (const s of steps) {
        const packet = new Uint8Array(s.len).fill(0x5c);
        packet[0] = s.b0;
        packet[1] = s.b1;
        const input: RunInput = s.poison ? { packet, poison: s.poison } : { packet };
        const fresh = view(prepare(program(ops), { tier }).run({ ...input, packet: packet.slice() }));
        let got;
        if (s.viaExec) {
          reused.exec(input);
          got = view(reused.lastResult());
        } else got = view(reused.run(input));
        assert.equal(got, fresh, `${name} ${tier}: ${JSON.stringify(s)}`);
      }
    }),
    { numRuns: 300, seed: 20 },
  );
});

// Callee frames (BPF-to-BPF calls) keep a dirty mark of their own (the frame's region lower
// bound, Machine.cleanCallee): a call clears only what earlier calls wrote. The entry function
// calls `sub` twice per run (with packet bytes b0, b1 then b1, b2), directly or through a
// wrapper one frame deeper; sub returns the u64 at fp - 8 - 8 * (r1 & 63), read before it
// writes fp - 8 - 8 * (r2 & 63) by `how`. The kernel gives every call a zeroed frame (its
// verifier refuses a read of stack the call did not write; we run such code and give zeros),
// so r0 is 0 whatever earlier calls and runs wrote.
const frameOf = (depth: number, off: number): Op => lddw(3, (BigInt((TAG + depth) >>> 0) << 32n) | BigInt(off));
type How = 'copy' | 'fixed' | 'forged' | 'helper' | 'atomic';
function calleeProgram(how: How, wrapped: boolean): Op[] {
  const writes: Record<How, Op[]> = {
    copy: [st(8, 5, 0, 0x5a5a), stx(1, 5, 4, 2)],
    fixed: [st(2, 10, -6, 0x1234), st(4, 10, -300, -1), st(8, 10, -512, 7)],
    forged: [frameOf(wrapped ? 2 : 1, 96), st(8, 3, 0, 0x33), frameOf(1, 200), st(1, 3, 0, 0x44)],
    helper: [mov(1, R(5)), mov(2, K(8)), call(16 /* get_current_comm */)],
    atomic: [mov(4, K(0x66)), { kind: 'atomic', size: 8, op: 'add', fetch: false, dst: 5, src: 4, off: 0 }],
  };
  // sub: r9 = read, then the write, r0 = r9
  const sub: Op[] = [
    alu('and', 1, K(63)), alu('lsh', 1, K(3)), alu('and', 2, K(63)), alu('lsh', 2, K(3)),
    mov(5, R(10)), alu('add', 5, K(-8)), alu('sub', 5, R(1)), ldx(8, 9, 5, 0),
    mov(5, R(10)), alu('add', 5, K(-8)), alu('sub', 5, R(2)), mov(4, K(0x77)),
    ...writes[how],
    mov(0, R(9)), exit,
  ];
  // the wrapper (one frame deeper for the first call) writes its own frame too, then calls sub
  const wrapper: Op[] = [st(8, 10, -16, 0x99), callLocal(1), exit];
  const first = wrapped ? 15 : 15 + wrapper.length; // the wrapper sits at 15 when present
  const main: Op[] = [
    ldx(4, 6, 1, 0), ldx(4, 7, 1, 4), mov(0, K(0)), mov(2, R(6)), alu('add', 2, K(3)),
    jc('jgt', 2, R(7), 8), // → exit with r0 = 0
    ldx(1, 1, 6, 0), ldx(1, 2, 6, 1),
    callLocal(first - 9), // slot 8
    mov(8, R(0)),
    ldx(1, 1, 6, 1), ldx(1, 2, 6, 2),
    callLocal(15 + wrapper.length - 13), // slot 12 → sub
    alu('or', 0, R(8)),
    exit,
  ];
  return [...main, ...wrapper, ...sub];
}

t('a callee reads what a fresh frame gives: zero, whatever an earlier call or run wrote there', () => {
  for (const how of ['copy', 'fixed', 'forged', 'helper', 'atomic'] as const) {
    for (const wrapped of [false, true]) {
      const ops = calleeProgram(how, wrapped);
      const vm = prepare(program(ops));
      // b1 of run k is b0 of run k+1: each call reads the slot the call before wrote
      const slots = [0, 5, 63, 11, 0, 50, 62, 1, 36, 36];
      for (let k = 0; k + 2 < slots.length; k++) {
        const packet = new Uint8Array(64).fill(0xab);
        packet.set(slots.slice(k, k + 3));
        for (const poison of [undefined, 7]) {
          const r = vm.run({ packet, poison });
          assert.is(r.kind, 'exit', `${how}${wrapped ? ' wrapped' : ''} run ${k}: ${r.kind === 'fault' ? r.reason : ''}`);
          if (r.kind === 'exit') assert.is(r.r0, 0n, `${how}${wrapped ? ' wrapped' : ''} run ${k}: read a stale callee frame`);
        }
      }
    }
  }
});

t("a callee frame's mark: lowered by its writes, kept across calls, and only frame 1 and 2 move", () => {
  const vm = prepare(program(calleeProgram('fixed', true)));
  const packet = new Uint8Array(64);
  assert.ok(vm.exec({ packet }));
  const rLo = vm.machine.rLo;
  assert.is(rLo[1], 0); // sub at depth 1 wrote fp - 512
  assert.is(rLo[2], 0); // and at depth 2 (through the wrapper)
  for (let f = 3; f < 8; f++) assert.is(rLo[f], 512, `frame ${f}`);
  assert.ok(vm.exec({ packet }));
  assert.is(vm.r0lo, 0);
  const only = prepare(program(calleeProgram('copy', false)));
  only.exec({ packet }); // b0 = b1 = b2 = 0: sub writes fp - 8 through a copy of r10
  assert.is(only.machine.rLo[1], 504);
});

t('property: with calls, a reused machine agrees with a fresh one run after run', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('copy' as const, 'fixed' as const, 'forged' as const, 'helper' as const, 'atomic' as const), fc.boolean(),
      fc.array(fc.record({ b: fc.array(fc.integer({ min: 0, max: 63 }), { minLength: 3, maxLength: 3 }), poison: fc.constantFrom(0, 0, 5) }), { minLength: 1, maxLength: 8 }),
      (how, wrapped, steps) => {
        const ops = calleeProgram(how, wrapped);
        const reused = prepare(program(ops));
        for (const s of steps) {
          const packet = new Uint8Array(64).fill(0x5c);
          packet.set(s.b);
          const input: RunInput = s.poison ? { packet, poison: s.poison } : { packet };
          assert.equal(view(reused.run(input)), view(prepare(program(ops)).run({ ...input, packet: packet.slice() })), `${how} ${wrapped}: ${JSON.stringify(s)}`);
        }
      },
    ),
    { numRuns: 150, seed: 21 },
  );
});

t.run();
