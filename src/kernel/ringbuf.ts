// Reading the records of a BPF_MAP_TYPE_RINGBUF from userspace, as a libbpf consumer does.
//
// The map mmaps as: page 0 = consumer page (u64 consumer_pos, the only thing userspace
// writes); page 1 = producer page (u64 producer_pos); then the data area of max_entries bytes,
// mapped twice back to back so a record that wraps past the end reads as one run of bytes.
// Positions only grow; a position's byte is data[pos & (size - 1)]. A record is an 8-byte
// header {u32 len, u32 pgoff} then len bytes, padded so the next header is 8-aligned:
// it occupies round8(8 + len) bytes. len bit 31 (BUSY) = still being written, bit 30
// (DISCARD) = dropped by the producer.
import { mmapFd, pageSize, PROT, type Errno, type Mapping } from './syscall.ts';

export const RB_BUSY = 0x80000000;
export const RB_DISCARD = 0x40000000;
export const RB_HDR = 8;

/** Bytes a record of `len` data bytes takes in the ring: round_up(len + 8, 8). */
export const ringbufRecordBytes = (len: number): number => (len + RB_HDR + 7) & ~7;

export type RingbufResult<T> = { ok: true; value: T } | { ok: false; errno: Errno };

export class RingbufReader {
  private constructor(
    private consumer: Mapping,
    private producer: Mapping,
    readonly size: number,
  ) {}

  /** mmap the ring of map `fd` whose max_entries is `size` (a power-of-2 multiple of the page size). */
  static open(fd: number, size: number): RingbufResult<RingbufReader> {
    const page = pageSize();
    if (size < page || size % page !== 0 || (size & (size - 1)) !== 0) throw new RangeError(`ringbuf size ${size} is not a power-of-2 multiple of ${page}`);
    const c = mmapFd(fd, page, PROT.READ | PROT.WRITE, 0);
    if (!c.ok) return c;
    const p = mmapFd(fd, page + 2 * size, PROT.READ, page);
    if (!p.ok) {
      c.map.unmap();
      return p;
    }
    return { ok: true, value: new RingbufReader(c.map, p.map, size) };
  }

  private pos(m: Mapping): bigint {
    return Atomics.load(new BigUint64Array(m.bytes.buffer, m.bytes.byteOffset, 1), 0);
  }

  /** Every committed record from consumer_pos to producer_pos, in order (discarded ones skipped); consumes them. */
  drain(): Uint8Array[] {
    const data = this.producer.bytes.subarray(pageSize());
    const words = new Uint32Array(data.buffer, data.byteOffset, data.length / 4);
    const mask = BigInt(this.size - 1);
    const out: Uint8Array[] = [];
    let cons = this.pos(this.consumer);
    const prod = this.pos(this.producer);
    if (prod - cons > BigInt(this.size)) throw new Error(`ringbuf positions make no sense: consumer ${cons}, producer ${prod}`);
    while (cons < prod) {
      const at = Number(cons & mask);
      const len = Atomics.load(words, at / 4) >>> 0;
      if (len & RB_BUSY) break; // not committed yet: a consumer stops here
      const n = len & ~(RB_BUSY | RB_DISCARD);
      if (!(len & RB_DISCARD)) out.push(data.slice(at + RB_HDR, at + RB_HDR + n));
      cons += BigInt(ringbufRecordBytes(n));
    }
    Atomics.store(new BigUint64Array(this.consumer.bytes.buffer, this.consumer.bytes.byteOffset, 1), 0, cons);
    return out;
  }

  /** munmap both mappings (idempotent). */
  close(): void {
    this.consumer.unmap();
    this.producer.unmap();
  }
}

/** Open, drain and close: the records waiting in ring map `fd` of `size` bytes. */
export function drainRingbuf(fd: number, size: number): RingbufResult<Uint8Array[]> {
  const r = RingbufReader.open(fd, size);
  if (!r.ok) return r;
  try {
    return { ok: true, value: r.value.drain() };
  } finally {
    r.value.close();
  }
}
