// The bpf() system call from Node, through koffi and libc's syscall().
//
// Everything the kernel reads through a pointer inside `union bpf_attr` (instructions, the
// license string, the log buffer, keys, values, packets) must stay put while the call runs and
// must not be a small on-heap V8 typed array, so those live in native memory (`NativeBuf`,
// koffi.alloc) and the attr holds their addresses. The attr itself is passed as a pointer
// argument; koffi copies nothing back that we need, the kernel writes into it in place.
import { createRequire } from 'node:module';

/** x86_64 syscall number of bpf(). */
export const SYS_BPF = 321;

/** enum bpf_cmd values we use (include/uapi/linux/bpf.h; BPF_PROG_RUN aliases 10 and takes no number). */
export const CMD = {
  MAP_CREATE: 0, MAP_LOOKUP_ELEM: 1, MAP_UPDATE_ELEM: 2, MAP_DELETE_ELEM: 3, MAP_GET_NEXT_KEY: 4,
  PROG_LOAD: 5, PROG_TEST_RUN: 10, OBJ_GET_INFO_BY_FD: 15, MAP_LOOKUP_AND_DELETE_ELEM: 21, MAP_FREEZE: 22,
  MAP_LOOKUP_BATCH: 24, MAP_UPDATE_BATCH: 26, MAP_DELETE_BATCH: 27,
} as const;

/** sizeof(union bpf_attr) as of 6.x is well under this; the kernel accepts a larger size if the tail is zero. */
export const ATTR_SIZE = 256;

/** Errno names by number (Linux x86_64), with the kernel-internal ones that leak out of bpf(). */
const ERRNO_NAME: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 6: 'ENXIO', 7: 'E2BIG', 8: 'ENOEXEC',
  9: 'EBADF', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 16: 'EBUSY', 17: 'EEXIST',
  19: 'ENODEV', 22: 'EINVAL', 23: 'ENFILE', 24: 'EMFILE', 28: 'ENOSPC', 34: 'ERANGE', 35: 'EDEADLK',
  38: 'ENOSYS', 40: 'ELOOP', 61: 'ENODATA', 75: 'EOVERFLOW', 95: 'EOPNOTSUPP', 105: 'ENOBUFS',
  110: 'ETIMEDOUT', 122: 'EDQUOT',
  // include/linux/errno.h: never meant for userspace, but bpf() returns them.
  512: 'ERESTARTSYS', 524: 'ENOTSUPP',
};

export type Errno = string;
export const errnoName = (n: number): Errno => ERRNO_NAME[n] ?? `E#${n}`;

/** Result of one bpf() call: ret >= 0 on success, else ret = -1 and errno says why. */
export interface SysResult {
  readonly ret: number;
  readonly errno: number;
}

interface Ffi {
  koffi: any;
  syscall4: (nr: number, cmd: number, attr: unknown, size: number) => number | bigint;
  close: (fd: number) => number;
  mmap: (addr: null, len: number, prot: number, flags: number, fd: number, off: number) => unknown;
  munmap: (addr: unknown, len: number) => number;
  sysconf: (name: number) => number | bigint;
}

let ffi: Ffi | { error: string } | undefined;

function loadFfi(): Ffi | { error: string } {
  if (ffi) return ffi;
  if (process.platform !== 'linux') return (ffi = { error: `not Linux (platform ${process.platform})` });
  if (process.arch !== 'x64') return (ffi = { error: `bpf() syscall number is only known for x86_64 (arch ${process.arch})` });
  let koffi: any;
  try {
    koffi = createRequire(import.meta.url)('koffi');
  } catch (e) {
    return (ffi = { error: `koffi missing or failed to load: ${(e as Error).message}` });
  }
  try {
    const libc = koffi.load('libc.so.6');
    // syscall() is variadic; on x86_64 SysV passing integer/pointer arguments through a
    // fixed prototype puts them in the same registers, and glibc's syscall() is plain asm.
    const syscall4 = libc.func('long syscall(long nr, long cmd, void *attr, long size)');
    const close = libc.func('int close(int fd)');
    const mmap = libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off)');
    const munmap = libc.func('int munmap(void *addr, size_t len)');
    const sysconf = libc.func('long sysconf(int name)');
    return (ffi = { koffi, syscall4, close, mmap, munmap, sysconf });
  } catch (e) {
    return (ffi = { error: `libc.so.6 could not be bound through koffi: ${(e as Error).message}` });
  }
}

function requireFfi(): Ffi {
  const f = loadFfi();
  if ('error' in f) throw new Error(`kernel bridge unavailable: ${f.error}`);
  return f;
}

/** bpf(cmd, attr, attr.length). The attr is read and written in place. */
export function bpf(cmd: number, attr: Uint8Array): SysResult {
  const f = requireFfi();
  const r = Number(f.syscall4(SYS_BPF, cmd, attr, attr.length));
  return r < 0 ? { ret: -1, errno: f.koffi.errno() as number } : { ret: r, errno: 0 };
}

/** close(2); returns 0 or -errno. */
export function closeFd(fd: number): number {
  const f = requireFfi();
  return f.close(fd) === 0 ? 0 : -(f.koffi.errno() as number);
}

/** mmap(2) protection and flag bits (asm-generic/mman-common.h). */
export const PROT = { READ: 1, WRITE: 2 } as const;
const MAP_SHARED = 1;
const SC_PAGESIZE = 30; // _SC_PAGESIZE in glibc's bits/confname.h

let pageBytes: number | undefined;
/** The page size (sysconf(_SC_PAGESIZE)); bpf objects are mapped in whole pages. */
export function pageSize(): number {
  return (pageBytes ??= Number(requireFfi().sysconf(SC_PAGESIZE)));
}

/** A MAP_SHARED mapping of a bpf object's fd; `bytes` views it without copying. Unmap it. */
export interface Mapping {
  readonly bytes: Uint8Array;
  unmap(): void;
}

/** mmap(NULL, len, prot, MAP_SHARED, fd, off): the mapping, or the errno when it failed (MAP_FAILED = -1). */
export function mmapFd(fd: number, len: number, prot: number, off: number): { ok: true; map: Mapping } | { ok: false; errno: Errno } {
  const f = requireFfi();
  const ptr = f.mmap(null, len, prot, MAP_SHARED, fd, off);
  if (ptr === null || f.koffi.address(ptr) === 0xffffffffffffffffn) return { ok: false, errno: errnoName(f.koffi.errno() as number) };
  const bytes = new Uint8Array(f.koffi.view(ptr, len) as ArrayBuffer);
  let live = true;
  const unmap = (): void => {
    if (!live) return;
    live = false;
    f.munmap(ptr, len); // afterwards `bytes` must not be touched: the pages are gone (SIGSEGV)
  };
  return { ok: true, map: { bytes, unmap } };
}

/** Native memory at a fixed address: the kernel reads/writes it through pointers in the attr. */
export class NativeBuf {
  private ptr: unknown;
  /** Address to put in the attr. */
  readonly addr: bigint;
  /** A view of the memory (no copy). Invalid after free(). */
  readonly bytes: Uint8Array;

  constructor(readonly size: number) {
    const f = requireFfi();
    this.ptr = f.koffi.alloc('uint8_t', Math.max(1, size));
    this.addr = f.koffi.address(this.ptr) as bigint;
    this.bytes = new Uint8Array(f.koffi.view(this.ptr, Math.max(1, size)) as ArrayBuffer, 0, size);
    this.bytes.fill(0);
  }

  /** Copy `data` in (at 0) and return this. */
  set(data: Uint8Array): this {
    this.bytes.set(data);
    return this;
  }

  free(): void {
    if (this.ptr !== null) requireFfi().koffi.free(this.ptr);
    this.ptr = null;
  }
}

/**
 * A NativeBuf that grows on demand and is reused across calls (load and test_run are hot:
 * allocating per call costs more than the syscall for small programs).
 */
export class Scratch {
  private buf: NativeBuf | undefined;
  /** A buffer of at least `size` bytes; its first `size` bytes are zeroed when `zero`. */
  get(size: number, zero = false): NativeBuf {
    if (!this.buf || this.buf.size < size) {
      this.buf?.free();
      this.buf = new NativeBuf(Math.max(size, 64, this.buf ? this.buf.size * 2 : 0));
    } else if (zero) this.buf.bytes.fill(0, 0, size);
    return this.buf;
  }
  /** Copy data in and return the buffer. */
  with(data: Uint8Array): NativeBuf {
    return this.get(data.length).set(data);
  }
  free(): void {
    this.buf?.free();
    this.buf = undefined;
  }
}

/** A zeroed attr buffer. */
export const newAttr = (): Uint8Array => new Uint8Array(ATTR_SIZE);

/** Trivial program r0 = 0; exit, as bytes. */
const TRIVIAL = Uint8Array.from([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

export type Availability = { ok: true } | { ok: false; reason: string };
let availability: Availability | undefined;

/** Can this process load BPF programs? Cached. The reason names the exact cause. */
export function kernelAvailable(): Availability {
  if (availability) return availability;
  // lets a user (or a test) see what bpfsynth does on a machine without bpf()
  if (process.env.BPFSYNTH_NO_KERNEL) return (availability = { ok: false, reason: 'disabled by BPFSYNTH_NO_KERNEL' });
  const f = loadFfi();
  if ('error' in f) return (availability = { ok: false, reason: f.error });
  const insns = new NativeBuf(TRIVIAL.length).set(TRIVIAL);
  const license = new NativeBuf(4).set(Uint8Array.from([0x47, 0x50, 0x4c, 0])); // "GPL\0"
  try {
    const attr = newAttr();
    const dv = new DataView(attr.buffer);
    dv.setUint32(0, 1, true); // prog_type = BPF_PROG_TYPE_SOCKET_FILTER
    dv.setUint32(4, 2, true); // insn_cnt
    dv.setBigUint64(8, insns.addr, true); // insns
    dv.setBigUint64(16, license.addr, true); // license
    const r = bpf(CMD.PROG_LOAD, attr);
    if (r.ret >= 0) {
      closeFd(r.ret);
      return (availability = { ok: true });
    }
    const name = errnoName(r.errno);
    const why: Record<string, string> = {
      EPERM: 'EPERM: not root / missing CAP_BPF (or kernel.unprivileged_bpf_disabled)',
      EACCES: 'EACCES: bpf() denied (LSM or seccomp policy)',
      ENOSYS: 'ENOSYS: kernel built without CONFIG_BPF_SYSCALL (or bpf() filtered by seccomp)',
      EINVAL: 'EINVAL: the kernel rejected a trivial socket filter load',
    };
    return (availability = { ok: false, reason: why[name] ?? `${name}: trivial BPF_PROG_LOAD failed` });
  } finally {
    insns.free();
    license.free();
  }
}
