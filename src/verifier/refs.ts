// Acquired references (Linux 6.18 acquire_reference / release_reference / check_reference_leak):
// a helper such as bpf_ringbuf_reserve hands out an object the program must give back on every
// path; the state lists the references held, and every register or spilled copy of the object
// carries its ref_obj_id so that releasing it invalidates them all.
import type { Env } from './env.ts';
import { NOT_INIT, SCALAR_UNKNOWN } from './regs.ts';
import { type State, mapAllRegs } from './state.ts';

/** acquire_reference: a fresh id, held from instruction `insn`. */
export function acquireRef(env: Env, st: State, insn: number): number {
  const id = ++env.idGen;
  // a new list, never a push: state copies share the list (see State.refs)
  st.refs = [...st.refs, { id, insn }];
  return id;
}

/** release_reference_nomark: drop the reference from the list; false when it is not held. */
export function dropRef(st: State, id: number): boolean {
  const i = st.refs.findIndex((r) => r.id === id);
  if (i < 0) return false;
  st.refs = st.refs.filter((_, j) => j !== i);
  return true;
}

/**
 * release_reference: drop the reference and invalidate every copy (mark_reg_invalid: an unknown
 * scalar when pointer leaks are allowed, i.e. privileged; not_init otherwise).
 */
export function releaseRef(env: Env, st: State, id: number): boolean {
  if (!dropRef(st, id)) return false;
  const gone = env.privileged ? SCALAR_UNKNOWN : NOT_INIT;
  mapAllRegs(st, (r) => (r.refObj === id ? gone : r));
  return true;
}

/**
 * check_resource_leak at a point the program leaves through (exit of the main frame, tail call,
 * LD_ABS): the rejection's message, or undefined when no reference is held.
 */
export function leakFault(st: State, where: string): string | undefined {
  if (!st.refs.length) return undefined;
  const lines = st.refs.map((r) => `Unreleased reference id=${r.id} alloc_insn=${r.insn}`);
  return `${lines.join('\n')}\n${where} would lead to reference leak`;
}
