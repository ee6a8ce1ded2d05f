// One instruction at a time: the dispatch of do_check's loop body (ALU, memory, jumps, calls,
// lddw), the history note the precision walk needs, and the registers the log prints.
import type { Op } from '../isa/op.ts';
import { SK_ALU, SK_ATOMIC, SK_CALL, SK_EXIT, SK_JA, SK_JCOND, SK_LDABS, SK_LDDW, SK_LDX, SK_LOCAL_CALL, SK_MAYGOTO, SK_OTHER, SK_ST, SK_STX } from '../isa/flow.ts';
import { type Env, reject } from './env.ts';
import { type Reg, ptrReg, typeStr } from './regs.ts';
import { type State, cloneState, cur } from './state.ts';
import { aluStep, endInsn, baseId, FP_READ_ONLY } from './alu.ts';
import { memFault, type WriteVal } from './mem.ts';
import { condJump, linkedLive } from './jmp.ts';
import { atomicInsn, exitInsn, helperCall, ldAbs, localCall } from './call.ts';
import { LINKED, OPAQUE } from './precision.ts';


/**
 * The history note of conditional jump `pc` (see Hist) known before it runs: its linked registers
 * (live ones, as collect_linked_regs). A stack access's note (the slot of a spill or fill) is set
 * while it runs (Env.hist). Only a conditional jump has one: the caller tells it by its slot kind
 * (SK_JCOND), as `op.kind` is a megamorphic load.
 */
export function auxOf(st: State, op: Op & { kind: 'jcond' }, pc: number, live: Uint16Array): number {
  const fr = cur(st);
  // the (at most two) ids of the compared registers, -1 for none: no list per jump
  const a = fr.regs[op.dst];
  const idA = a.type === 'scalar' && a.id ? baseId(a.id) : -1;
  let idB = -1;
  if ('reg' in op.src) {
    const b = fr.regs[op.src.reg];
    if (b.type === 'scalar' && b.id) idB = baseId(b.id);
  }
  if (idA === -1 && idB === -1) return -1;
  let mask = 0;
  for (let f = 0; f < st.frames.length; f++) {
    const F = st.frames[f];
    const lv = linkedLive(live, st, pc, f);
    for (let r = 0; r < 10; r++) {
      if (!(lv & (1 << r))) continue;
      const x = F.regs[r];
      if (x.type === 'scalar' && x.id && linkedTo(x.id, idA, idB)) {
        if (f !== st.frames.length - 1) return OPAQUE;
        mask |= 1 << r;
      }
    }
    for (const sl of F.stack) if (sl?.spilled?.type === 'scalar' && sl.spilled.id && linkedTo(sl.spilled.id, idA, idB)) return OPAQUE;
  }
  return LINKED | mask;
}

/** Whether a register with `id` shares its base id with one of the compared registers' (-1: none). */
function linkedTo(id: number, idA: number, idB: number): boolean {
  const b = baseId(id);
  return b === idA || b === idB;
}

/** Registers an instruction touches (for the log's scratched-register list). */
export function touched(op: Op): number {
  const b = (r: number) => 1 << r;
  switch (op.kind) {
    case 'alu': return b(op.dst) | ('reg' in op.src ? b(op.src.reg) : 0);
    case 'end': return b(op.dst);
    case 'ldx': return b(op.dst) | b(op.src);
    case 'stx': return b(op.dst) | b(op.src);
    case 'st': return b(op.dst);
    case 'lddw': return b(op.dst);
    case 'call': return b(0);
    case 'jcond': return b(op.dst) | ('reg' in op.src ? b(op.src.reg) : 0);
    case 'atomic': return b(op.dst) | b(op.src);
    default: return 0;
  }
}

/** What a BPF_STX stores, one object per source register (memFault only reads it). */
const STORED_REG: readonly WriteVal[] = Array.from({ length: 11 }, (_, r) => ({ reg: r }));

/** Pointer types whose loads and stores are rewritten per type (convert_ctx_accesses), so one instruction may not serve two (reg_type_mismatch_ok). */
const REWRITTEN_ACCESS = new Set(['ctx', 'sock', 'sock_common', 'tcp_sock', 'xdp_sock']);

/**
 * save_aux_ptr_type: an instruction that accessed memory through one of these types may not
 * access any other. The next pc, or REJECTED (env.ts reject).
 */
function saveAuxPtrType(env: Env, pc: number, r: Reg): number {
  // (read without a copy: most visits write nothing)
  const prev = env.ptrTypeAt(pc);
  // the common revisit: the same type tag (the rewritten types' names are their tags, so a
  // variant name of the same tag, e.g. rdonly_map_value, could not fail either)
  if (prev === r.type) return pc + 1;
  const type = typeStr(r);
  if (prev === undefined) env.ptrTypes[pc] = type;
  else if (prev !== type && (REWRITTEN_ACCESS.has(prev) || REWRITTEN_ACCESS.has(type))) return reject(env, pc, 'same insn cannot be used with different pointers');
  return pc + 1;
}

/**
 * check_reg_arg(SRC_OP)'s rejection of an uninitialised register, reported by return (env.ts
 * reject): the most frequent rejection of a search's candidates (a move or a deletion leaves a
 * later read without its write), about half of them in the corpus programs' bench candidates.
 */
const unread = (env: Env, pc: number, r: number): number => reject(env, pc, `R${r} !read_ok`);

/**
 * The register whose `R%d !read_ok` (check_reg_arg's) is the first thing step() returns for
 * `op` (of slot kind `kind`) on a frame holding `regs`, -1 for none: an ALU instruction, BPF_END,
 * a conditional jump, a load, a store or an atomic check their registers before anything else,
 * in the order of their own checks (a jump's destination first, the others' source first, a
 * move's destination not read). Any other instruction gives -1 (its first check may be another).
 * The incremental checker answers a resumed candidate's first instruction with it, before it
 * copies the snapshot (analyze.ts unreadAtResume).
 */
export function firstUnread(regs: readonly Reg[], op: Op, kind: number): number {
  if (kind === SK_JCOND) {
    const j = op as Op & { kind: 'jcond' };
    if (regs[j.dst].type === 'not_init') return j.dst;
    return 'reg' in j.src && regs[j.src.reg].type === 'not_init' ? j.src.reg : -1;
  }
  if (kind === SK_ALU) {
    const a = op as Op & { kind: 'alu' };
    if (a.op === 'neg') return regs[a.dst].type === 'not_init' ? a.dst : -1;
    if ('reg' in a.src && regs[a.src.reg].type === 'not_init') return a.src.reg;
    return a.op !== 'mov' && a.op !== 'movsx' && regs[a.dst].type === 'not_init' ? a.dst : -1;
  }
  // (the other kinds by the slot kind too: `op.kind` is a megamorphic load)
  switch (kind) {
    case SK_OTHER: case SK_ST: {
      // BPF_END (SK_OTHER's one instruction) and BPF_ST read their destination
      const x = op as Op & { kind: 'end' | 'st' };
      return regs[x.dst].type === 'not_init' ? x.dst : -1;
    }
    case SK_LDX: {
      const x = op as Op & { kind: 'ldx' };
      return regs[x.src].type === 'not_init' ? x.src : -1;
    }
    case SK_STX: {
      const x = op as Op & { kind: 'stx' };
      if (regs[x.src].type === 'not_init') return x.src;
      return regs[x.dst].type === 'not_init' ? x.dst : -1;
    }
    case SK_ATOMIC: {
      const x = op as Op & { kind: 'atomic' };
      if (regs[x.src].type === 'not_init') return x.src;
      return x.op !== 'load_acq' && regs[x.dst].type === 'not_init' ? x.dst : -1;
    }
    default:
      return -1;
  }
}

/**
 * Execute one instruction on `st` (in place). Returns the next pc, -1 at the end of a path, or
 * REJECTED (env.ts reject) when it rejects the program: every instruction's rejections are
 * returned, none thrown.
 * `kind`: the slot table's code for `op`; an ALU instruction (most of a straight-line program's)
 * and a conditional jump are told by it, as `op.kind` is a megamorphic load (a decoded op has
 * one of a dozen shapes).
 */
export function step(env: Env, st: State, pc: number, op: Op, push: (s: State, pc: number) => void, kind: number): number {
  // small enough for the optimising compiler to inline into the exploration loop (one call less
  // per instruction); the other kinds are stepOther's
  if (kind === SK_ALU) {
    const e = aluStep(env, st, pc, op as Op & { kind: 'alu' }, push, cloneState);
    return e === undefined ? pc + 1 : reject(env, pc, e);
  }
  if (kind === SK_JCOND) return condJump(env, st, pc, op as Op & { kind: 'jcond' }, push);
  return stepOther(env, st, pc, op, push, kind);
}

/**
 * step for the instructions that are neither ALU instructions nor conditional jumps. The slot
 * kind is setSlot's for this very op (flow.ts: one kind per op kind but the calls, SK_CALL for a
 * helper or kfunc, and SK_LDABS for LD_ABS and LD_IND), so the dispatch is on it, not on `op.kind`
 * (a megamorphic load, ~8 ns).
 */
function stepOther(env: Env, st: State, pc: number, insn: Op, push: (s: State, pc: number) => void, kind: number): number {
  // an exit (every path's last instruction) and an lddw told by the slot kind as well
  if (kind === SK_EXIT) return exitInsn(env, st, pc);
  if (kind === SK_LDDW) {
    const ld = insn as Op & { kind: 'lddw' };
    if (ld.dst === 10) return reject(env, pc, FP_READ_ONLY);
    const r = lddwReg(env, pc, ld);
    if (typeof r === 'string') return reject(env, pc, r);
    cur(st).regs[ld.dst] = r;
    return pc + 2;
  }
  switch (kind) {
    case SK_OTHER: {
      const bad = endInsn(env, st, insn as Op & { kind: 'end' });
      return bad === undefined ? pc + 1 : reject(env, pc, bad);
    }
    // the memory instructions report check_reg_arg's and memFault's rejections by return
    case SK_LDX: {
      const op = insn as Op & { kind: 'ldx' };
      const t = cur(st).regs[op.src];
      if (t.type === 'not_init') return unread(env, pc, op.src);
      if (op.dst === 10) return reject(env, pc, FP_READ_ONLY);
      const bad = memFault(env, st, pc, op.src, op.off, op.size, false, op.dst, undefined, op.signed);
      if (bad !== undefined) return reject(env, pc, bad);
      return saveAuxPtrType(env, pc, t);
    }
    case SK_STX: {
      const op = insn as Op & { kind: 'stx' };
      const regs = cur(st).regs, t = regs[op.dst];
      if (regs[op.src].type === 'not_init') return unread(env, pc, op.src);
      if (t.type === 'not_init') return unread(env, pc, op.dst);
      const bad = memFault(env, st, pc, op.dst, op.off, op.size, true, -1, STORED_REG[op.src]);
      if (bad !== undefined) return reject(env, pc, bad);
      return saveAuxPtrType(env, pc, t);
    }
    case SK_ST: {
      const op = insn as Op & { kind: 'st' };
      const t = cur(st).regs[op.dst];
      if (t.type === 'not_init') return unread(env, pc, op.dst);
      const bad = memFault(env, st, pc, op.dst, op.off, op.size, true, -1, { imm: op.imm });
      if (bad !== undefined) return reject(env, pc, bad);
      return saveAuxPtrType(env, pc, t);
    }
    case SK_ATOMIC: {
      const op = insn as Op & { kind: 'atomic' };
      // atomicInsn reads the source register first, then the destination (a load-acquire only writes it)
      const regs = cur(st).regs;
      if (regs[op.src].type === 'not_init') return unread(env, pc, op.src);
      if (op.op !== 'load_acq' && regs[op.dst].type === 'not_init') return unread(env, pc, op.dst);
      const bad = atomicInsn(env, st, pc, op);
      return bad === undefined ? pc + 1 : reject(env, pc, bad);
    }
    case SK_LDABS: {
      const bad = ldAbs(env, st, insn as Op & { kind: 'ldabs' | 'ldind' });
      return bad === undefined ? pc + 1 : reject(env, pc, bad);
    }
    // (jumpSlot's answers without its reads of `op.kind`)
    case SK_JA:
      return pc + 1 + (insn as Op & { kind: 'ja' }).off;
    case SK_MAYGOTO: {
      // check_cond_jmp_op: the taken edge goes on, the fall-through is queued one level deeper
      const q = cloneState(st);
      q.mayGotoDepth = (st.mayGotoDepth ?? 0) + 1;
      push(q, pc + 1);
      return pc + 1 + (insn as Op & { kind: 'maygoto' }).off;
    }
    case SK_LOCAL_CALL:
      return localCall(env, st, pc, insn as Op & { kind: 'call' });
    case SK_CALL: {
      const op = insn as Op & { kind: 'call' };
      if (op.callKind === 'helper') {
        const bad = helperCall(env, st, pc, op.imm);
        return bad === undefined ? pc + 1 : reject(env, pc, bad);
      }
      return reject(env, pc, 'kfunc calls are not modelled');
    }
  }
  throw new Error(`slot ${pc}: no step for slot kind ${kind}`);
}

/** check_ld_imm: the register loaded, or the rejection's message. */
function lddwReg(env: Env, pc: number, op: Op & { kind: 'lddw' }): Reg | string {
  switch (op.pseudo) {
    case 0: return env.imms.wideAt(pc, op.lo, op.hi);
    // A Program names its maps by index (MAP_IDX / MAP_IDX_VALUE); MAP_FD / MAP_VALUE can only be
    // a raw fd left in an object without a relocation, which the model has no fd table to
    // resolve: refused as the kernel refuses an fd that is not a map.
    case 1: case 2:
      return `fd ${op.lo | 0} is not pointing to valid bpf_map`;
    case 5: {
      if (!env.prog.maps[op.lo]) return `fd ${op.lo} is not pointing to valid bpf_map`;
      return ptrReg('map_ptr', { map: op.lo });
    }
    case 6: {
      const m = env.prog.maps[op.lo];
      if (!m) return `fd ${op.lo} is not pointing to valid bpf_map`;
      const off = op.hi >>> 0;
      if (off >= m.valueSize) return `invalid access to map value pointer, value_size=${m.valueSize} off=${off}`;
      return ptrReg('map_value', { map: op.lo, off, rdonly: (m.flags & 0x80) !== 0 || undefined });
    }
    default:
      return `ld_imm64 pseudo ${op.pseudo} is not modelled`;
  }
}
