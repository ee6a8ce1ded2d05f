// Z3 proof that a candidate computes what the original computes. First the whole program
// (src/smt programEquiv: same r0, packet, maps and helper calls for every input). When Z3
// cannot decide that (a loop, a helper without a model, a timeout), the changed windows
// instead: the search changes only straight-line slots and keeps control flow, so if every
// changed window, started from the same state, leaves the same values in every register live
// after it (in the original or in the candidate) and the same memory and helper effects, the
// two programs agree at every point on the registers either can still read — by induction
// along any execution — hence on everything observable. A candidate that changes a jump (a
// tail merge) breaks that premise and is proved by the whole program only.
//
// Window typing: a register's type at a window's start comes from the pointer-kind analysis
// (ctx, packet, stack, map value); memory through a register of unknown kind makes the window
// undecided instead of being guessed, since it might alias the stack or the packet.
import type { Insn } from '../isa/insn.ts';
import type { Op } from '../isa/op.ts';
import { jumpSlot, liveRegs } from '../isa/flow.ts';
import { helperArgsFor } from '../isa/protos.ts';
import { PSEUDO } from '../isa/opcodes.ts';
import type { Program, ProgType } from '../isa/program.ts';
import type { WindowRegType } from '../smt/equiv.ts';
import type { EquivService } from '../smt/isolated.ts';
import { isMapValue, kindMap, kindType, MAP_VALUE_SOME, type Kind } from './ptrkinds.ts';
import type { Candidate, Original } from './candidate.ts';
import { equalRegs } from './reg-equal.ts';
import type { Slot } from './proposals.ts';
import type { MapPreset } from './tests.ts';
import { ctxKind } from '../interp/context.ts';

export type Proof =
  | { ok: true; how: string }
  | { ok: false; stage: 'z3' | 'z3-unknown'; reason: string; counterexample?: Uint8Array; counterexampleMaps?: MapPreset[] };

// lddw is straight-line too (a constant or a map's address, no effect): a window may run through
// it, so a change on one side of `r1 = map ll` can be proved together with one on the other
// (xdp_router_ipv4: `r6 = (s32)r6; r1 = tx_port ll; r2 = r6` → `r1 = tx_port ll; r2 = (s32)r6`).
// The search never changes an lddw, so both sides run the same one.
const STRAIGHT = new Set(['alu', 'end', 'ldx', 'st', 'stx', 'atomic', 'lddw']);
/**
 * Registers live before each slot (bit sets, end + 1 entries), with deleted (null, non-lddw) slots
 * as no-ops: the flow core's liveness, helpers reading their prototype's arguments.
 */
export function liveness(ops: readonly Slot[], end: number, isDeleted: (pc: number) => boolean, type?: ProgType): Uint16Array {
  return liveRegs({ ops, end, deleted: isDeleted }, helperArgsFor(type));
}

/** Maximal runs of straight-line slots, not entered in the middle, that contain a change. */
export function changedWindows(cand: Candidate): [number, number][] {
  const orig = cand.original.ops, end = cand.original.end;
  const targets = cand.original.jumpTargets;
  // an lddw's second slot (null in the ops) belongs to the lddw before it
  const straight = (pc: number): boolean => (orig[pc] ? STRAIGHT.has(orig[pc]!.kind) : pc > 0 && orig[pc - 1]?.kind === 'lddw');
  const same = (pc: number): boolean => !cand.changed(pc);
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
function changedSpan(cand: Candidate, a: number, b: number): [number, number] {
  let c = a, d = b;
  while (c < d && !cand.changed(c)) c++;
  while (d > c && !cand.changed(d - 1)) d--;
  return [c, d];
}

/** The window type of a pre-filter kind: its model type where a window can take it. */
function regTypeOf(kind: Kind): WindowRegType | undefined {
  const t = kindType(kind);
  if (t === 'ctx' || t === 'pkt' || t === 'fp') return t;
  if (isMapValue(kind) && kind !== MAP_VALUE_SOME) return { type: 'map_value', map: kindMap(kind) };
  return undefined; // scalar or unknown: scalar, and memory through it is refused
}

/**
 * Window types of the registers at a window's start. A value of one of several maps
 * (MAP_VALUE_SOME: xdp_router_ipv4's MAC source, from either of two lookups) has no map of its
 * own, so when one is present every map-value register at the start is typed as a value of one
 * shared region: the first writable map's table, each register with its own free key and offset
 * into it. Z3 then proves the window for every way the registers may overlap (same key, any
 * distance) as well as for disjoint values; every real state embeds in that model (distinct maps
 * as distinct keys), so a proof there holds whichever maps they are. `mapValueLddw`: the window
 * loads a map value's address itself (lddw); that value lives in its own map's table, which the
 * shared region would wrongly keep apart from it, so the SOME registers then stay untyped and
 * memory through them leaves the window undecided.
 */
export function windowRegTypes(kinds: Uint16Array, at: number, maps: Program['maps'], mapValueLddw = false): Record<number, WindowRegType> {
  const out: Record<number, WindowRegType> = {};
  const mapRegs: number[] = [];
  let some = false;
  for (let r = 0; r < 10; r++) {
    const k = kinds[at * 11 + r];
    if (isMapValue(k)) mapRegs.push(r);
    if (k === MAP_VALUE_SOME) some = true;
    const t = regTypeOf(k);
    if (t) out[r] = t;
  }
  const shared = maps.findIndex((m) => !m.readonly);
  if (some && shared >= 0 && !mapValueLddw) for (const r of mapRegs) out[r] = { type: 'map_value', map: shared };
  return out;
}

/** Does the code load a map value's address (lddw of a map value)? */
export function loadsMapValue(code: readonly (Op | null)[]): boolean {
  return code.some((o) => o?.kind === 'lddw' && (o.pseudo === PSEUDO.MAP_VALUE || o.pseudo === PSEUDO.MAP_IDX_VALUE));
}

const equalCache = new WeakMap<Original, Uint8Array>();
/** Register equalities before each slot of the original (computed once per original). */
function equalAt(o: Original): Uint8Array {
  let e = equalCache.get(o);
  if (!e) equalCache.set(o, (e = equalRegs({ ops: o.ops, end: o.end })));
  return e;
}

/** Prove the candidate (`insns`: it materialized) equivalent to its original, by `equiv`'s Z3 process. */
export async function proveEquivalent(equiv: EquivService, cand: Candidate, insns: readonly Insn[], timeoutMs = 20_000): Promise<Proof> {
  try {
    return await prove(equiv, cand, insns, timeoutMs);
  } catch (e) {
    // the solver failing is no proof: the candidate is refused, the search goes on
    return { ok: false, stage: 'z3-unknown', reason: `Z3 failed: ${(e as Error).message}` };
  }
}

/**
 * Does the candidate change a slot other than a straight-line one (a jump retargeted by a tail
 * merge)? Then the window argument fails: control may reach a window from elsewhere, or leave
 * it for elsewhere, so equal windows prove nothing, and only the whole program can.
 */
export function changesControl(cand: Candidate): boolean {
  const orig = cand.original.ops;
  for (let pc = 0; pc < orig.length; pc++) {
    const o = orig[pc];
    if (o && !STRAIGHT.has(o.kind) && cand.changed(pc)) return true;
  }
  return false;
}

async function prove(equiv: EquivService, cand: Candidate, insns: readonly Insn[], timeoutMs: number): Promise<Proof> {
  const program = cand.original.program;
  if (changesControl(cand)) return proveWhole(equiv, program, insns, timeoutMs, 'the control flow changed: no window proof applies');
  // The changed windows first: cheap, and enough for most changes. The whole program only when
  // they do not prove it: a change across windows, or a refutation with a counterexample. (Once
  // LPM tries and values of either of two maps had a model, xdp_router_ipv4's whole-program
  // query ran into its time cap under load on every candidate, which its windows prove in 0.2 s.)
  const windows = changedWindows(cand);
  const byWindows = await proveWindows(equiv, cand, windows, timeoutMs);
  if (byWindows.equal === true) return { ok: true, how: `Z3 equivalence of ${windows.length} changed window${windows.length === 1 ? '' : 's'}` };
  const [a, b] = byWindows.at;
  const whole = await proveWhole(equiv, program, insns, timeoutMs, `window ${a}-${b - 1}: ${byWindows.unknown}`);
  if (whole.ok || whole.stage === 'z3') return whole;
  if (byWindows.equal === false) return { ok: false, stage: 'z3', reason: `window ${a}-${b - 1} not equivalent` };
  return whole;
}

/** The whole-program query; `besides`: why nothing else decided it, for an unknown answer. */
async function proveWhole(equiv: EquivService, program: Program, insns: readonly Insn[], timeoutMs: number, besides: string): Promise<Proof> {
  const whole = await equiv.programEquiv(program, insns, { timeoutMs });
  if (whole.equal === true) return { ok: true, how: 'Z3 equivalence' };
  if (whole.equal === false) {
    // the input that tells them apart becomes a test: the packet, or the context bytes
    const cex = whole.counterexample;
    const counterexampleMaps = cex.maps.filter((e) => e.present).map((e) => ({ map: e.map, key: e.key, value: e.value }));
    return { ok: false, stage: 'z3', reason: 'not equivalent', counterexample: ctxKind(program.type) === 'raw' ? cex.ctx : cex.packet, counterexampleMaps };
  }
  return { ok: false, stage: 'z3-unknown', reason: `whole program: ${whole.unknown}; ${besides}` };
}

/** The changed windows, each proved alone: equal when every one is; else the first that is not. */
async function proveWindows(equiv: EquivService, cand: Candidate, windows: [number, number][], timeoutMs: number): Promise<{ equal: boolean | null; at: [number, number]; unknown?: string }> {
  const o: Original = cand.original;
  const program = o.program;
  const orig = o.ops, liveO = o.liveness, kinds = o.kinds, slots = cand.ops;
  const liveC = liveness(slots, o.end, cand.isDeleted, program.type);
  const windowQuery = (a: number, b: number) => {
    const before = orig.slice(a, b).filter((o): o is Op => o !== null);
    const after = slots.slice(a, b).filter((o): o is Op => o !== null);
    const regTypes = windowRegTypes(kinds, a, program.maps, loadsMapValue(before) || loadsMapValue(after));
    const liveOut = (liveO[b] | liveC[b]) & 0x3ff;
    const regEqual = Array.from(equalAt(o).subarray(a * 11, a * 11 + 11));
    return equiv.windowEquiv(before, after, { liveOut, regTypes, regEqual, maps: program.maps, progType: program.type, timeoutMs, untypedAsMem: false });
  };
  for (const [a, b] of windows) {
    let w = await windowQuery(a, b);
    // undecided: the changed part alone (control enters a straight run only at its top, so the
    // unchanged slots before it leave both programs in the same state at its start)
    const [c, d] = changedSpan(cand, a, b);
    if (w.equal === null && (c > a || d < b)) w = await windowQuery(c, d);
    if (w.equal !== true) return { equal: w.equal, at: [a, b], unknown: w.equal === null ? w.unknown : undefined };
  }
  return { equal: true, at: [0, 0] };
}
