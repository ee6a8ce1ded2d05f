// Kernel runs of every corpus object with test_run support, on packets that reach their
// branches (Ethernet/IPv4/IPv6 with UDP/TCP to various ports, short and malformed frames),
// recorded so that npm test compares the interpreter with them anywhere.
import { readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../src/isa/object.ts';
import type { Program } from '../src/isa/program.ts';
import { prepare } from '../src/interp/index.ts';
import { compareRun, fromInterp, type RunObs } from './interp/observe.ts';

export interface CorpusRunRecord {
  object: string;
  packet: string;
  kernel: RunObs;
}

const RUNNABLE = new Set(['xdp', 'sched_cls', 'socket_filter']);

export function corpusPrograms(dir = 'corpus'): { object: string; program: Program }[] {
  return readdirSync(dir).filter((f) => f.endsWith('.o')).sort().map((f) => ({ object: f, program: readObject(new Uint8Array(readFileSync(`${dir}/${f}`))).link() }))
    .filter((x) => RUNNABLE.has(x.program.type));
}

function frame(ethType: number, l3: number[]): Uint8Array {
  const eth = [0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, ethType >> 8, ethType & 0xff];
  return Uint8Array.from([...eth, ...l3]);
}

function ipv4(proto: number, src: number, dst: number, l4: number[], ihl = 5): number[] {
  const total = ihl * 4 + l4.length;
  const h = [0x40 | ihl, 0, total >> 8, total & 0xff, 0, 0, 0x40, 0, 64, proto, 0, 0, ...be32(src), ...be32(dst), ...Array((ihl - 5) * 4).fill(0)];
  let s = 0;
  for (let i = 0; i < h.length; i += 2) s += (h[i] << 8) | h[i + 1];
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  const c = ~s & 0xffff;
  h[10] = c >> 8;
  h[11] = c & 0xff;
  return [...h, ...l4];
}
const be32 = (x: number): number[] => [(x >>> 24) & 0xff, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff];
const udp = (sport: number, dport: number, n = 8): number[] => [sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, 8 + n, 0, 0, ...Array(n).fill(0xab)];
const tcp = (sport: number, dport: number): number[] => [sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0];
function ipv6(next: number, l4: number[], ext: number[] = []): number[] {
  const len = ext.length + l4.length;
  return [0x60, 0, 0, 0, len >> 8, len & 0xff, ext.length ? 0 : next, 64, ...Array(15).fill(0), 1, ...Array(15).fill(0), 2, ...ext, ...l4];
}

/** A fixed, varied set of packets. */
export function corpusPackets(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const port of [22, 53, 80, 443, 8080, 9999]) {
    out.push(frame(0x0800, ipv4(17, 0x0a000001, 0x0a000002, udp(1234, port))));
    out.push(frame(0x0800, ipv4(6, 0xc0a80001 | 0, 0x0a000003, tcp(4321, port))));
  }
  out.push(frame(0x0800, ipv4(6, 0x0a000001, 0x0a000002, tcp(1, 80), 7))); // IPv4 options
  out.push(frame(0x0800, ipv4(1, 0x7f000001, 0x08080808, [8, 0, 0, 0, 0, 1, 0, 1]))); // ICMP
  out.push(frame(0x86dd, ipv6(17, udp(5353, 53))));
  out.push(frame(0x86dd, ipv6(6, tcp(1000, 443), [6, 0, 0, 0, 0, 0, 0, 0]))); // hop-by-hop ext header
  out.push(frame(0x0806, Array(28).fill(1))); // ARP
  out.push(frame(0x0800, [0x45, 0, 0])); // truncated IPv4
  out.push(new Uint8Array(14));
  return out;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Compare recorded kernel runs with the interpreter. */
export function checkCorpusRuns(recs: readonly CorpusRunRecord[]): string[] {
  const progs = new Map(corpusPrograms().map((x) => [x.object, x.program]));
  const vms = new Map<string, ReturnType<typeof prepare>>();
  const out: string[] = [];
  for (const r of recs) {
    const program = progs.get(r.object);
    if (!program) {
      out.push(`${r.object}: no such corpus object`);
      continue;
    }
    // test_run refuses some inputs outright (skb types: an IPv4/IPv6 frame shorter than its
    // network header gives EINVAL before the program runs): nothing to compare
    if (r.kernel.kind === 'error') continue;
    let vm = vms.get(r.object);
    if (!vm) vms.set(r.object, (vm = prepare(program)));
    const ours = fromInterp(vm.run({ packet: new Uint8Array(Buffer.from(r.packet, 'hex')) }), program.maps.map((m) => m.name));
    // per-CPU maps: the kernel shows one value per possible CPU, we model one CPU; compare r0 and packet
    const d = compareRun({ ...r.kernel, maps: undefined }, { ...ours, maps: undefined });
    if (d.length) out.push(`${r.object} packet ${r.packet}: ${d.join('; ')}`);
  }
  return out;
}

export { hex as toHex };
