// Equivalence checks in Z3: windows (straight-line code, given live-in state) and whole
// acyclic programs. Both sides run over the same symbolic inputs; the query asks Z3 for an
// input where an observable differs. UNSAT = equal; a model becomes a concrete counterexample.
import type { Z3BV, Z3Bool, Z3Ctx } from '../bv/z3.ts';
import { z3Check, z3Context, z3Exclusive } from '../bv/z3.ts';
import { withFreshZ3 } from '../bv/z3-instance.ts';
import { encodeBytes, type Insn } from '../isa/insn.ts';
import { fromOp, type Op } from '../isa/op.ts';
import type { RegType } from '../isa/regtype.ts';
import type { MapDef, Program, ProgType } from '../isa/program.ts';
import { Exec, Unsupported, type ExecOptions } from './exec.ts';
import { isK, toZ3, toZ3B, type FB, type FV } from './fold.ts';
import { tablesEqual, type Table } from './mem.ts';
import { execProgram, execWindow } from './run.ts';
import { CTX_BASE, initialState, makeInputs, mapBase, mapHandle, PKT_BASE, STACK_BASE, STACK_SIZE, type Inputs, type SymState, type Val } from './state.ts';

/**
 * A live-in register's type for a window (what the verifier knows at the window's start): the
 * model's register types (src/isa/regtype.ts) a window can be given, map ones with their map.
 */
export type WindowRegType = Extract<RegType, 'scalar' | 'fp' | 'pkt' | 'ctx'> | { type: Extract<RegType, 'map_value' | 'map_ptr'>; map: number };

export interface WindowCounterexample {
  /** r0..r9 at the window's start (pointer registers: their raw symbolic bits). */
  regs: bigint[];
  /** Stack bytes the windows read or wrote, by offset from r10 (negative). */
  stack: { off: number; byte: number }[];
  /** Packet bytes at known offsets that were read (offset from data). */
  packet: { off: number; byte: number }[];
}

export interface MapEntry {
  map: number;
  key: Uint8Array;
  present: boolean;
  value: Uint8Array;
}

export interface ProgramCounterexample {
  packet: Uint8Array;
  /** Context bytes (xdp_md / __sk_buff fields other than the packet pointers). */
  ctx: Uint8Array;
  /** Map entries the programs looked up, as they were before the run. */
  maps: MapEntry[];
}

export type EquivResult<C> =
  | { equal: true; ms: number; cached?: boolean; /** decided without Z3: both sides folded to the same terms */ folded?: boolean }
  | { equal: false; counterexample: C; ms: number; cached?: boolean }
  | { equal: null; unknown: string; ms: number; cached?: boolean };

export interface WindowOptions {
  /** Registers whose values must agree after the window (array of numbers or bit mask). */
  liveOut: readonly number[] | number;
  /** Live-in register types (default scalar; r10 is the frame pointer; 'ctx' is the unmodified context pointer). */
  regTypes?: Readonly<Record<number, WindowRegType>>;
  /** Is the stack live after the window (default true: every stack byte must agree). */
  stackLive?: boolean;
  maps?: readonly MapDef[];
  progType?: ProgType;
  argCount?: (id: number) => number;
  /** A wall-clock cap for interactive budgets (the search); without it the query is bounded by `rlimit` alone. */
  timeoutMs?: number;
  /** Z3's resource limit (default WINDOW_RLIMIT without timeoutMs): the same answer on an idle or a busy machine. */
  rlimit?: number;
  cache?: EquivCache | null;
  /**
   * Memory through a register of unknown type goes to one flat table (default true). Set it
   * false when such a register might alias the stack or packet: the query is then undecided.
   */
  untypedAsMem?: boolean;
  /**
   * Registers known equal at the window's start: for r0-r10, the lowest register holding the same
   * value (default: all distinct). Equal registers start from one value (and the type of a
   * typed member).
   */
  regEqual?: ArrayLike<number>;
}

export interface ProgramOptions {
  /** Compare r0's low 32 bits only (what XDP/tc actions read); default 64. */
  r0Bits?: 32 | 64;
  minPacket?: number;
  maxPacket?: number;
  argCount?: (id: number) => number;
  timeoutMs?: number;
  /** As for windows (default PROGRAM_RLIMIT without timeoutMs). */
  rlimit?: number;
  cache?: EquivCache | null;
}

/** Limits of Z3's work on one query: a wall-clock cap, a resource limit, or both. */
interface Limits {
  timeoutMs?: number;
  rlimit?: number;
}

/** Default resource limits when a caller sets no time cap (tests, benchmarks): deterministic answers. */
export const WINDOW_RLIMIT = 100_000_000;
export const PROGRAM_RLIMIT = 400_000_000;

function limitsOf(o: { timeoutMs?: number; rlimit?: number }, rlimit: number): Limits {
  return o.timeoutMs === undefined ? { rlimit: o.rlimit ?? rlimit } : { timeoutMs: o.timeoutMs, rlimit: o.rlimit };
}

function applyLimits(s: { set(k: string, v: number): void }, l: Limits): void {
  if (l.timeoutMs !== undefined) s.set('timeout', l.timeoutMs);
  if (l.rlimit !== undefined) s.set('rlimit', l.rlimit);
}

/** Results by canonical form of the pair (encoded bytes of both sides + the options). */
export class EquivCache {
  private readonly m = new Map<string, EquivResult<unknown>>();
  hits = 0;
  misses = 0;
  constructor(readonly capacity = 100_000) {}
  get(k: string): EquivResult<unknown> | undefined {
    const r = this.m.get(k);
    if (r) this.hits++;
    else this.misses++;
    return r;
  }
  set(k: string, r: EquivResult<unknown>): void {
    if (r.equal === null) return; // timeouts may succeed another time
    if (this.m.size >= this.capacity) this.m.delete(this.m.keys().next().value as string);
    this.m.set(k, r);
  }
  get size(): number {
    return this.m.size;
  }
}

export const defaultCache = new EquivCache();

const hex = (code: readonly Insn[] | readonly Op[]): string => {
  const insns = code.length && 'kind' in code[0] ? (code as Op[]).flatMap(fromOp) : (code as Insn[]);
  return Buffer.from(encodeBytes(insns)).toString('hex');
};

/** Canonical key of an unordered pair plus the options that change the answer. */
export function pairKey(a: string, b: string, extra: string): string {
  return a <= b ? `${a}|${b}|${extra}` : `${b}|${a}|${extra}`;
}

const maskOf = (l: readonly number[] | number): number => (typeof l === 'number' ? l : l.reduce((m, r) => m | (1 << r), 0));

function liveInRegs(ctx: Z3Ctx, inp: Inputs, types: Readonly<Record<number, WindowRegType>>, equal?: ArrayLike<number>): Val[] {
  const regs: Val[] = [];
  for (let i = 0; i < 10; i++) {
    const t = types[i] ?? 'scalar';
    const v = ctx.BitVec.const(`r${i}`, 64);
    if (t === 'scalar') regs.push({ v });
    // the verifier dereferences only an unmodified ctx pointer: a ctx-typed register is the ctx itself
    else if (t === 'ctx') regs.push({ v: CTX_BASE, t: { r: 'ctx' } });
    else if (t === 'fp') regs.push({ v, t: { r: 'stack' } });
    else if (t === 'pkt') regs.push({ v, t: { r: 'pkt' } });
    else if (t.type === 'map_value') regs.push({ v, t: { r: 'map', m: t.map, key: ctx.BitVec.const(`r${i}_key`, inp.maps0[t.map].def.keySize * 8) } });
    else regs.push({ v: mapHandle(t.map), t: { r: 'mapfd', m: t.map } });
  }
  regs.push({ v: STACK_BASE + BigInt(STACK_SIZE), t: { r: 'stack' } });
  if (equal) {
    // each class starts from one value: its typed member's if any (r10 first: the frame pointer)
    for (let r = 0; r <= 10; r++) {
      if (equal[r] === r) continue;
      const members = [...Array(11).keys()].filter((q) => equal[q] === equal[r]);
      const src = members.includes(10) ? 10 : members.find((q) => regs[q].t) ?? equal[r];
      for (const q of members) regs[q] = regs[src];
    }
  }
  return regs;
}

/** Memory and side effects agree: packet, ctx, maps, untyped memory, helper history (+ stack). */
function sameEffects(ex: Exec, a: SymState, b: SymState, stack: boolean): FB[] {
  const ctx = ex.ctx;
  const out: FB[] = [tablesEqual(ctx, a.pkt, b.pkt), tablesEqual(ctx, a.ctx, b.ctx), tablesEqual(ctx, a.mem, b.mem)];
  if (stack) out.push(tablesEqual(ctx, a.stack, b.stack));
  a.maps.forEach((m, i) => {
    out.push(tablesEqual(ctx, m.vals, b.maps[i].vals));
    if (m.present) out.push(tablesEqual(ctx, m.present, b.maps[i].present!));
  });
  out.push(ex.R.eq(a.trace, b.trace));
  return out;
}

const now = (): number => performance.now();

type Solver = InstanceType<Z3Ctx['Solver']>;
/** How a query's solver is checked: z3Check on the shared context, or a fresh instance's checkHere. */
type Check = (s: Solver) => Promise<'sat' | 'unsat' | 'unknown'>;

/**
 * Run one query with the Z3 context to itself. Bounded by the resource limit alone (tests,
 * benchmarks, the CLI without --timeout): a Z3 instance of its own, as every proof has, so the
 * query's work and memory do not depend on the queries before it (a test file's 22nd query once
 * aborted the shared instance at its 2 GB heap) and the answer is the same in any order; checked
 * on this thread, since a fresh instance's first solver thread would cost more than most queries.
 * With a wall-clock cap (the search): the shared context, whose solver thread keeps the event
 * loop free while Z3 works.
 */
function inZ3<T>(limits: Limits, query: (ctx: Z3Ctx, check: Check) => Promise<T>): Promise<T> {
  if (limits.timeoutMs === undefined) return z3Exclusive(() => withFreshZ3((ctx, z3) => query(ctx, async (s) => z3.checkHere(s))));
  return z3Exclusive(async () => query(await z3Context(), z3Check));
}

/** Ask Z3 whether `same` can be false under `pre`; returns the model on SAT. */
async function solve(ctx: Z3Ctx, same: FB, pre: Z3Bool[], limits: Limits, small: Z3Bool | undefined, check: Check) {
  if (same === true) return { sat: 'unsat' as const, folded: true };
  const s = new ctx.Solver();
  applyLimits(s, limits);
  for (const p of pre) s.add(p);
  s.add(toZ3B(ctx, same).not());
  const r = await check(s);
  if (r === 'unsat') return { sat: 'unsat' as const, folded: false };
  if (r === 'unknown') return { sat: 'unknown' as const, reason: s.reasonUnknown() };
  if (small) {
    // prefer a short packet: a counterexample is easier to run and to read
    s.add(small);
    if ((await check(s)) !== 'sat') {
      // the narrowed query failed: ask again without it (under the same time limit, the
      // first answer may not come back; then the query is undecided)
      const model = await retry(ctx, same, pre, limits, check);
      return model ? { sat: 'sat' as const, model } : { sat: 'unknown' as const, reason: 'no model on the second try' };
    }
  }
  return { sat: 'sat' as const, model: s.model() };
}

/** The plain query again (after a failed narrowing); undefined when it is not SAT this time. */
async function retry(ctx: Z3Ctx, same: FB, pre: Z3Bool[], limits: Limits, check: Check): Promise<Model | undefined> {
  const s = new ctx.Solver();
  applyLimits(s, limits);
  for (const p of pre) s.add(p);
  s.add(toZ3B(ctx, same).not());
  return (await check(s)) === 'sat' ? s.model() : undefined;
}

type Model = ReturnType<Solver['model']>;

const evalNum = (ctx: Z3Ctx, model: Model, x: FV | Z3BV, width: number): bigint => {
  if (isK(x as FV)) return x as bigint;
  const r = model.eval(toZ3(ctx, x as FV, width), true);
  return ctx.isBitVecVal(r) ? r.value() : 0n;
};

const byteAt = (ctx: Z3Ctx, model: Model, t: Table, i: bigint): number =>
  Number(evalNum(ctx, model, t.init.select(ctx.BitVec.val(i, t.iw)) as Z3BV, 8));

/** Are two straight-line windows equivalent for every live-in state? */
export async function windowEquiv(a: readonly Insn[] | readonly Op[], b: readonly Insn[] | readonly Op[], o: WindowOptions): Promise<EquivResult<WindowCounterexample>> {
  const t0 = now();
  const live = maskOf(o.liveOut);
  const cache = o.cache === undefined ? defaultCache : o.cache;
  const key = cache ? pairKey(hex(a), hex(b), `w${live}:${o.stackLive === false ? 0 : 1}:${o.untypedAsMem === false ? 0 : 1}:${JSON.stringify(o.regTypes ?? {})}:${o.regEqual ? Array.from(o.regEqual).join(',') : ''}:${o.progType ?? ''}`) : '';
  const hit = cache?.get(key) as EquivResult<WindowCounterexample> | undefined;
  if (hit) return { ...hit, cached: true, ms: now() - t0 };
  const limits = limitsOf(o, WINDOW_RLIMIT);
  const result = await inZ3(limits, (ctx, check) => windowQuery(ctx, a, b, o, live, limits, t0, check));
  cache?.set(key, result);
  return result;
}

/** windowEquiv's query (with the Z3 context `ctx` to itself). */
async function windowQuery(ctx: Z3Ctx, a: readonly Insn[] | readonly Op[], b: readonly Insn[] | readonly Op[], o: WindowOptions, live: number, limits: Limits, t0: number, check: Check): Promise<EquivResult<WindowCounterexample>> {
  const inp = makeInputs(ctx, o.maps ?? []);
  const opts: ExecOptions = { progType: o.progType, argCount: o.argCount, untypedAsMem: o.untypedAsMem !== false };
  const ex = new Exec(ctx, inp, opts);
  const regs = liveInRegs(ctx, inp, o.regTypes ?? {}, o.regEqual);
  let result: EquivResult<WindowCounterexample>;
  try {
    const sa = execWindow(ex, initialState(inp, regs.slice()), a);
    const sb = execWindow(ex, initialState(inp, regs.slice()), b);
    const parts: FB[] = [];
    for (let r = 0; r <= 10; r++) if (live & (1 << r)) parts.push(ex.R.eq(sa.regs[r].v, sb.regs[r].v));
    parts.push(...sameEffects(ex, sa, sb, o.stackLive !== false));
    const same = ex.R.andB(...parts);
    const pre = [inp.pktLen.ule(ctx.BitVec.val(0xffff, 64))];
    const r = await solve(ctx, same, pre, limits, undefined, check);
    const ms = now() - t0;
    if (r.sat === 'unsat') result = { equal: true, ms, folded: r.folded };
    else if (r.sat === 'unknown') result = { equal: null, unknown: r.reason, ms };
    else {
      const m = r.model;
      const stackOffs = new Set<bigint>([...inp.stack0.readLog, ...sa.stack.keys(), ...sb.stack.keys()]);
      const cex: WindowCounterexample = {
        regs: regs.slice(0, 10).map((x) => evalNum(ctx, m, x.v, 64)),
        stack: [...stackOffs].filter((k) => k >= 0n && k < BigInt(STACK_SIZE)).sort((x, y) => Number(x - y))
          .map((k) => ({ off: Number(k) - STACK_SIZE, byte: byteAt(ctx, m, inp.stack0, k) })),
        packet: [...inp.pkt0.readLog].filter((k) => k >= 0n).sort((x, y) => Number(x - y)).map((k) => ({ off: Number(k), byte: byteAt(ctx, m, inp.pkt0, k) })),
      };
      result = { equal: false, counterexample: cex, ms };
    }
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    result = { equal: null, unknown: e.message, ms: now() - t0 };
  }
  return result;
}

/** Are two acyclic programs equivalent for every packet, ctx and map content? (b uses a's maps and type.) */
export async function programEquiv(a: Program, b: Program | readonly Insn[], o: ProgramOptions = {}): Promise<EquivResult<ProgramCounterexample>> {
  const t0 = now();
  const bi = 'insns' in b ? b.insns : b;
  const cache = o.cache === undefined ? defaultCache : o.cache;
  const mapSig = a.maps.map((m) => `${m.type}/${m.keySize}/${m.valueSize}/${m.maxEntries}`).join(',');
  const key = cache ? pairKey(hex(a.insns), hex(bi), `p${o.r0Bits ?? 64}:${a.type}:${mapSig}:${o.minPacket ?? ''}:${o.maxPacket ?? ''}`) : '';
  const hit = cache?.get(key) as EquivResult<ProgramCounterexample> | undefined;
  if (hit) return { ...hit, cached: true, ms: now() - t0 };
  const limits = limitsOf(o, PROGRAM_RLIMIT);
  const result = await inZ3(limits, (ctx, check) => programQuery(ctx, a, bi, o, limits, t0, check));
  cache?.set(key, result);
  return result;
}

/** programEquiv's query (with the Z3 context `ctx` to itself). */
async function programQuery(ctx: Z3Ctx, a: Program, bi: readonly Insn[], o: ProgramOptions, limits: Limits, t0: number, check: Check): Promise<EquivResult<ProgramCounterexample>> {
  const inp = makeInputs(ctx, a.maps);
  const ex = new Exec(ctx, inp, { progType: a.type, argCount: o.argCount });
  const regs = (): Val[] => Array.from({ length: 11 }, (_, i): Val =>
    i === 1 ? { v: CTX_BASE, t: { r: 'ctx' } } : i === 10 ? { v: STACK_BASE + BigInt(STACK_SIZE), t: { r: 'stack' } } : { v: 0n });
  let result: EquivResult<ProgramCounterexample>;
  try {
    const sa = execProgram(ex, initialState(inp, regs()), a.insns);
    const sb = execProgram(ex, initialState(inp, regs()), bi);
    const R = ex.R;
    const r0a = sa.regs[0].v, r0b = sb.regs[0].v;
    const r0same = o.r0Bits === 32 ? ex.P.u32.eq(ex.P.lo32(r0a), ex.P.lo32(r0b)) : R.eq(r0a, r0b);
    const same = R.andB(r0same, ...sameEffects(ex, sa, sb, false));
    const packetTypes = a.type === 'xdp' || a.type === 'sched_cls' || a.type === 'sched_act' || a.type === 'socket_filter' || a.type === 'cgroup_skb';
    const lo = o.minPacket ?? (packetTypes ? 14 : 0), hi = o.maxPacket ?? (packetTypes ? 3520 : 0);
    const pre = [inp.pktLen.uge(ctx.BitVec.val(lo, 64)), inp.pktLen.ule(ctx.BitVec.val(hi, 64))];
    const r = await solve(ctx, same, pre, limits, inp.pktLen.ule(ctx.BitVec.val(Math.max(lo, 64), 64)), check);
    const ms = now() - t0;
    if (r.sat === 'unsat') result = { equal: true, ms, folded: r.folded };
    else if (r.sat === 'unknown') result = { equal: null, unknown: r.reason, ms };
    else result = { equal: false, counterexample: programCex(ex, r.model, a.type), ms };
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    result = { equal: null, unknown: e.message, ms: now() - t0 };
  }
  return result;
}

function programCex(ex: Exec, m: Model, type: ProgType): ProgramCounterexample {
  const { ctx, inp } = ex;
  const len = Number(evalNum(ctx, m, inp.pktLen, 64));
  const packet = new Uint8Array(len);
  const log = inp.pkt0.readLog;
  if (log.has(-1n) || len <= 64) for (let i = 0; i < len; i++) packet[i] = byteAt(ctx, m, inp.pkt0, BigInt(i));
  else for (const k of log) if (k >= 0n && k < BigInt(len)) packet[Number(k)] = byteAt(ctx, m, inp.pkt0, k);
  const ctxLen = type === 'xdp' ? 24 : 192;
  const cbytes = new Uint8Array(ctxLen);
  for (const k of inp.ctx0.readLog) if (k >= 0n && k < BigInt(ctxLen)) cbytes[Number(k)] = byteAt(ctx, m, inp.ctx0, k);
  const maps: MapEntry[] = [];
  const seen = new Set<string>();
  for (const { m: mi, key } of ex.keysSeen) {
    const ms = inp.maps0[mi];
    const kb = ms.def.keySize * 8;
    const k = evalNum(ctx, m, key, kb);
    const id = `${mi}:${k}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const keyBytes = new Uint8Array(ms.def.keySize);
    for (let i = 0; i < keyBytes.length; i++) keyBytes[i] = Number((k >> BigInt(8 * i)) & 0xffn);
    const value = new Uint8Array(ms.def.valueSize);
    for (let i = 0; i < value.length; i++) value[i] = byteAt(ctx, m, ms.vals, (k << 32n) | BigInt(i));
    let present: boolean;
    if (ms.present) present = ctx.isTrue(m.eval(ms.present.init.select(ctx.BitVec.val(k, kb)), true));
    else present = (k & 0xffff_ffffn) < BigInt(ms.def.maxEntries);
    maps.push({ map: mi, key: keyBytes, present, value });
  }
  return { packet, ctx: cbytes, maps };
}

export { Unsupported, PKT_BASE, mapBase };
