// Proof runner: a property is a claim written once over Bits<V, B> about named inputs. To prove
// it, the claim is built with the Z3 backend over symbolic inputs and its negation is checked:
// UNSAT = proved. A model is a counterexample: its inputs become bigints and the very same claim
// is evaluated with the concrete backend to show that it really fails (replay).
import type { Bits } from '../src/bv/bits.ts';
import { concreteBits } from '../src/bv/concrete.ts';
import { z3Bits, type Z3BV, type Z3Ctx } from '../src/bv/z3.ts';
import { withFreshZ3, type FreshZ3 } from '../src/bv/z3-instance.ts';
import { checkClaim } from './goals.ts';
import { limitFor, undecided } from './budget.ts';
import type { Tnum } from '../src/domains/tnum.ts';
import { formatTnum } from '../src/domains/tnum-notation.ts';

/** How a claim names its inputs: plain values, or tnums (two values: NAME.value, NAME.mask). */
export interface Inputs<V> {
  val(name: string): V;
  tnum(name: string): Tnum<V>;
}

export interface Property {
  readonly name: string;
  /** The claim that must hold for every value of the inputs (same code for both backends). */
  claim<V, B>(bv: Bits<V, B>, x: Inputs<V>): B;
}

/** 'limit': Z3 used up the property's resource limit (proofs/budget.ts) without an answer. */
export type Verdict = 'proved' | 'counterexample' | 'limit' | 'unknown';

export interface ProofResult {
  name: string;
  width: number;
  result: Verdict;
  ms: number;
  /**
   * CPU time of the process over the whole property (its Z3 instance's start, the terms, the
   * check; every thread): unlike `ms`, it hardly moves with the machine's load.
   */
  cpuMs?: number;
  /** How many questions the claim was checked as (proofs/goals.ts; absent: one query). */
  goals?: number;
  /** Input values of a counterexample (tnum inputs as NAME.value / NAME.mask). */
  counterexample?: Record<string, bigint>;
  /** The claim evaluated concretely on the counterexample (false = the failure is real). */
  replayed?: boolean;
  /** Z3's reason when the result is unknown / limit. */
  reason?: string;
  /** Z3's work on the query ("rlimit count"), and the limit it ran under. */
  rlimit?: number;
  limit?: number;
}

/** How a proof runs: its resource limit (default: limitFor its name) and variable prefix. */
export interface ProveOptions {
  rlimit?: number;
  prefix?: string;
  /** Check the claim goal by goal (proofs/goals.ts; the default) or as one query (false). */
  split?: boolean;
}

/** Deterministic variable names from a property's name: Z3's search depends on them. */
export const tagOf = (name: string): string => `${name.replace(/[^A-Za-z0-9]+/g, '_').slice(0, 60)}_`;

/** Inputs backed by fresh Z3 constants, recorded so a model can be read back. */
function symbolicInputs(ctx: Z3Ctx, width: number, prefix: string) {
  const vars = new Map<string, Z3BV>();
  const get = (name: string): Z3BV => {
    let v = vars.get(name);
    if (!v) vars.set(name, (v = ctx.BitVec.const(`${prefix}${name}`, width)));
    return v;
  };
  const inputs: Inputs<Z3BV> = { val: get, tnum: (n) => ({ value: get(`${n}.value`), mask: get(`${n}.mask`) }) };
  return { vars, inputs };
}

/** Inputs with fixed concrete values (missing names read as 0). */
export function concreteInputs(values: Record<string, bigint>): Inputs<bigint> {
  const get = (name: string): bigint => values[name] ?? 0n;
  return { val: get, tnum: (n) => ({ value: get(`${n}.value`), mask: get(`${n}.mask`) }) };
}

/** Evaluate the property concretely on some inputs. */
export function replay(p: Property, width: number, values: Record<string, bigint>): boolean {
  return p.claim(concreteBits(width), concreteInputs(values));
}

/** Prove `p` at `width` in a Z3 context of its own, within its resource limit. */
export function prove(p: Property, width: number, o: ProveOptions = {}): Promise<ProofResult> {
  return withFreshZ3((ctx, z3) => proveIn(ctx, z3, p, width, o));
}

async function proveIn(ctx: Z3Ctx, z3: FreshZ3, p: Property, width: number, o: ProveOptions): Promise<ProofResult> {
  const bv = z3Bits(ctx, width);
  const { vars, inputs } = symbolicInputs(ctx, width, o.prefix ?? tagOf(p.name));
  const t0 = performance.now();
  const claim = p.claim(bv, inputs);
  const { sat, used, limit, solver, goals } = await checkClaim(ctx, claim, o.rlimit ?? limitFor(p.name, width), z3.checkHere, o.split);
  const ms = Math.round(performance.now() - t0);
  const base = { name: p.name, width, ms, rlimit: used, limit, goals };
  try {
    if (sat === 'unsat') return { ...base, result: 'proved' };
    if (sat === 'unknown') return { ...base, ...undecided(solver.reasonUnknown(), used, limit) };
    const model = solver.model();
    const counterexample: Record<string, bigint> = {};
    for (const [name, v] of vars) counterexample[name] = model.eval(v, true).value();
    return { ...base, result: 'counterexample', counterexample, replayed: replay(p, width, counterexample) };
  } finally {
    solver.release();
  }
}

/** A counterexample in kernel notation: tnum inputs as `(0x..; 0x..)`, plain values in hex. */
export function formatCounterexample(cex: Record<string, bigint>): string {
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const key of Object.keys(cex).sort()) {
    const m = /^(.*)\.(value|mask)$/.exec(key);
    if (m) {
      if (seen.has(m[1])) continue;
      seen.add(m[1]);
      parts.push(`${m[1]}=${formatTnum({ value: cex[`${m[1]}.value`] ?? 0n, mask: cex[`${m[1]}.mask`] ?? 0n })}`);
    } else parts.push(`${key}=0x${cex[key].toString(16)}`);
  }
  return parts.join(' ');
}

/** Run a proof and record the CPU time the process spent on it (ProofResult.cpuMs). */
export async function withCpuTime<R extends { cpuMs?: number }>(run: () => Promise<R>): Promise<R> {
  const c0 = process.cpuUsage();
  const r = await run();
  const c = process.cpuUsage(c0);
  return { ...r, cpuMs: Math.round((c.user + c.system) / 1000) };
}

/** One line per result, for reports. */
export function formatResult(r: ProofResult): string {
  const cex = r.counterexample ? `  ${formatCounterexample(r.counterexample)}${r.replayed === false ? ' (replayed: fails concretely)' : r.replayed ? ' (replay did NOT fail!)' : ''}` : '';
  return `${r.result.padEnd(14)} ${String(r.ms).padStart(7)} ms${r.cpuMs === undefined ? '' : ` (cpu ${String(r.cpuMs).padStart(6)} ms)`}  ${r.width}-bit  ${r.name}${cex}${r.reason ? `  [${r.reason}]` : ''}`;
}
