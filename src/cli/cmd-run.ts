// `bpfsynth run` (our interpreter), `bpfsynth kernel run` (BPF_PROG_TEST_RUN, all 64 bits of
// r0) and `bpfsynth conformance-plugin` (the bpf_conformance plugin protocol).
import type { Command, Parsed } from './args.ts';
import { flag, intOpt, str } from './args.ts';
import { InputError, UsageError } from './errors.ts';
import { loadSource, progTypeArg } from './source.ts';
import { parseHex, readInput } from './io.ts';
import { DEFAULT_TRACE_LIMIT, formatStep, prepare, type TraceStep } from '../interp/index.ts';
import { decodeBytes } from '../isa/insn.ts';
import { bareProgram, type Program } from '../isa/program.ts';

const RUN_OPTIONS = {
  section: { type: 'string' }, packet: { type: 'string' }, 'packet-file': { type: 'string' }, ctx: { type: 'string' },
  map: { type: 'string', multiple: true }, json: { type: 'boolean' }, type: { type: 'string' }, raw: { type: 'boolean' },
  btf: { type: 'string' },
} as const;

const RUN_HELP = `  FILE             a BPF object (.o), assembly (.s) or hex bytecode ('-' for stdin)
  --section S      program or section to run (objects with several)
  --type T         program type: for bare bytecode (default xdp), or instead of the
                   section's (applied before linking)
  --btf FILE       target BTF for CO-RE relocations (default: /sys/kernel/btf/vmlinux)
  --packet HEX     packet bytes (default: 64 zero bytes for packet program types)
  --packet-file F  packet bytes from a file
  --ctx HEX        context bytes (tracing program types)
  --map NAME=KEYHEX:VALHEX   preset a map entry (repeatable)
  --json           machine-readable result`;

const TRACE_HELP = `  --trace          print each executed instruction (kernel syntax, slot index) and the
                   registers it changed; with --json, a "trace" array of steps
  --trace-limit N  record at most N steps (default ${DEFAULT_TRACE_LIMIT}); the run itself continues`;

interface Inputs {
  program: Program;
  packet?: Uint8Array;
  ctx?: Uint8Array;
  presets: { map: number; key: Uint8Array; value: Uint8Array }[];
}

function inputs(args: Parsed): Inputs {
  const { program } = loadSource(args.positionals[0], { kind: flag(args, 'raw') ? 'raw' : 'auto', section: str(args, 'section'), type: progTypeArg(str(args, 'type')), btf: str(args, 'btf') });
  const p = str(args, 'packet'), pf = str(args, 'packet-file');
  if (p && pf) throw new UsageError('--packet and --packet-file exclude each other');
  let packet = p !== undefined ? parseHex(p, '--packet') : pf ? readInput(pf) : undefined;
  const packetTypes = ['xdp', 'sched_cls', 'sched_act', 'socket_filter', 'cgroup_skb', 'lwt_in', 'sk_skb'];
  if (!packet && packetTypes.includes(program.type)) packet = new Uint8Array(64);
  const ctx = str(args, 'ctx') !== undefined ? parseHex(str(args, 'ctx')!, '--ctx') : undefined;
  const presets = ((args.values.map as string[] | undefined) ?? []).map((spec) => {
    const m = /^([^=]+)=([0-9a-fA-F\s]*):([0-9a-fA-F\s]*)$/.exec(spec);
    if (!m) throw new UsageError(`--map takes NAME=KEYHEX:VALHEX, not '${spec}'`);
    const idx = program.maps.findIndex((x) => x.name === m[1]);
    if (idx < 0) throw new InputError(`--map: no map named '${m[1]}' (have: ${program.maps.map((x) => x.name).join(', ') || 'none'})`);
    const key = parseHex(m[2], `--map ${m[1]} key`), value = parseHex(m[3], `--map ${m[1]} value`);
    const def = program.maps[idx];
    if (key.length !== def.keySize || value.length !== def.valueSize) throw new InputError(`--map ${m[1]}: key must be ${def.keySize} bytes and value ${def.valueSize} bytes`);
    return { map: idx, key, value };
  });
  return { program, packet, ctx, presets };
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** A recorded trace: the steps, and whether the run went on past them. */
interface TraceOut {
  steps: readonly TraceStep[];
  truncated: boolean;
  limit: number;
}

const traceJson = (t: TraceOut) => ({
  trace: t.steps.map((s) => ({ pc: s.pc, ...(s.prog ? { prog: s.prog } : {}), insn: s.text, regs: Object.fromEntries(s.changed.map((c) => [`r${c.reg}`, c.value])) })),
  ...(t.truncated ? { traceTruncated: true } : {}),
});

function printTrace(t: TraceOut, insns: number | undefined): void {
  for (const s of t.steps) console.log(formatStep(s));
  if (t.truncated) console.log(`... trace truncated after ${t.steps.length} steps${insns !== undefined ? ` of ${insns}` : ''} (--trace-limit ${t.limit})`);
}

function report(args: Parsed, where: string, r: { r0?: bigint; packet?: Uint8Array; maps: { name: string; entries: [Uint8Array, Uint8Array][] }[]; insns?: number; fault?: string; extra?: Record<string, unknown>; trace?: TraceOut }): number {
  const maps = r.maps.map((m) => ({ name: m.name, entries: m.entries.filter(([, v]) => v.some((b) => b)).map(([k, v]) => ({ key: hex(k), value: hex(v) })) }));
  if (flag(args, 'json')) {
    console.log(JSON.stringify({ where, ...(r.fault ? { fault: r.fault } : { r0: `0x${r.r0!.toString(16)}` }), insns: r.insns, packet: r.packet ? hex(r.packet) : undefined, maps, ...r.extra, ...(r.trace ? traceJson(r.trace) : {}) }));
    return r.fault ? 1 : 0;
  }
  if (r.trace) printTrace(r.trace, r.insns);
  if (r.fault) {
    console.error(`bpfsynth: ${where}: ${r.fault}`);
    return 1;
  }
  console.log(`r0 = 0x${r.r0!.toString(16)} (${BigInt.asIntN(64, r.r0!)})${r.insns !== undefined ? `   [${r.insns} insns]` : ''}`);
  for (const [k, v] of Object.entries(r.extra ?? {})) console.log(`${k}: ${v}`);
  if (r.packet) console.log(`packet: ${hex(r.packet)}`);
  for (const m of maps) if (m.entries.length) console.log(`map ${m.name}: ${m.entries.map((e) => `${e.key}=${e.value}`).join(' ')}`);
  return 0;
}

export const runCmd: Command = {
  name: 'run',
  summary: 'run a program in the interpreter',
  usage: `usage: bpfsynth run FILE [options]

Runs one program in bpfsynth's interpreter, with the kernel's run-time semantics, and prints
r0 (all 64 bits), the packet afterwards and the maps that are not all zero. --trace runs
the same program one instruction at a time (same results, slower) and prints each step as
\`  12: r2 = *(u32 *)(r1 +4)   ; r2=0x3c\` before the report; pointers print by region
(\`fp-8\`, \`ctx\`, \`pkt+14\`, \`map_value(NAME)+4\`).

${RUN_HELP}
${TRACE_HELP}`,
  options: { ...RUN_OPTIONS, trace: { type: 'boolean' }, 'trace-limit': { type: 'string' } },
  positionals: [1, 1],
  run(args) {
    const inp = inputs(args);
    const traceLimit = intOpt(args, 'trace-limit', DEFAULT_TRACE_LIMIT);
    if (str(args, 'trace-limit') !== undefined && !flag(args, 'trace')) throw new UsageError('--trace-limit needs --trace');
    const vm = prepare(inp.program);
    for (const p of inp.presets) vm.maps[p.map].set(p.key, p.value);
    const input = { packet: inp.packet, ctx: inp.ctx, keepMaps: true };
    let r, trace: TraceOut | undefined;
    if (flag(args, 'trace')) {
      const t = vm.trace(input, { limit: traceLimit });
      r = t.result;
      trace = { steps: t.steps, truncated: t.truncated, limit: traceLimit };
    } else r = vm.run(input);
    if (r.kind === 'fault') return report(args, args.positionals[0], { maps: [], insns: trace ? r.insnCount : undefined, fault: `insn ${r.pc}: ${r.reason}: ${r.message}`, trace });
    const maps = inp.program.maps.map((m, i) => ({ name: m.name, entries: r.maps[i].entries() }));
    const output = r.output.map((o) => JSON.stringify(o));
    return report(args, args.positionals[0], { r0: r.r0, packet: inp.packet ? r.packet : undefined, maps, insns: r.insnCount, extra: output.length ? { output: output.join(' ') } : undefined, trace });
  },
};

export const kernelRunCmd: Command = {
  name: 'kernel run',
  summary: 'run a program once in the real kernel (BPF_PROG_TEST_RUN, all 64 bits of r0)',
  usage: `usage: bpfsynth kernel run FILE [options]

Loads the program into the running kernel (root) and runs it once with BPF_PROG_TEST_RUN,
wrapped so that all 64 bits of r0 come back; prints the same report as 'bpfsynth run', plus
the kernel's own duration. Nothing is attached; every fd is closed.

${RUN_HELP}`,
  options: RUN_OPTIONS,
  positionals: [1, 1],
  async run(sub) {
    const inp = inputs(sub);
    const { kernelAvailable } = await import('../kernel/syscall.ts');
    const k = kernelAvailable();
    if (!k.ok) throw new InputError(`the kernel is not available: ${k.reason}`);
    const { Full64Runner } = await import('../kernel/testrun.ts');
    const open = Full64Runner.open(inp.program, { logOnFailure: true });
    if (!open.ok) {
      const { parseVerifierLog } = await import('../kernel/log.ts');
      const why = open.load.error ?? parseVerifierLog(open.load.log).error ?? open.load.errno;
      throw new InputError(`${sub.positionals[0]}: the kernel rejected the program: ${String(why).split('\n').pop()}`);
    }
    try {
      for (const p of inp.presets) open.runner.maps[p.map].update(p.key, p.value);
      const r = open.runner.run({ data: inp.packet, ctx: inp.ctx });
      if (!r.ok) throw new InputError(`${sub.positionals[0]}: test_run failed: ${r.errno}`);
      const maps = r.maps.map((m) => ({ name: m.name, entries: m.entries.map(([a, b]) => [a, b] as [Uint8Array, Uint8Array]) }));
      return report(sub, sub.positionals[0], { r0: r.r0, packet: inp.packet ? r.dataOut : undefined, maps, extra: { 'kernel duration': `${r.duration} ns`, ...(r.r0Bits === 32 ? { note: 'r0 is 32 bits (LD_ABS programs cannot be wrapped)' } : {}) } });
    } finally {
      open.runner.close();
    }
  },
};

export const conformanceCmd: Command = {
  name: 'conformance-plugin',
  summary: 'bpf_conformance plugin: program hex on stdin, r0 on stdout',
  usage: `usage: bpfsynth conformance-plugin [MEMHEX]

The bpf_conformance plugin protocol (used by ubpf, rbpf, PREVAIL): reads the program as hex
on stdin (bytes separated by whitespace or contiguous); MEMHEX, when given, is copied to
memory and the program starts with r1 = its address, r2 = its length, r10 = the stack top.
Prints r0 (64 bits) as hex and exits 0; on failure prints the error on stderr and exits 1.`,
  options: {},
  positionals: [0, 1],
  run(args) {
    const code = decodeBytes(parseHex(new TextDecoder().decode(readInput('-')), 'stdin'));
    const mem = args.positionals[0] !== undefined ? parseHex(args.positionals[0], 'memory') : new Uint8Array(0);
    const vm = prepare(bareProgram(code, 'xdp'));
    const r = vm.run({ mem });
    if (r.kind === 'fault') throw new InputError(`insn ${r.pc}: ${r.reason}: ${r.message}`);
    console.log(r.r0.toString(16));
    return 0;
  },
};
