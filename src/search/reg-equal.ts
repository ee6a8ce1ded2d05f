// Registers that hold the same 64-bit value before each slot, on every path from the entry: a
// must-analysis of register copies (`rX = rY`, 64-bit). A window proof takes these equalities
// as its precondition, so a copy that repeats one already made on every path to it can be
// deleted (xdp_router_ipv4's `r6 = r0` before the ARP lookup, where r0 = r6 already holds).
// Each register carries a class label; two registers are equal where their labels agree.
import { clobbers, defs, solveForward, type Slots } from '../isa/flow.ts';
import type { Op } from '../isa/op.ts';

const N = 11;

/** Relabel so that each register's label is the lowest register of its class. */
function normalize(s: Uint8Array): void {
  const labels = s.slice();
  for (let r = 0; r < N; r++) {
    let first = r;
    for (let q = 0; q < r; q++) if (labels[q] === labels[r]) { first = q; break; }
    s[r] = first;
  }
}

/**
 * For each slot (11 entries per slot), the lowest register holding the same value as each
 * register before it, on every path; slots never reached are all distinct.
 */
export function equalRegs(s: Slots): Uint8Array {
  const states = new Uint8Array(s.end * N);
  const reached = new Uint8Array(s.end);
  for (let i = 0; i < states.length; i++) states[i] = i % N; // all distinct
  const out = new Uint8Array(N);
  reached[0] = 1;
  solveForward(s, {
    transfer(pc: number, op: Op | null): void {
      out.set(states.subarray(pc * N, pc * N + N));
      if (!op) return;
      const copy = op.kind === 'alu' && op.op === 'mov' && op.width === 64 && !op.ext && 'reg' in op.src;
      const written = defs(op) | clobbers(op);
      for (let r = 0; r < N; r++) if (written & (1 << r)) out[r] = N + r; // a fresh label of its own
      if (copy && op.kind === 'alu' && 'reg' in op.src) out[op.dst] = out[op.src.reg];
      normalize(out);
    },
    join(to: number): boolean {
      const at = to * N;
      if (!reached[to]) {
        reached[to] = 1;
        states.set(out, at);
        return true;
      }
      // equal after the join only where equal on both sides: the pair of labels is the class
      let changed = false;
      const next = new Uint8Array(N);
      for (let r = 0; r < N; r++) {
        let first = r;
        for (let q = 0; q < r; q++) if (states[at + q] === states[at + r] && out[q] === out[r]) { first = q; break; }
        next[r] = first;
      }
      for (let r = 0; r < N; r++) if (next[r] !== states[at + r]) changed = true;
      states.set(next, at);
      return changed;
    },
    joinCallee(_pc: number, to: number): boolean {
      // a subprogram's entry: assume nothing (its callers are not followed here)
      const at = to * N;
      let changed = !reached[to];
      reached[to] = 1;
      for (let r = 0; r < N; r++) {
        if (states[at + r] !== r) changed = true;
        states[at + r] = r;
      }
      return changed;
    },
  });
  return states;
}
