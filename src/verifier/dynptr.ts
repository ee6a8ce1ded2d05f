// Dynptrs on the stack (Linux 6.18 process_dynptr_func and its helpers): a struct bpf_dynptr is
// two 8-byte slots of STACK_DYNPTR ('d' bytes) whose first (lower) slot carries the kind, the
// dynptr's id and, for a ring-buffer dynptr, the reference it holds. Writing over a dynptr
// destroys it (refused for a referenced one), and the slices bpf_dynptr_data handed out from it
// become unknown scalars with it.
import type { Env } from './env.ts';
import { type Reg, NOT_INIT, SCALAR_UNKNOWN, isConst, s64 } from './regs.ts';
import { type Frame, type State, mapAllRegs, ownStack } from './state.ts';
import { acquireRef, releaseRef } from './refs.ts';
import { slotOf } from './stack.ts';

export type DynptrKind = 'local' | 'ringbuf';

/** bpf_reg_state.dynptr of a STACK_DYNPTR slot, with the id and ref_obj_id it carries. */
export interface DynptrMeta {
  readonly kind: DynptrKind;
  readonly first: boolean;
  readonly id: number;
  /** Held reference (ring-buffer dynptrs), 0 for none. */
  readonly ref: number;
}

const NR_SLOTS = 2;
const DYNPTR = 'dddddddd';
const INVALID = '????????';

export const isDynptrSlot = (f: Frame, spi: number): boolean => f.stack[spi]?.types[0] === 'd';

/** stack_slot_obj_get_spi: the dynptr's first slot, or the message why not (null: out of the allocated stack, -ERANGE). */
function dynptrSpi(f: Frame, r: Reg): number | string | null {
  if (!isConst(r.v)) return 'dynptr has to be at a constant offset';
  const off = r.off + Number(s64(r.v.varOff.value));
  if (off % 8) return `cannot pass in dynptr at an offset=${off}`;
  const spi = Math.trunc((-off - 1) / 8);
  if (spi + 1 < NR_SLOTS) return `cannot pass in dynptr at an offset=${off}`;
  if (spi >= f.stack.length) return null;
  return spi;
}

/** mark_reg_invalid for every slice of the dynptr `id`. */
function invalidateSlices(env: Env, st: State, id: number): void {
  const gone = env.privileged ? SCALAR_UNKNOWN : NOT_INIT;
  mapAllRegs(st, (r) => ((r.type === 'mem' || r.type === 'mem_or_null') && r.dynptrId === id ? gone : r));
}

function clearPair(f: Frame, spi: number): void {
  ownStack(f)[spi] = slotOf(INVALID);
  ownStack(f)[spi - 1] = slotOf(INVALID);
}

/** destroy_if_dynptr_stack_slot: a write into slot `spi` of `f`. The rejection's message, or undefined. */
export function destroyIfDynptr(env: Env, st: State, f: Frame, spi: number): string | undefined {
  if (!isDynptrSlot(f, spi)) return undefined;
  let first = spi;
  if (!f.stack[spi]!.dynptr?.first) first = spi + 1;
  const meta = f.stack[first]?.dynptr;
  if (meta?.kind === 'ringbuf') return 'cannot overwrite referenced dynptr';
  clearPair(f, first);
  if (meta) invalidateSlices(env, st, meta.id);
  return undefined;
}

/** An argument that must be a stack pointer (check_reg_type for ARG_PTR_TO_DYNPTR): the rejection's message, or undefined. */
function stackArgFault(r: Reg, regno: number): string | undefined {
  return r.type !== 'fp' ? `R${regno} type=${r.type === 'not_init' ? '?' : r.type} expected=fp, dynptr_ptr` : undefined;
}

/**
 * A dynptr argument the helper initialises (MEM_UNINIT): the 16 bytes are written (through
 * `write`, which destroys unreferenced dynptrs there and returns its rejection's message), then
 * marked as a new dynptr; a ring-buffer one acquires a reference. The rejection's message, or undefined.
 */
export function initDynptrArg(env: Env, st: State, pc: number, regno: number, kind: DynptrKind, write: (off: number) => string | undefined): string | undefined {
  const r = st.frames[st.frames.length - 1].regs[regno];
  let bad = stackArgFault(r, regno);
  if (bad !== undefined) return bad;
  const f = st.frames[r.map];
  const spi0 = dynptrSpi(f, r);
  if (typeof spi0 === 'string') return `${spi0}\nDynptr has to be an uninitialized dynptr`;
  if ((bad = write(0) ?? write(8)) !== undefined) return bad;
  const spi = dynptrSpi(f, r) as number;
  if ((bad = destroyIfDynptr(env, st, f, spi) ?? destroyIfDynptr(env, st, f, spi - 1)) !== undefined) return bad;
  const id = ++env.idGen;
  const ref = kind === 'ringbuf' ? acquireRef(env, st, pc) : 0;
  ownStack(f)[spi] = slotOf(DYNPTR, undefined, { kind, first: true, id, ref });
  ownStack(f)[spi - 1] = slotOf(DYNPTR, undefined, { kind, first: false, id, ref });
  return undefined;
}

/**
 * is_dynptr_reg_valid_init and is_dynptr_type_expected: the initialised dynptr an argument
 * points to, or the rejection's message.
 */
export function usedDynptrArg(st: State, regno: number, kind?: DynptrKind): DynptrMeta | string {
  const r = st.frames[st.frames.length - 1].regs[regno];
  const bad = stackArgFault(r, regno);
  if (bad !== undefined) return bad;
  const f = st.frames[r.map];
  const spi = dynptrSpi(f, r);
  if (typeof spi === 'string') return `${spi}\nExpected an initialized dynptr as arg #${regno - 1}`;
  const meta = typeof spi === 'number' ? f.stack[spi]?.dynptr : undefined;
  const ok = typeof spi === 'number' && meta?.first && isDynptrSlot(f, spi) && isDynptrSlot(f, spi - 1) && f.stack[spi]!.types === DYNPTR && f.stack[spi - 1]!.types === DYNPTR;
  if (!ok || !meta) return `Expected an initialized dynptr as arg #${regno - 1}`;
  if (kind && meta.kind !== kind) return `Expected a dynptr of type ${kind} as arg #${regno - 1}`;
  return meta;
}

/** The release checks of an OBJ_RELEASE dynptr argument (check_func_arg), before it is checked as initialised: the rejection's message, or undefined. */
export function releasedDynptrArg(st: State, regno: number): string | undefined {
  const r = st.frames[st.frames.length - 1].regs[regno];
  const bad = stackArgFault(r, regno);
  if (bad !== undefined) return bad;
  const f = st.frames[r.map];
  const spi = dynptrSpi(f, r);
  if (typeof spi === 'string') return `${spi}\narg ${regno} is an unacquired reference`;
  if (typeof spi !== 'number' || !f.stack[spi]?.dynptr?.ref) return `arg ${regno} is an unacquired reference`;
  return undefined;
}

/** unmark_stack_slots_dynptr: the helper released the dynptr; its reference, slices and clones go with it. */
export function releaseDynptr(env: Env, st: State, regno: number): void {
  const r = st.frames[st.frames.length - 1].regs[regno];
  const f = st.frames[r.map];
  const spi = dynptrSpi(f, r) as number;
  const meta = f.stack[spi]!.dynptr!;
  if (meta.kind !== 'ringbuf') return clearPair(f, spi);
  releaseRef(env, st, meta.ref);
  for (let i = 1; i < f.stack.length; i++) {
    const m = f.stack[i]?.dynptr;
    if (m && m.ref === meta.ref && m.first) clearPair(f, i);
  }
}
