// The model's exploration recorded path by path, in the shape of the kernel's log_level 2 log
// (src/kernel/log.ts logPaths): each path starts at program entry or at a popped branch state,
// lists the instructions it processed with the current frame's registers after each one, and
// ends at an exit or where it was pruned. Registers are immutable, so a snapshot is one short
// array per instruction.
import type { Reg } from './regs.ts';
import type { Frame } from './state.ts';

/** The current frame's registers at one point. */
export interface TraceFrame {
  readonly frameno: number;
  readonly regs: readonly Reg[];
}

export interface TracePath {
  /** The branch instruction whose pushed state this path starts from (-1: program entry). */
  readonly from: number;
  readonly to: number;
  readonly entry: TraceFrame;
  readonly pcs: number[];
  /** By position in pcs: the registers after that instruction (absent after the exit ending the program). */
  readonly after: (TraceFrame | undefined)[];
  /** Pruned at this instruction. */
  safe?: number;
}

const snap = (f: Frame): TraceFrame => ({ frameno: f.frameno, regs: f.regs.slice() });

/** Collects paths while the analysis runs; stops recording (and says so) past `maxSteps` instructions. */
export class Tracer {
  readonly paths: TracePath[] = [];
  private steps = 0;
  truncated = false;
  constructor(private readonly maxSteps = 2_000_000) {}

  private get cur(): TracePath | undefined {
    return this.paths[this.paths.length - 1];
  }

  /** A path starts at `to` (from the branch at `from`, -1 at entry) with frame `f`. */
  start(from: number, to: number, f: Frame): void {
    if (this.truncated) return;
    this.paths.push({ from, to, entry: snap(f), pcs: [], after: [] });
  }

  /** Instruction `pc` was processed; `f` is the current frame after it (undefined when the program ended). */
  step(pc: number, f: Frame | undefined): void {
    const p = this.cur;
    if (!p || this.truncated) return;
    if (++this.steps > this.maxSteps) {
      this.truncated = true;
      return;
    }
    p.pcs.push(pc);
    p.after.push(f && snap(f));
  }

  /** The path was pruned at `pc`. */
  safe(pc: number): void {
    const p = this.cur;
    if (p && !this.truncated) p.safe = pc;
  }
}
