// Deleting instruction slots while keeping every jump and bpf-to-bpf call pointing where it did.
import { type Insn, insnWith } from './insn.ts';
import { toOp } from './op.ts';

export class EditError extends Error {}

/**
 * Remove the slots in `del` (both halves of an lddw must go together). Jumps and local calls
 * whose target is deleted are retargeted to the next surviving slot. `absoluteCalls` lists
 * slots whose call imm is section-absolute (a relocation against the section symbol:
 * target = imm + 1) rather than pc-relative; those are remapped as absolute. `fixedCalls` lists
 * calls whose target lies in another section (relocated): their imm is left alone.
 * Returns the new slots and oldToNew (-1 for deleted slots).
 */
export function deleteSlots(insns: readonly Insn[], del: ReadonlySet<number>, absoluteCalls: ReadonlySet<number> = new Set(), fixedCalls: ReadonlySet<number> = new Set()): { insns: Insn[]; oldToNew: Int32Array } {
  const n = insns.length;
  const oldToNew = new Int32Array(n);
  /** next[i] = new index of the first surviving slot >= i (n' at the end). */
  const next = new Int32Array(n + 1);
  let k = 0;
  for (let i = 0; i < n; i++) {
    oldToNew[i] = del.has(i) ? -1 : k;
    if (!del.has(i)) k++;
  }
  next[n] = k;
  for (let i = n - 1; i >= 0; i--) next[i] = oldToNew[i] >= 0 ? oldToNew[i] : next[i + 1];
  const out: Insn[] = [];
  for (let i = 0; i < n; i++) {
    if (del.has(i)) continue;
    const x = insns[i];
    if (x.code === 0x18 && del.has(i + 1)) throw new EditError(`slot ${i + 1} is the second half of an lddw: delete both or neither`);
    if (x.code === 0 && i > 0 && insns[i - 1].code === 0x18 && del.has(i - 1)) throw new EditError(`slot ${i} is the second half of an lddw: delete both or neither`);
    let y = x;
    const c = x.code;
    const cls = c & 7;
    const isJmp = cls === 5 || cls === 6;
    const op = c & 0xf0;
    if (isJmp && op !== 0x90 && !(op === 0x80 && (x.src !== 1 || fixedCalls.has(i)))) {
      const self = oldToNew[i];
      if (op === 0x80) {
        // local call
        const target = absoluteCalls.has(i) ? x.imm + 1 : i + 1 + x.imm;
        if (target < 0 || target > n) throw new EditError(`call at slot ${i} targets slot ${target}, outside 0..${n}`);
        y = insnWith(x, { imm: absoluteCalls.has(i) ? next[target] - 1 : next[target] - self - 1 });
      } else if (c === 0x06) {
        const target = i + 1 + x.imm;
        y = insnWith(x, { imm: next[Math.min(Math.max(target, 0), n)] - self - 1 });
      } else {
        const target = i + 1 + x.off;
        if (target < 0 || target > n) throw new EditError(`jump at slot ${i} targets slot ${target}, outside 0..${n}`);
        const off = next[target] - self - 1;
        if (off < -32768 || off > 32767) throw new EditError(`jump at slot ${i} no longer fits a 16-bit offset`);
        y = insnWith(x, { off });
      }
    }
    out.push(y);
  }
  // sanity: every kept instruction still decodes
  for (let i = 0; i < out.length; i++) if (out[i].code === 0x18) toOp(out, i);
  return { insns: out, oldToNew };
}
