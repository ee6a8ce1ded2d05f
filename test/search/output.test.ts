// Writing a candidate back into its object: whatever slots the search changed or deleted, in the
// entry or in a bpf-to-bpf callee in .text, the written object links to exactly the candidate
// (calls re-targeted, also those relocated against the .text section symbol), and functions
// named in keepFuncs (those another program of the object calls) are kept out of the search.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { toOps, type Op } from '../../src/isa/op.ts';
import { materialize } from '../../src/search/materialize.ts';
import { relink, sharedFuncs, writeOptimized } from '../../src/search/output.ts';
import type { Slot } from '../../src/search/proposals.ts';
import { runChain } from '../../src/search/chain.ts';
import { funcRanges } from '../../src/isa/program.ts';
import type { Insn } from '../../src/isa/insn.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';

const t = suite('search/output');
const withCallees = readdirSync('corpus').filter((f) => f.endsWith('.o'))
  .filter((f) => readObject(new Uint8Array(readFileSync(`corpus/${f}`))).link().funcs.length > 1);

t('there are corpus programs with bpf-to-bpf callees', () => {
  assert.ok(withCallees.length >= 2, withCallees.join(' '));
});

for (const f of withCallees) {
  t(`${f}: deletions and a change in every function link back to the candidate`, () => {
    const obj = readObject(new Uint8Array(readFileSync(`corpus/${f}`)));
    const p = obj.link();
    const slots: Slot[] = toOps(p.insns);
    const mutable = new Set(slots.flatMap((o, i) => (o ? [i] : [])));
    const starts = p.funcs.map((x) => x.start).sort((a, b) => a - b);
    const plain = (pc: number): boolean => {
      const o = slots[pc];
      return !!o && (o.kind === 'alu' || o.kind === 'ldx');
    };
    starts.forEach((s, i) => {
      const end = starts[i + 1] ?? p.insns.length;
      const cands = Array.from({ length: end - s }, (_, k) => s + k).filter(plain);
      assert.ok(cands.length >= 2, `${f}: function at ${s} has straight-line slots`);
      slots[cands[0]] = null; // the first: may move the function's start
      const mid = cands[cands.length >> 1];
      slots[mid] = { kind: 'alu', op: 'mov', width: 64, dst: 0, src: { imm: 7 } } satisfies Op;
    });
    const c = Candidate.of(Original.of(p), slots, [...mutable].filter((pc) => slots[pc] === null));
    const m = materialize(c);
    const again = relink(writeOptimized(obj, c), p.name);
    assert.equal(again.insns, m.insns);
    assert.is(again.insns.length, p.insns.length - starts.length);
  });
}

t('sharedFuncs: a lone program shares none of its callees', () => {
  for (const f of withCallees) {
    const obj = readObject(new Uint8Array(readFileSync(`corpus/${f}`)));
    assert.equal(sharedFuncs(obj, obj.programs[0].name), [], f);
  }
});

t('keepFuncs: the search leaves the named functions as they are', async () => {
  const p = readObject(new Uint8Array(readFileSync('corpus/xdp_subprogs.o'))).link();
  const callees = funcRanges(p).slice(1);
  const calleeChanged = (best: readonly Insn[], deleted: ReadonlySet<number>): boolean =>
    callees.some((f) => [...deleted].some((pc) => pc >= f.start && pc < f.end)) || best.length !== p.insns.length;
  const run = (keepFuncs?: string[]) => runChain(p, { budgetMs: 60_000, maxIterations: 20_000, seed: 1, objective: 'size', keepFuncs });
  const free = await run();
  assert.ok(calleeChanged(free.best, free.candidate.deletedSet()), 'without keepFuncs the callees shrink');
  const kept = await run(callees.map((f) => f.name));
  for (const f of callees) for (let pc = f.start; pc < f.end; pc++) assert.equal(kept.candidate.ops[pc], toOps(p.insns)[pc], `slot ${pc} of ${f.name}`);
});

t.run();
