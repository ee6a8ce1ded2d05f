// Tail merging (jump threading): instructions just before a jump that repeat the start of a
// sequence elsewhere, which then goes on to where the jump goes. Delete them and send the jump
// to that sequence instead:
//
//   T:  r0 = 1                    T:  r0 = 1
//       goto exit                     goto exit
//   …                             …
//       r0 = 1                    →   (deleted)
//   J:  if r1 == 0 goto exit      J:  if r1 == 0 goto T
//
// xdp_router_ipv4 (clang-19) has exactly this, and K2 finds it: it is the slot between our 100
// and its 99. The taken path is unchanged (the same instructions, then the same place). The
// fall-through of a conditional jump loses the deleted instructions, which is right only when
// what they write is dead there: that is left to validation (tests, Z3), as for every idiom.
// No random move makes this: the search keeps every jump and its target. Because it changes a
// jump, no window proof covers it; src/search/prove.ts sends such candidates to the
// whole-program proof alone.
import type { Op } from '../isa/op.ts';
import { defs, jumpSlot, uses } from '../isa/flow.ts';
import type { Slot } from './proposals.ts';

type Change = [number, Slot];

const isJump = (o: Slot): o is Extract<Op, { kind: 'ja' | 'jcond' }> => o !== null && (o.kind === 'ja' || o.kind === 'jcond');
const STRAIGHT = new Set(['alu', 'end', 'ldx', 'st', 'stx', 'atomic']);
const straightOp = (o: Slot): boolean => o !== null && STRAIGHT.has(o.kind);
const sameOp = (a: Op, b: Op): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * Where control that reaches slot `pc` really goes on: past deleted slots (null, not an lddw's
 * second half) and through unconditional jumps. -1 when it leaves the program or loops.
 */
export function landing(slots: readonly Slot[], pc: number): number {
  for (let hops = 0; hops < 64; hops++) {
    while (pc < slots.length && slots[pc] === null && !(pc > 0 && slots[pc - 1]?.kind === 'lddw')) pc++;
    if (pc < 0 || pc >= slots.length) return -1;
    const o = slots[pc];
    if (o?.kind !== 'ja') return pc;
    pc = pc + 1 + o.off;
  }
  return -1;
}

/** Slots some jump (or local call) of the current slots lands on. */
function jumpTargets(slots: readonly Slot[]): Set<number> {
  const t = new Set<number>();
  slots.forEach((o, pc) => {
    if (!o) return;
    const to = jumpSlot(o, pc);
    if (to >= 0) t.add(to);
    if (o.kind === 'call' && o.callKind === 'local') t.add(pc + 1 + o.imm);
  });
  return t;
}

/**
 * The live straight slots just before jump `j`, nearest last, that no jump enters (nor any
 * deleted slot among them): the run that may be deleted. Only slots the search may change.
 */
function runBefore(slots: readonly Slot[], straight: ReadonlySet<number>, targets: ReadonlySet<number>, j: number): number[] {
  const run: number[] = [];
  for (let i = j - 1; i >= 0 && straight.has(i) && !targets.has(i); i--) {
    const o = slots[i];
    if (o === null) {
      if (i > 0 && slots[i - 1]?.kind === 'lddw') break; // an lddw ends the run
      continue;
    }
    if (!straightOp(o)) break;
    run.unshift(i);
  }
  return run;
}

/**
 * Starting at slot t, do the live slots repeat `ops` and then land where `dest` lands? The
 * slots of the repeat, or null.
 */
function repeatsAt(slots: readonly Slot[], t: number, ops: readonly Op[], dest: number): number[] | null {
  const at: number[] = [];
  let pc = t;
  for (const want of ops) {
    while (pc < slots.length && slots[pc] === null && !(pc > 0 && slots[pc - 1]?.kind === 'lddw')) pc++;
    const o = slots[pc];
    if (!o || !sameOp(o, want)) return null;
    at.push(pc++);
  }
  return landing(slots, pc) === dest ? at : null;
}

/**
 * Every tail merge in the candidate: for each jump, each run of k instructions just before it
 * (the last k of its run) that a sequence elsewhere starts with and then goes where the jump
 * goes. Each is: delete the k slots, retarget the jump to the sequence's first slot.
 */
export function tailMerges(slots: readonly Slot[], straight: ReadonlySet<number>): Change[][] {
  const out: Change[][] = [];
  const targets = jumpTargets(slots);
  for (let j = 0; j < slots.length; j++) {
    const jmp = slots[j];
    if (!isJump(jmp)) continue;
    const run = runBefore(slots, straight, targets, j);
    if (!run.length) continue;
    const dest = landing(slots, j + 1 + jmp.off);
    // (a jump into its own run: the deletion would change where it lands)
    if (dest < 0 || (dest >= run[0] && dest <= j)) continue;
    for (let k = 1; k <= run.length; k++) {
      const del = run.slice(run.length - k);
      const ops = del.map((pc) => slots[pc]!);
      // a conditional jump would now test its registers before the deleted slots write them
      if (jmp.kind === 'jcond') {
        const written = ops.reduce((m, o) => m | defs(o), 0);
        if (uses(jmp) & written) break;
      }
      for (let t = 0; t < slots.length; t++) {
        if (t >= del[0] && t <= j) continue;
        const o = slots[t];
        if (!o || !sameOp(o, ops[0])) continue;
        const at = repeatsAt(slots, t, ops, dest);
        if (!at || at.some((pc) => pc >= del[0] && pc <= j)) continue;
        const off = t - j - 1;
        if (off < -32768 || off > 32767) continue;
        out.push([...del.map((pc): Change => [pc, null]), [j, { ...jmp, off }]]);
      }
    }
  }
  return out;
}
