// Register states, instruction by instruction and path by path: the kernel's log_level 2 log
// (src/kernel/log.ts logPaths) against the model's trace (src/verifier/trace.ts).
//
// Both verifiers walk the program depth first: a conditional jump whose outcome is open keeps
// going on the fall-through and pushes the target; when a path ends (exit, or pruned as `safe`)
// the most recent pushed state is popped. The same instruction is therefore visited several
// times with different states, and a state is only meaningful together with the path it is on.
// So we name every path by where it was pushed: the program-entry path is the root, and a
// popped path `from X to Y` is the child of the path and position of the jump at X that pushed
// it. The log does not say which jumps pushed, but the stack does: the popped state belongs to
// the most recent visit of a jump X, continuing at X+1, that has not been popped yet (visits
// above it on the stack were jumps whose outcome was decided and pushed nothing). Both sides
// are named by the same rule, then each kernel state is compared with the model's state at the
// same path and position, as long as both paths went through the same instructions. Where one
// side pruned a path the other continued, the rest of that path (and what it pushed) exists on
// one side only: those kernel states are counted as not compared, never as mismatches.
// (Comparing against the set or the join of all our states at an instruction would be weaker:
// a wrong state on one path could hide behind another path's state.)
import type { Insn } from '../../src/isa/insn.ts';
import type { Program } from '../../src/isa/program.ts';
import type { LogPath } from '../../src/kernel/log.ts';
import { parseStateLine } from '../../src/kernel/log.ts';
import { printRegState, type RegState, type Bounds, type Tnum } from '../../src/kernel/regstate.ts';
import type { TraceFrame, TracePath } from '../../src/verifier/trace.ts';
import { type Reg, isConst, typeStr } from '../../src/verifier/regs.ts';
import { printReg } from '../../src/verifier/print.ts';

interface PathShape {
  readonly from: number;
  readonly to: number;
  readonly pcs: readonly number[];
  readonly safe?: number;
  readonly speculative?: boolean;
}

/** A conditional jump (JMP/JMP32 class, not ja/call/exit/may_goto). */
function isCondJump(x: Insn | undefined): boolean {
  if (!x) return false;
  const cls = x.code & 7, op = x.code & 0xf0;
  return (cls === 5 || cls === 6) && op !== 0x00 && op !== 0x80 && op !== 0x90 && op !== 0xe0;
}

/** FNV-1a over a string, as 13 hex digits (paths are named by their ancestry; this keeps names short). */
function hashKey(s: string): string {
  let h1 = 0x811c9dc5, h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + ((h2 >>> 0) & 0xfffff).toString(16);
}

/** A name for every path, equal on both sides for the same place in the exploration tree (see above). */
export function pathKeys(paths: readonly PathShape[], insns: readonly Insn[]): string[] {
  const pending: { key: string; pos: number; from: number; to: number }[] = [];
  const unmatched = new Map<string, number>();
  const keys: string[] = [];
  for (const p of paths) {
    let key: string;
    if (p.from < 0) key = 'root';
    else {
      let i = pending.length - 1;
      while (i >= 0 && !(pending[i].from === p.from && pending[i].to === p.to)) i--;
      if (i >= 0 && !p.speculative) {
        key = hashKey(`${pending[i].key}.${pending[i].pos}`);
        pending.length = i;
      } else {
        const label = `${p.speculative ? 's' : 'u'}${p.from}>${p.to}`;
        const n = (unmatched.get(label) ?? 0) + 1;
        unmatched.set(label, n);
        key = `${label}#${n}`;
      }
    }
    keys.push(key);
    for (let i = 0; i < p.pcs.length; i++) {
      const x = p.pcs[i];
      const next = i + 1 < p.pcs.length ? p.pcs[i + 1] : p.safe;
      if (next === x + 1 && isCondJump(insns[x])) pending.push({ key, pos: i, from: x, to: x + 1 + insns[x].off });
    }
  }
  return keys;
}

// ---- one register ---------------------------------------------------------------------

const s64 = (v: bigint) => BigInt.asIntN(64, v), s32 = (v: bigint) => BigInt.asIntN(32, v), u64 = (v: bigint) => BigInt.asUintN(64, v);

function sameBounds(k: Bounds, k0: Tnum, m: Reg['v']): boolean {
  return k0.value === m.varOff.value && k0.mask === m.varOff.mask && k.umin === m.umin && k.umax === m.umax &&
    k.smin === s64(m.smin) && k.smax === s64(m.smax) && k.u32min === m.u32min && k.u32max === m.u32max &&
    k.s32min === s32(m.s32min) && k.s32max === s32(m.s32max);
}

type MapSizes = (i: number) => { ks: number; vs: number };

/**
 * The kernel's printed register against the model's: scalars exactly (the value of a constant;
 * otherwise var_off and the eight bounds), pointers by type and the fields the kernel printed
 * (offset, packet range, size, key/value sizes, the variable part). Ids and precision marks are
 * not compared.
 */
export function sameReg(k: RegState, m: Reg, frameno: number, maps: MapSizes): boolean {
  if (k.kind === 'scalar') {
    if (m.type !== 'scalar') return false;
    if (k.varOff.mask === 0n) return isConst(m.v) && m.v.varOff.value === k.varOff.value;
    return sameBounds(k, k.varOff, m.v);
  }
  if (m.type === 'scalar' || m.type === 'not_init' || k.btfName !== undefined || typeStr(m) !== k.type) return false;
  if (k.type === 'fp') {
    if ((k.frameno ?? frameno) !== m.map) return false;
    if (k.fpOff !== undefined) return isConst(m.v) && k.fpOff === BigInt(m.off) + s64(m.v.varOff.value);
  }
  if ((k.off ?? 0n) !== BigInt(m.off)) return false;
  if ((k.type === 'pkt' || k.type === 'pkt_meta') && k.r !== u64(BigInt(m.range))) return false;
  if (k.sz !== undefined && k.sz !== BigInt(m.range)) return false;
  if (k.ks !== undefined && (k.ks !== maps(m.map).ks || k.vs !== maps(m.map).vs)) return false;
  if (k.bounds) return !isConst(m.v) && sameBounds(k.bounds, k.varOff!, m.v);
  return isConst(m.v) && s64(m.v.varOff.value) === (k.imm ?? 0n);
}

// ---- whole programs -------------------------------------------------------------------

export interface StateDiff {
  readonly pc: number;
  readonly reg: number;
  readonly kernel: string;
  readonly model: string;
  /** Where on the path: `after insn N` or `entry of from X to Y`, with the path's visit number. */
  readonly where: string;
}

export interface StateTally {
  /** Register states the kernel printed and the model had at the same point of the same path. */
  compared: number;
  equal: number;
  /** Register states the kernel printed on paths (or parts of paths) the model did not walk. */
  uncompared: number;
  diffs: StateDiff[];
}

export const emptyTally = (): StateTally => ({ compared: 0, equal: 0, uncompared: 0, diffs: [] });

export function addTally(into: StateTally, t: StateTally, keepDiffs: number): void {
  into.compared += t.compared;
  into.equal += t.equal;
  into.uncompared += t.uncompared;
  for (const d of t.diffs) if (into.diffs.length < keepDiffs) into.diffs.push(d);
}

/** Kernel registers R0–R9 of a printed state (R10 is always the frame pointer). */
function printedRegs(text: string): { frame: number; regs: [number, RegState][] } {
  const st = parseStateLine(text);
  return { frame: st.frame, regs: [...st.regs].filter(([r]) => r < 10) };
}

/** Compare the kernel's printed states with the model's trace of the same program. */
export function compareStates(prog: Program, kernel: readonly LogPath[], model: readonly TracePath[], maxDiffs = 5): StateTally {
  const t = emptyTally();
  const maps: MapSizes = (i) => ({ ks: prog.maps[i]?.keySize ?? 0, vs: prog.maps[i]?.valueSize ?? 0 });
  const names = (i: number) => ({ name: prog.maps[i]?.name ?? `map${i}`, ...maps(i) });
  const byKey = new Map<string, TracePath>();
  const mk = pathKeys(model, prog.insns);
  model.forEach((p, i) => byKey.set(mk[i], p));
  const kk = pathKeys(kernel, prog.insns);
  const uncompared = (text: string | undefined) => {
    if (text) t.uncompared += printedRegs(text).regs.length;
  };
  const one = (text: string, m: TraceFrame, pc: number, where: string) => {
    const k = printedRegs(text);
    for (const [r, ks] of k.regs) {
      t.compared++;
      const mr = m.regs[r];
      if (k.frame === m.frameno && sameReg(ks, mr, m.frameno, maps)) t.equal++;
      else if (t.diffs.length < maxDiffs) {
        const ours = k.frame !== m.frameno ? `(frame ${m.frameno})` : mr.type === 'not_init' ? '(not initialised)' : printReg(mr, names, m.frameno);
        t.diffs.push({ pc, reg: r, kernel: printRegState(ks), model: ours, where });
      }
    }
  };
  kernel.forEach((kp, i) => {
    const mp = byKey.get(kk[i]);
    const label = kp.from < 0 ? 'the entry path' : `the path from ${kp.from} to ${kp.to} (#${i})`;
    if (!mp) {
      uncompared(kp.entry);
      kp.after.forEach(uncompared);
      return;
    }
    if (kp.entry) one(kp.entry, mp.entry, kp.to, `at entry of ${label}`);
    let same = true;
    for (let j = 0; j < kp.pcs.length; j++) {
      same &&= mp.pcs[j] === kp.pcs[j];
      const text = kp.after[j];
      if (!text) continue;
      const ma = mp.after[j];
      if (same && ma) one(text, ma, kp.pcs[j], `after insn ${kp.pcs[j]} on ${label}, step ${j}`);
      else uncompared(text);
    }
  });
  return t;
}

// ---- compact text of the kernel's paths (for recordings) --------------------------------
//
// One line per item: `@F>T[~][ state]` starts a path (F = -1 at program entry, ~ speculative),
// `N[ state]` an instruction with the state printed after it, `!N` pruned at N.

export function encodePaths(paths: readonly LogPath[]): string {
  const out: string[] = [];
  for (const p of paths) {
    out.push(`@${p.from}>${p.to}${p.speculative ? '~' : ''}${p.entry ? ` ${p.entry}` : ''}`);
    p.pcs.forEach((pc, i) => out.push(p.after[i] ? `${pc} ${p.after[i]}` : `${pc}`));
    if (p.safe !== undefined) out.push(`!${p.safe}`);
  }
  return out.join('\n');
}

export function decodePaths(text: string): LogPath[] {
  const out: LogPath[] = [];
  let cur: LogPath | undefined;
  for (const line of text.split('\n')) {
    if (!line) continue;
    const sp = line.indexOf(' ');
    const head = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? undefined : line.slice(sp + 1);
    if (head[0] === '@') {
      const m = /^@(-?\d+)>(\d+)(~?)$/.exec(head);
      if (!m) throw new Error(`bad path line ${JSON.stringify(line)}`);
      cur = { from: Number(m[1]), to: Number(m[2]), pcs: [], after: [], ...(m[3] ? { speculative: true } : {}), ...(rest ? { entry: rest } : {}) };
      out.push(cur);
    } else if (!cur) throw new Error('state before the first path');
    else if (head[0] === '!') cur.safe = Number(head.slice(1));
    else {
      cur.pcs.push(Number(head));
      cur.after[cur.pcs.length - 1] = rest;
    }
  }
  return out;
}
