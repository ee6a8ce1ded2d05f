// Memory access checks (check_mem_access and what it calls): context, stack, packet, map
// value / key and helper memory, with the kernel's messages.
import { scalarConst } from '../domains/scalar.ts';
import { formatTnum, formatTnumPair } from '../domains/tnum-notation.ts';
import { bpfSockAccess, bpfSockCommonAccess, bpfTcpSockAccess, ctxAccess, pktAccess } from './ctx.ts';
import type { Env } from './env.ts';
import type { DomainSession } from './memo.ts';
import type { KernelFlavor } from '../domains/scalar.ts';
import { type Reg, type RegType, D, SCALAR_UNKNOWN, SCALAR_ZERO, ZERO, isConst, isNull, ptrReg, regWith, s64, scalarReg, typeStr } from './regs.ts';
import { MAX_STACK, type Slot, isSpill, readFixed, spill, spillSize, spiOf, stImmReg, writeBytes, writeRange, byteOf } from './stack.ts';
import { type State, cur, ownStack } from './state.ts';
import { destroyIfDynptr } from './dynptr.ts';
import { tnumIsAligned, tnumAdd, tnumConst } from '../domains/tnum.ts';

const BPF_MAX_VAR_OFF = 1n << 29n;
/** 2^63: a u64 at or above it is negative as an s64. */
const S64_SIGN = 1n << 63n;
const S32 = (x: bigint): boolean => x === BigInt.asIntN(32, x);

/** What is written: a register, or (BPF_ST) an immediate, or an unknown value (helper). */
export type WriteVal = { reg: number } | { imm: number } | { unknown: true };

/** __check_mem_access message for a region of `memSize` bytes. */
function regionMsg(r: Reg, regno: number, off: bigint, size: number, memSize: number): string {
  switch (r.type) {
    case 'map_key': return `invalid access to map key, key_size=${memSize} off=${off} size=${size}`;
    case 'map_value': return `invalid access to map value, value_size=${memSize} off=${off} size=${size}`;
    case 'pkt': case 'pkt_meta': case 'pkt_end':
      return `invalid access to packet, off=${off} size=${size}, R${regno}(id=${r.id},off=${off},r=${memSize})`;
    default: return `invalid access to memory, mem_size=${memSize} off=${off} size=${size}`;
  }
}

const inRegion = (off: bigint, size: number, memSize: number, zeroOk: boolean): boolean =>
  off >= 0n && (size > 0 || (size === 0 && zeroOk)) && off + BigInt(size) <= BigInt(memSize);

/**
 * check_mem_region_access: fixed `off` plus the register's variable part within [0, memSize).
 * The rejection's message, or undefined when the access is in the region.
 */
export function regionFault(r: Reg, regno: number, off: number, size: number, memSize: number, zeroOk = false): string | undefined {
  // the usual access (smin not negative, umax bounded) decided on numbers, as packetFault's: both
  // bounds are then below 2^29, so off plus either is exact as a number, and no bigint is made
  const v = r.v;
  if (v.smin < S64_SIGN && v.umax < BPF_MAX_VAR_OFF) {
    const lo = Number(v.smin) + off, hi = Number(v.umax) + off;
    if (lo >= 0 && hi >= 0 && (size > 0 || (size === 0 && zeroOk)) && lo + size <= memSize && hi + size <= memSize) return undefined;
  }
  const smin = s64(r.v.smin);
  const o = BigInt(off);
  if (smin < 0n && (smin === -(1n << 63n) || !S32(o + smin) || smin + o < 0n)) {
    return `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`;
  }
  if (!inRegion(smin + o, size, memSize, zeroOk)) {
    return `${regionMsg(r, regno, smin + o, size, memSize)}\nR${regno} min value is outside of the allowed memory range`;
  }
  if (r.v.umax >= BPF_MAX_VAR_OFF) return `R${regno} unbounded memory access, make sure to bounds check any such access`;
  if (!inRegion(r.v.umax + o, size, memSize, zeroOk)) {
    return `${regionMsg(r, regno, r.v.umax + o, size, memSize)}\nR${regno} max value is outside of the allowed memory range`;
  }
  return undefined;
}

/** check_packet_access (off includes reg.off): the rejection's message, or undefined when the access is inside the checked range. */
export function packetFault(r: Reg, regno: number, off: number, size: number, zeroOk = false): string | undefined {
  // the usual access (smin not negative, inside the known range) decided on numbers: off, size
  // and range are small integers, so no bigint temporaries are made for a packet access that passes
  if ((r.v === ZERO || r.v.smin < S64_SIGN) && r.range >= 0 && off >= 0 && (size > 0 || (size === 0 && zeroOk)) && off + size <= r.range) return undefined;
  if (s64(r.v.smin) < 0n) return `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`;
  if (r.range < 0 || !inRegion(BigInt(off), size, r.range, zeroOk)) {
    const m = r.range < 0 ? '' : `${regionMsg(r, regno, BigInt(off), size, r.range)}\n`;
    return `${m}R${regno} offset is outside of the packet`;
  }
  return undefined;
}

/** __check_ptr_off_reg for ctx and helper arguments that must be unmodified: the rejection's message, or undefined. */
export function ptrOffFault(r: Reg, regno: number, fixedOffOk: boolean): string | undefined {
  if (r.off < 0) return `negative offset ${typeStr(r)} ptr R${regno} off=${r.off} disallowed`;
  if (!fixedOffOk && r.off) return `dereference of modified ${typeStr(r)} ptr R${regno} off=${r.off} disallowed`;
  if (!isConst(r.v) || r.v.varOff.value !== 0n) return `variable ${typeStr(r)} access var_off=${formatTnumPair(r.v.varOff)} disallowed`;
  return undefined;
}

/**
 * stackFault's answer, one object for the module (a stack access is checked at most instructions
 * of some programs, a tuple per check was ~2% of a large program's allocation): read it at once.
 */
export const BOUNDS: { readonly lo: number; readonly hi: number } = { lo: 0, hi: 0 };
const bounds = BOUNDS as { lo: number; hi: number };

/**
 * check_stack_access_within_bounds: the rejection's message, or undefined with the access's
 * [lo, hi) byte offsets in BOUNDS (a shared object: read it before the next call).
 */
export function stackFault(r: Reg, regno: number, off: number, size: number, what: string): string | undefined {
  // a constant zero variable part (every fp that only had constants added): the bounds are off
  // and off + size as numbers, without the bigint temporaries of the general case
  if (r.v.varOff.mask === 0n && r.v.varOff.value === 0n) {
    if (off < -MAX_STACK || off > -1 || off + size > 0) return `invalid${what} stack R${regno} off=${off} size=${size}`;
    bounds.lo = off;
    bounds.hi = off + size;
    return undefined;
  }
  let lo: bigint, hi: bigint;
  if (isConst(r.v)) {
    lo = s64(r.v.varOff.value) + BigInt(off);
    hi = lo + BigInt(size);
  } else {
    const smin = s64(r.v.smin), smax = s64(r.v.smax);
    if (smax >= BPF_MAX_VAR_OFF || smin <= -BPF_MAX_VAR_OFF) return `invalid unbounded variable-offset${what} stack R${regno}`;
    lo = smin + BigInt(off);
    hi = smax + BigInt(off) + BigInt(size);
  }
  if (lo < -BigInt(MAX_STACK) || lo > -1n || hi > 0n) {
    if (isConst(r.v)) return `invalid${what} stack R${regno} off=${off} size=${size}`;
    return `invalid variable-offset${what} stack R${regno} var_off=${formatTnumPair(r.v.varOff)} off=${off} size=${size}`;
  }
  bounds.lo = Number(lo);
  bounds.hi = Number(hi);
  return undefined;
}

/** The memo's second keys of a load's truncation (the value is the first), by 2 * size + sign extension (sizes 1, 2, 4). */
const LOAD_KEYS: readonly object[] = Array.from({ length: 10 }, (_, k) => ({ size: k >> 1, sx: (k & 1) === 1 }));

/**
 * Truncate or sign-extend a loaded scalar to the access size (the tail of check_mem_access). The
 * register made for a value is kept for instruction `pc` and handed out again while the same
 * value object is loaded there (a packet or context read loads the one unknown scalar at every visit).
 */
function loaded(env: Env, pc: number, r: Reg, size: number, sx: boolean): Reg {
  if (size >= 8 || r.type !== 'scalar') return r;
  if (r === SCALAR_UNKNOWN) return unknownLoaded(env.dom, size, sx);
  const key = LOAD_KEYS[2 * size + (sx ? 1 : 0)];
  return (env.aluMemo.pairGet(pc, r.v, key) as Reg | undefined) ?? env.aluMemo.pairSet(pc, r.v, key, scalarReg(env.dom.coerce(r.v, size, sx), 0));
}

/**
 * The registers of an unknown value loaded with each size and extension (by LOAD_KEYS' index), per
 * kernel flavor: a packet, context or map read loads the one unknown scalar, so its truncation is a
 * constant of the model, like the unknown scalar itself (made by the session's coerce at the first
 * such load of a flavor, then shared by every check: no domain call at each instruction's first visit;
 * test/verifier/insn-shortcuts.test.ts compares it with the generic coerce).
 */
const UNKNOWN_LOADS = new WeakMap<KernelFlavor, (Reg | undefined)[]>();
let loadsFlavor: KernelFlavor | undefined, loads: (Reg | undefined)[] = [];

export function unknownLoaded(dom: DomainSession, size: number, sx: boolean): Reg {
  if (dom.flavor !== loadsFlavor) {
    let t = UNKNOWN_LOADS.get(dom.flavor);
    if (t === undefined) UNKNOWN_LOADS.set(dom.flavor, (t = new Array(LOAD_KEYS.length).fill(undefined)));
    loadsFlavor = dom.flavor;
    loads = t;
  }
  const k = 2 * size + (sx ? 1 : 0);
  return (loads[k] ??= scalarReg(dom.coerce(SCALAR_UNKNOWN.v, size, sx), 0));
}

/** get_reg_width: bits needed for umax. */
function regWidth(r: Reg): number {
  // the bit length without the binary string (a string of up to 64 characters per call)
  const u = r.v.umax;
  if (u <= 0xffffffffn) return 32 - Math.clz32(Number(u));
  if (u >= S64_SIGN) return 64;
  return 64 - Math.clz32(Number(u >> 32n));
}

/**
 * Unprivileged: a pointer may be spilled to the stack but written nowhere else (a function, not a
 * closure per access: see BENCHMARKS, named closures under tsx). The rejection's message, or undefined.
 */
function leakFault(env: Env, write: boolean, val: WriteVal | undefined, valReg: Reg | undefined, into: string): string | undefined {
  if (!env.privileged && write && valReg && valReg.type !== 'scalar') return `R${(val as { reg: number }).reg} leaks addr into ${into}`;
  return undefined;
}

/**
 * check_mem_access for an instruction: `regno` + `off` accessed with `size` bytes. For a read,
 * the loaded register goes to `dst`; for a write, `val` says what is stored. Returns the
 * rejection's message (step reports it by return: env.ts reject), or undefined when the access passes.
 */
export function memFault(env: Env, st: State, pc: number, regno: number, off: number, size: number,
  write: boolean, dst: number, val: WriteVal | undefined, sx = false): string | undefined {
  const fr = cur(st);
  const r = fr.regs[regno];
  const valReg = val && 'reg' in val ? fr.regs[val.reg] : undefined;
  let out: Reg | undefined;
  let bad: string | undefined;
  if (env.strictAlignment && (bad = alignFault(r, off, size)) !== undefined) return bad;
  switch (r.type) {
    case 'ctx': {
      if ((bad = leakFault(env, write, val, valReg, 'ctx') ?? ptrOffFault(r, regno, false)) !== undefined) return bad;
      const t = unprivCtxRefused(env, off + r.off, write) ? undefined : ctxAccess(env.prog.type, off + r.off, size, write, env.prog.load?.expectedAttachType);
      // a sign-extending load of data/data_end/data_meta is refused (is_valid_access's is_ldsx)
      if (!t || (sx && t !== 'scalar')) return `invalid bpf_context access off=${off + r.off} size=${size}`;
      // a field that may hold NULL gets an id for its NULL check (check_mem_access)
      if (!write) out = t === 'scalar' ? SCALAR_UNKNOWN : ptrReg(t as RegType, t === 'sock_common_or_null' || t === 'sock_or_null' ? { id: ++env.idGen } : {});
      break;
    }
    case 'fp': {
      // the usual fp (no variable part) checked on numbers, without the bigint tnum temporaries
      const aligned = r.v.varOff.value === 0n && r.v.varOff.mask === 0n ? ((r.off + off) & (size - 1)) === 0
        : tnumIsAligned(D.u64, tnumAdd(D.u64, r.v.varOff, tnumConst(D.u64, BigInt.asUintN(64, BigInt(r.off + off)))), size);
      if (!aligned) return `misaligned stack access off ${formatTnum(r.v.varOff)}+${r.off}+${off} size ${size}`;
      const o = off + r.off;
      if ((bad = stackFault(r, regno, o, size, write ? ' write to' : ' read from')) !== undefined) return bad;
      const { lo, hi } = BOUNDS;
      const target = st.frames[r.map];
      env.noteDepth(target.subprog, -lo);
      if (write) {
        if (isConst(r.v)) {
          const m = stackWriteFixed(env, st, target, lo, size, val!);
          if (m !== undefined) return m;
        } else {
          for (let b = lo; b < hi; b++) if ((bad = destroyIfDynptr(env, st, target, spiOf(b))) !== undefined) return bad;
          const zero = !!valReg && isNull(valReg) || (!!val && 'imm' in val && val.imm === 0);
          writeRange(ownStack(target), lo, hi, zero);
        }
      } else if (isConst(r.v)) {
        env.stackRead(r.map, spiOf(lo));
        const got = readFixed(target.stack, lo, size, env.privileged);
        if (typeof got === 'string') return got;
        // a spilled pointer read as a number (an atomic's operand) by an unprivileged program
        if (dst < 0 && !env.privileged && size === 8 && (got as Reg).type !== 'scalar' && isSpill(target.stack[spiOf(lo)])) return `leaking pointer from stack off ${lo}`;
        if (isFill(target.stack[spiOf(lo)], lo, size, dst >= 0)) env.hist(r.map, spiOf(lo));
        let g = got as Reg;
        if (size < 8 && g.type === 'scalar' && g.id && regWidth(g) > size * 8) g = regWith(g, g.v, g.off, 0, g.range);
        out = g;
      } else {
        for (let b = lo; b < hi; b++) {
          const c = target.stack[spiOf(b)]?.types[byteOf(b)] ?? '?';
          env.stackRead(r.map, spiOf(b));
          if ((c === '?' && !env.privileged) || c === 'd') return `invalid variable-offset read from stack R${regno} var_off=${formatTnumPair(r.v.varOff)} off=${o} size=${size}`;
        }
        let zeros = true;
        for (let b = lo; b < hi; b++) if ((target.stack[spiOf(b)]?.types[byteOf(b)] ?? '?') !== '0') zeros = false;
        out = zeros ? SCALAR_ZERO : SCALAR_UNKNOWN;
      }
      break;
    }
    case 'pkt': case 'pkt_meta': {
      if (write && !pktAccess(env.prog.type, true)) return 'cannot write into packet';
      if ((bad = leakFault(env, write, val, valReg, 'packet') ?? packetFault(r, regno, off + r.off, size)) !== undefined) return bad;
      if (!write) out = SCALAR_UNKNOWN;
      break;
    }
    case 'map_value': {
      const m = env.prog.maps[r.map];
      if ((bad = leakFault(env, write, val, valReg, 'map')) !== undefined) return bad;
      // BPF_F_WRONLY_PROG (0x100) / BPF_F_RDONLY_PROG (0x80): check_map_access_type
      if (!write && (m.flags & 0x100)) return `read from map forbidden, value_size=${m.valueSize} off=${off + r.off} size=${size}`;
      if (write && (m.flags & 0x80)) return `write into map forbidden, value_size=${m.valueSize} off=${off + r.off} size=${size}`;
      if ((bad = regionFault(r, regno, off + r.off, size, m.valueSize)) !== undefined) return bad;
      if (!write) {
        out = SCALAR_UNKNOWN;
        if (isConst(r.v) && (m.flags & 0x80) && m.initial) out = rodataRead(m.initial, Number(r.v.varOff.value) + off + r.off, size, sx);
      }
      break;
    }
    case 'map_key': {
      if (write) return `write to change key R${regno} not allowed`;
      if ((bad = regionFault(r, regno, off + r.off, size, env.prog.maps[r.map].keySize)) !== undefined) return bad;
      out = SCALAR_UNKNOWN;
      break;
    }
    case 'mem': {
      if (write && r.rdonly) return `R${regno} cannot write into ${typeStr(r)}`;
      if ((bad = leakFault(env, write, val, valReg, 'mem') ?? regionFault(r, regno, off + r.off, size, r.range)) !== undefined) return bad;
      if (!write) out = SCALAR_UNKNOWN;
      break;
    }
    case 'sock': case 'sock_common': case 'tcp_sock': {
      // check_sock_access (no pointer arithmetic is allowed on these, so the offset is the insn's)
      if (write) return `R${regno} cannot write into ${typeStr(r)}`;
      if (s64(r.v.smin) < 0n) return `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`;
      const ok = r.type === 'sock' ? bpfSockAccess(off + r.off, size) : r.type === 'tcp_sock' ? bpfTcpSockAccess(off + r.off, size) : bpfSockCommonAccess(off + r.off, size);
      if (!ok) return `R${regno} invalid ${typeStr(r)} access off=${off + r.off} size=${size}`;
      out = SCALAR_UNKNOWN;
      break;
    }
    case 'map_ptr': {
      // check_ptr_to_map_access: the map's kernel struct may be read (a BTF pointer access the
      // model lacks: such reads stay rejected below), never written or read below its start
      const tname = MAP_STRUCT[env.prog.maps[r.map]?.type ?? -1];
      if (tname) {
        if (!env.privileged) return `'struct ${tname}' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN`;
        if (off + r.off < 0) return `R${regno} is ${tname} invalid negative access: off=${off + r.off}`;
        if (write) return `only read from ${tname} is supported`;
      }
      return `R${regno} invalid mem access '${typeStr(r)}'`;
    }
    default:
      return `R${regno} invalid mem access '${typeStr(r)}'`;
  }
  if (!write && dst >= 0 && out) fr.regs[dst] = loaded(env, pc, out, size, sx);
  return undefined;
}

/** The kernel struct behind a map pointer (map ops' map_btf_id), for the map types the model knows. */
const MAP_STRUCT: Record<number, string> = { 1: 'bpf_htab', 2: 'bpf_array', 3: 'bpf_array', 4: 'bpf_array', 5: 'bpf_htab', 6: 'bpf_array', 8: 'bpf_array', 9: 'bpf_htab', 10: 'bpf_htab', 12: 'bpf_array', 13: 'bpf_htab' };

/** cg_skb_is_valid_access: without CAP_BPF a cgroup_skb program reads no packet pointers and writes no tstamp. */
function unprivCtxRefused(env: Env, off: number, write: boolean): boolean {
  if (env.privileged || env.prog.type !== 'cgroup_skb') return false;
  const SKB_DATA = 76, SKB_DATA_END_STOP = 84, SKB_TSTAMP = 152;
  return (off >= SKB_DATA && off < SKB_DATA_END_STOP) || (write && off >= SKB_TSTAMP && off < SKB_TSTAMP + 8);
}

/** What check_ptr_alignment says of a pointer kind under BPF_F_STRICT_ALIGNMENT (the stack is always checked). */
const ALIGN_DESC: Partial<Record<Reg['type'], string>> = { map_value: 'value ', map_key: 'key ', ctx: 'context ', mem: '' };
/** NET_IP_ALIGN: packet data starts 2 bytes past a 4-aligned address (check_pkt_ptr_alignment). */
const NET_IP_ALIGN = 2;

/** check_ptr_alignment with strict = true (MEM_ALIGNED helper arguments), the stack too: the rejection's message, or undefined. */
export function alignedArgFault(r: Reg, size: number): string | undefined {
  if (r.type !== 'fp') return alignFault(r, 0, size);
  const at = tnumAdd(D.u64, r.v.varOff, tnumConst(D.u64, BigInt.asUintN(64, BigInt(r.off))));
  if (!tnumIsAligned(D.u64, at, size)) return `misaligned stack access off ${formatTnum(r.v.varOff)}+${r.off}+0 size ${size}`;
  return undefined;
}

/** check_ptr_alignment with strict = true for the types other than the stack: the rejection's message, or undefined. */
function alignFault(r: Reg, off: number, size: number): string | undefined {
  if (r.type === 'pkt' || r.type === 'pkt_meta') {
    const at = tnumAdd(D.u64, r.v.varOff, tnumConst(D.u64, BigInt.asUintN(64, BigInt(NET_IP_ALIGN + r.off + off))));
    if (!tnumIsAligned(D.u64, at, size)) return `misaligned packet access off ${NET_IP_ALIGN}+${formatTnum(r.v.varOff)}+${r.off}+${off} size ${size}`;
    return undefined;
  }
  const desc = ALIGN_DESC[r.type];
  if (desc === undefined) return undefined;
  const at = tnumAdd(D.u64, r.v.varOff, tnumConst(D.u64, BigInt.asUintN(64, BigInt(r.off + off))));
  if (!tnumIsAligned(D.u64, at, size)) return `misaligned ${desc}access off ${formatTnum(r.v.varOff)}+${r.off}+${off} size ${size}`;
  return undefined;
}

/**
 * check_stack_read_fixed_off keeps its history note (the read restores a spilled register): a
 * full read of a full spill, or into a register a narrow read of the spill's low bytes or of
 * spilled bytes of a spilled zero.
 */
function isFill(s: Slot | undefined, lo: number, size: number, toReg: boolean): boolean {
  if (!isSpill(s)) return false;
  const n = spillSize(s);
  if (size === 8 && n === 8) return true;
  if (!toReg) return false;
  if (size <= n && byteOf(lo) === 7) return true;
  for (let b = lo; b < lo + size; b++) if (s.types[byteOf(b)] !== 'r') return false;
  return s.spilled.v.varOff.mask === 0n && s.spilled.v.varOff.value === 0n;
}

/** A constant read from frozen read-only map data (bpf_map_direct_read). */
function rodataRead(data: Uint8Array, at: number, size: number, sx: boolean): Reg {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[at + i] ?? 0);
  if (sx) v = BigInt.asUintN(64, BigInt.asIntN(size * 8, v));
  return scalarReg(scalarConst(D, v));
}

/** check_stack_write_fixed_off (privileged rules): `lo` is the byte offset. Returns the rejection's message, else undefined. */
function stackWriteFixed(env: Env, st: State, target: State['frames'][number], lo: number, size: number, val: WriteVal): string | undefined {
  const fr = cur(st);
  const spi = spiOf(lo);
  const aligned = lo % 8 === 0;
  const old = target.stack[spi];
  // only a full aligned slot write kills the slot for the liveness analysis
  if (aligned && size === 8) env.stackWrite(target.frameno, spi);
  if (!env.privileged && isSpill(old) && old.spilled.type !== 'scalar' && size !== 8) return 'attempt to corrupt spilled pointer on stack';
  const bad = destroyIfDynptr(env, st, target, spi);
  if (bad !== undefined) return bad;
  if ('reg' in val) {
    let reg = fr.regs[val.reg];
    if (aligned && reg.type === 'scalar') {
      const fits = regWidth(reg) <= size * 8;
      if (fits && reg.id === 0 && !isConst(reg.v)) {
        reg = regWith(reg, reg.v, reg.off, ++env.idGen, reg.range);
        fr.regs[val.reg] = reg;
      }
      spill(ownStack(target), spi, fits ? reg : regWith(reg, reg.v, reg.off, 0, reg.range), size);
      env.hist(target.frameno, spi);
      return undefined;
    }
    if (reg.type !== 'scalar' && reg.type !== 'not_init') {
      if (size !== 8) return 'invalid size of register spill';
      if (target !== fr && reg.type === 'fp') return 'cannot spill pointers to stack into stack frame of the caller';
      spill(ownStack(target), spi, reg, size);
      env.hist(target.frameno, spi);
      return undefined;
    }
    if (isNull(reg)) env.precise(1 << val.reg);
    writeBytes(ownStack(target), lo, size, isNull(reg) ? '0' : 'm');
    return undefined;
  }
  if ('imm' in val) {
    if (aligned) {
      spill(ownStack(target), spi, stImmReg(val.imm), size);
      env.hist(target.frameno, spi);
      return undefined;
    }
    writeBytes(ownStack(target), lo, size, val.imm === 0 ? '0' : 'm');
    return undefined;
  }
  writeBytes(ownStack(target), lo, size, 'm');
  return undefined;
}
