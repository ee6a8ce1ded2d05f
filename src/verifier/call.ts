// Calls and exits: helper calls with prototypes (check_helper_call / check_func_arg),
// bpf-to-bpf calls with frames (check_func_call / prepare_func_exit), the program's exit
// (check_return_code) and LD_ABS / LD_IND (check_ld_abs).
import type { Op } from '../isa/op.ts';
import { calleeSlot } from '../isa/flow.ts';
import { helperName } from '../isa/helpers.ts';
import { mapTypeName } from '../isa/program.ts';
import { formatTnum, formatTnumPair } from '../domains/tnum-notation.ts';
import { tnumAdd, tnumConst, tnumIsAligned } from '../domains/tnum.ts';
import { scalarFrom } from '../domains/scalar.ts';
import { type Env, reject } from './env.ts';
import { protoOf, type ArgKind } from '../isa/protos.ts';
import { retRange, skbLoads } from './ctx.ts';
import { FP_READ_ONLY, notInitMsg } from './alu.ts';
import { type Reg, D, NOT_INIT, SCALAR_UNKNOWN, isConst, isNull, ptrReg, s64, scalarReg, typeStr } from './regs.ts';
import { BOUNDS, type WriteVal, alignedArgFault, memFault, packetFault, ptrOffFault, regionFault, stackFault } from './mem.ts';
import { byteOf, isSpill, spillSize, spiOf, writeRange } from './stack.ts';
import { type State, cur, mapAllRegs, newFrame, ownStack } from './state.ts';
import { acquireRef, leakFault, releaseRef } from './refs.ts';
import { type DynptrMeta, initDynptrArg, releaseDynptr, releasedDynptrArg, usedDynptrArg } from './dynptr.ts';
import { helperNeedsCap } from './privilege.ts';

const MEM_TYPES = 'fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_';
const SOCK_COMMON_TYPES = 'sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_';
/**
 * Is `t` a register type a memory argument may point into (fp, pkt, pkt_meta, map_key, map_value,
 * mem)? Compared one by one (the types are literals: each test is an identity test), not an array
 * literal searched per argument.
 */
const memArgType = (t: string): boolean => t === 'fp' || t === 'map_value' || t === 'map_key' || t === 'pkt' || t === 'pkt_meta' || t === 'mem';
const BPF_MAX_VAR_SIZ = 1n << 29n;
const MAX_CALL_FRAMES = 8;

interface Meta {
  map: number;
  /** Constant key of a lookup (get_constant_map_key), or -1. */
  constKey: bigint;
  /** Raw-mode (uninit) stack writes to apply after the call: [frame, lo, hi) (made at the first). */
  rawWrites?: [number, number, number][];
  /** umax of the last size argument (meta->msize_max_value). */
  msizeMax: bigint;
  /** meta->mem_size: the constant of an ARG_CONST_ALLOC_SIZE_OR_ZERO argument. */
  memSize: number;
  /** meta->release_regno / meta->ref_obj_id: the argument to release and the reference it holds. */
  releaseRegno: number;
  refObj: number;
  /** The released argument is a dynptr (unmark_stack_slots_dynptr instead of release_reference). */
  dynptrRelease?: boolean;
  /** The dynptr argument's id and reference (meta.dynptr_id / ref_obj_id of bpf_dynptr_data). */
  dynptr?: DynptrMeta;
}

/** Helpers bpf_base_func_proto offers only with CAP_BPF (the dynptr ones the model knows). */
const CAP_BPF_HELPERS = new Set(['ringbuf_reserve_dynptr', 'ringbuf_submit_dynptr', 'ringbuf_discard_dynptr', 'dynptr_from_mem', 'dynptr_read', 'dynptr_write', 'dynptr_data']);

/** do_refine_retval_range: helpers whose r0 is at most the buffer size they were given. */
const SIZE_BOUNDED_RET = new Set(['get_stack', 'get_task_stack', 'probe_read_str', 'probe_read_kernel_str', 'probe_read_user_str']);
const MAX_ERRNO = 4095n;

const helperStr = (id: number): string => `bpf_${helperName(id) ?? 'unknown'}#${id}`;

/** The checks every released pointer gets (check_func_arg's OBJ_RELEASE part), after its type's: the rejection's message, or undefined. */
function releaseArg(r: Reg, regno: number, meta: Meta): string | undefined {
  if (!r.refObj) return `R${regno} must be referenced when passed to release function`;
  if (r.off) return `R${regno} must have zero offset when passed to release func or trusted arg to kfunc`;
  const bad = ptrOffFault(r, regno, false);
  if (bad !== undefined) return bad;
  meta.releaseRegno = regno;
  return undefined;
}

/**
 * check_helper_mem_access: `size` bytes at the pointer in `regno` (read or write by the helper).
 * The rejection's message, or undefined.
 */
function helperMem(env: Env, st: State, regno: number, size: number, write: boolean, zeroOk: boolean, meta: Meta, raw: boolean): string | undefined {
  const r = cur(st).regs[regno];
  switch (r.type) {
    case 'pkt': case 'pkt_meta':
      return packetFault(r, regno, r.off, size, zeroOk);
    case 'map_key':
      if (write) return `R${regno} cannot write into ${typeStr(r)}`;
      return regionFault(r, regno, r.off, size, env.prog.maps[r.map].keySize);
    case 'map_value': {
      const m = env.prog.maps[r.map];
      if (write && (m.flags & 0x80)) return `write into map forbidden, value_size=${m.valueSize} off=${r.off} size=${size}`;
      if (!write && (m.flags & 0x100)) return `read from map forbidden, value_size=${m.valueSize} off=${r.off} size=${size}`;
      return regionFault(r, regno, r.off, size, m.valueSize, zeroOk);
    }
    case 'mem':
      if (write && r.rdonly) return `R${regno} cannot write into ${typeStr(r)}`;
      return regionFault(r, regno, r.off, size, r.range, zeroOk);
    case 'fp': {
      if (size === 0 && !zeroOk) return 'invalid zero-sized read';
      const bad = stackFault(r, regno, r.off, size, write ? ' write to' : ' read from');
      if (bad !== undefined) return bad;
      const { lo, hi } = BOUNDS;
      const target = st.frames[r.map];
      env.noteDepth(target.subprog, -lo);
      if (raw && isConst(r.v)) {
        // slot by slot: only a slot holding a dynptr byte is looked at byte by byte
        for (let b = lo; b < hi;) {
          const spi = spiOf(b), e = Math.min(hi, -8 * spi), t = target.stack[spi]?.types;
          if (t === undefined || !t.includes('d')) {
            b = e;
            continue;
          }
          for (; b < e; b++) if (t[byteOf(b)] === 'd') return `potential write to dynptr at off=${b} disallowed`;
        }
        (meta.rawWrites ??= []).push([r.map, lo, hi]);
        return undefined;
      }
      // slot by slot (bytes [b, e) of slot spi): the slot is marked read once, before its first
      // byte is checked (marking is idempotent: the same marks as byte by byte up to a rejection),
      // and a spilled register that passes passes for all of its slot's bytes
      for (let b = lo; b < hi;) {
        const spi = spiOf(b), e = Math.min(hi, -8 * spi);
        const slot = target.stack[spi];
        env.stackRead(r.map, spi);
        if (isSpill(slot) && (slot.spilled.type === 'scalar' || env.privileged)) {
          b = e;
          continue;
        }
        const t = slot?.types;
        for (; b < e; b++) {
          const c = t === undefined ? '?' : t[byteOf(b)];
          if (c === 'm' || c === '0' || (c === '?' && env.privileged)) continue;
          if (isConst(r.v)) return `invalid${write ? '' : ' indirect'} read from stack R${regno} off ${lo}+${b - lo} size ${size}`;
          return `invalid${write ? '' : ' indirect'} read from stack R${regno} var_off ${formatTnumPair(r.v.varOff)}+${b - lo} size ${size}`;
        }
      }
      if (write) writeRange(ownStack(target), lo, hi, false);
      return undefined;
    }
    default:
      if (zeroOk && size === 0 && isNull(r)) return undefined;
      return `R${regno} type=${typeStr(r)} expected=fp`;
  }
}

/** A constant stack pointer's offset from its frame's top (its variable part, almost always 0, without a bigint made for it). */
function constOff(r: Reg): number {
  const x = r.v.varOff.value;
  return r.off + (x === 0n ? 0 : Number(s64(x)));
}

/** get_constant_map_key: the constant spilled at the key pointer, or -1. */
function constantKey(st: State, r: Reg, keySize: number): bigint {
  if (r.type !== 'fp' || !isConst(r.v)) return -1n;
  const off = constOff(r);
  const slot = -off - 1;
  const spi = slot >> 3, o = slot & 7;
  const s = st.frames[r.map].stack[spi];
  if (!s) return -1n;
  let zeros = 0;
  for (let i = o; i >= 0 && s.types[i] === '0'; i--) zeros++;
  if (zeros >= keySize) return 0n;
  if (!isSpill(s) || s.spilled.type !== 'scalar') return -1n;
  let spills = 0;
  for (let i = o; i >= 0 && s.types[i] === 'r'; i--) spills++;
  if (spills !== keySize || !isConst(s.spilled.v)) return -1n;
  void spillSize;
  return s.spilled.v.varOff.value;
}

/** Map types whose elements the generic lookup/update/delete helpers may touch only in part (check_map_func_compatibility). */
const ELEM_OPS: Record<number, readonly string[]> = {
  3: [], 4: [], 7: [], 8: [], 16: [], 19: [], 21: [], 22: [], 23: [], 27: [], 31: [],
  12: ['map_lookup_elem'], 13: ['map_lookup_elem'], 14: ['map_lookup_elem'], 17: ['map_lookup_elem'], 25: ['map_lookup_elem'],
};
/** may_update_sockmap: program types that may change a sockmap or sockhash. */
const SOCKMAP_UPDATERS = ['socket_filter', 'sched_cls', 'sched_act', 'xdp'];

/** check_map_func_compatibility for the generic element helpers: the rejection's message, or undefined. */
function elemOpFault(env: Env, mt: number, name: string, id: number): string | undefined {
  if (mt === 15 || mt === 18) {
    if (name === 'map_lookup_elem' || SOCKMAP_UPDATERS.includes(env.prog.type)) return undefined;
    return `cannot update sockmap in this context\ncannot pass map_type ${mt} into func ${helperStr(id)}`;
  }
  const ok = ELEM_OPS[mt];
  if (ok && !ok.includes(name)) return `cannot pass map_type ${mt} into func ${helperStr(id)}`;
  return undefined;
}

/** Helpers whose proto has .pkt_access (may_access_direct_pkt_data with a meta): the others refuse packet pointers. */
const PKT_ACCESS = new Set(['csum_diff', 'map_lookup_elem', 'map_update_elem', 'map_delete_elem', 'map_push_elem', 'map_lookup_percpu_elem',
  'sk_lookup_tcp', 'sk_lookup_udp', 'skc_lookup_tcp', 'tcp_check_syncookie', 'tcp_gen_syncookie', 'tcp_raw_gen_syncookie_ipv4',
  'tcp_raw_gen_syncookie_ipv6', 'tcp_raw_check_syncookie_ipv4', 'tcp_raw_check_syncookie_ipv6']);

/** check_func_arg for one argument: the rejection's message, or undefined. */
function checkArg(env: Env, st: State, pc: number, id: number, i: number, kind: ArgKind, kinds: readonly ArgKind[], meta: Meta): string | undefined {
  const regno = i + 1;
  const r = cur(st).regs[regno];
  if (r.type === 'not_init') return notInitMsg(regno);
  if (r.refObj) meta.refObj = r.refObj;
  switch (kind) {
    case 'anything':
      if (!env.privileged && r.type !== 'scalar') return `R${regno} leaks addr into helper function`;
      return undefined;
    case 'alloc_size':
      if (r.type !== 'scalar') return `R${regno} type=${typeStr(r)} expected=scalar`;
      if (!isConst(r.v)) return `R${regno} is not a known constant'`;
      meta.memSize = Number(r.v.varOff.value);
      env.precise(1 << regno);
      return undefined;
    case 'ringbuf_release':
      if (r.type !== 'mem' || !r.ringbuf) return `R${regno} type=${typeStr(r)} expected=ringbuf_mem`;
      return releaseArg(r, regno, meta);
    case 'sock_common':
      if (!['sock', 'sock_common', 'tcp_sock'].includes(r.type)) return `R${regno} type=${typeStr(r)} expected=sock_common, sock, tcp_sock, xdp_sock`;
      return ptrOffFault(r, regno, false);
    case 'sock_release':
      if (!['sock', 'sock_common', 'tcp_sock'].includes(r.type)) return `R${regno} type=${typeStr(r)} expected=${SOCK_COMMON_TYPES}`;
      return releaseArg(r, regno, meta);
    case 'uninit_aligned8': case 'write_aligned4': {
      // a fixed-size argument: its bytes checked as the helper writes them, then strictly aligned
      const size = kind === 'uninit_aligned8' ? 8 : 4;
      const raw = kind === 'uninit_aligned8';
      if (!memArgType(r.type)) return `R${regno} type=${typeStr(r)} expected=${MEM_TYPES}`;
      if ((r.type === 'pkt' || r.type === 'pkt_meta') && !PKT_ACCESS.has(protoOf(id, env.prog.type)!.name)) return 'helper access to the packet is not allowed';
      return helperMem(env, st, regno, size, true, false, meta, raw && isConst(r.v)) ?? alignedArgFault(r, size);
    }
    case 'dynptr_uninit_local': case 'dynptr_uninit_ringbuf':
      return initDynptrArg(env, st, pc, regno, kind === 'dynptr_uninit_local' ? 'local' : 'ringbuf',
        (off) => memFault(env, st, pc, regno, off, 8, true, -1, UNKNOWN_WRITE));
    case 'dynptr': {
      const d = usedDynptrArg(st, regno);
      if (typeof d === 'string') return d;
      meta.dynptr = d;
      return undefined;
    }
    case 'dynptr_release_ringbuf': {
      const bad = releasedDynptrArg(st, regno);
      if (bad !== undefined) return bad;
      meta.releaseRegno = regno;
      meta.dynptrRelease = true;
      const d = usedDynptrArg(st, regno, 'ringbuf');
      return typeof d === 'string' ? d : undefined;
    }
    case 'ctx_or_null': case 'ctx':
      if (kind === 'ctx_or_null' && isNull(r)) return undefined;
      if (r.type !== 'ctx') return `R${regno} type=${typeStr(r)} expected=ctx`;
      return ptrOffFault(r, regno, false);
    case 'map': {
      if (r.type !== 'map_ptr') return `R${regno} type=${typeStr(r)} expected=map_ptr`;
      meta.map = r.map;
      const p = protoOf(id, env.prog.type)!;
      const mt = env.prog.maps[r.map].type;
      if (p.name === 'tail_call' && mt !== 3) return 'expected prog array map for tail call';
      if (p.mapTypes && !p.mapTypes.includes(mt)) return `cannot pass map_type ${mt} into func ${helperStr(id)}`;
      if (!p.mapTypes && (mt === 3 || mt === 4 || mt === 27 || mt === 14 || mt === 16 || mt === 17 || mt === 25) && p.name !== 'map_lookup_elem' && p.name !== 'map_update_elem' && p.name !== 'map_delete_elem') {
        return `cannot pass map_type ${mt} into func ${helperStr(id)}`;
      }
      if (p.name === 'map_lookup_elem' || p.name === 'map_update_elem' || p.name === 'map_delete_elem') return elemOpFault(env, mt, p.name, id);
      void mapTypeName;
      return undefined;
    }
    case 'key': case 'value': case 'mem': case 'mem_or_null': case 'uninit': {
      // resolve_map_arg_type: a sockmap / sockhash value is a socket
      const mt = meta.map >= 0 ? env.prog.maps[meta.map].type : -1;
      if (kind === 'value' && (mt === 15 || mt === 18)) {
        if (r.type !== 'sock' && r.type !== 'sock_common') return `R${regno} type=${typeStr(r)} expected=${SOCK_COMMON_TYPES}`;
        return ptrOffFault(r, regno, false);
      }
      if (kind === 'mem_or_null' && isNull(r)) {
        env.precise(1 << regno);
        return undefined;
      }
      if (!memArgType(r.type)) return `R${regno} type=${typeStr(r)} expected=${MEM_TYPES}`;
      if ((r.type === 'pkt' || r.type === 'pkt_meta') && !PKT_ACCESS.has(protoOf(id, env.prog.type)!.name)) return 'helper access to the packet is not allowed';
      if (kind === 'key' || kind === 'value') {
        const m = env.prog.maps[meta.map];
        const size = kind === 'key' ? m.keySize : m.valueSize;
        const bad = helperMem(env, st, regno, size, false, false, meta, false);
        if (bad !== undefined) return bad;
        if (kind === 'key') {
          meta.constKey = constantKey(st, r, size);
          if (meta.constKey >= 0n) {
            const at = constOff(r);
            if (r.map === st.frames.length - 1) env.precise(0, [(-at - 1) >> 3]);
            else env.precise(-1);
          }
        }
      }
      return undefined; // size checked with the following size argument
    }
    case 'size': case 'size0': {
      if (r.type !== 'scalar') return `R${regno} type=${typeStr(r)} expected=scalar`;
      const zeroOk = kind === 'size0';
      if (s64(r.v.smin) < 0n) return `R${regno} min value is negative, either use unsigned or 'var &= const'`;
      if (r.v.umin === 0n && !zeroOk) return `R${regno} invalid zero-sized read: u64=[${r.v.umin},${r.v.umax}]`;
      if (r.v.umax >= BPF_MAX_VAR_SIZ) return `R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`;
      env.precise(1 << regno);
      meta.msizeMax = r.v.umax;
      const memKind = kinds[i - 1];
      const write = memKind === 'uninit';
      return helperMem(env, st, regno - 1, Number(r.v.umax), write, zeroOk, meta, write && isConst(r.v));
    }
  }
  return undefined;
}

/** What a helper writes into a dynptr's slots (memFault only reads it). */
const UNKNOWN_WRITE: WriteVal = { unknown: true };

/** clear_all_pkt_pointers (root: they become unknown scalars). */
function clearPkt(st: State): void {
  mapAllRegs(st, (r) => (r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'pkt_end' ? SCALAR_UNKNOWN : r));
}

/**
 * check_helper_call: the rejection's message (step reports it by return: env.ts reject), or
 * undefined when the call was executed. Returned, not thrown: a helper's argument checks are a
 * search's candidates' most frequent rejections after the ALU and memory instructions' (a moved
 * or replaced instruction leaves an argument unset or of another type).
 */
export function helperCall(env: Env, st: State, pc: number, id: number): string | undefined {
  const p = protoOf(id, env.prog.type);
  if (!p) {
    if (id === 0) return `program of this type cannot use helper ${helperStr(id)}`;
    return helperName(id) ? `helper ${helperStr(id)} is not modelled` : `invalid func unknown#${id}`;
  }
  if (p.types && !p.types.includes(env.prog.type)) return `program of this type cannot use helper ${helperStr(id)}`;
  if (!env.privileged && helperNeedsCap(p.name)) return `program of this type cannot use helper ${helperStr(id)}`;
  const meta: Meta = { map: -1, constKey: -1n, rawWrites: undefined, msizeMax: 0n, memSize: 0, releaseRegno: 0, refObj: 0 };
  if (!env.privileged && CAP_BPF_HELPERS.has(p.name)) return `program of this type cannot use helper ${helperStr(id)}`;
  for (let i = 0; i < p.args.length; i++) {
    const bad = checkArg(env, st, pc, id, i, p.args[i], p.args, meta);
    if (bad !== undefined) return bad;
  }
  if (meta.dynptrRelease) releaseDynptr(env, st, meta.releaseRegno);
  else if (meta.releaseRegno && !(meta.refObj && releaseRef(env, st, meta.refObj))) {
    return `func ${helperStr(id)} reference has not been acquired before`;
  }
  if (p.name === 'dynptr_from_mem' && cur(st).regs[1].type !== 'map_value') {
    return `Unsupported reg type ${typeStr(cur(st).regs[1])} for bpf_dynptr_from_mem data`;
  }
  if (p.name === 'tail_call') {
    const leak = leakFault(st, 'tail_call');
    if (leak !== undefined) return leak;
    const seen = env.tailMaps.get(pc);
    env.tailMaps.set(pc, seen === undefined || seen === meta.map ? meta.map : -1);
  }
  if (p.name === 'tail_call' && cur(st).regs[3].type === 'scalar' && isConst(cur(st).regs[3].v)) env.precise(1 << 3);
  if (meta.rawWrites) for (const [f, lo, hi] of meta.rawWrites) writeRange(ownStack(st.frames[f]), lo, hi, false);
  const regs = cur(st).regs;
  // get_local_storage() cannot fail, so it takes no flags
  if (p.name === 'get_local_storage' && !isNull(regs[2])) return "get_local_storage() doesn't support non-zero flags";
  for (let i = 0; i <= 5; i++) regs[i] = NOT_INIT;
  switch (p.ret) {
    case 'void':
      break;
    case 'integer':
      regs[0] = SCALAR_UNKNOWN;
      if (p.name === 'get_smp_processor_id') {
        const m = BigInt(env.nrCpus - 1);
        regs[0] = scalarReg(env.dom.sync(scalarFrom(D, { umax: m, u32max: m, smax: m, s32max: m, smin: 0n, s32min: 0n })));
      } else if (SIZE_BOUNDED_RET.has(p.name)) {
        const m = meta.msizeMax;
        regs[0] = scalarReg(env.dom.sync(scalarFrom(D, { smax: m, s32max: m, smin: -MAX_ERRNO, s32min: -MAX_ERRNO })));
      }
      if (p.name === 'get_stack') {
        // do_refine_retval_range: at most the buffer's size, at least -MAX_ERRNO
        const m = meta.msizeMax;
        regs[0] = scalarReg(env.dom.sync(scalarFrom(D, { smax: m, s32max: m, smin: -4095n, s32min: -4095n })));
      }
      break;
    case 'map_value':
      regs[0] = ptrReg('map_value', { map: meta.map });
      break;
    case 'map_value_or_null': {
      const m = env.prog.maps[meta.map];
      const elide = (m.type === 2 || m.type === 6) && meta.constKey >= 0n && meta.constKey < BigInt(m.maxEntries);
      regs[0] = elide ? ptrReg('map_value', { map: meta.map }) : ptrReg('map_value_or_null', { map: meta.map, id: ++env.idGen });
      // is_acquire_function: a sockmap / sockhash lookup holds the socket it finds
      if (m.type === 15 || m.type === 18) {
        const ref = acquireRef(env, st, pc);
        regs[0] = { ...regs[0], id: ref, refObj: ref };
      }
      break;
    }
    case 'ringbuf_mem_or_null': {
      // a maybe-null return takes an id first, then the acquired reference replaces it (check_helper_call)
      ++env.idGen;
      const ref = acquireRef(env, st, pc);
      regs[0] = ptrReg('mem_or_null', { id: ref, refObj: ref, range: meta.memSize, ringbuf: true });
      break;
    }
    case 'sock_cast_or_null': case 'listener_or_null': case 'tcp_sock_or_null':
      // is_ptr_cast_function: the result is released with the socket it was cast from
      regs[0] = ptrReg(p.ret === 'tcp_sock_or_null' ? 'tcp_sock_or_null' : 'sock_or_null',
        { id: ++env.idGen, ...(p.ret !== 'listener_or_null' && meta.refObj ? { refObj: meta.refObj } : {}) });
      break;
    case 'dynptr_mem_or_null':
      // a slice: its own id for the NULL check, the dynptr's id, and the dynptr's reference if it holds one
      regs[0] = ptrReg('mem_or_null', { id: ++env.idGen, range: meta.memSize, dynptrId: meta.dynptr!.id, ...(meta.dynptr!.ref ? { refObj: meta.dynptr!.ref } : {}) });
      break;
    case 'sock_or_null': case 'sock_common_or_null': {
      ++env.idGen;
      const ref = acquireRef(env, st, pc);
      regs[0] = ptrReg(p.ret, { id: ref, refObj: ref });
      break;
    }
  }
  if (p.changesPkt) clearPkt(st);
  return undefined;
}

/** check_func_call for a static subprogram: push a frame. Returns the callee's first instruction, or REJECTED (env.ts reject). */
export function localCall(env: Env, st: State, pc: number, op: Op & { kind: 'call' }): number {
  if (st.frames.length >= MAX_CALL_FRAMES) return reject(env, pc, `the call stack of ${st.frames.length + 1} frames is too deep`);
  const target = calleeSlot(op, pc);
  const caller = cur(st);
  const callee = newFrame(st.frames.length, pc, target);
  for (let i = 1; i <= 5; i++) callee.regs[i] = caller.regs[i];
  for (let i = 0; i <= 5; i++) caller.regs[i] = NOT_INIT;
  st.frames.push(callee);
  return target;
}

/** BPF_EXIT: returns the instruction to continue at, -1 when the program ends, or REJECTED (env.ts reject). */
export function exitInsn(env: Env, st: State, pc: number): number {
  if (st.frames.length === 1) {
    const leak = leakFault(st, 'BPF_EXIT instruction in main prog');
    if (leak !== undefined) return reject(env, pc, leak);
  }
  if (st.frames.length > 1) {
    const callee = st.frames.pop()!;
    const r0 = callee.regs[0];
    if (r0.type === 'fp') return reject(env, pc, 'cannot return stack pointer to the caller');
    cur(st).regs[0] = r0;
    return callee.callsite + 1;
  }
  const r0 = cur(st).regs[0];
  if (r0.type === 'not_init') return reject(env, pc, notInitMsg(0));
  if (!env.privileged && r0.type !== 'scalar') return reject(env, pc, 'R0 leaks addr as return value');
  const range = retRange(env.prog.type);
  if (range) {
    if (r0.type !== 'scalar') return reject(env, pc, `At program exit the register R0 is not a known value (${typeStr(r0)})`);
    env.precise(1);
    const smin = s64(r0.v.smin), smax = s64(r0.v.smax);
    if (smin < range[0] || smax > range[1]) {
      let m = 'At program exit the register R0 has';
      if (smin > -(1n << 63n)) m += ` smin=${smin}`;
      if (smax < (1n << 63n) - 1n) m += ` smax=${smax}`;
      if (smin === -(1n << 63n) && smax === (1n << 63n) - 1n) m += ' unknown scalar value';
      return reject(env, pc, `${m} should have been in [${range[0]}, ${range[1]}]`);
    }
  }
  return -1;
}

/** check_ld_abs: the rejection's message, or undefined when the load was executed. */
export function ldAbs(env: Env, st: State, op: Op & ({ kind: 'ldabs' } | { kind: 'ldind' })): string | undefined {
  if (!skbLoads(env.prog.type)) return 'BPF_LD_[ABS|IND] instructions not allowed for this program type';
  const regs = cur(st).regs;
  const r6 = regs[6];
  if (r6.type === 'not_init') return notInitMsg(6);
  const bad = leakFault(st, 'BPF_LD_[ABS|IND]');
  if (bad !== undefined) return bad;
  if (r6.type !== 'ctx') return 'at the time of BPF_LD_ABS|IND R6 != pointer to skb';
  if (op.kind === 'ldind' && regs[op.src].type === 'not_init') return notInitMsg(op.src);
  const off = ptrOffFault(r6, 6, false);
  if (off !== undefined) return off;
  for (let i = 0; i <= 5; i++) regs[i] = NOT_INIT;
  regs[0] = SCALAR_UNKNOWN;
  return undefined;
}

/** atomic_ptr_type_ok: atomics may not access the context or the packet. */
const atomicPtrOk = (r: Reg): boolean => r.type !== 'ctx' && r.type !== 'pkt' && r.type !== 'pkt_meta';

/** Atomics always check alignment (strict_alignment_once): the rejection's message, or undefined. */
function atomicAlignFault(r: Reg, off: number, size: number): string | undefined {
  const at = tnumAdd(D.u64, r.v.varOff, tnumConst(D.u64, BigInt.asUintN(64, BigInt(r.off + off))));
  if (tnumIsAligned(D.u64, at, size)) return undefined;
  const desc = r.type === 'fp' ? 'stack ' : r.type === 'map_value' ? 'value ' : r.type === 'map_key' ? 'key ' : r.type === 'ctx' ? 'context ' : '';
  return `misaligned ${desc}access off ${formatTnum(r.v.varOff)}+${r.off}+${off} size ${size}`;
}

/**
 * BPF_ATOMIC (check_atomic). load-acquire (`dst = *(src + off)`) is check_load_mem and
 * store-release (`*(dst + off) = src`) check_store_reg, both with strict alignment, then
 * atomic_ptr_type_ok; the read-modify-write forms load and store through dst. The rejection's
 * message, or undefined when the instruction was executed.
 */
export function atomicInsn(env: Env, st: State, pc: number, op: Op & { kind: 'atomic' }): string | undefined {
  const regs = cur(st).regs;
  let bad: string | undefined;
  if (op.op === 'load_acq') {
    const src = regs[op.src];
    if (src.type === 'not_init') return notInitMsg(op.src);
    if (op.dst === 10) return FP_READ_ONLY;
    if (atomicPtrOk(src) && (bad = atomicAlignFault(src, op.off, op.size)) !== undefined) return bad;
    if ((bad = memFault(env, st, pc, op.src, op.off, op.size, false, op.dst, undefined)) !== undefined) return bad;
    if (!atomicPtrOk(src)) return `BPF_ATOMIC loads from R${op.src} ${typeStr(src)} is not allowed`;
    return undefined;
  }
  if (op.op === 'store_rel') {
    if (regs[op.src].type === 'not_init') return notInitMsg(op.src);
    const dst = regs[op.dst];
    if (dst.type === 'not_init') return notInitMsg(op.dst);
    if (atomicPtrOk(dst) && (bad = atomicAlignFault(dst, op.off, op.size)) !== undefined) return bad;
    if ((bad = memFault(env, st, pc, op.dst, op.off, op.size, true, -1, STORED[op.src])) !== undefined) return bad;
    if (!atomicPtrOk(dst)) return `BPF_ATOMIC stores into R${op.dst} ${typeStr(dst)} is not allowed`;
    return undefined;
  }
  const src = regs[op.src];
  if (src.type === 'not_init') return notInitMsg(op.src);
  const dst = regs[op.dst];
  if (dst.type === 'not_init') return notInitMsg(op.dst);
  if (op.op === 'cmpxchg') {
    const r0 = regs[0];
    if (r0.type === 'not_init') return notInitMsg(0);
    if (r0.type !== 'scalar' && !env.privileged) return 'R0 leaks addr into mem';
  }
  if (!env.privileged && src.type !== 'scalar') return `R${op.src} leaks addr into mem`;
  if (!atomicPtrOk(dst)) return `BPF_ATOMIC stores into R${op.dst} ${typeStr(dst)} is not allowed`;
  if ((bad = atomicAlignFault(dst, op.off, op.size)) !== undefined) return bad;
  const loadReg = op.op === 'cmpxchg' ? 0 : op.fetch ? op.src : -1;
  if (loadReg >= 0 && loadReg === 10) return FP_READ_ONLY;
  if ((bad = memFault(env, st, pc, op.dst, op.off, op.size, false, loadReg, undefined)) !== undefined) return bad;
  if (loadReg >= 0) {
    const got = cur(st).regs[loadReg];
    if (got.type !== 'scalar') cur(st).regs[loadReg] = SCALAR_UNKNOWN;
  }
  return memFault(env, st, pc, op.dst, op.off, op.size, true, -1, UNKNOWN_WRITE);
}

/** What a store-release writes, one object per source register (memFault only reads it). */
const STORED: readonly WriteVal[] = Array.from({ length: 11 }, (_, r) => ({ reg: r }));
