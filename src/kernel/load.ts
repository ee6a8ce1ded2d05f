// BPF_PROG_LOAD of a Program: create its maps, resolve map references, load, collect the log.
//
// Map references: a Program says `lddw src=MAP_IDX(5) imm=i` / `src=MAP_IDX_VALUE(6)`. We rewrite
// them to MAP_FD(1) / MAP_VALUE(2) with the map's fd rather than passing an fd_array, because
// (a) it works on every kernel with bpf-to-bpf calls, not only ≥ 5.13, (b) the kernel then
// treats the program exactly as a libbpf-loaded one (libbpf also patches fds into lddw), and
// (c) there is one native buffer fewer per load. The verifier log prints these lddw as
// `r1 = map[id:N]` / `r1 = map[id:N][0]+off` either way.
import { LDDW_CODE, PSEUDO } from '../isa/opcodes.ts';
import { encodeBytes, insnWith, type Insn } from '../isa/insn.ts';
import { MAP_TYPE, PROG_TYPE_ID, type MapDef, type Program, type ProgType } from '../isa/program.ts';
import { KernelMap, possibleCpuCount, specOfDef, u32Key, objName, type MapSpec } from './maps.ts';
import { vmlinuxTypeId } from './externs.ts';
import { bpf, closeFd, CMD, errnoName, newAttr, pageSize, Scratch, type Errno } from './syscall.ts';

/** log_level bits: 1 = BPF_LOG_LEVEL1, 2 = BPF_LOG_LEVEL2 (every insn), 4 = BPF_LOG_STATS. */
export type LogLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface LoadOptions {
  readonly logLevel?: LogLevel;
  /** Initial log buffer size (grown to the kernel's log_true_size on ENOSPC). */
  readonly logSize?: number;
  /** enum bpf_attach_type; default: what the type needs (0 works for every ProgType we model). */
  readonly expectedAttachType?: number;
  /** prog_flags, e.g. BPF_F_STRICT_ALIGNMENT (1), BPF_F_ANY_ALIGNMENT (2), BPF_F_TEST_RND_HI32 (4), BPF_F_SLEEPABLE (16). */
  readonly progFlags?: number;
  /** attach_btf_id: the vmlinux BTF type a tracing/LSM/iter program attaches to. */
  readonly attachBtfId?: number;
  /** On rejection at log_level 0, load again at level 1 to get the reason (costs a second load). */
  readonly logOnFailure?: boolean;
  /** Ask BPF_OBJ_GET_INFO_BY_FD for verified_insns / xlated / jited sizes (default true). */
  readonly info?: boolean;
}

export interface ProgInfo {
  readonly verifiedInsns: number;
  /** Bytes of the program after the verifier's rewrites (8 per insn). */
  readonly xlatedLen: number;
  /** Bytes of JITed machine code (0 without JIT). */
  readonly jitedLen: number;
  readonly id: number;
  /** Run-time statistics (counted only while bpf_stats are enabled): total ns and runs. */
  readonly runTimeNs: bigint;
  readonly runCnt: bigint;
}

export interface LoadResult {
  readonly ok: boolean;
  /** Program fd when ok. */
  readonly fd?: number;
  /** Why bpf() failed (EACCES = verifier rejection, EINVAL = malformed, ENOSPC never: we grow the log). */
  readonly errno?: Errno;
  /** A failure before BPF_PROG_LOAD (map creation, a bad map index): what went wrong. */
  readonly error?: string;
  /** The verifier log ('' at log_level 0). */
  readonly log: string;
  /** `processed N insns`, from the log or from the prog info. */
  readonly verifiedInsns?: number;
  readonly info?: ProgInfo;
  /** The maps created for program.maps, in the same order (empty on failure: they are closed). */
  readonly maps: readonly KernelMap[];
  /** Close the program and its maps (idempotent). */
  close(): void;
}

/** prog_flags bits (bpf.h). */
export const PROG_F = { STRICT_ALIGNMENT: 1, ANY_ALIGNMENT: 2, TEST_RND_HI32: 4, TEST_STATE_FREQ: 8, SLEEPABLE: 16, XDP_HAS_FRAGS: 32 } as const;

const insnBuf = new Scratch();
const licBuf = new Scratch();
const logBuf = new Scratch();
const infoBuf = new Scratch();

/** By log_level & 3 (level 4 alone, BPF_LOG_STATS, needs only a few lines). */
const DEFAULT_LOG_SIZE: Record<number, number> = { 0: 1 << 12, 1: 1 << 16, 2: 1 << 20, 3: 1 << 20 };
/** The kernel refuses log_size > UINT_MAX >> 2 (bpf_vlog_init). */
const MAX_LOG_SIZE = 0x3fffffff;

/** Create the maps of `defs`; on failure close what was made. */
export function createMaps(defs: readonly MapDef[]): { ok: true; maps: KernelMap[] } | { ok: false; errno: Errno; error: string } {
  const maps: KernelMap[] = [];
  const bail = (errno: Errno, error: string) => {
    for (const m of maps) m.close();
    return { ok: false as const, errno, error };
  };
  for (const [i, def] of defs.entries()) {
    const spec = runtimeSized(specOfDef(def));
    if (def.inner) {
      // libbpf makes the outer map from a throw-away map shaped like the inner ones.
      const inner = KernelMap.create(runtimeSized(specOfDef(def.inner)));
      if (!inner.ok) return bail(inner.errno, `map ${i} (${def.name}): inner map template: BPF_MAP_CREATE failed with ${inner.errno}`);
      const r = KernelMap.create({ ...spec, innerMapFd: inner.value.fd });
      inner.value.close();
      if (!r.ok) return bail(r.errno, `map ${i} (${def.name}): BPF_MAP_CREATE failed with ${r.errno}`);
      maps.push(r.value);
      continue;
    }
    const r = KernelMap.create(spec);
    if (!r.ok) return bail(r.errno, `map ${i} (${def.name}): BPF_MAP_CREATE failed with ${r.errno}`);
    maps.push(r.value);
    if (def.initial) {
      const v = new Uint8Array(r.value.userValueSize);
      v.set(def.initial.subarray(0, v.length));
      const u = r.value.update(u32Key(0), v);
      if (!u.ok) return bail(u.errno, `map ${i} (${def.name}): initial contents: ${u.errno}`);
    }
    if (def.readonly) {
      const f = r.value.freeze();
      if (!f.ok) return bail(f.errno, `map ${i} (${def.name}): freeze: ${f.errno}`);
    }
  }
  return { ok: true, maps };
}

/** Map types whose max_entries must be 0 (cgroup/percpu cgroup, sk, inode, task, cgrp storage): left as they are. */
const ZERO_ENTRIES = new Set([19, 21, 24, 28, 29, 32]);

/**
 * Sizes a tool leaves to its user space (max_entries 0, a stack_trace's value_size 0) given
 * what the tools set: one entry per possible CPU for perf_event_array (as libbpf), a page for
 * a ring buffer, 1 entry otherwise, 127 frames (PERF_MAX_STACK_DEPTH) of u64 for a stack map.
 * The verifier's verdict does not depend on these numbers; creating the map does.
 */
function runtimeSized(spec: MapSpec): MapSpec {
  let { maxEntries, valueSize } = spec;
  if (maxEntries === 0 && !ZERO_ENTRIES.has(spec.type)) maxEntries = spec.type === MAP_TYPE.perf_event_array ? possibleCpuCount() : spec.type === MAP_TYPE.ringbuf ? pageSize() : 1;
  if (spec.type === MAP_TYPE.stack_trace && valueSize === 0) valueSize = 127 * 8;
  // libbpf rounds (user) ring buffer sizes up to a power-of-two multiple of the page size.
  if (spec.type === MAP_TYPE.ringbuf || spec.type === USER_RINGBUF) maxEntries = ringbufSize(maxEntries);
  return maxEntries === spec.maxEntries && valueSize === spec.valueSize ? spec : { ...spec, maxEntries, valueSize };
}
const USER_RINGBUF = 31;
const PAGE_SIZE = 4096;
const ringbufSize = (n: number): number => {
  let size = PAGE_SIZE;
  while (size < n) size *= 2;
  return size;
};

/** Replace MAP_IDX / MAP_IDX_VALUE lddw with MAP_FD / MAP_VALUE holding the fds. Throws on a bad index. */
export function resolveMapRefs(insns: readonly Insn[], fds: readonly number[]): Insn[] {
  const out = insns.slice();
  for (let i = 0; i < out.length; i++) {
    const x = out[i];
    if (x.code !== LDDW_CODE) continue;
    if (x.src === PSEUDO.MAP_IDX || x.src === PSEUDO.MAP_IDX_VALUE) {
      if (x.imm < 0 || x.imm >= fds.length) throw new RangeError(`insn ${i}: map index ${x.imm} out of range (program has ${fds.length} maps)`);
      out[i] = insnWith(x, { src: x.src === PSEUDO.MAP_IDX ? PSEUDO.MAP_FD : PSEUDO.MAP_VALUE, imm: fds[x.imm] });
    }
    i++; // the second slot of an lddw is not an instruction
  }
  return out;
}

export interface RawLoad {
  readonly fd: number;
  readonly errno: number;
  readonly log: string;
}

/** BPF_PROG_LOAD of raw bytecode (map fds already in place). fd < 0 on failure. */
export function loadRaw(type: ProgType | number, code: Uint8Array, license = 'GPL', opts: LoadOptions & { name?: string } = {}): RawLoad {
  const level = opts.logLevel ?? 0;
  const ins = insnBuf.with(code);
  const lic = licenseBuf(license);
  let size = level ? Math.min(MAX_LOG_SIZE, opts.logSize ?? DEFAULT_LOG_SIZE[level & 3]) : 0;
  for (;;) {
    const log = size ? logBuf.get(size) : undefined;
    if (log) log.bytes[0] = 0;
    const attr = newAttr();
    const dv = new DataView(attr.buffer);
    dv.setUint32(0, typeof type === 'number' ? type : PROG_TYPE_ID[type], true); // prog_type
    dv.setUint32(4, code.length / 8, true); // insn_cnt
    dv.setBigUint64(8, ins.addr, true); // insns
    dv.setBigUint64(16, lic.addr, true); // license
    dv.setUint32(24, level, true); // log_level
    dv.setUint32(28, size, true); // log_size
    dv.setBigUint64(32, log ? log.addr : 0n, true); // log_buf
    // 40: kern_version (unused)
    dv.setUint32(44, opts.progFlags ?? 0, true); // prog_flags
    attr.set(cachedName(opts.name ?? ''), 48); // prog_name[16] at 48..63
    // 64: prog_ifindex
    dv.setUint32(68, opts.expectedAttachType ?? 0, true); // expected_attach_type
    dv.setUint32(108, opts.attachBtfId ?? 0, true); // attach_btf_id (0 = none; vmlinux when attach_btf_obj_fd is 0)
    // 72 prog_btf_fd, 76 func_info_rec_size, 80 func_info, 88 func_info_cnt, 92 line_info_rec_size,
    // 96 line_info, 104 line_info_cnt, 112 attach_prog_fd, 116 core_relo_cnt,
    // 120 fd_array, 128 core_relos, 136 core_relo_rec_size: all zero.
    // 140: log_true_size (output), 144: prog_token_fd.
    const r = bpf(CMD.PROG_LOAD, attr);
    const text = log ? cString(log.bytes, size) : '';
    if (r.ret < 0 && errnoName(r.errno) === 'ENOSPC' && log) {
      const need = dv.getUint32(140, true); // log_true_size, including the NUL
      if (size < MAX_LOG_SIZE) {
        size = Math.min(MAX_LOG_SIZE, Math.max(need + 1, size * 2));
        continue;
      }
    }
    return { fd: r.ret, errno: r.errno, log: text };
  }
}

let licText: string | undefined;
/** The license as a NUL-terminated string in native memory (rewritten only when it changes). */
function licenseBuf(license: string) {
  if (licText === license) return licBuf.get(0);
  const bytes = Buffer.from(`${license}\0`, 'latin1');
  const lic = licBuf.get(bytes.length);
  lic.bytes.set(bytes);
  licText = license;
  return lic;
}

const names = new Map<string, Uint8Array>();
const cachedName = (name: string): Uint8Array => {
  let b = names.get(name);
  if (!b) {
    if (names.size > 1000) names.clear();
    names.set(name, (b = objName(name)));
  }
  return b;
};

/** Text up to the first NUL. */
function cString(bytes: Uint8Array, max: number): string {
  const end = bytes.subarray(0, max).indexOf(0);
  return Buffer.from(bytes.buffer, bytes.byteOffset, end < 0 ? max : end).toString('utf8');
}

/** `processed N insns` of a verifier log. */
export function processedInsns(log: string): number | undefined {
  const m = /processed (\d+) insns/.exec(log);
  return m ? Number(m[1]) : undefined;
}

/** BPF_OBJ_GET_INFO_BY_FD on a program. */
export function progInfo(fd: number): ProgInfo | undefined {
  const INFO_LEN = 232; // sizeof(struct bpf_prog_info) in 6.12
  const buf = infoBuf.get(INFO_LEN, true);
  const attr = newAttr();
  const dv = new DataView(attr.buffer);
  dv.setUint32(0, fd, true); // info.bpf_fd
  dv.setUint32(4, INFO_LEN, true); // info.info_len
  dv.setBigUint64(8, buf.addr, true); // info.info
  if (bpf(CMD.OBJ_GET_INFO_BY_FD, attr).ret < 0) return undefined;
  const iv = new DataView(buf.bytes.buffer, buf.bytes.byteOffset, INFO_LEN);
  return {
    id: iv.getUint32(4, true), // id
    jitedLen: iv.getUint32(16, true), // jited_prog_len
    xlatedLen: iv.getUint32(20, true), // xlated_prog_len
    verifiedInsns: iv.getUint32(216, true), // verified_insns
    runTimeNs: iv.getBigUint64(192, true), // run_time_ns
    runCnt: iv.getBigUint64(200, true), // run_cnt
  };
}

function failed(errno: Errno, log: string, error?: string): LoadResult {
  return { ok: false, errno, error, log, verifiedInsns: processedInsns(log), maps: [], close() {} };
}

/** Load a Program with fresh maps. The result owns the fd and the maps: call close(). */
export function loadProgram(program: Program, opts: LoadOptions = {}): LoadResult {
  const made = createMaps(program.maps);
  if (!made.ok) return failed(made.errno, '', made.error);
  const maps = made.maps;
  const closeMaps = () => maps.forEach((m) => m.close());
  let insns: Insn[];
  try {
    insns = resolveMapRefs(program.insns, maps.map((m) => m.fd));
  } catch (e) {
    closeMaps();
    return failed('EINVAL', '', (e as Error).message);
  }
  const code = encodeBytes(insns);
  const name = program.name;
  // "Syscall programs can only be sleepable": BPF_F_SLEEPABLE is required for that type.
  const needs = program.load;
  const progFlags = (opts.progFlags ?? 0) | (program.type === 'syscall' || needs?.sleepable ? PROG_F.SLEEPABLE : 0) | (needs?.xdpFrags ? PROG_F.XDP_HAS_FRAGS : 0);
  let attachBtfId = opts.attachBtfId;
  if (attachBtfId === undefined && needs?.attachTo) {
    attachBtfId = vmlinuxTypeId(needs.attachTo.name, needs.attachTo.kind);
    if (attachBtfId === undefined) {
      closeMaps();
      return failed('ENOENT', '', `attach target ${needs.attachTo.kind} ${needs.attachTo.name} is not in this kernel's BTF`);
    }
  }
  opts = { ...opts, progFlags, attachBtfId, expectedAttachType: opts.expectedAttachType ?? needs?.expectedAttachType };
  const r = loadRaw(program.type, code, program.license, { ...opts, name });
  let log = r.log;
  if (r.fd < 0 && opts.logOnFailure && !(opts.logLevel ?? 0)) {
    const again = loadRaw(program.type, code, program.license, { ...opts, name, logLevel: 1 });
    log = again.log;
    if (again.fd >= 0) {
      // Accepted with a log but not without one: report the first outcome, drop this fd.
      closeFd(again.fd);
    }
  }
  if (r.fd < 0) {
    closeMaps();
    return failed(errnoName(r.errno), log);
  }
  const fd = r.fd;
  const info = opts.info === false ? undefined : progInfo(fd);
  let closed = false;
  return {
    ok: true,
    fd,
    log,
    verifiedInsns: processedInsns(log) ?? info?.verifiedInsns,
    info,
    maps,
    close() {
      if (closed) return;
      closed = true;
      closeFd(fd);
      closeMaps();
    },
  };
}
