// Record the kernel's `Live regs before insn:` table (log_level 2) for hand-written programs that
// exercise each use/def rule and for every corpus program: corpus/live-regs.json, which
// test/verifier/liveness.test.ts replays against the model's liveness without root.
// Run as root: node --import tsx scripts/record-live-regs.ts
import { readFileSync, readdirSync } from 'node:fs';
import { assemble } from '../src/isa/asm.ts';
import { readObject } from '../src/isa/object.ts';
import { bareProgram, type Program, type ProgType } from '../src/isa/program.ts';
import { encodeBytes } from '../src/isa/insn.ts';
import { loadProgram } from '../src/kernel/load.ts';
import { parseVerifierLog } from '../src/kernel/log.ts';
import { writeAtomic } from '../src/cli/io.ts';

/** Hand-written cases: [name, program type, source (`;` separates lines)]. */
const LIVE_CASES: [string, ProgType, string][] = [
  ['ldabs keeps r0-r9 live', 'socket_filter', 'r6 = r1;r7 = 1;r8 = 2;r0 = *(u8 *)skb[12];r0 = r7;r0 += r8;exit'],
  ['ldind keeps r0-r9 live', 'socket_filter', 'r6 = r1;r1 = 1;r2 = 2;r3 = 3;r0 = *(u16 *)skb[r2 + 12];r0 = r3;exit'],
  ['helper without arguments', 'xdp', 'r1 = 1;r2 = 2;r3 = 3;r4 = 4;r5 = 5;call bpf_ktime_get_ns;r0 = 0;exit'],
  ['helper with two arguments', 'xdp', 'r1 = 1;r2 = 2;r3 = 3;r4 = 4;r5 = 5;r6 = 0;call bpf_redirect;r0 = 0;exit'],
  ['local call reads r1-r5', 'xdp', 'r1 = 1;r2 = 2;r3 = 3;r4 = 4;r5 = 5;r6 = 0;call f;r0 = 0;exit;f:;r0 = 0;exit'],
  ['atomic fetch defines its source', 'xdp', '*(u64 *)(r10 - 8) = 0;r3 = r10;r2 = 2;r2 = atomic_fetch_add((u64 *)(r3 - 8), r2);r0 = r2;exit'],
  ['branches join', 'xdp', 'r2 = 1;r3 = 2;if r1 == 0 goto l;r0 = r2;exit;l:;r0 = r3;exit'],
];

interface LiveRecord {
  readonly name: string;
  readonly type: ProgType;
  /** Hand-written source, or the corpus object and program. */
  readonly source?: string;
  readonly object?: string;
  readonly program?: string;
  /** Per instruction index: the kernel's column string, e.g. `01.3......`. */
  readonly live: Record<number, string>;
}

function record(name: string, p: Program, extra: Partial<LiveRecord>): LiveRecord {
  const r = loadProgram(p, { logLevel: 2, info: false });
  r.close();
  const log = parseVerifierLog(r.log);
  if (!log.live.length) throw new Error(`${name}: no live table in the log (${r.log.slice(0, 200)})`);
  const live: Record<number, string> = {};
  for (const row of log.live) live[row.idx] = [...Array(10).keys()].map((i) => (row.live.includes(i) ? String(i) : '.')).join('');
  return { name, type: p.type, ...extra, live };
}

const out: LiveRecord[] = [];
for (const [name, type, src] of LIVE_CASES) out.push(record(name, bareProgram(assemble(src.replace(/;/g, '\n')).insns, type), { source: src }));
for (const f of readdirSync('corpus').filter((x) => x.endsWith('.o')).sort()) {
  const obj = readObject(new Uint8Array(readFileSync(`corpus/${f}`)));
  const p = obj.link();
  out.push(record(f, p, { object: f, program: p.name }));
}
writeAtomic('corpus/live-regs.json', `${JSON.stringify(out, null, 1)}\n`);
console.error(`corpus/live-regs.json: ${out.length} programs`);
