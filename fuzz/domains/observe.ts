// What a domain case did, step by step, as seen in the kernel's log or computed by our domain.
// Both sides produce the same Observation, so a recording of the kernel's can be replayed.
import { concrete64x32 } from '../../src/bv/concrete.ts';
import { scalarUnknown, type ScalarState, type KernelFlavor } from '../../src/domains/scalar.ts';
import { type ScalarAluOp, forkScalars, immOperand, scalarAlu, scalarEnd, scalarMovReg, scalarMovsx, scalarMovImm, scalarNeg } from '../../src/domains/alu.ts';
import { type Cond, branchTaken, refine } from '../../src/domains/branch.ts';
import { parseVerifierLog } from '../../src/kernel/log.ts';
import { printRegState, type RegState } from '../../src/kernel/regstate.ts';
import { printDomainScalar } from '../../src/kernel/domain-state.ts';
import { stepSlot, PROLOGUE, type DomainCase, type Reg } from './case.ts';

export interface StepObs {
  /** ALU: the destination's state after the step. */
  dst?: string;
  /** Branch: 1 always taken, 0 never, -1 both edges explored. */
  taken?: 1 | 0 | -1;
  /** Branch: r6 and r7 on the fall-through edge / on the jump edge. */
  fall?: [string, string];
  jump?: [string, string];
}

export interface Observation {
  verdict: 'accept' | 'reject';
  error?: string;
  /** One entry per step the main path reached. */
  steps: StepObs[];
}

const d = concrete64x32;

/** Kernel-format text of a domain state (ids and precision left out: we do not model them). */
export const printDomain = printDomainScalar;

/** Kernel-format text of a logged register, without id and precision marks. */
export function normalizeKernel(r: RegState | undefined): string {
  if (!r) return 'not_init';
  if (r.kind !== 'scalar') return printRegState(r);
  return printRegState({ ...r, precise: false, id: 0, idDelta: undefined });
}

/**
 * The domain operations a replay runs on bigint states: by default the generic operators on the
 * bigint backend; tests pass the fixed-width or the compiled ones to check they agree on every
 * recorded case.
 */
export interface DomainOps {
  /** The kernel flavor every operation models (the recording's). */
  readonly flavor: KernelFlavor;
  alu(op: ScalarAluOp, width: 32 | 64, x: ScalarState<bigint>, y: ScalarState<bigint>): ScalarState<bigint>;
  refine(x: ScalarState<bigint>, y: ScalarState<bigint>, c: Cond, width: 32 | 64): { taken: readonly ScalarState<bigint>[]; fallthrough: readonly ScalarState<bigint>[] };
  taken(x: ScalarState<bigint>, y: ScalarState<bigint>, c: Cond, width: 32 | 64): 1 | 0 | -1;
}

export const bigintOps = (flavor: KernelFlavor): DomainOps => ({
  flavor,
  alu: (op, w, x, y) => scalarAlu(d, op, w, x, y, flavor),
  refine: (x, y, c, w) => refine(d, x, y, c, w, flavor),
  taken: (x, y, c, w) => branchTaken(d, x, y, c, w),
});

export function observeModel(c: DomainCase, ops: DomainOps): Observation {
  const fl = ops.flavor;
  const regs: Record<Reg, ScalarState<bigint>> = { 6: scalarUnknown(d), 7: scalarUnknown(d) };
  const steps: StepObs[] = [];
  for (const s of c.steps) {
    const src = 'reg' in s.src ? regs[s.src.reg] : immOperand(d, s.src.imm);
    if (s.kind === 'alu') {
      const x = regs[s.dst];
      let y: ScalarState<bigint>;
      switch (s.op) {
        case 'neg': y = scalarNeg(d, s.width, x, fl); break;
        case 'mov': y = 'reg' in s.src ? scalarMovReg(d, s.width, src, fl) : scalarMovImm(d, s.width, s.src.imm); break;
        case 'movsx': y = scalarMovsx(d, s.width, s.ext!, src, fl); break;
        case 'end': y = scalarEnd(d, s.order!, s.bits!, x, fl); break;
        default: {
          // maybe_fork_scalars: the main path goes on with dst = -1 (the 0 case is pushed)
          const f = forkScalars(d, s.op, x, src);
          y = ops.alu(s.op, s.width, f.fork ? f.minusOne : x, src);
        }
      }
      regs[s.dst] = y;
      steps.push({ dst: printDomain(y) });
      continue;
    }
    const other: Reg = s.dst === 6 ? 7 : 6;
    const taken = ops.taken(regs[s.dst], src, s.op, s.width);
    const pair = (): [string, string] => [printDomain(regs[6]), printDomain(regs[7])];
    if (taken === 1) {
      steps.push({ taken, jump: pair() });
      return { verdict: 'accept', steps };
    }
    if (taken === 0) {
      steps.push({ taken, fall: pair() });
      continue;
    }
    // an impossible refined state is reported by 6.18 as a verifier bug (REG INVARIANTS
    // VIOLATION) in the log, and the verifier goes on with the bounds reset: as refine() does
    const r = ops.refine(regs[s.dst], src, s.op, s.width);
    const jumpRegs = { ...regs, [s.dst]: r.taken[0] } as Record<Reg, ScalarState<bigint>>;
    if ('reg' in s.src) jumpRegs[other] = r.taken[1];
    regs[s.dst] = r.fallthrough[0];
    if ('reg' in s.src) regs[other] = r.fallthrough[1];
    steps.push({ taken: -1, fall: pair(), jump: [printDomain(jumpRegs[6]), printDomain(jumpRegs[7])] });
  }
  return { verdict: 'accept', steps };
}

/** Read the observation out of a log_level 2 verifier log of caseProgram(c). */
export function observeKernel(c: DomainCase, ok: boolean, log: string): Observation {
  const parsed = parseVerifierLog(log);
  if (!ok) return { verdict: 'reject', error: parsed.error ?? 'rejected', steps: [] };
  const n = c.steps.length;
  const main: typeof parsed.records[number][] = [];
  const branches = new Map<number, RegState[]>();
  let inMain = true;
  for (const r of parsed.records) {
    if (r.kind === 'branch') {
      inMain = false;
      // DFS pops the main path's pushed edges first; a forked path (maybe_fork_scalars) may
      // print its own `from X to Y` for the same X later: keep the first
      if (branches.has(r.from)) continue;
      // `from 4 to 10: safe` (pruned) has no state to compare
      if (r.state?.regs.has(6) && r.state.regs.has(7)) branches.set(r.from, [r.state.regs.get(6)!, r.state.regs.get(7)!]);
      else branches.set(r.from, []);
    } else if (inMain) main.push(r);
  }
  const cur = new Map<number, RegState>();
  const steps: StepObs[] = [];
  const pair = (): [string, string] => [normalizeKernel(cur.get(6)), normalizeKernel(cur.get(7))];
  for (let k = 0; k < main.length; k++) {
    const r = main[k];
    if (r.kind === 'state' || (r.kind === 'insn' && r.state)) for (const [reg, st] of r.state!.regs) cur.set(reg, st);
    if (r.kind !== 'insn') continue;
    const i = r.idx - PROLOGUE;
    if (i < 0 || i >= n) continue;
    const s = c.steps[i];
    if (s.kind === 'alu') {
      steps.push({ dst: normalizeKernel(cur.get(s.dst)) });
      continue;
    }
    // full-state lines between this jump and the next instruction (printed, e.g., after a
    // `verifier bug: REG INVARIANTS VIOLATION` line) are the fall-through state
    for (let j = k + 1; j < main.length && main[j].kind !== 'insn'; j++) {
      const x = main[j];
      if (x.kind === 'state') for (const [reg, st] of x.state.regs) cur.set(reg, st);
    }
    const next = main.slice(k + 1).find((x) => x.kind === 'insn');
    const fell = next !== undefined && next.kind === 'insn' && next.idx === stepSlot(i) + 1;
    const jumpedState = branches.get(r.idx);
    if (!fell) {
      steps.push({ taken: 1, jump: pair() });
      break;
    }
    if (!jumpedState) {
      steps.push({ taken: 0, fall: pair() });
      continue;
    }
    const jump: [string, string] | undefined = jumpedState.length ? [normalizeKernel(jumpedState[0]), normalizeKernel(jumpedState[1])] : undefined;
    steps.push(jump ? { taken: -1, fall: pair(), jump } : { taken: -1, fall: pair() });
  }
  return { verdict: 'accept', steps };
}

/** Differences between two observations, as readable lines (empty when they agree). */
export function compareObs(c: DomainCase, kernel: Observation, model: Observation): string[] {
  const out: string[] = [];
  if (kernel.verdict !== model.verdict) {
    out.push(`verdict: kernel ${kernel.verdict}${kernel.error ? ` (${kernel.error.split('\n').pop()})` : ''}, model ${model.verdict}${model.error ? ` (${model.error})` : ''}`);
    return out;
  }
  const n = Math.max(kernel.steps.length, model.steps.length);
  for (let i = 0; i < n; i++) {
    const k = kernel.steps[i], m = model.steps[i];
    const where = `step ${i} (insn ${stepSlot(i)})`;
    if (!k || !m) {
      out.push(`${where}: reached by ${k ? 'kernel' : 'model'} only`);
      break;
    }
    if (k.dst !== m.dst) out.push(`${where}: R${(c.steps[i] as { dst: number }).dst} kernel ${k.dst} / model ${m.dst}`);
    if (k.taken !== m.taken) out.push(`${where}: branch taken kernel ${k.taken} / model ${m.taken}`);
    for (const edge of ['fall', 'jump'] as const) {
      const a = k[edge], b = m[edge];
      if (!a || !b) continue;
      for (const j of [0, 1]) if (a[j] !== b[j]) out.push(`${where} ${edge}: R${6 + j} kernel ${a[j]} / model ${b[j]}`);
    }
    if (out.length) break;
  }
  return out;
}
