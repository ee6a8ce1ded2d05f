// In-place patching (the optimizer's fast path) gives the same results as decoding afresh.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { prepare } from '../../src/interp/index.ts';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { fromOp, toOp, type Op } from '../../src/isa/op.ts';
import { insn } from '../../src/isa/insn.ts';

const t = suite('interp/patch');
const base = assemble(`
  r0 = 1
  r1 = 2
  r2 = 3
  r0 += r1
  r0 *= r2
  *(u64 *)(r10 - 8) = r0
  r3 = *(u64 *)(r10 - 8)
  r0 ^= r3
  r0 += 7
  exit`).insns;

const straight: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('alu' as const), op: fc.constantFrom('add', 'sub', 'mul', 'xor', 'or', 'and', 'lsh', 'rsh', 'arsh', 'mov' as const), width: fc.constantFrom(32 as const, 64 as const), dst: fc.integer({ min: 0, max: 3 }), src: fc.oneof(fc.integer({ min: 0, max: 3 }).map((reg) => ({ reg })), fc.integer({ min: -100, max: 100 }).map((imm) => ({ imm }))) }),
  fc.record({ kind: fc.constant('ldx' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const), signed: fc.constant(false), dst: fc.integer({ min: 0, max: 3 }), src: fc.constant(10), off: fc.constant(-8) }),
);

t('patching slots equals preparing the patched program', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.option(straight, { nil: null })), { minLength: 1, maxLength: 5 }), (edits) => {
    const vm = prepare(bareProgram(base, 'socket_filter'));
    const insns = [...base];
    for (const [pc, op] of edits) {
      assert.ok(vm.patch(pc, op));
      insns[pc] = op === null ? insn(0x05, 0, 0, 0, 0) : fromOp(JSON.parse(JSON.stringify(op)))[0];
    }
    const fresh = prepare(bareProgram(insns, 'socket_filter')).run({ packet: new Uint8Array(20) });
    const patched = vm.run({ packet: new Uint8Array(20) });
    assert.equal(patched.kind === 'exit' ? patched.r0 : patched.kind, fresh.kind === 'exit' ? fresh.r0 : fresh.kind);
  }), { numRuns: 500 });
});

t('a jump inside the program is patched in place (a retarget); out of it, or a call, is not', () => {
  const vm = prepare(bareProgram(base, 'socket_filter'));
  // `goto +1` in place of `r0 += r1` skips `r0 *= r2`: 1 ^ 1 + 7, as the program decoded afresh
  assert.ok(vm.patch(3, toOp([insn(0x05, 0, 0, 1, 0)], 0)));
  const insns = [...base];
  insns[3] = insn(0x05, 0, 0, 1, 0);
  const fresh = prepare(bareProgram(insns, 'socket_filter')).run({ packet: new Uint8Array(20) });
  const patched = vm.run({ packet: new Uint8Array(20) });
  assert.is(patched.kind === 'exit' && patched.r0, 7n);
  assert.is(fresh.kind === 'exit' && fresh.r0, 7n);
  assert.not.ok(vm.patch(3, toOp([insn(0x05, 0, 0, 40, 0)], 0)), 'out of the program');
  assert.not.ok(vm.patch(3, toOp([insn(0x85, 0, 0, 0, 5)], 0)), 'a helper call');
});

t.run();
