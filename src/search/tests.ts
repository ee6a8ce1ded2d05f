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
  /** Packet afterwards and the maps' bytes afterwards, for comparison. */
  packet: Uint8Array;
  maps: Uint8Array[];
}

const popcount32 = (x: number): number => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

/** Map contents after a run: an empty array for a map the run left untouched (its baseline). */
const UNTOUCHED = new Uint8Array(0);
function mapBytes(vm: Vm): Uint8Array[] {
  return vm.maps.map((m) => {
    if (!m.dirty) return UNTOUCHED;
    if (m.kind === 'array') return m.arena.slice(m.base, m.base + m.slabSize);
    return Uint8Array.from(m.entries().flatMap(([k, v]) => [...k, ...v]));
  });
}

/** Run every test on the vm (in its current program) and collect outcomes. */
function outcomes(vm: Vm, g: TestGroup): Outcome[] {
  vm.resetMaps();
  for (const p of g.presets) vm.maps[p.map].set(p.key, p.value);
  vm.saveBaseline();
  return g.packets.map((packet, i) => {
    // garbage in never-written registers and stack: reading it must show up as a difference
    const r = vm.run({ packet, poison: 0x5bd1e995 ^ (i * 0x9e3779b9) });
    if (r.kind !== 'exit') return { ok: false, r0lo: 0, r0hi: 0, packet: new Uint8Array(0), maps: [] };
    return { ok: true, r0lo: r.r0lo, r0hi: r.r0hi, packet: r.packet.slice(), maps: mapBytes(vm) };
  });
}

/** Error of one outcome against the expected one: bits of r0 that differ, bytes of packet and maps that differ; a fault counts as 64. */
function distance(a: Outcome, b: Outcome): number {
  if (!a.ok || !b.ok) return a.ok === b.ok ? 0 : 64;
  let e = popcount32(a.r0lo ^ b.r0lo) + popcount32(a.r0hi ^ b.r0hi);
  if (a.packet.length !== b.packet.length) e += 16;
  else for (let i = 0; i < a.packet.length; i++) if (a.packet[i] !== b.packet[i]) e += 2;
  for (let m = 0; m < a.maps.length; m++) {
    const x = a.maps[m], y = b.maps[m];
    if (!y || x.length !== y.length) e += 16;
    else for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) e += 2;
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
    const got = outcomes(vm, g);
    for (let i = 0; i < got.length; i++) {
      const d = distance(got[i], g.expected[i]);
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
