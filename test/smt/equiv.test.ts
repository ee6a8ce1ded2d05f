// Equivalence checks: pairs that are equal must be proved; pairs that differ must be refused
// with a counterexample that really tells them apart when both run in the interpreter.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { assemble } from '../../src/isa/asm.ts';
import { fromOp, lddwParts, type Op } from '../../src/isa/op.ts';
import type { Insn } from '../../src/isa/insn.ts';
import { bareProgram, type Program } from '../../src/isa/program.ts';
import { readObject } from '../../src/isa/object.ts';
import { toOps } from '../../src/isa/op.ts';
import { prepare } from '../../src/interp/index.ts';
import { EquivCache, programEquiv, windowEquiv, type ProgramCounterexample, type WindowCounterexample } from '../../src/smt/equiv.ts';

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

function replace(p: Program, at: number, op: Op): Program {
  const insns = p.insns.slice();
  insns.splice(at, 1, ...fromOp(op));
  return { ...p, insns };
}

/** Run a program on a counterexample (map entries preset); what it returns and leaves behind. */
function runProgram(p: Program, cex: ProgramCounterexample): string {
  const vm = prepare(p);
  for (const e of cex.maps) if (e.present) vm.maps[e.map].set(e.key, e.value);
  vm.saveBaseline();
  const r = vm.run({ packet: cex.packet });
  if (r.kind !== 'exit') return `fault ${r.reason}`;
  const maps = r.maps.map((m) => m.entries().map(([k, v]) => `${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`).join(','));
  return `r0=${r.r0} pkt=${Buffer.from(r.packet).toString('hex')} maps=${maps.join(';')}`;
}

const pktcntr = readObject(new Uint8Array(readFileSync('corpus/xdp_pktcntr.o'))).link();

t('xdp_pktcntr: rewritten equivalently is proved equal', async () => {
  // r1 += 1 → r1 -= -1, and `r1 = 0` → `w1 = 0`
  const ops = toOps(pktcntr.insns);
  assert.equal(ops[18], { kind: 'alu', op: 'add', width: 64, dst: 1, src: { imm: 1 } });
  let q = replace(pktcntr, 18, { kind: 'alu', op: 'sub', width: 64, dst: 1, src: { imm: -1 } });
  q = replace(q, 0, { kind: 'alu', op: 'mov', width: 32, dst: 1, src: { imm: 0 } });
  const r = await programEquiv(pktcntr, q, { cache: null });
  assert.is(r.equal, true, JSON.stringify(r));
});

for (const [name, at, op] of [
  ['the counter step 1 → 2', 18, { kind: 'alu', op: 'add', width: 64, dst: 1, src: { imm: 2 } }],
  ['the control value compared with 2 instead of 1', 10, { kind: 'jcond', op: 'jne', width: 64, dst: 1, src: { imm: 2 }, off: 9 }],
  ['a 32-bit counter', 17, { kind: 'ldx', size: 4, signed: false, dst: 1, src: 0, off: 0 }],
] as [string, number, Op][]) {
  t(`xdp_pktcntr: ${name} is refused with a real counterexample`, async () => {
    const q = replace(pktcntr, at, op);
    const r = await programEquiv(pktcntr, q, { cache: null });
    assert.is(r.equal, false);
    if (r.equal !== false) return;
    assert.is.not(runProgram(pktcntr, r.counterexample), runProgram(q, r.counterexample));
  });
}

// A small parser: drop IPv4 (ethertype 0x0800) UDP, pass the rest; swaps MACs on pass.
const PARSER = `
r2 = *(u32 *)(r1 + 0x0)
r3 = *(u32 *)(r1 + 0x4)
r0 = 2
r4 = r2
r4 += 34
if r4 > r3 goto +9
r5 = *(u16 *)(r2 + 0xc)
if r5 != 0x8 goto +7
r5 = *(u8 *)(r2 + 0x17)
if r5 != 0x11 goto +5
r0 = 1
r5 = *(u32 *)(r2 + 0x0)
r6 = *(u32 *)(r2 + 0x6)
*(u32 *)(r2 + 0x0) = w6
*(u32 *)(r2 + 0x6) = w5
exit
`;

t('a packet parser: equal rewrite proved, packet-changing rewrite refused', async () => {
  const p = bareProgram(A(PARSER), 'xdp');
  // r4 = r2; r4 += 34  →  r4 = r2; r4 -= -34 ; and the u16 ethertype load as be16 compare
  const eq = replace(p, 4, { kind: 'alu', op: 'sub', width: 64, dst: 4, src: { imm: -34 } });
  const r1 = await programEquiv(p, eq, { cache: null });
  assert.is(r1.equal, true, JSON.stringify(r1));
  // write the swapped word to offset 7 instead of 6: changes the packet
  const ne = replace(p, 14, { kind: 'stx', size: 4, dst: 2, src: 5, off: 7 });
  const r2 = await programEquiv(p, ne, { cache: null });
  assert.is(r2.equal, false);
  if (r2.equal !== false) return;
  assert.ok(r2.counterexample.packet.length >= 34);
  assert.is.not(runProgram(p, r2.counterexample), runProgram(ne, r2.counterexample));
  // the proto check dropped: differs only for IPv4 non-UDP packets
  const ne2 = replace(p, 9, { kind: 'ja', off: 0, long: false });
  const r3 = await programEquiv(p, ne2, { cache: null });
  assert.is(r3.equal, false);
  if (r3.equal !== false) return;
  assert.is.not(runProgram(p, r3.counterexample), runProgram(ne2, r3.counterexample));
});

t.run();
