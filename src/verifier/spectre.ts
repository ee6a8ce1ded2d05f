// What an unprivileged program's pointer arithmetic must satisfy so that the kernel can mask
// it against Spectre v1 (sanitize_ptr_alu, sanitize_val_alu, sanitize_check_bounds). The
// verdict-relevant part only: the kernel also explores each masked operation's truncated
// result on a speculative path, which the model does not (it records that in the README).
import type { Op } from '../isa/op.ts';
import { formatTnumPair } from '../domains/tnum-notation.ts';
import type { Env } from './env.ts';
import { regionFault } from './mem.ts';
import { type Reg, isConst, s64 } from './regs.ts';

/** The masking an instruction was given on the paths seen so far (bpf_insn_aux_data's alu_state/alu_limit). */
export interface AluAux {
  readonly state: number;
  readonly limit: number;
}

const SANITIZE_SRC = 1, SANITIZE_DST = 2, NEG_VALUE = 4, NON_POINTER = 8, IMMEDIATE = 16;
const MAX_BPF_STACK = 512;

const enum Reason { Bounds = 1, Type, Paths, Limit }

/** The first half of sanitize_ptr_alu, kept to narrow the window after the operation. */
export interface SanitizeInfo {
  maskToLeft: boolean;
  aux?: AluAux;
}

const u32 = (x: bigint): number => Number(BigInt.asUintN(32, x));

/** retrieve_ptr_limit: how far the pointer may move in the masked direction. */
function ptrLimit(env: Env, ptr: Reg, maskToLeft: boolean): { limit: number } | { reason: Reason } {
  let max: number, limit: number;
  if (ptr.type === 'fp') {
    max = MAX_BPF_STACK + (maskToLeft ? 1 : 0);
    limit = u32(-(ptr.v.varOff.value + BigInt(ptr.off)));
  } else if (ptr.type === 'map_value') {
    max = env.prog.maps[ptr.map]?.valueSize ?? 0;
    limit = u32((maskToLeft ? s64(ptr.v.smin) : ptr.v.umax) + BigInt(ptr.off));
  } else return { reason: Reason.Type };
  return limit >= max ? { reason: Reason.Limit } : { limit };
}

function record(env: Env, pc: number, aux: AluAux): Reason | 0 {
  const old = env.aluAux.get(pc);
  if (old && (old.state !== aux.state || old.limit !== aux.limit)) return Reason.Paths;
  env.aluAux.set(pc, aux);
  return 0;
}

const canSkip = (env: Env, op: Op & { kind: 'alu' }): boolean => env.privileged || !('reg' in op.src);

/**
 * sanitize_ptr_alu before (commit false) and after (commit true) the operation: sanitize_err's
 * message, or undefined when the operation can be masked.
 */
export function sanitizePtrAlu(env: Env, pc: number, op: Op & { kind: 'alu' }, ptr: Reg, off: Reg, ptrIsDst: boolean, info: SanitizeInfo, commit: boolean): string | undefined {
  if (canSkip(env, op) || (op.op !== 'add' && op.op !== 'sub')) return undefined;
  const offNeg = s64(off.v.smin) < 0n;
  const offImm = isConst(off.v);
  let reason: Reason | 0 = 0;
  if (!commit) {
    if (!offImm && offNeg !== s64(off.v.smax) < 0n) reason = Reason.Bounds;
    info.maskToLeft = (op.op === 'add' && offNeg) || (op.op === 'sub' && !offNeg);
  }
  if (!reason) {
    const l = ptrLimit(env, ptr, info.maskToLeft);
    if ('reason' in l) reason = l.reason;
    else if (commit) reason = record(env, pc, { state: info.aux!.state, limit: Math.abs((info.aux!.limit - l.limit) | 0) });
    else info.aux = { state: (offNeg ? NEG_VALUE : 0) | (offImm ? IMMEDIATE : 0) | (ptrIsDst ? SANITIZE_SRC : SANITIZE_DST), limit: l.limit };
  }
  if (!reason) return undefined;
  const dst = op.dst, src = 'reg' in op.src ? op.src.reg : 0;
  const tail = 'pointer arithmetic with it prohibited for !root';
  const verb = op.op === 'add' ? 'add' : 'sub';
  switch (reason) {
    case Reason.Bounds: return `R${ptrIsDst ? src : dst} has unknown scalar with mixed signed bounds, ${tail}`;
    case Reason.Type: return `R${ptrIsDst ? dst : src} has pointer with unsupported alu operation, ${tail}`;
    case Reason.Paths: return `R${dst} tried to ${verb} from different maps, paths or scalars, ${tail}`;
    case Reason.Limit: return `R${dst} tried to ${verb} beyond pointer bounds, ${tail}`;
  }
}

/**
 * sanitize_val_alu: scalar add/sub by a register at an instruction that does pointer arithmetic
 * on another path. sanitize_err's message, or undefined.
 */
export function sanitizeValAlu(env: Env, pc: number, op: Op & { kind: 'alu' }): string | undefined {
  if (canSkip(env, op) || (op.op !== 'add' && op.op !== 'sub')) return undefined;
  if (record(env, pc, { state: NON_POINTER, limit: 0 }))
    return `R${op.dst} tried to ${op.op} from different maps, paths or scalars, pointer arithmetic with it prohibited for !root`;
  return undefined;
}

/** sanitize_check_bounds: an unprivileged pointer must stay where the masking can keep it. The rejection's message, or undefined. */
export function sanitizeCheckBounds(env: Env, dst: number, r: Reg): string | undefined {
  if (env.privileged) return undefined;
  if (r.type === 'fp') {
    const off = Number(BigInt.asIntN(32, BigInt(r.off) + r.v.varOff.value));
    if (!isConst(r.v)) return `R${dst} variable stack access prohibited for !root, var_off=${formatTnumPair(r.v.varOff)} off=${off}`;
    if (off >= 0 || off < -MAX_BPF_STACK) return `R${dst} stack pointer arithmetic goes out of range, prohibited for !root; off=${off}`;
  } else if (r.type === 'map_value') {
    // check_map_access(reg, reg.off, 1, ACCESS_HELPER): its log lines when a byte the pointer may point at is outside
    const why = regionFault(r, dst, r.off, 1, env.prog.maps[r.map]?.valueSize ?? 0);
    if (why !== undefined) return `${why}\nR${dst} pointer arithmetic of map value goes out of range, prohibited for !root`;
  }
  return undefined;
}
