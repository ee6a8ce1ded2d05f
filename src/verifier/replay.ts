// Straight-line register steps a resumed re-check takes over from the baseline instead of running
// them: where the candidate enters a run of the baseline's ALU and lddw steps (scalars only, no
// prune or jump point, no fork, no changed slot) in the very state and id counter the baseline
// had there, those steps compute what the baseline's did (the instructions, their slot tables and
// the inputs are the same, and such a step reads nothing else), so the candidate takes the
// baseline's registers after them and does the bookkeeping each step does besides computing:
// the instruction count, the history piece and the stack liveness's begin / commit (no slot is
// read or written). Nothing else of the exploration is touched by such a step.
import { SK_ALU, SK_LDDW } from '../isa/flow.ts';
import type { Op } from '../isa/op.ts';
import type { Cfg } from './cfg.ts';
import type { Ctx, Path } from './analyze.ts';
import { recordStep } from './precision.ts';
import type { Reg } from './regs.ts';
import { sameState } from './rejoin.ts';
import { cloneState, type State } from './state.ts';

/** Fewest steps a take-over must spare (a state comparison costs about a few steps). */
const MIN_TAKE = 4;
/** Most baseline visits of one instruction compared at an entry. */
const MAX_VISITS = 4;
/**
 * Most baseline steps recorded (the later ones are never taken over): a step costs ~30 bytes and
 * a register step its registers' copy besides, so a log stays within a few MB (xdpfilt_alw_all
 * runs 81,905 steps).
 */
const MAX_LOGGED = 1 << 15;

/** The register steps of the baseline's run, as replay needs them (recorded by the constructor's step hook). */
export class StepLog {
  /** Per step: its instruction. */
  private readonly pcs: number[] = [];
  /** Per step: the id counter before it. */
  private readonly gens: number[] = [];
  /** Per step: 1 when it is a register step the baseline went on from on the same path without a fork. */
  private readonly ok: number[] = [];
  /** Per step: the current frame's registers before it (register steps and the step after one; else undefined). */
  private readonly regs: (Reg[] | undefined)[] = [];
  /** Per step: its run's first state (index into runs; -1: none). */
  private readonly run: number[] = [];
  private readonly runs: State[] = [];
  /** Per instruction: its register steps that may start a take-over (at most MAX_VISITS). */
  private readonly at = new Map<number, number[]>();
  private lastPath: Path | undefined;
  private lastStack = 0;
  /** The last step may be taken over (its kind, scalars, marks), pending its follower's check. */
  private lastMay = false;
  /** The steps taken over are ok steps in a row: how many end just before the current one, and the most that ever did. */
  private runLength = 0;
  longest = 0;

  constructor(private readonly cfg: Cfg) {}

  /** Record the step about to run (the constructor's hook, before each instruction). */
  note(c: Ctx, pc: number): void {
    const k = this.pcs.length, st = c.path.state;
    if (k === MAX_LOGGED) return;
    const prevGoes = this.lastMay && c.path === this.lastPath && c.stack.length === this.lastStack;
    if (k > 0 && prevGoes) {
      this.ok[k - 1] = 1;
      const l = this.at.get(this.pcs[k - 1]) ?? [];
      if (l.length < MAX_VISITS) l.push(k - 1);
      this.at.set(this.pcs[k - 1], l);
    }
    const may = mayTake(this.cfg, st, pc);
    this.pcs.push(pc);
    this.gens.push(c.idGen);
    this.ok.push(0);
    const top = st.frames[st.frames.length - 1].regs;
    this.regs.push(may || prevGoes ? top.slice() : undefined);
    if (may) this.run.push(prevGoes ? this.run[k - 1] : this.runs.push(cloneState(st)) - 1);
    else this.run.push(-1);
    this.runLength = prevGoes ? this.runLength + 1 : 0;
    if (this.runLength > this.longest) this.longest = this.runLength;
    this.lastPath = c.path;
    this.lastStack = c.stack.length;
    this.lastMay = may;
  }

  /**
   * Take over the baseline's steps from the candidate's step at pc (c: its exploration before it)
   * when one of the baseline's visits of pc had the same state and id counter, up to the first
   * step that is not a register step or whose slot `stop` marks: the steps taken over (c's
   * current path then stands before the first step not taken), or 0 (c left as it was).
   */
  take(c: Ctx, pc: number, stop: Uint8Array, limit: number): number {
    const ks = this.at.get(pc);
    if (!ks) return 0;
    const st = c.path.state, top = st.frames[st.frames.length - 1].regs;
    for (const k of ks) {
      if (this.gens[k] !== c.idGen || !sameState(st, this.runs[this.run[k]], this.regs[k]!)) continue;
      let n = 0;
      while (this.ok[k + n] && !stop[this.pcs[k + n]]) n++;
      if (n < MIN_TAKE || c.processed + n > limit) return 0;
      const live = c.live!, hist = c.path.hist;
      for (let i = 0; i < n; i++) {
        const p = this.pcs[k + i];
        recordStep(hist, p);
        live.begin(st, p);
        live.commit();
      }
      const from = this.regs[k + n]!;
      for (let r = 0; r < top.length; r++) top[r] = from[r];
      c.processed += n;
      c.idGen = this.gens[k + n];
      c.path.pc = this.pcs[k + n];
      return n;
    }
    return 0;
  }
}

/** Is the step at pc a register step that reads and writes scalars alone, outside prune and jump points? */
function mayTake(cfg: Cfg, st: State, pc: number): boolean {
  const kind = cfg.slots.kind[pc];
  if ((kind !== SK_ALU && kind !== SK_LDDW) || cfg.prune[pc] || cfg.jmp[pc] || cfg.bad[pc]) return false;
  if (kind === SK_LDDW) return true;
  const op = cfg.ops[pc] as Op & { kind: 'alu' };
  const regs = st.frames[st.frames.length - 1].regs;
  if ('reg' in op.src && regs[op.src.reg].type !== 'scalar') return false;
  return op.op === 'mov' || op.op === 'movsx' || regs[op.dst].type === 'scalar';
}
