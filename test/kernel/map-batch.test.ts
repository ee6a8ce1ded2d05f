// The batch map commands against the per-key ones, and Full64Runner's map reset (skipped with
// the reason when bpf() is unavailable).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { KernelMap, u32Key } from '../../src/kernel/maps.ts';
import { Full64Runner } from '../../src/kernel/testrun.ts';
import { MAP_TYPE, type MapDef } from '../../src/isa/program.ts';
import { call, exit, ldMap, mov, prog, st, alu64, R } from './progs.ts';

const t = suite('kernel/map-batch');
const avail = kernelAvailable();

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const dump = (es: readonly (readonly [Uint8Array, Uint8Array])[]): string[] => es.map(([k, v]) => `${hex(k)}=${hex(v)}`);

if (!avail.ok) {
  console.log(`skip: ${avail.reason}`);
} else {
  const must = <T>(r: { ok: true; value: T } | { ok: false; errno: string }): T => {
    if (!r.ok) throw new Error(`unexpected ${r.errno}`);
    return r.value;
  };
  const fill = (m: KernelMap, n: number, seed: number): void => {
    for (let i = 0; i < n; i++) {
      const k = new Uint8Array(m.spec.keySize).map((_, j) => (i * 7 + j * 13 + seed) & 0xff);
      new DataView(k.buffer).setUint32(0, m.spec.type === MAP_TYPE.array || m.spec.type === MAP_TYPE.percpu_array ? (i * 3) % m.spec.maxEntries : i * 2654435761, true);
      must(m.update(k, new Uint8Array(m.userValueSize).map((_, j) => (i + j * seed) & 0xff)));
    }
  };

  const kinds: [string, number][] = [
    ['array', MAP_TYPE.array], ['percpu_array', MAP_TYPE.percpu_array], ['hash', MAP_TYPE.hash],
    ['percpu_hash', MAP_TYPE.percpu_hash], ['lru_hash', MAP_TYPE.lru_hash], ['lru_percpu_hash', MAP_TYPE.lru_percpu_hash],
  ];
  for (const [name, type] of kinds) {
    t(`${name}: the batch read equals the per-key read (entries, order, values), in one call and in chunks`, () => {
      const isArray = type === MAP_TYPE.array || type === MAP_TYPE.percpu_array;
      const m = must(KernelMap.create({ type, keySize: isArray ? 4 : 12, valueSize: 12, maxEntries: 1024, name }));
      try {
        fill(m, isArray ? 100 : 700, 5);
        const perKey = dump(m.entriesPerKey());
        assert.is(perKey.length, isArray ? 1024 : 700);
        assert.equal(dump(must(m.lookupBatch())), perKey);
        assert.equal(dump(must(m.lookupBatch(1 << 20, 37))), perKey); // continued from the position token
        assert.equal(dump(must(m.lookupBatch(50))), perKey.slice(0, 50));
        assert.equal(dump(m.entries()), perKey);
        assert.ok(m.usesBatch);
      } finally {
        m.close();
      }
    });
  }

  t('empty hash: the batch read is empty; batch update and delete', () => {
    const m = must(KernelMap.create({ type: MAP_TYPE.hash, keySize: 4, valueSize: 8, maxEntries: 64 }));
    try {
      assert.equal(must(m.lookupBatch()), []);
      const keys = [1, 2, 3, 4].map(u32Key);
      must(m.updateBatch(keys, keys.map((_, i) => new Uint8Array(8).fill(i + 1))));
      assert.equal(dump(m.entries()).sort(), dump(m.entriesPerKey()).sort());
      assert.is(m.entriesPerKey().length, 4);
      must(m.deleteBatch(keys.slice(1, 3)));
      assert.equal(m.entriesPerKey().map(([k]) => k[0]).sort(), [1, 4]);
    } finally {
      m.close();
    }
  });

  t('lpm_trie: entries() equals the per-key read (batch where the kernel has it for tries, 6.18 does)', () => {
    const m = must(KernelMap.create({ type: MAP_TYPE.lpm_trie, keySize: 8, valueSize: 8, maxEntries: 16, flags: 1 }));
    try {
      for (const [len, a] of [[24, 10], [16, 192], [32, 1]]) must(m.update(Uint8Array.of(len, 0, 0, 0, a, 1, 2, 3), new Uint8Array(8).fill(a)));
      assert.equal(dump(m.entries()), dump(m.entriesPerKey()));
      assert.is(m.entries().length, 3);
    } finally {
      m.close();
    }
  });

  t('a batch command the map type lacks (delete on an array): refused, the per-key commands from then on', () => {
    const m = must(KernelMap.create({ type: MAP_TYPE.array, keySize: 4, valueSize: 4, maxEntries: 4 }));
    try {
      must(m.update(u32Key(2), Uint8Array.of(1, 2, 3, 4)));
      const r = m.deleteBatch([u32Key(2)]);
      assert.equal(r.ok ? '' : r.errno, 'ENOTSUPP');
      assert.not.ok(m.usesBatch);
      assert.equal(dump(m.entries()), ['00000000=00000000', '01000000=00000000', '02000000=01020304', '03000000=00000000']);
    } finally {
      m.close();
    }
  });

  // XDP: array[3] = 42, hash[7] = 42, lru_hash[9] = 42, percpu_array[1] = 42 (map_update_elem), r0 = 2
  const defs: MapDef[] = [
    { name: 'arr', type: MAP_TYPE.array, keySize: 4, valueSize: 8, maxEntries: 8, flags: 0, initial: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
    { name: 'h', type: MAP_TYPE.hash, keySize: 4, valueSize: 8, maxEntries: 16, flags: 0 },
    { name: 'lru', type: MAP_TYPE.lru_hash, keySize: 4, valueSize: 8, maxEntries: 16, flags: 0 },
    { name: 'pcpu', type: MAP_TYPE.percpu_array, keySize: 4, valueSize: 8, maxEntries: 4, flags: 0 },
  ];
  const write = (map: number, key: number) => [
    st(4, 10, -8, key), st(8, 10, -16, 42), ldMap(1, map), mov(2, R(10)), alu64('add', 2, -8), mov(3, R(10)), alu64('add', 3, -16), mov(4, 0), call(2),
  ];
  const writer = prog('xdp', [...write(0, 3), ...write(1, 7), ...write(2, 9), ...write(3, 1), mov(0, 2), exit()], defs, 'writer');

  /** Dumped maps with map 3's (per-CPU, 8 bytes a CPU) slots in sorted order: what a run wrote, whichever CPU ran it. */
  const anyCpu = (maps: string[][]): string[][] => maps.map((entries, i) => (i !== 3 ? entries : entries.map((e) => {
    const [k, v] = e.split('=');
    return `${k}=${(v.match(/.{16}/g) ?? []).sort().join('')}`;
  })));
  /** The maps as the per-key commands read them. */
  const state = (r: Full64Runner): string[][] => r.maps.map((m) => dump(m.entriesPerKey()));
  const initial = (r: Full64Runner): string[][] => {
    const zero = (m: KernelMap) => '0'.repeat(2 * m.userValueSize);
    return [
      [`00000000=0102030405060708`, ...[1, 2, 3, 4, 5, 6, 7].map((i) => `${hex(u32Key(i))}=${zero(r.maps[0])}`)],
      [],
      [],
      [0, 1, 2, 3].map((i) => `${hex(u32Key(i))}=${zero(r.maps[3])}`),
    ];
  };

  const withRunner = (fn: (r: Full64Runner) => void, batch = true) => {
    const o = Full64Runner.open(writer, { logOnFailure: true });
    if (!o.ok) throw new Error(`load: ${o.load.errno} ${o.load.log ?? ''}`);
    try {
      if (!batch) o.runner.maps.forEach((m) => m.disableBatch());
      fn(o.runner);
    } finally {
      o.runner.close();
    }
  };
  const data = new Uint8Array(64);

  for (const batch of [true, false]) {
    t(`Full64Runner: reset then read gives the initial state (${batch ? 'batch' : 'per-key fallback'})`, () => {
      withRunner((r) => {
        r.resetMaps();
        assert.equal(state(r), initial(r));
        const first = r.run({ data });
        assert.ok(first.ok);
        assert.is(first.r0, 2n);
        assert.equal(first.maps.map((m) => dump(m.entries)), state(r)); // the read-back is the kernel's state
        assert.ok(state(r)[1].length === 1 && state(r)[2].length === 1);
        r.resetMaps(); // from the read-back of the run
        assert.equal(state(r), initial(r));
        // a userspace write after the run (a preset): the read-back is stale, reset must still undo it
        r.run({ data });
        r.maps[0].update(u32Key(5), Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9));
        r.maps[1].update(u32Key(11), new Uint8Array(8));
        r.resetMaps();
        assert.equal(state(r), initial(r));
        // reset twice in a row: nothing known, read from the kernel
        r.maps[0].update(u32Key(0), new Uint8Array(8));
        r.resetMaps();
        r.resetMaps();
        assert.equal(state(r), initial(r));
        const again = r.run({ data });
        // the same contents, except which CPU's slot of the per-CPU map the write landed in: each
        // test_run runs on the CPU the process is on then, and the scheduler may have moved it
        assert.equal(anyCpu(again.maps.map((m) => dump(m.entries))), anyCpu(first.maps.map((m) => dump(m.entries))));
        assert.is(r.maps.every((m) => m.usesBatch), batch);
      }, batch);
    });
  }
}

t.run();
