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

const fail = <T>(errno: number): MapResult<T> => ({ ok: false, errno: errnoName(errno) });

export class KernelMap {
  private closed = false;
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

  /** Every (key, value) pair that can be read; keys whose lookup fails are left out. */
  entries(limit = 1 << 20): [Uint8Array, Uint8Array][] {
    const out: [Uint8Array, Uint8Array][] = [];
    for (const k of this.keys(limit)) {
      const v = this.lookup(k);
      if (v.ok) out.push([k, v.value]);
    }
    return out;
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
