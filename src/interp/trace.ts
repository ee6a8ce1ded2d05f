// Instruction tracing: a slow path beside the fast loop, built from the loop itself.
//
// The stepper runs `execute` (vm.ts) on a copy of the decoded code in which every slot is the
// 'fell off the end' sentinel, except the one slot about to run. So each call executes exactly
// one instruction of the real semantics and stops at the next slot (the sentinel, recognised as
// a trap because it is not the slot just run). Taken jumps and calls are stopped by a step limit
// of "already counted" instead, since they may target the running slot itself. The call depth and
// instruction count carry over between calls (execute's n0/depth0). Past the step limit the
// run resumes on the real code at full speed, so results never differ from an untraced run.
import { disasm, type Syntax } from '../isa/disasm.ts';
import type { Insn } from '../isa/insn.ts';
import { O } from './decode.ts';
import { CODE_TAG, F_FALLOFF, F_STEP, FIRST_MAP_REGION, MAP_TAG, MAX_FRAMES, REGION_CTX, REGION_PKT, STACK_SIZE, TAG } from './layout.ts';
import type { Machine } from './machine.ts';
import { execute } from './vm.ts';

/** One executed instruction and the registers it changed (values after it). */
export interface TraceStep {
  /** Slot inside its program. */
  readonly pc: number;
  /** Which program: 0 = the entry, i = tailTargets[i-1]. */
  readonly prog: number;
  /** The instruction as the disassembler prints it. */
  readonly text: string;
  readonly changed: readonly { readonly reg: number; readonly value: string }[];
}

export interface TraceOptions {
  /** Steps to record (default 10,000); the rest of the run is not recorded but still runs. */
  limit?: number;
  syntax?: Syntax;
}

export interface Trace {
  readonly steps: TraceStep[];
  /** True when the run executed more instructions than were recorded. */
  readonly truncated: boolean;
}

export const DEFAULT_TRACE_LIMIT = 10_000;

/** Instruction text of every global slot (sentinels and lddw second halves: ''). */
function slotTexts(m: Machine, programs: readonly { insns: readonly Insn[] }[], syntax: Syntax): string[] {
  const perProg = programs.map((p) => {
    const t: string[] = [];
    for (const line of disasm(p.insns, syntax)) t[line.pc] = line.error ? `<unknown: ${line.error}>` : line.text;
    return t;
  });
  const n = m.dec.progOf.length;
  const out: string[] = new Array(n);
  for (let g = 0; g < n; g++) out[g] = perProg[m.dec.progOf[g]]?.[m.dec.localPc[g]] ?? '';
  return out;
}

/** A register value for people: pointers by region (`fp-8`, `pkt+14`, `map_value(arr)+4`), scalars in hex. */
export function describeValue(m: Machine, lo: number, hi: number): string {
  const off = lo | 0;
  const plus = (n: number): string => (n === 0 ? '' : n > 0 ? `+${n}` : `${n}`);
  if (hi === MAP_TAG && (lo >>> 0) < m.maps.length) return `map(${m.maps[lo >>> 0].def.name})`;
  if (hi === CODE_TAG) return `func@${lo >>> 0}`;
  const id = (hi - TAG) >>> 0;
  if (id < m.nreg) {
    if (id < MAX_FRAMES) return `fp${plus(off - STACK_SIZE) || '0'}${id ? ` (frame ${id})` : ''}`;
    if (id === REGION_CTX) return `ctx${plus(off)}`;
    if (id === REGION_PKT) return `pkt${plus(off - m.pktData)}`;
    return `map_value(${m.maps[id - FIRST_MAP_REGION].def.name})${plus(off)}`;
  }
  return `0x${((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16)}`;
}

/**
 * Run the prepared machine (after m.setup) from global slot `entry`, recording up to
 * opts.limit steps. Returns execute's fault code with m in the same final state as execute.
 * `programs`: the entry and its tail-call targets, for the instruction texts (slots patched in
 * place by Machine.patch print as they were loaded).
 */
export function traceExecute(m: Machine, entry: number, programs: readonly { insns: readonly Insn[] }[], opts: TraceOptions = {}): { fault: number; trace: Trace } {
  const limit = opts.limit ?? DEFAULT_TRACE_LIMIT;
  const texts = slotTexts(m, programs, opts.syntax ?? 'kernel');
  // The code is trapped in place (the loop reads the machine's window of the shared code area,
  // regfile.ts): every slot faults but the one about to run; `saved` holds the real code.
  const code = m.dec.code, saved = code.slice(), traps = code;
  traps.fill(0);
  for (let i = 0; i < traps.length; i += 4) traps[i] = O.FELL_OFF;
  const realLimit = m.stepLimit;
  const RL = m.RL, RH = m.RH;
  const beforeLo = new Int32Array(11), beforeHi = new Int32Array(11);
  const steps: TraceStep[] = [];
  const record = (g: number): void => {
    if (texts[g] === '') return; // a sentinel: the fault report says what happened
    const changed: { reg: number; value: string }[] = [];
    for (let r = 0; r <= 10; r++) {
      if (RL[r] !== beforeLo[r] || RH[r] !== beforeHi[r]) changed.push({ reg: r, value: describeValue(m, RL[r], RH[r]) });
    }
    steps.push({ pc: m.dec.localPc[g], prog: m.dec.progOf[g], text: texts[g], changed });
  };
  let pc = entry, n = 0, depth = 0;
  try {
    for (;;) {
      if (steps.length >= limit && texts[pc] !== '') {
        code.set(saved);
        m.stepLimit = realLimit;
        const f = execute(m, pc, n, depth);
        return { fault: f, trace: { steps, truncated: m.insnCount > n } };
      }
      const i = pc << 2;
      traps.set(saved.subarray(i, i + 4), i);
      beforeLo.set(RL.subarray(0, 11));
      beforeHi.set(RH.subarray(0, 11));
      m.stepLimit = n; // any taken jump or call stops after this one instruction
      const f = execute(m, pc, n, depth);
      traps.fill(0, i, i + 4);
      traps[i] = O.FELL_OFF;
      const trapped = f === F_FALLOFF && m.faultPc !== pc;
      const ran = m.insnCount - n - (trapped ? 1 : 0); // 1, or 2 when an exit returned onto itself
      for (let k = 0; k < ran; k++) record(pc);
      n += ran;
      depth = m.depth;
      if (trapped) {
        pc = m.faultPc;
        m.faultMsg = '';
        continue;
      }
      if (f === F_STEP && n <= realLimit) {
        pc = m.faultPc + 1; // the jump's target
        continue;
      }
      m.insnCount = n;
      return { fault: f, trace: { steps, truncated: false } };
    }
  } finally {
    code.set(saved);
    m.stepLimit = realLimit;
  }
}

/** `  12: r2 = *(u32 *)(r1 +4)   ; r2=0x3c` (tail-called programs: `[1] 12: …`). */
export function formatStep(s: TraceStep): string {
  const where = `${s.prog ? `[${s.prog}] ` : ''}${s.pc}:`;
  const line = `${where.padStart(6)} ${s.text}`;
  if (!s.changed.length) return line;
  return `${line.padEnd(44)} ; ${s.changed.map((c) => `r${c.reg}=${c.value}`).join(' ')}`;
}
