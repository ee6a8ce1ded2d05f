// Domain operations of the verifier model, two tiers:
// - cold: the generic operators on the bigint backend, memoised by the inputs' values (the same
//   (operation, inputs) pairs recur within a run and across near-identical candidates);
// - hot: once an operator kind has run HOT times in a session, its compiled form
//   (src/domains/compiled.ts: the same generic code, recorded and compiled to int32 arithmetic),
//   which costs less than building the memo's key, so it is called directly.
// Compiling costs ~0.1 s per operator kind (recording, then V8's optimising compile of the
// generated code, which runs interpreted until V8 has seen it often), which short runs (a test,
// one check of a small program) would not earn back; hence the tiers. 2,000 calls of one kind is
// about one check of a 10,000-instruction path; Cilium-sized programs make 100,000s. Scalars are immutable, so results can be shared.
// Both tiers' caches belong to a DomainSession: one kernel flavor, its own memo, heat counts and
// compiled operators. The model takes one in its options (src/verifier/config.ts); sessions
// never share entries, so two configurations can run interleaved in one process.
import { scalarAlu, type ScalarAluOp } from '../domains/alu.ts';
import { refine, refineCondOp, revCond, branchTaken, type Cond, type RefineCond } from '../domains/branch.ts';
import { regBoundsSync } from '../domains/sync.ts';
import { markUnbounded, scalarSane, type KernelFlavor } from '../domains/scalar.ts';
import { coerceRegToSize, coerceRegToSizeSx, type SyncFn } from '../domains/alu-move.ts';
import { CompiledOps, ENTRY } from '../domains/compiled.ts';
import { ptrVarOffset, type PtrVarOp } from '../domains/alu-ptr.ts';
import { D, type Scalar } from './regs.ts';

/** 'tiered' (default): compiled once hot; 'bigint': never compiled (tests, before/after benchmarks); 'compiled': from the first call. */
export type DomainTier = 'tiered' | 'bigint' | 'compiled';
const envTier = process.env.BPFSYNTH_DOMAINS;
/** The tier new sessions start in: BPFSYNTH_DOMAINS, else 'tiered'. */
export const defaultTier = (): DomainTier => (envTier === 'bigint' || envTier === 'compiled' ? envTier : 'tiered');

const HOT = 2000;
const LIMIT = 1 << 16;
const FIELDS = ['umin', 'umax', 'smin', 'smax', 'u32min', 'u32max', 's32min', 's32max'] as const;

/** A scalar's value written out: the cold tier's key of it (DomainSession.idOf numbers these). */
const keyText = (s: Scalar): string =>
  `${s.varOff.value.toString(36)},${s.varOff.mask.toString(36)},${s.umin.toString(36)},${s.umax.toString(36)},${s.smin.toString(36)},${s.smax.toString(36)},${s.u32min.toString(36)},${s.u32max.toString(36)},${s.s32min.toString(36)},${s.s32max.toString(36)}`;

type Edges = { taken: readonly Scalar[]; fallthrough: readonly Scalar[] };

/** The verifier model's scalar operations for one kernel flavor, with their caches. */
export class DomainSession {
  tier: DomainTier;
  readonly compiled: CompiledOps;
  readonly stats = { hits: 0, misses: 0 };
  private cache = new Map<string, unknown>();
  private readonly heat = new Int32Array(ENTRY.count);

  /**
   * The cold tier's keys name scalars by number: each value's key text gets the next number the
   * first time it is met, and each scalar object (immutable) keeps its number, so a key is a few
   * digits. Written out, the two inputs' texts (ten bigints each in base 36) and the hashing of the
   * long key made a cold call cost ~2.5 µs; a steady incremental check of a small program makes
   * 0.03-0.17 of them per re-check (operator kinds too rare there to reach the compiled tier, on
   * objects met before at 60-95%). A number is never given to another value (the tables are
   * dropped when large, the count goes on), so a key names the same inputs for the session's life.
   */
  private ids = new Map<string, number>();
  private objIds = new WeakMap<Scalar, number>();
  private nextId = 0;

  /**
   * A byte swap's last input and answer per form (alu.ts endScalar: order and width, two entries
   * each), by object. A packet parser swaps the same loaded value on every path and in every
   * re-check (xdp_parse_drop: 2.2 swaps per re-check, 89% of them of the object swapped before),
   * and the swap itself (bigint byte shuffles, then a truncation and a sync through the tiers)
   * cost ~0.5 µs.
   */
  readonly endLast: (Scalar | undefined)[] = new Array(18).fill(undefined);

  constructor(readonly flavor: KernelFlavor, tier: DomainTier = defaultTier()) {
    this.tier = tier;
    this.compiled = new CompiledOps(flavor);
  }

  /** Forget cached results (compiled functions and heat stay): cold numbers for tests and benchmarks. */
  clear(): void {
    this.cache = new Map();
    this.ids = new Map();
    this.objIds = new WeakMap();
    this.endLast.fill(undefined);
    this.compiled.clearResults();
    this.stats.hits = this.stats.misses = 0;
  }

  /** Count one call of an operator kind (an ENTRY index); true when it should run compiled. */
  private hot(ix: number): boolean {
    if (this.tier !== 'tiered') return this.tier === 'compiled';
    return this.heat[ix] > HOT || ++this.heat[ix] > HOT;
  }

  /** The number naming `s`'s value in the cold tier's keys. */
  private idOf(s: Scalar): number {
    let id = this.objIds.get(s);
    if (id !== undefined) return id;
    const text = keyText(s);
    id = this.ids.get(text);
    if (id === undefined) {
      if (this.ids.size >= LIMIT) {
        this.ids = new Map();
        this.objIds = new WeakMap();
      }
      id = this.nextId++;
      this.ids.set(text, id);
    }
    this.objIds.set(s, id);
    return id;
  }

  private memo<T>(key: string, f: () => T): T {
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.stats.hits++;
      return hit as T;
    }
    this.stats.misses++;
    const v = f();
    if (this.cache.size >= LIMIT) this.cache = new Map();
    this.cache.set(key, v);
    return v;
  }

  // Each operation's cold path is a method of its own: a closure capturing the arguments makes
  // its function allocate a context on every call, the compiled tier's calls included.
  alu(op: ScalarAluOp, w: 32 | 64, a: Scalar, b: Scalar): Scalar {
    const ix = ENTRY.alu(op, w);
    return this.hot(ix) ? this.compiled.alu(op, w, a, b, ix) : this.aluCold(op, w, a, b);
  }

  private aluCold(op: ScalarAluOp, w: 32 | 64, a: Scalar, b: Scalar): Scalar {
    return this.memo(`a${op}${w}|${this.idOf(a)}|${this.idOf(b)}`, () => scalarAlu(D, op, w, a, b, this.flavor));
  }

  /** refine for two registers: [fallthrough a, b], [taken a, b]. */
  refine(a: Scalar, b: Scalar, c: Cond, w: 32 | 64): Edges {
    const ix = ENTRY.refine(c, w);
    return this.hot(ix) ? this.compiled.refine(a, b, c, w, ix) : this.refineCold(a, b, c, w);
  }

  private refineCold(a: Scalar, b: Scalar, c: Cond, w: 32 | 64): Edges {
    return this.memo(`r${c}${w}|${this.idOf(a)}|${this.idOf(b)}`, () => {
      const r = refine(D, a, b, c, w, this.flavor);
      return { fallthrough: r.fallthrough, taken: r.taken }; // the other edges' field order: one V8 map
    });
  }

  /** refine for an immediate operand: only the register is refined and synced. */
  refineFirst(a: Scalar, b: Scalar, c: Cond, w: 32 | 64): Edges {
    const ix = ENTRY.refine1(c, w);
    return this.hot(ix) ? this.compiled.refineFirst(a, b, c, w, ix) : this.refineFirstCold(a, b, c, w);
  }

  private refineFirstCold(a: Scalar, b: Scalar, c: Cond, w: 32 | 64): Edges {
    return this.memo(`k${c}${w}|${this.idOf(a)}|${this.idOf(b)}`, () => {
      const edge = (k: RefineCond): Scalar => {
        const x = regBoundsSync(D, refineCondOp(D, a, b, k, w)[0], this.flavor);
        return scalarSane(D, x) ? x : markUnbounded(D, x);
      };
      return { fallthrough: [edge(revCond(c))], taken: [edge(c)] };
    });
  }

  /**
   * reg_set_min_max with the same register on both sides (`if r1 < r1`): regs_refine_cond_op's
   * updates of reg1 and reg2 land on one register (reg2's are computed from fields reg1's update
   * did not touch, so applying both is the sequential result), which is then synced twice, once as
   * each operand. 6.18 refines these (fuzz verifier: `if w3 s>= w3` leaves w3 in [S32_MIN+1,
   * S32_MAX-1] on the fall-through).
   */
  refineSame(a: Scalar, c: Cond, w: 32 | 64): Edges {
    return this.memo(`=${c}${w}|${this.idOf(a)}`, () => {
      const edge = (k: RefineCond): Scalar => {
        const [x, y] = refineCondOp(D, a, a, k, w);
        const both = { ...a };
        for (const f of FIELDS) {
          if (x[f] !== a[f]) both[f] = x[f];
          if (y[f] !== a[f]) both[f] = y[f];
        }
        if (x.varOff.value !== a.varOff.value || x.varOff.mask !== a.varOff.mask) both.varOff = x.varOff;
        if (y.varOff.value !== a.varOff.value || y.varOff.mask !== a.varOff.mask) both.varOff = y.varOff;
        const s = regBoundsSync(D, regBoundsSync(D, both, this.flavor), this.flavor);
        return scalarSane(D, s) ? s : markUnbounded(D, s);
      };
      return { fallthrough: [edge(revCond(c))], taken: [edge(c)] };
    });
  }

  /** sync in the domain's SyncFn shape (scalarNeg, scalarMovReg, scalarMovsx take one): its tiers, not the generic sync on bigints. */
  readonly syncFn: SyncFn = ((_d: unknown, s: Scalar) => this.sync(s)) as SyncFn;

  sync(s: Scalar): Scalar {
    return this.hot(ENTRY.sync) ? this.compiled.sync(s) : this.syncCold(s);
  }

  private syncCold(s: Scalar): Scalar {
    return this.memo(`s|${this.idOf(s)}`, () => regBoundsSync(D, s, this.flavor));
  }

  /** A loaded value truncated (coerce_reg_to_size) or sign-extended (coerce_reg_to_size_sx) to `size` bytes. */
  coerce(s: Scalar, size: number, sx: boolean): Scalar {
    const ix = ENTRY.coerce(size, sx);
    return this.hot(ix) ? this.compiled.coerce(s, size, sx, ix) : this.coerceCold(s, size, sx);
  }

  private coerceCold(s: Scalar, size: number, sx: boolean): Scalar {
    return this.memo(`c${size}${sx ? 's' : 'u'}|${this.idOf(s)}`, () => (sx ? coerceRegToSizeSx(D, s, (size * 8) as 8 | 16 | 32, this.flavor) : coerceRegToSize(D, s, size, this.flavor)));
  }

  /**
   * A pointer's variable part moved by a non-constant scalar (adjust_ptr_min_max_vals): the
   * state check_reg_sane_offset sees and the synced one. Cold: the generic code on bigints, not
   * memoised (the sync is).
   */
  ptrVar(op: PtrVarOp, p: Scalar, o: Scalar): { raw: Scalar; synced: Scalar } {
    if (this.hot(ENTRY.ptrVar(op))) return this.compiled.ptrVar(op, p, o);
    const raw = ptrVarOffset(D, op, p, o, this.flavor);
    return { raw, synced: this.sync(raw) };
  }

  /** is_branch_taken on two scalars (not memoised: it is cheap next to building a key, or, compiled, next to a results-cache lookup). */
  branchTaken(a: Scalar, b: Scalar, c: Cond, w: 32 | 64): 1 | 0 | -1 {
    const ix = ENTRY.taken(c, w);
    return this.hot(ix) ? this.compiled.branchTaken(a, b, c, w, ix) : branchTaken(D, a, b, c, w);
  }
}

/**
 * One session per flavor for callers that pass none (the CLI, verify() without a session), made
 * on first use. Flavors are looked up by name: a flavor that crossed to a worker thread is a copy.
 */
const shared = new Map<string, DomainSession>();
export function defaultSession(flavor: KernelFlavor): DomainSession {
  let s = shared.get(flavor.name);
  if (!s) shared.set(flavor.name, (s = new DomainSession(flavor)));
  return s;
}

/** Clear every default session (tests and benchmarks that want cold numbers). */
export function clearMemo(): void {
  for (const s of shared.values()) s.clear();
}
