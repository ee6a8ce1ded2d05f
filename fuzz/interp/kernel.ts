// Running an interpreter fuzz case in the kernel: load once (full 64-bit r0 wrapper where the
// kernel allows it), test_run each input with the maps reset in between, read the
// bpf_trace_printk messages from tracefs when it is usable, and drain the ringbuf maps after
// every run (so each run starts with empty rings, as the interpreter's do).
import { Full64Runner, type Full64Result } from '../../src/kernel/testrun.ts';
import { RingbufReader } from '../../src/kernel/ringbuf.ts';
import { MAP_TYPE } from '../../src/isa/program.ts';
import { parseVerifierLog } from '../../src/kernel/log.ts';
import type { InterpCase } from './gen.ts';
import { fromKernel, ringRecord, type RunObs } from './observe.ts';
import { encodeProgram, type InterpRecord } from './run.ts';
import { openTraceFs, type TraceFs } from './tracefs.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

let trace: { ok: true; fs: TraceFs } | { ok: false; reason: string } | undefined;

/** Whether printk messages are compared, and if not why (checked once per process). */
export function printkSupport(): { ok: boolean; reason?: string } {
  trace ??= openTraceFs();
  return trace.ok ? { ok: true } : { ok: false, reason: trace.reason };
}

/** Does the program call helper `id` (6: bpf_trace_printk, 130: bpf_ringbuf_output)? */
const callsHelper = (c: InterpCase, id: number): boolean => c.program.insns.some((x) => x.code === 0x85 && x.src === 0 && x.imm === id);

/** Readers of the program's ringbuf maps, by map name; throws (after closing what it opened) if one cannot be mapped. */
function openRings(c: InterpCase, runner: Full64Runner): { name: string; reader: RingbufReader }[] {
  const out: { name: string; reader: RingbufReader }[] = [];
  c.program.maps.forEach((def, i) => {
    if (def.type !== MAP_TYPE.ringbuf) return;
    const r = RingbufReader.open(runner.maps[i].fd, def.maxEntries);
    if (!r.ok) {
      for (const o of out) o.reader.close();
      throw new Error(`mmap of ringbuf map ${def.name} failed: ${r.errno}`);
    }
    out.push({ name: def.name, reader: r.value });
  });
  return out;
}

/**
 * r0 of a program the kernel ran unwrapped (LD_ABS): the generator's epilogue stored it in the
 * `ret` map. That value is r0 when its low half is test_run's retval; otherwise the 32-bit
 * retval stands (and will disagree with the interpreter, as it should). An LD_ABS that ends the
 * program early leaves the map at 0, which is then r0 too.
 */
function r0FromRetMap(r: Full64Result, obs: RunObs): void {
  if (r.r0Bits !== 32 || !r.ok) return;
  const ret = r.maps.find((m) => m.name === 'ret')?.entries[0]?.[1];
  if (!ret || ret.length !== 8) return;
  const v = new DataView(ret.buffer, ret.byteOffset, 8).getBigUint64(0, true);
  if ((v & 0xffffffffn) === BigInt(r.retval >>> 0)) obs.r0 = `0x${v.toString(16)}`;
}

export function kernelRecord(c: InterpCase): InterpRecord {
  const type = c.program.type as InterpRecord['type'];
  const code = encodeProgram(c.program);
  const packets = c.packets.map(hex);
  const open = Full64Runner.open(c.program, { logOnFailure: true });
  if (!open.ok) {
    const why = open.load.error ?? parseVerifierLog(open.load.log).error ?? String(open.load.errno);
    return { type, code, packets, loaded: false, runs: [{ kind: 'error', message: why }] };
  }
  const runner = open.runner;
  const fs = callsHelper(c, 6) && printkSupport().ok && trace?.ok ? trace.fs : undefined;
  let rings: { name: string; reader: RingbufReader }[] = [];
  try {
    rings = callsHelper(c, 130) ? openRings(c, runner) : [];
    const runs = c.packets.map((p) => {
      runner.resetMaps();
      fs?.clear();
      const r = runner.run(type === 'raw_tracepoint' ? { ctx: p } : { data: p });
      const obs = fromKernel(r);
      r0FromRetMap(r, obs);
      if (fs && obs.kind === 'exit') obs.printk = fs.read();
      const records = rings.flatMap(({ name, reader }) => reader.drain().map((d) => ringRecord(name, d)));
      if (rings.length && obs.kind === 'exit') obs.ringbuf = records;
      return obs;
    });
    return { type, code, packets, loaded: true, runs };
  } finally {
    for (const { reader } of rings) reader.close();
    runner.close();
  }
}
