// Which rewrites pay under the JIT: hand-made variants, each a body of N instructions behind
// one packet bounds check, timed against the empty body in interleaved rounds (bench.ts); the
// per-round difference over N is the cost of one instruction of that shape. Beside the
// calibration's dependent chains this shows what a deletion off the critical path saves:
// independent ALU instructions, packet loads, taken and untaken branches, byte loads merged into
// one u16 load, two byte stores against one u16 store, 32-bit moves (zero-extension) against
// 64-bit ones. Usage: tsx scripts/latency-units.ts [ROUNDS] (root; default 30).
import { loadavg } from 'node:os';
import { assemble } from '../src/isa/asm.ts';
import { bareProgram } from '../src/isa/program.ts';
import { benchPrograms } from '../src/kernel/bench.ts';
import { medianInterval } from '../src/kernel/ratio.ts';

const PRE = ['r2 = *(u32 *)(r1 +0)', 'r3 = *(u32 *)(r1 +4)', 'r4 = r2', 'r4 += 64', 'r0 = 1', 'if r4 > r3 goto end', 'r6 = 1', 'r7 = 3', 'r8 = 5', 'r9 = 7', '*(u64 *)(r10 -8) = 0'];
const POST = ['r0 = 2', 'end:', 'exit'];
const N = 128;
const rep = (xs: string[], n: number) => Array.from({ length: n }, (_, i) => xs[i % xs.length]);
const bodies: Record<string, string[]> = {
  baseline: [],
  alu_dependent: rep(['r6 += r7'], N),
  alu_independent: rep(['r6 += 1', 'r7 += 1', 'r8 += 1', 'r9 += 1'], N),
  ldx_packet_u8: rep(['r5 = *(u8 *)(r2 +12)'], N),
  jmp_not_taken: rep(['if r6 == 0x3039 goto +0'], N),
  jmp_taken: rep(['if r6 != 0x3039 goto +0'], N),
  bytes2_split: rep(['r5 = *(u8 *)(r2 +13)', 'r5 <<= 8', 'r4 = *(u8 *)(r2 +12)', 'r5 |= r4'], N), // 32 × (2 loads, shift, or)
  bytes2_merged: rep(['r5 = *(u16 *)(r2 +12)'], N / 4), // the same 32 values, one load each
  stx_u8_pairs: rep(['*(u8 *)(r2 +20) = r6', '*(u8 *)(r2 +21) = r7'], N / 2), // 32 pairs
  stx_u16: rep(['*(u16 *)(r2 +20) = r6'], N / 2), // 64 stores
  mov32_add: rep(['w5 = w6', 'w5 += 1'], N / 2),
  mov64_add: rep(['r5 = r6', 'r5 += 1'], N / 2),
};
const rounds = Number(process.argv[2] ?? 30);
const names = Object.keys(bodies);
const progs = names.map((n) => bareProgram(assemble([...PRE, ...bodies[n], ...POST].join('\n')).insns, 'xdp', n));
const packet = new Uint8Array(128);
const load0 = loadavg()[0];
const r = benchPrograms(progs, [{ presets: [], inputs: [packet] }], { rounds });
if (!r.ok) {
  console.error(`latency-units: ${r.reason}`);
  process.exit(1);
}
const base = r.programs[0].rounds;
console.log('| body | instructions | ns over the empty body (95% interval) | ns per instruction | JIT bytes |');
console.log('|---|---:|---:|---:|---:|');
for (let i = 1; i < names.length; i++) {
  const m = medianInterval(r.programs[i].rounds.map((t, k) => t - base[k]))!;
  const n = bodies[names[i]].length;
  console.log(`| ${names[i]} | ${n} | ${m.median.toFixed(2)} (${m.low.toFixed(2)} … ${m.high.toFixed(2)}) | ${(m.median / n).toFixed(4)} | ${r.programs[i].jitedLen} |`);
}
console.log(`\nempty body ${r.programs[0].medianNs.toFixed(2)} ns/run; ${rounds} rounds; load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`);
