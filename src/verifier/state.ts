// A verifier state (struct bpf_verifier_state): the call frames, each with 11 registers and a
// stack. The state being analysed is owned by the current path and mutated in place; branch
// states and checkpoints are copies. Registers and slots are immutable, so a copy is two short
// arrays per frame.
import { type Reg, NOT_INIT, ptrReg } from './regs.ts';
import { type Stack, slotOf } from './stack.ts';

export interface Frame {
  regs: Reg[];
  /** Copy on write: written only through ownStack (the array may be shared with a copy of the frame). */
  stack: Stack;
  /** The stack array may be shared with another frame (a copy made by cloneFrame): copy it before writing. */
  shared: boolean;
  /** Instruction index of the call that created this frame (-1 for frame 0). */
  readonly callsite: number;
  /** First instruction of the function. */
  readonly subprog: number;
  readonly frameno: number;
}

/** An acquired reference (struct bpf_reference_state, REF_TYPE_PTR): its id and the acquiring insn. */
export interface RefState {
  readonly id: number;
  readonly insn: number;
}

export interface State {
  frames: Frame[];
  /**
   * Acquired references not yet released, in acquisition order (shared by every frame, as in
   * 6.18). Never changed in place: acquiring or releasing one gives the state a new list, so
   * copies of a state share the list.
   */
  refs: RefState[];
  /** may_goto_depth: how many may_goto fall-throughs this path took (absent: 0). */
  mayGotoDepth?: number;
}

export const cur = (s: State): Frame => s.frames[s.frames.length - 1];

/**
 * A copy of a frame: its own registers, the stack array shared until either frame writes to it
 * (a checkpoint's copy is never written, and many branch copies are dropped or pruned before a
 * stack write: most copies of a large stack were never needed).
 */
export function cloneFrame(f: Frame): Frame {
  f.shared = true;
  return { regs: copyRegs(f.regs), stack: f.stack, shared: true, callsite: f.callsite, subprog: f.subprog, frameno: f.frameno };
}

/**
 * A frame's 11 registers copied as one literal: allocated inline by optimized code, where
 * `slice()` is a builtin call per frame copy (every branch and checkpoint copies each frame).
 */
const copyRegs = (r: Reg[]): Reg[] => [r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10]];

/** The frame's stack for writing: its own copy first when the array may be shared. */
export function ownStack(f: Frame): Stack {
  if (f.shared) {
    f.stack = f.stack.slice();
    f.shared = false;
  }
  return f.stack;
}

export function cloneState(s: State): State {
  // one frame (most states) as a literal, not a builtin map with a callback; more by push, not
  // map: map's result is a holey array, and states with packed and holey frame lists make every
  // `s.frames` site polymorphic (cur() deopted ten times over the corpus for it)
  const fr = s.frames;
  let frames: Frame[];
  if (fr.length === 1) frames = [cloneFrame(fr[0])];
  else {
    frames = [];
    for (let i = 0; i < fr.length; i++) frames.push(cloneFrame(fr[i]));
  }
  const c: State = { frames, refs: s.refs };
  if (s.mayGotoDepth) c.mayGotoDepth = s.mayGotoDepth;
  return c;
}

/** A fresh frame: all registers not_init except r10 = fp of this frame. */
export function newFrame(frameno: number, callsite: number, subprog: number): Frame {
  // a literal, like copyRegs' copies (one elements kind for every frame's registers)
  const regs: Reg[] = [NOT_INIT, NOT_INIT, NOT_INIT, NOT_INIT, NOT_INIT, NOT_INIT, NOT_INIT, NOT_INIT, NOT_INIT, NOT_INIT, ptrReg('fp', { map: frameno })];
  return { regs, stack: [], shared: false, callsite, subprog, frameno };
}

/** Apply f to every register of every frame, including spilled ones (bpf_for_each_reg_in_vstate). */
export function mapAllRegs(s: State, f: (r: Reg) => Reg): void {
  mapAllRegsBy(s, applyTo, f, undefined, undefined);
}

const applyTo = (r: Reg, f: (r: Reg) => Reg): Reg => f(r);

/**
 * mapAllRegs without a closure per call: `f(r, a, b, c)` replaces every register and spilled
 * register of every frame (the per-branch walks, mark_ptr_or_null_regs and find_good_pkt_pointers,
 * pass a module-level `f` and their values as arguments).
 */
export function mapAllRegsBy<A, B, C>(s: State, f: (r: Reg, a: A, b: B, c: C) => Reg, a: A, b: B, c: C): void {
  for (const fr of s.frames) {
    for (let i = 0; i < 11; i++) {
      const r = fr.regs[i];
      const n = f(r, a, b, c);
      if (n !== r) fr.regs[i] = n;
    }
    for (let i = 0; i < fr.stack.length; i++) {
      const sl = fr.stack[i];
      if (sl?.spilled) {
        const n = f(sl.spilled, a, b, c);
        if (n !== sl.spilled) ownStack(fr)[i] = slotOf(sl.types, n);
      }
    }
  }
}
