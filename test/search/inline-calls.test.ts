// Inlining bpf-to-bpf calls: transform cases as data (input and expected output assembly),
// refusals with their reasons, and generated leaf callees checked in the interpreter.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as fc from 'fast-check';
import { assemble } from '../../src/isa/asm.ts';
import { disasm, formatLine } from '../../src/isa/disasm.ts';
import { insn, type Insn } from '../../src/isa/insn.ts';
import { program, withFuncs } from './asm-funcs.ts';
import { prepare } from '../../src/interp/index.ts';
import { inlineCalls } from '../../src/search/inline-calls.ts';

const t = suite('search/inline-calls');

const text = (insns: readonly Insn[]): string[] => disasm(insns).map((l) => formatLine(l, 'llvm', false).replace(/^\s*\d+:\s*/, ''));

interface Case {
  name: string;
  input: string;
  output: string;
  inlined: string[];
}

const CASES: Case[] = [
  {
    name: 'leaf without stack: the call becomes the body, its final exit dropped',
    input: `
      r1 = 7
      call f
      r0 += 1
      exit
    f:
      r0 = r1
      r0 *= 3
      exit`,
    output: `
      r1 = 7
      r0 = r1
      r0 *= 3
      r0 += 1
      exit`,
    inlined: ['f'],
  },
  {
    name: 'two exits: the first becomes a jump past the body',
    input: `
      r1 = 5
      call f
      exit
    f:
      r0 = 0
      if r1 > 3 goto big
      exit
    big:
      r0 = 1
      exit`,
    output: `
      r1 = 5
      r0 = 0
      if r1 > 3 goto big
      goto done
    big:
      r0 = 1
    done:
      exit`,
    inlined: ['f'],
  },
  {
    name: "the callee's frame moves below the caller's (depth 12, rounded to 16)",
    input: `
      r1 = 3
      *(u64 *)(r10 - 8) = r1
      *(u32 *)(r10 - 12) = r1
      call f
      r1 = *(u64 *)(r10 - 8)
      r0 += r1
      exit
    f:
      *(u64 *)(r10 - 8) = r1
      r2 = r10
      r2 += -8
      r0 = *(u64 *)(r2 + 0)
      exit`,
    output: `
      r1 = 3
      *(u64 *)(r10 - 8) = r1
      *(u32 *)(r10 - 12) = r1
      *(u64 *)(r10 - 24) = r1
      r2 = r10
      r2 += -24
      r0 = *(u64 *)(r2 + 0)
      r1 = *(u64 *)(r10 - 8)
      r0 += r1
      exit`,
    inlined: ['f'],
  },
  {
    name: 'a chain collapses from the bottom; a callee called twice is copied twice',
    input: `
      r1 = 1
      call f
      r6 = r0
      r1 = 2
      call g
      r0 += r6
      exit
    f:
      call g
      r0 += 10
      exit
    g:
      r0 = r1
      exit`,
    output: `
      r1 = 1
      r0 = r1
      r0 += 10
      r6 = r0
      r1 = 2
      r0 = r1
      r0 += r6
      exit`,
    inlined: ['g', 'g', 'f'],
  },
  {
    name: 'a jump to the call lands on the body',
    input: `
      r1 = 1
      if r1 == 0 goto c
      r1 = 2
    c:
      call f
      exit
    f:
      r0 = r1
      exit`,
    output: `
      r1 = 1
      if r1 == 0 goto c
      r1 = 2
    c:
      r0 = r1
      exit`,
    inlined: ['f'],
  },
  {
    name: 'a callee writing r6 is inlined when the caller does not read r6 after the call',
    input: `
      r6 = 1
      call f
      exit
    f:
      r6 = 4
      r0 = r6
      exit`,
    output: `
      r6 = 1
      r6 = 4
      r0 = r6
      exit`,
    inlined: ['f'],
  },
];

for (const c of CASES) {
  t(`transform: ${c.name}`, () => {
    const r = inlineCalls(program(c.input));
    assert.equal(r.inlined, c.inlined);
    assert.equal(r.refused, []);
    assert.equal(r.program.funcs, [{ name: 'prog', start: 0 }]);
    assert.equal(text(r.program.insns), text(assemble(c.output).insns));
  });
}

interface Refused {
  name: string;
  input: string | Insn[];
  func: string;
  reason: RegExp;
}

const REFUSED: Refused[] = [
  { name: 'recursion', input: 'r1 = 1\ncall f\nexit\nf:\ncall f\nexit', func: 'f', reason: /recursive/ },
  { name: 'a tail call', input: 'r1 = 1\ncall f\nexit\nf:\nr2 = 0\nr3 = 0\ncall 12\nr0 = 0\nexit', func: 'f', reason: /tail call/ },
  { name: 'r6 live in the caller after the call', input: 'r6 = 1\ncall f\nr0 = r6\nexit\nf:\nr6 = 2\nr0 = 0\nexit', func: 'f', reason: /writes r6, live in prog/ },
  { name: 'r10 copied without an offset', input: 'r1 = 1\ncall f\nexit\nf:\nr2 = r10\nr0 = *(u64 *)(r2 - 8)\nexit', func: 'f', reason: /r10 escapes/ },
  { name: 'r10 stored to memory', input: 'r1 = 1\ncall f\nexit\nf:\n*(u64 *)(r10 - 8) = r10\nr0 = 0\nexit', func: 'f', reason: /r10 escapes/ },
  { name: 'frames deeper than 512 bytes together', input: 'r1 = 1\n*(u64 *)(r10 - 400) = r1\ncall f\nexit\nf:\n*(u64 *)(r10 - 200) = r1\nr0 = 0\nexit', func: 'f', reason: /combined stack 600 bytes > 512/ },
  {
    // f alone fits below the caller, but the caller then also calls h (kept: a tail call) with
    // both frames on the stack: 320 + 320 bytes as the kernel counts frames
    name: 'a call chain left too deep once a caller grew',
    input: 'r1 = 1\n*(u64 *)(r10 - 8) = r1\ncall f\ncall h\nexit\nf:\n*(u64 *)(r10 - 300) = r1\nr0 = 0\nexit\nh:\n*(u64 *)(r10 - 300) = r1\nr2 = 0\nr3 = 0\ncall 12\nr0 = 0\nexit',
    func: 'f',
    reason: /call chains left would need 640 bytes of stack > 512/,
  },
  {
    name: 'a callback (named by an ld_imm64 pseudo-func)',
    // r2 = cb (src 4); call cb directly too; cb: r0 = 0; exit
    input: [insn(0x18, 2, 4, 0, 3), insn(0, 0, 0, 0, 0), insn(0x85, 0, 1, 0, 1), insn(0x95), insn(0xb7, 0, 0, 0, 0), insn(0x95)],
    func: 'f4',
    reason: /callback/,
  },
];

for (const c of REFUSED) {
  t(`refused: ${c.name}`, () => {
    const p = typeof c.input === 'string' ? program(c.input) : withFuncs(c.input);
    const r = inlineCalls(p);
    const mine = r.refused.find((x) => x.func === c.func);
    assert.ok(mine, JSON.stringify(r.refused));
    assert.match(mine!.reason, c.reason);
    assert.ok(!r.inlined.includes(c.func));
    // a refused callee stays a function, called as before
    assert.ok(r.program.funcs.some((f) => f.name === c.func));
  });
}

// generated leaf callees (a few ALU steps on r1/r2 and a stack round trip) called from a caller
// with a stack slot of its own: the inlined program computes the same r0 in the interpreter
const ALU = ['+=', '-=', '*=', '^=', '|=', '&=', '<<=', '>>='];
t('generated callees: inlined programs compute the same r0 (interpreter)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(...ALU), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 40 })), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 20 }).map((k) => 8 * k),
      fc.integer({ min: 1, max: 20 }).map((k) => 8 * k),
      fc.integer({ min: -1000, max: 1000 }),
      (steps, callerSlot, calleeSlot, seed) => {
        const regs = ['r0', 'r1', 'r2'];
        const body = steps.map(([op, d, s, k]) => (k % 2 ? `${regs[d]} ${op} ${op.includes('<') || op.includes('>') ? k % 63 : k}` : `${regs[d]} ${op} ${regs[s]}`));
        const src = `
          r1 = ${seed}
          r2 = ${seed * 3}
          *(u64 *)(r10 - ${callerSlot}) = r1
          call f
          r1 = *(u64 *)(r10 - ${callerSlot})
          r0 += r1
          exit
        f:
          r0 = r2
          *(u64 *)(r10 - ${calleeSlot}) = r1
          ${body.join('\n')}
          r3 = *(u64 *)(r10 - ${calleeSlot})
          r0 ^= r3
          exit`;
        const p = program(src);
        const r = inlineCalls(p);
        assert.equal(r.inlined, ['f']);
        const a = prepare(p).run({ packet: new Uint8Array(64) });
        const b = prepare(r.program).run({ packet: new Uint8Array(64) });
        assert.is(a.kind, 'exit');
        assert.is(b.kind, 'exit');
        if (a.kind === 'exit' && b.kind === 'exit') assert.is(b.r0, a.r0);
      },
    ),
    { numRuns: 150, seed: 17 },
  );
});

t.run();
