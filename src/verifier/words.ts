// Small typed arrays cut out of shared buffers. V8 gives a typed array of more than 64 bytes a
// backing store of its own, allocated and registered with the GC outside the JS heap: ~0.5-0.9 µs
// each (`new`, `slice`, `set` alike), against ~0.07 µs for a view on an existing buffer. A
// re-check of a small program makes a handful of them (the stack liveness's masks, their
// copy-on-write copies, the snapshot's counters), which was a tenth of its time.
//
// Views are handed out from a chunk by bumping an offset and never given back, so a chunk's bytes
// are zero when handed out and are freed with the chunk once no view of it is reachable. A large
// array gets its own buffer (the chunk would waste its rest; its cost is small against its use).

const CHUNK = 1 << 16;
/** Bytes above which an array gets a buffer of its own. */
const OWN = 1 << 13;

let chunk = new ArrayBuffer(CHUNK);
let used = 0;

/** The offset in `chunk` of `bytes` fresh zero bytes (rounded up to 8; may start a new chunk). */
function carve(bytes: number): number {
  const size = (bytes + 7) & ~7;
  if (used + size > CHUNK) {
    chunk = new ArrayBuffer(CHUNK);
    used = 0;
  }
  const at = used;
  used += size;
  return at;
}

/** A zeroed Uint32Array of n elements. */
export function u32(n: number): Uint32Array {
  if (n * 4 > OWN) return new Uint32Array(n);
  const at = carve(n * 4);
  return new Uint32Array(chunk, at, n);
}

/** A zeroed Uint8Array of n elements. */
export function u8(n: number): Uint8Array {
  if (n > OWN) return new Uint8Array(n);
  const at = carve(n);
  return new Uint8Array(chunk, at, n);
}

// Arrays their holder gave back (releaseU32, releaseU8: it reads them no more), by length, at
// most SPARE of each: a copy fills one of them instead of new bytes. The stack liveness of a
// re-check copies its instance's masks once per check (xdp_balancer: 48 KB, a buffer of its own,
// median ~10 µs with a tail of GC work; core_task: 7 KB, every ninth copy a new 64 KB chunk, ~4 µs).
const SPARE = 4;
const spare32 = new Map<number, Uint32Array[]>();
const spare8 = new Map<number, Uint8Array[]>();

/** `a` is read and written no more by anyone: a later copy of its length may be made in it. */
export function releaseU32(a: Uint32Array): void {
  let l = spare32.get(a.length);
  if (l === undefined) spare32.set(a.length, (l = []));
  if (l.length < SPARE) l.push(a);
}

/** releaseU32 for a Uint8Array. */
export function releaseU8(a: Uint8Array): void {
  let l = spare8.get(a.length);
  if (l === undefined) spare8.set(a.length, (l = []));
  if (l.length < SPARE) l.push(a);
}

/**
 * A zeroed Uint32Array of n elements, made in one given back if there is one (a re-check's
 * first stack access makes its instance's masks: carved, they took a new chunk every few dozen
 * re-checks, while the ones it gave back waited for copies).
 */
export function zeroU32(n: number): Uint32Array {
  const c = spare32.get(n)?.pop();
  if (c === undefined) return u32(n);
  c.fill(0);
  return c;
}

/** A copy of a. */
export function copyU32(a: Uint32Array): Uint32Array {
  const c = spare32.get(a.length)?.pop() ?? u32(a.length);
  c.set(a);
  return c;
}

/** A copy of a. */
export function copyU8(a: Uint8Array): Uint8Array {
  const c = spare8.get(a.length)?.pop() ?? u8(a.length);
  c.set(a);
  return c;
}
