// Machine.setup's steady path (src/interp/machine.ts, packet.refillXdp): after a common XDP
// setup, a run on a packet of the same length places only the bytes. A reused machine must
// still agree with a fresh one whatever came between: packets of other lengths, poisoned runs,
// xdp_md fields, helpers that move the bounds, stores into the packet and the stack, patches.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { prepare, type RunInput, type RunResult } from '../../src/interp/index.ts';
import { alu, call, exit, jc, K, ldx, mov, program, R, st } from './util.ts';
import type { Op } from '../../src/isa/op.ts';

const t = suite('interp/steady-setup');
const view = (r: RunResult) => (r.kind === 'exit' ? { r0: r.r0, n: r.insnCount, pkt: Array.from(r.packet) } : { fault: r.reason, n: r.insnCount });

const BPF_FUNC_xdp_adjust_head = 44;
/** r2 = data, r3 = data_end; when 8 bytes fit, body runs with them; r0 = what body leaves. */
const guarded = (body: Op[]): Op[] => [
  ldx(4, 2, 1, 0), ldx(4, 3, 1, 4), mov(0, K(0)), mov(4, R(2)), alu('add', 4, K(8)),
  jc('jgt', 4, R(3), body.length), ...body, exit,
];
const PROGRAMS: Record<string, Op[]> = {
  untouched: [mov(0, K(2)), exit],
  load: guarded([ldx(4, 0, 2, 4)]),
  // writes the packet, then reads it back: a stale copy would show
  store: guarded([ldx(1, 0, 2, 0), st(1, 2, 0, 0x5a), alu('add', 0, K(1))]),
  // reads the stack before writing it: a frame not zeroed again would show
  stack: [ldx(8, 0, 10, -8), st(8, 10, -8, 7), exit],
  helper: [mov(6, R(1)), mov(2, K(-4)), call(BPF_FUNC_xdp_adjust_head), mov(1, R(6)), ...guarded([ldx(4, 0, 2, 4)])],
};

type Step = { kind: 'run'; len: number; fill: number; poison: boolean; fields: boolean } | { kind: 'patch' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('run' as const), len: fc.constantFrom(0, 8, 14, 64), fill: fc.integer({ min: 0, max: 255 }), poison: fc.boolean(), fields: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'patch' as const }) },
);

t('property: a reused machine agrees with a fresh one across steady and general setups', () => {
  fc.assert(
    fc.property(fc.constantFrom(...Object.keys(PROGRAMS)), fc.array(step, { minLength: 1, maxLength: 12 }), fc.boolean(), (name, steps, viaExec) => {
      const ops = PROGRAMS[name];
      const reused = prepare(program(ops));
      // a patch rewrites slot 0 (a straight-line instruction in every program) with itself
      const slot0 = ops[0];
      for (const s of steps) {
        if (s.kind === 'patch') {
          assert.ok(reused.patch(0, slot0));
          continue;
        }
        const p = new Uint8Array(s.len).map((_, i) => (s.fill + i) & 0xff);
        const input: RunInput = { packet: p, ...(s.poison ? { poison: 3 } : {}), ...(s.fields ? { xdp: { rx_queue_index: 0 } } : {}) };
        const fresh = view(prepare(program(ops)).run({ ...input, packet: p.slice() }));
        let got;
        if (viaExec) {
          reused.exec(input);
          got = view(reused.lastResult());
        } else got = view(reused.run(input));
        assert.equal(got, fresh, `${name}: ${JSON.stringify(s)}`);
      }
    }),
    { numRuns: 400, seed: 21 },
  );
});

t('the steady path is taken: equal-length runs after a common setup leave the bounds alone', () => {
  const vm = prepare(program(PROGRAMS.load));
  vm.exec({ packet: new Uint8Array(64) }); // the first setup fills xdp_md (the general path)
  vm.exec({ packet: new Uint8Array(64) });
  assert.ok(vm.machine.steady);
  vm.exec({ packet: new Uint8Array(64).fill(1) });
  assert.ok(vm.machine.steady);
  assert.is(vm.r0lo, 0x01010101);
  // a helper moving the bounds, or a caller placing them, ends it
  vm.machine.setPacket(256, 256, 300);
  assert.not.ok(vm.machine.steady);
});

// The steady setup zeroes only the registers the code can touch (decode.ts regsTouched): the
// others must still hold the zeros of the last full setup, whatever came between.
type RegStep =
  | { kind: 'run'; len: number; fill: number; poison: boolean }
  | { kind: 'patch'; reg: number; v: number }
  | { kind: 'unpatch' }
  | { kind: 'poke'; reg: number; v: number };

const regStep: fc.Arbitrary<RegStep> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('run' as const), len: fc.constantFrom(0, 16), fill: fc.constantFrom(0, 1), poison: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('patch' as const), reg: fc.integer({ min: 0, max: 9 }), v: fc.integer() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'unpatch' as const }) },
  // a caller writing registers itself, as a window run does (then frameWritten)
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('poke' as const), reg: fc.integer({ min: 0, max: 10 }), v: fc.integer() }) },
);

/**
 * Slot 7, which the steps patch, runs only when the packet's first byte is there and not 0: a
 * patched-in write happens on some runs of a steady sequence (same length) and not on others.
 */
const PATCHED = 7;
const skipOnEmpty = (slot7: Op, rest: Op[]): Op[] => [
  ldx(4, 2, 1, 0), ldx(4, 3, 1, 4), mov(4, R(2)), alu('add', 4, K(1)), jc('jgt', 4, R(3), 3),
  ldx(1, 4, 2, 0), jc('jeq', 4, K(0), 1), slot7, ...rest,
];
/** Programs reading and writing few registers. */
const FEW_REGS: Record<string, Op[]> = {
  trivial: skipOnEmpty(mov(0, K(0)), [exit]),
  'reads r5': skipOnEmpty(mov(0, K(1)), [alu('add', 0, R(5)), exit]),
  'writes r7': skipOnEmpty(mov(7, K(9)), [mov(0, R(7)), exit]),
  'reads the packet': skipOnEmpty(mov(0, K(0)), [mov(4, R(2)), alu('add', 4, K(1)), jc('jgt', 4, R(3), 1), ldx(1, 0, 2, 0), exit]),
};

t('property: after every run r0-r10 hold what a fresh machine leaves there, across steady setups, poison, patches and caller writes', () => {
  fc.assert(
    fc.property(fc.constantFrom(...Object.keys(FEW_REGS)), fc.array(regStep, { minLength: 1, maxLength: 14 }), (name, steps) => {
      const ops = [...FEW_REGS[name]];
      const reused = prepare(program(ops));
      const m = reused.machine;
      const regs = (mm: typeof m) => [...mm.RL.subarray(0, 11), ...mm.RH.subarray(0, 11)];
      for (const s of steps) {
        if (s.kind === 'patch' || s.kind === 'unpatch') {
          ops[PATCHED] = s.kind === 'patch' ? mov(s.reg, K(s.v)) : FEW_REGS[name][PATCHED];
          assert.ok(reused.patch(PATCHED, ops[PATCHED]));
        } else if (s.kind === 'poke') {
          m.RL[s.reg] = s.v;
          m.RH[s.reg] = ~s.v;
          m.frameWritten();
        } else {
          const input: RunInput = { packet: new Uint8Array(s.len).fill(s.fill), ...(s.poison ? { poison: 5 } : {}) };
          const fresh = prepare(program(ops));
          const want = view(fresh.run({ ...input, packet: input.packet!.slice() }));
          assert.equal(view(reused.run(input)), want, `${name}: ${JSON.stringify(s)}`);
          assert.equal(regs(m), regs(fresh.machine), `${name}: registers after ${JSON.stringify(s)}`);
        }
      }
    }),
    { numRuns: 400, seed: 22 },
  );
});

t('the steady setup of `r0 = 0; exit` zeroes r0 alone and still leaves r2-r9 zero', () => {
  const vm = prepare(program([mov(0, K(0)), exit]));
  const m = vm.machine;
  vm.exec({ packet: new Uint8Array(64) });
  vm.exec({ packet: new Uint8Array(64) });
  assert.ok(m.steady);
  m.RL[0] = 99;
  m.RL[4] = 99; // (not a register the code touches: no setup of this machine would clear it now)
  vm.exec({ packet: new Uint8Array(64) });
  assert.is(m.RL[0], 0);
  assert.is(m.RL[4], 99);
  m.frameWritten(); // what a caller writing registers or the frame must say: the next setup is a full one
  vm.exec({ packet: new Uint8Array(64) });
  assert.is(m.RL[4], 0);
});

t.run();
