// The calling thread's capabilities (capget/capset through koffi): enough to lower and raise
// effective capabilities around a bpf() call, as the kernel's own test_loader does for its
// unprivileged runs. Capabilities are per thread; bpf() through koffi runs on the thread that
// calls it, so lowering them here affects exactly the loads made in between.
import { createRequire } from 'node:module';

/** Capability numbers (include/uapi/linux/capability.h). */
export const CAP = { NET_ADMIN: 12, SYS_ADMIN: 21, PERFMON: 38, BPF: 39 } as const;

/** _LINUX_CAPABILITY_VERSION_3: two 32-bit words per set. */
const VERSION_3 = 0x20080522;

/** One thread's capability sets as 64-bit masks. */
export interface CapSets {
  readonly effective: bigint;
  readonly permitted: bigint;
  readonly inheritable: bigint;
}

interface CapFfi {
  koffi: any;
  capget: (hdr: Uint8Array, data: Uint8Array) => number;
  capset: (hdr: Uint8Array, data: Uint8Array) => number;
}

let ffi: CapFfi | { error: string } | undefined;

function loadFfi(): CapFfi | { error: string } {
  if (ffi) return ffi;
  if (process.platform !== 'linux') return (ffi = { error: `not Linux (platform ${process.platform})` });
  try {
    const koffi = createRequire(import.meta.url)('koffi');
    const libc = koffi.load('libc.so.6');
    // the header and data structs are passed as byte buffers: their layout is fixed by the ABI
    const capget = libc.func('int capget(void *hdr, void *data)');
    const capset = libc.func('int capset(void *hdr, void *data)');
    return (ffi = { koffi, capget, capset });
  } catch (e) {
    return (ffi = { error: `capget/capset unavailable through koffi: ${(e as Error).message}` });
  }
}

const header = (): Uint8Array => {
  const h = new Uint8Array(8);
  new DataView(h.buffer).setUint32(0, VERSION_3, true); // pid 0: the calling thread
  return h;
};

const word = (dv: DataView, set: number): bigint =>
  BigInt(dv.getUint32(set * 4, true)) | (BigInt(dv.getUint32(12 + set * 4, true)) << 32n);

/** The calling thread's capability sets, or why they cannot be read. */
export function capGet(): CapSets | { error: string } {
  const f = loadFfi();
  if ('error' in f) return f;
  const data = new Uint8Array(24);
  if (f.capget(header(), data) !== 0) return { error: `capget failed (errno ${f.koffi.errno()})` };
  const dv = new DataView(data.buffer);
  return { effective: word(dv, 0), permitted: word(dv, 1), inheritable: word(dv, 2) };
}

/** Set the calling thread's capability sets; '' on success, else why not. */
export function capSet(s: CapSets): string {
  const f = loadFfi();
  if ('error' in f) return f.error;
  const data = new Uint8Array(24);
  const dv = new DataView(data.buffer);
  [s.effective, s.permitted, s.inheritable].forEach((v, set) => {
    dv.setUint32(set * 4, Number(v & 0xffffffffn), true);
    dv.setUint32(12 + set * 4, Number((v >> 32n) & 0xffffffffn), true);
  });
  return f.capset(header(), data) === 0 ? '' : `capset failed (errno ${f.koffi.errno()})`;
}

export const capBit = (cap: number): bigint => 1n << BigInt(cap);
