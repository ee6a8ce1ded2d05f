// Kernel runs of every corpus object with test_run support, on packets that reach their
// branches (Ethernet/IPv4/IPv6 with UDP/TCP to various ports, short and malformed frames),
// recorded so that npm test compares the interpreter with them anywhere.
//
// Record (root, bpf()): `npx tsx fuzz/corpus-runs.ts [object.o…]` runs the named objects (default:
// those not yet in the recording) and adds their runs to corpus/traces/corpus-runs.jsonl.gz.
import { readFileSync, readdirSync } from 'node:fs';
import { Full64Runner } from '../src/kernel/testrun.ts';
import { fromKernel } from './interp/observe.ts';
import { Recorder, readRecordingFile } from './record.ts';
import { readObject } from '../src/isa/object.ts';
import type { Program } from '../src/isa/program.ts';
import { prepare } from '../src/interp/index.ts';
import { compareRun, fromInterp, type RunObs } from './interp/observe.ts';
import { corpusPackets } from '../src/search/packets.ts';

export { corpusPackets };

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

/** Kernel runs of one corpus program on every corpus packet (maps reset before each run). */
export function kernelCorpusRuns(object: string, program: Program): CorpusRunRecord[] {
  const open = Full64Runner.open(program, { logOnFailure: true });
  if (!open.ok) throw new Error(`${object}: the kernel rejects it (${open.load.error ?? open.load.errno})`);
  try {
    return corpusPackets().map((p) => {
      open.runner.resetMaps();
      return { object, packet: hex(p), kernel: fromKernel(open.runner.run({ data: p })) };
    });
  } finally {
    open.runner.close();
  }
}

const RECORDING = 'corpus/traces/corpus-runs.jsonl.gz';

if (import.meta.url === `file://${process.argv[1]}`) {
  const old = readRecordingFile<CorpusRunRecord>(RECORDING);
  const have = new Set(old.records.map((r) => r.object));
  const want = process.argv.slice(2);
  const todo = corpusPrograms().filter((x) => (want.length ? want.includes(x.object) : !have.has(x.object)));
  const rec = new Recorder<CorpusRunRecord>(RECORDING, old.meta);
  for (const r of old.records) if (!todo.some((x) => x.object === r.object)) rec.add(r);
  for (const { object, program } of todo) for (const r of kernelCorpusRuns(object, program)) rec.add(r);
  rec.save();
  console.log(`${todo.map((x) => x.object).join(', ') || 'nothing new'}: ${rec.count} runs recorded in ${RECORDING}`);
}
