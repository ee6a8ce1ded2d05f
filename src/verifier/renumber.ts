// Resuming a baseline's exploration in a candidate of another length (slots deleted, the
// optimizer's materialize: src/isa/edit.ts deleteSlots, jumps re-targeted to the next surviving
// slot). The incremental checker only resumes from a snapshot taken before the exploration
// touched any slot at or after the first deleted one, so everything the snapshot holds names
// slots below it and keeps its number: checkpoints, jump histories, call sites, references,
// per-instruction tables. What does change:
// - the pending paths' (and the current path's) next instruction, which may lie beyond: it is
//   mapped to the slot the candidate's re-targeted jump leads to;
// - the explored lists, hashed by (instruction ^ call site) % program length: each list moves to
//   its bucket under the new length (valid only when no list mixes two keys under either
//   length: see `keysApart`, otherwise the counts of states per list would differ);
// - the caches sized by the length (per-instruction types, the immediates, the main function's
//   buckets).
import type { Insn } from '../isa/insn.ts';
import type { Cfg } from './cfg.ts';
import type { Ctx, Path } from './analyze.ts';

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
 * Is candidate instruction b (at slot i, below the first deletion) baseline instruction a at the
 * same slot, its jump or local call re-targeted as deleteSlots re-targets it?
 */
export function sameRenumbered(a: Insn, b: Insn, i: number, r: Renumbering): boolean {
  if (a === b && !jumpsFrom(a)) return true;
  if (a.code !== b.code || a.dst !== b.dst || a.src !== b.src) return false;
  if (!jumpsFrom(a)) return a.off === b.off && a.imm === b.imm;
  const c = a.code;
  if ((c & 0xf0) === 0x80) return a.off === b.off && b.imm === renumbered(r, i + 1 + a.imm) - i - 1;
  if (c === 0x06) return a.off === b.off && b.imm === renumbered(r, Math.min(Math.max(i + 1 + a.imm, 0), r.map.length)) - i - 1;
  const t = i + 1 + a.off;
  return a.imm === b.imm && t >= 0 && t <= r.map.length && b.off === renumbered(r, t) - i - 1;
}

/** Does deleteSlots re-target this instruction (a jump other than exit, or a local call)? */
function jumpsFrom(x: Insn): boolean {
  const cls = x.code & 7, op = x.code & 0xf0;
  if ((cls !== 5 && cls !== 6) || op === 0x90) return false;
  return op !== 0x80 || x.src === 1;
}

/** explored_state's list for instruction pc with call site cs in a program of n slots. */
export const bucketOf = (pc: number, cs: number, n: number): number => ((pc ^ cs) >>> 0) % n;

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
const KNOWN = new Set(['processed', 'jmps', 'prevJmps', 'prevInsns', 'totalStates', 'peakStates', 'maxPer', 'idGen', 'path', 'stack', 'explored', 'toClean', 'stackDepth', 'ptrTypes', 'aluAux', 'tailMaps', 'live', 'imms', 'mainBucket']);

/**
 * Can a copy of snapshot context c be renumbered: its fields all known, and every frame of its
 * paths (the current one and the pending ones) called from and running a function below slot d?
 */
export function renumberable(c: Ctx, d: number): boolean {
  for (const k in c) if (!KNOWN.has(k)) return false;
  if (!framesBefore(c.path, d)) return false;
  for (const p of c.stack) if (!framesBefore(p, d)) return false;
  return true;
}

function framesBefore(p: Path, d: number): boolean {
  for (const f of p.state.frames) if (f.callsite >= d || f.subprog >= d) return false;
  return p.prev < d;
}

/**
 * Renumber a copy of a snapshot context (`renumberable`, its keys apart under both lengths) for
 * the candidate: `lists` are the indices of its explored lists.
 */
export function renumberCtx(c: Ctx, lists: readonly number[], r: Renumbering): void {
  const n = r.n, d = r.first;
  const explored: Ctx['explored'] = new Array(n);
  const toClean: number[] = new Array(n).fill(0);
  for (const i of lists) {
    const l = c.explored[i]!;
    if (!l.length) continue;
    const k = l[0], fr = k.state.frames;
    const b = bucketOf(k.pc, fr[fr.length - 1].callsite, n);
    explored[b] = l;
    toClean[b] = c.toClean[i];
  }
  c.explored = explored;
  c.toClean = toClean;
  const types: Ctx['ptrTypes'] = new Array(n).fill(undefined);
  for (let i = 0; i < d; i++) types[i] = c.ptrTypes[i];
  c.ptrTypes = types;
  c.imms = undefined;
  c.mainBucket = undefined;
  c.path.pc = renumbered(r, c.path.pc);
  for (const p of c.stack) p.pc = renumbered(r, p.pc);
}

/** Slots below d whose instruction, marks or function differ once renumbered (only those the baseline touched before `first` count): the earliest first touch among them. */
export function firstChangeBefore(a: readonly Insn[], b: readonly Insn[], old: Cfg, cfg: Cfg, r: Renumbering, firstTouch: Int32Array, first: number, readsLive: (c: Cfg, pc: number) => boolean): number {
  for (let i = 0; i < r.first; i++) {
    const t = firstTouch[i];
    if (!t || t >= first) continue;
    const live = old.live[i] !== cfg.live[i] && (readsLive(old, i) || readsLive(cfg, i));
    // an lddw reads the slot after it too
    const lddwCut = a[i].code === 0x18 && i + 1 >= r.first;
    if (live || lddwCut || !sameRenumbered(a[i], b[i], i, r) || old.prune[i] !== cfg.prune[i] || old.jmp[i] !== cfg.jmp[i] || old.funcOf[i] !== cfg.funcOf[i] || old.bad[i] !== cfg.bad[i]) first = t;
  }
  return first;
}
