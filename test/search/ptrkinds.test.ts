// The pre-filter's kinds are a projection of the verifier model's register types
// (src/isa/regtype.ts): every model type maps to a kind that names that type, the type it is
// folded onto, or unknown; map kinds keep their map.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REG_TYPES, type RegType } from '../../src/isa/regtype.ts';
import { firstRefusal, isMapPtr, isMapValue, kindMap, kindType, project, U } from '../../src/search/ptrkinds.ts';
import { assemble } from '../../src/isa/asm.ts';
import { toOps } from '../../src/isa/op.ts';

const t = suite('search/ptrkinds');

/** What the projection keeps of each model type (undefined: unknown). */
const FOLD: Partial<Record<RegType, RegType>> = {
  not_init: 'not_init', scalar: 'scalar', ctx: 'ctx', fp: 'fp', pkt: 'pkt', pkt_meta: 'pkt', pkt_end: 'pkt_end',
  map_ptr: 'map_ptr', map_value: 'map_value', map_value_or_null: 'map_value',
};

t('every model type projects onto itself, its fold, or unknown', () => {
  for (const ty of REG_TYPES) {
    const k = project(ty, 3);
    assert.is(kindType(k), FOLD[ty], ty);
    if (FOLD[ty] === undefined) assert.is(k, U, `${ty} is unknown to the pre-filter`);
  }
});

t('map kinds keep their map index; the others carry none', () => {
  for (const m of [0, 1, 99, 100, 2046]) {
    assert.ok(isMapPtr(project('map_ptr', m)) && kindMap(project('map_ptr', m)) === m, `map_ptr ${m}`);
    assert.ok(isMapValue(project('map_value_or_null', m)) && kindMap(project('map_value_or_null', m)) === m, `map_value ${m}`);
  }
  assert.is(project('map_value', 2048), U, 'beyond the row width: unknown, never another map');
  assert.is(project('map_value', 2047), U, 'the last index is MAP_VALUE_SOME');
  assert.is(project('map_ptr', -1), U, 'a negative index: unknown');
  assert.not.ok(isMapPtr(project('map_value', 5)) || isMapValue(project('map_ptr', 5)));
  assert.is(kindMap(project('pkt')), 0);
});

// xdp_scale_mix slot 52: pkt_end minus a register reloaded from the stack (the pass does not
// track spills, so its type is unknown). The kernel allows pkt_end - pkt for root and refuses
// pkt_end - scalar: with the operand unknown the pre-filter cannot judge and must not refuse.
const refusal = (body: string): number => {
  const ops = toOps(assemble(`r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\n*(u64 *)(r10 - 8) = r2\n${body}\nr0 = 2\nexit`).insns);
  return firstRefusal(ops, ops.length, 'xdp', () => false);
};

t('pkt_end minus an operand of unknown type is not refused; minus a scalar, or plus anything, is', () => {
  assert.is(refusal('r4 = *(u64 *)(r10 - 8)\nr3 -= r4'), -1, 'pkt_end - (unknown: the spilled pkt)');
  assert.is(refusal('r4 = *(u64 *)(r10 - 8)\nr4 -= r3'), -1, '(unknown) - pkt_end');
  assert.is(refusal('r3 -= r2'), -1, 'pkt_end - pkt: pointer minus pointer');
  assert.is(refusal('r4 = 1\nr3 -= r4'), 4, 'pkt_end - scalar');
  assert.is(refusal('r4 = *(u64 *)(r10 - 8)\nr3 += r4'), 4, 'pkt_end + anything');
});

t.run();
