// Test helper: a Program from assembly with bpf-to-bpf functions, each starting at the label a
// local call (or an ld_imm64 pseudo-func) names.
import { assemble } from '../../src/isa/asm.ts';
import { calleeSlot } from '../../src/isa/flow.ts';
import { toOps } from '../../src/isa/op.ts';
import type { Insn } from '../../src/isa/insn.ts';
import type { Program } from '../../src/isa/program.ts';

export function program(src: string): Program {
  const { insns, labels } = assemble(src);
  return withFuncs(insns, labels);
}

export function withFuncs(insns: readonly Insn[], labels: ReadonlyMap<string, number> = new Map()): Program {
  const starts = new Set<number>();
  toOps(insns).forEach((o, pc) => {
    if (!o) return;
    const c = calleeSlot(o, pc);
    if (c >= 0) starts.add(c);
    if (o.kind === 'lddw' && o.pseudo === 4) starts.add(pc + 1 + o.lo);
  });
  const nameAt = (s: number): string => [...labels].find(([, v]) => v === s)?.[0] ?? `f${s}`;
  const funcs = [{ name: 'prog', start: 0 }, ...[...starts].sort((a, b) => a - b).map((s) => ({ name: nameAt(s), start: s }))];
  return { name: 'prog', section: 'xdp', type: 'xdp', insns, maps: [], license: 'GPL', funcs };
}
