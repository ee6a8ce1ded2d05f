// A claim checked goal by goal. The claim H ⇒ (g₁ ∧ … ∧ gₙ) holds iff every H ⇒ gᵢ does, so its
// negation is UNSAT iff every H ∧ ¬gᵢ is: the same property, asked as n smaller questions.
// Why: Z3 (bit-blasting, then SAT) proves the conjunction of a whole state's bounds far slower
// than each bound alone; measured on regs_refine_cond_op jset_not32: 19 730 628 resource units
// as one query, 1 161 007 for its 18 goals together.
import type { Bool, Solver } from 'z3-solver';
import type { Z3Ctx } from '../src/bv/z3.ts';
import { checkWithin, type Checked, type SolverCheck } from './budget.ts';

type B = Bool<'main'>;

// Z3_decl_kind values (z3_api.h) of the connectives the split looks through
const OP_AND = 261;
const OP_IMPLIES = 266;

/** One question of a claim: the hypotheses in force and the goal they must imply. */
export interface Goal {
  hyps: B[];
  goal: B;
}

/** The goals of a claim: through conjunctions, and through implications into their conclusion. */
export function goalsOf(ctx: Z3Ctx, claim: B, hyps: B[] = []): Goal[] {
  if (ctx.isApp(claim)) {
    const kind = claim.decl().kind();
    if (kind === OP_AND) return (claim.children() as B[]).flatMap((c) => goalsOf(ctx, c, hyps));
    if (kind === OP_IMPLIES) {
      const [h, p] = claim.children() as [B, B];
      return goalsOf(ctx, p, [...hyps, h]);
    }
  }
  return [{ hyps, goal: claim }];
}

/**
 * A claim of fewer goals is asked whole. Measured (resource units, whole → split): two-goal
 * claims went either way (scalar xor raw u64 2 011 623 → 3 289 344, is_scalar_branch_taken jeq
 * 41 225 160 → 48 719 171, but scalar_min_max_mul unsigned (ring, 12-bit) 19 173 642 →
 * 12 847 827); claims of many goals gained 10–60× (regs_refine_cond_op jset_not, 18 goals,
 * 74 205 667 → 1 316 409; __update_reg64_bounds min/max stage 15 437 040 → 332 778).
 */
export const MIN_GOALS = 3;

export interface ClaimChecked extends Checked {
  /** The solver of the last question asked: a model there is a counterexample to the claim. */
  solver: Solver<'main'>;
  /** How many questions the claim was asked as. */
  goals: number;
}

/**
 * Check `claim` in `ctx` (fresh: one instance per property, src/bv/z3-instance.ts) within one
 * resource limit for all its goals: Z3's count is per context, so after each goal it is the
 * total so far, and each check gets what is left (the rlimit parameter is relative to it).
 * The goals run in a fixed order, so the total is as deterministic as one query's.
 * `split` false (or fewer than MIN_GOALS goals) asks the negation of the whole claim at once.
 * `check` runs one check (a fresh instance's checkHere in the proofs).
 */
export async function checkClaim(ctx: Z3Ctx, claim: B, limit: number, check: SolverCheck, split = true): Promise<ClaimChecked> {
  const parts = split ? goalsOf(ctx, claim) : [];
  const goals = parts.length >= MIN_GOALS ? parts : [{ hyps: [], goal: claim }];
  let solver = new ctx.Solver('QF_BV');
  let last: Checked = { sat: 'unsat', used: 0, limit };
  for (const g of goals) {
    // Z3 reads an rlimit of 0 as no limit at all: a budget used up stops here
    if (last.used >= limit) return { sat: 'unknown', used: last.used, limit, solver, goals: goals.length };
    solver = new ctx.Solver('QF_BV');
    solver.add(...g.hyps, g.goal.not());
    last = await checkWithin(solver, limit - last.used, check);
    if (last.sat !== 'unsat') break;
  }
  return { sat: last.sat, used: last.used, limit, solver, goals: goals.length };
}
