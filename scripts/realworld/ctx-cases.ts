// Context-access probes for a program type: one load or store of each size at each offset
// of the context, per attach type; the kernel's answers are recorded by record-ctx.ts and
// replayed against the model by test/verifier/ctx-sock.test.ts.
import { assemble } from '../../src/isa/asm.ts';
import type { Program, ProgType } from '../../src/isa/program.ts';

export interface CtxCase {
  readonly off: number;
  readonly size: 1 | 2 | 4 | 8;
  readonly write: boolean;
  readonly attach: number;
}

const SZ = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' } as const;

export function ctxCases(ctxSize: number, attaches: readonly number[]): CtxCase[] {
  const out: CtxCase[] = [];
  for (const attach of attaches) {
    for (let off = 0; off < ctxSize + 4; off++) {
      for (const size of [1, 2, 4, 8] as const) for (const write of [false, true]) out.push({ off, size, write, attach });
    }
  }
  return out;
}

export function ctxProgram(c: CtxCase, type: ProgType): Program {
  const body = c.write ? `r2 = 0\n*(${SZ[c.size]} *)(r1 + ${c.off}) = r2` : `r2 = *(${SZ[c.size]} *)(r1 + ${c.off})`;
  const insns = assemble(`${body}\nr0 = 1\nexit\n`).insns;
  return { name: 'ctx', section: type, type, insns, maps: [], license: 'GPL', funcs: [{ name: 'ctx', start: 0 }], load: { expectedAttachType: c.attach } };
}
