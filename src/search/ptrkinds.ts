// A second cheap pre-filter: which registers certainly hold pointers, and ALU on them that the
// kernel forbids (adjust_ptr_min_max_vals / adjust_reg_min_max_vals, privileged rules):
//   32-bit ALU with a pointer operand           "R%d 32-bit pointer arithmetic prohibited"
//   pointer op ∉ {+, -}                          "R%d pointer arithmetic with %s operator prohibited"
//   pointer + pointer                            "R%d pointer += pointer prohibited"
//   scalar - pointer                             "R%d tried to subtract pointer from scalar"
//   any arithmetic on pkt_end or a map pointer   "pointer arithmetic on pkt_end / map_ptr prohibited"
// Kinds are joined at merges (differing kinds become "unknown"), and only a definite pointer
// is held against a candidate, so this never refuses what the verifier model would accept for
// these reasons; the model still runs on every improvement.
import { jumpTarget, type Op } from '../isa/op.ts';
import type { ProgType } from '../isa/program.ts';
import { ctxAccess } from '../verifier/ctx.ts';

const U = 0; // unknown (not initialised, or differs between paths, or unknown after a load)
const SCALAR = 1;
const CTX = 2;
const PKT = 3; // packet or packet meta: + and - with scalars allowed
const PKT_END = 4;
const STACK = 5;
const MAP_PTR = 6;
const NREG = 11;

const isPtr = (k: number): boolean => k >= CTX;
/** Kinds that allow no arithmetic at all. */
const frozen = (k: number): boolean => k === PKT_END || k === MAP_PTR;

/** Kind a load from ctx yields for this program type. */
function ctxLoadKind(type: ProgType, off: number, size: number): number {
  const r = ctxAccess(type, off, size, false);
  if (r === 'pkt' || r === 'pkt_meta') return PKT;
  if (r === 'pkt_end') return PKT_END;
  return r === 'scalar' ? SCALAR : U;
}

/** Apply one instruction to the kinds row `k` (in place); true when the kernel would refuse it. */
function step(op: Op, k: Uint8Array, type: ProgType): boolean {
  switch (op.kind) {
    case 'alu': {
      const d = k[op.dst];
      const s = 'reg' in op.src ? k[op.src.reg] : SCALAR;
      if (op.op === 'mov' || op.op === 'movsx') {
        k[op.dst] = op.width === 64 && op.op === 'mov' ? s : isPtr(s) || s === U ? U : SCALAR;
        return false;
      }
      if (op.op === 'neg') {
        k[op.dst] = d === SCALAR ? SCALAR : U;
        return false;
      }
      if (!isPtr(d) && !isPtr(s)) {
        k[op.dst] = d === SCALAR && s === SCALAR ? SCALAR : U;
        return false;
      }
      if (op.width === 32) return true;
      if (op.op !== 'add' && op.op !== 'sub') return true; // whatever the other operand is
      if (isPtr(d) && isPtr(s)) {
        if (op.op === 'add') return true;
        k[op.dst] = SCALAR; // ptr - ptr, of any kinds
        return false;
      }
      if (frozen(d) || frozen(s)) return true;
      if (isPtr(s)) {
        if (op.op === 'sub' && d === SCALAR) return true;
        k[op.dst] = d === SCALAR ? s : U; // scalar + ptr
        return false;
      }
      k[op.dst] = s === SCALAR ? d : U; // ptr ± scalar
      return false;
    }
    case 'end':
      k[op.dst] = k[op.dst] === SCALAR ? SCALAR : U;
      return false;
    case 'ldx':
      k[op.dst] = k[op.src] === CTX ? ctxLoadKind(type, op.off, op.size) : k[op.src] === PKT ? SCALAR : U;
      return false;
    case 'lddw':
      k[op.dst] = op.pseudo === 0 ? SCALAR : op.pseudo === 1 ? MAP_PTR : U;
      return false;
    case 'atomic':
      if (op.fetch) k[op.op === 'cmpxchg' ? 0 : op.src] = U;
      return false;
    case 'call':
      for (let r = 0; r <= 5; r++) k[r] = U;
      return false;
    case 'ldabs': case 'ldind':
      for (let r = 0; r <= 5; r++) k[r] = U;
      k[0] = SCALAR;
      return false;
    default:
      return false;
  }
}

/**
 * The first slot (of the entry function, `end` slots) doing ALU the kernel forbids on a
 * register that holds a pointer on every path to it, or -1. Null slots are no-ops when
 * `deleted(pc)`, else the second half of an lddw.
 */
export function firstPointerMisuseOps(ops: readonly (Op | null)[], end: number, type: ProgType, deleted: (pc: number) => boolean): number {
  const rows = new Uint8Array(end * NREG);
  const seen = new Uint8Array(end);
  const cur = new Uint8Array(NREG);
  seen[0] = 1;
  rows[1] = CTX;
  rows[10] = STACK;
  const work = [0];
  let first = -1;
  const flow = (n: number): void => {
    if (n < 0 || n >= end) return;
    const at = n * NREG;
    if (!seen[n]) {
      seen[n] = 1;
      rows.set(cur, at);
      work.push(n);
      return;
    }
    let changed = false;
    for (let r = 0; r < NREG; r++) {
      if (rows[at + r] !== U && rows[at + r] !== cur[r]) {
        rows[at + r] = U;
        changed = true;
      }
    }
    if (changed) work.push(n);
  };
  while (work.length) {
    const pc = work.pop()!;
    const op = ops[pc];
    cur.set(rows.subarray(pc * NREG, pc * NREG + NREG));
    if (!op) {
      if (deleted(pc)) flow(pc + 1);
      continue;
    }
    if (step(op, cur, type) && (first < 0 || pc < first)) first = pc;
    if (op.kind === 'exit') continue;
    if (op.kind === 'ja') flow(jumpTarget(op, pc));
    else {
      flow(pc + (op.kind === 'lddw' ? 2 : 1));
      if (op.kind === 'jcond') flow(jumpTarget(op, pc));
    }
  }
  return first;
}
