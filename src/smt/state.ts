// The symbolic machine state: registers (a folded 64-bit value plus, for pointers, the region
// it points into), one memory table per region (stack, packet, ctx, each map's values and,
// for hash maps, presence), and the helper-call trace.
//
// Pointers are plain 64-bit values as in src/interp: region base + offset, so pointer
// arithmetic and comparisons (data + 14 > data_end) need nothing special; the region tag says
// which table a load or store goes to, and the offset is value - base.
import type { Z3BV, Z3Bool, Z3Ctx } from '../bv/z3.ts';
import type { MapDef } from '../isa/program.ts';
import { MAP_TYPE } from '../isa/program.ts';
import { isK, toZ3, toZ3B, type FB, type FV } from './fold.ts';
import { mergeTables, Table } from './mem.ts';

/** Where a pointer points. `key` of a map value: the key it was looked up with. */
export type Ptr =
  | { readonly r: 'stack' }
  | { readonly r: 'pkt' }
  | { readonly r: 'ctx' }
  | { readonly r: 'mem' }
  | { readonly r: 'map'; readonly m: number; readonly key: FV }
  | { readonly r: 'mapfd'; readonly m: number }
  /**
   * A value of one of several map lookups, after paths with lookups in different maps met
   * (xdp_router_ipv4's MAC source: an exact_match or an lpm_map value): alternative i holds
   * where its condition does; the conditions exclude one another.
   */
  | { readonly r: 'maps'; readonly alts: readonly MapAlt[] }
  | { readonly r: 'mixed' };

/** One alternative of a 'maps' pointer: under `c`, a value of map `m` looked up with `key`. */
export interface MapAlt {
  readonly c: FB;
  readonly m: number;
  readonly key: FV;
}

export interface Val {
  readonly v: FV;
  readonly t?: Ptr;
}

// Region bases (high halves echo src/interp's tags; only their distinctness matters).
export const STACK_BASE = 0xffff8880_00000000n;
export const CTX_BASE = 0xffff8888_00000000n;
export const PKT_BASE = 0xffff8889_00000000n;
export const STACK_SIZE = 512;
export const mapBase = (m: number): bigint => 0xffff88a0_00000000n + (BigInt(m) << 32n);
export const mapHandle = (m: number): bigint => 0xffff8000_00000000n | BigInt(m);

export function regionBase(t: Ptr): bigint {
  switch (t.r) {
    case 'stack': return STACK_BASE;
    case 'pkt': return PKT_BASE;
    case 'ctx': return CTX_BASE;
    case 'map': return mapBase(t.m);
    default: return 0n;
  }
}

/**
 * 'lpm': an LPM trie the program only reads (src/smt/lpm.ts): a lookup finds the entry an
 * uninterpreted function of the key's bytes names, then reads presence and value as a hash map's.
 */
export type MapModel = 'array' | 'hash' | 'lpm' | 'other';

export function mapModel(d: MapDef): MapModel {
  switch (d.type) {
    case MAP_TYPE.array: case MAP_TYPE.percpu_array: return 'array';
    case MAP_TYPE.hash: case MAP_TYPE.percpu_hash: case MAP_TYPE.lru_hash: case MAP_TYPE.lru_percpu_hash: return 'hash';
    case MAP_TYPE.lpm_trie: return 'lpm';
    default: return 'other';
  }
}

/** One map: values indexed by key ++ offset (32 bits); presence by key (hash maps). */
export interface MapState {
  readonly def: MapDef;
  readonly model: MapModel;
  vals: Table;
  present?: Table;
}

export interface SymState {
  regs: Val[];
  stack: Table;
  pkt: Table;
  ctx: Table;
  /** Memory reached through untyped live-in pointers of a window (flat, by address). */
  mem: Table;
  maps: MapState[];
  /** Helper-call history: trace' = eff_h(trace, args), r0 = ret_h(trace, args). */
  trace: FV;
}

/** The inputs both sides of a query share. */
export interface Inputs {
  readonly ctx: Z3Ctx;
  /** Packet length (64-bit term; constrained by the query). */
  readonly pktLen: Z3BV;
  readonly stack0: Table;
  readonly pkt0: Table;
  readonly ctx0: Table;
  readonly mem0: Table;
  readonly maps0: MapState[];
  readonly trace0: Z3BV;
}

export function makeInputs(ctx: Z3Ctx, maps: readonly MapDef[], prefix = ''): Inputs {
  const maps0 = maps.map((def, i): MapState => {
    const model = mapModel(def);
    const kb = def.keySize * 8;
    return {
      def,
      model,
      vals: Table.fresh(ctx, `${prefix}map${i}_vals`, kb + 32, 'byte'),
      present: model === 'hash' || model === 'lpm' ? Table.fresh(ctx, `${prefix}map${i}_present`, kb, 'bool') : undefined,
    };
  });
  return {
    ctx,
    pktLen: ctx.BitVec.const(`${prefix}pkt_len`, 16).zeroExt(48),
    stack0: Table.fresh(ctx, `${prefix}stack`, 64, 'byte'),
    pkt0: Table.fresh(ctx, `${prefix}pkt`, 64, 'byte'),
    ctx0: Table.fresh(ctx, `${prefix}ctx`, 64, 'byte'),
    mem0: Table.fresh(ctx, `${prefix}mem`, 64, 'byte'),
    maps0,
    trace0: ctx.BitVec.const(`${prefix}trace`, 64),
  };
}

export function initialState(inp: Inputs, regs: Val[]): SymState {
  return {
    regs,
    stack: inp.stack0.clone(),
    pkt: inp.pkt0.clone(),
    ctx: inp.ctx0.clone(),
    mem: inp.mem0.clone(),
    maps: inp.maps0.map((m) => ({ ...m, vals: m.vals.clone(), present: m.present?.clone() })),
    trace: inp.trace0,
  };
}

export function cloneState(s: SymState): SymState {
  return {
    regs: s.regs.slice(),
    stack: s.stack.clone(),
    pkt: s.pkt.clone(),
    ctx: s.ctx.clone(),
    mem: s.mem.clone(),
    maps: s.maps.map((m) => ({ ...m, vals: m.vals.clone(), present: m.present?.clone() })),
    trace: s.trace,
  };
}

const same = (a: FV, b: FV): boolean => (isK(a) ? isK(b) && a === b : !isK(b) && a.eqIdentity(b));

function iteV(ctx: Z3Ctx, c: Z3Bool, a: FV, b: FV, w: number): FV {
  return same(a, b) ? a : (ctx.If(c, toZ3(ctx, a, w), toZ3(ctx, b, w)) as Z3BV);
}

/** Pointer tag after a join: the same region stays; pointer vs scalar keeps the pointer (null checks). */
function mergePtr(ctx: Z3Ctx, c: Z3Bool, a: Ptr | undefined, b: Ptr | undefined, kw: (m: number) => number): Ptr | undefined {
  if (!a) return b;
  if (!b) return a;
  if (a.r === 'map' && b.r === 'map' && a.m === b.m) return { r: 'map', m: a.m, key: iteV(ctx, c, a.key, b.key, kw(a.m)) };
  const aa = mapAlts(a), ba = mapAlts(b);
  if (aa && ba) {
    // values of different maps: each side's alternatives under its side of the condition
    const and = (x: Z3Bool, y: FB): FB => (y === true ? x : y === false ? false : ctx.And(x, toZ3B(ctx, y)));
    const alts = [...aa.map((x) => ({ ...x, c: and(c, x.c) })), ...ba.map((x) => ({ ...x, c: and(ctx.Not(c), x.c) }))];
    return { r: 'maps', alts: alts.filter((x) => x.c !== false) };
  }
  if (a.r !== b.r) return { r: 'mixed' };
  if (a.r === 'mapfd' && b.r === 'mapfd' && a.m !== b.m) return { r: 'mixed' };
  return a;
}

/** A map-value pointer as alternatives (undefined: not a map value). */
function mapAlts(p: Ptr): readonly MapAlt[] | undefined {
  if (p.r === 'map') return [{ c: true, m: p.m, key: p.key }];
  return p.r === 'maps' ? p.alts : undefined;
}

/** ite(c, a, b) of two states. */
export function mergeStates(ctx: Z3Ctx, c: FB, a: SymState, b: SymState): SymState {
  if (c === true) return a;
  if (c === false) return b;
  const cz = toZ3B(ctx, c);
  const kw = (m: number): number => a.maps[m].def.keySize * 8;
  return {
    regs: a.regs.map((x, i) => {
      const y = b.regs[i];
      return { v: iteV(ctx, cz, x.v, y.v, 64), t: mergePtr(ctx, cz, x.t, y.t, kw) };
    }),
    stack: mergeTables(ctx, cz, a.stack, b.stack),
    pkt: mergeTables(ctx, cz, a.pkt, b.pkt),
    ctx: mergeTables(ctx, cz, a.ctx, b.ctx),
    mem: mergeTables(ctx, cz, a.mem, b.mem),
    maps: a.maps.map((m, i) => ({
      ...m,
      vals: mergeTables(ctx, cz, m.vals, b.maps[i].vals),
      present: m.present ? mergeTables(ctx, cz, m.present, b.maps[i].present!) : undefined,
    })),
    trace: iteV(ctx, cz, a.trace, b.trace, 64),
  };
}
