// Interpreter throughput: instructions/s on a tight ALU loop, runs/s on an XDP parser, and the
// same ALU loop on a BigInt64Array-register variant of the loop (the representation we did
// not choose) for comparison.
import { fromOp, type Op } from '../src/isa/op.ts';
import { bareProgram, type Program } from '../src/isa/program.ts';
import { decodePrograms, CONST_BASE } from '../src/interp/decode.ts';
import { prepare } from '../src/interp/index.ts';

type BenchRow = { name: string; value: number; unit: string; note?: string };

const prog = (ops: Op[], type: Program['type'] = 'xdp'): Program => bareProgram(ops.flatMap(fromOp), type);
const imm = (v: number) => ({ imm: v });
const reg = (r: number) => ({ reg: r });
const alu = (op: Extract<Op, { kind: 'alu' }>['op'], dst: number, src: { reg: number } | { imm: number }, width: 32 | 64 = 64): Op =>
  ({ kind: 'alu', op, width, dst, src });
const jc = (op: Extract<Op, { kind: 'jcond' }>['op'], dst: number, src: { reg: number } | { imm: number }, off: number, width: 32 | 64 = 64): Op =>
  ({ kind: 'jcond', op, width, dst, src, off });
const ldx = (size: 1 | 2 | 4 | 8, dst: number, src: number, off: number): Op => ({ kind: 'ldx', size, signed: false, dst, src, off });
const exit: Op = { kind: 'exit' };

/** r0 += r1; r0 ^= 0x5a; r0 <<= 1; r0 >>= 1; r1 -= 1; if r1 != 0 goto loop — with r1 = n. */
export function loopProgram(n: number): Program {
  return prog([
    alu('mov', 1, imm(n)), alu('mov', 0, imm(0)),
    alu('add', 0, reg(1)), alu('xor', 0, imm(0x5a)), alu('lsh', 0, imm(1)), alu('rsh', 0, imm(1)),
    alu('sub', 1, imm(1)), jc('jne', 1, imm(0), -6),
    exit,
  ]);
}

/** eth → ipv4 → udp with bounds checks; DROP udp to port 53 or 5353 (60 slots). */
export function xdpParser(): Program {
  const PASS = 2, DROP = 1;
  const body: Op[] = [
    ldx(4, 2, 1, 4), // r2 = data_end
    ldx(4, 1, 1, 0), // r1 = data
    alu('mov', 0, imm(PASS)),
    alu('mov', 3, reg(1)), alu('add', 3, imm(14)),
    jc('jgt', 3, reg(2), 'L_exit' as unknown as number),
    ldx(2, 4, 1, 12), jc('jne', 4, imm(0x0008), 'L_exit' as unknown as number), // ETH_P_IP (be)
    alu('mov', 3, reg(1)), alu('add', 3, imm(34)),
    jc('jgt', 3, reg(2), 'L_exit' as unknown as number),
    ldx(1, 4, 1, 14), alu('mov', 5, reg(4)), alu('rsh', 5, imm(4)),
    jc('jne', 5, imm(4), 'L_exit' as unknown as number), // version 4
    alu('and', 4, imm(0xf)), jc('jlt', 4, imm(5), 'L_exit' as unknown as number), // ihl >= 5
    ldx(2, 5, 1, 20), { kind: 'end', order: 'be', bits: 16, dst: 5 },
    alu('and', 5, imm(0x3fff)), jc('jne', 5, imm(0), 'L_exit' as unknown as number), // no fragments
    ldx(1, 5, 1, 22), jc('jeq', 5, imm(0), 'L_drop' as unknown as number), // ttl 0
    ldx(1, 5, 1, 23), jc('jne', 5, imm(17), 'L_exit' as unknown as number), // UDP
    ldx(2, 5, 1, 16), { kind: 'end', order: 'be', bits: 16, dst: 5 }, // total length
    alu('lsh', 4, imm(2)), jc('jlt', 5, reg(4), 'L_exit' as unknown as number),
    alu('mov', 3, reg(1)), alu('add', 3, imm(14)), alu('add', 3, reg(4)), // r3 = udp header
    alu('mov', 6, reg(3)), alu('add', 6, imm(8)),
    jc('jgt', 6, reg(2), 'L_exit' as unknown as number),
    ldx(2, 6, 3, 4), { kind: 'end', order: 'be', bits: 16, dst: 6 },
    jc('jlt', 6, imm(8), 'L_drop' as unknown as number), // bad udp length
    ldx(2, 7, 3, 0), { kind: 'end', order: 'be', bits: 16, dst: 7 }, // sport
    jc('jeq', 7, imm(0), 'L_drop' as unknown as number),
    ldx(2, 8, 3, 2), { kind: 'end', order: 'be', bits: 16, dst: 8 }, // dport
    jc('jeq', 8, imm(53), 'L_drop' as unknown as number),
    jc('jeq', 8, imm(5353), 'L_drop' as unknown as number),
    alu('mov', 9, reg(8)), alu('and', 9, imm(0xff00)),
    jc('jeq', 9, imm(0xff00), 'L_drop' as unknown as number), // high ports 65280+
    alu('mov', 9, reg(7)), alu('xor', 9, reg(8)),
    jc('jeq', 9, imm(0), 'L_drop' as unknown as number), // sport == dport
    ldx(4, 9, 1, 26), ldx(4, 6, 1, 30), jc('jeq', 9, reg(6), 'L_drop' as unknown as number), // saddr == daddr
    { kind: 'ja', off: 'L_exit' as unknown as number, long: false },
  ];
  // Resolve labels: 'L_drop' → the drop block, 'L_exit' → exit.
  const dropAt = body.length, exitAt = body.length + 1;
  const resolved = body.map((op, i) => {
    if ((op.kind === 'jcond' || op.kind === 'ja') && typeof op.off === 'string') {
      const t = (op.off as unknown as string) === 'L_drop' ? dropAt : exitAt;
      return { ...op, off: t - i - 1 } as Op;
    }
    return op;
  });
  return prog([...resolved, alu('mov', 0, imm(DROP)), exit]);
}

/** A UDP/IPv4 packet to `dport`. */
export function udpPacket(dport: number): Uint8Array {
  const p = new Uint8Array(64);
  p.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00], 0);
  p.set([0x45, 0, 0, 50, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  p.set([0x30, 0x39, dport >> 8, dport & 0xff, 0, 30, 0, 0], 34);
  return p;
}

/** The loop on BigInt64Array registers: same decoded form and literal case labels, only the loop's opcodes. */
function runBigIntLoop(p: Program): { r0: bigint; n: number } {
  const dec = decodePrograms([p], 0);
  const R = new BigInt64Array(CONST_BASE + dec.constLo.length);
  for (let k = 0; k < dec.constLo.length; k++) R[CONST_BASE + k] = (BigInt(dec.constHi[k]) << 32n) | BigInt(dec.constLo[k] >>> 0);
  const D = dec.code;
  let pc = 0, n = 0;
  for (;;) {
    const i = pc << 2, w = D[i], d = w >>> 8, s = D[i + 1];
    n++;
    pc++;
    switch (w & 0xff) {
      case 14 /* MOV64 */: R[d] = R[s]; break;
      case 1 /* ADD64 */: R[d] = R[d] + R[s]; break; // BigInt64Array stores wrap to 64 bits
      case 2 /* SUB64 */: R[d] = R[d] - R[s]; break;
      case 13 /* XOR64 */: R[d] = R[d] ^ R[s]; break;
      case 8 /* LSH64 */: R[d] = R[d] << (R[s] & 63n); break;
      case 9 /* RSH64 */: R[d] = BigInt.asIntN(64, BigInt.asUintN(64, R[d]) >> (R[s] & 63n)); break;
      case 55 /* JNE */: if (R[d] !== R[s]) pc = D[i + 2]; break;
      case 92 /* EXIT */: return { r0: BigInt.asUintN(64, R[0]), n };
      default: throw new Error('op not in the BigInt loop variant');
    }
  }
}

/** r0 = 0; exit: what a run costs besides its instructions (ubpf: 24 ns here, BENCHMARKS.md "Interpreter side by side with ubpf"). */
export const trivialProgram = (): Program => prog([alu('mov', 0, imm(0)), exit]);

/**
 * Per-run CPU time in ns of `f` (n runs), the best of `reps` batches: process CPU time, not wall
 * time, so that other processes on a shared machine inflate it less (caches still suffer).
 */
function nsPerRun(f: (n: number) => void, n: number, reps = 7): number {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = process.cpuUsage();
    f(n);
    const c = process.cpuUsage(t0);
    best = Math.min(best, ((c.user + c.system) * 1000) / n);
  }
  return best;
}

const time = (f: () => void): number => {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e9;
};

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const N = 10_000_000;
  const vm = prepare(loopProgram(N), { stepLimit: 1e9 });
  const warm = prepare(loopProgram(N / 10), { stepLimit: 1e9 });
  for (let k = 0; k < 3; k++) warm.run({ packet: new Uint8Array(14) }); // warm up (past OSR)
  let insns = 0;
  const t1 = time(() => { const r = vm.run({ packet: new Uint8Array(14) }); insns = r.insnCount; });
  rows.push({ name: 'interp ALU loop (hi/lo int32 registers)', value: insns / t1 / 1e6, unit: 'M insns/s', note: `${insns} insns in ${t1.toFixed(3)} s` });

  for (let k = 0; k < 3; k++) runBigIntLoop(loopProgram(N / 10)); // warm up
  let nb = 0;
  const t2 = time(() => { nb = runBigIntLoop(loopProgram(N / 10)).n; });
  rows.push({ name: 'interp ALU loop (BigInt64Array registers, comparison)', value: nb / t2 / 1e6, unit: 'M insns/s', note: `${nb} insns in ${t2.toFixed(3)} s` });

  const parser = prepare(xdpParser());
  const pkts = [udpPacket(53), udpPacket(80), udpPacket(5353), udpPacket(65300)];
  for (let k = 0; k < 20000; k++) parser.run({ packet: pkts[k & 3] });
  const R = 1_000_000;
  let total = 0;
  const t3 = time(() => {
    for (let k = 0; k < R; k++) total += parser.run({ packet: pkts[k & 3] }).insnCount;
  });
  rows.push({ name: `interp XDP parser runs (${xdpParser().insns.length} slots)`, value: R / t3 / 1e6, unit: 'M runs/s', note: `${(total / R).toFixed(1)} insns/run avg` });

  // fixed cost per run, and the parser through the hot path (exec: no result object)
  const inputs = pkts.map((packet) => ({ packet }));
  const triv = prepare(trivialProgram());
  const K = 200_000;
  const runNs = nsPerRun((n) => { for (let k = 0; k < n; k++) triv.run(inputs[k & 3]); }, K);
  const execNs = nsPerRun((n) => { for (let k = 0; k < n; k++) triv.exec(inputs[k & 3]); }, K);
  const parserNs = nsPerRun((n) => { for (let k = 0; k < n; k++) parser.exec(inputs[k & 3]); }, K);
  rows.push({ name: 'interp fixed cost, run() of r0 = 0; exit', value: runNs, unit: 'ns/run', note: 'CPU time, best of 7 x 200k; result object, packet copied out' });
  rows.push({ name: 'interp fixed cost, exec() of r0 = 0; exit', value: execNs, unit: 'ns/run', note: 'CPU time, best of 7 x 200k; no result object, no copy out' });
  rows.push({ name: `interp XDP parser exec() (${xdpParser().insns.length} slots)`, value: 1000 / parserNs, unit: 'M runs/s', note: `CPU time, ${parserNs.toFixed(0)} ns/run` });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await bench()) console.log(`${r.name}: ${r.value.toFixed(2)} ${r.unit}${r.note ? ` (${r.note})` : ''}`);
}
