// What a verifier state holds, by identity (its registers, stack slots and reference list are
// immutable objects, so a write anywhere in it replaces one of them): for tests that a state, or
// a copy of it, was never written.
import type { State } from '../../src/verifier/state.ts';

/** The state's reference list and depth, then per frame its call site, registers and stack slots. */
export function image(s: State): unknown[] {
  const out: unknown[] = [s.refs, s.mayGotoDepth ?? 0, s.frames.length];
  for (const f of s.frames) {
    out.push(f.callsite, f.regs.length, ...f.regs, f.stack.length);
    for (let i = 0; i < f.stack.length; i++) out.push(f.stack[i]);
  }
  return out;
}

/** The first item at which two images differ by identity (-1: none). */
export function imageDiff(a: readonly unknown[], b: readonly unknown[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}
