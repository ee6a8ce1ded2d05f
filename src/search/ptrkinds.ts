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
import type { Op } from '../isa/op.ts';
import { solveForward, type ForwardProblem } from '../isa/flow.ts';
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

/** What step() found: nothing, ALU the kernel refuses, or a pointer leaked as a number (see LEAKS). */
const FINE = 0, MISUSE = 1, LEAK = 2;
type Finding = typeof FINE | typeof MISUSE | typeof LEAK;
const leakIf = (b: boolean): Finding => (b ? LEAK : FINE);

/** Apply one instruction to the kinds row `k` (in place); what the kernel (or LEAKS) would say. */
function step(op: Op, k: Uint8Array, type: ProgType): Finding {
  switch (op.kind) {
    case 'alu': {
      const d = k[op.dst];
      const s = 'reg' in op.src ? k[op.src.reg] : SCALAR;
      if (op.op === 'mov' || op.op === 'movsx') {
        if (op.width === 64 && op.op === 'mov') {
          k[op.dst] = s;
          return FINE;
        }
        k[op.dst] = s === SCALAR ? SCALAR : U;
        return leakIf(isPtr(s)); // a pointer's bits as a number
      }
      if (op.op === 'neg') {
        k[op.dst] = d === SCALAR ? SCALAR : U;
        return FINE;
      }
      if (!isPtr(d) && !isPtr(s)) {
        k[op.dst] = d === SCALAR && s === SCALAR ? SCALAR : U;
        return FINE;
      }
      if (op.width === 32) return MISUSE;
      if (op.op !== 'add' && op.op !== 'sub') return MISUSE; // whatever the other operand is
      if (isPtr(d) && isPtr(s)) {
        if (op.op === 'add') return MISUSE;
        k[op.dst] = SCALAR; // ptr - ptr, of any kinds
        return FINE;
      }
      if (frozen(d) || frozen(s)) return MISUSE;
      if (isPtr(s)) {
        if (op.op === 'sub' && d === SCALAR) return MISUSE;
        k[op.dst] = d === SCALAR && s !== CTX ? s : U; // scalar + ptr
        return FINE;
      }
      k[op.dst] = s === SCALAR && d !== CTX ? d : U; // ptr ± scalar (CTX: only the unmodified ctx pointer)
      return FINE;
    }
    case 'end':
      k[op.dst] = k[op.dst] === SCALAR ? SCALAR : U;
      return FINE;
    case 'stx':
      return leakIf(isPtr(k[op.src]) && k[op.dst] !== STACK);
    case 'exit':
      return leakIf(isPtr(k[0]));
    case 'ldx':
      k[op.dst] = k[op.src] === CTX ? ctxLoadKind(type, op.off, op.size) : k[op.src] === PKT ? SCALAR : U;
      return FINE;
    case 'lddw': {
      // BPF_PSEUDO_MAP_FD / _IDX: the map; _VALUE / _IDX_VALUE: a pointer into its value
      const m = op.lo;
      k[op.dst] = op.pseudo === 0 ? SCALAR : (op.pseudo === 1 || op.pseudo === 5) && m < 100 ? MAP_PTR + m : (op.pseudo === 2 || op.pseudo === 6) && m < 100 ? MAP_VALUE + m : U;
      return FINE;
    }
    case 'atomic':
      if (op.fetch) k[op.op === 'cmpxchg' ? 0 : op.src] = U;
      return FINE;
    case 'call': {
      const r0 = op.callKind === 'helper' && op.imm === LOOKUP && isMapPtr(k[1]) ? MAP_VALUE + (k[1] - MAP_PTR) : U;
      for (let r = 0; r <= 5; r++) k[r] = U;
      k[0] = r0;
      return FINE;
    }
    case 'ldabs': case 'ldind':
      for (let r = 0; r <= 5; r++) k[r] = U;
      k[0] = SCALAR;
      return FINE;
    default:
      return FINE;
  }
}

/**
 * Forward analysis over the program (`end` slots): the kinds row of every reached slot (11
 * registers each; unreached slots stay U), and the first slot doing ALU the kernel forbids on a
 * register that holds a pointer on every path to it (-1 if none), and apart the first leak (LEAKS). A bpf-to-bpf call also flows
 * into its callee, which starts with the caller's r1-r5 (joined over call sites) and its own
 * stack in r10. Null slots are no-ops when `deleted(pc)`, else the second half of an lddw.
 */
export function pointerKinds(ops: readonly (Op | null)[], end: number, type: ProgType, deleted: (pc: number) => boolean): { rows: Uint8Array; misuse: number; leak: number } {
  const p = new Kinds(end, type);
  solveForward({ ops, end, deleted }, p);
  return { rows: p.rows, misuse: p.misuse, leak: p.leak };
}

/** The forward problem: one kinds row per slot, joined toward U. */
class Kinds implements ForwardProblem {
  readonly rows: Uint8Array;
  misuse = -1;
  leak = -1;
  private readonly seen: Uint8Array;
  private readonly cur = new Uint8Array(NREG);
  private readonly callee = new Uint8Array(NREG);
  constructor(end: number, private readonly type: ProgType) {
    this.rows = new Uint8Array(end * NREG);
    this.seen = new Uint8Array(end);
    this.seen[0] = 1;
    this.rows[1] = CTX;
    this.rows[10] = STACK;
  }
  transfer(pc: number, op: Op | null): void {
    this.cur.set(this.rows.subarray(pc * NREG, pc * NREG + NREG));
    const f = op ? step(op, this.cur, this.type) : FINE;
    if (f === MISUSE && (this.misuse < 0 || pc < this.misuse)) this.misuse = pc;
    if (f === LEAK && (this.leak < 0 || pc < this.leak)) this.leak = pc;
  }
  join(to: number): boolean {
    return this.merge(to, this.cur);
  }
  joinCallee(pc: number, to: number): boolean {
    const c = this.callee;
    c.fill(U);
    c.set(this.rows.subarray(pc * NREG + 1, pc * NREG + 6), 1);
    c[10] = STACK;
    return this.merge(to, c);
  }
  private merge(n: number, row: Uint8Array): boolean {
    const rows = this.rows, at = n * NREG;
    if (!this.seen[n]) {
      this.seen[n] = 1;
      rows.set(row, at);
      return true;
    }
    let changed = false;
    for (let r = 0; r < NREG; r++) {
      if (rows[at + r] !== U && rows[at + r] !== row[r]) {
        rows[at + r] = U;
        changed = true;
      }
    }
    return changed;
  }
}

/** The first slot misusing or leaking a pointer (see pointerKinds), or -1: the search's pre-filter. */
export function firstPointerMisuseOps(ops: readonly (Op | null)[], end: number, type: ProgType, deleted: (pc: number) => boolean): number {
  const { misuse, leak } = pointerKinds(ops, end, type, deleted);
  return misuse < 0 ? leak : leak < 0 ? misuse : Math.min(misuse, leak);
}
