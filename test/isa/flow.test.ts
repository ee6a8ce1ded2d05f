// The flow core: successors, per-op register effects, liveness and the forward solver.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { assemble } from '../../src/isa/asm.ts';
import { toOps, type Op } from '../../src/isa/op.ts';
import { calleeSlot, clobbers, defs, fillSlots, jumpSlot, liveRegs, liveUses, nextSlot, slotTableAt, slotTableBytes, solveForward, uses, SK_CALL, SK_EXIT, SK_JA, SK_JCOND, SK_LDABS, SK_LDDW, SK_LOCAL_CALL, SK_MAYGOTO, SK_NONE, SK_NOP, SK_OTHER, SK_ALU, SK_LDX, SK_STX, SK_ST, SK_ATOMIC, type ForwardProblem, type Slot } from '../../src/isa/flow.ts';

const t = suite('isa/flow');
const ops = (src: string): Slot[] => toOps(assemble(src).insns);
const op = (src: string): Op => ops(src)[0]!;
const bits = (m: number): number[] => [...Array(11).keys()].filter((r) => m & (1 << r));

t('successors: fall-through, jump target, callee', () => {
  const p = ops('if r1 == 0 goto +2\nr0 = 1 ll\ngoto -4\ncall pc+1\nexit\nr0 = 0\nexit');
  assert.equal([nextSlot(p[0]!, 0), jumpSlot(p[0]!, 0), calleeSlot(p[0]!, 0)], [1, 3, -1]);
  assert.equal([nextSlot(p[1]!, 1), jumpSlot(p[1]!, 1)], [3, -1], 'lddw spans two slots');
  assert.equal([nextSlot(p[3]!, 3), jumpSlot(p[3]!, 3)], [-1, 0], 'goto has no fall-through');
  assert.equal([nextSlot(p[4]!, 4), jumpSlot(p[4]!, 4), calleeSlot(p[4]!, 4)], [5, -1, 6], 'a local call returns to the next slot');
  assert.equal([nextSlot(p[5]!, 5), jumpSlot(p[5]!, 5)], [-1, -1], 'exit');
});

t('register effects per op (uses, defs, clobbers)', () => {
  const args = (id: number) => (id === 23 ? 0b110 : 0);
  const row = (src: string) => { const o = op(src); return [bits(uses(o, args)), bits(defs(o)), bits(clobbers(o))]; };
  assert.equal(row('r1 = r2'), [[2], [1], []]);
  assert.equal(row('r1 += r2'), [[1, 2], [1], []]);
  assert.equal(row('r1 = -r1'), [[1], [1], []]);
  assert.equal(row('r1 = be16 r1'), [[1], [1], []]);
  assert.equal(row('if r1 > r2 goto +0'), [[1, 2], [], []]);
  assert.equal(row('exit'), [[0], [], []]);
  assert.equal(row('call 23'), [[1, 2], [0], [1, 2, 3, 4, 5]], 'a helper reads its prototype\'s arguments');
  assert.equal(row('call pc+0'), [[], [0], [1, 2, 3, 4, 5]], 'a local call reads nothing itself');
  assert.equal(row('r0 = *(u8 *)skb[4]'), [[6], [0], [1, 2, 3, 4, 5]], 'LD_ABS reads the ctx in r6');
  assert.equal(row('r0 = *(u8 *)skb[r3 + 4]'), [[3, 6], [0], [1, 2, 3, 4, 5]]);
  assert.equal(row('r1 = *(u32 *)(r2 + 0)'), [[2], [1], []]);
  assert.equal(row('*(u32 *)(r2 + 0) = r3'), [[2, 3], [], []]);
  assert.equal(row('*(u32 *)(r2 + 0) = 1'), [[2], [], []]);
  assert.equal(row('r3 = atomic_fetch_add((u64 *)(r2 + 0), r3)'), [[2, 3], [3], []]);
  assert.equal(row('lock *(u64 *)(r2 + 0) += r3'), [[2, 3], [], []]);
  assert.equal(row('r1 = 5 ll'), [[], [1], []]);
});

t('liveUses: the kernel counts r0-r9 for LD_ABS/LD_IND and r1-r5 for local calls', () => {
  assert.equal(bits(liveUses(op('r0 = *(u8 *)skb[4]'))), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(bits(liveUses(op('call pc+0'))), [1, 2, 3, 4, 5]);
  assert.equal(bits(liveUses(op('call 5'), () => 0)), []);
});

t('liveRegs: deleted slots pass liveness through; an lddw half is no instruction', () => {
  const p = ops('r2 = 1\nr3 = 2 ll\nr0 = r2\nexit');
  p[3] = null; // delete `r0 = r2`: r2 dies
  const live = liveRegs({ ops: p, end: p.length, deleted: (pc) => pc === 3 });
  assert.equal(bits(live[0]), [0, 10], 'r2 is dead, r0 reaches exit');
  assert.equal(live[2], 0, 'second half of the lddw');
  assert.equal(bits(live[3]), [0, 10], 'the deleted slot passes exit\'s r0 through');
  assert.is(live.length, p.length + 1);
});

/** Reached slots by a trivial forward problem (set union, no transfer effect). */
class Reach implements ForwardProblem {
  reached = new Set<number>([0]);
  transfer(): void {}
  join(to: number): boolean {
    const n = !this.reached.has(to);
    this.reached.add(to);
    return n;
  }
  joinCallee(_pc: number, to: number): boolean {
    return this.join(to);
  }
}

t('solveForward visits exactly the slots reachable from 0 (callees included, lddw halves not)', () => {
  const p = ops('if r1 == 0 goto +2\nr0 = 1 ll\ncall pc+2\nexit\nexit\nr0 = 0\nexit');
  const r = new Reach();
  solveForward({ ops: p, end: p.length }, r);
  assert.equal([...r.reached].sort((a, b) => a - b), [0, 1, 3, 4, 6, 7], 'slot 5 (after exit) is dead, slot 2 is the lddw half');
});

t('property: liveness is a fixpoint of live[pc] = liveUses | (live[succ] & ~(defs | clobbers)) | r10', () => {
  const straight = ['r1 = r2', 'r3 += r1', 'r0 = 0', 'r2 = *(u32 *)(r1 + 0)', 'if r1 > r3 goto +1', 'call 5', 'r4 = r0', 'r0 = r4'];
  fc.assert(fc.property(fc.array(fc.constantFrom(...straight), { minLength: 1, maxLength: 12 }), (lines) => {
    const p = ops([...lines, 'exit'].join('\n'));
    const live = liveRegs({ ops: p, end: p.length });
    for (let pc = 0; pc < p.length; pc++) {
      const o = p[pc]!;
      let out = 0;
      for (const s of [nextSlot(o, pc), jumpSlot(o, pc)]) if (s >= 0 && s < p.length) out |= live[s];
      if (live[pc] !== ((liveUses(o) | (out & ~(defs(o) | clobbers(o))) | 1024) & 0x7ff)) return false;
    }
    return true;
  }));
});

/** The kind code a slot table gives an op, from its kind as the decoder names it. */
const kindCode = (o: Op | null, deleted: boolean): number => {
  if (!o) return deleted ? SK_NOP : SK_NONE;
  switch (o.kind) {
    case 'exit': return SK_EXIT;
    case 'jcond': return SK_JCOND;
    case 'ja': return SK_JA;
    case 'maygoto': return SK_MAYGOTO;
    case 'call': return o.callKind === 'local' ? SK_LOCAL_CALL : SK_CALL;
    case 'lddw': return SK_LDDW;
    case 'ldabs': case 'ldind': return SK_LDABS;
    case 'alu': return SK_ALU;
    case 'ldx': return SK_LDX;
    case 'stx': return SK_STX;
    case 'st': return SK_ST;
    case 'atomic': return SK_ATOMIC;
    default: return SK_OTHER;
  }
};

const SOME_OPS = [
  'r1 = r2', 'r3 += r1', 'w0 = 0', 'r1 = (s8)r2', 'r1 = -r1', 'r1 = be16 r1', 'r2 = *(u32 *)(r1 + 0)', 'r2 = *(s16 *)(r1 + 2)',
  '*(u32 *)(r2 + 0) = r3', '*(u64 *)(r10 - 8) = 1', 'lock *(u64 *)(r2 + 0) += r3', 'r3 = atomic_fetch_add((u64 *)(r2 + 0), r3)',
  'r0 = cmpxchg_64(r2 + 0, r0, r3)', 'r0 = *(u8 *)skb[4]', 'r0 = *(u16 *)skb[r3 + 4]', 'call 5', 'call 23', 'call pc+0',
  'if r1 > r3 goto +1', 'if w1 == 5 goto -2', 'goto +0', 'goto -3', 'may_goto +1', 'exit', 'r1 = 7 ll',
];

t('property: the slot table gives every op its kind, nextSlot, jumpSlot, liveUses and defs | clobbers', () => {
  const args = (id: number) => (id === 23 ? 0b110 : id === 5 ? 0b111110 : 0);
  fc.assert(fc.property(fc.array(fc.constantFrom(...SOME_OPS), { minLength: 1, maxLength: 16 }), fc.array(fc.nat(40), { maxLength: 4 }), (lines, gone) => {
    const p = ops(lines.join('\n'));
    // some slots deleted (the search's no-ops), never an lddw half
    const deleted = new Set(gone.filter((i) => i < p.length && p[i] && p[i]!.kind !== 'lddw'));
    for (const i of deleted) p[i] = null;
    const tb = slotTableAt(new ArrayBuffer(slotTableBytes(p.length)), 0, p.length);
    fillSlots(tb, { ops: p, end: p.length, deleted: (pc) => deleted.has(pc) }, args);
    for (let pc = 0; pc < p.length; pc++) {
      const o = p[pc];
      assert.is(tb.kind[pc], kindCode(o, deleted.has(pc)), `kind of ${pc}`);
      if (!o) {
        assert.equal([tb.next[pc], tb.jump[pc], tb.use[pc], tb.kill[pc]], [deleted.has(pc) ? pc + 1 : -1, -1, 0, 0], `null slot ${pc}`);
        continue;
      }
      assert.equal([tb.next[pc], tb.jump[pc], tb.use[pc], tb.kill[pc]], [nextSlot(o, pc), jumpSlot(o, pc), liveUses(o, args), defs(o) | clobbers(o)], `slot ${pc}`);
    }
  }), { numRuns: 300, seed: 12 });
});

t('property: liveRegs with loops and deleted slots is the least fixpoint of the per-slot equations', () => {
  const lines = ['r1 = r2', 'r3 += r1', 'r0 = 0', 'r2 = *(u32 *)(r1 + 0)', 'if r1 > r3 goto -3', 'if r4 == 0 goto +2', 'call 5', 'r4 = r0', 'r0 = r4', 'goto -2', 'r5 = 1 ll'];
  fc.assert(fc.property(fc.array(fc.constantFrom(...lines), { minLength: 1, maxLength: 14 }), fc.array(fc.nat(20), { maxLength: 3 }), (body, gone) => {
    const p = ops([...body, 'exit'].join('\n'));
    const deleted = new Set(gone.filter((i) => i < p.length - 1 && p[i] && p[i]!.kind !== 'lddw'));
    for (const i of deleted) p[i] = null;
    const isDel = (pc: number) => deleted.has(pc);
    // the reference: sweeps in slot order from all-empty until nothing changes, every equation read from the op
    const want = new Array(p.length + 1).fill(0);
    for (let again = true; again;) {
      again = false;
      for (let pc = 0; pc < p.length; pc++) {
        const o = p[pc];
        if (!o && !isDel(pc)) continue;
        const succ = o ? [nextSlot(o, pc), jumpSlot(o, pc)] : [pc + 1];
        let out = 0;
        for (const s of succ) if (s >= 0 && s < p.length) out |= want[s];
        const v = o ? (liveUses(o) | (out & ~(defs(o) | clobbers(o))) | 1024) & 0x7ff : (out | 1024) & 0x7ff;
        if (v !== want[pc]) {
          want[pc] = v;
          again = true;
        }
      }
    }
    assert.equal([...liveRegs({ ops: p, end: p.length, deleted: isDel })], want);
  }), { numRuns: 300, seed: 12 });
});

t.run();
