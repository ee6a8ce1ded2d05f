// Rejections reported by return instead of a throw (env.ts reject): an uninitialised register read
// by an ALU instruction or a jump, a load, a store or an atomic (step.ts), an ALU instruction's own checks
// (alu.ts aluStep, reported by step.ts), the memory checks (mem.ts memFault), a helper call's
// argument checks and the other calls, exits, atomics, LD_ABS / LD_IND, BPF_END, lddw and
// conditional jumps (call.ts, jmp.ts, step.ts), and the unprivileged Spectre checks (spectre.ts).
// Each carries the instruction and the kernel's message; step.ts firstUnread names the register
// of the !read_ok an instruction's own checks return first, and analyze.ts unreadAtResume answers
// a resumed run whose first instruction returns one as the run does. call-rejects.json holds
// random programs ending in such instructions with the verdicts recorded when these rejections
// were thrown (scripts/record-call-rejects.ts at 3f4d175).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { assemble } from '../../src/isa/asm.ts';
import { type AluName, type JcondName, type Op, fromOp } from '../../src/isa/op.ts';
import { setSlot, slotTableAt, slotTableBytes, uses } from '../../src/isa/flow.ts';
import type { MapDef, Program, ProgType } from '../../src/isa/program.ts';
import { type Ctx, type Verdict, cfgOrReject, copyCtx, freshCtx, run, unreadAtResume, verify } from '../../src/verifier/analyze.ts';
import type { Cfg } from '../../src/verifier/cfg.ts';
import { Incremental } from '../../src/verifier/incremental.ts';
import { type Env, REJECTED, VerifierError } from '../../src/verifier/env.ts';
import { firstUnread, step } from '../../src/verifier/step.ts';
import { aluStep } from '../../src/verifier/alu.ts';
import { condJump } from '../../src/verifier/jmp.ts';
import { ImmRegs, NOT_INIT, constReg } from '../../src/verifier/regs.ts';
import { type State, cloneState, newFrame } from '../../src/verifier/state.ts';
import { assertVerdict } from './verdict.ts';
import { readFileSync } from 'node:fs';
import { type CallCase, callCase, callProgram } from './call-programs.ts';

const t = suite('verifier/reject-return');

const ARRAY: MapDef = { name: 'arr', type: 2, keySize: 4, valueSize: 16, maxEntries: 4, flags: 0 };
const RINGBUF: MapDef = { name: 'rb', type: 27, keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 };

interface Case {
  name: string;
  asm: string;
  type?: ProgType;
  maps?: MapDef[];
  privileged?: boolean;
  /** The instruction and the kernel's whole message. */
  reject: [number, string];
}

const CASES: Case[] = [
  { name: 'mov from an unset register', asm: 'r0 = r3\nexit', reject: [0, 'R3 !read_ok'] },
  { name: '32-bit mov from an unset register', asm: 'w0 = w4\nexit', reject: [0, 'R4 !read_ok'] },
  { name: 'sign-extending mov from an unset register', asm: 'r0 = (s8)r5\nexit', reject: [0, 'R5 !read_ok'] },
  { name: 'binary op, both unset: the source first', asm: 'r2 += r3\nr0 = 0\nexit', reject: [0, 'R3 !read_ok'] },
  { name: 'binary op, the destination unset', asm: 'r3 = 1\nr2 *= r3\nr0 = 0\nexit', reject: [1, 'R2 !read_ok'] },
  { name: 'binary op with an immediate, the destination unset', asm: 'r0 = 0\nr2 <<= 3\nexit', reject: [1, 'R2 !read_ok'] },
  { name: 'neg of an unset register', asm: 'r2 = -r2\nr0 = 0\nexit', reject: [0, 'R2 !read_ok'] },
  { name: 'jump, both unset: the destination first', asm: 'r0 = 0\nif r2 > r3 goto +0\nexit', reject: [1, 'R2 !read_ok'] },
  { name: 'jump, the source unset', asm: 'r0 = 0\nr2 = 1\nif r2 s< r7 goto +0\nexit', reject: [2, 'R7 !read_ok'] },
  { name: 'jump on an immediate, the register unset', asm: 'if w0 == 0 goto +0\nexit', reject: [0, 'R0 !read_ok'] },
  { name: 'load through an unset register', asm: 'r0 = *(u32 *)(r3 + 0)\nexit', reject: [0, 'R3 !read_ok'] },
  { name: 'store, both unset: the source first', asm: '*(u32 *)(r2 + 0) = r3\nr0 = 0\nexit', reject: [0, 'R3 !read_ok'] },
  { name: 'store through an unset register', asm: 'r3 = 0\n*(u32 *)(r2 + 0) = r3\nr0 = 0\nexit', reject: [1, 'R2 !read_ok'] },
  { name: 'store of an immediate through an unset register', asm: '*(u64 *)(r4 - 8) = 1\nr0 = 0\nexit', reject: [0, 'R4 !read_ok'] },
  { name: 'atomic, both unset: the source first', asm: 'lock *(u64 *)(r2 + 0) += r3\nr0 = 0\nexit', reject: [0, 'R3 !read_ok'] },
  { name: 'atomic through an unset register', asm: 'r3 = 1\nlock *(u64 *)(r2 + 0) += r3\nr0 = 0\nexit', reject: [1, 'R2 !read_ok'] },
  { name: '32-bit pointer arithmetic', asm: 'w1 += 1\nr0 = 0\nexit', reject: [0, 'R1 32-bit pointer arithmetic prohibited'] },
  { name: 'a bitwise operator on a pointer', asm: 'r1 &= 1\nr0 = 0\nexit', reject: [0, 'R1 bitwise operator &= on pointer prohibited'] },
  { name: 'a pointer added to a pointer', asm: 'r2 = r10\nr1 += r2\nr0 = 0\nexit', reject: [1, 'R1 pointer += pointer prohibited'] },
  { name: 'a pointer multiplied', asm: 'r2 = r10\nr2 *= 3\nr0 = 0\nexit', reject: [1, 'R2 pointer arithmetic with *= operator prohibited'] },
  { name: 'a shift by more than the width', asm: 'r0 = 0\nr1 <<= 70\nexit', reject: [1, 'invalid shift 70'] },
  { name: 'packet read past the checked range', type: 'xdp', asm: 'r2 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 0)\nr0 = 0\nexit',
    reject: [1, 'invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)\nR2 offset is outside of the packet'] },
  { name: 'context read out of the context', type: 'xdp', asm: 'r0 = *(u32 *)(r1 + 200)\nr0 = 0\nexit', reject: [0, 'invalid bpf_context access off=200 size=4'] },
  { name: 'stack write above the frame', asm: '*(u64 *)(r10 + 0) = 0\nr0 = 0\nexit', reject: [0, 'invalid write to stack R10 off=0 size=8'] },
  { name: 'misaligned stack write', asm: '*(u32 *)(r10 - 6) = 0\nr0 = 0\nexit', reject: [0, 'misaligned stack access off 0+0+-6 size 4'] },
  { name: 'a scalar dereferenced', asm: 'r2 = 1\nr0 = *(u8 *)(r2 + 0)\nexit', reject: [1, "R2 invalid mem access 'scalar'"] },
  { name: 'a pointer spilled in part', asm: '*(u32 *)(r10 - 8) = r1\nr0 = 0\nexit', reject: [0, 'invalid size of register spill'] },
  { name: 'an unwritten stack slot read (unprivileged)', privileged: false, asm: 'r0 = *(u64 *)(r10 - 8)\nexit', reject: [0, 'invalid read from stack off -8+0 size 8'] },
  { name: 'map value read past its end', maps: [ARRAY],
    asm: 'r1 = 0\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nld_pseudo r1, 5, 0\ncall map_lookup_elem\nif r0 == 0 goto +1\nr0 = *(u64 *)(r0 + 16)\nr0 = 0\nexit',
    reject: [8, 'invalid access to map value, value_size=16 off=16 size=8\nR0 min value is outside of the allowed memory range'] },
  // helper calls (call.ts helperCall and checkArg, in check_func_arg's order)
  { name: 'a helper argument unset', asm: 'r6 = r1\ncall ktime_get_ns\ncall map_lookup_elem\nr0 = 0\nexit', reject: [2, 'R1 !read_ok'] },
  { name: 'a scalar for a map pointer', asm: 'r1 = 0\ncall map_lookup_elem\nr0 = 0\nexit', reject: [1, 'R1 type=scalar expected=map_ptr'] },
  { name: 'a scalar for a key pointer', maps: [ARRAY], asm: 'ld_pseudo r1, 5, 0\nr2 = 0\ncall map_lookup_elem\nr0 = 0\nexit',
    reject: [3, 'R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_'] },
  { name: 'a key read from unwritten stack (unprivileged)', privileged: false, maps: [ARRAY], asm: 'ld_pseudo r1, 5, 0\nr2 = r10\nr2 += -8\ncall map_lookup_elem\nr0 = 0\nexit',
    reject: [4, 'invalid indirect read from stack R2 off -8+0 size 4'] },
  { name: 'a helper writing above the frame', asm: 'r1 = r10\nr1 += -8\nr2 = 16\ncall get_current_comm\nr0 = 0\nexit', reject: [3, 'invalid write to stack R1 off=-8 size=16'] },
  { name: 'a scalar for the context', asm: 'r1 = 0\nr2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\ncall skb_load_bytes\nr0 = 0\nexit', reject: [5, 'R1 type=scalar expected=ctx'] },
  { name: 'a negative size', asm: 'r1 = r10\nr1 += -8\nr2 = -1\ncall get_current_comm\nr0 = 0\nexit', reject: [3, "R2 min value is negative, either use unsigned or 'var &= const'"] },
  { name: 'a zero size', asm: 'r1 = r10\nr1 += -8\nr2 = 0\ncall get_current_comm\nr0 = 0\nexit', reject: [3, 'R2 invalid zero-sized read: u64=[0,0]'] },
  { name: 'a fixed-size argument past the frame', asm: 'r1 = r10\nr1 += -12\nr2 = 4\nr3 = 0\nr4 = r10\nr4 += -4\ncall strtol\nr0 = 0\nexit',
    reject: [6, 'invalid write to stack R4 off=-4 size=8'] },
  { name: 'a dynptr argument not initialised', asm: 'r1 = r10\nr1 += -8\nr2 = 8\nr3 = r10\nr3 += -32\nr4 = 0\nr5 = 0\ncall dynptr_read\nr0 = 0\nexit',
    reject: [7, 'Expected an initialized dynptr as arg #2'] },
  { name: 'a helper the program type may not call', type: 'xdp', asm: 'r2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\ncall skb_load_bytes\nr0 = 0\nexit',
    reject: [4, 'program of this type cannot use helper bpf_skb_load_bytes#26'] },
  { name: 'a kfunc', asm: 'call kfunc 5\nr0 = 0\nexit', reject: [0, 'kfunc calls are not modelled'] },
  // exits (call.ts exitInsn)
  { name: 'exit with r0 unset', asm: 'exit', reject: [0, 'R0 !read_ok'] },
  { name: 'exit holding a reference', maps: [RINGBUF], asm: 'ld_pseudo r1, 5, 0\nr2 = 8\nr3 = 0\ncall ringbuf_reserve\nr0 = 0\nexit',
    reject: [6, 'Unreleased reference id=2 alloc_insn=4\nBPF_EXIT instruction in main prog would lead to reference leak'] },
  { name: 'exit with a pointer (unprivileged)', privileged: false, asm: 'r0 = r10\nexit', reject: [1, 'R0 leaks addr as return value'] },
  { name: 'exit with a pointer where the return value is ranged', type: 'cgroup_skb', asm: 'r0 = r1\nexit', reject: [1, 'At program exit the register R0 is not a known value (ctx)'] },
  // atomics, LD_ABS, BPF_END, lddw, jumps
  { name: 'an atomic on the packet', type: 'xdp', asm: 'r2 = *(u32 *)(r1 + 0)\nr3 = 1\nlock *(u32 *)(r2 + 0) += r3\nr0 = 0\nexit', reject: [2, 'BPF_ATOMIC stores into R2 pkt is not allowed'] },
  { name: 'a misaligned atomic', asm: '*(u64 *)(r10 - 8) = 0\nr1 = 1\nlock *(u64 *)(r10 - 4) += r1\nr0 = 0\nexit', reject: [2, 'misaligned stack access off 0+0+-4 size 8'] },
  { name: 'LD_ABS in a program type without it', type: 'xdp', asm: 'r6 = r1\nr0 = *(u8 *)skb[0]\nr0 = 0\nexit', reject: [1, 'BPF_LD_[ABS|IND] instructions not allowed for this program type'] },
  { name: 'LD_ABS with r6 unset', asm: 'r0 = *(u8 *)skb[0]\nr0 = 0\nexit', reject: [0, 'R6 !read_ok'] },
  { name: 'LD_ABS with r6 not the context', asm: 'r6 = 0\nr0 = *(u8 *)skb[0]\nr0 = 0\nexit', reject: [1, 'at the time of BPF_LD_ABS|IND R6 != pointer to skb'] },
  { name: 'a byte swap of a pointer (unprivileged)', privileged: false, asm: 'r1 = be16 r1\nr0 = 0\nexit', reject: [0, 'R1 pointer arithmetic prohibited'] },
  { name: 'a map value address past the value', maps: [ARRAY], asm: 'ld_pseudo r1, 6, 0, 16\nr0 = 0\nexit', reject: [0, 'invalid access to map value pointer, value_size=16 off=16'] },
  { name: 'a pointer comparison (unprivileged)', privileged: false, asm: 'r2 = r10\nif r1 > r2 goto +0\nr0 = 0\nexit', reject: [1, 'R2 pointer comparison prohibited'] },
  // the Spectre masking (spectre.ts)
  { name: 'a stack pointer moved by a scalar of mixed sign (unprivileged)', privileged: false, asm: 'r2 = *(u32 *)(r1 + 0)\nr2 += -8\nr3 = r10\nr3 += r2\nr0 = 0\nexit',
    reject: [3, 'R2 has unknown scalar with mixed signed bounds, pointer arithmetic with it prohibited for !root'] },
];

const program = (c: Case): Program => ({
  name: 'prog', section: 's', type: c.type ?? 'socket_filter', insns: assemble(c.asm).insns, maps: c.maps ?? [], license: 'GPL', funcs: [{ name: 'prog', start: 0 }],
});

for (const c of CASES) {
  t(`${c.name}: the instruction and the whole message`, () => {
    const opts = { privileged: c.privileged ?? true };
    const v = verify(program(c), opts);
    assertVerdict(v, c.reject);
    assert.is(v.error!.message, c.reject[1]);
    // the log's last lines are the message and the counts, as for a thrown rejection
    const logged = verify(program(c), { ...opts, states: true });
    assert.equal(logged.error, v.error);
    const log = logged.log!;
    assert.is(log[log.length - 2], c.reject[1]);
    assert.match(log[log.length - 1], /^processed \d+ insns/);
  });
}

t('an incremental re-check reports the same rejection as a full check', () => {
  let resumed = 0;
  for (const c of CASES) {
    const cand = program(c);
    const opts = { privileged: c.privileged ?? true };
    // the baseline: the rejecting instruction made a `goto +0`, so the candidate changes it
    const base: Program = { ...cand, insns: cand.insns.map((x, i) => (i === c.reject[0] ? fromOp({ kind: 'ja', off: 0, long: false })[0] : x)) };
    const inc = new Incremental(base, opts);
    assert.equal(inc.check(cand), verify(cand, opts), c.name);
    resumed += inc.stats.resumed;
  }
  // every one whose change is not the first instruction resumed from a snapshot before it (but a
  // program's last exit: made a `goto +0`, the baseline falls off its end and is rejected whole)
  assert.is(resumed, CASES.filter((c) => c.reject[0] > 0 && c.reject[0] < program(c).insns.length - 1).length);
});

t('random programs ending in a call, an exit, an atomic, LD_ABS, BPF_END or a jump: the verdicts recorded when their rejections were thrown', () => {
  const cases = JSON.parse(readFileSync(new URL('./call-rejects.json', import.meta.url), 'utf8')) as CallCase[];
  assert.ok(cases.length >= 400);
  let rejected = 0;
  for (const c of cases) {
    const v = verify(callProgram(c), { privileged: c.privileged });
    assert.equal(v.error ? [v.error.index, v.error.message] : null, c.reject, c.asm);
    if (c.reject) rejected++;
  }
  // mostly rejections, of many kinds
  assert.ok(rejected > cases.length / 2);
  assert.ok(new Set(cases.map((c) => c.reject?.[1].replace(/\d+/g, '#'))).size > 60);
});

t('the recorded random programs are the generator\'s (scripts/record-call-rejects.ts)', () => {
  const cases = JSON.parse(readFileSync(new URL('./call-rejects.json', import.meta.url), 'utf8')) as CallCase[];
  cases.slice(0, 50).forEach((c, i) => assert.equal({ ...callCase(i + 1), reject: c.reject }, c));
});

// the `!read_ok` checks of ALU instructions and jumps, on random operands
const ALU_OPS: AluName[] = ['add', 'sub', 'mul', 'div', 'or', 'and', 'lsh', 'rsh', 'neg', 'mod', 'xor', 'mov', 'movsx', 'arsh'];
const JMP_OPS: JcondName[] = ['jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle'];
const reg = fc.integer({ min: 0, max: 9 });
const operand = fc.oneof(reg.map((r) => ({ reg: r })), fc.integer({ min: -5, max: 5 }).map((imm) => ({ imm })));
const aluOp = fc.record({ op: fc.constantFrom(...ALU_OPS), width: fc.constantFrom(32 as const, 64 as const), dst: reg, src: operand })
  .map((o): Op => ({ kind: 'alu', ...o, src: o.op === 'neg' ? { imm: 0 } : o.src, ...(o.op === 'movsx' ? { ext: 8 as const } : {}) }));
const jmpOp = fc.record({ op: fc.constantFrom(...JMP_OPS), width: fc.constantFrom(32 as const, 64 as const), dst: reg, src: operand })
  .map((o): Op => ({ kind: 'jcond', ...o, off: 0 }));

/** A state whose registers in `unset` are NOT_INIT and the others constants. */
function stateWith(unset: number): State {
  const f = newFrame(0, -1, 0);
  for (let r = 0; r < 10; r++) f.regs[r] = unset & (1 << r) ? NOT_INIT : constReg(BigInt(r + 1));
  return { frames: [f], refs: [] };
}

/** What the instruction's own check returns first, if it is a !read_ok (other failures of the bare env aside). */
function returnedUnread(env: Env, run: () => number): VerifierError | undefined {
  let next: number;
  try {
    next = run();
  } catch {
    return undefined;
  }
  return next === REJECTED && env.rejected!.message.endsWith('!read_ok') ? env.rejected : undefined;
}

// loads, stores, atomics and BPF_END on random registers (their other fields as the decoder gives them)
const size = fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const);
const memOp = fc.oneof(
  fc.record({ dst: reg, src: reg, off: fc.integer({ min: -16, max: 16 }), size }).map((o): Op => ({ kind: 'ldx', ...o, signed: false })),
  fc.record({ dst: reg, src: reg, off: fc.integer({ min: -16, max: 16 }), size }).map((o): Op => ({ kind: 'stx', ...o })),
  fc.record({ dst: reg, off: fc.integer({ min: -16, max: 16 }), size, imm: fc.integer({ min: -5, max: 5 }) }).map((o): Op => ({ kind: 'st', ...o })),
  fc.record({ dst: reg, src: reg, off: fc.integer({ min: -16, max: 16 }), size: fc.constantFrom(4 as const, 8 as const), op: fc.constantFrom('add' as const, 'or' as const, 'xchg' as const, 'cmpxchg' as const, 'load_acq' as const, 'store_rel' as const), fetch: fc.boolean() })
    .map((o): Op => ({ kind: 'atomic', ...o })),
  fc.record({ dst: reg, order: fc.constantFrom('le' as const, 'be' as const, 'swap' as const), bits: fc.constantFrom(16 as const, 32 as const, 64 as const) }).map((o): Op => ({ kind: 'end', ...o })),
);

/** The slot table's kind of these ops (flow.ts setSlot's). */
function slotKind(op: Op): number {
  const t = slotTableAt(new ArrayBuffer(slotTableBytes(1)), 0, 1);
  setSlot(t, 0, op);
  return t.kind[0];
}

t('firstUnread names exactly the !read_ok that step returns first; for an ALU op, a jump, a load, a store or BPF_END none is left for step to find', () => {
  let named = 0;
  fc.assert(fc.property(fc.oneof(aluOp, jmpOp, memOp), fc.integer({ min: 0, max: 0x3ff }), (op, unset) => {
    const env = { imms: new ImmRegs(4), privileged: true, rejected: undefined, ptrTypes: [], hist() {}, stackRead() {}, stackWrite() {} } as unknown as Env;
    const st = stateWith(unset);
    const kind = slotKind(op);
    const r = firstUnread(st.frames[0].regs, op, kind);
    const returned = returnedUnread(env, () => step(env, cloneState(st), 2, op, () => {}, kind));
    if (r >= 0) {
      named++;
      assert.is(returned?.message, `R${r} !read_ok`);
      assert.is(returned?.index, 2);
      // the use mask names it (unreadAtResume's identity test)
      assert.ok(uses(op) & unset & (1 << r));
    } else if (op.kind !== 'atomic') {
      assert.is(returned, undefined);
    }
  }), { numRuns: 3000 });
  assert.ok(named > 500, `${named}`);
});

/** Programs whose !read_ok comes at a prune point: one that adds a checkpoint there first (two jumps and 8 instructions since the last), one whose list there holds the other path's (unreadAtResume leaves that to run()). */
const PRUNE_READS = [
  'r2 = *(u32 *)(r1 + 0)\nif r2 > 5 goto +0\nr3 = 1\nr3 += 1\nr3 += 1\nr3 += 1\nr3 += 1\nr3 += 1\nif r2 > 7 goto +0\nr0 = r5\nexit',
  'r2 = *(u32 *)(r1 + 0)\nr0 = 0\nif r2 > 5 goto +8\nr5 = 1\nr3 = 1\nr3 += 1\nr3 += 1\nr3 += 1\nr3 += 1\nr3 += 1\nif r2 > 7 goto +0\nr0 = r5\nexit',
];

t('unreadAtResume, from the context before any step of a run, answers as run() from a copy of it, or leaves it to run()', () => {
  const seen = { answered: 0, checkpoint: 0, declinedAtList: 0 };
  const programs = [...CASES.map((c) => ({ p: program(c), privileged: c.privileged ?? true })), ...PRUNE_READS.map((asm) => ({ p: program({ name: '', asm, reject: [0, ''] }), privileged: true }))];
  for (const { p, privileged } of programs) {
    const opts = { privileged };
    const cfg = cfgOrReject(p, privileged) as Cfg;
    // the context before each step (as the incremental checker's snapshots are taken)
    const before: Ctx[] = [];
    run(p, cfg, opts, freshCtx(p.insns.length), (c) => {
      before.push(copyCtx(c));
    });
    for (const c of before) {
      const u = unreadAtResume(cfg, opts, c);
      const v: Verdict = run(p, cfg, opts, copyCtx(c));
      if (u) {
        assert.equal(u, v);
        seen.answered++;
        if (u.totalStates > c.totalStates) seen.checkpoint++;
      } else if (!v.ok && v.processed === c.processed + 1 && v.error!.message.endsWith('!read_ok') && cfg.prune[c.path.pc] && c.explored.some((l) => l?.some((k) => k.pc === c.path.pc))) {
        seen.declinedAtList++;
      }
    }
  }
  // every kind of !read_ok of the table answered, a checkpoint counted, a list left to run()
  assert.ok(seen.answered >= CASES.filter((c) => c.reject[1].endsWith('!read_ok')).length - 3, JSON.stringify(seen));
  assert.ok(seen.checkpoint >= 1, JSON.stringify(seen));
  assert.ok(seen.declinedAtList >= 1, JSON.stringify(seen));
});

t('aluStep returns check_reg_arg\'s !read_ok for the source register first, then the destination unless a move', () => {
  fc.assert(fc.property(aluOp, fc.integer({ min: 0, max: 0x3ff }), (op, unset) => {
    const a = op as Op & { kind: 'alu' };
    const env = { imms: new ImmRegs(4), privileged: true, rejected: undefined } as unknown as Env;
    const isUnset = (r: number): boolean => (unset & (1 << r)) !== 0;
    const want = 'reg' in a.src && isUnset(a.src.reg) ? a.src.reg : a.op !== 'mov' && a.op !== 'movsx' && isUnset(a.dst) ? a.dst : -1;
    let got: string | undefined;
    try {
      got = aluStep(env, stateWith(unset), 2, a, () => {}, cloneState);
    } catch {
      // another failure of the bare env, after the register checks
    }
    if (want >= 0) assert.is(got, `R${want} !read_ok`);
    else assert.ok(got === undefined || !got.endsWith('!read_ok'), got);
  }), { numRuns: 2000 });
});

t.run();
