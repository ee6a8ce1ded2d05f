// The pre-filter's kinds are a projection of the verifier model's register types
// (src/isa/regtype.ts): every model type maps to a kind that names that type, the type it is
// folded onto, or unknown; map kinds keep their map.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REG_TYPES, type RegType } from '../../src/isa/regtype.ts';
import { isMapPtr, isMapValue, kindMap, kindType, project, U } from '../../src/search/ptrkinds.ts';

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
  for (const m of [0, 1, 99, 100, 2047]) {
    assert.ok(isMapPtr(project('map_ptr', m)) && kindMap(project('map_ptr', m)) === m, `map_ptr ${m}`);
    assert.ok(isMapValue(project('map_value_or_null', m)) && kindMap(project('map_value_or_null', m)) === m, `map_value ${m}`);
  }
  assert.is(project('map_value', 2048), U, 'beyond the row width: unknown, never another map');
  assert.is(project('map_ptr', -1), U, 'a negative index: unknown');
  assert.not.ok(isMapPtr(project('map_value', 5)) || isMapValue(project('map_ptr', 5)));
  assert.is(kindMap(project('pkt')), 0);
});

t.run();
