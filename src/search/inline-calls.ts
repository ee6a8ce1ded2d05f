// Inlining bpf-to-bpf calls: a `call pc+K` of a subprogram is replaced by a copy of the callee's
// body. The callee's exits become jumps to the instruction after the call, and its frame moves
// below the caller's: every r10-relative access of the copy (and the `rX = r10; rX += K` that
// makes a stack pointer) is shifted by the caller's stack depth, rounded up to 8 bytes. Only
// leaf callees are inlined at a time, so a call chain collapses from the bottom; a callee is
// refused (with the reason) when its copy could behave differently: recursion, a tail call, a
// callback (a function an ld_imm64 pseudo-func names), LD_ABS/LD_IND or may_goto (they read the
// caller's registers or a hidden stack slot), a write to r6-r9 the caller still reads after the
// call (a callee saves nothing: the kernel restores them for it), r10 used in a way not rewritten,
// or a combined stack deeper than 512 bytes. The result is checked like any other candidate:
// src/smt proves it equivalent to the original with calls run in frames of their own.
import type { Insn } from '../isa/insn.ts';
import { fromOp, toOps, type Op } from '../isa/op.ts';
import { calleeSlot, defs, jumpSlot, liveRegs } from '../isa/flow.ts';
import { PSEUDO } from '../isa/opcodes.ts';
import { funcRanges, type Program } from '../isa/program.ts';

/** One instruction of a function being rearranged: its op and, for jumps and calls, the node it goes to. */
interface Node {
  op: Op;
  /** The slot of the input program this instruction comes from (-1: made here, an exit turned jump). */
  readonly origin: number;
  /** Input slots of the calls this node's body copy took the place of (it is the body's first node). */
  replaces?: number[];
  to?: Node;
  /** The function a local call or pseudo-func ld_imm64 names. */
  fn?: Fn;
}

interface Fn {
  readonly name: string;
  nodes: Node[];
}

export interface Refusal {
  readonly func: string;
  readonly reason: string;
}

export interface InlineResult {
  /** The program with every inlinable call inlined (the input itself when none was). */
  readonly program: Program;
  /** Call sites inlined, as callee names in the order they were done. */
  readonly inlined: readonly string[];
  /** Callees left as functions, and why. */
  readonly refused: readonly Refusal[];
  /** Per slot of the result: the input's slot it was copied from, -1 for a jump made here (absent when nothing was inlined). */
  readonly origins?: Int32Array;
  /** Calls inlined: the input's slot of the call and the result's slot of the body that took its place. */
  readonly replaced?: readonly Replaced[];
}

export interface Replaced {
  readonly call: number;
  readonly at: number;
}

const STACK_LIMIT = 512;
const TAIL_CALL = 12;

/** A program this transform cannot rearrange at all (the reason), or undefined. */
function unfit(p: Program): string | undefined {
  if (p.core) return 'CO-RE relocations are recorded by slot';
  return undefined;
}

/** Decode the program into functions of linked nodes. */
function decode(p: Program): Fn[] {
  const ops = toOps(p.insns);
  const ranges = funcRanges(p);
  const fns: Fn[] = ranges.map((r) => ({ name: r.name, nodes: [] }));
  const at = new Map<number, Node>();
  const fnAt = new Map<number, Fn>();
  ranges.forEach((r, i) => {
    fnAt.set(r.start, fns[i]);
    for (let pc = r.start; pc < r.end; pc++) {
      const op = ops[pc];
      if (!op) continue;
      const node: Node = { op, origin: pc };
      at.set(pc, node);
      fns[i].nodes.push(node);
    }
  });
  ranges.forEach((r) => {
    for (let pc = r.start; pc < r.end; pc++) {
      const op = ops[pc];
      if (!op) continue;
      const node = at.get(pc)!;
      const j = jumpSlot(op, pc);
      if (j >= 0) {
        if (j < r.start || j >= r.end || !at.has(j)) throw new Error(`${r.name}: jump at ${pc} leaves its function`);
        node.to = at.get(j);
      }
      const c = op.kind === 'lddw' && op.pseudo === PSEUDO.FUNC ? pc + 1 + op.lo : calleeSlot(op, pc);
      if (c >= 0) {
        const f = fnAt.get(c);
        if (!f) throw new Error(`${r.name}: call at ${pc} to ${c}, not a function start`);
        node.fn = f;
      }
    }
  });
  return fns;
}

/** Lay the functions out again (entry first), re-encoding jump and call offsets. */
// `callsAsNext`: local calls encoded as calls of the next slot (a function laid out alone, for liveness).
function encode(fns: readonly Fn[], callsAsNext = false): { insns: Insn[]; funcs: { name: string; start: number }[]; origins: Int32Array; replaced: Replaced[] } {
  const pos = new Map<Node, number>();
  const starts = new Map<Fn, number>();
  let pc = 0;
  for (const f of fns) {
    starts.set(f, pc);
    for (const n of f.nodes) {
      pos.set(n, pc);
      pc += n.op.kind === 'lddw' ? 2 : 1;
    }
  }
  const insns: Insn[] = [];
  const origins = new Int32Array(pc).fill(-1);
  const replaced: Replaced[] = [];
  for (const f of fns) {
    for (const n of f.nodes) {
      const here = pos.get(n)!;
      for (const call of n.replaces ?? []) replaced.push({ call, at: here });
      if (n.origin >= 0) {
        origins[here] = n.origin;
        if (n.op.kind === 'lddw') origins[here + 1] = n.origin + 1;
      }
      let op = n.op;
      if (n.to) {
        const off = pos.get(n.to)! - here - 1;
        if (off < -32768 || off > 32767) throw new Error(`${f.name}: a jump of ${off} slots does not fit`);
        op = { ...op, off } as Op;
      }
      if (n.fn) {
        const s = callsAsNext ? here + 1 : starts.get(n.fn);
        if (s === undefined) throw new Error(`${f.name}: calls ${n.fn.name}, which was removed`);
        if (op.kind === 'call') op = { ...op, imm: s - here - 1 };
        else if (op.kind === 'lddw') op = { ...op, lo: s - here - 1 };
      }
      insns.push(...fromOp(op));
    }
  }
  return { insns, funcs: fns.map((f) => ({ name: f.name, start: starts.get(f)! })), origins, replaced };
}

const isFp = (r: number): boolean => r === 10;

/** The memory access base register and offset of an op (undefined when it accesses no memory). */
function access(op: Op): { base: number; off: number } | undefined {
  switch (op.kind) {
    case 'ldx': return { base: op.src, off: op.off };
    case 'st': case 'stx': case 'atomic': return { base: op.dst, off: op.off };
    default: return undefined;
  }
}

/** Does the op read r10 other than as a memory access base? */
function readsFpOtherwise(op: Op): boolean {
  switch (op.kind) {
    case 'alu': return ('reg' in op.src && isFp(op.src.reg)) || isFp(op.dst);
    case 'jcond': return isFp(op.dst) || ('reg' in op.src && isFp(op.src.reg));
    case 'stx': case 'atomic': return isFp(op.src);
    case 'end': return isFp(op.dst);
    default: return false;
  }
}

/** `rX = r10` at nodes[i] followed by `rX += K`: K (the stack pointer it makes), else undefined. */
function fpPointer(nodes: readonly Node[], i: number, targets: ReadonlySet<Node>): number | undefined {
  const a = nodes[i].op, b = nodes[i + 1]?.op;
  if (a.kind !== 'alu' || a.op !== 'mov' || a.width !== 64 || a.ext || !('reg' in a.src) || a.src.reg !== 10) return undefined;
  if (!b || targets.has(nodes[i + 1]) || b.kind !== 'alu' || b.op !== 'add' || b.width !== 64 || b.dst !== a.dst || !('imm' in b.src)) return undefined;
  return b.src.imm;
}

const jumpTargets = (f: Fn): Set<Node> => new Set(f.nodes.flatMap((n) => (n.to ? [n.to] : [])));

/**
 * How deep a function's own frame is (bytes below r10 it touches), or the reason it cannot be
 * told: r10 used other than as an access base or in `rX = r10; rX += K`.
 */
function frameDepth(f: Fn): number | string {
  const targets = jumpTargets(f);
  let depth = 0;
  for (let i = 0; i < f.nodes.length; i++) {
    const op = f.nodes[i].op;
    const k = fpPointer(f.nodes, i, targets);
    if (k !== undefined) {
      if (k > 0) return `${f.name}: a pointer above the frame (r10 + ${k})`;
      depth = Math.max(depth, -k);
      i++;
      continue;
    }
    const a = access(op);
    if (a && isFp(a.base)) {
      if (a.off >= 0) return `${f.name}: an access above the frame (r10 + ${a.off})`;
      depth = Math.max(depth, -a.off);
    }
    if (readsFpOtherwise(op)) return `${f.name}: r10 escapes in an instruction not rewritten (${op.kind})`;
  }
  return depth;
}

/** Why callee g cannot be inlined anywhere (undefined: it can, given the call sites' checks). */
function calleeRefusal(g: Fn, callbacks: ReadonlySet<Fn>): string | undefined {
  if (callbacks.has(g)) return 'a callback (named by an ld_imm64 pseudo-func)';
  for (const n of g.nodes) {
    const op = n.op;
    if (op.kind === 'call' && op.callKind === 'local') return n.fn === g ? 'recursive' : 'not a leaf (calls another function)';
    if (op.kind === 'call' && op.callKind === 'helper' && op.imm === TAIL_CALL) return 'makes a tail call';
    if (op.kind === 'ldabs' || op.kind === 'ldind') return 'uses LD_ABS/LD_IND';
    if (op.kind === 'maygoto') return 'uses may_goto';
    if (op.kind === 'lddw' && op.pseudo === PSEUDO.FUNC) return 'names a callback';
  }
  const d = frameDepth(g);
  return typeof d === 'string' ? d : undefined;
}

/** r6-r9 the callee writes. */
function calleeSaved(g: Fn): number {
  let m = 0;
  for (const n of g.nodes) m |= defs(n.op);
  return m & 0x3c0;
}

/** Registers live after each node of f (by liveness over f alone, calls falling through). */
function liveAfter(f: Fn): Map<Node, number> {
  const { insns } = encode([f], true);
  const ops = toOps(insns);
  const live = liveRegs({ ops, end: ops.length });
  const out = new Map<Node, number>();
  let pc = 0;
  f.nodes.forEach((n, i) => {
    const next = f.nodes[i + 1];
    pc += n.op.kind === 'lddw' ? 2 : 1;
    out.set(n, next ? live[pc] : 0);
  });
  return out;
}

/** A copy of g's body for a call site: frame shifted down by `shift`, exits jumping to `cont`. */
function copyBody(g: Fn, shift: number, call: Node, cont: Node): Node[] {
  const targets = jumpTargets(g);
  const copy = new Map<Node, Node>();
  const out: Node[] = [];
  for (let i = 0; i < g.nodes.length; i++) {
    const n = g.nodes[i];
    let op = n.op;
    const a = access(op);
    if (a && isFp(a.base)) op = { ...op, off: a.off - shift } as Op;
    else if (i > 0 && fpPointer(g.nodes, i - 1, targets) !== undefined && op.kind === 'alu' && 'imm' in op.src) op = { ...op, src: { imm: op.src.imm - shift } };
    const c: Node = op.kind === 'exit' ? { op: { kind: 'ja', off: 0, long: false }, to: cont, origin: -1 } : { op, fn: n.fn, origin: n.origin };
    copy.set(n, c);
    out.push(c);
  }
  for (const n of g.nodes) if (n.to) copy.get(n)!.to = copy.get(n.to);
  out[0].replaces = [...(g.nodes[0].replaces ?? []), ...(call.replaces ?? []), call.origin];
  // an exit that was the body's last instruction now jumps to the next one: drop it
  while (out.length > 1 && out[out.length - 1].op.kind === 'ja' && out[out.length - 1].to === cont) {
    const last = out.pop()!;
    for (const n of out) if (n.to === last) n.to = cont;
  }
  return out;
}

/**
 * Inline call site `i` of f (a call of leaf g): the reason it cannot be, or undefined when done.
 * f's nodes are replaced only when every check passed.
 */
function inlineAt(f: Fn, i: number, g: Fn): string | undefined {
  const call = f.nodes[i];
  const cont = f.nodes[i + 1];
  if (!cont) return `${f.name}: the call to ${g.name} is its last instruction`;
  const live = liveAfter(f).get(call)!;
  const clash = live & calleeSaved(g);
  if (clash) return `writes ${regList(clash)}, live in ${f.name} after the call`;
  const fd = frameDepth(f), gd = frameDepth(g);
  if (typeof fd === 'string') return fd;
  if (typeof gd === 'string') return gd;
  const shift = Math.ceil(fd / 8) * 8;
  if (shift + gd > STACK_LIMIT) return `combined stack ${shift + gd} bytes > ${STACK_LIMIT}`;
  const body = copyBody(g, shift, call, cont);
  for (const n of f.nodes) if (n.to === call) n.to = body[0];
  f.nodes.splice(i, 1, ...body);
  return undefined;
}

/**
 * The deepest stack of any call chain from f, as the kernel adds frames up (check_max_stack_depth:
 * each frame's depth rounded up to 32 bytes, at least 32); undefined when a depth cannot be told.
 */
function chainDepth(f: Fn, seen: Set<Fn> = new Set()): number | undefined {
  const d = frameDepth(f);
  if (typeof d === 'string' || seen.has(f)) return undefined;
  seen.add(f);
  let below = 0;
  for (const n of f.nodes) {
    if (n.op.kind !== 'call' || !n.fn) continue;
    const c = chainDepth(n.fn, seen);
    if (c === undefined) return undefined;
    below = Math.max(below, c);
  }
  seen.delete(f);
  return Math.ceil(Math.max(d, 1) / 32) * 32 + below;
}

const regList = (m: number): string => [...Array(11).keys()].filter((r) => m & (1 << r)).map((r) => `r${r}`).join(', ');

/** Inline every call whose callee can be inlined (leaves first, so chains collapse). */
export function inlineCalls(p: Program): InlineResult {
  const why = unfit(p);
  const names = p.funcs.slice(1).map((f) => f.name);
  if (why) return { program: p, inlined: [], refused: names.map((func) => ({ func, reason: why })) };
  let fns: Fn[];
  try {
    fns = decode(p);
  } catch (e) {
    return { program: p, inlined: [], refused: names.map((func) => ({ func, reason: (e as Error).message })) };
  }
  const callbacks = new Set(fns.flatMap((f) => f.nodes.flatMap((n) => (n.op.kind === 'lddw' && n.fn ? [n.fn] : []))));
  const refused = new Map<Fn, string>();
  const inlined: string[] = [];
  for (let progress = true; progress;) {
    progress = false;
    for (const f of fns) {
      for (let i = 0; i < f.nodes.length; i++) {
        const n = f.nodes[i];
        const g = n.op.kind === 'call' ? n.fn : undefined;
        if (!g || refused.has(g)) continue;
        const r = calleeRefusal(g, callbacks);
        if (r?.startsWith('not a leaf')) continue; // maybe once its own callees are inlined
        const at = r ?? inlineAt(f, i, g);
        if (at) refused.set(g, at);
        else {
          inlined.push(g.name);
          progress = true;
        }
      }
    }
  }
  // callees nothing refers to any more are gone; a callee still called but never inlined stays
  const used = new Set<Fn>([fns[0]]);
  for (let grew = true; grew;) {
    grew = false;
    for (const f of fns) if (used.has(f)) for (const n of f.nodes) if (n.fn && !used.has(n.fn)) used.add(n.fn), (grew = true);
  }
  for (const f of fns) if (used.has(f) && f !== fns[0] && !refused.has(f)) refused.set(f, 'not a leaf (calls a function that stays)');
  const out = fns.filter((f) => used.has(f));
  const refusals = [...refused].filter(([f]) => used.has(f)).map(([f, reason]) => ({ func: f.name, reason }));
  if (!inlined.length) return { program: p, inlined, refused: refusals };
  // a caller that grew may still be called, or still call others: the chain must fit as a whole
  const chain = chainDepth(fns[0]);
  if (chain !== undefined && chain > STACK_LIMIT) {
    const reason = `the call chains left would need ${chain} bytes of stack > ${STACK_LIMIT}`;
    return { program: p, inlined: [], refused: names.map((func) => ({ func, reason })) };
  }
  let enc;
  try {
    enc = encode(out);
  } catch (e) {
    return { program: p, inlined: [], refused: [{ func: fns[0].name, reason: (e as Error).message }] };
  }
  return { program: { ...p, insns: enc.insns, funcs: enc.funcs }, inlined, refused: refusals, origins: enc.origins, replaced: enc.replaced };
}
