// Stand-ins for helpers the interpreter has no model of, for the optimizer's tests only.
//
// Without one, a test whose path calls such a helper faults in the original, and any candidate
// that faults there too "passes" it: nothing before the call (its arguments) or after it is
// tested. On xdp_fwd (bpf_fib_lookup) that left the chain free to wreck most of the program, and
// nearly every new best it found was refused by the verifier model (issue 20).
//
// A stand-in is a deterministic function of exactly the bytes the kernel's helper reads, writing
// the fields the kernel writes: the tests then see the arguments and exercise both outcomes,
// like an uninterpreted function in a proof. It is not the kernel's answer (that depends on the
// routing tables); equivalence is still decided by Z3 and the kernel test_run, never by this.
import type { Machine } from '../interp/machine.ts';
import { F_OK } from '../interp/layout.ts';

type StandIn = (m: Machine) => number;

const EINVAL = 22, EAFNOSUPPORT = 97;
const AF_INET = 2, AF_INET6 = 10;
/** sizeof(struct bpf_fib_lookup) (include/uapi/linux/bpf.h). */
const FIB_PARAMS = 64;
/** BPF_FIB_LOOKUP_DIRECT | OUTPUT | SKIP_NEIGH | TBID | SRC | MARK: flags the kernel accepts. */
const FIB_FLAGS = 0x3f;
/** Flags under which the kernel reads the tbid / mark union at offset 48. */
const FIB_READS_48 = 0x08 | 0x20;

/** r0 = a small signed integer. */
function ret(m: Machine, v: number): number {
  m.RL[0] = v | 0;
  m.RH[0] = v < 0 ? -1 : 0;
  return F_OK;
}

/** FNV-1a over byte ranges of the arena, seeded with a number. */
function hash(u8: Uint8Array, base: number, ranges: readonly (readonly [number, number])[], seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const [a, b] of ranges) for (let i = base + a; i < base + b; i++) h = Math.imul(h ^ u8[i], 0x01000193) >>> 0;
  return h;
}

/** xorshift32 stream from a hash (never 0). */
function stream(h: number): () => number {
  let s = h || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/**
 * bpf_fib_lookup (69) as XDP and tc call it: `params` (r2) is struct bpf_fib_lookup, plen (r3),
 * flags (r4). Read, as bpf_ipv4/ipv6_fib_lookup read them: family, l4_protocol, ports, tot_len,
 * ifindex, tos (IPv4: one byte) or flowinfo, the addresses, and the offset-48 union when a flag
 * names it. Half the inputs succeed (0): ifindex becomes 0..3 (the keys the test map presets
 * hold, so a later devmap lookup can hit), smac and dmac are filled; the rest return one of the
 * kernel's BPF_FIB_LKUP_RET_* failure codes (1..8) and write nothing.
 */
export const fibLookup: StandIn = (m) => {
  const plen = m.RL[3] | 0, flags = m.RL[4] >>> 0;
  if (m.RH[3] !== 0 || plen < FIB_PARAMS) return ret(m, -EINVAL);
  if (m.RH[4] !== 0 || (flags & ~FIB_FLAGS) !== 0) return ret(m, -EINVAL);
  const p = m.resolve(m.RH[2], m.RL[2] >>> 0, FIB_PARAMS, true);
  if (p < 0) return -p;
  const u8 = m.u8, family = u8[p];
  const common: [number, number][] = [[0, 12]];
  if (flags & FIB_READS_48) common.push([48, 52]);
  let h: number;
  if (family === AF_INET) h = hash(u8, p, [...common, [12, 13], [16, 20], [32, 36]], flags);
  else if (family === AF_INET6) h = hash(u8, p, [...common, [12, 48]], flags);
  else return ret(m, -EAFNOSUPPORT);
  const next = stream(h);
  const r = next();
  if (r & 1) return ret(m, 1 + ((r >>> 1) % 8));
  const ifindex = (r >>> 1) % 4;
  u8[p + 8] = ifindex;
  u8[p + 9] = u8[p + 10] = u8[p + 11] = 0;
  for (let i = 52; i < 64; i++) u8[p + i] = next() & 0xff;
  return ret(m, 0);
};

/** The stand-ins by helper number (see PrepareOptions.standIns). */
export const STAND_INS: Readonly<Record<number, StandIn>> = { 69: fibLookup };
