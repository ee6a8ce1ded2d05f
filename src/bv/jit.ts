// Compile a recording of trace.ts into a JavaScript function on int32 halves: every 64-bit value
// becomes two local int32 variables, every 32-bit value one, every boolean one, so the compiled
// operator allocates nothing and V8 keeps it in registers.
//
// Calling convention: inputs and outputs are 64-bit slots in memory shared by an Int32Array
// (little-endian: slot k is words 2k = low half, 2k+1 = high half) and a BigUint64Array, so the
// caller stores and loads bigints directly and the compiled code reads and writes halves.
import { endianness } from 'node:os';
import { Trace, type NodeWidth, type NativeImpl } from './trace.ts';
import { OUT, mulhi32, shl64, lshr64, ashr64, umulOverflows64 } from './u64.ts';
import { fixed64, fixed32, put, hiOf, loOf, arenaMark, arenaRelease } from './fixed.ts';

if (endianness() !== 'LE') throw new Error('bv/jit: the slot layout assumes a little-endian machine');

/** A compiled operator: reads input slots from I, writes output slots to O. */
export type CompiledFn = (I: Int32Array, O: Int32Array) => void;

/** An output: a node and the width to store it at (a 32-bit node stored at 64 is zero-extended). */
export interface OutPort {
  readonly id: number;
  readonly w: NodeWidth;
}

/** Operations compiled as calls (division, rare in the domains): evaluated on the fixed-width backend. */
const slow = {
  bin(op: string, w: number, ah: number, al: number, bh: number, bl: number): void {
    const m = arenaMark();
    const r = (w === 64 ? fixed64 : fixed32) as unknown as Record<string, (a: number, b: number) => number>;
    const v = r[op](put(ah, al), put(bh, bl));
    OUT[0] = hiOf(v);
    OUT[1] = loOf(v);
    arenaRelease(m);
  },
  test(op: string, w: number, ah: number, al: number, bh: number, bl: number): boolean {
    const m = arenaMark();
    const r = (w === 64 ? fixed64 : fixed32) as unknown as Record<string, (a: number, b: number) => boolean>;
    const v = r[op](put(ah, al), put(bh, bl));
    arenaRelease(m);
    return v;
  },
};

/**
 * Statements per generated function. V8 does not optimise a function past 60 KB of bytecode and
 * its optimising compile grows faster than linearly with size, so long recordings (a refinement
 * with four syncs is ~3,600 statements) are cut into functions of this many statements, which
 * pass the values that cross a cut through a scratch Int32Array.
 */
const CHUNK = 300;

/** JavaScript source of the functions computing `outs`: chunk functions c0…cN and a driver. */
export function emitSource(t: Trace, outs: readonly OutPort[], name: string): string {
  const nodes = t.nodes;
  const live = new Uint8Array(nodes.length);
  const stack = outs.map((o) => o.id);
  while (stack.length) {
    const i = stack.pop()!;
    if (live[i]) continue;
    live[i] = 1;
    for (const a of nodes[i].args) stack.push(a);
  }
  const lit = (x: number): string => (x < 0 ? `(${x})` : `${x}`);
  const H = (i: number): string => {
    const x = nodes[i];
    if (x.w !== 64) return '0';
    return x.op === 'const' ? lit(x.ch) : `h${i}`;
  };
  const L = (i: number): string => (nodes[i].op === 'const' ? lit(nodes[i].cl) : `l${i}`);
  // Booleans are int 0/1 and ite selects with a mask (-b): the code has no branches, which keeps
  // V8's optimising compile of these long functions short and the run free of mispredictions.
  const B = (i: number): string => (nodes[i].op === 'const' ? (nodes[i].cl ? '1' : '0') : `b${i}`);
  const M = (i: number): string => (nodes[i].op === 'const' ? (nodes[i].cl ? '-1' : '0') : `m${i}`);
  const per: { id: number; text: string[] }[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const x = nodes[i];
    if (!live[i] || x.op === 'const') continue;
    const [a, b, c] = x.args;
    const lines: string[] = [];
    per.push({ id: i, text: lines });
    const emit = (s: string) => lines.push(s);
    const v64 = (h: string, l: string) => emit(`const h${i} = ${h}, l${i} = ${l};`);
    const v32 = (l: string) => emit(`const l${i} = ${l};`);
    const bool = (e: string) => emit(`const b${i} = (${e}) | 0, m${i} = -b${i};`);
    const viaOut = (call: string) => (x.w === 64 ? emit(`${call}; const h${i} = OUT[0], l${i} = OUT[1];`) : emit(`${call}; const l${i} = OUT[1];`));
    const lowLt = (p: number, q: number) => `((${L(p)} >>> 0) < (${L(q)} >>> 0))`;
    const ult = (p: number, q: number, w: number) =>
      w === 64 ? `(((${H(p)} >>> 0) < (${H(q)} >>> 0)) | ((${H(p)} === ${H(q)}) & ${lowLt(p, q)}))` : lowLt(p, q);
    const slt = (p: number, q: number, w: number) =>
      w === 64 ? `((${H(p)} < ${H(q)}) | ((${H(p)} === ${H(q)}) & ${lowLt(p, q)}))` : `(${L(p)} < ${L(q)})`;
    const n = x.n;
    switch (x.op) {
      case 'in':
        if (x.w === 64) v64(`I[${2 * n + 1}]`, `I[${2 * n}]`);
        else v32(`I[${2 * n}]`);
        break;
      case 'add':
        if (x.w === 64) emit(`const t${i} = (${L(a)} >>> 0) + (${L(b)} >>> 0), l${i} = t${i} | 0, h${i} = (${H(a)} + ${H(b)} + ((t${i} >= 4294967296) | 0)) | 0;`);
        else v32(`(${L(a)} + ${L(b)}) | 0`);
        break;
      case 'sub':
        if (x.w === 64) emit(`const t${i} = (${L(a)} >>> 0) - (${L(b)} >>> 0), l${i} = t${i} | 0, h${i} = (${H(a)} - ${H(b)} - ((t${i} < 0) | 0)) | 0;`);
        else v32(`(${L(a)} - ${L(b)}) | 0`);
        break;
      case 'neg':
        if (x.w === 64) emit(`const t${i} = -(${L(a)} >>> 0), l${i} = t${i} | 0, h${i} = (-${H(a)} - ((t${i} < 0) | 0)) | 0;`);
        else v32(`(-${L(a)}) | 0`);
        break;
      case 'mul':
        if (x.w === 64) v64(`(mulhi(${L(a)}, ${L(b)}) + Math.imul(${L(a)}, ${H(b)}) + Math.imul(${H(a)}, ${L(b)})) | 0`, `Math.imul(${L(a)}, ${L(b)})`);
        else v32(`Math.imul(${L(a)}, ${L(b)})`);
        break;
      case 'and': case 'or': case 'xor': {
        const o = x.op === 'and' ? '&' : x.op === 'or' ? '|' : '^';
        if (x.w === 64) v64(`${H(a)} ${o} ${H(b)}`, `${L(a)} ${o} ${L(b)}`);
        else v32(`${L(a)} ${o} ${L(b)}`);
        break;
      }
      case 'not':
        if (x.w === 64) v64(`~${H(a)}`, `~${L(a)}`);
        else v32(`~${L(a)}`);
        break;
      case 'shlN':
        if (x.w === 32) v32(n >= 32 ? '0' : `${L(a)} << ${n}`);
        else if (n >= 64) v64('0', '0');
        else if (n >= 32) v64(`${L(a)} << ${n - 32}`, '0');
        else v64(`(${H(a)} << ${n}) | (${L(a)} >>> ${32 - n})`, `${L(a)} << ${n}`);
        break;
      case 'lshrN':
        if (x.w === 32) v32(n >= 32 ? '0' : `(${L(a)} >>> ${n}) | 0`);
        else if (n >= 64) v64('0', '0');
        else if (n >= 32) v64('0', `(${H(a)} >>> ${n - 32}) | 0`);
        else v64(`(${H(a)} >>> ${n}) | 0`, `(${L(a)} >>> ${n}) | (${H(a)} << ${32 - n})`);
        break;
      case 'ashrN':
        if (x.w === 32) v32(`${L(a)} >> ${Math.min(n, 31)}`);
        else if (n >= 63) v64(`${H(a)} >> 31`, `${H(a)} >> 31`);
        else if (n >= 32) v64(`${H(a)} >> 31`, `${H(a)} >> ${n - 32}`);
        else v64(`${H(a)} >> ${n}`, `(${L(a)} >>> ${n}) | (${H(a)} << ${32 - n})`);
        break;
      case 'shl': case 'lshr': case 'ashr': {
        // a shift by a value: amounts of the width or more (any high half set) are the width,
        // as the backends' `amount`; the 64-bit shift by a plain count is u64.ts', through OUT
        if (x.w === 64) {
          emit(`const n${i} = ((${H(b)} !== 0) | ((${L(b)} >>> 0) >= 64)) ? 64 : ${L(b)};`);
          viaOut(`${x.op === 'shl' ? 'SHL' : x.op === 'lshr' ? 'LSHR' : 'ASHR'}(${H(a)}, ${L(a)}, n${i})`);
        } else {
          emit(`const n${i} = (${L(b)} >>> 0) >= 32 ? 32 : ${L(b)};`);
          v32(x.op === 'shl' ? `n${i} >= 32 ? 0 : ${L(a)} << n${i}` : x.op === 'lshr' ? `n${i} >= 32 ? 0 : (${L(a)} >>> n${i}) | 0` : `${L(a)} >> (n${i} >= 32 ? 31 : n${i})`);
        }
        break;
      }
      case 'udiv': case 'urem':
        viaOut(`S.bin('${x.op}', ${x.w}, ${H(a)}, ${L(a)}, ${H(b)}, ${L(b)})`);
        break;
      case 'call':
        // arguments into the call buffer, results read by the 'proj' nodes that follow at once
        x.args.forEach((arg, k) => emit(`CI[${2 * k}] = ${L(arg)}; CI[${2 * k + 1}] = ${H(arg)};`));
        emit(`N[${n}](CI, CO);`);
        break;
      case 'proj':
        if (x.w === 64) v64(`CO[${2 * n + 1}]`, `CO[${2 * n}]`);
        else v32(`CO[${2 * n}]`);
        break;
      case 'lo32':
        v32(L(a));
        break;
      case 'sext32':
        v64(`${L(a)} >> 31`, L(a));
        break;
      case 'ite':
        if (x.w === 64) v64(`(${H(b)} & ${M(a)}) | (${H(c)} & ~${M(a)})`, `(${L(b)} & ${M(a)}) | (${L(c)} & ~${M(a)})`);
        else v32(`(${L(b)} & ${M(a)}) | (${L(c)} & ~${M(a)})`);
        break;
      case 'eq': bool(n === 64 ? `(${H(a)} === ${H(b)}) & (${L(a)} === ${L(b)})` : `${L(a)} === ${L(b)}`); break;
      case 'ne': bool(n === 64 ? `(${H(a)} !== ${H(b)}) | (${L(a)} !== ${L(b)})` : `${L(a)} !== ${L(b)}`); break;
      case 'ult': bool(ult(a, b, n)); break;
      case 'ugt': bool(ult(b, a, n)); break;
      case 'ule': bool(`1 ^ ${ult(b, a, n)}`); break;
      case 'uge': bool(`1 ^ ${ult(a, b, n)}`); break;
      case 'slt': bool(slt(a, b, n)); break;
      case 'sgt': bool(slt(b, a, n)); break;
      case 'sle': bool(`1 ^ ${slt(b, a, n)}`); break;
      case 'sge': bool(`1 ^ ${slt(a, b, n)}`); break;
      case 'umulOverflows':
        bool(n === 64 ? `umulOv(${H(a)}, ${L(a)}, ${H(b)}, ${L(b)})` : `(${L(a)} >>> 0) * (${L(b)} >>> 0) >= 4294967296`);
        break;
      case 'smulOverflows':
        bool(n === 64 ? `S.test('smulOverflows', 64, ${H(a)}, ${L(a)}, ${H(b)}, ${L(b)})` : `(${L(a)} * ${L(b)} < -2147483648 || ${L(a)} * ${L(b)} >= 2147483648)`);
        break;
      case 'bit':
        bool(n >= 32 ? `(${H(a)} >>> ${n - 32}) & 1` : `(${L(a)} >>> ${n}) & 1`);
        break;
      case 'andB': bool(x.args.map(B).join(' & ')); break;
      case 'orB': bool(x.args.map(B).join(' | ')); break;
      case 'notB': bool(`1 ^ ${B(a)}`); break;
      case 'iteB': bool(`(${B(b)} & ${M(a)}) | (${B(c)} & ~${M(a)})`); break;
      default:
        throw new Error(`bv/jit: no code for operation '${x.op}'`);
    }
  }
  // Cut into chunks (never between a call and the projections that read its results).
  const chunkOf = new Int32Array(nodes.length).fill(-1);
  const chunks: { ids: number[]; text: string[] }[] = [{ ids: [], text: [] }];
  for (const st of per) {
    let cur = chunks[chunks.length - 1];
    if (cur.ids.length >= CHUNK && nodes[st.id].op !== 'proj') chunks.push((cur = { ids: [], text: [] }));
    cur.ids.push(st.id);
    cur.text.push(...st.text);
    chunkOf[st.id] = chunks.length - 1;
  }
  const last = chunks.length - 1;
  const named = (a: number): boolean => nodes[a].op !== 'const' && nodes[a].op !== 'call';
  const usesOf = (id: number): number[] => (nodes[id].op === 'proj' ? [] : nodes[id].args.filter(named));
  const loads = chunks.map(() => new Set<number>());
  chunks.forEach((ch, k) => {
    for (const id of ch.ids) for (const a of usesOf(id)) if (chunkOf[a] !== k) loads[k].add(a);
  });
  for (const o of outs) if (named(o.id) && chunkOf[o.id] !== last) loads[last].add(o.id);
  const slot = new Map<number, number>();
  const stores = chunks.map((): number[] => []);
  let nScratch = 0;
  for (const set of loads) {
    for (const a of set) {
      if (slot.has(a)) continue;
      slot.set(a, nScratch);
      nScratch += nodes[a].w === 64 ? 2 : 1;
      stores[chunkOf[a]].push(a);
    }
  }
  const load = (a: number): string => {
    const k = slot.get(a)!, w = nodes[a].w;
    return w === 64 ? `const h${a} = X[${k}], l${a} = X[${k + 1}];` : w === 32 ? `const l${a} = X[${k}];` : `const b${a} = X[${k}], m${a} = -b${a};`;
  };
  const store = (a: number): string => {
    const k = slot.get(a)!, w = nodes[a].w;
    return w === 64 ? `X[${k}] = h${a}; X[${k + 1}] = l${a};` : w === 32 ? `X[${k}] = l${a};` : `X[${k}] = b${a};`;
  };
  const outLines = outs.map((o, k) =>
    o.w === 0 ? `O[${2 * k}] = ${B(o.id)}; O[${2 * k + 1}] = 0;` : `O[${2 * k}] = ${L(o.id)}; O[${2 * k + 1}] = ${o.w === 64 ? H(o.id) : '0'};`);
  const fns = chunks.map((ch, k) => [
    `function c${k}(I, O) {`,
    ...[...loads[k]].map(load),
    ...ch.text,
    ...stores[k].map(store),
    ...(k === last ? outLines : []),
    '}',
  ].join('\n'));
  const calls = chunks.map((_, k) => `c${k}(I, O);`).join(' ');
  const fname = name.replace(/\W/g, '_');
  // one chunk: return it (no driver call in between)
  if (chunks.length === 1) return `${fns[0].replace('function c0(', `function ${fname}(`)}\nreturn ${fname};`;
  return `const X = new Int32Array(${Math.max(nScratch, 1)});\n${fns.join('\n')}\nreturn function ${fname}(I, O) { ${calls} };`;
}

/** Compile the recording into a function (V8 compiles the source once; it is then cached here). */
export function compileTrace(t: Trace, outs: readonly OutPort[], name = 'compiled'): CompiledFn {
  const factory = new Function('S', 'OUT', 'mulhi', 'umulOv', 'N', 'CI', 'CO', 'SHL', 'LSHR', 'ASHR', emitSource(t, outs, name)) as (
    s: typeof slow, out: Int32Array, mh: typeof mulhi32, uo: typeof umulOverflows64, n: NativeImpl[], ci: Int32Array, co: Int32Array,
    sh: typeof shl64, lsh: typeof lshr64, ash: typeof ashr64) => CompiledFn;
  return factory(slow, OUT, mulhi32, umulOverflows64, t.natives, new Int32Array(32), new Int32Array(32), shl64, lshr64, ashr64);
}

// Re-exported for tests that check the halves arithmetic the emitted code mirrors.
export { shl64, lshr64, ashr64 };
