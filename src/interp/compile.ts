// A compiled tier: the pre-decoded code (decode.ts) turned into one JavaScript function per
// program (new Function), with r0-r10 as local int32 pairs instead of Int32Array slots,
// immediates as literals, and one `switch` case per jump target so that straight-line code
// runs without dispatch. The interpreter (vm.ts) stays the reference: the compiled function
// has execute()'s contract for a run from the entry (same fault codes, m.insnCount, m.faultPc,
// registers written back) and is fuzzed equal to it (test/interp/compile.test.ts) and replayed
// against the kernel's recorded runs (test/fuzz/interp.test.ts).
//
// Only what needs no machinery outside the loop is compiled: ALU, byte order, jumps, exit,
// lddw, loads and stores (the same fast paths as vm.ts, the same slow-path calls). Programs
// with calls, atomics, LD_ABS/LD_IND, may_goto or tail-call targets are not (compile returns
// undefined and the caller keeps the interpreter). Compiling costs far more than a run (the
// source, then V8's own tiers): worth it only for a program run many times unchanged.
import { bswap16, bswap32, mulhiu, OUT, sdiv64, smod64, udiv64, umod64 } from './arith.ts';
import { CONST_BASE, O } from './decode.ts';
import { F_FALLOFF, F_INVALID, F_JUMP, F_STEP, REGION_CTX, REGION_PKT, TAG } from './layout.ts';
import type { Machine } from './machine.ts';

/** A compiled program: runs from the entry as execute(m, entry) does and returns the fault code. */
export type CompiledRun = (m: Machine) => number;

/** Programs longer than this are not compiled (V8 does not optimize very large functions). */
export const MAX_COMPILED_SLOTS = 4096;

const UNSUPPORTED = new Set<number>([O.CALL, O.CALLX, O.CALL_LOCAL, O.LDABS, O.LDIND, O.ATOMIC, O.MAYGOTO]);
const isJump = (op: number): boolean => op === O.JA || (op >= O.JEQ && op <= O.JSLE) || (op >= O.JEQ32 && op <= O.JSLE32);

/** JavaScript source of the 64-bit (and 32-bit) conditions, over dst (L, H) and src (SL, SH). */
function condition(op: number, L: string, H: string, SL: string, SH: string): string {
  const u = (x: string) => `(${x} >>> 0)`;
  const wide = (cmp: string, hi: (a: string) => string) =>
    `(${hi(H)} ${cmp[0]} ${hi(SH)} || (${H} === ${SH} && ${u(L)} ${cmp} ${u(SL)}))`;
  switch (op) {
    case O.JEQ: return `(${L} === ${SL} && ${H} === ${SH})`;
    case O.JNE: return `(${L} !== ${SL} || ${H} !== ${SH})`;
    case O.JSET: return `((${L} & ${SL}) !== 0 || (${H} & ${SH}) !== 0)`;
    case O.JGT: return wide('>', u);
    case O.JGE: return wide('>=', u);
    case O.JLT: return wide('<', u);
    case O.JLE: return wide('<=', u);
    case O.JSGT: return wide('>', (x) => x);
    case O.JSGE: return wide('>=', (x) => x);
    case O.JSLT: return wide('<', (x) => x);
    case O.JSLE: return wide('<=', (x) => x);
    case O.JEQ32: return `(${L} === ${SL})`;
    case O.JNE32: return `(${L} !== ${SL})`;
    case O.JSET32: return `((${L} & ${SL}) !== 0)`;
    case O.JGT32: return `(${u(L)} > ${u(SL)})`;
    case O.JGE32: return `(${u(L)} >= ${u(SL)})`;
    case O.JLT32: return `(${u(L)} < ${u(SL)})`;
    case O.JLE32: return `(${u(L)} <= ${u(SL)})`;
    case O.JSGT32: return `(${L} > ${SL})`;
    case O.JSGE32: return `(${L} >= ${SL})`;
    case O.JSLT32: return `(${L} < ${SL})`;
    case O.JSLE32: return `(${L} <= ${SL})`;
    default: throw new Error(`not a condition: ${op}`);
  }
}

/** JavaScript source of one ALU or byte-order op on dst (L, H) with src (SL, SH); undefined if not one. */
function alu(op: number, L: string, H: string, SL: string, SH: string): string | undefined {
  switch (op) {
    case O.ADD64: return `{ const al = ${L}, lo = (al + ${SL}) | 0; ${H} = (${H} + ${SH} + ((lo >>> 0) < (al >>> 0) ? 1 : 0)) | 0; ${L} = lo; }`;
    case O.SUB64: return `{ const al = ${L}, bl = ${SL}; ${H} = (${H} - ${SH} - ((al >>> 0) < (bl >>> 0) ? 1 : 0)) | 0; ${L} = (al - bl) | 0; }`;
    case O.MUL64: return `{ const al = ${L}, bl = ${SL}; ${H} = (mulhiu(al, bl) + Math.imul(al, ${SH}) + Math.imul(${H}, bl)) | 0; ${L} = Math.imul(al, bl); }`;
    case O.DIV64: return `{ const bh = ${SH}, bl = ${SL}; if ((bh | bl) === 0) { ${L} = 0; ${H} = 0; } else { udiv64(${H}, ${L}, bh, bl); ${L} = OUT[0]; ${H} = OUT[1]; } }`;
    case O.SDIV64: return `{ const bh = ${SH}, bl = ${SL}; if ((bh | bl) === 0) { ${L} = 0; ${H} = 0; } else if ((bh & bl) === -1) { const al = ${L}; ${L} = -al | 0; ${H} = (~${H} + (al === 0 ? 1 : 0)) | 0; } else { sdiv64(${H}, ${L}, bh, bl); ${L} = OUT[0]; ${H} = OUT[1]; } }`;
    case O.MOD64: return `{ const bh = ${SH}, bl = ${SL}; if ((bh | bl) !== 0) { umod64(${H}, ${L}, bh, bl); ${L} = OUT[0]; ${H} = OUT[1]; } }`;
    case O.SMOD64: return `{ const bh = ${SH}, bl = ${SL}; if ((bh & bl) === -1) { ${L} = 0; ${H} = 0; } else if ((bh | bl) !== 0) { smod64(${H}, ${L}, bh, bl); ${L} = OUT[0]; ${H} = OUT[1]; } }`;
    case O.OR64: return `${L} |= ${SL}; ${H} |= ${SH};`;
    case O.AND64: return `${L} &= ${SL}; ${H} &= ${SH};`;
    case O.XOR64: return `${L} ^= ${SL}; ${H} ^= ${SH};`;
    case O.LSH64: return `{ const k = ${SL} & 63; if (k >= 32) { ${H} = ${L} << (k - 32); ${L} = 0; } else if (k !== 0) { ${H} = (${H} << k) | (${L} >>> (32 - k)); ${L} <<= k; } }`;
    case O.RSH64: return `{ const k = ${SL} & 63; if (k >= 32) { ${L} = (${H} >>> (k - 32)) | 0; ${H} = 0; } else if (k !== 0) { ${L} = (${L} >>> k) | (${H} << (32 - k)); ${H} = (${H} >>> k) | 0; } }`;
    case O.ARSH64: return `{ const k = ${SL} & 63; if (k >= 32) { ${L} = ${H} >> (k - 32); ${H} >>= 31; } else if (k !== 0) { ${L} = (${L} >>> k) | (${H} << (32 - k)); ${H} >>= k; } }`;
    case O.NEG64: return `{ const al = ${L}; ${L} = -al | 0; ${H} = (~${H} + (al === 0 ? 1 : 0)) | 0; }`;
    case O.MOV64: return `${L} = ${SL}; ${H} = ${SH};`;
    case O.MOVSX64_8: return `{ const v = (${SL} << 24) >> 24; ${L} = v; ${H} = v >> 31; }`;
    case O.MOVSX64_16: return `{ const v = (${SL} << 16) >> 16; ${L} = v; ${H} = v >> 31; }`;
    case O.MOVSX64_32: return `{ const v = ${SL}; ${L} = v; ${H} = v >> 31; }`;
    case O.ADD32: return `${L} = (${L} + ${SL}) | 0; ${H} = 0;`;
    case O.SUB32: return `${L} = (${L} - ${SL}) | 0; ${H} = 0;`;
    case O.MUL32: return `${L} = Math.imul(${L}, ${SL}); ${H} = 0;`;
    case O.DIV32: return `{ const b = ${SL} >>> 0; ${L} = b === 0 ? 0 : ((${L} >>> 0) / b) | 0; ${H} = 0; }`;
    case O.SDIV32: return `{ const b = ${SL}; ${L} = b === 0 ? 0 : b === -1 ? -${L} | 0 : (${L} / b) | 0; ${H} = 0; }`;
    case O.MOD32: return `{ const b = ${SL} >>> 0; if (b !== 0) ${L} = ((${L} >>> 0) % b) | 0; ${H} = 0; }`;
    case O.SMOD32: return `{ const b = ${SL}; if (b === -1) ${L} = 0; else if (b !== 0) ${L} = (${L} % b) | 0; ${H} = 0; }`;
    case O.OR32: return `${L} |= ${SL}; ${H} = 0;`;
    case O.AND32: return `${L} &= ${SL}; ${H} = 0;`;
    case O.XOR32: return `${L} ^= ${SL}; ${H} = 0;`;
    case O.LSH32: return `${L} <<= ${SL} & 31; ${H} = 0;`;
    case O.RSH32: return `${L} = (${L} >>> (${SL} & 31)) | 0; ${H} = 0;`;
    case O.ARSH32: return `${L} >>= ${SL} & 31; ${H} = 0;`;
    case O.NEG32: return `${L} = -${L} | 0; ${H} = 0;`;
    case O.MOV32: return `${L} = ${SL}; ${H} = 0;`;
    case O.MOVSX32_8: return `${L} = (${SL} << 24) >> 24; ${H} = 0;`;
    case O.MOVSX32_16: return `${L} = (${SL} << 16) >> 16; ${H} = 0;`;
    case O.LE16: return `${L} &= 0xffff; ${H} = 0;`;
    case O.LE32: return `${H} = 0;`;
    case O.NOP: return '';
    case O.SWAP16: return `${L} = bswap16(${L}) | 0; ${H} = 0;`;
    case O.SWAP32: return `${L} = bswap32(${L}) | 0; ${H} = 0;`;
    case O.SWAP64: return `{ const lo = ${L}; ${L} = bswap32(${H}) | 0; ${H} = bswap32(lo) | 0; }`;
    default: return undefined;
  }
}

/** Does the op write its dst register? */
const writesDst = (op: number): boolean => alu(op, 'a', 'b', 'c', 'd') !== undefined && op !== O.NOP || op === O.LDDW || (op >= O.LDXB && op <= O.LDXSW);

/** Loads: width, signedness and the fast path's read expression at arena index `at`. */
const LOADS: Record<number, { size: number; signed: boolean; lo: (at: string) => string; hi: (lo: string, at: string) => string }> = {
  [O.LDXB]: { size: 1, signed: false, lo: (at) => `u8[${at}]`, hi: () => '0' },
  [O.LDXH]: { size: 2, signed: false, lo: (at) => `dv.getUint16(${at}, true)`, hi: () => '0' },
  [O.LDXW]: { size: 4, signed: false, lo: (at) => `dv.getInt32(${at}, true)`, hi: () => '0' },
  [O.LDXDW]: { size: 8, signed: false, lo: (at) => `dv.getInt32(${at}, true)`, hi: (_, at) => `dv.getInt32(${at} + 4, true)` },
  [O.LDXSB]: { size: 1, signed: true, lo: (at) => `dv.getInt8(${at})`, hi: (lo) => `${lo} >> 31` },
  [O.LDXSH]: { size: 2, signed: true, lo: (at) => `dv.getInt16(${at}, true)`, hi: (lo) => `${lo} >> 31` },
  [O.LDXSW]: { size: 4, signed: true, lo: (at) => `dv.getInt32(${at}, true)`, hi: (lo) => `${lo} >> 31` },
};
const STORES: Record<number, { size: number; put: (at: string, SL: string, SH: string) => string }> = {
  [O.STB]: { size: 1, put: (at, SL) => `u8[${at}] = ${SL};` },
  [O.STH]: { size: 2, put: (at, SL) => `dv.setUint16(${at}, ${SL} & 0xffff, true);` },
  [O.STW]: { size: 4, put: (at, SL) => `dv.setInt32(${at}, ${SL}, true);` },
  [O.STDW]: { size: 8, put: (at, SL, SH) => `dv.setInt32(${at}, ${SL}, true); dv.setInt32(${at} + 4, ${SH}, true);` },
};

/**
 * The JavaScript source of m's decoded entry program as a CompiledRun body, or undefined when
 * it holds something this tier leaves to the interpreter. Exported for tests and inspection.
 */
export function compileSource(m: Machine): string | undefined {
  const D = m.dec.code, slots = D.length >> 2;
  if (m.dec.entries.length !== 1 || slots > MAX_COMPILED_SLOTS) return undefined;
  const read = new Set<number>(), written = new Set<number>();
  const leaders = new Set<number>([m.dec.entries[0]]);
  for (let g = 0; g < slots; g++) {
    const w = D[4 * g], op = w & 0xff, d = w >>> 8, s = D[4 * g + 1];
    if (UNSUPPORTED.has(op)) return undefined;
    if (isJump(op)) leaders.add(D[4 * g + 2]);
    if (op === O.EXIT) read.add(0);
    if (alu(op, '', '', '', '') !== undefined || isJump(op) || op in STORES) {
      if (op !== O.JA && op !== O.NOP) read.add(d);
      if (s < CONST_BASE && op !== O.JA) read.add(s);
    }
    if (op in LOADS) read.add(s);
    if (writesDst(op)) written.add(d);
  }
  // an lddw's second slot can be a jump target (it faults there): the lddw then jumps past it
  for (let g = 0; g + 1 < slots; g++) if ((D[4 * g] & 0xff) === O.LDDW && leaders.has(g + 1)) leaders.add(g + 2);
  const RL = m.RL, RH = m.RH;
  const reg = (r: number) => ({ L: `l${r}`, H: `h${r}` });
  const src = (s: number) => (s < CONST_BASE ? { SL: `l${s}`, SH: `h${s}` } : { SL: `(${RL[s]})`, SH: `(${RH[s]})` });
  const out: string[] = [];
  const used = [...new Set([...read, ...written])].sort((a, b) => a - b);
  // (a register written on some paths only keeps its value on the others: all are loaded)
  for (const r of used) out.push(`let l${r} = RL[${r}], h${r} = RH[${r}];`);
  out.push('let n = 0, fault = 0, fpc = 0, bb = ' + m.dec.entries[0] + ';');
  out.push('run: for (;;) switch (bb) {');
  let k = 0; // instructions since the last case label (all run when control falls through)
  const stop = (g: number, f: string) => `{ n += ${k + 1}; fpc = ${g}; fault = ${f}; break run; }`;
  for (let g = 0; g < slots; g++) {
    const w = D[4 * g], op = w & 0xff, d = w >>> 8, s = D[4 * g + 1], w2 = D[4 * g + 2], w3 = D[4 * g + 3];
    if (leaders.has(g)) {
      if (k !== 0) out.push(`n += ${k};`);
      out.push(`case ${g}:`);
      k = 0;
    }
    const { L, H } = reg(d);
    const { SL, SH } = src(s);
    const a = alu(op, L, H, SL, SH);
    if (a !== undefined) out.push(a);
    else if (isJump(op)) {
      const go = `{ n += ${k + 1}; if (n > limit) { fpc = ${w2 - 1}; fault = ${F_STEP}; break run; } bb = ${w2}; continue run; }`;
      out.push(op === O.JA ? go : `if ${condition(op, L, H, SL, SH)} ${go}`);
    } else if (op === O.EXIT) out.push(stop(g, '0'));
    else if (op === O.LDDW) {
      out.push(`${L} = ${w2}; ${H} = ${w3};`);
      if (leaders.has(g + 1)) out.push(`{ n += ${k + 1}; bb = ${g + 2}; continue run; }`);
      g++; // its second slot: a jump there lands on an invalid instruction
      if (leaders.has(g)) {
        out.push(`case ${g}:`);
        k = 0;
        out.push(`m.faultMsg = m.dec.invalid.get(${g}) ?? 'invalid instruction';`, stop(g, String(F_INVALID)));
      }
    } else if (op in LOADS) {
      const ld = LOADS[op];
      const { L: AL, H: AH } = reg(s);
      const xdp = m.ctxKind === 'xdp';
      const ctx = op === O.LDXW && xdp
        ? ` else if (id === ${REGION_CTX} && a <= 8 && (a & 3) === 0 && a + 4 <= rHi[id]) { ${L} = a === 0 ? m.pktData : a === 4 ? m.pktEnd : m.pktMeta; ${H} = ${TAG + REGION_PKT}; }`
        : '';
      // a deferred packet's bytes and half-words are read in the caller's array, as in vm.ts
      const pending = (op === O.LDXB || op === O.LDXH) && xdp
        ? ` else if (id === ${REGION_PKT} && m.pendingPkt !== null && a >= rLo[id] && a + ${ld.size} <= rHi[id]) { const p = m.pendingPkt, k = a - rLo[id]; ${L} = ${op === O.LDXB ? 'p[k]' : 'p[k] | (p[k + 1] << 8)'}; ${H} = 0; }`
        : '';
      out.push(`{ const h = ${AH}, a = (${AL} >>> 0) + ${w2}, id = (h - ${TAG}) >>> 0;`,
        `if (id < nreg && rdFast[id] !== 0 && a >= rLo[id] && a + ${ld.size} <= rHi[id]) { const at = rBase[id] + a, v = ${ld.lo('at')}; ${L} = v; ${H} = ${ld.hi('v', 'at')}; }${ctx}${pending}`,
        `else { const f = m.loadSlow(h, a, ${ld.size}, ${ld.signed}, ${d}); if (f !== 0) ${stop(g, 'f')} ${L} = RL[${d}]; ${H} = RH[${d}]; } }`);
    } else if (op in STORES) {
      const st = STORES[op];
      const flush = s < CONST_BASE ? `RL[${s}] = ${SL}; RH[${s}] = ${SH}; ` : '';
      out.push(`{ const h = ${H}, a = (${L} >>> 0) + ${w2}, id = (h - ${TAG}) >>> 0;`,
        `if (id < nreg && wrFast[id] !== 0 && a >= rLo[id] && a + ${st.size} <= rHi[id]) { const at = rBase[id] + a; ${st.put('at', SL, SH)} }`,
        `else { ${flush}const f = m.storeSlow(h, a, ${st.size}, ${s}); if (f !== 0) ${stop(g, 'f')} } }`);
    } else if (op === O.FELL_OFF) out.push(`m.faultMsg = 'execution fell off the end of the program';`, stop(g, String(F_FALLOFF)));
    else if (op === O.BAD_JUMP) out.push(`m.faultMsg = 'jump out of range';`, stop(g, String(F_JUMP)));
    else out.push(`m.faultMsg = m.dec.invalid.get(${g}) ?? 'invalid instruction';`, stop(g, String(F_INVALID)));
    k++;
  }
  out.push('default: throw new Error("compiled code: no block " + bb);', '}');
  for (const r of written) out.push(`RL[${r}] = l${r}; RH[${r}] = h${r};`);
  out.push('m.insnCount = n; m.faultPc = fpc; m.depth = 0; return fault;');
  return out.join('\n');
}

/** Compile m's decoded entry program, or undefined when this tier does not cover it. */
export function compile(m: Machine): CompiledRun | undefined {
  const body = compileSource(m);
  if (body === undefined) return undefined;
  const prologue = 'const RL = m.RL, RH = m.RH, u8 = m.u8, dv = m.dv, nreg = m.nreg, rBase = m.rBase, rLo = m.rLo, rHi = m.rHi, rdFast = m.rdFast, wrFast = m.wrFast, limit = m.stepLimit;';
  const factory = new Function('mulhiu', 'udiv64', 'sdiv64', 'umod64', 'smod64', 'OUT', 'bswap16', 'bswap32',
    `return function compiledRun(m) {\n${prologue}\n${body}\n};`) as (...a: unknown[]) => CompiledRun;
  return factory(mulhiu, udiv64, sdiv64, umod64, smod64, OUT, bswap16, bswap32);
}
