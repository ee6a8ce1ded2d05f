// Jump threading over a decided test (a latency move that changes control flow):
//
//   J:  if r4 != 0xa888 goto T        J:  if r4 != 0xa888 goto U
//       …                         →       …
//   T:  if r4 == 0xa888 goto X        T:  if r4 == 0xa888 goto X
//   U:  …                             U:  …
//
// Where a conditional jump J lands (past deleted slots, which write nothing) on a
// test T of the same register and width whose outcome J's own condition decides, J may go
// straight to where T then goes: the taken path skips one test (and any `goto` on the way).
// clang leaves these where a switch or an or-chain of compares follows another one: xdp1's
// VLAN parse tests 0xa888 twice in a row. If T is then reached from nowhere else it is dead and
// deleted, so the program shrinks too. The slot map stays fixed (only offsets change), so
// materialize, the writer and the kernel take it as they are; because a jump changes no window
// proof covers it (prove.ts `changesControl`): only the whole-program query can accept it.
// Why our own interval reasoning rather than the verifier's domains: one register against
// constants is all this needs, and the move is only a proposal (Z3 decides).
import type { JcondName, Op, Width } from '../isa/op.ts';
import { jumpSlot } from '../isa/flow.ts';
import { jcondIn } from '../bv/alu.ts';
import { concrete64x32 } from '../bv/concrete.ts';
import { landing } from './idiom-tail-merge.ts';
import type { Slot } from './proposals.ts';

type Change = [number, Slot];
type Jcond = Extract<Op, { kind: 'jcond' }>;

/** What J's taken edge tells about its register: one value, all but one, or a range. */
type Fact =
  | { kind: 'eq'; k: bigint }
  | { kind: 'ne'; k: bigint }
  | { kind: 'range'; signed: boolean; lo: bigint; hi: bigint };

const umax = (w: Width): bigint => (1n << BigInt(w)) - 1n;
const smin = (w: Width): bigint => -(1n << BigInt(w - 1));
const smax = (w: Width): bigint => (1n << BigInt(w - 1)) - 1n;
/** The immediate as the unsigned value compared (sign-extended to 64 bits, or 32-bit). */
const uimm = (imm: number, w: Width): bigint => BigInt.asUintN(w, BigInt(imm));
const SIGNED = new Set<JcondName>(['jsgt', 'jsge', 'jslt', 'jsle']);

/** The jump's condition on an unsigned value v of its width (the ISA's semantics, concrete ring). */
export const holds = (op: JcondName, v: bigint, k: bigint, w: Width): boolean =>
  jcondIn(w === 64 ? concrete64x32.u64 : concrete64x32.u32, op, v, k);

/** The fact J's condition gives when it holds; undefined for jset or an empty range. */
function factOf(op: JcondName, k: bigint, w: Width): Fact | undefined {
  const t = BigInt.asIntN(w, k);
  const range = (signed: boolean, lo: bigint, hi: bigint): Fact | undefined => (lo <= hi ? { kind: 'range', signed, lo, hi } : undefined);
  switch (op) {
    case 'jeq': return { kind: 'eq', k };
    case 'jne': return { kind: 'ne', k };
    case 'jgt': return range(false, k + 1n, umax(w));
    case 'jge': return range(false, k, umax(w));
    case 'jlt': return range(false, 0n, k - 1n);
    case 'jle': return range(false, 0n, k);
    case 'jsgt': return range(true, t + 1n, smax(w));
    case 'jsge': return range(true, t, smax(w));
    case 'jslt': return range(true, smin(w), t - 1n);
    case 'jsle': return range(true, smin(w), t);
    default: return undefined;
  }
}

/** T's outcome under the fact, when every value the fact allows gives the same one. */
export function decide(f: Fact, op: JcondName, k: bigint, w: Width): boolean | undefined {
  if (f.kind === 'eq') return holds(op, f.k, k, w);
  if (f.kind === 'ne') {
    if (k !== f.k) return undefined;
    return op === 'jeq' ? false : op === 'jne' ? true : undefined;
  }
  // a range, as unsigned values at its ends: a compare is monotone on it unless it wraps in the
  // compare's own order (a signed range across 0 for unsigned compares, and the reverse)
  const lo = BigInt.asUintN(w, f.lo), hi = BigInt.asUintN(w, f.hi);
  const has = (x: bigint): boolean => (f.signed ? f.lo <= BigInt.asIntN(w, x) && BigInt.asIntN(w, x) <= f.hi : f.lo <= x && x <= f.hi);
  if (op === 'jeq' || op === 'jne') {
    if (has(k)) return lo === hi ? op === 'jeq' : undefined;
    return op === 'jne';
  }
  if (op === 'jset') return undefined;
  const wraps = SIGNED.has(op) ? !f.signed && lo <= smax(w) && hi > smax(w) : f.signed && f.lo < 0n && f.hi >= 0n;
  if (wraps) return undefined;
  const a = holds(op, lo, k, w), b = holds(op, hi, k, w);
  return a === b ? a : undefined;
}

/** Does J's taken edge decide T (same register and width, nothing written between)? */
function decidedBy(j: Jcond, t: Jcond): boolean | undefined {
  if (j.dst !== t.dst || j.width !== t.width) return undefined;
  if ('reg' in j.src || 'reg' in t.src) {
    // register against register: only the same test again, or its complement
    if (!('reg' in j.src && 'reg' in t.src) || j.src.reg !== t.src.reg) return undefined;
    if (j.op === t.op) return true;
    return COMPLEMENT[j.op] === t.op ? false : undefined;
  }
  const f = factOf(j.op, uimm(j.src.imm, j.width), j.width);
  return f && decide(f, t.op, uimm(t.src.imm, t.width), t.width);
}
const COMPLEMENT: Partial<Record<JcondName, JcondName>> = { jeq: 'jne', jne: 'jeq', jgt: 'jle', jle: 'jgt', jge: 'jlt', jlt: 'jge', jsgt: 'jsle', jsle: 'jsgt', jsge: 'jslt', jslt: 'jsge' };

/** How many live slots reach pc: a jump (or local call) landing there, or the slot before falling in. */
function entries(slots: readonly Slot[], pc: number): number {
  let n = 0;
  slots.forEach((o, i) => {
    if (!o) return;
    if (jumpSlot(o, i) >= 0 && live(slots, jumpSlot(o, i)) === pc) n++;
    if (o.kind === 'call' && o.callKind === 'local' && i + 1 + o.imm === pc) n++;
  });
  let prev = pc - 1;
  while (prev >= 0 && slots[prev] === null && !(prev > 0 && slots[prev - 1]?.kind === 'lddw')) prev--;
  const p = prev >= 0 ? slots[prev] : undefined;
  if (p && p.kind !== 'ja' && p.kind !== 'exit') n++;
  else if (p === null) n++; // an lddw's second half: the lddw falls in
  return n;
}

/** The first live slot from pc on (deleted slots skipped; an lddw's second half is not one). */
function live(slots: readonly Slot[], pc: number): number {
  while (pc < slots.length && slots[pc] === null && !(pc > 0 && slots[pc - 1]?.kind === 'lddw')) pc++;
  return pc;
}

/** J sent to slot `to` instead, with `skipped` deleted too when J was its only way in. */
function retarget(slots: readonly Slot[], j: number, jmp: Extract<Op, { kind: 'ja' | 'jcond' }>, to: number, skipped: number): Change[] | undefined {
  const off = to - j - 1;
  if (to < 0 || off === jmp.off || off < -32768 || off > 32767) return undefined;
  const change: Change[] = [[j, { ...jmp, off }]];
  if (entries(slots, skipped) === 1) change.push([skipped, null]);
  return change;
}

/**
 * Every threading in the candidate: a jump that lands on a `goto` sent where the `goto` goes;
 * a conditional jump sent past the test T it lands on, to where T goes when the jump's
 * condition holds. The skipped slot is deleted as well when the jump was its only way in.
 */
export function threadJumps(slots: readonly Slot[]): Change[][] {
  const out: Change[][] = [];
  for (let j = 0; j < slots.length; j++) {
    const jmp = slots[j];
    if (jmp?.kind !== 'jcond' && jmp?.kind !== 'ja') continue;
    const direct = live(slots, j + 1 + jmp.off);
    if (direct < 0 || direct >= slots.length || direct === j) continue;
    const hop = slots[direct];
    if (hop?.kind === 'ja') {
      const to = landing(slots, direct);
      const c = to !== direct && to !== j ? retarget(slots, j, jmp, to, direct) : undefined;
      if (c) out.push(c);
      continue;
    }
    if (jmp.kind !== 'jcond' || hop?.kind !== 'jcond') continue;
    const taken = decidedBy(jmp, hop);
    if (taken === undefined) continue;
    const to = landing(slots, taken ? direct + 1 + hop.off : direct + 1);
    const c = to !== direct && to !== j ? retarget(slots, j, jmp, to, direct) : undefined;
    if (c) out.push(c);
  }
  return out;
}

/**
 * The executed cost a threading saves per test input, for the latency estimate: the original's
 * slot weights cannot see a jump sent past a test, so each retargeted conditional jump is
 * credited with the cost of what its taken edge now skips, times how often that edge ran (the
 * drop in weight from J to its fall-through, when only J falls in there; else the weight of
 * where it landed). `cost` is the objective's per-op cost.
 */
export function threadSavings(slots: readonly Slot[], original: readonly Slot[], weights: Float64Array, cost: (o: Op) => number): number {
  let saved = 0;
  for (let j = 0; j < slots.length; j++) {
    const now = slots[j], was = original[j];
    if (!now || !was || (now.kind !== 'jcond' && now.kind !== 'ja') || now.kind !== was.kind || now.off === was.off) continue;
    const to = landing(slots, j + 1 + now.off);
    // what the original's taken edge ran before reaching `to`: gotos and decided tests
    let pc = j + 1 + was.off, skipped = 0;
    for (let hops = 0; hops < 8 && pc >= 0 && pc < original.length && pc !== to; hops++) {
      const o = original[pc];
      if (o === null) { pc++; continue; }
      skipped += cost(o);
      if (o.kind === 'ja') pc = pc + 1 + o.off;
      else if (o.kind === 'jcond') pc = landing(original, pc + 1 + o.off) === to ? pc + 1 + o.off : pc + 1;
      else break;
    }
    if (pc !== to) continue;
    const fall = now.kind === 'ja' ? 0 : j + 1 < weights.length ? weights[j + 1] : 0;
    const edge = Math.max(0, Math.min(weights[j] - fall, weights[landing(original, j + 1 + was.off)] ?? 0));
    saved += edge * skipped;
  }
  return saved;
}
