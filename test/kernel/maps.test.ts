// Map CRUD against the running kernel (skipped with the reason when bpf() is unavailable).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { KernelMap, UPDATE, MAP_F, u32Key, parseCpuList, possibleCpuCount } from '../../src/kernel/maps.ts';
import { createMaps } from '../../src/kernel/load.ts';
import { MAP_TYPE } from '../../src/isa/program.ts';
import { fdCount } from './util.ts';

const t = suite('kernel/maps');
const avail = kernelAvailable();

t('parseCpuList', () => {
  assert.is(parseCpuList('0-3\n'), 4);
  assert.is(parseCpuList('0'), 1);
  assert.is(parseCpuList('0-1,4-5'), 6);
});

if (!avail.ok) {
  console.log(`skip: ${avail.reason}`);
} else {
  const u64 = (v: bigint) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    return b;
  };
  const must = <T>(r: { ok: true; value: T } | { ok: false; errno: string }): T => {
    if (!r.ok) throw new Error(`unexpected ${r.errno}`);
    return r.value;
  };

  t('hash map: update flags, lookup, delete, iteration', () => {
    const before = fdCount();
    const m = must(KernelMap.create({ type: MAP_TYPE.hash, keySize: 4, valueSize: 8, maxEntries: 8, name: 'h' }));
    assert.equal(m.lookup(u32Key(1)), { ok: false, errno: 'ENOENT' });
    assert.equal(m.update(u32Key(1), u64(10n), UPDATE.EXIST), { ok: false, errno: 'ENOENT' });
    assert.ok(m.update(u32Key(1), u64(10n), UPDATE.NOEXIST).ok);
    assert.equal(m.update(u32Key(1), u64(11n), UPDATE.NOEXIST), { ok: false, errno: 'EEXIST' });
    assert.ok(m.update(u32Key(1), u64(12n), UPDATE.EXIST).ok);
    assert.ok(m.update(u32Key(2), u64(20n)).ok);
    assert.equal([...must(m.lookup(u32Key(1)))], [...u64(12n)]);
    const keys = m.keys().map((k) => new DataView(k.buffer).getUint32(0, true)).sort();
    assert.equal(keys, [1, 2]);
    assert.is(m.entries().length, 2);
    assert.ok(m.delete(u32Key(1)).ok);
    assert.equal(m.delete(u32Key(1)), { ok: false, errno: 'ENOENT' });
    assert.is(m.keys().length, 1);
    m.close();
    m.close(); // idempotent
    assert.ok(fdCount() <= before, `fds: ${fdCount()} after, ${before} before`); // no leak (the runtime may close one of its own meanwhile)
  });

  t('array map: zero-filled, no delete, E2BIG past max_entries, freeze', () => {
    const m = must(KernelMap.create({ type: MAP_TYPE.array, keySize: 4, valueSize: 4, maxEntries: 3 }));
    assert.equal([...must(m.lookup(u32Key(2)))], [0, 0, 0, 0]);
    assert.equal(m.lookup(u32Key(3)), { ok: false, errno: 'ENOENT' });
    assert.equal(m.update(u32Key(3), new Uint8Array(4)), { ok: false, errno: 'E2BIG' });
    assert.equal(m.delete(u32Key(0)), { ok: false, errno: 'EINVAL' });
    assert.equal(m.update(u32Key(0), new Uint8Array(4), UPDATE.NOEXIST), { ok: false, errno: 'EEXIST' });
    assert.is(m.keys().length, 3);
    assert.ok(m.update(u32Key(1), Uint8Array.of(1, 2, 3, 4)).ok);
    assert.ok(m.freeze().ok);
    assert.equal(m.update(u32Key(1), new Uint8Array(4)), { ok: false, errno: 'EPERM' });
    assert.equal([...must(m.lookup(u32Key(1)))], [1, 2, 3, 4]);
    m.close();
  });

  t('percpu array: one 8-byte-rounded value per possible CPU', () => {
    const m = must(KernelMap.create({ type: MAP_TYPE.percpu_array, keySize: 4, valueSize: 4, maxEntries: 1 }));
    assert.is(m.userValueSize, possibleCpuCount() * 8);
    const v = new Uint8Array(m.userValueSize).fill(7);
    assert.ok(m.update(u32Key(0), v).ok);
    assert.equal([...must(m.lookup(u32Key(0)))], [...v]);
    m.close();
  });

  t('lpm_trie needs BPF_F_NO_PREALLOC; createMaps adds it and closes on failure', () => {
    const bad = KernelMap.create({ type: MAP_TYPE.lpm_trie, keySize: 8, valueSize: 8, maxEntries: 4 });
    assert.equal(bad, { ok: false, errno: 'EINVAL' });
    const before = fdCount();
    const ok = createMaps([
      { name: 'trie', type: MAP_TYPE.lpm_trie, keySize: 8, valueSize: 8, maxEntries: 4, flags: 0 },
      { name: 'ro', type: MAP_TYPE.array, keySize: 4, valueSize: 4, maxEntries: 1, flags: MAP_F.RDONLY_PROG, initial: Uint8Array.of(9, 8, 7, 6), readonly: true },
    ]);
    assert.ok(ok.ok);
    if (ok.ok) {
      assert.equal([...must(ok.maps[1].lookup(u32Key(0)))], [9, 8, 7, 6]);
      ok.maps.forEach((m) => m.close());
    }
    const fail = createMaps([
      { name: 'a', type: MAP_TYPE.array, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 },
      { name: 'bad', type: MAP_TYPE.array, keySize: 3, valueSize: 4, maxEntries: 1, flags: 0 },
    ]);
    assert.equal(fail.ok ? null : fail.errno, 'EINVAL');
    assert.ok(fdCount() <= before, `fds: ${fdCount()} after, ${before} before`); // no leak (the runtime may close one of its own meanwhile)
  });
}

t.run();
