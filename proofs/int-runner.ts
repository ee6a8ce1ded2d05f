// Proof runner for the exact integer model (src/bv/z3int.ts): the claim is built over Z3 Int
// terms, every ring input is constrained to [0, 2^w), and the negation is checked with Z3's
// nonlinear integer arithmetic: UNSAT = proved. A model is a counterexample; the property's
// concrete form is evaluated on it (bigints, concrete backend) to show that it really fails.
import type { Bits } from '../src/bv/bits.ts';
import type { Z3Ctx } from '../src/bv/z3.ts';
import { withFreshZ3, type FreshZ3 } from '../src/bv/z3-instance.ts';
import { checkWithin, limitFor, undecided } from './budget.ts';
import { z3IntBits, z3IntRange, z3IntSigned, type Z3Int, type Z3IntBool } from '../src/bv/z3int.ts';
import { tagOf, type ProofResult, type ProveOptions } from './runner.ts';

/** What an integer-model claim is built with. */
export interface IntModel {
  readonly ctx: Z3Ctx;
  readonly width: number;
  /** The ring of width-bit values as exact integers: the backend the domain code runs on. */
  readonly r: Bits<Z3Int, Z3IntBool>;
  /** The signed reading of a ring value (the very term the ring's signed comparisons use). */
  sg(v: Z3Int): Z3Int;
}

export interface IntProperty {
  readonly name: string;
  /** 'ring': every input is a width-bit value in [0, 2^w); 'int': inputs are unbounded integers. */
  readonly inputs: 'ring' | 'int';
  claim(m: IntModel, val: (name: string) => Z3Int): Z3IntBool;
  /** The same claim on concrete inputs (missing names read as 0), to replay a counterexample. */
  concrete(width: number, values: Record<string, bigint>): boolean;
}

/**
 * A solver for a nonlinear integer claim whose work depends on nothing but the claim.
 *
 * Why not `new ctx.Solver()`: for QF_NIA Z3's default strategy (qfnia_tactic.cpp) runs its SMT
 * branch under `try_for(…, 2000)` and nlsat under `try_for(…, 3000)`: wall-clock timeouts, so how
 * much work a claim takes, and which branch proves it, depends on the machine's load. Measured:
 * the 64-bit signed mul bounds claim took 1.53 M, 0.88 M and 1.76 M units on three runs. Here the
 * same preamble and the branch that proves every claim of this runner (simplify to sums of
 * monomials, then the SMT core with its nonlinear solver), with no timer: three runs, one busy,
 * gave identical counts for all seven claims, each lower than the default's.
 */
export function nonlinearSolver(ctx: Z3Ctx) {
  const preamble = ctx.AndThen(
    'simplify',
    'propagate-values',
    'solve-eqs',
    ctx.With('ctx-simplify', { max_depth: 30, max_steps: 5_000_000 }),
    ctx.With('simplify', { pull_cheap_ite: true, local_ctx: true, local_ctx_limit: 10_000_000 }),
    'elim-uncnstr',
    'lia2card',
    'card2bv',
    ctx.OrElse('cofactor-term-ite', 'skip'),
  );
  return ctx.AndThen(preamble, ctx.With('simplify', { som: true }), 'smt').solver();
}

/** Prove `p` at `width` in a Z3 context of its own, within its resource limit. */
export function proveInt(p: IntProperty, width: number, o: ProveOptions = {}): Promise<ProofResult> {
  return withFreshZ3((ctx, z3) => proveIntIn(ctx, z3, p, width, o));
}

async function proveIntIn(ctx: Z3Ctx, z3: FreshZ3, p: IntProperty, width: number, o: ProveOptions): Promise<ProofResult> {
  const prefix = o.prefix ?? tagOf(p.name);
  const m: IntModel = { ctx, width, r: z3IntBits(ctx, width), sg: (v) => z3IntSigned(ctx, width, v) };
  const vars = new Map<string, Z3Int>();
  const val = (name: string): Z3Int => {
    let v = vars.get(name);
    if (!v) vars.set(name, (v = ctx.Int.const(`${prefix}${name}`)));
    return v;
  };
  const t0 = performance.now();
  const claim = p.claim(m, val);
  const solver = nonlinearSolver(ctx);
  if (p.inputs === 'ring') for (const v of vars.values()) solver.add(z3IntRange(ctx, width, v));
  solver.add(claim.not());
  const { sat, used, limit } = await checkWithin(solver, o.rlimit ?? limitFor(p.name, width), z3.checkHere);
  const ms = Math.round(performance.now() - t0);
  const base = { name: p.name, width, ms, rlimit: used, limit };
  try {
    if (sat === 'unsat') return { ...base, result: 'proved' };
    if (sat === 'unknown') return { ...base, ...undecided(solver.reasonUnknown(), used, limit) };
    const model = solver.model();
    const counterexample: Record<string, bigint> = {};
    for (const [name, v] of vars) {
      const x = model.eval(v, true);
      if (!ctx.isIntVal(x)) throw new Error(`model value of ${name} is not an integer: ${x.toString()}`);
      counterexample[name] = x.value();
    }
    return { ...base, result: 'counterexample', counterexample, replayed: p.concrete(width, counterexample) };
  } finally {
    solver.release();
  }
}
