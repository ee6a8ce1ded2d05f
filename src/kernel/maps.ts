// BPF maps in the running kernel: create, update, lookup, delete, iterate, freeze, close.
// Attr offsets follow union bpf_attr in include/uapi/linux/bpf.h (6.12, unchanged in 6.18).
import { readFileSync } from 'node:fs';
import { MAP_TYPE, type MapDef } from '../isa/program.ts';
import { bpf, closeFd, CMD, errnoName, newAttr, Scratch, type Errno } from './syscall.ts';

/** A failed map operation, named by its errno (e.g. ENOENT for a missing key). */
export interface MapError {
  readonly errno: Errno;
}
export type MapResult<T> = { ok: true; value: T } | ({ ok: false } & MapError);

/** Update flags (enum in bpf.h). */
export const UPDATE = { ANY: 0, NOEXIST: 1, EXIST: 2, LOCK: 4 } as const;
/** Map creation flags we use. */
export const MAP_F = { NO_PREALLOC: 1, RDONLY_PROG: 1 << 7, WRONLY_PROG: 1 << 8, MMAPABLE: 1 << 10 } as const;

export interface MapSpec {
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
  /** Up to 15 characters of [A-Za-z0-9_.]; others are replaced with '_'. */
  readonly name?: string;
  /** Map-in-map: fd of a map like the inner ones (array_of_maps, hash_of_maps). */
  readonly innerMapFd?: number;
}

/** Per-CPU maps hold one value per possible CPU; userspace sees them back to back, each rounded to 8 bytes. */
export const isPerCpu = (type: number): boolean =>
  type === MAP_TYPE.percpu_array || type === MAP_TYPE.percpu_hash || type === MAP_TYPE.lru_percpu_hash;

let possibleCpus: number | undefined;
/** Number of possible CPUs (/sys/devices/system/cpu/possible, e.g. "0-3" → 4). */
export function possibleCpuCount(): number {
  if (possibleCpus !== undefined) return possibleCpus;
  possibleCpus = parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
  return possibleCpus;
}
/** "0-3,5" → 5 (highest + 1, as the kernel sizes per-cpu values by nr_cpu_ids). */
export function parseCpuList(s: string): number {
  let hi = -1;
  for (const part of s.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    hi = Math.max(hi, b ?? a);
  }
  return hi + 1;
}

/** Name bytes: BPF_OBJ_NAME_LEN = 16 with the terminating NUL; the kernel accepts [A-Za-z0-9_.]. */
export function objName(name: string): Uint8Array {
  const out = new Uint8Array(16);
  const clean = name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 15);
  for (let i = 0; i < clean.length; i++) out[i] = clean.charCodeAt(i);
  return out;
}

// Shared native buffers for keys and values (one op at a time; JS is single-threaded).
const keyBuf = new Scratch();
const valBuf = new Scratch();
// The batch commands' buffers: many keys, many values, and the position (in_batch @0, out_batch @8).
const batchKeys = new Scratch();
const batchVals = new Scratch();
const batchPos = new Scratch();

/** Errnos by which bpf() says a map type has no batch commands (ENOTSUPP: the op is missing; EINVAL: older checks). */
const NO_BATCH = new Set<Errno>(['ENOTSUPP', 'EOPNOTSUPP', 'EINVAL']);

const fail = <T>(errno: number): MapResult<T> => ({ ok: false, errno: errnoName(errno) });

export class KernelMap {
  private closed = false;
  /** Userspace writes through this object (update, delete, their batch forms), failed ones included. */
  private writeCount = 0;
  /** false once the kernel has refused a batch command for this map: the per-key commands from then on. */
  private batchOk = true;
  private constructor(
    readonly fd: number,
    readonly spec: MapSpec,
    /** Bytes of a value as userspace sees it (valueSize, or ncpus × round8(valueSize) for per-cpu maps). */
    readonly userValueSize: number,
  ) {}

  /** BPF_MAP_CREATE. */
  static create(spec: MapSpec): MapResult<KernelMap> {
    const attr = newAttr();
    const dv = new DataView(attr.buffer);
    dv.setUint32(0, spec.type, true); // map_type
    dv.setUint32(4, spec.keySize, true); // key_size
    dv.setUint32(8, spec.valueSize, true); // value_size
    dv.setUint32(12, spec.maxEntries, true); // max_entries
    dv.setUint32(16, spec.flags ?? 0, true); // map_flags
    dv.setUint32(20, spec.innerMapFd ?? 0, true); // inner_map_fd
    // 24: numa_node — zero
    attr.set(objName(spec.name ?? ''), 28); // map_name[16] at 28..43
    // 44: map_ifindex, 48: btf_fd, 52: btf_key_type_id, 56: btf_value_type_id,
    // 60: btf_vmlinux_value_type_id, 64: map_extra (u64), 72: value_type_btf_obj_fd, 76: map_token_fd — zero
    const r = bpf(CMD.MAP_CREATE, attr);
    if (r.ret < 0) return fail(r.errno);
    const userValueSize = isPerCpu(spec.type) ? possibleCpuCount() * ((spec.valueSize + 7) & ~7) : spec.valueSize;
    return { ok: true, value: new KernelMap(r.ret, spec, userValueSize) };
  }

  /** Create the map a Program's MapDef describes (lpm_trie gets BPF_F_NO_PREALLOC as it requires). */
  static fromDef(def: MapDef): MapResult<KernelMap> {
    return KernelMap.create(specOfDef(def));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private checkKey(key: Uint8Array | null): void {
    if (key && key.length !== this.spec.keySize) throw new RangeError(`key is ${key.length} bytes, map wants ${this.spec.keySize}`);
  }

  /** The attr for the *_ELEM commands: map_fd @0, key @8, value/next_key @16, flags @24. */
  private elemAttr(keyAddr: bigint, valAddr: bigint, flags: number): Uint8Array {
    const attr = newAttr();
    const dv = new DataView(attr.buffer);
    dv.setUint32(0, this.fd, true); // map_fd (4 bytes of padding follow: key is __aligned_u64)
    dv.setBigUint64(8, keyAddr, true); // key
    dv.setBigUint64(16, valAddr, true); // value or next_key
    dv.setBigUint64(24, BigInt(flags), true); // flags
    return attr;
  }

  /** BPF_MAP_UPDATE_ELEM with UPDATE.ANY / NOEXIST / EXIST. */
  update(key: Uint8Array, value: Uint8Array, flags: number = UPDATE.ANY): MapResult<void> {
    this.checkKey(key);
    this.writeCount++;
    if (value.length !== this.userValueSize) throw new RangeError(`value is ${value.length} bytes, map wants ${this.userValueSize}`);
    const k = keyBuf.with(key);
    const v = valBuf.with(value);
    const r = bpf(CMD.MAP_UPDATE_ELEM, this.elemAttr(k.addr, v.addr, flags));
    return r.ret < 0 ? fail(r.errno) : { ok: true, value: undefined };
  }

  /** BPF_MAP_LOOKUP_ELEM: a copy of the value (ENOENT when absent). */
  lookup(key: Uint8Array): MapResult<Uint8Array> {
    this.checkKey(key);
    const k = keyBuf.with(key);
    const v = valBuf.get(this.userValueSize, true);
    const r = bpf(CMD.MAP_LOOKUP_ELEM, this.elemAttr(k.addr, v.addr, 0));
    return r.ret < 0 ? fail(r.errno) : { ok: true, value: v.bytes.slice(0, this.userValueSize) };
  }

  /** BPF_MAP_DELETE_ELEM (arrays refuse with EINVAL). */
  delete(key: Uint8Array): MapResult<void> {
    this.checkKey(key);
    this.writeCount++;
    const k = keyBuf.with(key);
    const r = bpf(CMD.MAP_DELETE_ELEM, this.elemAttr(k.addr, 0n, 0));
    return r.ret < 0 ? fail(r.errno) : { ok: true, value: undefined };
  }

  /** BPF_MAP_GET_NEXT_KEY: the key after `key` (null = the first); ENOENT at the end. */
  nextKey(key: Uint8Array | null): MapResult<Uint8Array> {
    this.checkKey(key);
    const ks = this.spec.keySize;
    const k = key ? keyBuf.with(key) : null;
    const n = valBuf.get(Math.max(ks, 1), true);
    const r = bpf(CMD.MAP_GET_NEXT_KEY, this.elemAttr(k ? k.addr : 0n, n.addr, 0));
    return r.ret < 0 ? fail(r.errno) : { ok: true, value: n.bytes.slice(0, ks) };
  }

  /** All keys, in the kernel's iteration order (ringbuf/perf arrays and similar have none). */
  keys(limit = 1 << 20): Uint8Array[] {
    const out: Uint8Array[] = [];
    let cur: Uint8Array | null = null;
    while (out.length < limit) {
      const r = this.nextKey(cur);
      if (!r.ok) break;
      out.push(r.value);
      cur = r.value;
    }
    return out;
  }

  /**
   * Every (key, value) pair that can be read, in the kernel's iteration order: by
   * BPF_MAP_LOOKUP_BATCH where the map type has it, else nextKey + lookup per key (keys whose
   * lookup fails are left out).
   */
  entries(limit = 1 << 20): [Uint8Array, Uint8Array][] {
    if (this.batchOk) {
      const b = this.lookupBatch(limit);
      if (b.ok) return b.value;
    }
    return this.entriesPerKey(limit);
  }

  /** entries() by nextKey + lookup, one key at a time (the path for maps without batch commands). */
  entriesPerKey(limit = 1 << 20): [Uint8Array, Uint8Array][] {
    const out: [Uint8Array, Uint8Array][] = [];
    for (const k of this.keys(limit)) {
      const v = this.lookup(k);
      if (v.ok) out.push([k, v.value]);
    }
    return out;
  }

  /** How many writes userspace made through this object: unchanged means the map changed only by programs. */
  get writes(): number {
    return this.writeCount;
  }

  /** Whether the batch commands are still tried for this map (false after the kernel refused one). */
  get usesBatch(): boolean {
    return this.batchOk;
  }

  /** Turn the batch commands off for this map (tests of the per-key path). */
  disableBatch(): void {
    this.batchOk = false;
  }

  /** attr.batch: in_batch @0, out_batch @8, keys @16, values @24, count @32, map_fd @36, elem_flags @40, flags @48. */
  private batchAttr(inBatch: bigint, outBatch: bigint, keys: bigint, values: bigint, count: number): Uint8Array {
    const attr = newAttr();
    const dv = new DataView(attr.buffer);
    dv.setBigUint64(0, inBatch, true);
    dv.setBigUint64(8, outBatch, true);
    dv.setBigUint64(16, keys, true);
    dv.setBigUint64(24, values, true);
    dv.setUint32(32, count, true);
    dv.setUint32(36, this.fd, true);
    // elem_flags @40, flags @48: zero
    return attr;
  }

  /** A refusal that means "no batch commands here": remember it, so the next call goes per key at once. */
  private batchFailed<T>(errno: number): MapResult<T> {
    const r = fail<T>(errno);
    if (!r.ok && NO_BATCH.has(r.errno)) this.batchOk = false;
    return r;
  }

  /**
   * BPF_MAP_LOOKUP_BATCH from the start to the end (ENOENT ends it): the entries in the kernel's
   * order, the same as nextKey's. The position token is a key for arrays, a bucket for hashes (4
   * bytes; the buffer holds either). A hash bucket bigger than `count` is ENOSPC: retried larger.
   * `chunk`: entries asked for per call (default all at once).
   */
  lookupBatch(limit = 1 << 20, chunk = this.spec.maxEntries): MapResult<[Uint8Array, Uint8Array][]> {
    const ks = this.spec.keySize;
    const vs = this.userValueSize;
    let count = Math.max(1, Math.min(chunk, limit));
    const pos = batchPos.get(2 * Math.max(8, ks), true);
    const posIn = pos.addr, posOut = pos.addr + BigInt(Math.max(8, ks));
    const out: [Uint8Array, Uint8Array][] = [];
    let first = true;
    while (out.length < limit) {
      const kb = batchKeys.get(count * ks);
      const vb = batchVals.get(count * vs);
      const attr = this.batchAttr(first ? 0n : posIn, posOut, kb.addr, vb.addr, count);
      const r = bpf(CMD.MAP_LOOKUP_BATCH, attr);
      const errno = r.ret < 0 ? errnoName(r.errno) : '';
      if (errno === 'ENOSPC' && count < (1 << 24)) {
        count *= 2;
        continue;
      }
      if (r.ret < 0 && errno !== 'ENOENT') return this.batchFailed(r.errno);
      const got = new DataView(attr.buffer).getUint32(32, true);
      if (got > 0) {
        // one copy of each buffer, entries as views into it
        const keys = kb.bytes.slice(0, got * ks);
        const vals = vb.bytes.slice(0, got * vs);
        for (let i = 0; i < got && out.length < limit; i++) out.push([keys.subarray(i * ks, (i + 1) * ks), vals.subarray(i * vs, (i + 1) * vs)]);
      }
      if (errno === 'ENOENT') break;
      // next call starts where this one stopped
      pos.bytes.copyWithin(0, Math.max(8, ks), 2 * Math.max(8, ks));
      first = false;
    }
    return { ok: true, value: out };
  }

  /** BPF_MAP_UPDATE_BATCH of keys[i] → values[i] (UPDATE.ANY). On an error some may have been written. */
  updateBatch(keys: readonly Uint8Array[], values: readonly Uint8Array[]): MapResult<void> {
    if (keys.length !== values.length) throw new RangeError(`${keys.length} keys, ${values.length} values`);
    this.writeCount++;
    if (keys.length === 0) return { ok: true, value: undefined };
    const ks = this.spec.keySize, vs = this.userValueSize;
    const kb = batchKeys.get(keys.length * ks);
    const vb = batchVals.get(keys.length * vs);
    keys.forEach((k, i) => {
      this.checkKey(k);
      kb.bytes.set(k, i * ks);
    });
    values.forEach((v, i) => {
      if (v.length !== vs) throw new RangeError(`value is ${v.length} bytes, map wants ${vs}`);
      vb.bytes.set(v, i * vs);
    });
    const r = bpf(CMD.MAP_UPDATE_BATCH, this.batchAttr(0n, 0n, kb.addr, vb.addr, keys.length));
    return r.ret < 0 ? this.batchFailed(r.errno) : { ok: true, value: undefined };
  }

  /** BPF_MAP_DELETE_BATCH of the keys (arrays refuse). On an error some may have been deleted. */
  deleteBatch(keys: readonly Uint8Array[]): MapResult<void> {
    this.writeCount++;
    if (keys.length === 0) return { ok: true, value: undefined };
    const ks = this.spec.keySize;
    const kb = batchKeys.get(keys.length * ks);
    keys.forEach((k, i) => {
      this.checkKey(k);
      kb.bytes.set(k, i * ks);
    });
    const r = bpf(CMD.MAP_DELETE_BATCH, this.batchAttr(0n, 0n, kb.addr, 0n, keys.length));
    return r.ret < 0 ? this.batchFailed(r.errno) : { ok: true, value: undefined };
  }

  /** BPF_MAP_FREEZE: no more writes from userspace (programs still can unless RDONLY_PROG). */
  freeze(): MapResult<void> {
    const attr = newAttr();
    new DataView(attr.buffer).setUint32(0, this.fd, true); // map_fd
    const r = bpf(CMD.MAP_FREEZE, attr);
    return r.ret < 0 ? fail(r.errno) : { ok: true, value: undefined };
  }

  /** Close the fd (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeFd(this.fd);
  }
}

/** MapSpec of a Program's MapDef, with the flags the kernel insists on. */
export function specOfDef(def: MapDef): MapSpec {
  let flags = def.flags;
  if (def.type === MAP_TYPE.lpm_trie) flags |= MAP_F.NO_PREALLOC; // trie_alloc: EINVAL without it
  return { type: def.type, keySize: def.keySize, valueSize: def.valueSize, maxEntries: def.maxEntries, flags, name: def.name };
}

/** Key bytes of a little-endian u32 (array indices). */
export function u32Key(i: number): Uint8Array {
  const k = new Uint8Array(4);
  new DataView(k.buffer).setUint32(0, i >>> 0, true);
  return k;
}
