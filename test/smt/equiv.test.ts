// Equivalence checks of windows: pairs that are equal must be proved; pairs that differ must be
// refused with a counterexample that really tells them apart when both run in the interpreter.
// Whole programs: equiv-program.test.ts (a file of its own, so each process's Z3 heap holds
// half the queries: WebAssembly memory never shrinks, and one clean-clone run of the joint
// file aborted with Z3 out of its 2 GB).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { fromOp, lddwParts, type Op } from '../../src/isa/op.ts';
import type { Insn } from '../../src/isa/insn.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { prepare } from '../../src/interp/index.ts';
import { EquivCache, windowEquiv, type WindowCounterexample } from '../../src/smt/equiv.ts';

const t = suite('smt/equiv');
const A = (s: string): Insn[] => assemble(s).insns;

/** Run a window in the interpreter from a counterexample: registers, then stack bytes. */
function runWindow(code: Insn[], cex: WindowCounterexample): { regs: bigint[]; stack: Uint8Array } {
  const pro: Op[] = cex.regs.map((v, r) => ({ kind: 'lddw', dst: r, pseudo: 0, ...lddwParts(v) }));
  const st: Op[] = cex.stack.map(({ off, byte }) => ({ kind: 'st', size: 1, dst: 10, off, imm: byte }));
  // stack stores first (they need no registers), then registers, then the window
  const vm = prepare(bareProgram([...st.flatMap(fromOp), ...pro.flatMap(fromOp), ...code, ...fromOp({ kind: 'exit' })]));
  const r = vm.run({ packet: new Uint8Array(14) });
  assert.is(r.kind, 'exit');
  const m = vm.machine;
  return {
    regs: Array.from({ length: 10 }, (_, i) => (BigInt(m.RH[i] >>> 0) << 32n) | BigInt(m.RL[i] >>> 0)),
    stack: m.u8.slice(m.rBase[0], m.rBase[0] + 512),
  };
}

const EQUAL: [string, string, string, number[]][] = [
  ['x+x = x<<1', 'r0 = r1\nr0 += r1', 'r0 = r1\nr0 <<= 1', [0]],
  ['w0 = w1 is a 32-bit zero extension', 'w0 = w1', 'r0 = r1\nr0 <<= 32\nr0 >>= 32', [0]],
  ['store then load = move', '*(u64 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)', '*(u64 *)(r10 - 8) = r1\nr0 = r1', [0]],
  ['two u32 stores = one u64 store', '*(u32 *)(r10 - 8) = w1\nr2 = r1\nr2 >>= 32\n*(u32 *)(r10 - 4) = w2', '*(u64 *)(r10 - 8) = r1\nr2 = r1\nr2 >>= 32', [0, 1, 2]],
  ['xor swap', 'r3 = r1\nr1 = r2\nr2 = r3', 'r1 ^= r2\nr2 ^= r1\nr1 ^= r2', [1, 2]],
  ['be16 twice = zero-extended low half', 'r0 = r1\nr0 = be16 r0\nr0 = be16 r0', 'r0 = r1\nr0 &= 0xffff', [0]],
  ['mul by 8 = shift', 'r0 = r2\nr0 *= 8', 'r0 = r2\nr0 <<= 3', [0]],
  ['lddw of a 32-bit constant = mov', 'r0 = 0x7f ll', 'r0 = 0x7f', [0]],
];

for (const [name, a, b, live] of EQUAL) {
  t(`equal: ${name}`, async () => {
    const r = await windowEquiv(A(a), A(b), { liveOut: live, cache: null });
    assert.is(r.equal, true, JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
  });
}

const DIFFERENT: [string, string, string, number[], boolean?][] = [
  ['x+x vs x<<2', 'r0 = r1\nr0 += r1', 'r0 = r1\nr0 <<= 2', [0]],
  ['w0 = w1 vs r0 = r1', 'w0 = w1', 'r0 = r1', [0]],
  ['arsh vs rsh', 'r0 = r1\nr0 s>>= 3', 'r0 = r1\nr0 >>= 3', [0]],
  ['sdiv vs div', 'r0 = r1\nr0 s/= r2', 'r0 = r1\nr0 /= r2', [0]],
  ['a store the other side lacks', '*(u32 *)(r10 - 4) = w1\nr0 = 0', 'r0 = 0', [0]],
  ['load of a stack slot vs a register', 'r0 = *(u64 *)(r10 - 16)', 'r0 = r3', [0]],
];

for (const [name, a, b, live] of DIFFERENT) {
  t(`different: ${name} (counterexample replays)`, async () => {
    const ia = A(a), ib = A(b);
    const r = await windowEquiv(ia, ib, { liveOut: live, cache: null });
    assert.is(r.equal, false);
    if (r.equal !== false) return;
    const x = runWindow(ia, r.counterexample), y = runWindow(ib, r.counterexample);
    const regsDiffer = live.some((i) => x.regs[i] !== y.regs[i]);
    const stackDiffers = x.stack.some((v, i) => v !== y.stack[i]);
    assert.ok(regsDiffer || stackDiffers, 'the counterexample distinguishes the two in the interpreter');
  });
}

t('dead registers do not matter; the cache answers the second time', async () => {
  const cache = new EquivCache();
  const a = A('r0 = r1\nr2 = 5'), b = A('r0 = r1');
  assert.is((await windowEquiv(a, b, { liveOut: [0], cache })).equal, true);
  assert.is((await windowEquiv(a, b, { liveOut: [0, 2], cache })).equal, false);
  const again = await windowEquiv(b, a, { liveOut: [0], cache });
  assert.is(again.equal, true);
  assert.is(again.cached, true);
  assert.is(cache.hits, 1);
});

t('a ctx-typed register in a window is the ctx itself: its field loads are decided', async () => {
  // xdp: data at ctx+0, data_end at ctx+4; the same loads in another order and register
  const a = A('r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr0 = r3\nr0 -= r2');
  const b = A('r3 = *(u32 *)(r1 + 4)\nr0 = *(u32 *)(r1 + 0)\nr2 = r0\nr0 = r3\nr0 -= r2');
  const o = { liveOut: [0, 2, 3], regTypes: { 1: 'ctx' as const }, progType: 'xdp' as const, untypedAsMem: false, cache: null };
  assert.is((await windowEquiv(a, b, o)).equal, true);
  const c = A('r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr0 = r2\nr0 -= r3');
  assert.is((await windowEquiv(a, c, o)).equal, false);
});

t('jumps inside a window are refused as unknown', async () => {
  const r = await windowEquiv(A('if r1 > 2 goto +1\nr0 = 1'), A('r0 = 1'), { liveOut: [0], cache: null });
  assert.is(r.equal, null);
});

// ---- whole programs ----

t.run();
