// What a prepared machine is given: options at prepare time and one run's input, and what a
// run can capture. Kept apart from machine.ts (the machine itself) for size.
import type { Program } from '../isa/program.ts';
import type { Machine } from './machine.ts';
import type { SkbFields, XdpFields } from './context.ts';

export interface PrepareOptions {
  /** Tail-call targets; a prog_array value i means tailTargets[i]. They share the entry's maps. */
  tailTargets?: readonly Program[];
  /** Largest packet a run may pass (skb types; XDP is limited to its linear frame). Default 4096. */
  maxPacket?: number;
  /** Default instruction limit per run (default 1,000,000, the verifier's complexity limit). */
  stepLimit?: number;
  /**
   * The program never reads stack bytes it has not written in the same run, so frame 0 need not
   * be zeroed between runs (poisoned runs still get their image). The kernel's verifier
   * guarantees this for programs it accepted without CAP_PERFMON (allow_uninit_stack off); with
   * CAP_PERFMON (root) it allows such reads, and they would then see the previous run's bytes.
   */
  noUninitStackReads?: boolean;
  /**
   * Helpers the interpreter has no model of, by number, as stand-ins a caller supplies (the
   * optimizer's tests: src/search/standins.ts). Never consulted for a helper it does model.
   */
  standIns?: Readonly<Record<number, (m: Machine) => number>>;
  /**
   * 'compiled': run() and exec() use the compiled tier (src/interp/compile.ts: the program as
   * one JavaScript function) where it covers the program, recompiling after patch and reload;
   * 'interpreter' (default): the interpreter loop. trace() always interprets. Compiling costs
   * much more than a run: for a program run many times unchanged. Vm.tier says which runs.
   */
  tier?: 'interpreter' | 'compiled';
}

/** What a helper or the loop captured. */
export type OutputRecord =
  | { kind: 'printk'; text: string }
  | { kind: 'ringbuf'; map: number; data: Uint8Array }
  | { kind: 'perf'; map: number; index: number; data: Uint8Array };

/** One run's input. */
export interface RunInput {
  /** Packet bytes (xdp and skb program types), starting at the Ethernet header. */
  packet?: Uint8Array;
  /** Context bytes for tracing program types (kprobe pt_regs, tracepoint record, raw_tp args). */
  ctx?: Uint8Array;
  /** bpf_conformance mode: r1 = pointer to a copy of this memory, r2 = its length. */
  mem?: Uint8Array;
  skb?: SkbFields;
  xdp?: XdpFields;
  /** Keep map contents from the previous run instead of restoring the baseline. */
  keepMaps?: boolean;
  /** Start of the virtual clock for ktime_get_ns (ns). */
  clock?: bigint;
  /** Return the XDP packet as a view into the machine, valid until the next run (no copy). */
  borrow?: boolean;
  /** Fill r2..r9 and the stack with garbage from this seed (0: zeroed, the default). */
  poison?: number;
  /** Seed of get_prandom_u32. */
  seed?: number;
  stepLimit?: number;
}
