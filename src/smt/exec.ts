// Symbolic execution of one instruction over a SymState: the ALU and jump conditions come
// from src/bv/alu.ts (run on the folding backend), memory goes to the table of the region the
// base register points into, helper calls to map lookup/update/delete follow the map model,
// other helpers are uninterpreted functions of the call history and their arguments.
import type { Bits, Bits64x32 } from '../bv/bits.ts';
import type { Z3BV, Z3Ctx } from '../bv/z3.ts';
import { lddwValue, type Op } from '../isa/op.ts';
import type { ProgType } from '../isa/program.ts';
import { ctxKind, SK_BUFF, XDP_MD } from '../isa/uapi.ts';
import { protoOf } from '../isa/protos.ts';
import { PSEUDO } from '../isa/opcodes.ts';
import { foldBits, foldPair, isK, toZ3, type FB, type FV } from './fold.ts';
import type { Cell, Table } from './mem.ts';
import { aluSem, endSem, immOperand, jcondSem, sextFrom } from '../bv/alu.ts';
import { lpmEntry, lpmReadOnly } from './lpm.ts';
import { CTX_BASE, mapBase, mapHandle, PKT_BASE, regionBase, type Inputs, type MapAlt, type Ptr, type SymState, type Val } from './state.ts';

/** An instruction or situation the encoder does not model: the query answers "unknown". */
export class Unsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unsupported';
  }
}

export interface ExecOptions {
  readonly progType?: ProgType;
  /** Argument count of helper `id` (default: a small table, else 5). */
  readonly argCount?: (id: number) => number;
  /** Dereferencing a register with no known region goes to the flat `mem` table (windows). */
  readonly untypedAsMem?: boolean;
}

/** Per-query executor: the folding rings, the shared inputs, uninterpreted helper functions. */
export class Exec {
  readonly P: Bits64x32<FV, FB>;
  readonly R: Bits<FV, FB>;
  private readonly ufs = new Map<string, ReturnType<Z3Ctx['Function']['declare']>>();
  /** Map keys looked up (for counterexamples): map index and key term. */
  readonly keysSeen: { m: number; key: FV }[] = [];

  constructor(readonly ctx: Z3Ctx, readonly inp: Inputs, readonly opts: ExecOptions = {}) {
    this.P = foldPair(ctx);
    this.R = this.P.u64;
  }

  uf(name: string, arity: number): ReturnType<Z3Ctx['Function']['declare']> {
    let f = this.ufs.get(name);
    if (!f) {
      const bv = this.ctx.BitVec.sort(64);
      const sig = Array.from({ length: arity + 1 }, () => bv);
      const declare = this.ctx.Function.declare as (n: string, ...s: typeof sig) => ReturnType<Z3Ctx['Function']['declare']>;
      this.ufs.set(name, (f = declare.call(this.ctx.Function, name, ...sig)));
    }
    return f;
  }
}

const EINVAL = 22n, E2BIG = 7n, EEXIST = 17n, ENOENT = 2n;
const errno = (e: bigint): bigint => BigInt.asUintN(64, -e);

const scalar = (v: FV): Val => ({ v });

/** Little-endian bytes → one value of 8·n bits (bigint when all known). */
export function joinBytes(ctx: Z3Ctx, bytes: FV[]): FV {
  if (bytes.every(isK)) return bytes.reduceRight<bigint>((acc, b) => (acc << 8n) | (b as bigint), 0n);
  const parts = bytes.map((b) => toZ3(ctx, b, 8)).reverse();
  return parts.length === 1 ? parts[0] : ctx.Concat(...parts);
}

/** Low n bytes of a 64-bit value, least significant first. */
export function splitBytes(v: FV, n: number): FV[] {
  return Array.from({ length: n }, (_, i) => (isK(v) ? (v >> BigInt(8 * i)) & 0xffn : (v as Z3BV).extract(8 * i + 7, 8 * i)));
}

const widen = (ctx: Z3Ctx, v: FV, from: number): FV => (isK(v) || from === 64 ? v : (v as Z3BV).zeroExt(64 - from));

/** Index of byte i of map m's value for key. */
function mapIndex(ex: Exec, key: FV, keyBits: number, off: FV): FV {
  const o = ex.P.lo32(off);
  if (isK(key) && isK(o)) return (key << 32n) | o;
  return ex.ctx.Concat(toZ3(ex.ctx, key, keyBits), toZ3(ex.ctx, o, 32));
}

interface Place {
  table: Table;
  /** Table index of byte i of the access. */
  at(i: number): FV;
}

function place(ex: Exec, st: SymState, base: Val, off: number, write: boolean): Place {
  const R = ex.R;
  const addr = R.add(base.v, R.c(off));
  let t: Ptr | undefined = base.t;
  if (!t && ex.opts.untypedAsMem) t = { r: 'mem' };
  if (!t) throw new Unsupported('memory access through a register of unknown type');
  switch (t.r) {
    case 'stack': case 'pkt': case 'ctx': case 'mem': {
      const o = R.sub(addr, R.c(regionBase(t)));
      const table = t.r === 'stack' ? st.stack : t.r === 'pkt' ? st.pkt : t.r === 'ctx' ? st.ctx : st.mem;
      return { table, at: (i) => R.add(o, R.c(i)) };
    }
    case 'map': {
      const m = st.maps[t.m];
      if (write && m.def.readonly) throw new Unsupported('write into a read-only map');
      const o = R.sub(addr, R.c(mapBase(t.m)));
      const key = t.key;
      return { table: m.vals, at: (i) => mapIndex(ex, key, m.def.keySize * 8, R.add(o, R.c(i))) };
    }
    default:
      throw new Unsupported(`memory access through ${t.r} pointer`);
  }
}

/** Load `size` bytes at base+off, zero-extended to 64 bits. */
export function load(ex: Exec, st: SymState, base: Val, off: number, size: number): FV {
  if (base.t?.r === 'maps') {
    // a value of one of several maps: the load from the alternative that holds
    const [last, ...rest] = base.t.alts.slice().reverse();
    return rest.reduce((acc, a) => ex.R.ite(a.c, load(ex, st, altVal(base, a), off, size), acc), load(ex, st, altVal(base, last), off, size));
  }
  const p = place(ex, st, base, off, false);
  const bytes = Array.from({ length: size }, (_, i) => p.table.read(p.at(i)) as FV);
  return widen(ex.ctx, joinBytes(ex.ctx, bytes), size * 8);
}

export function store(ex: Exec, st: SymState, base: Val, off: number, size: number, v: FV): void {
  if (base.t?.r === 'maps') {
    // into each alternative's map where its condition holds; elsewhere the byte stays
    const B8 = foldBits(ex.ctx, 8);
    for (const a of base.t.alts) {
      const p = place(ex, st, altVal(base, a), off, true);
      splitBytes(v, size).forEach((b, i) => p.table.write(p.at(i), B8.ite(a.c, b, p.table.read(p.at(i)) as FV)));
    }
    return;
  }
  const p = place(ex, st, base, off, true);
  splitBytes(v, size).forEach((b, i) => p.table.write(p.at(i), b));
}

/** The pointer as a value of one alternative's map. */
const altVal = (base: Val, a: MapAlt): Val => ({ v: base.v, t: { r: 'map', m: a.m, key: a.key } });

/** Context loads: packet pointers for xdp/skb, skb->len for L2 skb types, other fields from the ctx table. */
function ctxLoad(ex: Exec, st: SymState, base: Val, off: number, size: number): Val {
  const R = ex.R;
  const o = R.known(R.sub(R.add(base.v, R.c(off)), R.c(CTX_BASE)));
  if (o === undefined) throw new Unsupported('ctx access at a variable offset');
  const t = ex.opts.progType ?? 'xdp';
  const kind = ctxKind(t);
  const data: Val = { v: PKT_BASE, t: { r: 'pkt' } };
  const end: Val = { v: R.add(PKT_BASE, ex.inp.pktLen), t: { r: 'pkt' } };
  const at = Number(o);
  if (kind === 'xdp') {
    if (at === XDP_MD.data) return data;
    if (at === XDP_MD.data_end) return end;
    if (at === XDP_MD.data_meta) return data; // data_meta = data under test_run
  } else if (kind === 'skb') {
    if (at === SK_BUFF.data) return data;
    if (at === SK_BUFF.data_end) return end;
    if (at === SK_BUFF.data_meta) return data;
    if (at === SK_BUFF.len && size === 4 && (t === 'sched_cls' || t === 'sched_act')) return scalar(ex.inp.pktLen);
  }
  return scalar(load(ex, st, base, off, size));
}

/** Execute a non-branching instruction. Branches, exit and local calls are the caller's. */
export function step(ex: Exec, st: SymState, op: Op): void {
  const { P, R } = ex;
  const regs = st.regs;
  switch (op.kind) {
    case 'alu': {
      const d = regs[op.dst];
      const s: Val = 'reg' in op.src ? regs[op.src.reg] : scalar(immOperand(R, op.src.imm));
      const v = aluSem(P, op.op, op.width, d.v, s.v, op.ext);
      let t: Ptr | undefined;
      if (op.width === 64) {
        if (op.op === 'mov') t = s.t;
        else if (op.op === 'add') t = d.t && !s.t ? d.t : !d.t && s.t ? s.t : undefined;
        else if (op.op === 'sub') t = d.t && !s.t ? d.t : undefined;
      }
      regs[op.dst] = { v, t };
      return;
    }
    case 'end':
      regs[op.dst] = scalar(endSem(P, op.order, op.bits, regs[op.dst].v));
      return;
    case 'lddw': {
      const k = lddwValue(op);
      if (op.pseudo === PSEUDO.NONE) regs[op.dst] = scalar(k);
      else if (op.pseudo === PSEUDO.MAP_IDX || op.pseudo === PSEUDO.MAP_FD) regs[op.dst] = { v: mapHandle(op.lo), t: { r: 'mapfd', m: op.lo } };
      else if (op.pseudo === PSEUDO.MAP_IDX_VALUE || op.pseudo === PSEUDO.MAP_VALUE) {
        if (!st.maps[op.lo]) throw new Unsupported(`lddw refers to map ${op.lo}, which the query does not know`);
        regs[op.dst] = { v: mapBase(op.lo) + BigInt(op.hi >>> 0), t: { r: 'map', m: op.lo, key: 0n } };
      } else throw new Unsupported(`lddw src=${op.pseudo}`);
      return;
    }
    case 'ldx': {
      const b = regs[op.src];
      if (b.t?.r === 'ctx') {
        regs[op.dst] = ctxLoad(ex, st, b, op.off, op.size);
        return;
      }
      let v = load(ex, st, b, op.off, op.size);
      if (op.signed) v = sextFrom(R, v, op.size * 8);
      regs[op.dst] = scalar(v);
      return;
    }
    case 'st':
      store(ex, st, regs[op.dst], op.off, op.size, immOperand(R, op.imm));
      return;
    case 'stx':
      store(ex, st, regs[op.dst], op.off, op.size, regs[op.src].v);
      return;
    case 'atomic':
      atomic(ex, st, op);
      return;
    case 'call':
      if (op.callKind !== 'helper') throw new Unsupported(`${op.callKind} call`);
      helper(ex, st, op.imm);
      return;
    default:
      throw new Unsupported(`${op.kind} inside straight-line code`);
  }
}

function atomic(ex: Exec, st: SymState, op: Op & { kind: 'atomic' }): void {
  const { P, R } = ex;
  const regs = st.regs;
  const n = op.size;
  if (op.op === 'load_acq') {
    regs[op.dst] = scalar(load(ex, st, regs[op.src], op.off, n));
    return;
  }
  if (op.op === 'store_rel') {
    store(ex, st, regs[op.dst], op.off, n, regs[op.src].v);
    return;
  }
  const base = regs[op.dst];
  const old = load(ex, st, base, op.off, n);
  const src = n === 8 ? regs[op.src].v : P.zext32(P.lo32(regs[op.src].v));
  let nv: FV;
  switch (op.op) {
    case 'add': nv = R.add(old, src); break;
    case 'or': nv = R.or(old, src); break;
    case 'and': nv = R.and(old, src); break;
    case 'xor': nv = R.xor(old, src); break;
    case 'xchg': nv = src; break;
    default: { // cmpxchg: compare with r0 (low half for 32-bit)
      const r0 = n === 8 ? regs[0].v : P.zext32(P.lo32(regs[0].v));
      nv = R.ite(R.eq(r0, old), src, old);
      regs[0] = scalar(old);
    }
  }
  store(ex, st, base, op.off, n, nv);
  if (op.fetch && op.op !== 'cmpxchg') regs[op.src] = scalar(old);
}

/** Map argument (r1) of a map helper. */
function mapArg(st: SymState, v: Val): number {
  if (v.t?.r !== 'mapfd') throw new Unsupported('map helper without a known map');
  if (!st.maps[v.t.m]) throw new Unsupported(`map ${v.t.m} unknown to the query`);
  return v.t.m;
}

function readKey(ex: Exec, st: SymState, m: number, ptr: Val): FV {
  const ks = st.maps[m].def.keySize;
  const p = place(ex, st, ptr, 0, false);
  const key = joinBytes(ex.ctx, Array.from({ length: ks }, (_, i) => p.table.read(p.at(i)) as FV));
  if (st.maps[m].model === 'lpm') return lpmEntry(ex, m, key); // no test preset can name a trie entry
  ex.keysSeen.push({ m, key });
  return key;
}

/** Is `key` in map m (arrays: index < max_entries). */
function presentAt(ex: Exec, st: SymState, m: number, key: FV): FB {
  const ms = st.maps[m];
  if (ms.model === 'array') return foldUlt(ex, key, BigInt(ms.def.maxEntries), ms.def.keySize * 8);
  if (ms.model === 'hash' || ms.model === 'lpm') return ms.present!.read(key) as FB;
  throw new Unsupported(`map type ${ms.def.type} has no model`);
}

function foldUlt(ex: Exec, key: FV, max: bigint, bits: number): FB {
  if (isK(key)) return (key & 0xffff_ffffn) < max;
  const k32 = bits === 32 ? (key as Z3BV) : (key as Z3BV).extract(31, 0);
  return k32.ult(ex.ctx.BitVec.val(max, 32));
}

function helper(ex: Exec, st: SymState, id: number): void {
  const { R } = ex;
  const regs = st.regs;
  let r0: Val;
  if (id === 1) {
    const m = mapArg(st, regs[1]);
    const key = readKey(ex, st, m, regs[2]);
    const p = presentAt(ex, st, m, key);
    r0 = { v: R.ite(p, mapBase(m), 0n), t: { r: 'map', m, key } };
  } else if (id === 2) {
    const m = mapArg(st, regs[1]);
    const ms = st.maps[m];
    if (ms.model === 'lpm') lpmReadOnly(m, 'map_update_elem');
    const key = readKey(ex, st, m, regs[2]);
    const flags = R.known(regs[4].v);
    if (flags === undefined) throw new Unsupported('map_update_elem with variable flags');
    if (flags > 2n) r0 = scalar(errno(EINVAL));
    else {
      const p = presentAt(ex, st, m, key);
      let ok: FB, ret: FV;
      if (ms.model === 'array') {
        ok = flags === 1n ? false : p;
        ret = R.ite(p, flags === 1n ? errno(EEXIST) : 0n, errno(E2BIG));
      } else {
        ok = flags === 1n ? R.notB(p) : flags === 2n ? p : true;
        ret = flags === 1n ? R.ite(p, errno(EEXIST), 0n) : flags === 2n ? R.ite(p, 0n, errno(ENOENT)) : 0n;
        ms.present!.write(key, R.iteB(ok, true, p) as Cell);
      }
      const src = place(ex, st, regs[3], 0, false);
      const B8 = foldBits(ex.ctx, 8);
      for (let i = 0; i < ms.def.valueSize; i++) {
        const at = mapIndex(ex, key, ms.def.keySize * 8, BigInt(i));
        const nb = src.table.read(src.at(i)) as FV;
        ms.vals.write(at, B8.ite(ok, nb, ms.vals.read(at) as FV));
      }
      r0 = scalar(ret);
    }
  } else if (id === 3) {
    const m = mapArg(st, regs[1]);
    const ms = st.maps[m];
    if (ms.model === 'lpm') lpmReadOnly(m, 'map_delete_elem');
    const key = readKey(ex, st, m, regs[2]);
    if (ms.model === 'array') r0 = scalar(errno(EINVAL));
    else {
      const p = presentAt(ex, st, m, key);
      ms.present!.write(key, false);
      r0 = scalar(R.ite(p, 0n, errno(ENOENT)));
    }
  } else {
    if (id === 12 || id === 44 || id === 54 || id === 65) throw new Unsupported(`helper ${id} changes control flow or the packet`);
    const n = ex.opts.argCount?.(id) ?? protoOf(id, ex.opts.progType)?.args.length ?? 5;
    const args = regs.slice(1, 1 + n);
    for (const a of args) {
      if (a.t && a.t.r !== 'mapfd') throw new Unsupported(`helper ${id} takes a pointer to memory`);
    }
    const zs = [toZ3(ex.ctx, st.trace, 64), ...args.map((a) => toZ3(ex.ctx, a.v, 64))];
    const ret = ex.uf(`helper${id}_ret`, zs.length).call(...zs) as Z3BV;
    st.trace = ex.uf(`helper${id}_eff`, zs.length).call(...zs) as Z3BV;
    r0 = scalar(ret);
  }
  regs[0] = r0;
  for (let i = 1; i <= 5; i++) regs[i] = scalar(0n); // clobbered: the verifier forbids reading them
}

/** Is the conditional jump taken (folded). */
export function branchCond(ex: Exec, st: SymState, op: Op & { kind: 'jcond' }): FB {
  const a = st.regs[op.dst].v;
  const b = 'reg' in op.src ? st.regs[op.src.reg].v : immOperand(ex.R, op.src.imm);
  return jcondSem(ex.P, op.op, op.width, a, b);
}
