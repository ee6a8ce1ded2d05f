// Drivers of the symbolic executor: a straight-line window, and a whole acyclic program (backward
// jumps too, when they close no cycle) with
// path merging (every instruction's incoming states are joined with ite on their path
// conditions, so the formula grows with the program, not with the number of paths).
// A bpf-to-bpf call runs its callee in a frame of its own (see callLocal): one more copy of the
// callee's formula per call site, as the kernel's verifier walks it once per call site.
import type { Insn } from '../isa/insn.ts';
import { toOps, type Op } from '../isa/op.ts';
import { calleeSlot, jumpSlot, nextSlot } from '../isa/flow.ts';
import type { FB } from './fold.ts';
import { branchCond, step, Unsupported, type Exec } from './exec.ts';
import { cloneState, mergeStates, STACK_SIZE, type SymState, type Val } from './state.ts';

/** Ops of a slot sequence (an lddw's second slot dropped). */
export function opsOf(code: readonly Insn[] | readonly Op[]): Op[] {
  if (code.length === 0 || 'kind' in code[0]) return code as Op[];
  return toOps(code as Insn[]).filter((o): o is Op => o !== null);
}

/** Run straight-line code from `st` (mutated). Jumps and exit are refused. */
export function execWindow(ex: Exec, st: SymState, code: readonly Insn[] | readonly Op[]): SymState {
  for (const op of opsOf(code)) {
    if (op.kind === 'ja' || op.kind === 'jcond' || op.kind === 'exit') throw new Unsupported(`${op.kind} inside a window`);
    step(ex, st, op);
  }
  return st;
}

interface Edge {
  c: FB;
  st: SymState;
}

/** Join the states reaching one point: ite over their (disjoint) path conditions. */
function join(ex: Exec, edges: Edge[]): Edge {
  let st = edges[edges.length - 1].st;
  for (let j = edges.length - 2; j >= 0; j--) st = mergeStates(ex.ctx, edges[j].c, edges[j].st, st);
  return { c: ex.R.orB(...edges.map((e) => e.c)), st };
}

/** The slots a slot may go to next (ignoring its condition); out-of-range targets left out. */
function successors(ops: readonly (Op | null)[], pc: number): number[] {
  const op = ops[pc];
  if (!op || op.kind === 'exit') return [];
  const out: number[] = [];
  const j = jumpSlot(op, pc);
  if (j >= 0) out.push(j);
  if (op.kind !== 'ja') out.push(nextSlot(op, pc));
  return out.filter((t) => t >= 0 && t < ops.length);
}

/**
 * The order to run the slots in: every slot after all slots that can reach it. Slot order when
 * every jump is forward (the formula then has the shape it always had); otherwise a topological
 * order of the slots reachable from 0 (a tail merge sends a jump back to an earlier sequence
 * without making a loop), and a cycle is refused.
 */
function runOrder(ops: readonly (Op | null)[], start: number, end: number): number[] {
  const n = ops.length;
  let backward = false;
  for (let pc = start; pc < end; pc++) {
    const o = ops[pc];
    if (o !== null && (o.kind === 'ja' || o.kind === 'jcond') && o.off < 0) backward = true;
  }
  if (!backward) return Array.from({ length: end - start }, (_, i) => start + i);
  // iterative depth-first search; reverse postorder is topological when no edge closes a cycle
  const state = new Uint8Array(n); // 0 unseen, 1 on the stack, 2 done
  const post: number[] = [];
  const stack: [number, number[]][] = [[start, successors(ops, start)]];
  state[start] = 1;
  while (stack.length) {
    const top = stack[stack.length - 1];
    const next = top[1].pop();
    if (next === undefined) {
      state[top[0]] = 2;
      post.push(top[0]);
      stack.pop();
    } else if (state[next] === 1) throw new Unsupported('loop (a cycle in the control flow)');
    else if (state[next] === 0) {
      state[next] = 1;
      stack.push([next, successors(ops, next)]);
    }
  }
  return post.reverse();
}

/** Deepest call chain the kernel allows (MAX_CALL_FRAMES): deeper means recursion. */
const MAX_FRAMES = 8;

/** Where each function starts: slot 0 and every local call's target, in slot order. */
function functionStarts(ops: readonly (Op | null)[]): number[] {
  const starts = new Set<number>([0]);
  ops.forEach((o, pc) => {
    if (o) {
      const t = calleeSlot(o, pc);
      if (t >= 0) starts.add(t);
    }
  });
  return [...starts].sort((a, b) => a - b);
}

interface Code {
  readonly ops: readonly (Op | null)[];
  readonly starts: readonly number[];
}

/** Run an acyclic program from `st`; the state at exit, joined over all exits. */
export function execProgram(ex: Exec, st: SymState, insns: readonly Insn[]): SymState {
  const ops = toOps(insns);
  return execFunction(ex, st, { ops, starts: functionStarts(ops) }, 0, 1);
}

/**
 * A bpf-to-bpf call from state `s`: the callee runs with r1-r5 as they are, its own frame (r10 one
 * frame below the caller's: a stack region no caller slot overlaps) and r0, r6-r9 unset (the
 * verifier rejects reading them there); back in the caller, r0 is the callee's, r1-r5 are
 * clobbered and r6-r10 are the caller's again. Memory, maps and the helper history carry over.
 */
function callLocal(ex: Exec, s: SymState, code: Code, target: number, depth: number): SymState {
  if (depth >= MAX_FRAMES) throw new Unsupported(`calls nested deeper than ${MAX_FRAMES} frames (recursion?)`);
  if (!code.starts.includes(target)) throw new Unsupported(`call to ${target}, not a function start`);
  const zero: Val = { v: 0n };
  const fp = s.regs[10];
  const regs: Val[] = [zero, ...s.regs.slice(1, 6), zero, zero, zero, zero, { v: ex.R.sub(fp.v, ex.R.c(STACK_SIZE)), t: fp.t }];
  const out = execFunction(ex, { ...s, regs }, code, target, depth + 1);
  out.regs = [out.regs[0], zero, zero, zero, zero, zero, ...s.regs.slice(6, 11)];
  return out;
}

/** Run the function starting at `start` (its slots up to the next function's start). */
function execFunction(ex: Exec, st: SymState, code: Code, start: number, depth: number): SymState {
  const { ops, starts } = code;
  const n = ops.length;
  const end = starts.find((x) => x > start) ?? n;
  const order = runOrder(ops, start, end);
  const pending: (Edge[] | undefined)[] = new Array(n + 1);
  pending[start] = [{ c: true, st }];
  const exits: Edge[] = [];
  const R = ex.R;
  const go = (pc: number, e: Edge): void => {
    if (e.c === false) return;
    if (pc > end || pc < start) throw new Unsupported(`jump out of the function to ${pc}`);
    (pending[pc] ??= []).push(e);
  };
  for (const pc of order) {
    const inc = pending[pc];
    if (!inc) continue;
    pending[pc] = undefined;
    const op = ops[pc];
    if (op === null) throw new Unsupported(`jump into the middle of lddw at ${pc}`);
    const { c, st: s } = join(ex, inc);
    switch (op.kind) {
      case 'exit':
        exits.push({ c, st: s });
        break;
      case 'ja':
        go(jumpSlot(op, pc), { c, st: s });
        break;
      case 'jcond': {
        const t = branchCond(ex, s, op);
        if (t === true) go(jumpSlot(op, pc), { c, st: s });
        else if (t === false) go(nextSlot(op, pc), { c, st: s });
        else {
          go(jumpSlot(op, pc), { c: R.andB(c, t), st: cloneState(s) });
          go(nextSlot(op, pc), { c: R.andB(c, R.notB(t)), st: s });
        }
        break;
      }
      case 'call':
        if (op.callKind === 'local') go(nextSlot(op, pc), { c, st: callLocal(ex, s, code, calleeSlot(op, pc), depth) });
        else {
          if (op.callKind !== 'helper') throw new Unsupported(`${op.callKind} call`);
          step(ex, s, op);
          go(nextSlot(op, pc), { c, st: s });
        }
        break;
      default:
        step(ex, s, op);
        go(nextSlot(op, pc), { c, st: s });
    }
  }
  if (pending[end]) throw new Unsupported(end === n ? 'execution falls off the end' : `execution falls off the function at ${start} into the next`);
  if (exits.length === 0) throw new Unsupported('no reachable exit');
  return join(ex, exits).st;
}
