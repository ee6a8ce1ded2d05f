// Resuming a baseline's exploration in a candidate of another length (slots deleted, the
// optimizer's materialize: src/isa/edit.ts deleteSlots, jumps re-targeted to the next surviving
// slot). The incremental checker resumes from a snapshot taken before the exploration touched
// any deleted slot or any slot that differs once renumbered, so the snapshot's exploration is the
// candidate's up to the numbers of the slots it names, which this module renumbers: checkpoints
// and their states (call sites, function starts, references' instructions) and jump histories,
// the pending paths (whose next slot may be a deleted one: the next surviving slot, where the
// re-targeted jump leads), the per-instruction tables, the stack liveness (stack-liveness.ts
// `renumber`) and the explored lists, hashed by (instruction ^ call site) % program length: each
// list moves to its key's bucket under the new length, valid only when no list mixes two keys
// under either length (`keysApart`; otherwise the counts of states per list would differ).
import type { Insn } from '../isa/insn.ts';
import { isOtherKind } from '../isa/flow.ts';
import type { Cfg } from './cfg.ts';
import { bucketOf, type Checkpoint, type Ctx } from './analyze.ts';
import type { Hist } from './precision.ts';
import type { Frame, State } from './state.ts';

/** A candidate's slots as renumbered from its baseline's (deletions only). */
export interface Renumbering {
  /** Per baseline slot: its slot in the candidate, -1 when deleted. */
  readonly map: Int32Array;
  /** The first deleted slot (every slot before it keeps its number). */
  readonly first: number;
  /** The candidate's length. */
  readonly n: number;
}

/**
 * The renumbering `oldToNew` describes, or why it cannot serve: slots inserted (a candidate
 * longer than the surviving slots), or a map that is not deleteSlots' (not increasing by one).
 */
export function renumbering(oldToNew: Int32Array, n: number, nNew: number): Renumbering | string {
  if (oldToNew.length !== n) return 'renumbering of another length';
  let k = 0, first = -1;
  for (let i = 0; i < n; i++) {
    const j = oldToNew[i];
    if (j < 0) {
      if (first < 0) first = i;
      continue;
    }
    if (j !== k) return j > k ? 'slots inserted' : 'renumbering not increasing';
    k++;
  }
  if (k !== nNew) return k < nNew ? 'slots inserted' : 'renumbering not onto the candidate';
  if (first < 0) return 'nothing deleted';
  return { map: oldToNew, first, n: nNew };
}

/** Where baseline slot t (or the end, n) leads in the candidate: itself, or the next slot that survived. */
export function renumbered(r: Renumbering, t: number): number {
  const m = r.map;
  while (t < m.length && m[t] < 0) t++;
  return t < m.length ? m[t] : r.n;
}

/**
 * Is candidate instruction b (at slot j) baseline instruction a (at slot i), its jump or local
 * call re-targeted as deleteSlots re-targets it?
 */
export function sameRenumbered(a: Insn, b: Insn, i: number, j: number, r: Renumbering): boolean {
  if (a === b && !jumpsFrom(a)) return true;
  if (a.code !== b.code || a.dst !== b.dst || a.src !== b.src) return false;
  if (!jumpsFrom(a)) return a.off === b.off && a.imm === b.imm;
  const c = a.code;
  if ((c & 0xf0) === 0x80) return a.off === b.off && b.imm === renumbered(r, i + 1 + a.imm) - j - 1;
  if (c === 0x06) return a.off === b.off && b.imm === renumbered(r, Math.min(Math.max(i + 1 + a.imm, 0), r.map.length)) - j - 1;
  const t = i + 1 + a.off;
  return a.imm === b.imm && t >= 0 && t <= r.map.length && b.off === renumbered(r, t) - j - 1;
}

/** Does deleteSlots re-target this instruction (a jump other than exit, or a local call)? */
function jumpsFrom(x: Insn): boolean {
  const cls = x.code & 7, op = x.code & 0xf0;
  if ((cls !== 5 && cls !== 6) || op === 0x90) return false;
  return op !== 0x80 || x.src === 1;
}

/** The slot of the main function (call site -1) whose list is bucket b in a program of n slots. */
const mainSlotOf = (b: number, n: number): number => (0xffffffff - b) % n;

/**
 * Do the first `count` keys of `keys` (instruction, call site: the subprogram frames' prune
 * visits, in the order first made) each have a list of their own in a program of n slots, with
 * no main-function instruction `mainVisited` says was visited there either? (Main-function keys
 * never share a list: (~pc) % n differs for every pc below n.)
 */
export function keysApart(keys: readonly number[], count: number, n: number, mainVisited: (pc: number) => boolean): boolean {
  const seen = count > 1 ? new Set<number>() : undefined;
  for (let k = 0; k < count; k++) {
    const b = bucketOf(keys[2 * k], keys[2 * k + 1], n);
    if (seen) {
      if (seen.has(b)) return false;
      seen.add(b);
    }
    if (mainVisited(mainSlotOf(b, n))) return false;
  }
  return true;
}

/** The context fields `renumberCtx` knows (a field added later may name slots: such a context is not renumbered). */
const KNOWN = new Set(['processed', 'jmps', 'prevJmps', 'prevInsns', 'totalStates', 'peakStates', 'maxPer', 'idGen', 'path', 'stack', 'explored', 'toClean', 'stackDepth', 'ptrTypes', 'aluAux', 'tailMaps', 'live', 'imms', 'mainBucket', 'lazy', 'shared']);

/** Can a copy of snapshot context c be renumbered (its fields all known)? */
export function renumberable(c: Ctx): boolean {
  for (const k in c) if (!KNOWN.has(k)) return false;
  return true;
}

/** Per candidate slot: the baseline slot it was. */
export function inverse(r: Renumbering): Int32Array {
  const back = new Int32Array(r.n);
  for (let i = 0; i < r.map.length; i++) if (r.map[i] >= 0) back[r.map[i]] = i;
  return back;
}

/** A slot the snapshot names (touched before it, so never deleted) in the candidate; -1 stays. */
const to = (r: Renumbering, pc: number): number => (pc < 0 ? pc : r.map[pc]);

/**
 * A jump history with its instructions renumbered (its pieces shared as before: `seen` maps each
 * piece to its copy). The one place that knows which of a history's fields are instructions: a
 * piece's `last` and its entries' instruction and predecessor (precision.ts' Hist). The steps a
 * walk infers (pc - 1) stay right: two executed instructions in a row are both kept, so nothing
 * deleted lies between them. A copy starts with no kept walks (they were of the old slots).
 */
function renumberHist(h: Hist, r: Renumbering, seen: Map<Hist, Hist>): Hist {
  const done = seen.get(h);
  if (done) return done;
  const prev = h.prev && renumberHist(h.prev, r, seen);
  const e = h.e;
  let moved = prev !== h.prev || to(r, h.last) !== h.last;
  for (let i = 0; e && i < e.length && !moved; i += 3) moved = to(r, e[i]) !== e[i] || to(r, e[i + 1]) !== e[i + 1];
  let c = h;
  if (moved) {
    const e2 = e && e.slice();
    for (let i = 0; e2 && i < e2.length; i += 3) {
      e2[i] = to(r, e2[i]);
      e2[i + 1] = to(r, e2[i + 1]);
    }
    c = { n: h.n, last: to(r, h.last), e: e2, prev, wi: -1, wg: 0 };
  }
  seen.set(h, c);
  return c;
}

/** A state whose frames and references name renumbered slots (the same object when none moves). */
function renumberState(st: State, r: Renumbering, seen: Map<State, State>): State {
  const done = seen.get(st);
  if (done) return done;
  let moved = false;
  for (const f of st.frames) if (to(r, f.callsite) !== f.callsite || to(r, f.subprog) !== f.subprog) moved = true;
  for (const ref of st.refs) if (to(r, ref.insn) !== ref.insn) moved = true;
  let c = st;
  if (moved) {
    // registers and stacks shared (the frames are marked shared: a write copies the stack first)
    const frames: Frame[] = st.frames.map((f) => {
      f.shared = true;
      return { regs: f.regs.slice(), stack: f.stack, shared: true, callsite: to(r, f.callsite), subprog: to(r, f.subprog), frameno: f.frameno };
    });
    c = { frames, refs: st.refs.map((x) => ({ id: x.id, insn: to(r, x.insn) })) };
    if (st.mayGotoDepth) c.mayGotoDepth = st.mayGotoDepth;
  }
  seen.set(st, c);
  return c;
}

/** A map whose keys are slots, renumbered. */
function renumberKeys<V>(m: Map<number, V>, r: Renumbering): Map<number, V> {
  const c = new Map<number, V>();
  for (const [k, v] of m) c.set(to(r, k), v);
  return c;
}

/**
 * Renumber a copy of a snapshot context (`renumberable`, its keys apart under both lengths) for
 * the candidate `cfg`: `lists` are the indices of its explored lists.
 */
export function renumberCtx(c: Ctx, lists: readonly number[], r: Renumbering, cfg: Cfg): void {
  const n = r.n;
  const hists = new Map<Hist, Hist>(), states = new Map<State, State>(), cps = new Set<Checkpoint>();
  const checkpoint = (k: Checkpoint | null): void => {
    for (; k && !cps.has(k); k = k.parent) {
      cps.add(k);
      const w = k as { pc: number; hist: Hist };
      w.pc = to(r, k.pc);
      w.hist = renumberHist(k.hist, r, hists);
      k.state = renumberState(k.state, r, states);
    }
  };
  const explored: Ctx['explored'] = new Array(n);
  const toClean: number[] = new Array(n).fill(0);
  for (const i of lists) {
    const l = c.explored[i]!;
    if (!l.length) continue;
    for (const k of l) checkpoint(k);
    const k = l[0], fr = k.state.frames;
    const b = bucketOf(k.pc, fr[fr.length - 1].callsite, n);
    explored[b] = l;
    toClean[b] = c.toClean[i];
  }
  c.explored = explored;
  c.toClean = toClean;
  for (const p of [c.path, ...c.stack]) {
    checkpoint(p.parent);
    p.pc = renumbered(r, p.pc);
    p.prev = to(r, p.prev);
    p.hist = renumberHist(p.hist, r, hists);
    // the path's own state (a copy): its registers copied again when it moves, its stacks shared copy-on-write
    p.state = renumberState(p.state, r, states);
  }
  const types: Ctx['ptrTypes'] = new Array(n).fill(undefined);
  for (let i = 0; i < r.map.length; i++) if (r.map[i] >= 0) types[r.map[i]] = c.ptrTypes[i];
  c.ptrTypes = types;
  c.stackDepth = renumberKeys(c.stackDepth, r);
  c.aluAux = renumberKeys(c.aluAux, r);
  c.tailMaps = renumberKeys(c.tailMaps, r);
  c.imms = undefined;
  c.mainBucket = undefined;
  c.live?.renumber(cfg, r.map);
}

/**
 * What the candidate changes besides renumbering, for resuming: `first`, the earliest step at
 * which the baseline's exploration first touched a deleted slot or one that differs once
 * renumbered (instruction, marks, function, live registers where read); `flow`, the functions
 * where such a slot's successors differ (a solved stack liveness there cannot serve); `deleted`,
 * the functions that lose slots (served only when their edges all lead forward).
 */
export interface ShiftChange {
  first: number;
  readonly flow: Set<number>;
  readonly deleted: Set<number>;
}

/**
 * `differs`: per baseline slot, 1 when kept with another instruction than its own renumbered,
 * when the caller knows (cfg-shift.ts derived the CFG); else each kept slot is compared.
 */
export function shiftChange(a: readonly Insn[], b: readonly Insn[], old: Cfg, cfg: Cfg, r: Renumbering, firstTouch: Int32Array, readsLive: (c: Cfg, pc: number) => boolean, differs?: Uint8Array): ShiftChange {
  const out: ShiftChange = { first: Infinity, flow: new Set(), deleted: new Set() };
  const kind = old.slots.kind, nkind = cfg.slots.kind;
  for (let i = 0; i < a.length; i++) {
    const j = r.map[i], t = firstTouch[i];
    if (j < 0) {
      out.deleted.add(old.funcOf[i]);
      // a deleted slot with one successor, the next, holds the answers of that next slot
      if (!isOtherKind(kind[i])) out.flow.add(old.funcOf[i]);
      if (t && t < out.first) out.first = t;
      continue;
    }
    const same = differs ? differs[i] === 0 : sameRenumbered(a[i], b[j], i, j, r) && (a[i].code !== 0x18 || sameRenumbered(a[i + 1], b[j + 1], i + 1, j + 1, r));
    if (!same && !(isOtherKind(kind[i]) && isOtherKind(nkind[j]))) out.flow.add(old.funcOf[i]);
    if (!t || t >= out.first) continue;
    const live = old.live[i] !== cfg.live[j] && (readsLive(old, i) || readsLive(cfg, j));
    if (!same || live || old.prune[i] !== cfg.prune[j] || old.jmp[i] !== cfg.jmp[j] || to(r, old.funcOf[i]) !== cfg.funcOf[j] || old.bad[i] !== cfg.bad[j]) out.first = t;
  }
  return out;
}
