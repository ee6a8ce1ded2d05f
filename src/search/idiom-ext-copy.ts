// Sign extension folded into the copy that follows it (cpu v4 targets):
//   rA = (sN) rA   (or rA <<= 64-N; rA s>>= 64-N)   [lddw of another register]   rB = rA
//   →                                              [lddw]                        rB = (sN) rA
// Right when rA is not read again before it is overwritten (xdp_router_ipv4: `r6 = (s32)r6;
// r1 = tx_port ll; r2 = r6; r3 = 0; call bpf_redirect_map`). Only a proposal: when rA is still
// read, the tests or Z3 refuse it. The lddw between them is why no other move reaches it: the
// random moves change one straight run at a time and never see across it.
import type { Op } from '../isa/op.ts';
import type { Slot } from './proposals.ts';

type Change = [number, Slot];
type Ext = { dst: number; bits: 8 | 16 | 32; at: number[] };

/** A 64-bit sign extension of rA in place at `pc`: a movsx, or the shift pair. */
function extensionAt(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): Ext | null {
  const a = slots[pc];
  if (!a || a.kind !== 'alu' || a.width !== 64 || !straight.has(pc)) return null;
  if (a.op === 'movsx' && 'reg' in a.src && a.src.reg === a.dst && a.ext) return { dst: a.dst, bits: a.ext, at: [pc] };
  if (a.op !== 'lsh' || !('imm' in a.src)) return null;
  let q = pc + 1;
  while (straight.has(q) && !slots[q]) q++; // deleted slots between the shifts
  const b = slots[q];
  if (!straight.has(q) || !b || b.kind !== 'alu' || b.op !== 'arsh' || b.width !== 64 || b.dst !== a.dst || !('imm' in b.src) || b.src.imm !== a.src.imm) return null;
  const bits = 64 - a.src.imm;
  return bits === 8 || bits === 16 || bits === 32 ? { dst: a.dst, bits, at: [pc, q] } : null;
}

export function extendThenCopy(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): Change[] | null {
  const e = extensionAt(slots, straight, pc);
  if (!e) return null;
  // past deleted slots and lddw of other registers (null: a deleted slot or an lddw's second half)
  let i = e.at[e.at.length - 1] + 1;
  for (; i < slots.length; i++) {
    const s = slots[i];
    if (s && !(s.kind === 'lddw' && s.dst !== e.dst)) break;
  }
  const copy = slots[i];
  if (!copy || !straight.has(i) || copy.kind !== 'alu' || copy.op !== 'mov' || copy.width !== 64 || !('reg' in copy.src) || copy.src.reg !== e.dst || copy.dst === e.dst) return null;
  const folded: Op = { kind: 'alu', op: 'movsx', width: 64, dst: copy.dst, src: { reg: e.dst }, ext: e.bits };
  return [...e.at.map((at): Change => [at, null]), [i, folded]];
}
