// BPF_PROG_TEST_RUN, and the full-64-bit-r0 harness (DESIGN.md §2).
import { CALL_KIND, CLASS, JMP, LDDW_CODE, MODE, PSEUDO, SIZE } from '../isa/opcodes.ts';
import { insn, type Insn } from '../isa/insn.ts';
import { MAP_TYPE, type MapDef, type Program, type ProgType } from '../isa/program.ts';
import { loadProgram, type LoadOptions, type LoadResult } from './load.ts';
import { KernelMap, u32Key } from './maps.ts';
import { bpf, CMD, errnoName, newAttr, Scratch, type Errno } from './syscall.ts';

export interface TestRunInput {
  /** Packet bytes (skb types need ≥ 14 = ETH_HLEN, XDP too). */
  readonly data?: Uint8Array;
  /** Context (struct __sk_buff / xdp_md / raw_tp args / syscall ctx) bytes. */
  readonly ctx?: Uint8Array;
  readonly repeat?: number;
  /** Room for the output packet (default: input + 4096; grown once on ENOSPC). */
  readonly dataOutSize?: number;
  /** Room for the output context (default: the input context's size, 0 without one). */
  readonly ctxOutSize?: number;
  readonly flags?: number;
  readonly cpu?: number;
  /**
   * The program's type, when known: raw_tracepoint and syscall runs take only ctx_in (the kernel
   * refuses data, ctx_out and repeat for them with EINVAL), and syscall writes its ctx back
   * into ctx_in, which we then return as ctxOut.
   */
  readonly type?: ProgType;
}

export interface TestRunResult {
  readonly ok: boolean;
  readonly errno?: Errno;
  /** r0 as test_run reports it: the low 32 bits, unsigned. */
  readonly retval: number;
  /** Average ns per run as the kernel measured it. */
  readonly duration: number;
  readonly dataOut?: Uint8Array;
  readonly ctxOut?: Uint8Array;
}

const dataIn = new Scratch();
const dataOut = new Scratch();
const ctxIn = new Scratch();
const ctxOut = new Scratch();

/** One BPF_PROG_TEST_RUN on a loaded program fd. */
export function testRun(fd: number, input: TestRunInput = {}): TestRunResult {
  const ctxOnly = input.type === 'raw_tracepoint' || input.type === 'syscall';
  const data = ctxOnly ? undefined : input.data;
  const ctx = input.ctx;
  let outSize = data ? input.dataOutSize ?? data.length + 4096 : 0;
  const ctxOutSize = ctxOnly ? 0 : input.ctxOutSize ?? ctx?.length ?? 0;
  for (let attempt = 0; ; attempt++) {
    const din = data ? dataIn.with(data) : undefined;
    const dout = outSize ? dataOut.get(outSize, true) : undefined;
    const cin = ctx ? ctxIn.with(ctx) : undefined;
    const cout = ctxOutSize ? ctxOut.get(ctxOutSize, true) : undefined;
    const attr = newAttr();
    const dv = new DataView(attr.buffer);
    dv.setUint32(0, fd, true); // test.prog_fd
    // 4: test.retval (output)
    dv.setUint32(8, data?.length ?? 0, true); // test.data_size_in
    dv.setUint32(12, outSize, true); // test.data_size_out (in: room; out: bytes produced)
    dv.setBigUint64(16, din ? din.addr : 0n, true); // test.data_in
    dv.setBigUint64(24, dout ? dout.addr : 0n, true); // test.data_out
    dv.setUint32(32, ctxOnly ? 0 : input.repeat ?? 0, true); // test.repeat (0 runs once)
    // 36: test.duration (output, ns per run)
    dv.setUint32(40, ctx?.length ?? 0, true); // test.ctx_size_in
    dv.setUint32(44, ctxOutSize, true); // test.ctx_size_out
    dv.setBigUint64(48, cin ? cin.addr : 0n, true); // test.ctx_in
    dv.setBigUint64(56, cout ? cout.addr : 0n, true); // test.ctx_out
    dv.setUint32(64, input.flags ?? 0, true); // test.flags
    dv.setUint32(68, input.cpu ?? 0, true); // test.cpu
    // 72: test.batch_size (XDP live frames only)
    const r = bpf(CMD.PROG_TEST_RUN, attr);
    const retval = dv.getUint32(4, true);
    const duration = dv.getUint32(36, true);
    const gotData = dv.getUint32(12, true);
    const gotCtx = dv.getUint32(44, true);
    if (r.ret < 0) {
      const errno = errnoName(r.errno);
      if (errno === 'ENOSPC' && attempt === 0 && gotData > outSize) {
        outSize = gotData;
        continue;
      }
      return { ok: false, errno, retval, duration };
    }
    return {
      ok: true,
      retval,
      duration,
      dataOut: dout ? dout.bytes.slice(0, Math.min(gotData, outSize)) : undefined,
      ctxOut: cout
        ? cout.bytes.slice(0, Math.min(gotCtx, ctxOutSize))
        : input.type === 'syscall' && cin && ctx
          ? cin.bytes.slice(0, ctx.length)
          : undefined,
    };
  }
}

// ---- full 64-bit r0 -------------------------------------------------------------------

/** The 1-entry array that receives r0. */
const R0_MAP: MapDef = { name: 'r0_out', type: MAP_TYPE.array, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 };

/** Slots the wrapper puts before the body. */
export const WRAP_SLOTS = 5;

/**
 * The wrapper, body appended unchanged (its calls and jumps are relative):
 *   0: call +4            ; pc+1+4 = 5 = the body, a bpf-to-bpf call: r1 (ctx) passes through
 *   1: r1 = map_value(r0_out)+0   (lddw src=MAP_IDX_VALUE imm=index, 2 slots)
 *   3: *(u64 *)(r1 + 0) = r0
 *   4: exit               ; returns the body's r0 unchanged, so the entry-exit range
 *                         ; checks (cgroup_skb 0..1 etc.) see exactly the body's values
 * Limits (kernel rules for programs with subprograms): no LD_ABS/LD_IND; the body must return
 * a scalar ("At subprogram exit the register R0 is not a scalar value"); one call level less.
 */
export function wrapFull64(program: Program): Program {
  const idx = program.maps.length;
  const head: Insn[] = [
    insn(CLASS.JMP | JMP.CALL, 0, CALL_KIND.LOCAL, 0, WRAP_SLOTS - 1),
    insn(LDDW_CODE, 1, PSEUDO.MAP_IDX_VALUE, 0, idx),
    insn(0, 0, 0, 0, 0),
    insn(CLASS.STX | MODE.MEM | SIZE.DW, 1, 0, 0, 0),
    insn(CLASS.JMP | JMP.EXIT),
  ];
  return {
    ...program,
    insns: [...head, ...program.insns],
    maps: [...program.maps, R0_MAP],
    funcs: [{ name: `${program.name}_full64`, start: 0 }, ...program.funcs.map((f) => ({ name: f.name, start: f.start + WRAP_SLOTS }))],
  };
}

/** Does the program use LD_ABS / LD_IND (which the kernel forbids alongside bpf-to-bpf calls)? */
export function usesLdAbs(insns: readonly Insn[]): boolean {
  for (let i = 0; i < insns.length; i++) {
    const c = insns[i].code;
    if (c === LDDW_CODE) {
      i++;
      continue;
    }
    if ((c & 7) === CLASS.LD && ((c & 0xe0) === MODE.ABS || (c & 0xe0) === MODE.IND)) return true;
  }
  return false;
}

export interface MapSnapshot {
  readonly name: string;
  readonly type: number;
  /** Key/value pairs in the kernel's iteration order (empty for maps userspace cannot read: ringbuf, prog_array, …). */
  readonly entries: readonly (readonly [Uint8Array, Uint8Array])[];
}

/** Map types whose elements userspace reads with lookup. */
const READABLE = new Set<number>([
  MAP_TYPE.hash, MAP_TYPE.array, MAP_TYPE.percpu_hash, MAP_TYPE.percpu_array, MAP_TYPE.lru_hash,
  MAP_TYPE.lru_percpu_hash, MAP_TYPE.lpm_trie,
]);

/** Contents of every readable map. */
export function snapshotMaps(maps: readonly KernelMap[], names?: readonly string[]): MapSnapshot[] {
  return maps.map((m, i) => ({
    name: names?.[i] ?? m.spec.name ?? `map${i}`,
    type: m.spec.type,
    entries: READABLE.has(m.spec.type) ? m.entries() : [],
  }));
}

export interface Full64Result extends TestRunResult {
  /** r0: all 64 bits when r0Bits is 64; the zero-extended retval when 32 (LD_ABS programs). */
  readonly r0?: bigint;
  readonly r0Bits: 64 | 32;
  /** The final contents of the program's own maps (not the r0 map). */
  readonly maps: readonly MapSnapshot[];
  /** When loading failed: the load result (errno, log). */
  readonly load?: Pick<LoadResult, 'errno' | 'error' | 'log'>;
}

/** A program loaded once for many full-64 runs. Close it. */
export class Full64Runner {
  /** Per map: its contents as the last run read them back, and its write count then (see resetMaps). */
  private readonly lastRead: ({ entries: MapSnapshot['entries']; writes: number } | undefined)[] = [];

  private constructor(
    readonly program: Program,
    private readonly loaded: LoadResult,
    readonly r0Bits: 64 | 32,
  ) {}

  /** Load (wrapped unless the program uses LD_ABS/LD_IND). */
  static open(program: Program, opts: LoadOptions = {}): { ok: true; runner: Full64Runner } | { ok: false; load: LoadResult } {
    const bits = usesLdAbs(program.insns) ? 32 : 64;
    const loaded = loadProgram(bits === 64 ? wrapFull64(program) : program, opts);
    if (!loaded.ok) return { ok: false, load: loaded };
    return { ok: true, runner: new Full64Runner(program, loaded, bits) };
  }

  get fd(): number {
    return this.loaded.fd!;
  }

  /** The program's own maps (the r0 map excluded). */
  get maps(): readonly KernelMap[] {
    return this.r0Bits === 64 ? this.loaded.maps.slice(0, -1) : this.loaded.maps;
  }

  /** Put every writable map back to its initial state (arrays zeroed + initial contents; hashes emptied). */
  // A map's read-back after the last run is its state now unless userspace wrote to it since
  // (presets, another reset): its write count tells. Programs only run inside run(), which reads again.
  resetMaps(): void {
    this.program.maps.forEach((def, i) => {
      const m = this.loaded.maps[i];
      const last = this.lastRead[i];
      resetMap(m, def, last && last.writes === m.writes ? last.entries : undefined);
      this.lastRead[i] = undefined;
    });
  }

  run(input: TestRunInput = {}): Full64Result {
    let r0map: KernelMap | undefined;
    if (this.r0Bits === 64) {
      r0map = this.loaded.maps[this.loaded.maps.length - 1];
      r0map.update(u32Key(0), new Uint8Array(8));
    }
    const t = testRun(this.fd, { type: this.program.type, ...input });
    const maps = snapshotMaps(this.maps, this.program.maps.map((m) => m.name));
    this.maps.forEach((m, i) => (this.lastRead[i] = READABLE.has(m.spec.type) ? { entries: maps[i].entries, writes: m.writes } : undefined));
    if (!t.ok) return { ...t, r0Bits: this.r0Bits, maps };
    let r0 = BigInt(t.retval);
    if (r0map) {
      const v = r0map.lookup(u32Key(0));
      if (v.ok) r0 = new DataView(v.value.buffer, v.value.byteOffset).getBigUint64(0, true);
    }
    return { ...t, r0, r0Bits: this.r0Bits, maps };
  }

  close(): void {
    this.loaded.close();
  }
}

/**
 * Put one map back to its initial state. `known`: its contents now, when the caller knows them
 * (the read-back of the last run, nothing written since); else they are read. Arrays: only the indices whose value differs
 * from the initial one are written, in one BPF_MAP_UPDATE_BATCH; hashes: every key deleted in
 * one BPF_MAP_DELETE_BATCH, nothing done when already empty. The per-key commands where the
 * kernel has no batch form (lpm_trie) or refuses it. The final state is the same either way.
 */
function resetMap(m: KernelMap, def: MapDef, known?: readonly (readonly [Uint8Array, Uint8Array])[]): void {
  if (def.readonly) return;
  const t = def.type;
  if (t === MAP_TYPE.array || t === MAP_TYPE.percpu_array) {
    const zero = new Uint8Array(m.userValueSize);
    let first = zero;
    if (def.initial) {
      first = new Uint8Array(m.userValueSize);
      first.set(def.initial.subarray(0, first.length));
    }
    const want = (i: number): Uint8Array => (i === 0 ? first : zero);
    const current = known ?? (m.usesBatch ? m.entries() : undefined);
    let indices: number[];
    if (current && current.length === def.maxEntries) {
      indices = [];
      for (const [k, v] of current) {
        const i = new DataView(k.buffer, k.byteOffset, 4).getUint32(0, true);
        if (!sameBytes(v, want(i))) indices.push(i);
      }
    } else indices = Array.from({ length: def.maxEntries }, (_, i) => i);
    if (indices.length === 0) return;
    if (m.usesBatch && m.updateBatch(indices.map(u32Key), indices.map(want)).ok) return;
    for (const i of indices) m.update(u32Key(i), want(i));
  } else if (READABLE.has(t)) {
    const keys = known ? known.map(([k]) => k) : m.usesBatch ? m.entries().map(([k]) => k) : m.keys();
    if (keys.length === 0) return;
    if (m.usesBatch && m.deleteBatch(keys).ok) return;
    for (const k of m.keys()) m.delete(k);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Load, run once, read r0 (64 bits) and the maps, close. */
export function runFull64(program: Program, input: TestRunInput = {}, opts: LoadOptions = {}): Full64Result {
  const o = Full64Runner.open(program, { logOnFailure: true, ...opts });
  if (!o.ok) {
    const { errno, error, log } = o.load;
    return { ok: false, errno, retval: 0, duration: 0, r0Bits: 64, maps: [], load: { errno, error, log } };
  }
  try {
    return o.runner.run(input);
  } finally {
    o.runner.close();
  }
}
