// Small random programs that end in a helper call (or an atomic, LD_ABS / LD_IND, BPF_END, a
// conditional jump or an exit) on registers of random kinds, privileged or not: the inputs of
// call-rejects.json (recorded by scripts/record-call-rejects.ts at 3f4d175, where these
// instructions' rejections were thrown), which reject-return.test.ts checks the returned ones against.
import { assemble } from '../../src/isa/asm.ts';
import { type ArgKind, protoOf } from '../../src/isa/protos.ts';
import { helperId } from '../../src/isa/helpers.ts';
import type { MapDef, Program, ProgType } from '../../src/isa/program.ts';

/** The maps every program has: an array, a hash, a ring buffer, a perf event array, a prog array. */
export const CALL_MAPS: MapDef[] = [
  { name: 'arr', type: 2, keySize: 4, valueSize: 16, maxEntries: 4, flags: 0 },
  { name: 'hash', type: 1, keySize: 8, valueSize: 8, maxEntries: 16, flags: 0 },
  { name: 'rb', type: 27, keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 },
  { name: 'perf', type: 4, keySize: 4, valueSize: 4, maxEntries: 2, flags: 0 },
  { name: 'progs', type: 3, keySize: 4, valueSize: 4, maxEntries: 2, flags: 0 },
];

export interface CallCase {
  type: ProgType;
  privileged: boolean;
  asm: string;
  /** The verdict recorded: the instruction and the message of the rejection, or null when accepted. */
  reject: [number, string] | null;
}

export const callProgram = (c: Pick<CallCase, 'type' | 'asm'>): Program => ({
  name: 'prog', section: 's', type: c.type, insns: assemble(c.asm).insns, maps: CALL_MAPS, license: 'GPL', funcs: [{ name: 'prog', start: 0 }],
});

/** xorshift32: the same draws on every machine and every run. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const TYPES: ProgType[] = ['socket_filter', 'xdp', 'sched_cls', 'kprobe', 'cgroup_skb'];
const HELPERS = ['map_lookup_elem', 'map_update_elem', 'map_delete_elem', 'probe_read', 'trace_printk', 'skb_store_bytes', 'tail_call',
  'get_current_comm', 'perf_event_output', 'skb_load_bytes', 'csum_diff', 'xdp_adjust_head', 'probe_read_kernel', 'ringbuf_output',
  'ringbuf_reserve', 'ringbuf_submit', 'strtol', 'check_mtu', 'dynptr_from_mem', 'dynptr_read', 'ringbuf_reserve_dynptr',
  'ringbuf_submit_dynptr', 'sk_lookup_tcp', 'sk_release', 'sk_fullsock', 'xdp_load_bytes', 'fib_lookup', 'get_stack',
  'get_local_storage', 'ktime_get_ns', 'redirect_map', 'get_prandom_u32'];

/** One random program (see the header). */
export function callCase(seed: number): Omit<CallCase, 'reject'> {
  const r = rng(seed * 2654435761);
  const pick = <T>(xs: readonly T[]): T => xs[r(xs.length)];
  const type = pick(TYPES);
  const pkt = type === 'xdp' ? [0, 4] : type === 'sched_cls' ? [76, 80] : undefined;
  const lines = ['r6 = r1', 'call get_prandom_u32', 'r9 = r0'];
  let checked = false;
  if (pkt) {
    lines.push(`r7 = *(u32 *)(r6 + ${pkt[0]})`, `r8 = *(u32 *)(r6 + ${pkt[1]})`);
    if ((checked = r(2) === 1)) lines.push('r0 = r7', `r0 += ${pick([8, 14, 64])}`, 'if r0 > r8 goto out');
  }
  for (const s of ['*(u64 *)(r10 - 8) = 0', '*(u64 *)(r10 - 16) = r9', '*(u32 *)(r10 - 24) = 1', '*(u64 *)(r10 - 32) = r6']) if (r(2)) lines.push(s);
  /** A register set to a value of a random kind (or left unset). */
  const value = (x: number): void => {
    switch (r(pkt ? 12 : 10)) {
      case 0: return; // unset (the call above cleared r1-r5)
      case 1: lines.push(`r${x} = ${pick([0, 1, 4, 8, 16, -1, 64, 0x7fffffff])}`); return;
      case 2: lines.push(`r${x} = r9`); return;
      case 3: lines.push(`r${x} = r9`, `r${x} &= ${pick([7, 15, 255])}`); return;
      case 4: lines.push(`r${x} = r9`, `r${x} += -8`); return;
      case 5: case 6: lines.push(`r${x} = r10`, `r${x} += ${pick([-8, -16, -24, -32, -4, -12, -64, 0, -520])}`); return;
      case 7: lines.push(`r${x} = r6`); if (r(4) === 0) lines.push(`r${x} += 4`); return;
      case 8: lines.push(`ld_pseudo r${x}, 5, ${r(5)}`); return;
      case 9: lines.push(`r${x} = r9`, `r${x} &= 7`, `r${x} += -16`, `r${x} += r10`); return;
      case 10: lines.push(`r${x} = r7`); return;
      default: lines.push(`r${x} = r8`); return;
    }
  };
  /** A register set to a value of the kind an argument asks for, mostly (to reach the later checks). */
  const argValue = (x: number, k: ArgKind | undefined): void => {
    if (k === undefined || r(4) === 0) return value(x);
    switch (k) {
      case 'map': lines.push(`ld_pseudo r${x}, 5, ${r(5)}`); return;
      case 'ctx': case 'ctx_or_null': lines.push(`r${x} = r6`); return;
      case 'size': case 'size0': case 'alloc_size': case 'anything':
        if (r(2)) lines.push(`r${x} = ${pick([0, 1, 4, 8, 16, 24, 600])}`);
        else lines.push(`r${x} = r9`, `r${x} &= ${pick([7, 15, 31])}`);
        return;
      default: lines.push(`r${x} = r10`, `r${x} += ${pick([-8, -16, -24, -32, -12])}`); return;
    }
  };
  const kind = r(20);
  const reg = (): number => 1 + r(5);
  let end = true;
  if (kind < 12) {
    const name = pick(HELPERS);
    const args = protoOf(helperId(name)!, type)?.args ?? [];
    for (let x = 1; x <= 5; x++) if (r(6)) argValue(x, args[x - 1]);
    if (r(40) === 0) lines.push(`call ${pick([0, 999])}`);
    else lines.push(`call ${name}`);
  } else if (kind < 15) {
    const d = reg(), s = reg() === d ? 0 : d === 1 ? 2 : 1;
    value(d);
    value(s);
    const off = pick([0, -8, -16, 4, 2]);
    const sz = pick(['u64', 'u32']);
    switch (r(5)) {
      case 0: lines.push(`lock *(${sz} *)(r${d} ${off < 0 ? '-' : '+'} ${Math.abs(off)}) += r${s}`); break;
      case 1: lines.push(`r${s} = atomic${sz === 'u64' ? '64' : ''}_fetch_add((${sz} *)(r${d} ${off < 0 ? '-' : '+'} ${Math.abs(off)}), r${s})`); break;
      case 2: value(0); lines.push(`r0 = cmpxchg${sz === 'u64' ? '_64' : '32_32'}(r${d} ${off < 0 ? '-' : '+'} ${Math.abs(off)}, r0, r${s})`); break;
      case 3: lines.push(`r${s} = load_acquire((${sz} *)(r${d} ${off < 0 ? '-' : '+'} ${Math.abs(off)}))`); break;
      default: lines.push(`store_release((${sz} *)(r${d} ${off < 0 ? '-' : '+'} ${Math.abs(off)}), r${s})`); break;
    }
  } else if (kind < 16) {
    if (r(3) === 0) lines.push(pick(['r6 = r9', 'r6 = r10', 'r6 += 4']));
    if (r(3) === 0) lines.push('call ringbuf_reserve');
    const s = reg();
    value(s);
    lines.push(r(2) ? `r0 = *(${pick(['u8', 'u16', 'u32'])} *)skb[${pick([0, 12, 23])}]` : `r0 = *(u32 *)skb[r${s} + 2]`);
  } else if (kind < 17) {
    const d = reg();
    value(d);
    lines.push(`r${d} = ${pick(['be16', 'le32', 'bswap64'])} r${d}`);
  } else if (kind < 19) {
    const d = reg(), s = reg();
    value(d);
    value(s);
    lines.push(r(2) ? `if r${d} ${pick(['>', '==', '!=', 's<'])} r${s} goto +0` : `if r${d} ${pick(['==', '!=', '>'])} ${pick([0, 1])} goto +0`);
  } else {
    value(0);
    lines.push('exit');
    end = false;
  }
  if (end) lines.push('r0 = 0', 'exit');
  if (checked) lines.push('out:', 'r0 = 0', 'exit');
  return { type, privileged: r(3) !== 0, asm: lines.join('\n') };
}
