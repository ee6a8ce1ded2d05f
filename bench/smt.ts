// Z3 time per equivalence check: windows of 2–6 instructions (equal rewrites and mutants, from
// fixed pairs and from corpus basic blocks) and whole acyclic corpus programs (an equal rewrite
// of a branch that only Z3 can see through, and a mutant). K2 reports 4–302 ms per check.
import { readFileSync } from 'node:fs';
import { assemble } from '../src/isa/asm.ts';
import type { Insn } from '../src/isa/insn.ts';
import { readObject } from '../src/isa/object.ts';
import { fromOp, toOps, type Op } from '../src/isa/op.ts';
import type { Program } from '../src/isa/program.ts';
import { programEquiv, windowEquiv } from '../src/smt/equiv.ts';
import type { BenchRow } from './types.ts';

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : 0;
};

const PAIRS: [string, string][] = [
  ['r0 = r1\nr0 += r1', 'r0 = r1\nr0 <<= 1'],
  ['w0 = w1', 'r0 = r1\nr0 <<= 32\nr0 >>= 32'],
  ['*(u64 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)', '*(u64 *)(r10 - 8) = r1\nr0 = r1'],
  ['*(u32 *)(r10 - 8) = w1\nr2 = r1\nr2 >>= 32\n*(u32 *)(r10 - 4) = w2', '*(u64 *)(r10 - 8) = r1\nr2 = r1\nr2 >>= 32'],
  ['r3 = r1\nr1 = r2\nr2 = r3', 'r1 ^= r2\nr2 ^= r1\nr1 ^= r2\nr3 = r1'],
  ['r0 = r1\nr0 = be16 r0\nr0 = be16 r0', 'r0 = r1\nr0 &= 0xffff'],
  ['r0 = r2\nr0 *= 8', 'r0 = r2\nr0 <<= 3'],
  ['r0 = r1\nr0 += r1', 'r0 = r1\nr0 <<= 2'],
  ['r0 = r1\nr0 s>>= 3', 'r0 = r1\nr0 >>= 3'],
  ['r0 = r1\nr0 &= 0xff\nr0 |= r2', 'r0 = r1\nr0 |= r2\nr0 &= 0xff'],
];

const STRAIGHT = new Set(['alu', 'end', 'ldx', 'st', 'stx', 'lddw']);

/** Basic-block windows of 2–6 instructions from a program, with a one-immediate mutant each. */
function corpusWindows(p: Program, max: number): [Op[], Op[]][] {
  const ops = toOps(p.insns).filter((o): o is Op => o !== null);
  const out: [Op[], Op[]][] = [];
  for (let i = 0; i + 2 <= ops.length && out.length < max; i += 3) {
    const len = 2 + (i % 5);
    const w = ops.slice(i, i + len);
    if (w.length < 2 || !w.every((o) => STRAIGHT.has(o.kind))) continue;
    const j = w.findIndex((o) => o.kind === 'alu' && 'imm' in o.src);
    if (j < 0) continue;
    const o = w[j] as Op & { kind: 'alu' };
    const m = w.slice();
    m[j] = { ...o, src: { imm: ((o.src as { imm: number }).imm + 1) | 0 } };
    out.push([w, m]);
    const e = w.findIndex((x) => rewrite(x) !== undefined || (x.kind === 'alu' && x.op === 'add' && 'imm' in x.src));
    if (e >= 0) {
      const x = w[e] as Op & { kind: 'alu' };
      const q = w.slice();
      q[e] = rewrite(x) ?? { ...x, op: 'sub', src: { imm: -(x.src as { imm: number }).imm | 0 } };
      out.push([w, q]);
    }
  }
  return out;
}

/** An equal in-place rewrite of one instruction, or undefined. */
function rewrite(o: Op): Op | undefined {
  if (o.kind === 'jcond' && 'imm' in o.src) {
    const k = o.src.imm;
    // `if r > k` ↔ `if r >= k+1`, `<` ↔ `<= k-1`, `>=` ↔ `> k-1`
    if (o.op === 'jgt' && k !== -1 && k !== 0x7fffffff) return { ...o, op: 'jge', src: { imm: k + 1 } };
    if (o.op === 'jlt' && k !== 0 && k !== -0x80000000) return { ...o, op: 'jle', src: { imm: k - 1 } };
    if (o.op === 'jge' && k !== 0 && k !== -0x80000000) return { ...o, op: 'jgt', src: { imm: k - 1 } };
    if (o.op === 'jne' && k === 0) return { ...o, op: 'jset', src: { imm: -1 } }; // r != 0 ⇔ r & ~0
  }
  if (o.kind === 'alu' && 'imm' in o.src) {
    const k = o.src.imm;
    if (o.op === 'lsh' && k > 0 && k < 31) return { ...o, op: 'mul', src: { imm: 1 << k } };
    if (o.op === 'and' && o.width === 64 && k >= 0) return { ...o, width: 32 }; // r & k, k ≥ 0: high half 0 either way
  }
  return undefined;
}

/** Equal rewrites Z3 must prove (one instruction each), up to `max`. */
function equalRewrites(p: Program, max: number): Program[] {
  const ops = toOps(p.insns);
  const out: Program[] = [];
  for (let i = 0; i < ops.length && out.length < max; i++) {
    const n = ops[i] && rewrite(ops[i]!);
    if (!n) continue;
    const insns = p.insns.slice();
    insns.splice(i, 1, ...fromOp(n));
    out.push({ ...p, insns });
  }
  return out;
}

/** Mutant: the first `r0 = k` becomes `r0 = k+1`. */
function r0Mutant(p: Program): Program | undefined {
  const ops = toOps(p.insns);
  const i = ops.findIndex((o) => o?.kind === 'alu' && o.op === 'mov' && o.dst === 0 && 'imm' in o.src);
  if (i < 0) return undefined;
  const o = ops[i] as Op & { kind: 'alu' };
  const insns = p.insns.slice();
  insns.splice(i, 1, ...fromOp({ ...o, src: { imm: ((o.src as { imm: number }).imm + 1) | 0 } }));
  return { ...p, insns };
}

const CORPUS = ['xdp_pktcntr', 'xdp_map_access', 'xdp_swap_tx', 'xdp1', 'xdp_parse_drop', 'xdp_router', 'tp_counter', 'kprobe_counter', 'xdp_lb_hash'];

/**
 * Both ways a query runs (src/smt/equiv.ts's inZ3): with a wall-clock cap, as the search asks (the
 * shared Z3 context), and bounded by the resource limit alone, as tests, proofs and the CLI without
 * --timeout ask (a fresh Z3 instance per query, so its work does not depend on earlier queries).
 */
const PATHS: readonly { label: string; limits: { timeoutMs?: number } }[] = [
  { label: '', limits: { timeoutMs: 20_000 } },
  { label: ', rlimit alone', limits: {} },
];

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const path of PATHS) rows.push(...(await timeChecks(path.label, path.limits)));
  return rows;
}

async function timeChecks(label: string, limits: { timeoutMs?: number }): Promise<BenchRow[]> {
  const A = (s: string): Insn[] => assemble(s).insns;
  await windowEquiv(A('r0 = 1'), A('r0 = 2'), { liveOut: [0], cache: null, ...limits }); // warm up Z3's workers
  const wEq: number[] = [], wNe: number[] = [], wAll: number[] = [];
  let wFold = 0;
  for (const [a, b] of PAIRS) {
    const r = await windowEquiv(A(a), A(b), { liveOut: [0, 1, 2, 3], cache: null, ...limits });
    (r.equal ? wEq : wNe).push(r.ms);
    wAll.push(r.ms);
  }
  const progs = CORPUS.map((n) => readObject(new Uint8Array(readFileSync(`corpus/${n}.o`))).link());
  for (const p of progs) {
    for (const [w, m] of corpusWindows(p, 6)) {
      const r = await windowEquiv(w, m, { liveOut: 0x3ff, cache: null, maps: p.maps, progType: p.type, ...limits });
      if (r.equal === null) continue;
      if (r.equal && r.folded) {
        wFold++;
        continue;
      }
      (r.equal ? wEq : wNe).push(r.ms);
      wAll.push(r.ms);
    }
  }
  const pEq: number[] = [], pNe: number[] = [], sizes: number[] = [];
  let pFold = 0;
  for (const p of progs) {
    for (const eq of equalRewrites(p, 4)) {
      const r = await programEquiv(p, eq, { cache: null, ...limits });
      if (r.equal === true && r.folded) pFold++;
      else if (r.equal === true) pEq.push(r.ms), sizes.push(p.insns.length);
    }
    const ne = r0Mutant(p);
    if (ne) {
      const r = await programEquiv(p, ne, { cache: null, ...limits });
      if (r.equal === false) pNe.push(r.ms);
    }
  }
  const k2 = 'K2: 4–302 ms per check';
  const how = limits.timeoutMs === undefined ? 'a fresh Z3 instance per query (tests, proofs, CLI without --timeout)' : `the shared Z3 context, ${limits.timeoutMs / 1000} s cap (the search)`;
  return [
    { name: `window check, median (2–6 insns)${label}`, value: median(wAll), unit: 'ms', note: `${wAll.length} checks, ${how}; ${k2}` },
    { name: `window check, equal, median${label}`, value: median(wEq), unit: 'ms', note: `${wEq.length} proofs by Z3 (+${wFold} decided by folding alone)` },
    { name: `window check, different, median${label}`, value: median(wNe), unit: 'ms', note: `${wNe.length} counterexamples` },
    { name: `window check, max${label}`, value: Math.max(...wAll), unit: 'ms' },
    { name: `program check, equal, median${label}`, value: median(pEq), unit: 'ms', note: `${pEq.length} proofs on corpus programs of ${Math.min(...sizes)}–${Math.max(...sizes)} slots (branch / and / shift rewrites; +${pFold} decided by folding alone), ${how}; ${k2}` },
    { name: `program check, different, median${label}`, value: median(pNe), unit: 'ms', note: `${pNe.length} mutants (r0 constant), incl. counterexample extraction` },
    { name: `program check, max${label}`, value: Math.max(...pEq, ...pNe), unit: 'ms' },
  ];
}
