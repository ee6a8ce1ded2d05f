// Kernel behaviour the differential fuzzer found (6.18) and the interpreter now models; each
// case is also in notes/INTERP-QUIRKS.md with a command that shows it on the running kernel.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Op } from '../../src/isa/op.ts';
import { skbTestRunRefuses } from '../../src/interp/context.ts';
import { prepare } from '../../src/interp/index.ts';
import { MAP_TYPE } from '../../src/isa/program.ts';
import { alu, call, exit, K, ldMap, ldx, mapDef, mov, printkOps, program, R, r0, st } from './util.ts';

const t = suite('interp/kernel-quirks');

/** An ARP frame to a group address (pkt_type PACKET_MULTICAST = 2, protocol 0x0806). */
const arp = (dst: number[]): Uint8Array => Uint8Array.from([...dst, 2, 0, 0, 0, 0, 1, 0x08, 0x06, ...new Array(28).fill(7)]);
const tc = (ops: Op[], packet: Uint8Array, skb?: object): bigint => r0(ops, { packet, ...(skb ? { skb } : {}) }, 'sched_cls');

t('narrow loads of __sk_buff fields the kernel reads with 1 or 2 bytes return the whole field', () => {
  const group = arp([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.is(tc([ldx(4, 0, 1, 4), exit], group), 2n); // pkt_type: the loopback's broadcast address is all-zero
  assert.is(tc([ldx(1, 0, 1, 5), exit], group), 2n); // byte 1 of pkt_type: not 0
  assert.is(tc([ldx(2, 0, 1, 18), exit], group), 0x608n); // high half of protocol: the whole u16
  assert.is(tc([ldx(1, 0, 1, 17), exit], group), 0x06n); // a byte narrower than the field is shifted and masked
  assert.is(tc([ldx(1, 0, 1, 18), exit], group), 0n);
  assert.is(tc([ldx(1, 0, 1, 1), exit], group), 0n); // len (a u32 field): plain byte 1 of 42
  assert.is(tc([ldx(4, 0, 1, 4), exit], arp([0, 0, 0, 0, 0, 0])), 0n); // PACKET_HOST
  assert.is(tc([ldx(4, 0, 1, 4), exit], arp([2, 0, 0, 0, 0, 9])), 3n); // PACKET_OTHERHOST
});

t('wire_len is 0 unless test_run was given a ctx (then skb->len when 0)', () => {
  const frame = arp([0, 0, 0, 0, 0, 0]);
  assert.is(tc([ldx(4, 0, 1, 160), exit], frame), 0n);
  assert.is(tc([ldx(4, 0, 1, 160), exit], frame, {}), BigInt(frame.length));
  assert.is(tc([ldx(4, 0, 1, 160), exit], frame, { wire_len: 100 }), 100n);
});

t('test_run refuses IPv4 / IPv6 frames shorter than their header', () => {
  const f = (type: number[], n: number): Uint8Array => Uint8Array.from([...new Array(12).fill(0), ...type, ...new Array(n).fill(0)]);
  assert.is(skbTestRunRefuses(f([8, 0], 19)), 'IPv4 frame shorter than an IPv4 header');
  assert.is(skbTestRunRefuses(f([8, 0], 20)), undefined);
  assert.is(skbTestRunRefuses(f([0x86, 0xdd], 39)), 'IPv6 frame shorter than an IPv6 header');
  assert.is(skbTestRunRefuses(f([8, 6], 0)), undefined);
  assert.is(skbTestRunRefuses(new Uint8Array(13)), 'frame shorter than ETH_HLEN');
});

/** [r0 (signed), the message or undefined]. */
function printk(fmt: number[], args: (number | 'str')[] = [], size = fmt.length + 1): [bigint, string | undefined] {
  const r = prepare(program(printkOps(fmt, size, args))).run({ packet: new Uint8Array(64) });
  if (r.kind !== 'exit') throw new Error(r.message);
  const out = r.output.find((o) => o.kind === 'printk');
  return [BigInt.asIntN(64, r.r0), out?.kind === 'printk' ? out.text : undefined];
}
const bytesOf = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

t('trace_printk: the format ends at the first NUL inside size; -EINVAL without one', () => {
  assert.equal(printk(bytesOf('ab\0cd')), [2n, 'ab']);
  assert.equal(printk(bytesOf('abcd'), [], 4), [-22n, undefined]);
});

t('trace_printk: alphanumerics after a %p extension are swallowed, Latin-1 letters too', () => {
  assert.equal(printk(bytesOf('%d %pI4xyz!'), [5, 'str']), [15n, '5 97.98.99.100!']);
  assert.equal(printk([...bytesOf('%d %pi4'), 0xc3, 0xa9], [5, 'str']), [18n, '5 097.098.099.100\u00a9']);
  assert.equal(printk([...bytesOf('%d %s'), 0xa0], [5, 'str']), [7n, '5 abcd\u00a0']); // 0xa0 counts as a space
  assert.equal(printk([...bytesOf('%d %s'), 0xc3], [5, 'str']), [-22n, undefined]); // a letter may not follow %s
});

t('trace_printk: + and space flags sign only %d / %i; a %c of 0 ends the message', () => {
  assert.equal(printk(bytesOf('%+d|% 5d|%+x'), [7, 7, 7]), [10n, '+7|    7|7']);
  assert.equal(printk(bytesOf('% u|% i'), [7, 7]), [4n, '7| 7']);
  assert.equal(printk(bytesOf('%d%d%d%d'), [1, 2, 3]), [-22n, undefined]); // a 4th conversion
  assert.equal(printk(bytesOf('[%c]'), [0]), [3n, '[']);
});

t('ringbuf_output: a record takes round8(8 + size); the ring takes records while they use at most max_entries - 8 bytes', () => {
  const maps = [mapDef(MAP_TYPE.ringbuf, 0, 0, 4096)];
  const out = (size: number, flags = 0): Op[] => [ldMap(1, 0), mov(2, R(10)), alu('add', 2, K(-64)), mov(3, K(size)), mov(4, K(flags)), call(130), alu('add', 6, R(0))];
  // 56 records of 64 bytes (72 each: 4032), one of 41 (round8(49) = 56: 4088 = 4096 - 8), then 0 bytes (8) does not fit
  const fill = Array.from({ length: 56 }, () => out(64)).flat();
  const ops = [mov(6, K(0)), ...Array.from({ length: 8 }, (_, i) => st(8, 10, -8 * (i + 1), i + 1)), ...fill, ...out(41, 1), ...out(0, 2), ...out(0, 4), mov(0, R(6)), exit];
  const vm = prepare(program(ops, 'xdp', maps));
  for (let run = 0; run < 2; run++) { // every run starts with an empty ring
    const r = vm.run({ packet: new Uint8Array(14) });
    if (r.kind !== 'exit') throw new Error(r.message);
    assert.equal(r.output.map((o) => (o.kind === 'ringbuf' ? o.data.length : -1)), [...new Array(56).fill(64), 41]);
    assert.is(BigInt.asIntN(64, r.r0), -11n - 22n); // -EAGAIN for the full ring, -EINVAL for flags 4
  }
});

t.run();
