// Parser for the verifier log at log_level 2 (Linux 6.18; 6.12's `_w` liveness suffixes are
// accepted too). The log is a sequence of lines:
//   func#0 @0                                  subprogram starts
//   Live regs before insn:                     then `[scc] idx: 01........ (op) text` rows
//   0: R1=ctx() R10=fp0                        full state at entry to insn 0
//   5: (79) r5 = *(u64 *)(r2 +0)          ; R2=pkt(r=14) R5=scalar()   insn + changed state
//   from 25 to 27: R0=… R1=…                   state at a branch target (then `27: R0=…` again)
//   27: safe                                   pruned
//   caller: / callee: / returning from callee: / to caller at 5:   each followed by ` frameN: …`
//   processed 43 insns (limit 1000000) max_states_per_insn 0 total_states 2 peak_states 2 mark_read 0
// The error of a rejected program is the run of unrecognised lines right before `processed`.
import { parseRegState, printRegState, type RegState } from './regstate.ts';

export interface StackSlot {
  /**
   * The 8 slot-type characters (?=invalid r=spill m=misc 0=zero d=dynptr i=iter) in the kernel's
   * slot_type[] order: the HIGHEST address first (types[0] is fp-8k+7, i.e. `*(u32 *)(r10 -4) = 0`
   * prints fp-8=0000????). A spill of n < 8 bytes prints 8-n type characters then the register.
   */
  readonly types: string;
  /** The spilled register, when the slot holds one. */
  readonly spilled?: RegState;
  /** dynptr_…/iter_… slots: the printed text after `=`. */
  readonly raw?: string;
  /** 6.12 liveness suffix (r, w, D), if printed. */
  readonly live?: string;
}

export interface FrameState {
  readonly frame: number;
  readonly regs: Map<number, RegState>;
  /** Keyed by the printed offset: fp-8 → -8. */
  readonly stack: Map<number, StackSlot>;
  /** 6.12 liveness suffixes by register. */
  readonly live: Map<number, string>;
  readonly refs?: readonly number[];
  /** `cb`, `async_cb` and any token we do not model. */
  readonly extra: readonly string[];
}

/** A printed state: one frame normally; a line may list several. regs/stack are the last frame's. */
export interface StateLine {
  readonly frames: readonly FrameState[];
  readonly regs: Map<number, RegState>;
  readonly stack: Map<number, StackSlot>;
  readonly frame: number;
}

export type LogRecord =
  | { kind: 'insn'; line: number; idx: number; opcode: number; text: string; state?: StateLine }
  | { kind: 'state'; line: number; idx: number; state: StateLine }
  | { kind: 'branch'; line: number; from: number; to: number; speculative: boolean; state: StateLine }
  | { kind: 'safe'; line: number; idx: number }
  | { kind: 'call'; line: number; role: 'caller' | 'callee' | 'returning' | 'to_caller'; idx?: number; state: StateLine }
  | { kind: 'other'; line: number; text: string };

export interface LiveRow {
  readonly idx: number;
  /** Strongly connected component id (loops), when printed. */
  readonly scc?: number;
  /** Registers live before the insn. */
  readonly live: readonly number[];
  readonly text: string;
}

export interface VerifierStats {
  readonly processed: number;
  readonly limit: number;
  readonly maxStatesPerInsn: number;
  readonly totalStates: number;
  readonly peakStates: number;
  readonly markRead: number;
}

export interface VerifierLog {
  readonly funcs: readonly { index: number; start: number }[];
  readonly live: readonly LiveRow[];
  readonly records: readonly LogRecord[];
  readonly stats?: VerifierStats;
  /** The rejection message (possibly several lines), when the log ends in one. */
  readonly error?: string;
}

// ---- state lines ------------------------------------------------------------------------

/** Split at spaces outside parentheses. */
function tokens(s: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (c === ' ' && depth === 0) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

/** A spilled slot: 0, 4, 6 or 7 slot-type characters precede the register (sub-8-byte spills). */
function parseSlot(value: string, live: string | undefined): StackSlot {
  if (/^[?rm0di]{8}$/.test(value)) return live ? { types: value, live } : { types: value };
  if (/^(dynptr_|iter_)/.test(value)) return { types: '', raw: value, ...(live ? { live } : {}) };
  for (const n of [0, 4, 6, 7]) {
    const prefix = value.slice(0, n);
    if (!/^[?m0]*$/.test(prefix)) break;
    try {
      const spilled = parseRegState(value.slice(n));
      return { types: prefix + 'r'.repeat(8 - n), spilled, ...(live ? { live } : {}) };
    } catch {
      // try a longer prefix
    }
  }
  throw new Error(`unrecognised stack slot ${JSON.stringify(value)}`);
}

/** Parse the state part of a line (` frame1: R0=… fp-8=… refs=2`). */
export function parseStateLine(text: string): StateLine {
  const frames: FrameState[] = [];
  let cur: { frame: number; regs: Map<number, RegState>; stack: Map<number, StackSlot>; live: Map<number, string>; refs?: number[]; extra: string[] } | undefined;
  const frame = (n: number) => {
    cur = { frame: n, regs: new Map(), stack: new Map(), live: new Map(), extra: [] };
    frames.push(cur);
    return cur;
  };
  for (const t of tokens(text)) {
    const fm = /^frame(\d+):$/.exec(t);
    if (fm) {
      frame(Number(fm[1]));
      continue;
    }
    const f = cur ?? frame(0);
    const rm = /^R(\d+)(?:_([rwD]+))?=(.*)$/.exec(t);
    if (rm) {
      f.regs.set(Number(rm[1]), parseRegState(rm[3]));
      if (rm[2]) f.live.set(Number(rm[1]), rm[2]);
      continue;
    }
    const sm = /^fp(-?\d+)(?:_([rwD]+))?=(.*)$/.exec(t);
    if (sm) {
      f.stack.set(Number(sm[1]), parseSlot(sm[3], sm[2]));
      continue;
    }
    const refs = /^refs=([\d,]+)$/.exec(t);
    if (refs) f.refs = refs[1].split(',').map(Number);
    else f.extra.push(t);
  }
  const last = frames[frames.length - 1] ?? frame(0);
  return { frames, regs: last.regs, stack: last.stack, frame: last.frame };
}

/** The kernel's text for a frame state (print_verifier_state with print_all), without a leading space. */
export function printFrameState(f: FrameState): string {
  const out: string[] = [];
  if (f.frame) out.push(`frame${f.frame}:`);
  for (const r of [...f.regs.keys()].sort((a, b) => a - b)) {
    const lv = f.live.get(r);
    out.push(`R${r}${lv ? `_${lv}` : ''}=${printRegState(f.regs.get(r)!)}`);
  }
  for (const off of [...f.stack.keys()].sort((a, b) => b - a)) {
    const s = f.stack.get(off)!;
    const lv = s.live ? `_${s.live}` : '';
    const body = s.raw ?? (s.spilled ? s.types.slice(0, s.types.indexOf('r')) + printRegState(s.spilled) : s.types);
    out.push(`fp${off}${lv}=${body}`);
  }
  if (f.refs?.length) out.push(`refs=${f.refs.join(',')}`);
  out.push(...f.extra);
  return out.join(' ');
}

export const printStateLine = (s: StateLine): string => s.frames.map(printFrameState).join(' ');

// ---- whole log --------------------------------------------------------------------------

const RE = {
  func: /^func#(\d+) @(\d+)$/,
  liveRow: /^ *(?:(\d+) +)?(\d+): ([.0-9]{10}) (.*)$/,
  insn: /^(\d+): \(([0-9a-f]{2})\) (.*)$/,
  state: /^(\d+):( .*| frame\d+:.*)$/,
  safe: /^(\d+): safe$/,
  from: /^from (\d+) to (\d+)( \(speculative execution\))?: ?(.*)$/,
  processed: /^processed (\d+) insns \(limit (\d+)\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+) mark_read (\d+)/,
  role: /^(caller|callee|returning from callee|to caller at (\d+)):$/,
};

/** Lines that are neither records nor an error message. */
const NOISE = [/^mark_precise: /, /^\(\d+(?:,\d+)*\) /, /^SCC (enter|exit) /, /^verification time /, /^stack depth /, /^Live regs before insn:$/, /^$/];
const isNoise = (s: string): boolean => NOISE.some((r) => r.test(s));

export function parseVerifierLog(log: string): VerifierLog {
  const lines = log.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const funcs: { index: number; start: number }[] = [];
  const live: LiveRow[] = [];
  const records: LogRecord[] = [];
  let stats: VerifierStats | undefined;
  let statsLine = -1;
  let inLive = false;
  let role: { role: 'caller' | 'callee' | 'returning' | 'to_caller'; idx?: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i];
    let m: RegExpExecArray | null;
    if (role && s.startsWith(' ')) {
      records.push({ kind: 'call', line: i, ...role, state: parseStateLine(s) });
      role = undefined;
      continue;
    }
    role = undefined;
    if (s === '') continue;
    if ((m = RE.func.exec(s))) {
      funcs.push({ index: Number(m[1]), start: Number(m[2]) });
      continue;
    }
    if (s === 'Live regs before insn:') {
      inLive = true;
      continue;
    }
    if (inLive && (m = RE.liveRow.exec(s))) {
      const regs = [...m[3]].flatMap((c, r) => (c === '.' ? [] : [r]));
      live.push({ idx: Number(m[2]), ...(m[1] !== undefined ? { scc: Number(m[1]) } : {}), live: regs, text: m[4] });
      continue;
    }
    inLive = false;
    if ((m = RE.insn.exec(s))) {
      const rest = m[3];
      const cut = rest.indexOf(' ; ');
      const text = (cut < 0 ? rest : rest.slice(0, cut)).trimEnd();
      const rec: LogRecord = { kind: 'insn', line: i, idx: Number(m[1]), opcode: parseInt(m[2], 16), text };
      if (cut >= 0) rec.state = parseStateLine(rest.slice(cut + 3));
      records.push(rec);
    } else if ((m = RE.safe.exec(s))) records.push({ kind: 'safe', line: i, idx: Number(m[1]) });
    else if ((m = RE.state.exec(s))) records.push({ kind: 'state', line: i, idx: Number(m[1]), state: parseStateLine(m[2]) });
    else if ((m = RE.from.exec(s))) {
      records.push({ kind: 'branch', line: i, from: Number(m[1]), to: Number(m[2]), speculative: !!m[3], state: parseStateLine(m[4]) });
    } else if ((m = RE.processed.exec(s))) {
      stats = {
        processed: Number(m[1]), limit: Number(m[2]), maxStatesPerInsn: Number(m[3]),
        totalStates: Number(m[4]), peakStates: Number(m[5]), markRead: Number(m[6]),
      };
      statsLine = i;
    } else if ((m = RE.role.exec(s))) {
      const r = m[1];
      role = r === 'caller' ? { role: 'caller' } : r === 'callee' ? { role: 'callee' } : r === 'returning from callee' ? { role: 'returning' } : { role: 'to_caller', idx: Number(m[2]) };
    } else records.push({ kind: 'other', line: i, text: s });
  }
  return { funcs, live, records, stats, error: errorBefore(lines, records, statsLine < 0 ? lines.length : statsLine) };
}

/** The unrecognised, non-noise lines that end the log before `processed` (the rejection reason). */
function errorBefore(lines: readonly string[], records: readonly LogRecord[], end: number): string | undefined {
  const other = new Set(records.filter((r) => r.kind === 'other').map((r) => r.line));
  const out: string[] = [];
  for (let i = end - 1; i >= 0; i--) {
    if (isNoise(lines[i])) continue;
    if (!other.has(i)) break;
    out.unshift(lines[i]);
  }
  return out.length ? out.join('\n') : undefined;
}

/** The insn records of one instruction index, in log order. */
export const insnRecords = (log: VerifierLog, idx: number) =>
  log.records.filter((r): r is Extract<LogRecord, { kind: 'insn' }> => r.kind === 'insn' && r.idx === idx);

// ---- paths ------------------------------------------------------------------------------

/**
 * One stretch of the verifier's depth-first walk as the log shows it: from program entry
 * (`from` = -1) or from a popped branch state (`from X to Y:`) to the end of that path (exit,
 * or `safe` when pruned). A return from a subprogram (`from <exit> to <callsite+1>:`) continues
 * the same path: that full state is the state after the exit.
 */
export interface LogPath {
  readonly from: number;
  readonly to: number;
  /** The full state printed at the start (program entry, `from X to Y: …`), as printed. */
  entry?: string;
  /** Instructions processed, in order. */
  readonly pcs: number[];
  /** By position in pcs: the state printed after that instruction (its scratched registers), as printed. */
  readonly after: (string | undefined)[];
  /** The path was pruned at this instruction (`N: safe`). */
  safe?: number;
  /** A speculative-execution path (not taken by the real program). */
  readonly speculative?: boolean;
}

/** Split a log_level 2 log into paths, in the order the verifier explored them. */
export function logPaths(log: string): LogPath[] {
  const out: LogPath[] = [];
  let cur: LogPath | undefined;
  let lastOpcode = -1;
  let inLive = false;
  const open = (from: number, to: number, speculative = false): LogPath => {
    cur = { from, to, pcs: [], after: [], ...(speculative ? { speculative } : {}) };
    out.push(cur);
    lastOpcode = -1;
    return cur;
  };
  const setAfter = (p: LogPath, text: string) => {
    const i = p.pcs.length - 1;
    p.after[i] = p.after[i] ? `${p.after[i]} ${text}` : text;
  };
  for (const s of log.split('\n')) {
    let m: RegExpExecArray | null;
    if (s === 'Live regs before insn:') {
      inLive = true;
      continue;
    }
    if (inLive && RE.liveRow.test(s)) continue;
    inLive = false;
    if ((m = RE.insn.exec(s))) {
      const p = cur ?? open(-1, 0);
      const rest = m[3];
      const cut = rest.indexOf(' ; ');
      p.pcs.push(Number(m[1]));
      lastOpcode = parseInt(m[2], 16);
      if (cut >= 0) p.after[p.pcs.length - 1] = rest.slice(cut + 3);
    } else if ((m = RE.safe.exec(s))) {
      if (cur) cur.safe = Number(m[1]);
      cur = undefined;
    } else if ((m = RE.state.exec(s))) {
      const p = cur ?? open(-1, 0);
      const text = m[2].trimStart();
      if (p.pcs.length) setAfter(p, text);
      else p.entry = text;
    } else if ((m = RE.from.exec(s))) {
      const from = Number(m[1]), to = Number(m[2]);
      const body = m[4];
      if (cur && !m[3] && lastOpcode === 0x95 && cur.pcs[cur.pcs.length - 1] === from) {
        // back in the caller after a subprogram's exit: same path
        if (body === 'safe') {
          cur.safe = to;
          cur = undefined;
        } else setAfter(cur, body);
        lastOpcode = -1;
        continue;
      }
      const p = open(from, to, !!m[3]);
      if (body === 'safe') {
        p.safe = to;
        cur = undefined;
      } else p.entry = body;
    }
  }
  return out;
}
