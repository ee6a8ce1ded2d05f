import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Op } from '../../src/isa/op.ts';
import { MAP_TYPE } from '../../src/isa/program.ts';
import { prepare } from '../../src/interp/index.ts';
import { alu, call, exit, jc, K, ldMap, ldx, le32, le64, mapDef, mov, program, R, st, u64 } from './util.ts';

const t = suite('interp/maps');
const E = { ENOENT: -2n, E2BIG: -7n, EEXIST: -17n, EINVAL: -22n, ENOSPC: -28n };

/** key (u32) at fp-4, value (u64) at fp-16; r0 = map_update_elem(map0, key, value, flags). */
const update = (key: number, value: number, flags: number): Op[] => [
  st(4, 10, -4, key), st(8, 10, -16, value),
  ldMap(1, 0), mov(2, R(10)), alu('add', 2, K(-4)), mov(3, R(10)), alu('add', 3, K(-16)), mov(4, K(flags)), call(2),
];
const lookup = (key: number): Op[] => [st(4, 10, -4, key), ldMap(1, 0), mov(2, R(10)), alu('add', 2, K(-4)), call(1)];
const del = (key: number): Op[] => [st(4, 10, -4, key), ldMap(1, 0), mov(2, R(10)), alu('add', 2, K(-4)), call(3)];

function r0Of(type: number, ops: Op[], max = 2, setup?: (vm: ReturnType<typeof prepare>) => void): bigint {
  const vm = prepare(program([...ops, exit], 'xdp', [mapDef(type, 4, 8, max)]));
  setup?.(vm);
  const r = vm.run({ packet: new Uint8Array(14) });
  if (r.kind !== 'exit') throw new Error(`${r.reason}: ${r.message}`);
  return BigInt.asIntN(64, r.r0);
}

t('array: update flags and errors, delete = -EINVAL, lookup out of range = NULL', () => {
  const A = MAP_TYPE.array;
  assert.is(r0Of(A, update(0, 5, 0)), 0n);
  assert.is(r0Of(A, update(0, 5, 2)), 0n); // BPF_EXIST: elements always exist
  assert.is(r0Of(A, update(0, 5, 1)), E.EEXIST); // BPF_NOEXIST
  assert.is(r0Of(A, update(2, 5, 0)), E.E2BIG);
  assert.is(r0Of(A, update(0, 5, 3)), E.EINVAL);
  assert.is(r0Of(A, del(0)), E.EINVAL);
  assert.is(r0Of(A, lookup(2)), 0n);
  // lookup returns a pointer into the value: write through it, read it back
  assert.is(r0Of(A, [...lookup(1), jc('jeq', 0, K(0), 3), st(8, 0, 0, 99), ...lookup(1).slice(1), ldx(8, 0, 0, 0)]), 99n);
  assert.is(r0Of(MAP_TYPE.percpu_array, [...update(1, 6, 0), ...lookup(1), ldx(8, 0, 0, 0)]), 6n);
});

t('hash: NOEXIST/EXIST, -ENOENT, -EEXIST, -E2BIG when full, delete', () => {
  const H = MAP_TYPE.hash;
  assert.is(r0Of(H, update(7, 1, 2)), E.ENOENT);
  assert.is(r0Of(H, [...update(7, 1, 1), ...update(7, 2, 1)]), E.EEXIST);
  assert.is(r0Of(H, [...update(7, 1, 1), ...update(7, 2, 2), ...lookup(7), ldx(8, 0, 0, 0)]), 2n);
  assert.is(r0Of(H, [...update(1, 1, 0), ...update(2, 1, 0), ...update(3, 1, 0)]), E.E2BIG);
  assert.is(r0Of(H, [...update(1, 1, 0), ...update(2, 1, 0), ...update(2, 9, 0)]), 0n); // replacing is fine when full
  assert.is(r0Of(H, del(1)), E.ENOENT);
  assert.is(r0Of(H, [...update(1, 1, 0), ...del(1), ...lookup(1)]), 0n);
  assert.is(r0Of(H, lookup(1)), 0n);
});

t('lru_hash evicts the least recently used entry', () => {
  const L = MAP_TYPE.lru_hash;
  // insert 1, 2; touch 1; insert 3 → 2 is evicted
  const ops = [...update(1, 10, 0), ...update(2, 20, 0), ...lookup(1), ...update(3, 30, 0)];
  const vm = prepare(program([...ops, exit], 'xdp', [mapDef(L, 4, 8, 2)]));
  const r = vm.run({ packet: new Uint8Array(14) });
  assert.is(r.kind === 'exit' && r.r0, 0n);
  assert.ok(vm.maps[0].get(le32(1)));
  assert.is(vm.maps[0].get(le32(2)), undefined);
  assert.ok(vm.maps[0].get(le32(3)));
});

t('lpm_trie: longest prefix match, -EINVAL for a too-long prefix, -ENOSPC when full', () => {
  const vm = prepare(program([
    st(4, 10, -8, 32), st(4, 10, -4, 0x0302000a), // key {32, 10.0.2.3}
    ldMap(1, 0), mov(2, R(10)), alu('add', 2, K(-8)), call(1),
    mov(6, K(0)), jc('jeq', 0, K(0), 1), ldx(8, 6, 0, 0), mov(0, R(6)), exit,
  ], 'xdp', [mapDef(MAP_TYPE.lpm_trie, 8, 8, 3)]));
  const key = (plen: number, a: number[]) => Uint8Array.from([...le32(plen), ...a]);
  const m = vm.maps[0];
  assert.is(m.set(key(8, [10, 0, 0, 0]), le64(8n)), 0);
  assert.is(m.set(key(16, [10, 0, 9, 9]), le64(16n)), 0); // host bits beyond the prefix are ignored
  assert.is(m.set(key(24, [10, 0, 2, 0]), le64(24n)), 0);
  assert.is(m.set(key(24, [10, 0, 3, 0]), le64(99n)), -28);
  assert.is(m.set(key(33, [10, 0, 2, 0]), le64(1n)), -22);
  assert.is(m.set(key(8, [10, 0, 0, 0]), le64(1n), 1), -17);
  vm.saveBaseline();
  const r = vm.run({ packet: new Uint8Array(14) });
  assert.is(r.kind === 'exit' && r.r0, 24n);
  assert.is(m.delete(key(24, [10, 0, 2, 77])), 0);
  vm.saveBaseline();
  const r2 = vm.run({ packet: new Uint8Array(14) });
  assert.is(r2.kind === 'exit' && r2.r0, 16n);
});

t('maps are restored to the baseline before each run unless keepMaps', () => {
  const vm = prepare(program([...lookup(0), ldx(8, 1, 0, 0), alu('add', 1, K(1)), stx8(0, 1), mov(0, R(1)), exit], 'xdp', [mapDef(MAP_TYPE.array, 4, 8, 1)]));
  const go = (keep: boolean) => { const r = vm.run({ packet: new Uint8Array(14), keepMaps: keep }); return r.kind === 'exit' ? r.r0 : -1n; };
  assert.is(go(false), 1n);
  assert.is(go(false), 1n);
  assert.is(go(true), 2n);
  vm.maps[0].set(le32(0), le64(10n));
  vm.saveBaseline();
  assert.is(go(false), 11n);
  assert.is(go(false), 11n);
});
function stx8(dst: number, src: number): Op { return { kind: 'stx', size: 8, dst, src, off: 0 }; }

t('map value accesses must stay inside one value', () => {
  const vm = prepare(program([...lookup(0), jc('jeq', 0, K(0), 1), ldx(8, 0, 0, 4), exit], 'xdp', [mapDef(MAP_TYPE.array, 4, 8, 4)]));
  const r = vm.run({ packet: new Uint8Array(14) });
  assert.is(r.kind === 'fault' && r.reason, 'oob');
});

t('user-side API: entries and size', () => {
  const vm = prepare(program([mov(0, K(0)), exit], 'xdp', [mapDef(MAP_TYPE.hash, 4, 8, 4)]));
  const m = vm.maps[0];
  m.set(le32(3), le64(u64(-1n)));
  m.set(le32(1), le64(5n));
  assert.is(m.size, 2);
  assert.equal(m.entries().map(([k, v]) => [[...k], [...v]]), [[[3, 0, 0, 0], [255, 255, 255, 255, 255, 255, 255, 255]], [[1, 0, 0, 0], [5, 0, 0, 0, 0, 0, 0, 0]]]);
});

t.run();
