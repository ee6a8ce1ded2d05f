// Z3 proof that a candidate computes what the original computes. First the whole program
// (src/smt programEquiv: same r0, packet, maps and helper calls for every input). When Z3
// cannot decide that (a loop, a helper without a model, a timeout), the changed windows
// instead: the search changes only straight-line slots and keeps control flow, so if every
// changed window, started from the same state, leaves the same values in every register live
// after it (in the original or in the candidate) and the same memory and helper effects, the
// two programs agree at every point on the registers either can still read — by induction
// along any execution — hence on everything observable.
//
// Window typing: a register's type at a window's start comes from the pointer-kind analysis
// (ctx, packet, stack, map value); memory through a register of unknown kind makes the window
// undecided instead of being guessed, since it might alias the stack or the packet.
import type { Insn } from '../isa/insn.ts';
import { toOps, type Op } from '../isa/op.ts';
import { jumpSlot, liveRegs } from '../isa/flow.ts';
import { helperArgsFor } from '../isa/protos.ts';
import type { Program, ProgType } from '../isa/program.ts';
import type { RegType } from '../smt/equiv.ts';
import { programEquivIsolated, windowEquivIsolated } from '../smt/isolated.ts';
import { pointerKinds, CTX, PKT, STACK, MAP_VALUE } from './ptrkinds.ts';
import type { Slot } from './proposals.ts';
import type { MapPreset } from './tests.ts';
import { ctxKind } from '../interp/context.ts';

export type Proof =
  | { ok: true; how: string }
  | { ok: false; stage: 'z3' | 'z3-unknown'; reason: string; counterexample?: Uint8Array; counterexampleMaps?: MapPreset[] };

const STRAIGHT = new Set(['alu', 'end', 'ldx', 'st', 'stx', 'atomic']);
/**
 * Registers live before each slot (bit sets, end + 1 entries), with deleted (null, non-lddw) slots
 * as no-ops: the flow core's liveness, helpers reading their prototype's arguments.
 */
export function liveness(ops: readonly Slot[], end: number, isDeleted: (pc: number) => boolean, type?: ProgType): Uint16Array {
  return liveRegs({ ops, end, deleted: isDeleted }, helperArgsFor(type));
}

/** Maximal runs of straight-line slots, not entered in the middle, that contain a change. */
export function changedWindows(orig: readonly Slot[], cand: readonly Slot[], end: number): [number, number][] {
  const targets = new Set<number>();
  for (let pc = 0; pc < end; pc++) {
    const op = orig[pc];
    if (op && jumpSlot(op, pc) >= 0) targets.add(jumpSlot(op, pc));
  }
  const straight = (pc: number): boolean => !!orig[pc] && STRAIGHT.has(orig[pc]!.kind);
  const same = (pc: number): boolean => JSON.stringify(orig[pc]) === JSON.stringify(cand[pc]);
  const out: [number, number][] = [];
  for (let pc = 0; pc < end;) {
    if (!straight(pc)) {
      pc++;
      continue;
    }
    let b = pc + 1;
    while (b < end && straight(b) && !targets.has(b)) b++;
    let changed = false;
    for (let i = pc; i < b; i++) if (!same(i)) changed = true;
    if (changed) out.push([pc, b]);
    pc = b;
  }
  return out;
}

/** The slots [c, d) of window [a, b) from the first to the last that differ. */
function changedSpan(orig: readonly Slot[], cand: readonly Slot[], a: number, b: number): [number, number] {
  const same = (pc: number): boolean => JSON.stringify(orig[pc]) === JSON.stringify(cand[pc]);
  let c = a, d = b;
  while (c < d && same(c)) c++;
  while (d > c && same(d - 1)) d--;
  return [c, d];
}

function regTypeOf(kind: number): RegType | undefined {
  if (kind === CTX) return 'ctx';
  if (kind === PKT) return 'pkt';
  if (kind === STACK) return 'stack';
  if (kind >= MAP_VALUE) return { map: kind - MAP_VALUE };
  return undefined; // scalar or unknown: scalar, and memory through it is refused
}

/** The original's decoded slots, liveness and pointer kinds: computed once per program, not per proof. */
const analysed = new WeakMap<Program, { orig: Slot[]; liveO: Uint16Array; kinds: Uint8Array }>();
function originalAnalyses(program: Program): { orig: Slot[]; liveO: Uint16Array; kinds: Uint8Array } {
  let a = analysed.get(program);
  if (!a) {
    const orig = toOps(program.insns), end = program.insns.length;
    a = { orig, liveO: liveness(orig, end, () => false, program.type), kinds: pointerKinds(orig, end, program.type, () => false).rows };
    analysed.set(program, a);
  }
  return a;
}

/** Prove the candidate (slots over the original's, null = deleted where `deleted`) equivalent. */
export async function proveEquivalent(program: Program, insns: readonly Insn[], slots: readonly Slot[], deleted: ReadonlySet<number>, timeoutMs = 20_000): Promise<Proof> {
  try {
    return await prove(program, insns, slots, deleted, timeoutMs);
  } catch (e) {
    // the solver failing is no proof: the candidate is refused, the search goes on
    return { ok: false, stage: 'z3-unknown', reason: `Z3 failed: ${(e as Error).message}` };
  }
}

async function prove(program: Program, insns: readonly Insn[], slots: readonly Slot[], deleted: ReadonlySet<number>, timeoutMs: number): Promise<Proof> {
  const whole = await programEquivIsolated(program, insns, { timeoutMs });
  if (whole.equal === true) return { ok: true, how: 'Z3 equivalence' };
  if (whole.equal === false) {
    // the input that tells them apart becomes a test: the packet, or the context bytes
    const cex = whole.counterexample;
    const counterexampleMaps = cex.maps.filter((e) => e.present).map((e) => ({ map: e.map, key: e.key, value: e.value }));
    return { ok: false, stage: 'z3', reason: 'not equivalent', counterexample: ctxKind(program.type) === 'raw' ? cex.ctx : cex.packet, counterexampleMaps };
  }
  const { orig, liveO, kinds } = originalAnalyses(program);
  const end = program.insns.length;
  const isDel = (pc: number): boolean => deleted.has(pc);
  const liveC = liveness(slots, end, isDel, program.type);
  const windows = changedWindows(orig, slots, end);
  const windowQuery = (a: number, b: number) => {
    const regTypes: Record<number, RegType> = {};
    for (let r = 0; r < 10; r++) {
      const t = regTypeOf(kinds[a * 11 + r]);
      if (t) regTypes[r] = t;
    }
    const before = orig.slice(a, b).filter((o): o is Op => o !== null);
    const after = slots.slice(a, b).filter((o): o is Op => o !== null);
    const liveOut = (liveO[b] | liveC[b]) & 0x3ff;
    return windowEquivIsolated(before, after, { liveOut, regTypes, maps: program.maps, progType: program.type, timeoutMs, untypedAsMem: false });
  };
  for (const [a, b] of windows) {
    let w = await windowQuery(a, b);
    // undecided: the changed part alone (control enters a straight run only at its top, so the
    // unchanged slots before it leave both programs in the same state at its start)
    const [c, d] = changedSpan(orig, slots, a, b);
    if (w.equal === null && (c > a || d < b)) w = await windowQuery(c, d);
    if (w.equal === false) return { ok: false, stage: 'z3', reason: `window ${a}-${b - 1} not equivalent` };
    if (w.equal === null) return { ok: false, stage: 'z3-unknown', reason: `whole program: ${whole.unknown}; window ${a}-${b - 1}: ${w.unknown}` };
  }
  return { ok: true, how: `Z3 equivalence of ${windows.length} changed window${windows.length === 1 ? '' : 's'} (whole program: ${whole.unknown})` };
}
