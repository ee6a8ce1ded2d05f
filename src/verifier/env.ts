// What every part of the analysis shares (struct bpf_verifier_env, the parts we model).
import type { AluAux } from './spectre.ts';
import type { Program } from '../isa/program.ts';
import type { Cfg } from './cfg.ts';
import type { KernelFlavor } from '../domains/scalar.ts';
import type { DomainSession } from './memo.ts';
import type { ImmRegs } from './regs.ts';
import type { PcMemo } from './pc-memo.ts';

export interface Options {
  /** The kernel modelled (src/verifier/config.ts). Default: the session's, else LINUX_6_18. */
  readonly flavor?: KernelFlavor;
  /** The domain caches to use (one per flavor); default: the shared session of the flavor. */
  readonly session?: DomainSession;
  /** Root (CAP_BPF + CAP_PERFMON + CAP_NET_ADMIN): uninitialised stack reads allowed, back-edges allowed. Default true. */
  readonly privileged?: boolean;
  /** nr_cpu_ids of the target machine (bpf_get_smp_processor_id's range). Default 2. */
  readonly nrCpus?: number;
  /**
   * Explore both edges of every conditional jump, even one the domains decide (no is_branch_taken):
   * the path-insensitive view the search's pre-filters take, to test that they are its projection.
   * Not the kernel's behaviour.
   */
  readonly allBranches?: boolean;
  /** Record per-instruction states for printing (costs time). */
  readonly states?: boolean;
  /** Record the exploration path by path with the registers after each instruction (Verdict.trace). */
  readonly trace?: boolean;
  /** Keep the first state seen at each instruction (Verdict.entry). */
  readonly entries?: boolean;
  /** Processed-instruction limit (BPF_COMPLEXITY_LIMIT_INSNS). */
  readonly limit?: number;
  /** Record the stack-liveness fixpoints' log lines (Verdict.stackLiveLog). */
  readonly stackLiveLog?: boolean;
  /** BPF_F_STRICT_ALIGNMENT: check the alignment of every pointer access, not only the stack's. */
  readonly strictAlignment?: boolean;
}

export interface Env {
  readonly prog: Program;
  readonly cfg: Cfg;
  /** The scalar domain operations of the configured flavor, with their caches. */
  readonly dom: DomainSession;
  readonly privileged: boolean;
  readonly strictAlignment?: boolean;
  readonly nrCpus: number;
  /** Options.allBranches. */
  readonly allBranches: boolean;
  idGen: number;
  /** The immediate operand registers, by instruction (shared objects, as immReg's). */
  readonly imms: ImmRegs;
  /** The last binary scalar ALU operation of each instruction (its inputs and result). */
  readonly aluMemo: PcMemo;
  /** Deepest stack byte used per function (by first instruction), for check_max_stack_depth. */
  readonly stackDepth: Map<number, number>;
  /** insn_aux_data[].ptr_type: the pointer type a load or store instruction first went through, by instruction. */
  readonly ptrTypes: (string | undefined)[];
  /**
   * ptrTypes[pc], read without making the records the run's own (a re-check's copy shares them
   * with its snapshot until it first writes one: analyze.ts Ctx.shared).
   */
  ptrTypeAt(pc: number): string | undefined;
  /** update_stack_depth: function f (by first instruction) uses `depth` bytes of stack (stackDepth raised to it, made the run's own only then). */
  noteDepth(f: number, depth: number): void;
  /** Unprivileged: the Spectre masking each add/sub instruction was given (src/verifier/spectre.ts). */
  readonly aluAux: Map<number, AluAux>;
  /** The prog array map index each tail call used on the paths seen so far (-1: several, "poisoned"). */
  readonly tailMaps: Map<number, number>;
  /** mark_chain_precision: registers (bit mask) and stack slots (spi) of the current frame are relied on. */
  precise(regs: number, slots?: number[]): void;
  /**
   * push_jmp_history: the current instruction adds an entry to the path's jump history (a jump
   * point reached, a register spilled to or filled from a fixed stack slot, a branch on linked
   * scalars); one entry per instruction however many times it is called. `frame` and `spi`: the
   * spill or fill's stack slot (INSN_F_STACK_ACCESS, what the precision walk follows; numbers,
   * not an object per spill), frame -1 (the default) for none.
   */
  hist(frame?: number, spi?: number): void;
  /** bpf_mark_stack_read: the current instruction reads stack slot `spi` of frame `frame`. */
  stackRead(frame: number, spi: number): void;
  /** bpf_mark_stack_write: the current instruction writes all 8 bytes of slot `spi` of frame `frame`. */
  stackWrite(frame: number, spi: number): void;
  /** The rejection an instruction reported by returning REJECTED (reject()), for run() to read. */
  rejected: VerifierError | undefined;
}

/**
 * A rejection: the kernel's message (possibly several lines) at an instruction. It only carries
 * the verdict out of the exploration (run() catches it), so it is not an Error: thrown from five
 * frames deep, an Error (built with the stack-trace limit at 0, as it was before) cost ~1 µs to
 * build and throw, this object ~0.5 µs; a small rejected candidate's re-check takes ~10-20 µs.
 */
export class VerifierError {
  readonly name = 'VerifierError';
  constructor(readonly message: string, readonly index: number) {}
}

export const fail = (pc: number, msg: string): never => {
  throw new VerifierError(msg, pc);
};

/** The next-instruction answer of a step that rejected the program without a throw (reject()). */
export const REJECTED = -2;

/**
 * fail without the throw, for the most frequent rejections of a search's candidates: the
 * rejection is kept in `env.rejected` and REJECTED is returned, which every caller up to run()'s
 * loop returns in turn. A throw costs ~0.4-1 µs in Node 20 (V8 builds a message with the throw's
 * location, then unwinds three to six frames), a tenth of a small program's re-check; most
 * candidates are rejected. The message and instruction are fail's.
 */
export function reject(env: Env, pc: number, msg: string): number {
  env.rejected = new VerifierError(msg, pc);
  return REJECTED;
}

export const newId = (env: Env): number => ++env.idGen;
