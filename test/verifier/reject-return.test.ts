// Rejections reported by return instead of a throw (env.ts reject): an uninitialised register read
// by an ALU instruction or a jump (run() checks check_reg_arg's reads before the instruction runs,
// step.ts unsetRead), a load, a store or an atomic (step.ts), an ALU instruction's own checks
// (alu.ts aluStep, reported by step.ts), and the memory checks' common rejections (mem.ts memFault). Each carries the instruction and the kernel's message, and the
// ALU and jump checks name the register the instruction's own check (which throws) names.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { assemble } from '../../src/isa/asm.ts';
import { type AluName, type JcondName, type Op, fromOp } from '../../src/isa/op.ts';
import { uses } from '../../src/isa/flow.ts';
import type { MapDef, Program, ProgType } from '../../src/isa/program.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { Incremental } from '../../src/verifier/incremental.ts';
import { type Env, REJECTED, VerifierError } from '../../src/verifier/env.ts';
import { jumpUnread } from '../../src/verifier/step.ts';
import { aluStep } from '../../src/verifier/alu.ts';
import { condJump } from '../../src/verifier/jmp.ts';
import { ImmRegs, NOT_INIT, constReg } from '../../src/verifier/regs.ts';
import { type State, cloneState, newFrame } from '../../src/verifier/state.ts';
import { assertVerdict } from './verdict.ts';

const t = suite('verifier/reject-return');

const ARRAY: MapDef = { name: 'arr', type: 2, keySize: 4, valueSize: 16, maxEntries: 4, flags: 0 };

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
  // every one whose change is not the first instruction resumed from a snapshot before it
  assert.is(resumed, CASES.filter((c) => c.reject[0] > 0).length);
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

t('jumpUnread names exactly the !read_ok that condJump returns, and the use mask holds it', () => {
  fc.assert(fc.property(jmpOp, fc.integer({ min: 0, max: 0x3ff }), (op, unset) => {
    const env = { imms: new ImmRegs(4), privileged: true, rejected: undefined } as unknown as Env;
    const st = stateWith(unset);
    const thrown = returnedUnread(env, () => condJump(env, cloneState(st), 2, op as Op & { kind: 'jcond' }, () => {}));
    const r = jumpUnread(st.frames[0].regs, op as Op & { kind: 'jcond' });
    if (thrown) {
      assert.is(`R${r} !read_ok`, thrown.message);
      // run()'s identity test on the slot's use mask finds an unset register first
      assert.ok(uses(op) & unset & (1 << r));
    } else {
      assert.is(r, -1);
    }
  }), { numRuns: 2000 });
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
