// Converting between the verifier log's scalar states (signed bounds as signed bigints) and the
// domain's (signed bounds as bit patterns of their ring).
import type { ScalarState as DomainScalar } from '../domains/scalar.ts';
import { printRegState, type ScalarState as LogScalar } from './regstate.ts';

export function toLogScalar(s: DomainScalar<bigint>): LogScalar {
  return {
    kind: 'scalar', precise: false, id: 0, varOff: s.varOff,
    umin: s.umin, umax: s.umax, smin: BigInt.asIntN(64, s.smin), smax: BigInt.asIntN(64, s.smax),
    u32min: s.u32min, u32max: s.u32max, s32min: BigInt.asIntN(32, s.s32min), s32max: BigInt.asIntN(32, s.s32max),
  };
}

export function fromLogScalar(s: LogScalar): DomainScalar<bigint> {
  return {
    varOff: s.varOff, umin: s.umin, umax: s.umax, smin: BigInt.asUintN(64, s.smin), smax: BigInt.asUintN(64, s.smax),
    u32min: s.u32min, u32max: s.u32max, s32min: BigInt.asUintN(32, s.s32min), s32max: BigInt.asUintN(32, s.s32max),
  };
}

/** The kernel's text for a domain state, without ids or precision marks. */
export const printDomainScalar = (s: DomainScalar<bigint>): string => printRegState(toLogScalar(s));
