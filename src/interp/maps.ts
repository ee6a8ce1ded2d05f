// BPF maps for the interpreter. Every map keeps its values in a slab inside the machine's
// arena (one region per map), so a value's address is stable while the program runs and a
// lookup hands the program a pointer into the slab: value i lives at region offset i*stride.
// Keys live on the JS side (Map from encoded key to slot). Return codes follow the kernel
// (kernel/bpf/arraymap.c, hashtab.c, lpm_trie.c): 0 or -errno.
import { MAP_TYPE, type MapDef } from '../isa/program.ts';
import { BPF_EXIST, BPF_NOEXIST, E2BIG, EEXIST, EINVAL, ENOENT, ENOSPC } from './layout.ts';

export type MapKind = 'array' | 'hash' | 'lru' | 'lpm' | 'slots' | 'events';

/** Which implementation a kernel map type gets. */
export function mapKind(type: number): MapKind {
  switch (type) {
    case MAP_TYPE.array: case MAP_TYPE.percpu_array: case MAP_TYPE.cgroup_array: return 'array';
    case MAP_TYPE.hash: case MAP_TYPE.percpu_hash: return 'hash';
    case MAP_TYPE.lru_hash: case MAP_TYPE.lru_percpu_hash: return 'lru';
    case MAP_TYPE.lpm_trie: return 'lpm';
    case MAP_TYPE.perf_event_array: case MAP_TYPE.ringbuf: return 'events';
    default: return 'slots'; // prog_array, devmap, cpumap, xskmap, sockmap, ...
  }
}

type Key = number | string;

/** Encode `n` key bytes at `at`: small keys as a number, larger ones as a binary string. */
function encodeKey(b: Uint8Array, at: number, n: number): Key {
  if (n <= 6) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + b[at + i];
    return v;
  }
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[at + i]);
  return s;
}

function decodeKey(k: Key, n: number): Uint8Array {
  const out = new Uint8Array(n);
  if (typeof k === 'number') {
    for (let i = 0, v = k; i < n; i++, v = Math.floor(v / 256)) out[i] = v % 256;
  } else {
    for (let i = 0; i < n; i++) out[i] = k.charCodeAt(i);
  }
  return out;
}

interface Baseline {
  slab: Uint8Array;
  keys: Map<Key, number>;
  fresh: number;
  recycled: number[];
  present: Uint8Array;
}

export class BpfMap {
  readonly kind: MapKind;
  /** Distance between consecutive values in the slab (arrays round value_size up to 8, like the kernel). */
  readonly stride: number;
  /** Arena and slab position; set by the machine when it lays out memory. */
  arena: Uint8Array = new Uint8Array(0);
  base = 0;
  region = -1;
  /** Arena offset of a scratch area (key + value bytes) for the user-side API. */
  scratchAt = 0;
  /** Set when anything may have changed the map since the last restore. */
  dirty = false;
  /** Slab bytes [dirtyLo, dirtyHi) written since the last restore. */
  dirtyLo = 0;
  dirtyHi = 0;
  /** Set when keys, free slots or presence changed since the last restore (not just values). */
  private reshaped = false;
  private keys = new Map<Key, number>();
  /**
   * Free slots of a hash map: those freed by deletes (taken first, last freed first), then the
   * never-used ones from `fresh` up — a counter, so that a 16k-entry map resets in O(1).
   */
  private fresh = 0;
  private recycled: number[] = [];
  /** slots: which entries are set. */
  private present: Uint8Array;
  private baseline: Baseline | undefined;

  constructor(readonly def: MapDef, readonly index: number) {
    this.kind = mapKind(def.type);
    this.stride = this.kind === 'array' ? (def.valueSize + 7) & ~7 : def.valueSize;
    this.present = new Uint8Array(this.kind === 'slots' ? def.maxEntries : 0);
    this.resetFree();
  }

  /** Bytes of arena this map needs. */
  get slabSize(): number {
    return this.kind === 'events' ? 0 : this.stride * this.def.maxEntries;
  }

  private resetFree(): void {
    this.fresh = 0;
    this.recycled = [];
  }

  /** A free slot for a new key, or -1 when the map is full. */
  private takeSlot(): number {
    if (this.recycled.length) return this.recycled.pop()!;
    return this.fresh < this.def.maxEntries ? this.fresh++ : -1;
  }

  /** Fill the slab with the initial contents (global data) or zeros, and drop every key. */
  init(): void {
    this.dirtyLo = 0;
    this.dirtyHi = this.slabSize;
    this.reshaped = true;
    this.restoreInitial();
  }

  private clean(): void {
    this.dirty = false;
    this.reshaped = false;
    this.dirtyLo = this.slabSize;
    this.dirtyHi = 0;
  }

  /** Note a write of `size` slab bytes at `off`. */
  touch(off: number, size: number): void {
    this.dirty = true;
    if (off < this.dirtyLo) this.dirtyLo = off;
    if (off + size > this.dirtyHi) this.dirtyHi = off + size;
  }

  // ---- program-side operations (key/value are arena offsets already bounds-checked) ----

  private lpmKey(b: Uint8Array, at: number, plen: number): string {
    const n = this.def.keySize - 4;
    let s = `${plen}:`;
    for (let i = 0; i < n; i++) {
      const bits = Math.max(0, Math.min(8, plen - 8 * i));
      s += String.fromCharCode(b[at + 4 + i] & ((0xff00 >> bits) & 0xff));
    }
    return s;
  }

  private lpmPrefix(b: Uint8Array, at: number): number {
    return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
  }

  /** When set, the keys of lookups that found nothing (hash, LRU and LPM maps), for test generation. */
  misses: Uint8Array[] | undefined;

  /** Slot holding the value for the key at `keyAt`, or -1. */
  lookup(keyAt: number): number {
    const slot = this.find(keyAt);
    if (slot < 0 && this.misses && this.kind !== 'array' && this.kind !== 'slots') this.misses.push(this.arena.slice(keyAt, keyAt + this.def.keySize));
    return slot;
  }

  private find(keyAt: number): number {
    const b = this.arena, d = this.def;
    switch (this.kind) {
      case 'array': {
        const i = (b[keyAt] | (b[keyAt + 1] << 8) | (b[keyAt + 2] << 16) | (b[keyAt + 3] << 24)) >>> 0;
        return i < d.maxEntries ? i : -1;
      }
      case 'slots': {
        const i = (b[keyAt] | (b[keyAt + 1] << 8) | (b[keyAt + 2] << 16) | (b[keyAt + 3] << 24)) >>> 0;
        return i < d.maxEntries && this.present[i] ? i : -1;
      }
      case 'hash': return this.keys.get(encodeKey(b, keyAt, d.keySize)) ?? -1;
      case 'lru': {
        const k = encodeKey(b, keyAt, d.keySize);
        const slot = this.keys.get(k);
        if (slot === undefined) return -1;
        this.keys.delete(k); // most recently used goes last
        this.keys.set(k, slot);
        this.reshape();
        return slot;
      }
      case 'lpm': {
        const max = 8 * (d.keySize - 4);
        for (let p = Math.min(this.lpmPrefix(b, keyAt), max); p >= 0; p--) {
          const slot = this.keys.get(this.lpmKey(b, keyAt, p));
          if (slot !== undefined) return slot;
        }
        return -1;
      }
      default: return -1;
    }
  }

  /** map_update_elem: copy the value at `valAt` in; 0 or -errno. */
  update(keyAt: number, valAt: number, flags: number): number {
    const b = this.arena, d = this.def;
    let slot: number;
    switch (this.kind) {
      case 'array': {
        if (flags > BPF_EXIST || flags < 0) return -EINVAL;
        const i = (b[keyAt] | (b[keyAt + 1] << 8) | (b[keyAt + 2] << 16) | (b[keyAt + 3] << 24)) >>> 0;
        if (i >= d.maxEntries) return -E2BIG;
        if (flags === BPF_NOEXIST) return -EEXIST;
        slot = i;
        break;
      }
      case 'slots': {
        if (flags > BPF_EXIST || flags < 0) return -EINVAL;
        const i = (b[keyAt] | (b[keyAt + 1] << 8) | (b[keyAt + 2] << 16) | (b[keyAt + 3] << 24)) >>> 0;
        if (i >= d.maxEntries) return -E2BIG;
        if (flags === BPF_NOEXIST && this.present[i]) return -EEXIST;
        if (flags === BPF_EXIST && !this.present[i]) return -ENOENT;
        if (!this.present[i]) this.reshape();
        this.present[i] = 1;
        slot = i;
        break;
      }
      case 'hash': case 'lru': case 'lpm': {
        if (flags > BPF_EXIST || flags < 0) return -EINVAL;
        let k: Key;
        if (this.kind === 'lpm') {
          const p = this.lpmPrefix(b, keyAt);
          if (p > 8 * (d.keySize - 4)) return -EINVAL;
          k = this.lpmKey(b, keyAt, p);
        } else k = encodeKey(b, keyAt, d.keySize);
        const old = this.keys.get(k);
        if (old !== undefined) {
          if (flags === BPF_NOEXIST) return -EEXIST;
          slot = old;
          if (this.kind === 'lru') {
            this.keys.delete(k);
            this.keys.set(k, slot);
            this.reshape();
          }
        } else {
          if (flags === BPF_EXIST) return -ENOENT;
          slot = this.takeSlot();
          if (slot < 0) {
            if (this.kind === 'hash') return -E2BIG;
            if (this.kind === 'lpm') return -ENOSPC;
            const victim = this.keys.keys().next().value as Key; // least recently used
            slot = this.keys.get(victim)!;
            this.keys.delete(victim);
          }
          this.keys.set(k, slot);
          this.reshape();
        }
        break;
      }
      default: return -EINVAL;
    }
    b.copyWithin(this.base + slot * this.stride, valAt, valAt + d.valueSize);
    this.touch(slot * this.stride, d.valueSize);
    return 0;
  }

  /** map_delete_elem: 0 or -errno (arrays: -EINVAL). */
  remove(keyAt: number): number {
    const b = this.arena, d = this.def;
    switch (this.kind) {
      case 'array': return -EINVAL;
      case 'slots': {
        const i = (b[keyAt] | (b[keyAt + 1] << 8) | (b[keyAt + 2] << 16) | (b[keyAt + 3] << 24)) >>> 0;
        if (i >= d.maxEntries) return -E2BIG;
        if (!this.present[i]) return -ENOENT;
        this.present[i] = 0;
        this.reshape();
        return 0;
      }
      case 'hash': case 'lru': case 'lpm': {
        let k: Key;
        if (this.kind === 'lpm') {
          const p = this.lpmPrefix(b, keyAt);
          if (p > 8 * (d.keySize - 4)) return -EINVAL;
          k = this.lpmKey(b, keyAt, p);
        } else k = encodeKey(b, keyAt, d.keySize);
        const slot = this.keys.get(k);
        if (slot === undefined) return -ENOENT;
        this.keys.delete(k);
        this.recycled.push(slot);
        this.reshape();
        return 0;
      }
      default: return -EINVAL;
    }
  }

  // ---- user-side API (tests, presets, result comparison) ----

  /** Copy key (and value) to the arena's user scratch area and run `f` on their offsets. */
  private withKey<T>(key: Uint8Array, value: Uint8Array | undefined, f: (k: number, v: number) => T): T {
    if (key.length !== this.def.keySize) throw new RangeError(`key must be ${this.def.keySize} bytes`);
    if (value && value.length !== this.def.valueSize) throw new RangeError(`value must be ${this.def.valueSize} bytes`);
    this.arena.set(key, this.scratchAt);
    if (value) this.arena.set(value, this.scratchAt + key.length);
    return f(this.scratchAt, this.scratchAt + key.length);
  }

  /** Value for `key` (a copy), or undefined. */
  get(key: Uint8Array): Uint8Array | undefined {
    const slot = this.withKey(key, undefined, (k) => this.lookup(k));
    if (slot < 0) return undefined;
    const at = this.base + slot * this.stride;
    return this.arena.slice(at, at + this.def.valueSize);
  }

  /** map_update_elem from user space; returns 0 or -errno. */
  set(key: Uint8Array, value: Uint8Array, flags = 0): number {
    return this.withKey(key, value, (k, v) => this.update(k, v, flags));
  }

  /** map_delete_elem from user space; returns 0 or -errno. */
  delete(key: Uint8Array): number {
    return this.withKey(key, undefined, (k) => this.remove(k));
  }

  /** All (key, value) pairs: arrays list every index; hash maps in slot order of insertion. */
  entries(): [Uint8Array, Uint8Array][] {
    const out: [Uint8Array, Uint8Array][] = [];
    const val = (slot: number): Uint8Array => {
      const at = this.base + slot * this.stride;
      return this.arena.slice(at, at + this.def.valueSize);
    };
    const u32 = (i: number): Uint8Array => new Uint8Array(new Uint32Array([i]).buffer);
    if (this.kind === 'array') {
      for (let i = 0; i < this.def.maxEntries; i++) out.push([u32(i), val(i)]);
    } else if (this.kind === 'slots') {
      for (let i = 0; i < this.def.maxEntries; i++) if (this.present[i]) out.push([u32(i), val(i)]);
    } else if (this.kind === 'lpm') {
      for (const [k, slot] of this.keys) {
        const s = k as string;
        const colon = s.indexOf(':');
        const key = new Uint8Array(this.def.keySize);
        new DataView(key.buffer).setUint32(0, Number(s.slice(0, colon)), true);
        for (let i = 0; i < this.def.keySize - 4; i++) key[4 + i] = s.charCodeAt(colon + 1 + i);
        out.push([key, val(slot)]);
      }
    } else {
      for (const [k, slot] of this.keys) out.push([decodeKey(k, this.def.keySize), val(slot)]);
    }
    return out;
  }

  /** Number of live entries (arrays: max_entries). */
  get size(): number {
    if (this.kind === 'array') return this.def.maxEntries;
    if (this.kind === 'slots') return this.present.reduce((a, x) => a + x, 0);
    return this.keys.size;
  }

  /** Remember the current contents as the state every run starts from. */
  saveBaseline(): void {
    this.baseline = {
      slab: this.arena.slice(this.base, this.base + this.slabSize),
      keys: new Map(this.keys),
      fresh: this.fresh,
      recycled: [...this.recycled],
      present: this.present.slice(),
    };
    this.clean();
  }

  /** The current baseline, to reinstall later with `useBaseline` (undefined: the initial state). */
  get baselineState(): unknown {
    return this.baseline;
  }

  /** Make a baseline saved earlier the current one, and the contents. */
  useBaseline(bl: unknown): void {
    this.baseline = bl as Baseline | undefined;
    this.dirty = true;
    this.reshaped = true;
    this.dirtyLo = 0;
    this.dirtyHi = this.slabSize;
    this.restore();
  }

  /** Return to the baseline (or the initial state) if anything changed: only the bytes written, and the keys if they changed. */
  restore(): void {
    if (!this.dirty) return;
    const bl = this.baseline;
    if (!bl) {
      this.restoreInitial();
      return;
    }
    if (this.dirtyHi > this.dirtyLo) this.arena.set(bl.slab.subarray(this.dirtyLo, this.dirtyHi), this.base + this.dirtyLo);
    if (this.reshaped) {
      this.keys = new Map(bl.keys);
      this.fresh = bl.fresh;
      this.recycled = [...bl.recycled];
      this.present.set(bl.present);
    }
    this.clean();
  }

  /** The initial state (zeros, or global data's initial value), again only where it changed. */
  private restoreInitial(): void {
    const lo = this.dirtyLo, hi = this.dirtyHi;
    if (hi > lo) {
      this.arena.fill(0, this.base + lo, this.base + hi);
      const init = this.kind === 'array' ? this.def.initial?.subarray(0, this.def.valueSize) : undefined;
      if (init && lo < init.length) this.arena.set(init.subarray(lo, Math.min(hi, init.length)), this.base + lo);
    }
    if (this.reshaped) {
      this.keys.clear();
      this.present.fill(0);
      this.resetFree();
    }
    this.clean();
  }

  private reshape(): void {
    this.dirty = true;
    this.reshaped = true;
  }

}
