// The optimizer's test suite: inputs (packets, map contents) with the original program's
// outputs, and the error of a candidate against them (K2's error term).
import type { Vm } from '../interp/index.ts';
import type { Program, ProgType } from '../isa/program.ts';
import { corpusPackets, vlanPackets } from './packets.ts';
import { ctxKind } from '../interp/context.ts';
import { Original } from './candidate.ts';

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
  /** Each test's number in its group (its poison pattern stays the same when tests move). */
  ids: number[];
  /** The inputs are context bytes (kprobe, tracepoint…), not packets. */
  asCtx?: boolean;
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
  /** Per map: the byte offsets where its contents afterwards differ from the start. */
  changed: Int32Array[];
}

const popcount32 = (x: number): number => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

/**
 * A map's whole contents: its value slab (arrays, without copying it) or its entries sorted by
 * key — a hash map is a set of entries, and the order the interpreter keeps them in (insertion)
 * is not something a candidate must reproduce.
 */
function mapContents(m: Vm['maps'][number]): Uint8Array {
  if (m.kind === 'array') return m.arena.subarray(m.base, m.base + m.slabSize);
  const es = m.entries().map(([k, v]) => [Buffer.from(k).toString('latin1'), k, v] as const);
  es.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return Uint8Array.from(es.flatMap(([, k, v]) => [...k, ...v]));
}

function* differences(a: Uint8Array, b: Uint8Array): Generator<number> {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) yield i;
}

/**
 * Distance of an array map to the expected contents, looking only at the bytes the run wrote:
 * the rest still holds the start, which differs from the expected exactly where `changed` says.
 */
function arrayDistance(m: Vm['maps'][number], want: Uint8Array, changed: Int32Array): number {
  const a = m.arena, base = m.base, lo = m.dirtyLo, hi = m.dirtyHi;
  let e = 0;
  for (let i = lo; i < hi; i++) if (a[base + i] !== want[i]) e += 2;
  for (let k = 0; k < changed.length; k++) if (changed[k] < lo || changed[k] >= hi) e += 2;
  return e;
}

/** The group whose map state each vm holds as its baseline (runs return to it by themselves). */
const prepared = new WeakMap<Vm, TestGroup>();
/** Each group's baselines in each vm, built once. */
const built = new WeakMap<Vm, WeakMap<TestGroup, unknown[]>>();

/** Put the group's initial map state in place and make it what every run starts from. */
function prepareGroup(vm: Vm, g: TestGroup, force = false): void {
  if (prepared.get(vm) === g && !force) return;
  prepared.set(vm, g);
  let byGroup = built.get(vm);
  if (!byGroup) built.set(vm, (byGroup = new WeakMap()));
  const saved = byGroup.get(g);
  if (saved && !force) return vm.useBaselines(saved);
  vm.resetMaps();
  for (const p of g.presets) vm.maps[p.map].set(p.key, p.value);
  vm.saveBaseline();
  byGroup.set(g, vm.baselines());
}

// garbage in never-written registers and stack: reading it must show up as a difference
const poisonOf = (i: number): number => 0x5bd1e995 ^ Math.imul(i, 0x9e3779b9);

/** Test i of a group as evaluate runs it (its packet or context, and its poison pattern). */
export const testInput = (g: TestGroup, i: number) => (g.asCtx ? { ctx: g.packets[i], poison: poisonOf(g.ids[i]) } : { packet: g.packets[i], poison: poisonOf(g.ids[i]) });

/** The original's outcomes (computed once per test, so copying is fine here). */
function outcomes(vm: Vm, g: TestGroup): Outcome[] {
  prepareGroup(vm, g, true);
  const baseline = vm.maps.map((m) => mapContents(m).slice());
  return g.packets.map((packet, i) => {
    const r = vm.run(g.asCtx ? { ctx: packet, poison: poisonOf(g.ids[i]) } : { packet, poison: poisonOf(g.ids[i]) });
    if (r.kind !== 'exit') return { ok: false, r0lo: 0, r0hi: 0, packet: new Uint8Array(0), maps: [], atBaseline: [], changed: [] };
    const maps = vm.maps.map((m) => mapContents(m).slice());
    const changed = maps.map((b, k) => Int32Array.from(differences(b, baseline[k])));
    return { ok: true, r0lo: r.r0lo, r0hi: r.r0hi, packet: r.packet.slice(), maps, atBaseline: changed.map((c, k) => !c.length && maps[k].length === baseline[k].length), changed };
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
 * What a fault (or a missing one) costs: as much as a few wrong bits. A candidate that reads
 * past a bounds check faults only on the short test packets; a small cost lets the chain walk
 * through such intermediate programs (the verifier model and Z3 judge every new best anyway),
 * which is how it reaches wide loads and stores that replace byte-by-byte copies.
 */
const FAULT = 4;

/**
 * What each failing test adds to its distance: a program that is wrong on many tests must
 * cost more than the instructions it saves, or a chain settles on half-deleted programs that
 * are each only a few bytes wrong.
 */
const FAILING = 16;

/**
 * Error of the vm's last run against the expected outcome, read straight from the machine:
 * bits of r0 that differ, bytes of packet and maps that differ; a fault counts FAULT. A map the
 * run did not touch still holds its baseline, so it costs nothing when the original's did too.
 */
function distance(vm: Vm, exited: boolean, want: Outcome): number {
  if (!exited || !want.ok) return exited === want.ok ? 0 : FAULT;
  let e = popcount32(vm.r0lo ^ want.r0lo) + popcount32(vm.r0hi ^ want.r0hi) + byteDistance(vm.packetView(), want.packet);
  for (let k = 0; k < vm.maps.length; k++) {
    const m = vm.maps[k];
    if (!m.dirty) {
      if (!want.atBaseline[k]) e += 16;
    } else if (m.kind === 'array') e += arrayDistance(m, want.maps[k], want.changed[k]);
    else e += byteDistance(mapContents(m), want.maps[k]);
  }
  return e;
}

export interface Evaluation {
  /** Sum of distances. */
  error: number;
  /** Tests whose outcome differs. */
  failing: number;
}

/**
 * Evaluate the vm's current program; stops as soon as the error exceeds `limit`. A test that
 * fails moves to the front of its group, and its group to the front: most candidates are wrong,
 * and the test that caught the last one usually catches the next in one run.
 */
export function evaluate(vm: Vm, groups: TestGroup[], limit = Infinity): Evaluation {
  let error = 0, failing = 0;
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi];
    prepareGroup(vm, g);
    for (let i = 0; i < g.packets.length; i++) {
      const input = g.asCtx ? { ctx: g.packets[i], poison: poisonOf(g.ids[i]) } : { packet: g.packets[i], poison: poisonOf(g.ids[i]) };
      // exec: no result object, r0 and the packet read in place
      const d = distance(vm, vm.exec(input), g.expected[i]);
      if (!d) continue;
      error += d + FAILING;
      failing++;
      if (error > limit) {
        toFront(g, i);
        if (gi) groups.unshift(...groups.splice(gi, 1));
        return { error, failing };
      }
    }
  }
  return { error, failing };
}

/** Move test i of a group to the front. */
function toFront(g: TestGroup, i: number): void {
  if (!i) return;
  for (const xs of [g.packets, g.expected, g.ids] as unknown[][]) xs.unshift(...xs.splice(i, 1));
}

/** Build test groups for a program: realistic and random packets, with and without map entries. */
export function makeTests(vm: Vm, program: Program, rand: () => number, count = 32): TestGroup[] {
  const packet = (): Uint8Array => {
    const n = 14 + Math.floor(rand() * 100);
    return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
  };
  const asCtx = ctxKind(program.type) === 'raw';
  const real = corpusPackets();
  const packets = asCtx ? contexts(program, rand, count) : [...real.slice(0, Math.min(real.length, count - 4)), ...Array.from({ length: Math.max(4, count - real.length) }, packet)];
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
    { presets: [], packets: packets.slice(0, q), expected: [], ids: [] },
    { presets: fill('one'), packets: packets.slice(q, 2 * q), expected: [], ids: [] },
    { presets: fill('small'), packets: packets.slice(2 * q, 3 * q), expected: [], ids: [] },
    { presets: fill('wide'), packets: packets.slice(3 * q), expected: [], ids: [] },
  ];
  if (!asCtx) groups[0].packets.push(...boundaryPackets(vm, [...real, ...vlanPackets()], groups[0].packets));
  const hits = hitGroup(vm, program, groups[0].packets, rand);
  if (hits) groups.push(hits);
  for (const g of groups) {
    g.ids = g.packets.map((_, i) => i);
    g.asCtx = asCtx;
  }
  for (const g of groups) g.expected = outcomes(vm, g);
  return groups;
}

/**
 * The keys the original looks up in its hash, LRU and LPM maps are derived from the input (an
 * address, a port): presets with small keys never match them, and the code that runs on a hit
 * (update a counter, read a backend) would be tested by nothing. This group presets exactly the
 * keys the inputs looked up in vain, and runs those inputs again.
 */
function hitGroup(vm: Vm, program: Program, inputs: Uint8Array[], rand: () => number, max = 8): TestGroup | undefined {
  const asCtx = ctxKind(program.type) === 'raw';
  vm.resetMaps();
  const presets: MapPreset[] = [];
  const packets: Uint8Array[] = [];
  const seen = new Set<string>();
  for (const m of vm.maps) m.misses = [];
  try {
    for (const input of inputs) {
      if (packets.length >= max) break;
      vm.run(asCtx ? { ctx: input } : { packet: input });
      let fresh = false;
      vm.maps.forEach((m, map) => {
        for (const key of m.misses!.splice(0)) {
          const id = `${map}:${Buffer.from(key).toString('hex')}`;
          if (seen.has(id)) continue;
          seen.add(id);
          fresh = true;
          const value = new Uint8Array(m.def.valueSize);
          for (let f = 0; f + 4 <= value.length; f += 4) value[f] = 1 + Math.floor(rand() * 3);
          presets.push({ map, key, value });
        }
      });
      if (fresh) packets.push(input);
    }
  } finally {
    for (const m of vm.maps) m.misses = undefined;
  }
  return packets.length ? { presets, packets, expected: [], ids: [] } : undefined;
}

/** Context bytes per program type (kprobe: struct pt_regs on x86-64; others: 8 arguments). */
const CTX_BYTES: Partial<Record<ProgType, number>> = { kprobe: 168, perf_event: 168 };

/**
 * Contexts for programs that read no packet: 8-byte fields drawn from 0, ±1, the program's own
 * constants (so comparisons with them go both ways) and random values; one all-zero context.
 */
function contexts(program: Program, rand: () => number, count: number): Uint8Array[] {
  const consts: bigint[] = [0n, 1n, -1n];
  for (const o of Original.of(program).ops) {
    if (o && (o.kind === 'alu' || o.kind === 'jcond') && 'imm' in o.src) consts.push(BigInt(o.src.imm));
    if (o && o.kind === 'lddw' && o.pseudo === 0) consts.push(BigInt.asIntN(64, (BigInt(o.hi >>> 0) << 32n) | BigInt(o.lo >>> 0)));
  }
  const size = CTX_BYTES[program.type] ?? 64;
  const out: Uint8Array[] = [new Uint8Array(size)];
  while (out.length < count) {
    const b = new Uint8Array(size);
    const dv = new DataView(b.buffer);
    for (let f = 0; f + 8 <= size; f += 8) {
      const r = rand();
      const v = r < 0.6 ? consts[Math.floor(rand() * consts.length)] : BigInt(Math.floor(rand() * 2 ** 32)) * BigInt(Math.floor(rand() * 2 ** 32));
      dv.setBigUint64(f, BigInt.asUintN(64, v), true);
    }
    out.push(b);
  }
  return out;
}

/**
 * Truncations of realistic frames on each side of every length where the original's path
 * changes (told apart by r0, instruction count and fault) up to 96 bytes: the lengths around
 * the program's bounds checks, so a candidate that weakens a check reads past the packet in
 * some test. Pairs whose two sides other tests already show are left out.
 */
function boundaryPackets(vm: Vm, frames: Uint8Array[], have: Uint8Array[], max = 32): Uint8Array[] {
  vm.resetMaps();
  const signature = (packet: Uint8Array): string => {
    const r = vm.run({ packet });
    return r.kind === 'exit' ? `${r.r0}:${r.insnCount}` : `fault:${r.pc}`;
  };
  const shown = new Set(have.map(signature));
  const edges = new Set<string>();
  const out: Uint8Array[] = [];
  for (const f of frames) {
    let prev = signature(f.subarray(0, 0));
    for (let n = 1; n <= Math.min(f.length, 96) && out.length < max; n++) {
      const sig = signature(f.subarray(0, n));
      if (sig !== prev && !edges.has(`${prev}>${sig}`)) {
        edges.add(`${prev}>${sig}`);
        if (!shown.has(prev) || !shown.has(sig) || n < 64) out.push(f.slice(0, n - 1), f.slice(0, n));
        shown.add(prev).add(sig);
      }
      prev = sig;
    }
  }
  return out.slice(0, max);
}

/**
 * Add a test (e.g. a counterexample) and compute its expected outcome with the original. With
 * map entries, it starts a group of its own with those entries present.
 */
export function addTest(vm: Vm, groups: TestGroup[], packet: Uint8Array, presets: MapPreset[] = []): void {
  let g = groups.find((x) => !x.presets.length) ?? groups[0];
  const ctxSize = g.asCtx ? g.packets[0]?.length ?? 0 : 0;
  if (packet.length < ctxSize) {
    // a context counterexample names only the bytes it read: the rest are zero
    const full = new Uint8Array(ctxSize);
    full.set(packet);
    packet = full;
  }
  if (presets.length) {
    g = { presets, packets: [], expected: [], ids: [], asCtx: g.asCtx };
    groups.push(g);
  }
  g.ids.push(g.packets.length);
  g.packets.push(packet);
  g.expected = outcomes(vm, g);
}
