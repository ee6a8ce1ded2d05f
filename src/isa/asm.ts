// Assembler for the syntaxes disasm.ts prints: llvm-objdump's and the verifier log's, mixed
// freely, plus labels (`loop:`), `goto label`, `call label` (bpf-to-bpf), helper names
// (`call bpf_map_lookup_elem`), and comments (`;`, `#`, `//`). Listing prefixes are ignored,
// so a disassembly can be fed back: `12: (61) ...` (kernel) or `12:\t61 12 ...\t...` (llvm).
import { fromOp, lddwParts, type AluName, type AtomicName, type JcondName, type Op, type Operand, type Size } from './op.ts';
import { helperId } from './helpers.ts';
import type { Insn } from './insn.ts';
import { JCOND_SYM } from './disasm.ts';

export class AsmError extends Error {
  constructor(message: string, readonly line: number, readonly col: number) {
    super(`${line}:${col}: ${message}`);
    this.name = 'AsmError';
  }
}

interface Tok {
  t: string;
  col: number;
}

const SYMBOLS = [
  's>>=', '<<=', '>>=', 's/=', 's%=', 's>=', 's<=', '+=', '-=', '*=', '/=', '%=', '|=', '&=', '^=',
  '==', '!=', '>=', '<=', 's>', 's<', '=', '>', '<', '&', '(', ')', '*', '[', ']', '+', '-', ',', ':', '#',
];

function tokenize(src: string, line: number): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    const word = /^[A-Za-z_.][A-Za-z0-9_.]*|^0[xX][0-9a-fA-F]+|^[0-9]+/.exec(src.slice(i));
    // `s>` etc. start with a letter: try symbols that begin with 's' before words.
    const sym = SYMBOLS.find((s) => src.startsWith(s, i));
    if (sym && (sym[0] !== 's' || !/^s[A-Za-z0-9_]/.test(src.slice(i)))) {
      out.push({ t: sym, col: i + 1 });
      i += sym.length;
    } else if (word) {
      out.push({ t: word[0], col: i + 1 });
      i += word[0].length;
    } else {
      throw new AsmError(`unexpected character '${ch}'`, line, i + 1);
    }
  }
  return out;
}

/** Remove comments and listing prefixes; returns the code part and its column offset. */
function stripLine(raw: string): { code: string; offset: number; opcode?: number } {
  let s = raw;
  for (const c of [';', '//']) {
    const k = s.indexOf(c);
    if (k >= 0) s = s.slice(0, k);
  }
  const hash = s.search(/#(?!\d)/); // `#` starts a comment unless it is `name#12`
  if (hash >= 0 && !/[A-Za-z_]$/.test(s.slice(0, hash))) s = s.slice(0, hash);
  let offset = 0;
  const kernelPrefix = /^\s*\d+:\s*\(([0-9a-f]{2})\)\s*/.exec(s);
  // the kernel log tells lddw from mov only by its opcode: `(18) r1 = 0x0`
  const opcode = kernelPrefix ? parseInt(kernelPrefix[1], 16) : undefined;
  const llvmPrefix = /^\s*\d+:\t(?:(?:[0-9a-f]{2} ){7}[0-9a-f]{2}(?: (?:[0-9a-f]{2} ){7}[0-9a-f]{2})?\t)?/.exec(s);
  const m = kernelPrefix ?? llvmPrefix;
  if (m) {
    offset = m[0].length;
    s = s.slice(offset);
  }
  // llvm-objdump's jump target annotation: `goto +0x2 <xdp+0x50>`
  s = s.replace(/\s+<[^<>\s]+>\s*$/, '');
  return { code: s, offset, opcode };
}

interface Pending {
  op: Op;
  line: number;
  col: number;
  /** Label a jump or local call refers to. */
  label?: string;
}

class Parser {
  private k = 0;
  constructor(private toks: Tok[], private line: number, private endCol: number, readonly opcode?: number) {}

  peek(d = 0): string | undefined {
    return this.toks[this.k + d]?.t;
  }
  col(): number {
    return this.toks[this.k]?.col ?? this.endCol;
  }
  err(msg: string): never {
    throw new AsmError(msg, this.line, this.col());
  }
  next(): string {
    const t = this.toks[this.k++];
    if (!t) this.err('unexpected end of line');
    return t.t;
  }
  eat(t: string): boolean {
    if (this.peek() === t) {
      this.k++;
      return true;
    }
    return false;
  }
  expect(t: string): void {
    if (!this.eat(t)) this.err(`expected '${t}'${this.peek() ? ` but found '${this.peek()}'` : ''}`);
  }
  done(): boolean {
    return this.k >= this.toks.length;
  }
  end(): void {
    if (!this.done()) this.err(`unexpected '${this.peek()}'`);
  }

  /** r0..r10 or w0..w10. */
  reg(): { n: number; w: boolean } {
    const t = this.peek();
    const m = t ? /^([rw])(\d+)$/.exec(t) : null;
    if (!m || Number(m[2]) > 10) this.err(`expected a register (r0-r10 or w0-w10)${t ? `, found '${t}'` : ''}`);
    this.k++;
    return { n: Number(m![2]), w: m![1] === 'w' };
  }
  isReg(d = 0): boolean {
    const t = this.peek(d);
    return !!t && /^[rw](\d|10)$/.test(t);
  }
  /** Signed integer, decimal or hex, as bigint. */
  int(): bigint {
    let neg = false;
    if (this.eat('-')) neg = true;
    else this.eat('+');
    const t = this.peek();
    if (!t || !/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(t)) this.err(`expected a number${t ? `, found '${t}'` : ''}`);
    this.k++;
    const v = BigInt(t!);
    return neg ? -v : v;
  }
  isInt(): boolean {
    const t = this.peek() === '-' || this.peek() === '+' ? this.peek(1) : this.peek();
    return !!t && /^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(t);
  }
  /** A 32-bit immediate: accepts -2^31 .. 2^32-1 (unsigned values wrap, as `0xffffffff`). */
  imm32(): number {
    const c = this.col();
    const v = this.int();
    if (v < -(1n << 31n) || v > 0xffff_ffffn) throw new AsmError(`immediate ${v} does not fit in 32 bits`, this.line, c);
    return Number(BigInt.asIntN(32, v));
  }
  off16(): number {
    const c = this.col();
    const v = this.int();
    if (v < -32768n || v > 32767n) throw new AsmError(`offset ${v} does not fit in 16 bits`, this.line, c);
    return Number(v);
  }
  /** `*(u32 *)` or `(u32 *)`; returns size and signedness. */
  sizeCast(star: boolean): { size: Size; signed: boolean } {
    if (star) this.expect('*');
    this.expect('(');
    const t = this.next();
    const m = /^([us])(8|16|32|64)$/.exec(t);
    if (!m) this.err(`expected a size like u32, found '${t}'`);
    this.expect('*');
    this.expect(')');
    return { size: (Number(m![2]) / 8) as Size, signed: m![1] === 's' };
  }
  /** `(r1 + 0x4)`, `(r1 +4)`, `(r1 -8)`, `(r1)`; or without parentheses for xchg/cmpxchg. */
  addr(paren = true): { reg: number; off: number } {
    if (paren) this.expect('(');
    const r = this.reg();
    let off = 0;
    if (this.peek() === '+' || this.peek() === '-') {
      const neg = this.next() === '-';
      const c = this.col();
      const v = this.int();
      const o = neg ? -v : v;
      if (o < -32768n || o > 32767n) throw new AsmError(`offset ${o} does not fit in 16 bits`, this.line, c);
      off = Number(o);
    }
    if (paren) this.expect(')');
    return { reg: r.n, off };
  }
  /** Jump target: +N, -N, pc+N, pc-N, or a label. */
  target(): { off?: number; label?: string } {
    const t = this.peek();
    if (t === 'pc') {
      this.k++;
      return { off: this.off16orLong() };
    }
    if (t && /^[A-Za-z_.][A-Za-z0-9_.]*$/.test(t)) {
      this.k++;
      return { label: t };
    }
    return { off: this.off16orLong() };
  }
  private off16orLong(): number {
    const c = this.col();
    const v = this.int();
    if (v < -(1n << 31n) || v >= 1n << 31n) throw new AsmError(`jump offset ${v} out of range`, this.line, c);
    return Number(v);
  }
}

const ALU_BY_SYM: Record<string, AluName> = {
  '+=': 'add', '-=': 'sub', '*=': 'mul', '/=': 'div', 's/=': 'sdiv', '|=': 'or', '&=': 'and',
  '<<=': 'lsh', '>>=': 'rsh', '%=': 'mod', 's%=': 'smod', '^=': 'xor', 's>>=': 'arsh',
};
const JCOND_BY_SYM: Record<string, JcondName> = Object.fromEntries(
  Object.entries(JCOND_SYM).map(([k, v]) => [v, k as JcondName]),
);
const ATOMIC_SYM: Record<string, AtomicName> = { '+=': 'add', '|=': 'or', '&=': 'and', '^=': 'xor' };

function parseStatement(p: Parser, line: number, col: number): Pending {
  const at = (op: Op, label?: string): Pending => ({ op, line, col, label });
  const t = p.peek()!;
  if (t === 'exit') {
    p.next();
    return at({ kind: 'exit' });
  }
  if (t === 'call') {
    p.next();
    return parseCall(p, at);
  }
  if (t === 'goto' || t === 'gotol' || t === 'ja') {
    p.next();
    const tg = p.target();
    const long = t === 'gotol';
    if (!long && tg.off !== undefined && (tg.off < -32768 || tg.off > 32767)) p.err(`jump offset ${tg.off} does not fit in 16 bits (use gotol)`);
    return at({ kind: 'ja', off: tg.off ?? 0, long }, tg.label);
  }
  if (t === 'may_goto') {
    p.next();
    const tg = p.target();
    if (tg.off !== undefined && (tg.off < -32768 || tg.off > 32767)) p.err(`jump offset ${tg.off} does not fit in 16 bits`);
    return at({ kind: 'maygoto', off: tg.off ?? 0 }, tg.label);
  }
  if (t === 'if') {
    p.next();
    const d = p.reg();
    const sym = p.next();
    const op = JCOND_BY_SYM[sym];
    if (!op) p.err(`unknown comparison '${sym}'`);
    let src: Operand;
    if (p.isReg()) {
      const s = p.reg();
      if (s.w !== d.w) p.err('both registers of a comparison must be rN or both wN');
      src = { reg: s.n };
    } else src = { imm: p.imm32() };
    if (!p.eat('goto')) p.expect('goto');
    const tg = p.target();
    if (tg.off !== undefined && (tg.off < -32768 || tg.off > 32767)) p.err(`jump offset ${tg.off} does not fit in 16 bits`);
    return at({ kind: 'jcond', op, width: d.w ? 32 : 64, dst: d.n, src, off: tg.off ?? 0 }, tg.label);
  }
  if (t === 'lock') {
    p.next();
    const { size } = p.sizeCast(true);
    const a = p.addr();
    const sym = p.next();
    const op = ATOMIC_SYM[sym];
    if (!op) p.err(`unknown atomic operation '${sym}'`);
    const s = p.reg();
    return at(atomic(p, size, op, false, a, s.n));
  }
  if (t === 'ld_pseudo') {
    p.next();
    const d = p.reg();
    p.expect(',');
    const pseudo = Number(p.int());
    p.expect(',');
    const lo = p.imm32();
    const hi = p.eat(',') ? p.imm32() : 0;
    return at({ kind: 'lddw', dst: d.n, pseudo, lo, hi });
  }
  if (t === 'store_release') {
    p.next();
    p.expect('(');
    const { size } = p.sizeCast(false);
    const a = p.addr();
    p.expect(',');
    const s = p.reg();
    p.expect(')');
    return at(atomic(p, size, 'store_rel', false, a, s.n));
  }
  if (t === '*') {
    const { size } = p.sizeCast(true);
    const a = p.addr();
    p.expect('=');
    if (p.isReg()) return at({ kind: 'stx', size, dst: a.reg, src: p.reg().n, off: a.off });
    return at({ kind: 'st', size, dst: a.reg, off: a.off, imm: p.imm32() });
  }
  if (p.isReg()) return parseRegStatement(p, at);
  return p.err(`unknown instruction '${t}'`);
}

function atomic(p: Parser, size: Size, op: AtomicName, fetch: boolean, a: { reg: number; off: number }, src: number): Op {
  if (size !== 4 && size !== 8) p.err('atomic operations are 32 or 64 bits wide');
  return { kind: 'atomic', size: size as 4 | 8, op, fetch, dst: a.reg, src, off: a.off };
}

function parseCall(p: Parser, at: (op: Op, label?: string) => Pending): Pending {
  const t = p.peek();
  if (t === 'pc') {
    p.next();
    return at({ kind: 'call', callKind: 'local', imm: Number(p.int()), off: 0 });
  }
  if ((t === 'kernel' && p.peek(1) === '-' && p.peek(2) === 'function') || t === 'kfunc') {
    if (p.next() === 'kernel') p.next(), p.next();
    p.eat('#');
    return at({ kind: 'call', callKind: 'kfunc', imm: p.imm32(), off: 0 });
  }
  if (t && /^[A-Za-z_]/.test(t)) {
    p.next();
    if (p.eat('#')) return at({ kind: 'call', callKind: 'helper', imm: p.imm32(), off: 0 });
    const id = helperId(t);
    if (id !== undefined) return at({ kind: 'call', callKind: 'helper', imm: id, off: 0 });
    return at({ kind: 'call', callKind: 'local', imm: 0, off: 0 }, t);
  }
  return at({ kind: 'call', callKind: 'helper', imm: p.imm32(), off: 0 });
}

function parseRegStatement(p: Parser, at: (op: Op, label?: string) => Pending): Pending {
  const d = p.reg();
  const width = d.w ? 32 : 64;
  const sym = p.next();
  if (sym !== '=') {
    const op = ALU_BY_SYM[sym];
    if (!op) p.err(`unknown operator '${sym}'`);
    if (p.isReg()) {
      const s = p.reg();
      if (s.w !== d.w) p.err('mixing rN and wN in one ALU instruction');
      return at({ kind: 'alu', op, width, dst: d.n, src: { reg: s.n } });
    }
    return at({ kind: 'alu', op, width, dst: d.n, src: { imm: p.imm32() } });
  }
  const t = p.peek();
  // r0 = -r0
  if (t === '-' && p.isReg(1)) {
    p.next();
    const s = p.reg();
    if (s.n !== d.n) p.err('neg must use the same register on both sides');
    return at({ kind: 'alu', op: 'neg', width, dst: d.n, src: { imm: 0 } });
  }
  // r0 = (s8)r1
  if (t === '(' && /^s(8|16|32)$/.test(p.peek(1) ?? '') && p.peek(2) === ')') {
    p.next();
    const ext = Number(p.next().slice(1)) as 8 | 16 | 32;
    p.next();
    const s = p.reg();
    return at({ kind: 'alu', op: 'movsx', width, dst: d.n, src: { reg: s.n }, ext });
  }
  // r0 = be16 r0 / le32 / bswap64
  const end = t ? /^(be|le|bswap)(16|32|64)$/.exec(t) : null;
  if (end) {
    p.next();
    const s = p.reg();
    if (s.n !== d.n) p.err(`${t} must use the same register on both sides`);
    return at({ kind: 'end', order: end[1] === 'bswap' ? 'swap' : (end[1] as 'be' | 'le'), bits: Number(end[2]) as 16 | 32 | 64, dst: d.n });
  }
  // loads: r0 = *(u32 *)(r1 + 4) / *(u8 *)skb[...]
  if (t === '*') {
    const { size, signed } = p.sizeCast(true);
    if (p.eat('skb')) {
      p.expect('[');
      if (p.isReg()) {
        const s = p.reg();
        let imm = 0;
        if (p.eat('+') || p.peek() === '-') imm = p.imm32(); // `r1 + 4`, `r1 + -4`, `r1 - 4`
        p.expect(']');
        return at({ kind: 'ldind', size, src: s.n, imm });
      }
      const imm = p.imm32();
      p.expect(']');
      return at({ kind: 'ldabs', size, imm });
    }
    const a = p.addr();
    if (signed && size === 8) p.err('there is no sign-extending 64-bit load');
    return at({ kind: 'ldx', size, signed, dst: d.n, src: a.reg, off: a.off });
  }
  // atomics with a result: r1 = atomic_fetch_add((u64 *)(r10 - 8), r1), xchg_64(...), cmpxchg_64(...)
  if (t && /^(atomic(64)?_fetch_(add|or|and|xor)|atomic(64)?_(xchg|cmpxchg)|xchg(_64|32_32)|cmpxchg(_64|32_32)|load_acquire)$/.test(t)) {
    return at(parseAtomicCall(p, d.n));
  }
  if (p.isReg()) {
    const s = p.reg();
    return at({ kind: 'alu', op: 'mov', width, dst: d.n, src: { reg: s.n } });
  }
  // immediates: `ll` marks lddw; a value that does not fit 32 bits is lddw too (kernel log form)
  const c = p.col();
  const v = p.int();
  const ll = p.eat('ll');
  if (ll || p.opcode === 0x18 || v > 0xffff_ffffn || v < -(1n << 31n) || (!d.w && v > 0x7fff_ffffn)) {
    if (d.w) throw new AsmError('a 64-bit immediate needs an rN destination', 0, c);
    if (v < -(1n << 63n) || v >= 1n << 64n) p.err(`immediate ${v} does not fit in 64 bits`);
    return at({ kind: 'lddw', dst: d.n, pseudo: 0, ...lddwParts(v) });
  }
  return at({ kind: 'alu', op: 'mov', width, dst: d.n, src: { imm: Number(BigInt.asIntN(32, v)) } });
}

function parseAtomicCall(p: Parser, dst: number): Op {
  const name = p.next();
  p.expect('(');
  let size: Size;
  let a: { reg: number; off: number };
  if (name.startsWith('xchg') || name.startsWith('cmpxchg')) {
    size = name.endsWith('_64') ? 8 : 4;
    a = p.addr(false);
  } else {
    size = p.sizeCast(false).size;
    a = p.addr();
  }
  if (name === 'load_acquire') {
    p.expect(')');
    return atomic(p, size, 'load_acq', false, a, dst);
  }
  p.expect(',');
  if (name.includes('cmpxchg')) {
    const r0 = p.reg();
    if (r0.n !== 0 || dst !== 0) p.err('cmpxchg compares with and returns into r0');
    p.expect(',');
  }
  const s = p.reg();
  p.expect(')');
  if (name.includes('cmpxchg')) return atomic(p, size, 'cmpxchg', true, a, s.n);
  if (s.n !== dst) p.err('a fetching atomic writes the old value into its source register');
  if (name.includes('xchg')) return atomic(p, size, 'xchg', true, a, s.n);
  const op = /fetch_(add|or|and|xor)/.exec(name)![1] as AtomicName;
  return atomic(p, size, op, true, a, s.n);
}

export interface AsmResult {
  insns: Insn[];
  /** Label → slot index. */
  labels: Map<string, number>;
}

/** Assemble source text into instruction slots. Throws AsmError naming line and column. */
export function assemble(source: string): AsmResult {
  const pending: Pending[] = [];
  const labels = new Map<string, number>();
  let slot = 0;
  const lines = source.split(/\r?\n/);
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    const { code, offset, opcode } = stripLine(raw);
    if (!code.trim()) return;
    let toks = tokenize(code, line).map((t) => ({ ...t, col: t.col + offset }));
    // labels: `name:` at the start (possibly several)
    while (toks.length >= 2 && toks[1].t === ':' && /^[A-Za-z_.][A-Za-z0-9_.]*$/.test(toks[0].t)) {
      if (labels.has(toks[0].t)) throw new AsmError(`label '${toks[0].t}' defined twice`, line, toks[0].col);
      labels.set(toks[0].t, slot);
      toks = toks.slice(2);
    }
    if (!toks.length) return;
    const p = new Parser(toks, line, raw.length + 1, opcode);
    let st: Pending;
    try {
      st = parseStatement(p, line, toks[0].col);
    } catch (e) {
      if (e instanceof AsmError && e.line === 0) throw new AsmError(e.message.replace(/^0:\d+: /, ''), line, e.col);
      throw e;
    }
    p.end();
    pending.push({ ...st, op: { ...st.op }, line, col: st.col });
    (pending[pending.length - 1] as Pending & { slot: number }).slot = slot;
    slot += st.op.kind === 'lddw' ? 2 : 1;
  });
  const insns: Insn[] = [];
  for (const st of pending as (Pending & { slot: number })[]) {
    let op = st.op;
    if (st.label !== undefined) {
      const target = labels.get(st.label);
      if (target === undefined) throw new AsmError(`unknown label '${st.label}'`, st.line, st.col);
      const rel = target - st.slot - 1;
      if (op.kind === 'call') op = { ...op, imm: rel };
      else if (op.kind === 'ja' || op.kind === 'jcond' || op.kind === 'maygoto') {
        if ((op.kind !== 'ja' || !op.long) && (rel < -32768 || rel > 32767)) {
          throw new AsmError(`jump to '${st.label}' is ${rel} slots away: too far for a 16-bit offset`, st.line, st.col);
        }
        op = { ...op, off: rel };
      }
    }
    insns.push(...fromOp(op));
  }
  return { insns, labels };
}
