// A claim checked goal by goal (proofs/goals.ts): the same verdict as the whole claim, a model
// of a failing goal is a counterexample, and a budget too small is not a proof.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withFreshZ3 } from '../../src/bv/z3-instance.ts';
import { checkClaim, goalsOf } from '../../proofs/goals.ts';

const t = suite('proofs/goals');

t('h ⇒ (a ∧ (b ∧ c)) is three goals under h; a plain atom is one', () =>
  withFreshZ3(async (ctx) => {
    const x = ctx.BitVec.const('x', 8), v = (n: number) => ctx.BitVec.val(n, 8);
    const h = x.ult(v(10)), a = x.ule(v(200)), b = x.neq(v(99)), c = x.add(v(1)).neq(v(0));
    const gs = goalsOf(ctx, ctx.Implies(h, ctx.And(a, ctx.And(b, c))));
    assert.is(gs.length, 3);
    for (const g of gs) assert.is(g.hyps.length, 1);
    assert.is(goalsOf(ctx, a).length, 1);
  }));

t('a true claim of three goals is proved; a false one gives a model that breaks it', () =>
  withFreshZ3(async (ctx, z3) => {
    const x = ctx.BitVec.const('x', 8), v = (n: number) => ctx.BitVec.val(n, 8);
    const ok = ctx.Implies(x.ult(v(10)), ctx.And(x.ule(v(200)), x.neq(v(99)), x.add(v(1)).neq(v(0))));
    const proved = await checkClaim(ctx, ok, 5_000_000, z3.checkHere);
    assert.is(proved.sat, 'unsat');
    assert.is(proved.goals, 3);
    const bad = ctx.Implies(x.ult(v(10)), ctx.And(x.ule(v(200)), x.neq(v(7)), x.add(v(1)).neq(v(0))));
    const refuted = await checkClaim(ctx, bad, 5_000_000, z3.checkHere);
    assert.is(refuted.sat, 'sat');
    assert.is(refuted.solver.model().eval(x, true).value(), 7n);
  }));

t('a budget too small for the goals answers unknown, never proved', () =>
  withFreshZ3(async (ctx, z3) => {
    const x = ctx.BitVec.const('x', 32), y = ctx.BitVec.const('y', 32), one = ctx.BitVec.val(1, 32);
    // each goal needs real work (a multiplication), so one unit of budget cannot cover them all
    const hard = ctx.And(x.mul(y).eq(y.mul(x)), x.mul(y).add(x).eq(x.mul(y.add(one))), x.mul(y).sub(y).eq(x.sub(one).mul(y)));
    const r = await checkClaim(ctx, hard, 1, z3.checkHere);
    assert.is(r.sat, 'unknown');
    assert.ok(r.used >= 1);
  }));

t.run();
