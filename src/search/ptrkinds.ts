// The search's cheap pre-filter: one forward pass over register types, the verifier model's own
// (src/isa/regtype.ts) projected onto not_init, scalar, ctx, pkt, pkt_end, fp, map_ptr, map_value
// (see `project`) without values, that
// refuses what the kernel refuses on every path reaching an instruction:
//   a read of a register some path leaves not_init   "R%d !read_ok" (check_reg_arg)
//   32-bit ALU with a pointer operand                 "R%d 32-bit pointer arithmetic prohibited"
//   pointer op ∉ {+, -}                                "R%d pointer arithmetic with %s operator prohibited"
//   pointer + pointer                                  "R%d pointer += pointer prohibited"
//   scalar - pointer                                   "R%d tried to subtract pointer from scalar"
//   any arithmetic on pkt_end or a map pointer         "pointer arithmetic on pkt_end / map_ptr prohibited"
//   an access through r10 not aligned to its size       "misaligned stack access off ..."
//   a pointer stored to the stack in < 8 bytes          "invalid size of register spill"
//
// LEAKS: the kernel lets root turn a pointer into a number (w0 = w1, a pointer returned or stored
// into a packet or map). Its bits are an address that differs from run to run, and the
// interpreter cannot reproduce them, so tests cannot judge such a candidate; no compiled program
// does this, and the search refuses it too (reported apart: it is policy, not the kernel's rule).
//
// Unprivileged (firstRefusal's `unpriv`): a conditional jump on a definite pointer other than a
// packet pointer is refused where the kernel refuses it whatever the values ("R%d pointer
// comparison prohibited"): a pointer as the source register, or as the destination compared
// with an immediate, except a map pointer or map value in a 64-bit == / != 0 (a null check, or
// decided for a pointer that cannot be null).
//
// Types are joined at merges: not_init on any path stays not_init (the kernel explores that
// path), values of different maps become MAP_VALUE_SOME, other differing types "unknown";
// only a definite pointer is held against a
// candidate. Being path-insensitive, this is the projection of the model exploring both edges of
// every branch (test/search/prefilter-sound.test.ts); the model still runs on every improvement.
import type { Op } from '../isa/op.ts';
import { solveForward, uses, type ForwardProblem, type HelperArgs } from '../isa/flow.ts';
import { helperArgsFor } from '../isa/protos.ts';
import type { ProgType } from '../isa/program.ts';
import { ctxAccess } from '../verifier/ctx.ts';
import { typeCode, typeOfCode, type RegType } from '../isa/regtype.ts';

/**
 * A kind is the projection of a model register type (src/isa/regtype.ts) onto what this pass
 * tracks: the type's code in the low 5 bits (0: initialised, type unknown) and, for map_ptr and
 * map_value, the map's index above them. The projection keeps the types whose rules differ here
 * and folds the rest: pkt_meta is pkt (the same arithmetic rules), map_value_or_null is
 * map_value (the pass does not see null checks), and types the rules do not name are unknown.
 */
export type Kind = number;
const TYPE_BITS = 5, TYPE_MASK = (1 << TYPE_BITS) - 1;
/** Maps from this index on project to unknown (rows are 16 bits; the last index is MAP_VALUE_SOME's). */
const MAX_MAPS = (1 << (16 - TYPE_BITS)) - 1;

/** Initialised, type unknown (differs between paths, or unknown after a load). */
export const U: Kind = 0;
export const NOT_INIT: Kind = typeCode('not_init');
export const SCALAR: Kind = typeCode('scalar');
export const CTX: Kind = typeCode('ctx');
/** Packet or packet meta: + and - with scalars allowed. */
export const PKT: Kind = typeCode('pkt');
export const PKT_END: Kind = typeCode('pkt_end');
export const STACK: Kind = typeCode('fp');
const MAP_PTR_CODE = typeCode('map_ptr'), MAP_VALUE_CODE = typeCode('map_value');
/**
 * A value of one of several maps (paths that looked up different maps meet): a map value for
 * every rule here, but of no one map. A window proof may still type it (prove.ts) when no other
 * register can reach map memory: the region is then arbitrary and aliases nothing it holds.
 */
export const MAP_VALUE_SOME: Kind = MAP_VALUE_CODE | (MAX_MAPS << TYPE_BITS);

/** The kind of a model register type (and its map, for map_ptr / map_value). */
export function project(t: RegType, map = 0): Kind {
  switch (t) {
    case 'not_init': case 'scalar': case 'ctx': case 'fp': case 'pkt': case 'pkt_end':
      return typeCode(t);
    case 'pkt_meta':
      return PKT;
    case 'map_ptr':
      return map >= 0 && map < MAX_MAPS ? MAP_PTR_CODE | (map << TYPE_BITS) : U;
    case 'map_value': case 'map_value_or_null':
      return map >= 0 && map < MAX_MAPS ? MAP_VALUE_CODE | (map << TYPE_BITS) : U;
    default:
      return U;
  }
}

/** The model type a kind stands for (undefined: unknown), and its map index. */
export const kindType = (k: Kind): RegType | undefined => typeOfCode(k & TYPE_MASK);
export const kindMap = (k: Kind): number => k >> TYPE_BITS;
export const isMapPtr = (k: Kind): boolean => (k & TYPE_MASK) === MAP_PTR_CODE;
export const isMapValue = (k: Kind): boolean => (k & TYPE_MASK) === MAP_VALUE_CODE;
const NREG = 11;

const isPtr = (k: Kind): boolean => k !== U && k !== NOT_INIT && k !== SCALAR;
/** Kinds that allow no arithmetic at all. */
const frozen = (k: Kind): boolean => k === PKT_END || isMapPtr(k);
/** Where a lookup's r0 points, when r1 names a map (helper 1: map_lookup_elem). */
const LOOKUP = 1;

/** Kind a load from ctx yields for this program type. */
function ctxLoadKind(type: ProgType, off: number, size: number): Kind {
  const r = ctxAccess(type, off, size, false);
  return r === 'pkt' || r === 'pkt_meta' || r === 'pkt_end' || r === 'scalar' ? project(r) : U;
}

/** Unprivileged: a jump the kernel refuses as a pointer comparison on these kinds, whatever the values. */
function unprivPtrCompare(op: Op, k: Uint16Array): boolean {
  if (op.kind !== 'jcond') return false;
  const ptr = (r: number): boolean => isPtr(k[r]) && k[r] !== PKT && k[r] !== PKT_END;
  if ('reg' in op.src) return ptr(op.src.reg);
  // == / != 0 is decided (or a null check) only for map pointers and map values (reg_not_null)
  return ptr(op.dst) && (op.src.imm !== 0 || op.width === 32 || (op.op !== 'jeq' && op.op !== 'jne') || !(isMapPtr(k[op.dst]) || isMapValue(k[op.dst])));
}

/**
 * An access through r10 itself that is not naturally aligned: the kernel checks stack accesses
 * strictly ("misaligned stack access", check_ptr_alignment), and r10's offset is 0. (Through
 * a copy of r10 the offset is not tracked here.)
 */
const misalignedFp = (base: number, off: number, size: number): boolean => base === 10 && off % size !== 0;

/** What step() found: nothing, ALU the kernel refuses, or a pointer leaked as a number (see LEAKS). */
const FINE = 0, MISUSE = 1, LEAK = 2;
type Finding = typeof FINE | typeof MISUSE | typeof LEAK;
const leakIf = (b: boolean): Finding => (b ? LEAK : FINE);

/** Apply one instruction to the kinds row `k` (in place); what the kernel (or LEAKS) would say. */
function step(op: Op, k: Uint16Array, type: ProgType): Finding {
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
      if (frozen(d) || frozen(s)) {
        // pkt_end (or a map pointer) minus an operand of unknown type: the kernel allows ptr - ptr
        // (root) and refuses ptr - scalar, so only a known other operand can be judged
        if (op.op === 'sub' && (d === U || s === U)) {
          k[op.dst] = U;
          return FINE;
        }
        return MISUSE;
      }
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
      if (misalignedFp(op.dst, op.off, op.size)) return MISUSE;
      // a pointer spilled to the stack in fewer than 8 bytes (not a map value: it may be the
      // null of map_value_or_null, a scalar after its null check)
      if (isPtr(k[op.src]) && !isMapValue(k[op.src]) && k[op.dst] === STACK && op.size !== 8) return MISUSE;
      return leakIf(isPtr(k[op.src]) && k[op.dst] !== STACK);
    case 'st':
      return misalignedFp(op.dst, op.off, op.size) ? MISUSE : FINE;
    case 'exit':
      return leakIf(isPtr(k[0]));
    case 'ldx':
      if (misalignedFp(op.src, op.off, op.size)) return MISUSE;
      k[op.dst] = k[op.src] === CTX ? ctxLoadKind(type, op.off, op.size) : k[op.src] === PKT ? SCALAR : U;
      return FINE;
    case 'lddw': {
      // BPF_PSEUDO_MAP_FD / _IDX: the map; _VALUE / _IDX_VALUE: a pointer into its value
      const m = op.lo;
      k[op.dst] = op.pseudo === 0 ? SCALAR : op.pseudo === 1 || op.pseudo === 5 ? project('map_ptr', m) : op.pseudo === 2 || op.pseudo === 6 ? project('map_value', m) : U;
      return FINE;
    }
    case 'atomic':
      if (misalignedFp(op.dst, op.off, op.size)) return MISUSE;
      if (op.fetch) k[op.op === 'cmpxchg' ? 0 : op.src] = U;
      return FINE;
    case 'call': {
      const r0 = op.callKind === 'helper' && op.imm === LOOKUP && isMapPtr(k[1]) ? project('map_value_or_null', kindMap(k[1])) : U;
      for (let r = 1; r <= 5; r++) k[r] = NOT_INIT;
      k[0] = r0;
      return FINE;
    }
    case 'ldabs': case 'ldind':
      for (let r = 1; r <= 5; r++) k[r] = NOT_INIT;
      k[0] = SCALAR;
      return FINE;
    default:
      return FINE;
  }
}

/** What the pre-filter found: the first slot of each kind of refusal, -1 for none. */
export interface PreFilterResult {
  /** Kinds of the 11 registers before each reached slot (unreached: all U). */
  readonly rows: Uint16Array;
  /** A register read while not_init on some path ("R%d !read_ok"). */
  readonly undefinedRead: number;
  /** ALU the kernel forbids on a definite pointer. */
  readonly misuse: number;
  /** A pointer turned into a number (LEAKS). */
  readonly leak: number;
}

/**
 * Forward analysis over the program (`end` slots). Entry: r1 ctx, r10 the stack, the rest
 * not_init. A bpf-to-bpf call also flows into its callee, which starts with the caller's r1-r5
 * (joined over call sites), r0 and r6-r9 not_init and its own stack in r10. Helpers read their
 * prototype's arguments for `type`. Null slots are no-ops when `deleted(pc)`, else the second
 * half of an lddw.
 */
export function pointerKinds(ops: readonly (Op | null)[], end: number, type: ProgType, deleted: (pc: number) => boolean, unpriv = false): PreFilterResult {
  const p = new Kinds(end, type, unpriv);
  solveForward({ ops, end, deleted }, p);
  return { rows: p.rows, undefinedRead: p.undefinedRead, misuse: p.misuse, leak: p.leak };
}

/** The forward problem: one types row per slot. */
class Kinds implements ForwardProblem {
  readonly rows: Uint16Array;
  undefinedRead = -1;
  misuse = -1;
  leak = -1;
  private readonly seen: Uint8Array;
  private readonly cur = new Uint16Array(NREG);
  private readonly callee = new Uint16Array(NREG);
  private readonly args: HelperArgs;
  constructor(end: number, private readonly type: ProgType, private readonly unpriv = false) {
    this.args = helperArgsFor(type);
    this.rows = new Uint16Array(end * NREG);
    this.seen = new Uint8Array(end);
    this.seen[0] = 1;
    if (end > 0) {
      this.rows.fill(NOT_INIT, 0, NREG);
      this.rows[1] = CTX;
      this.rows[10] = STACK;
    }
  }
  transfer(pc: number, op: Op | null): void {
    const cur = this.cur;
    cur.set(this.rows.subarray(pc * NREG, pc * NREG + NREG));
    if (!op) return;
    const u = uses(op, this.args);
    for (let r = 0; u >> r; r++) {
      if ((u >> r) & 1 && cur[r] === NOT_INIT && (this.undefinedRead < 0 || pc < this.undefinedRead)) this.undefinedRead = pc;
    }
    const f = this.unpriv && unprivPtrCompare(op, cur) ? MISUSE : step(op, cur, this.type);
    if (f === MISUSE && (this.misuse < 0 || pc < this.misuse)) this.misuse = pc;
    if (f === LEAK && (this.leak < 0 || pc < this.leak)) this.leak = pc;
  }
  join(to: number): boolean {
    return this.merge(to, this.cur);
  }
  joinCallee(pc: number, to: number): boolean {
    const c = this.callee;
    c.fill(NOT_INIT);
    c.set(this.rows.subarray(pc * NREG + 1, pc * NREG + 6), 1);
    c[10] = STACK;
    return this.merge(to, c);
  }
  private merge(n: number, row: Uint16Array): boolean {
    const rows = this.rows, at = n * NREG;
    if (!this.seen[n]) {
      this.seen[n] = 1;
      rows.set(row, at);
      return true;
    }
    let changed = false;
    for (let r = 0; r < NREG; r++) {
      const o = rows[at + r], x = row[r];
      if (o === x || o === NOT_INIT) continue;
      const v = x === NOT_INIT ? NOT_INIT : isMapValue(o) && isMapValue(x) ? MAP_VALUE_SOME : U;
      if (v !== o) {
        rows[at + r] = v;
        changed = true;
      }
    }
    return changed;
  }
}

/** The first slot the pre-filter refuses (an undefined read, a pointer misuse or leak), or -1. */
export function firstRefusal(ops: readonly (Op | null)[], end: number, type: ProgType, deleted: (pc: number) => boolean, unpriv = false): number {
  let first = -1;
  const r = pointerKinds(ops, end, type, deleted, unpriv);
  for (const pc of [r.undefinedRead, r.misuse, r.leak]) if (pc >= 0 && (first < 0 || pc < first)) first = pc;
  return first;
}

/** The first slot misusing or leaking a pointer (see pointerKinds), or -1. */
export function firstPointerMisuseOps(ops: readonly (Op | null)[], end: number, type: ProgType, deleted: (pc: number) => boolean): number {
  const { misuse, leak } = pointerKinds(ops, end, type, deleted);
  return misuse < 0 ? leak : leak < 0 ? misuse : Math.min(misuse, leak);
}
