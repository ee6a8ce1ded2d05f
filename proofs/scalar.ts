// Soundness of the scalar-bounds domain (src/domains): for every pair of well-formed states and
// every pair of members, the concrete result of the operation is a member of the abstract
// result. Proved with the same domain code instantiated over Z3's 64/32-bit rings.
//
// Two forms, as Agni does: from any well-formed inputs, and from inputs that went through
// reg_bounds_sync (the states the verifier actually holds).
import type { Bits64x32 } from '../src/bv/bits.ts';
import { aluSem } from '../src/bv/alu.ts';
import { concrete64x32 } from '../src/bv/concrete.ts';
import { z3Pair, type Z3BV, type Z3Ctx } from '../src/bv/z3.ts';
import { withFreshZ3, type FreshZ3 } from '../src/bv/z3-instance.ts';
import { checkClaim } from './goals.ts';
import { limitFor, undecided } from './budget.ts';
import { scalarAlu, type ScalarAluOp } from '../src/domains/alu.ts';
import * as S from '../src/domains/sync.ts';
import { regBoundsSync } from '../src/domains/sync.ts';
import { LINUX_6_12, LINUX_6_18, scalarContains, scalarWellFormed, type ScalarState } from '../src/domains/scalar.ts';
import { tnumContains } from '../src/domains/tnum.ts';
import { tagOf, type ProofResult, type ProveOptions } from './runner.ts';

export type D<V, B> = Bits64x32<V, B>;
/** How a claim names its inputs: a variable of the 64- or 32-bit ring. */
export type Get<V> = (name: string, width: 64 | 32) => V;
const FIELDS64 = ['umin', 'umax', 'smin', 'smax'] as const;
const FIELDS32 = ['u32min', 'u32max', 's32min', 's32max'] as const;

/** A state built from named variables (64-bit var_off and bounds, 32-bit subregister bounds). */
export function stateOf<V>(get: Get<V>, p: string): ScalarState<V> {
  const s: Record<string, unknown> = { varOff: { value: get(`${p}.value`, 64), mask: get(`${p}.mask`, 64) } };
  for (const f of FIELDS64) s[f] = get(`${p}.${f}`, 64);
  for (const f of FIELDS32) s[f] = get(`${p}.${f}`, 32);
  return s as unknown as ScalarState<V>;
}

/**
 * The concrete meaning of an ALU op at a width, on 64-bit operands: the one definition
 * (src/bv/alu.ts). The proofs cover the ops whose bounds the domain computes; div and mod
 * are unknown in the kernel's domain and have no soundness claim here.
 */
export function concreteOp<V, B>(d: D<V, B>, op: ScalarAluOp, width: 32 | 64, x: V, y: V): V {
  if (op === 'div' || op === 'mod' || op === 'sdiv' || op === 'smod') throw new Error(`no concrete semantics for ${op} in proofs`);
  return aluSem(d, op, width, x, y);
}

export interface ScalarProperty {
  name: string;
  /**
   * false: ask the claim as one query, not goal by goal (proofs/goals.ts), where that measured
   * cheaper: the tnum_step collapse (133 353 438 units whole, 233 834 880 split) and mul's
   * var_off glue (7 378 616 whole, 29 983 076 split).
   */
  split?: false;
  claim<V, B>(d: D<V, B>, get: (name: string, width: 64 | 32) => V): B;
}

/** ∀ well-formed (optionally synced) a, b, ∀ x ∈ a, y ∈ b: op(x, y) ∈ alu(op, a, b). */
export function aluSound(op: ScalarAluOp, width: 32 | 64, synced: boolean): ScalarProperty {
  return {
    name: `scalar ${op}${width === 32 ? '32' : ''} sound${synced ? ' (synced inputs)' : ''}`,
    claim<V, B>(d: D<V, B>, get: (name: string, width: 64 | 32) => V): B {
      const q = d.u64;
      let a = stateOf(get, 'a'), b = stateOf(get, 'b');
      if (synced) {
        a = regBoundsSync(d, a, LINUX_6_18);
        b = regBoundsSync(d, b, LINUX_6_18);
      }
      const x = get('x', 64), y = get('y', 64);
      const pre = q.andB(scalarWellFormed(d, a), scalarWellFormed(d, b), scalarContains(d, a, x), scalarContains(d, b, y));
      const post = scalarContains(d, scalarAlu(d, op, width, a, b, LINUX_6_18), concreteOp(d, op, width, x, y));
      return q.implies(pre, post);
    },
  };
}

/** Prove a scalar property with Z3; a counterexample is replayed concretely. */
export function proveScalar(p: ScalarProperty, o: ProveOptions = {}): Promise<ProofResult> {
  return withFreshZ3((ctx, z3) => proveScalarIn(ctx, z3, p, o));
}

async function proveScalarIn(ctx: Z3Ctx, z3: FreshZ3, p: ScalarProperty, o: ProveOptions): Promise<ProofResult> {
  const d = z3Pair(ctx);
  const vars = new Map<string, Z3BV>();
  // deterministic names: Z3's search depends on them, and proofs should be repeatable
  const tag = o.prefix ?? tagOf(p.name);
  const get = (name: string, width: 64 | 32): Z3BV => {
    let v = vars.get(name);
    if (!v) vars.set(name, (v = ctx.BitVec.const(tag + name, width)));
    return v;
  };
  const t0 = performance.now();
  const { sat, used, limit, solver, goals } = await checkClaim(ctx, p.claim(d, get), o.rlimit ?? limitFor(p.name, 64), z3.checkHere, o.split ?? p.split);
  const ms = Math.round(performance.now() - t0);
  const base = { name: p.name, width: 64, ms, rlimit: used, limit, goals };
  try {
    if (sat === 'unsat') return { ...base, result: 'proved' };
    if (sat === 'unknown') return { ...base, ...undecided(solver.reasonUnknown(), used, limit) };
    const model = solver.model();
    const cex: Record<string, bigint> = {};
    for (const [name, v] of vars) cex[name] = model.eval(v, true).value();
    const replayed = p.claim(concrete64x32, (name) => cex[name] ?? 0n);
    return { ...base, result: 'counterexample', counterexample: cex, replayed };
  } finally {
    solver.release();
  }
}

/**
 * The reg_bounds_sync stage lemmas. A single query over the whole sync, or over an ALU op
 * followed by sync (`aluSound`, kept as the statement of the whole property), does not finish
 * within 120 s in Z3's WebAssembly build; the ALU ops are proved split (proofs/scalar-alu.ts)
 * and branches likewise (proofs/branch.ts), composed as proofs/SCALAR.md explains.
 */
export function scalarProperties(): ScalarProperty[] {
  // The 32-bit update and the three deductions are proved part by part (faster and steadier: as
  // one query, the mixed deduction took 0.4 s or 120 s depending on what the process had asked
  // before, the 64-bit deduction 2–80 s, the 32-bit update 20–80 s)
  return [
    ...ALL_PARTS.map((part) => syncSound('__update_reg32_bounds', S.updateReg32Bounds, part)),
    // __update_reg64_bounds is its min/max stage followed by the tnum_step collapse; each keeps
    // members, so their composition does. As one query it took 1.2e8 resource units (50–90 s);
    // split by state part it did not get cheaper (the var_off part alone 1.7e8).
    syncSound('__update_reg64_bounds min/max stage', (d, s) => S.updateReg64Bounds(d, s, LINUX_6_12)),
    { ...syncSound('tnum_step collapse (6.18)', S.collapseSingleValue), split: false },
    ...ALL_PARTS.map((part) => syncSound('__reg32_deduce_bounds', S.reg32DeduceBounds, part)),
    ...ALL_PARTS.map((part) => syncSound('__reg64_deduce_bounds', S.reg64DeduceBounds, part)),
    ...ALL_PARTS.map((part) => syncSound('__reg_deduce_mixed_bounds', S.regDeduceMixedBounds, part)),
    syncSound('__reg_bound_offset', S.regBoundOffset),
  ];
}

/** A part of a state: the tnum (var_off32: its low 32 bits), or one pair of bounds. */
export type Part = 'var_off' | 'var_off32' | 'u64' | 's64' | 'u32' | 's32';
/** The parts of a 64-bit state, whose conjunction is membership. */
export const ALL_PARTS: readonly Part[] = ['var_off', 'u64', 's64', 'u32', 's32'];
/** r ∈ γ(part of s); scalarContains is the conjunction of var_off, u64, s64, u32 and s32. */
export function containsPart<V, B>(d: D<V, B>, s: ScalarState<V>, part: Part, r: V): B {
  const q = d.u64, h = d.u32, lo = d.lo32(r);
  switch (part) {
    case 'var_off': return tnumContains(q, s.varOff, r);
    case 'var_off32': return tnumContains(h, { value: d.lo32(s.varOff.value), mask: d.lo32(s.varOff.mask) }, lo);
    case 'u64': return q.andB(q.ule(s.umin, r), q.ule(r, s.umax));
    case 's64': return q.andB(q.sle(s.smin, r), q.sle(r, s.smax));
    case 'u32': return h.andB(h.ule(s.u32min, lo), h.ule(lo, s.u32max));
    case 's32': return h.andB(h.sle(s.s32min, lo), h.sle(lo, s.s32max));
  }
}

/** reg_bounds_sync, or one of its stages, keeps every member: ∀ s, x ∈ s ⇒ x ∈ stage(s). */
export function syncSound(name: string, stage: <V, B>(d: D<V, B>, s: ScalarState<V>) => ScalarState<V>, part?: Part): ScalarProperty {
  return {
    name: `${name} keeps members${part ? ` (${part})` : ''}`,
    claim<V, B>(d: D<V, B>, get: (name: string, width: 64 | 32) => V): B {
      const s = stateOf(get, 's'), x = get('x', 64);
      const r = stage(d, s);
      return d.u64.implies(scalarContains(d, s, x), part ? containsPart(d, r, part, x) : scalarContains(d, r, x));
    },
  };
}
