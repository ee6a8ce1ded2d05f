// Packets that exercise network programs: Ethernet with IPv4 (with and without options),
// IPv6 (with an extension header), UDP and TCP to common ports, ICMP, ARP, truncated frames.
// Used as test inputs by the optimizer and by the corpus runs in fuzz/.

export function frame(ethType: number, l3: number[]): Uint8Array {
  const eth = [0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, ethType >> 8, ethType & 0xff];
  return Uint8Array.from([...eth, ...l3]);
}

export function ipv4(proto: number, src: number, dst: number, l4: number[], ihl = 5): number[] {
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
export const udp = (sport: number, dport: number, n = 8): number[] => [sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, 8 + n, 0, 0, ...Array(n).fill(0xab)];
export const tcp = (sport: number, dport: number): number[] => [sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0];
export function ipv6(next: number, l4: number[], ext: number[] = []): number[] {
  const len = ext.length + l4.length;
  return [0x60, 0, 0, 0, len >> 8, len & 0xff, ext.length ? 0 : next, 64, ...Array(15).fill(0), 1, ...Array(15).fill(0), 2, ...ext, ...l4];
}

/** A fixed, varied set of packets that reach the branches of typical XDP/tc parsers. */
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


/** 802.1Q and 802.1ad (QinQ) tagged frames around IPv4 and IPv6: parsers that skip VLAN tags. */
export function vlanPackets(): Uint8Array[] {
  const tag = (tpid: number, inner: number): number[] => [0x00, 0x64, inner >> 8, inner & 0xff];
  const tagged = (tpids: number[], ethType: number, l3: number[]): Uint8Array => {
    const tags = tpids.flatMap((t, i) => tag(t, i + 1 < tpids.length ? tpids[i + 1] : ethType));
    return frame(tpids[0], [...tags, ...l3]);
  };
  return [
    tagged([0x8100], 0x0800, ipv4(17, 0x0a000001, 0x0a000002, udp(1234, 53))),
    tagged([0x88a8, 0x8100], 0x0800, ipv4(6, 0x0a000001, 0x0a000002, tcp(1234, 80))),
    tagged([0x8100], 0x86dd, ipv6(17, udp(5353, 53))),
    tagged([0x8100, 0x8100], 0x86dd, ipv6(6, tcp(1000, 443))),
  ];
}
