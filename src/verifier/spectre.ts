// What an unprivileged program's pointer arithmetic must satisfy so that the kernel can mask
// it against Spectre v1 (sanitize_ptr_alu, sanitize_val_alu, sanitize_check_bounds). The
// verdict-relevant part only: the kernel also explores each masked operation's truncated
// result on a speculative path, which the model does not (it records that in the README).
import type { Op } from '../isa/op.ts';
import { formatTnumPair } from '../domains/tnum-notation.ts';
import { type Env, fail, VerifierError } from './env.ts';
import { checkRegion } from './mem.ts';
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

/** sanitize_ptr_alu before (commit false) and after (commit true) the operation; fails with sanitize_err's message. */
export function sanitizePtrAlu(env: Env, pc: number, op: Op & { kind: 'alu' }, ptr: Reg, off: Reg, ptrIsDst: boolean, info: SanitizeInfo, commit: boolean): void {
  if (canSkip(env, op) || (op.op !== 'add' && op.op !== 'sub')) return;
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
  if (!reason) return;
  const dst = op.dst, src = 'reg' in op.src ? op.src.reg : 0;
  const tail = 'pointer arithmetic with it prohibited for !root';
  const verb = op.op === 'add' ? 'add' : 'sub';
  switch (reason) {
    case Reason.Bounds: fail(pc, `R${ptrIsDst ? src : dst} has unknown scalar with mixed signed bounds, ${tail}`); break;
    case Reason.Type: fail(pc, `R${ptrIsDst ? dst : src} has pointer with unsupported alu operation, ${tail}`); break;
    case Reason.Paths: fail(pc, `R${dst} tried to ${verb} from different maps, paths or scalars, ${tail}`); break;
    case Reason.Limit: fail(pc, `R${dst} tried to ${verb} beyond pointer bounds, ${tail}`); break;
  }
}

/** sanitize_val_alu: scalar add/sub by a register at an instruction that does pointer arithmetic on another path. */
export function sanitizeValAlu(env: Env, pc: number, op: Op & { kind: 'alu' }): void {
  if (canSkip(env, op) || (op.op !== 'add' && op.op !== 'sub')) return;
  if (record(env, pc, { state: NON_POINTER, limit: 0 }))
    fail(pc, `R${op.dst} tried to ${op.op} from different maps, paths or scalars, pointer arithmetic with it prohibited for !root`);
}

/** check_map_access(reg, reg.off, 1, ACCESS_HELPER) on a map value pointer: its log lines when a byte it may point at is outside. */
function mapByteOutside(env: Env, pc: number, dst: number, r: Reg): string | undefined {
  try {
    checkRegion(pc, r, dst, r.off, 1, env.prog.maps[r.map]?.valueSize ?? 0);
    return undefined;
  } catch (e) {
    if (e instanceof VerifierError) return e.message;
    throw e;
  }
}

/** sanitize_check_bounds: an unprivileged pointer must stay where the masking can keep it. */
export function sanitizeCheckBounds(env: Env, pc: number, dst: number, r: Reg): void {
  if (env.privileged) return;
  if (r.type === 'fp') {
    const off = Number(BigInt.asIntN(32, BigInt(r.off) + r.v.varOff.value));
    if (!isConst(r.v)) fail(pc, `R${dst} variable stack access prohibited for !root, var_off=${formatTnumPair(r.v.varOff)} off=${off}`);
    if (off >= 0 || off < -MAX_BPF_STACK) fail(pc, `R${dst} stack pointer arithmetic goes out of range, prohibited for !root; off=${off}`);
  } else if (r.type === 'map_value') {
    const why = mapByteOutside(env, pc, dst, r);
    if (why !== undefined) fail(pc, `${why}\nR${dst} pointer arithmetic of map value goes out of range, prohibited for !root`);
  }
}
