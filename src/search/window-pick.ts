// Which regions of a large program the window search works on, and in what order: short
// straight-line runs of the main function (no jump lands inside, so control enters at the
// first slot and leaves at the last), weighted by how often the tests execute them times
// their cost (K2's performance term): the budget goes where a saving counts most.
import type { Vm } from '../interp/index.ts';
import { defs, jumpSlot, uses } from '../isa/flow.ts';
import { funcRanges, type Program } from '../isa/program.ts';
import type { WindowRegType } from '../smt/equiv.ts';
import { latency, type CostTable } from './cost.ts';
import type { Slot } from './proposals.ts';
import { isMapValue, kindMap, kindType, NOT_INIT, PKT, STACK, type Kind } from './ptrkinds.ts';
import { testInput, type TestGroup } from './tests.ts';

export interface Window {
  /** Slots [start, end) of the original. */
  readonly start: number;
  readonly end: number;
  /** Registers the original reads after the window (bit set): they must agree. */
  readonly liveOut: number;
  /** Registers every path defines before the window (bit set): a candidate may read only these, or its own writes. */
  readonly defined: number;
  /** Live-in pointer types for the proof (what the pointer-kind analysis knows at start). */
  readonly regTypes: Readonly<Record<number, WindowRegType>>;
  /** Executions of the window's first slot over all tests, and tests whose runs reach it. */
  readonly visits: number;
  readonly reached: readonly (readonly [number, number])[];
  /** visits × the original window's cost: the order the search takes windows in. */
  readonly weight: number;
}

/** Window length limit: K2's windows are up to 4; longer ones still prove fast when straight-line. */
export const MAX_WINDOW = 12;

const WINDOW_KINDS = new Set(['alu', 'end', 'ldx', 'st', 'stx']);

/** The proof's type of a pre-filter kind where a window can take it (else scalar or unknown). */
function regType(kind: Kind): WindowRegType | undefined {
  const t = kindType(kind);
  if (t === 'ctx' || t === 'pkt' || t === 'fp') return t;
  if (isMapValue(kind)) return { type: 'map_value', map: kindMap(kind) };
  return undefined;
}

/**
 * Slots a window may hold: straight-line, not kept, and memory only through the stack or the
 * packet (what a window state holds, and what the proof types without guessing).
 */
function windowSlot(op: Slot, pc: number, kinds: Uint16Array): boolean {
  if (!op || !WINDOW_KINDS.has(op.kind)) return false;
  const base = op.kind === 'ldx' ? op.src : op.kind === 'st' || op.kind === 'stx' ? op.dst : -1;
  if (base < 0) return true;
  const k = kinds[pc * 11 + base];
  return k === STACK || k === PKT;
}

/** Per test (group, index): the slots its run of the original visits, counted. */
export function visitCounts(vm: Vm, tests: readonly TestGroup[], end: number): { visits: Uint32Array; reached: Map<number, [number, number][]> } {
  const visits = new Uint32Array(end);
  const reached = new Map<number, [number, number][]>();
  tests.forEach((g, gi) => {
    vm.resetMaps();
    for (const p of g.presets) vm.maps[p.map].set(p.key, p.value);
    vm.saveBaseline();
    g.packets.forEach((_, i) => {
      const t = vm.trace(testInput(g, i), { limit: 200_000 });
      const seen = new Set<number>();
      for (const s of t.steps) {
        if (s.prog !== 0 || s.pc >= end) continue;
        visits[s.pc]++;
        seen.add(s.pc);
      }
      for (const pc of seen) {
        let list = reached.get(pc);
        if (!list) reached.set(pc, (list = []));
        list.push([gi, i]);
      }
    });
  });
  return { visits, reached };
}

export interface PickInput {
  program: Program;
  original: readonly Slot[];
  /** Slots the search must leave alone (kept functions, CO-RE, shared-map guard). */
  kept: Uint8Array;
  /** Pointer kinds before each slot (11 per slot) and live registers before each slot. */
  kinds: Uint16Array;
  live: Uint16Array;
  visits: Uint32Array;
  reached: Map<number, [number, number][]>;
  costs?: CostTable;
}

/** Windows worth searching, heaviest first (those no test reaches are left out: nothing to test them on). */
export function pickWindows(w: PickInput): Window[] {
  const { program, original, kinds } = w;
  const main = funcRanges(program).find((f) => f.start === 0);
  const end = main ? main.end : program.insns.length;
  const targets = new Set<number>();
  for (let pc = 0; pc < original.length; pc++) {
    const op = original[pc];
    if (op && jumpSlot(op, pc) >= 0) targets.add(jumpSlot(op, pc));
  }
  const ok = (pc: number): boolean => !w.kept[pc] && windowSlot(original[pc], pc, kinds);
  const out: Window[] = [];
  for (let pc = 0; pc < end;) {
    if (!ok(pc)) {
      pc++;
      continue;
    }
    let b = pc + 1;
    while (b < end && ok(b) && !targets.has(b) && b - pc < MAX_WINDOW) b++;
    const reached = w.reached.get(pc) ?? [];
    if (b - pc >= 1 && reached.length) out.push(makeWindow(w, pc, b, reached));
    pc = b;
  }
  return out.sort((x, y) => y.weight - x.weight || x.start - y.start);
}

function makeWindow(w: PickInput, start: number, end: number, reached: [number, number][]): Window {
  let defined = 0;
  const regTypes: Record<number, WindowRegType> = {};
  for (let r = 0; r <= 10; r++) {
    const k = w.kinds[start * 11 + r];
    if (k !== NOT_INIT) defined |= 1 << r;
    const t = r < 10 ? regType(k) : undefined;
    if (t) regTypes[r] = t;
  }
  let cost = 0;
  for (let pc = start; pc < end; pc++) cost += latency(w.original[pc]!, w.costs);
  const visits = w.visits[start];
  return { start, end, liveOut: w.live[end] & 0x3ff, defined, regTypes, visits, reached, weight: visits * cost };
}

/** Does a candidate window read only registers defined at its start or written before the read, and leave r10 alone? */
export function readsDefined(slots: readonly Slot[], start: number, end: number, defined: number): boolean {
  let d = defined;
  for (let pc = start; pc < end; pc++) {
    const op = slots[pc];
    if (!op) continue;
    if (uses(op) & ~d) return false;
    const w = defs(op);
    if (w & (1 << 10)) return false;
    d |= w;
  }
  return true;
}
