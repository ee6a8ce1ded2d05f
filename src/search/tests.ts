// The optimizer's test suite: inputs (packets, map contents) with the original program's
// outputs, and the error of a candidate against them (K2's error term).
import type { Vm } from '../interp/index.ts';
import type { Program } from '../isa/program.ts';
import { corpusPackets } from './packets.ts';

export interface MapPreset {
  map: number;
  key: Uint8Array;
  value: Uint8Array;
}

/** Tests sharing one initial map state. */
export interface TestGroup {
  presets: MapPreset[];
  packets: Uint8Array[];
  /** Expected outputs, per packet. */
  expected: Outcome[];
}

export interface Outcome {
  ok: boolean;
  r0lo: number;
  r0hi: number;
  /** Packet afterwards and every map's contents afterwards, for comparison. */
  packet: Uint8Array;
  maps: Uint8Array[];
  /** Per map: are its contents afterwards those it started with? */
  atBaseline: boolean[];
}

const popcount32 = (x: number): number => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

/** A map's whole contents: its value slab (arrays) or its entries, without copying a slab. */
function mapContents(m: Vm['maps'][number]): Uint8Array {
  if (m.kind === 'array') return m.arena.subarray(m.base, m.base + m.slabSize);
  return Uint8Array.from(m.entries().flatMap(([k, v]) => [...k, ...v]));
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Put the group's initial map state in place and make it what every run starts from. */
function prepareGroup(vm: Vm, g: TestGroup): void {
  vm.resetMaps();
  for (const p of g.presets) vm.maps[p.map].set(p.key, p.value);
  vm.saveBaseline();
}

// garbage in never-written registers and stack: reading it must show up as a difference
const poisonOf = (i: number): number => 0x5bd1e995 ^ Math.imul(i, 0x9e3779b9);

/** The original's outcomes (computed once per test, so copying is fine here). */
function outcomes(vm: Vm, g: TestGroup): Outcome[] {
  prepareGroup(vm, g);
  const baseline = vm.maps.map((m) => mapContents(m).slice());
  return g.packets.map((packet, i) => {
    const r = vm.run({ packet, poison: poisonOf(i) });
    if (r.kind !== 'exit') return { ok: false, r0lo: 0, r0hi: 0, packet: new Uint8Array(0), maps: [], atBaseline: [] };
    const maps = vm.maps.map((m) => mapContents(m).slice());
    return { ok: true, r0lo: r.r0lo, r0hi: r.r0hi, packet: r.packet.slice(), maps, atBaseline: maps.map((b, k) => sameBytes(b, baseline[k])) };
  });
}

/** Bytes that differ, 2 each; a length difference counts 16. */
function byteDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return 16;
  let e = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) e += 2;
  return e;
}

/**
 * Error of the vm's last run against the expected outcome, read straight from the machine:
 * bits of r0 that differ, bytes of packet and maps that differ; a fault counts as 64. A map the
 * run did not touch still holds its baseline, so it costs nothing when the original's did too.
 */
function distance(vm: Vm, r: ReturnType<Vm['run']>, want: Outcome): number {
  if (r.kind !== 'exit' || !want.ok) return (r.kind === 'exit') === want.ok ? 0 : 64;
  let e = popcount32(r.r0lo ^ want.r0lo) + popcount32(r.r0hi ^ want.r0hi) + byteDistance(r.packet, want.packet);
  for (let k = 0; k < vm.maps.length; k++) {
    const m = vm.maps[k];
    if (!m.dirty) {
      if (!want.atBaseline[k]) e += 16;
    } else e += byteDistance(mapContents(m), want.maps[k]);
  }
  return e;
}

export interface Evaluation {
  /** Sum of distances. */
  error: number;
  /** Tests whose outcome differs. */
  failing: number;
}

/** Evaluate the vm's current program; stops early once the error exceeds `limit`. */
export function evaluate(vm: Vm, groups: readonly TestGroup[], limit = Infinity): Evaluation {
  let error = 0, failing = 0;
  for (const g of groups) {
    prepareGroup(vm, g);
    for (let i = 0; i < g.packets.length; i++) {
      const d = distance(vm, vm.run({ packet: g.packets[i], poison: poisonOf(i) }), g.expected[i]);
      if (d) {
        error += d;
        failing++;
      }
    }
    if (error > limit) break;
  }
  return { error, failing };
}

/** Build test groups for a program: realistic and random packets, with and without map entries. */
export function makeTests(vm: Vm, program: Program, rand: () => number, count = 32): TestGroup[] {
  const packet = (): Uint8Array => {
    const n = 14 + Math.floor(rand() * 100);
    return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
  };
  const real = corpusPackets();
  const packets = [...real.slice(0, Math.min(real.length, count - 4)), ...Array.from({ length: Math.max(4, count - real.length) }, packet)];
  // map states: empty; every small key holding 1 in each 32-bit field; small random fields
  const fill = (how: 'one' | 'small' | 'wide'): MapPreset[] => {
    const out: MapPreset[] = [];
    program.maps.forEach((m, map) => {
      if (m.keySize !== 4) return;
      for (let k = 0; k < Math.min(4, m.maxEntries); k++) {
        const key = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, k, true);
        const value = new Uint8Array(m.valueSize);
        if (how === 'wide') for (let b = 0; b < m.valueSize; b++) value[b] = Math.floor(rand() * 256);
        else for (let f = 0; f + 4 <= m.valueSize; f += 4) value[f] = how === 'one' ? 1 : Math.floor(rand() * 4);
        out.push({ map, key, value });
      }
    });
    return out;
  };
  const q = Math.ceil(packets.length / 4);
  const groups: TestGroup[] = [
    { presets: [], packets: packets.slice(0, q), expected: [] },
    { presets: fill('one'), packets: packets.slice(q, 2 * q), expected: [] },
    { presets: fill('small'), packets: packets.slice(2 * q, 3 * q), expected: [] },
    { presets: fill('wide'), packets: packets.slice(3 * q), expected: [] },
  ];
  for (const g of groups) g.expected = outcomes(vm, g);
  return groups;
}

/** Add a test (e.g. a counterexample) and compute its expected outcome with the original. */
export function addTest(vm: Vm, groups: TestGroup[], packet: Uint8Array): void {
  const g = groups[0];
  g.packets.push(packet);
  g.expected = outcomes(vm, g);
}
