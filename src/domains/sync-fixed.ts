// A cheap test that reg_bounds_sync would return a state unchanged, so the compiled sync can
// skip its ~880 operations for such states (src/domains/compiled.ts). The states it accepts are
// the ones whose every bound is exactly what the tnum implies: constants, the fully unknown
// scalar, masks such as (0x0; 0xffff) — most of what the ALU operators hand to the sync in the
// looping corpus programs. proofs/sync-fixed.ts proves, over 64/32-bit bit-vectors, that each
// stage of the sync leaves such a state unchanged (and with it the whole sync).
import { type ScalarState, type D, sMin, sMax } from './scalar.ts';

/**
 * True when var_off is well formed (value & mask = 0) and the eight bounds equal the tnum's own:
 * u64 [v, v|m], s64 [v | (m & S64_MIN), v | (m & S64_MAX)], and the same at 32 bits on the low
 * halves. Such a state is a fixed point of reg_bounds_sync in every kernel flavor.
 */
export function boundsFromTnum<V, B>(d: D<V, B>, s: ScalarState<V>): B {
  const q = d.u64, h = d.u32;
  const v = s.varOff.value, m = s.varOff.mask;
  const v32 = d.lo32(v), m32 = d.lo32(m);
  return q.andB(
    q.eq(q.and(v, m), q.zero),
    q.eq(s.umin, v), q.eq(s.umax, q.or(v, m)),
    q.eq(s.smin, q.or(v, q.and(m, sMin(q)))), q.eq(s.smax, q.or(v, q.and(m, sMax(q)))),
    h.eq(s.u32min, v32), h.eq(s.u32max, h.or(v32, m32)),
    h.eq(s.s32min, h.or(v32, h.and(m32, sMin(h)))), h.eq(s.s32max, h.or(v32, h.and(m32, sMax(h)))),
  );
}
