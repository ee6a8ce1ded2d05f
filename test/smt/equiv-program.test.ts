// Whole-program equivalence (src/smt/equiv.ts programEquiv): equal rewrites of real programs
// must be proved; changed ones refused with a counterexample (packet and map entries) that
// really tells them apart when both run in the interpreter. Windows: equiv.test.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { assemble } from '../../src/isa/asm.ts';
import { fromOp, toOps, type Op } from '../../src/isa/op.ts';
import type { Insn } from '../../src/isa/insn.ts';
import { bareProgram, type Program } from '../../src/isa/program.ts';
import { readObject } from '../../src/isa/object.ts';
import { prepare } from '../../src/interp/index.ts';
import { programEquiv, type ProgramCounterexample } from '../../src/smt/equiv.ts';

const t = suite('smt/equiv-program');
const A = (s: string): Insn[] => assemble(s).insns;

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
