// The objects the verifier reads at every step come in one V8 map per kind, whatever made them:
// stack slots (spills, byte writes, dynptrs), a linked program's instructions, helper prototypes,
// a branch's refined edges, and the program a run reads its type and maps from. With several
// maps per kind the loads that meet them all go polymorphic, or megamorphic past four maps (a
// process checking several programs met five program maps and five instruction maps).
// The map test is V8's own (%HaveSameMap, natives syntax allowed for the functions made after
// the flag); it holds on standard Node builds without pointer compression, as the project's.
import { setFlagsFromString } from 'node:v8';
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { type Insn, insn, insnWith } from '../../src/isa/insn.ts';
import { readObject } from '../../src/isa/object.ts';
import { MAP_TYPE, type Program, bareProgram, oneLayout } from '../../src/isa/program.ts';
import { protoOf } from '../../src/isa/protos.ts';
import { HELPER_COUNT } from '../../src/isa/helpers.ts';
import { LINUX_6_18, scalarConst, scalarUnknown } from '../../src/domains/scalar.ts';
import { concrete64x32 } from '../../src/bv/concrete.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { DomainSession } from '../../src/verifier/memo.ts';
import { slotOf } from '../../src/verifier/stack.ts';
import { DYNPTR_CASES } from './dynptr-cases.ts';
import { perturbCore } from '../../src/search/core-check.ts';
import type { CoreOutcome } from '../../src/isa/core.ts';
import { CORE_KIND } from '../../src/isa/core-spec.ts';
import { unprivilegedView } from '../../src/selftest/unpriv-maps.ts';
import { resolveMapRefs } from '../../src/kernel/load.ts';

setFlagsFromString('--allow-natives-syntax');
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

const t = suite('verifier/object-maps');
const corpus = (name: string): Program => readObject(readFileSync(new URL(`../../corpus/${name}.o`, import.meta.url))).link();
/** Linked with call and map relocations, CO-RE, subprograms, spills and narrow stack writes among them. */
const NAMES = ['core_task', 'xdp_map_access', 'xdp_lb_hash', 'xdp_router', 'tc_edit', 'xdp_balancer', 'xdp_subprogs', 'tp_counter', 'xdp_global_func'];

t('every stack slot of corpus checks and dynptr programs has slotOf\'s map', () => {
  const ref = slotOf('????????');
  let seen = 0, spills = 0, dynptrs = 0;
  const progs = [...NAMES.map((n) => [n, corpus(n)] as const), ...DYNPTR_CASES.map((c) => [c.name, { ...bareProgram(assemble(c.asm).insns, c.type ?? 'xdp'), maps: c.maps ?? [] }] as const)];
  for (const [name, p] of progs) {
    verify(p, { entries: true }).entry!.forEach((st, pc) => {
      for (const fr of st?.frames ?? []) {
        fr.stack.forEach((sl, i) => {
          if (!sl) return;
          assert.ok(sameMap(sl, ref), `${name} insn ${pc} slot ${i} (${sl.types}): a map of its own`);
          seen++;
          if (sl.spilled) spills++;
          if (sl.dynptr) dynptrs++;
        });
      }
    });
  }
  assert.ok(seen > 1000 && spills > 100 && dynptrs > 0, `slots seen: ${seen}, spills ${spills}, dynptrs ${dynptrs}`);
});

t('a linked program\'s instructions have insn()\'s map; insnWith replaces only the fields given', () => {
  const ref = insn(0xb7);
  for (const name of [...NAMES, 'xdp1', 'xdp_subprog']) {
    corpus(name).insns.forEach((x, i) => assert.ok(sameMap(x, ref), `${name} slot ${i} (code ${x.code.toString(16)}): a map of its own`));
  }
  const x = insn(0x18, 1, 2, 3, 4);
  assert.equal(insnWith(x, { imm: 9 }), { code: 0x18, dst: 1, src: 2, off: 3, imm: 9 });
  assert.equal(insnWith(x, { src: 0, off: -1 }), { code: 0x18, dst: 1, src: 0, off: -1, imm: 4 });
  assert.equal(insnWith(x, { code: 0x61, imm: 0 }), { code: 0x61, dst: 1, src: 2, off: 3, imm: 0 });
  assert.ok(sameMap(insnWith(x, { imm: 9 }), ref));
});

t('instructions the CO-RE perturbation, the unprivileged view and the kernel loader rewrite keep insn()\'s map', () => {
  const ref = insn(0xb7);
  // two relocated slots, an ALU immediate and an lddw (only pc, kind, value and poison are read)
  const base = bareProgram(assemble('r0 = 1\nr1 = 0x100000000 ll\nexit').insns);
  const outcome = (pc: number): CoreOutcome => ({ relo: { pc, kind: CORE_KIND.FIELD_BYTE_OFFSET }, result: { value: 8n, poison: false } }) as unknown as CoreOutcome;
  const core: Program = { ...base, core: { target: 'test', compiled: base.insns, outcomes: [outcome(0), outcome(1)] } };
  const perturbed = perturbCore(core);
  assert.ok(perturbed.some((x, i) => x !== core.insns[i]), 'perturbCore rewrote some slot');
  perturbed.forEach((x, i) => assert.ok(sameMap(x, ref), `perturbCore slot ${i}: a map of its own`));
  const rewritten = (what: string, before: readonly Insn[], after: readonly Insn[]): void => {
    assert.ok(after.some((x, i) => x !== before[i]), `${what} rewrote some slot`);
    after.forEach((x, i) => assert.ok(sameMap(x, ref), `${what} slot ${i}: a map of its own`));
  };
  for (const name of ['xdp_map_access', 'xdp_lb_hash', 'xdp_router']) {
    const p = corpus(name);
    rewritten(`${name} loader`, p.insns, resolveMapRefs(p.insns, p.maps.map((_, k) => 100 + k)));
  }
  // the unprivileged view rewrites when it drops a map ahead of another: xdp_lb_hash's first made
  // an LRU hash (not unprivileged-capable), so the references to its second are renumbered
  const lb = corpus('xdp_lb_hash');
  const lru: Program = { ...lb, maps: [{ ...lb.maps[0], type: MAP_TYPE.lru_hash }, ...lb.maps.slice(1)] };
  rewritten('xdp_lb_hash unprivileged view', lb.insns, unprivilegedView(lru).insns);
});

t('every helper prototype has one map', () => {
  const ps = Array.from({ length: HELPER_COUNT }, (_, id) => protoOf(id)).filter((p) => p !== undefined);
  assert.ok(ps.length > 50, `${ps.length} prototypes`);
  for (const p of ps) assert.ok(sameMap(p!, ps[0]!), `${p!.name}: a map of its own`);
});

t('oneLayout: one map for programs made every way, the same fields', () => {
  const read = corpus('xdp_lb_hash'), bare = bareProgram(assemble('r0 = 0\nexit').insns);
  const made = [read, bare, corpus('core_task'), { ...read, insns: read.insns.slice() }, { ...bare, maps: [] }];
  const ref = oneLayout(made[0]);
  for (const p of made) {
    const q = oneLayout(p);
    assert.ok(sameMap(q, ref), `${p.name}: a map of its own`);
    for (const k of Object.keys(p) as (keyof Program)[]) assert.ok(q[k] === p[k], `${p.name}: ${k}`);
    for (const k of Object.keys(q) as (keyof Program)[]) if (!(k in p)) assert.is(q[k], undefined, `${p.name}: ${k} added`);
  }
});

t('a branch\'s edges have one map on both tiers, register or immediate operand', () => {
  const a = scalarUnknown(concrete64x32), b = scalarConst(concrete64x32, 7n);
  const cold = new DomainSession(LINUX_6_18, 'bigint'), hot = new DomainSession(LINUX_6_18, 'tiered');
  const ref = cold.refineFirst(a, b, 'jgt', 64);
  for (const e of [cold.refine(a, b, 'jgt', 64), cold.refine(a, b, 'jsle', 32), cold.refineSame(a, 'jle', 64)]) assert.ok(sameMap(e, ref), 'bigint tier');
  for (let i = 0; i < 2100; i++) hot.refine(a, b, 'jgt', 64);
  assert.ok(hot.compiled.count > 0, 'compiled once hot');
  assert.ok(sameMap(hot.refine(a, b, 'jgt', 64), ref), 'compiled tier');
});

t.run();
