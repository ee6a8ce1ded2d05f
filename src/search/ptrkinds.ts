// A second cheap pre-filter: which registers certainly hold pointers, and ALU on them that the
// kernel forbids (adjust_ptr_min_max_vals / adjust_reg_min_max_vals, privileged rules):
//   32-bit ALU with a pointer operand           "R%d 32-bit pointer arithmetic prohibited"
//   pointer op ∉ {+, -}                          "R%d pointer arithmetic with %s operator prohibited"
//   pointer + pointer                            "R%d pointer += pointer prohibited"
//   scalar - pointer                             "R%d tried to subtract pointer from scalar"
//   any arithmetic on pkt_end or a map pointer   "pointer arithmetic on pkt_end / map_ptr prohibited"
//
// LEAKS: the kernel lets root turn a pointer into a number (w0 = w1, a pointer returned or stored
// into a packet or map). Its bits are an address that differs from run to run, and the
// interpreter cannot reproduce them, so tests cannot judge such a candidate; no compiled program
// does this, and the search refuses it here too.
//
// Kinds are joined at merges (differing kinds become "unknown"), and only a definite pointer
// is held against a candidate: apart from LEAKS, this refuses only what the verifier would refuse
// too; the model still runs on every improvement.
import { jumpTarget, type Op } from '../isa/op.ts';
import type { ProgType } from '../isa/program.ts';
import { ctxAccess } from '../verifier/ctx.ts';

export const U = 0; // unknown (not initialised, or differs between paths, or unknown after a load)
export const SCALAR = 1;
export const CTX = 2;
export const PKT = 3; // packet or packet meta: + and - with scalars allowed
export const PKT_END = 4;
export const STACK = 5;
/** MAP_PTR + m: map m itself (lddw of a map); MAP_VALUE + m: a value of map m (or null). */
export const MAP_PTR = 16;
export const MAP_VALUE = 128;
const NREG = 11;

const isPtr = (k: number): boolean => k >= CTX;
const isMapPtr = (k: number): boolean => k >= MAP_PTR && k < MAP_VALUE;
/** Kinds that allow no arithmetic at all. */
const frozen = (k: number): boolean => k === PKT_END || isMapPtr(k);
/** Where a lookup's r0 points, when r1 names a map (helper 1: map_lookup_elem). */
const LOOKUP = 1;

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
        if (op.width === 64 && op.op === 'mov') {
          k[op.dst] = s;
          return false;
        }
        k[op.dst] = s === SCALAR ? SCALAR : U;
        return isPtr(s); // a pointer's bits as a number (see LEAKS)
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
        k[op.dst] = d === SCALAR && s !== CTX ? s : U; // scalar + ptr
        return false;
      }
      k[op.dst] = s === SCALAR && d !== CTX ? d : U; // ptr ± scalar (CTX: only the unmodified ctx pointer)
      return false;
    }
    case 'end':
      k[op.dst] = k[op.dst] === SCALAR ? SCALAR : U;
      return false;
    case 'stx':
      return isPtr(k[op.src]) && k[op.dst] !== STACK; // see LEAKS
    case 'exit':
      return isPtr(k[0]); // see LEAKS
    case 'ldx':
      k[op.dst] = k[op.src] === CTX ? ctxLoadKind(type, op.off, op.size) : k[op.src] === PKT ? SCALAR : U;
      return false;
    case 'lddw': {
      // BPF_PSEUDO_MAP_FD / _IDX: the map; _VALUE / _IDX_VALUE: a pointer into its value
      const m = op.lo;
      k[op.dst] = op.pseudo === 0 ? SCALAR : (op.pseudo === 1 || op.pseudo === 5) && m < 100 ? MAP_PTR + m : (op.pseudo === 2 || op.pseudo === 6) && m < 100 ? MAP_VALUE + m : U;
      return false;
    }
    case 'atomic':
      if (op.fetch) k[op.op === 'cmpxchg' ? 0 : op.src] = U;
      return false;
    case 'call': {
      const r0 = op.callKind === 'helper' && op.imm === LOOKUP && isMapPtr(k[1]) ? MAP_VALUE + (k[1] - MAP_PTR) : U;
      for (let r = 0; r <= 5; r++) k[r] = U;
      k[0] = r0;
      return false;
    }
    case 'ldabs': case 'ldind':
      for (let r = 0; r <= 5; r++) k[r] = U;
      k[0] = SCALAR;
      return false;
    default:
      return false;
  }
}

/**
 * Forward analysis over the program (`end` slots): the kinds row of every reached slot (11
 * registers each; unreached slots stay U), and the first slot doing ALU the kernel forbids on a
 * register that holds a pointer on every path to it (-1 if none). A bpf-to-bpf call also flows
 * into its callee, which starts with the caller's r1-r5 (joined over call sites) and its own
 * stack in r10. Null slots are no-ops when `deleted(pc)`, else the second half of an lddw.
 */
export function pointerKinds(ops: readonly (Op | null)[], end: number, type: ProgType, deleted: (pc: number) => boolean): { rows: Uint8Array; misuse: number } {
  const rows = new Uint8Array(end * NREG);
  const seen = new Uint8Array(end);
  const cur = new Uint8Array(NREG);
  const callee = new Uint8Array(NREG);
  seen[0] = 1;
  rows[1] = CTX;
  rows[10] = STACK;
  const work = [0];
  let first = -1;
  const flow = (n: number, row: Uint8Array): void => {
    if (n < 0 || n >= end) return;
    const at = n * NREG;
    if (!seen[n]) {
      seen[n] = 1;
      rows.set(row, at);
      work.push(n);
      return;
    }
    let changed = false;
    for (let r = 0; r < NREG; r++) {
      if (rows[at + r] !== U && rows[at + r] !== row[r]) {
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
      if (deleted(pc)) flow(pc + 1, cur);
      continue;
    }
    if (op.kind === 'call' && op.callKind === 'local') {
      callee.fill(U);
      callee.set(cur.subarray(1, 6), 1);
      callee[10] = STACK;
      flow(jumpTarget(op, pc), callee);
    }
    if (step(op, cur, type) && (first < 0 || pc < first)) first = pc;
    if (op.kind === 'exit') continue;
    if (op.kind === 'ja') flow(jumpTarget(op, pc), cur);
    else {
      flow(pc + (op.kind === 'lddw' ? 2 : 1), cur);
      if (op.kind === 'jcond') flow(jumpTarget(op, pc), cur);
    }
  }
  return { rows, misuse: first };
}

/** The first slot misusing a pointer (see pointerKinds), or -1: the search's pre-filter. */
export function firstPointerMisuseOps(ops: readonly (Op | null)[], end: number, type: ProgType, deleted: (pc: number) => boolean): number {
  return pointerKinds(ops, end, type, deleted).misuse;
}
