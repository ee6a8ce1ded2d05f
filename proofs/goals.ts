// A claim checked goal by goal. The claim H ⇒ (g₁ ∧ … ∧ gₙ) holds iff every H ⇒ gᵢ does, so its
// negation is UNSAT iff every H ∧ ¬gᵢ is: the same property, asked as n smaller questions.
// Why: Z3 (bit-blasting, then SAT) proves the conjunction of a whole state's bounds far slower
// than each bound alone; measured on regs_refine_cond_op jset_not32: 19 730 628 resource units
// as one query, 1 161 007 for its 18 goals together.
import type { Bool, Solver } from 'z3-solver';
import type { Z3Ctx } from '../src/bv/z3.ts';
import { checkWithin, type Checked } from './budget.ts';

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
 * `split` false asks the negation of the whole claim at once.
 */
export async function checkClaim(ctx: Z3Ctx, claim: B, limit: number, split = true): Promise<ClaimChecked> {
  const goals = split ? goalsOf(ctx, claim) : [{ hyps: [], goal: claim }];
  let solver = new ctx.Solver('QF_BV');
  let last: Checked = { sat: 'unsat', used: 0, limit };
  for (const g of goals) {
    solver = new ctx.Solver('QF_BV');
    solver.add(...g.hyps, g.goal.not());
    last = await checkWithin(solver, limit - last.used);
    if (last.sat !== 'unsat') break;
  }
  return { sat: last.sat, used: last.used, limit, solver, goals: goals.length };
}
