// Public API of the interpreter: prepare once, run many times.
//
//   const vm = prepare(program);            // pre-decode, lay out memory, create maps
//   vm.maps[0].set(key, value);             // optional presets...
//   vm.saveBaseline();                      // ...that every run starts from
//   const r = vm.run({ packet });           // { kind: 'exit', r0, ... } | { kind: 'fault', ... }
//
//   const t = vm.trace({ packet });         // the same run, one instruction at a time: t.result, t.steps
//
//   if (vm.exec({ packet, borrow: true }))  // the hot path: no result object, no BigInt, no copy;
//     use(vm.r0lo, vm.r0hi, vm.packetView());   // read the outcome before the next run
//
// An XDP packet may be copied into the machine late (on the first write, or the first access
// other than a byte or half-word load) or not at all (its bytes are then read in the array
// passed in, which is never written): until the outcome has been read, do not change it.
//
// Program faults never throw; only unusable inputs (a packet larger than the buffer) do.
// The step limit defaults to 1,000,000 instructions (the verifier's complexity limit); it is
// checked on taken jumps and calls, so a run may overshoot it by at most the program length.
import type { Program } from '../isa/program.ts';
import type { Op } from '../isa/op.ts';
import { FAULT_NAMES, type FaultReason } from './layout.ts';
import { Machine, type OutputRecord, type PrepareOptions, type RunInput } from './machine.ts';
import type { BpfMap } from './maps.ts';
import { execute } from './vm.ts';
import { compile, type CompiledRun } from './compile.ts';
import { traceExecute, type Trace, type TraceOptions } from './trace.ts';

export type { RunInput, PrepareOptions, OutputRecord } from './machine.ts';
export type { FaultReason } from './layout.ts';
export { BpfMap } from './maps.ts';
export { DEFAULT_TRACE_LIMIT, formatStep, type TraceOptions, type TraceStep } from './trace.ts';

export interface ExitResult {
  readonly kind: 'exit';
  /** r0 as an unsigned 64-bit value. */
  readonly r0: bigint;
  /** r0's halves, for callers that want to avoid BigInt. */
  readonly r0lo: number;
  readonly r0hi: number;
  readonly insnCount: number;
  /** The packet afterwards (xdp: data_meta..data_end; skb: the frame; mem mode: the memory). */
  readonly packet: Uint8Array;
  /** The VM's live maps (valid until the next run). */
  readonly maps: readonly BpfMap[];
  /** printk lines, ringbuf and perf records, in order. */
  readonly output: readonly OutputRecord[];
}

export interface FaultResult {
  readonly kind: 'fault';
  readonly reason: FaultReason;
  /** Slot of the faulting instruction inside its program. */
  readonly pc: number;
  /** Which program: 0 = the entry, i = tailTargets[i-1]. */
  readonly prog: number;
  readonly message: string;
  readonly insnCount: number;
}

export type RunResult = ExitResult | FaultResult;

/** A traced run: the same result as run(), and the steps. */
export interface TracedRun extends Trace {
  readonly result: RunResult;
}

export interface Vm {
  readonly program: Program;
  readonly maps: readonly BpfMap[];
  /** The machine (registers, arena) for tools that need to look inside. */
  readonly machine: Machine;
  /** Which tier run() and exec() use for the present code (see PrepareOptions.tier). */
  readonly tier: 'interpreter' | 'compiled';
  run(input?: RunInput): RunResult;
  /**
   * Run as run() does without building a result: true when the program exited, false on a
   * fault. The outcome stays in the machine until the next run: r0lo/r0hi, packetView(), and
   * lastResult() for the whole RunResult (an XDP packet the run did not touch is read from the
   * input then: leave it unchanged until the outcome has been read).
   */
  exec(input?: RunInput): boolean;
  /** r0's halves after the last exec/run that exited. */
  readonly r0lo: number;
  readonly r0hi: number;
  /** The packet after the last run, as a view into the machine (valid until the next run). */
  packetView(): Uint8Array;
  /** The last run's result, as run() returns it. */
  lastResult(): RunResult;
  /** Make the maps' current contents the state each run starts from. */
  saveBaseline(): void;
  /** The baseline of every map, to reinstall with `useBaselines` (cheaper than rebuilding it). */
  baselines(): unknown[];
  useBaselines(b: readonly unknown[]): void;
  /** Put all maps back to their initial contents (and forget any baseline). */
  resetMaps(): void;
  /** Run other instructions on the same machine and maps (re-decodes the program). */
  reload(insns: Program['insns']): void;
  /**
   * Run as run() does, one instruction at a time, recording each executed instruction and the
   * registers it changed (a slow path: ~100x slower; past opts.limit steps it runs at full speed).
   */
  trace(input?: RunInput, opts?: TraceOptions): TracedRun;
  /** Replace slot pc with a straight-line instruction or a no-op (null) in place; false if unsupported. */
  patch(pc: number, op: Op | null): boolean;
}

/** The result of a finished execute() on m, from the machine's state. */
function outcome(m: Machine, f: number, input: RunInput): RunResult {
  if (f !== 0) {
    const g = m.faultPc;
    return {
      kind: 'fault',
      reason: FAULT_NAMES[f] ?? 'invalid-insn',
      pc: m.dec.localPc[g] ?? g,
      prog: m.dec.progOf[g] ?? 0,
      message: m.faultMsg || FAULT_NAMES[f] || 'fault',
      insnCount: m.insnCount,
    };
  }
  const lo = m.RL[0], hi = m.RH[0];
  return {
    kind: 'exit',
    // one BigInt, not four, for the common r0 < 2^32 (actions, verdicts, lengths)
    r0: hi === 0 ? BigInt(lo >>> 0) : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0),
    r0lo: lo,
    r0hi: hi,
    insnCount: m.insnCount,
    packet: m.packetOut(input.mem !== undefined, input.borrow),
    maps: m.maps,
    output: m.output.length === 0 ? NO_OUTPUT : m.output.slice(),
  };
}

const NO_OUTPUT: readonly OutputRecord[] = Object.freeze([]);

const NO_INPUT: RunInput = Object.freeze({});

export function prepare(program: Program, opts: PrepareOptions = {}): Vm {
  const m = new Machine(program, opts);
  let tailTargets = opts.tailTargets;
  let entry = m.dec.entries[0];
  // the last run: its fault code and input (exec's outcome is read from the machine later)
  let fault = 0, last = NO_INPUT;
  // the compiled tier for the present code, when asked for and it covers the program
  const wantCompiled = opts.tier === 'compiled';
  let compiled: CompiledRun | undefined = wantCompiled ? compile(m) : undefined;
  return {
    get program() {
      return m.prog;
    },
    get tier() {
      return compiled !== undefined ? 'compiled' : 'interpreter';
    },
    patch(pc, op) {
      const ok = m.patch(pc, op);
      if (ok && wantCompiled) compiled = compile(m);
      return ok;
    },
    reload(insns) {
      m.reload({ ...m.prog, insns });
      tailTargets = undefined;
      entry = m.dec.entries[0];
      if (wantCompiled) compiled = compile(m);
    },
    maps: m.maps,
    machine: m,
    run(input: RunInput = {}): RunResult {
      m.setup(input);
      fault = compiled !== undefined ? compiled(m) : execute(m, entry, 0, 0);
      last = input;
      return outcome(m, fault, input);
    },
    exec(input: RunInput = NO_INPUT): boolean {
      m.setup(input);
      fault = compiled !== undefined ? compiled(m) : execute(m, entry, 0, 0);
      last = input;
      return fault === 0;
    },
    get r0lo() {
      return m.RL[0];
    },
    get r0hi() {
      return m.RH[0];
    },
    packetView: () => m.packetOut(last.mem !== undefined, true),
    lastResult: () => outcome(m, fault, last),
    trace(input: RunInput = {}, opts: TraceOptions = {}) {
      m.setup(input);
      const t = traceExecute(m, entry, [m.prog, ...(tailTargets ?? [])], opts);
      fault = t.fault;
      last = input;
      return { result: outcome(m, fault, input), ...t.trace };
    },
    saveBaseline(): void {
      for (const map of m.maps) map.saveBaseline();
    },
    baselines(): unknown[] {
      return m.maps.map((map) => map.baselineState);
    },
    useBaselines(b: readonly unknown[]): void {
      m.maps.forEach((map, i) => map.useBaseline(b[i]));
    },
    resetMaps(): void {
      for (const map of m.maps) {
        map.init();
        map.saveBaseline();
      }
    },
  };
}
