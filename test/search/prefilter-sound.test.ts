// The pre-filters as a projection of the verifier model: whatever they refuse as unsafe, the model
// refuses too, on candidates the search's own proposals generate from corpus programs (random
// walks of a few proposals each). The pre-filters are path-insensitive, so the model they project
// is the one that takes both edges of every branch (Options.allBranches): the exact model may
// accept a candidate whose unsafe slot lies only on paths its domains prove infeasible (an array
// map's lookup that cannot fail, a byte shifted left compared with 0x81), and the test counts those.
// Pointer leaks (ptrkinds LEAKS) are the search's policy, not the kernel's: not covered.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { toOps } from '../../src/isa/op.ts';
import type { Program } from '../../src/isa/program.ts';
import { rng } from '../../src/search/chain.ts';
import { propose, type MemShape, type ProposalContext, type Slot } from '../../src/search/proposals.ts';
import { materialize } from '../../src/search/materialize.ts';
import { pointerKinds } from '../../src/search/ptrkinds.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';

const t = suite('search/prefilter-sound');
const STRAIGHT = new Set(['alu', 'end', 'ldx', 'st', 'stx', 'atomic']);
const PROGRAMS = ['xdp1', 'xdp_parse_drop', 'xdp_router', 'socket_filter', 'tc_edit', 'xdp_subprog', 'kprobe_counter'];

interface Subject { program: Program; original: Slot[]; mutable: number[] }
const subjects: Subject[] = PROGRAMS.map((name) => {
  const program = readObject(new Uint8Array(readFileSync(`corpus/${name}.o`))).link();
  const original = toOps(program.insns);
  const mutable = original.map((o, i) => (o && STRAIGHT.has(o.kind) ? i : -1)).filter((i) => i >= 0);
  return { program, original, mutable };
});

/** The proposal context the chain builds: the program's registers, constants and memory places. */
function context(s: Subject, rand: () => number): ProposalContext {
  const regs = new Set<number>([0]), imms = new Set<number>(Array.from({ length: 21 }, (_, i) => i - 10));
  const mems = new Map<string, MemShape>();
  for (const o of s.original) {
    if (!o) continue;
    if (o.kind === 'ldx') mems.set(`${o.src},${o.off},${o.size}`, { base: o.src, off: o.off, size: o.size });
    if (o.kind === 'st' || o.kind === 'stx' || o.kind === 'atomic') mems.set(`${o.dst},${o.off},${o.size}`, { base: o.dst, off: o.off, size: o.size });
    if (o.kind === 'alu' && 'imm' in o.src) imms.add(o.src.imm);
    if ('dst' in o) regs.add(o.dst);
    if ('src' in o && typeof o.src === 'number') regs.add(o.src);
    if ('src' in o && typeof o.src === 'object' && 'reg' in o.src) regs.add(o.src.reg);
  }
  return { mutable: s.mutable, straight: new Set(s.mutable), rand, mems: [...mems.values()], imms: [...imms], regs: [...regs].sort((a, b) => a - b) };
}

const refused = { undefinedRead: 0, pointerMisuse: 0, exactModelAccepts: 0 };

t('pre-filter refuses ⇒ verifier model refuses (generated candidates)', () => {
  fc.assert(fc.property(fc.nat(PROGRAMS.length - 1), fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 6 }), (which, seed, steps) => {
    const s = subjects[which];
    const c = context(s, rng(seed));
    const cand = s.original.slice();
    for (let k = 0; k < steps; k++) for (const [pc, op] of propose(c, cand, s.original)) cand[pc] = op;
    const end = s.program.insns.length;
    const gone = (pc: number): boolean => cand[pc] === null && c.straight.has(pc);
    const k = pointerKinds(cand, end, s.program.type, gone);
    const u = k.undefinedRead, p = k.misuse;
    if (u < 0 && p < 0) return true;
    if (u >= 0) refused.undefinedRead++;
    if (p >= 0) refused.pointerMisuse++;
    const m = materialize(Candidate.of(Original.of(s.program), cand, [...c.straight].filter(gone)));
    const cp = { ...s.program, insns: m.insns };
    if (verify(cp).ok) refused.exactModelAccepts++;
    return !verify(cp, { allBranches: true }).ok;
  }), { numRuns: 3000, seed: 14 });
  assert.ok(refused.undefinedRead > 50, `the property saw ${refused.undefinedRead} undefined-read refusals`);
  assert.ok(refused.pointerMisuse > 50, `the property saw ${refused.pointerMisuse} pointer-misuse refusals`);
  console.log(`  ${refused.undefinedRead} undefined-read and ${refused.pointerMisuse} pointer-misuse refusals; the exact model accepts ${refused.exactModelAccepts} of them (unsafe only on infeasible paths)`);
});

t.run();
