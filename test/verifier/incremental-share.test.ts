// A re-check's copy of a snapshot shares the snapshot's per-instruction records (stack depths,
// pointer types, Spectre masks, tail-call maps: Ctx.shared) until its run first uses one, then
// gets its own. Running copies must never change a snapshot's records, and each copy must explore
// what a full run explores, one copy after another.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import type { Program } from '../../src/isa/program.ts';
import { buildCfg } from '../../src/verifier/cfg.ts';
import type { Options } from '../../src/verifier/env.ts';
import { type Ctx, type Verdict, copyCtx, ctxArrays, freshCtx, lazyCopy, listsOf, nonZero, run, verify } from '../../src/verifier/analyze.ts';

const t = suite('verifier/incremental-share');
const load = (name: string): Program => readObject(readFileSync(new URL(`../../corpus/${name}.o`, import.meta.url))).link();

const counts = (v: Verdict) => ({ ok: v.ok, error: v.error, processed: v.processed, totalStates: v.totalStates, peakStates: v.peakStates, maxStatesPerInsn: v.maxStatesPerInsn, stackDepths: v.stackDepths });

/** The exploration of p stopped before its k-th instruction, copied as the incremental checker keeps a snapshot. */
function snapshot(p: Program, opts: Options, k: number): Ctx | undefined {
  const c = freshCtx(p.insns.length);
  try {
    run(p, buildCfg(p.insns, p.type, { loops: opts.privileged !== false }), opts, c, (cc) => {
      if (cc.processed === k) throw cc;
    });
    return undefined;
  } catch (e) {
    if (e !== c) throw e;
  }
  return copyCtx(c);
}

/** A snapshot's records, by content and by object. */
const records = (c: Ctx) => ({
  objects: [c.stackDepth, c.ptrTypes, c.aluAux, c.tailMaps],
  text: JSON.stringify([[...c.stackDepth], c.ptrTypes, [...c.aluAux], [...c.tailMaps]]),
});

const CASES: [string, Options][] = [['kprobe_counter', {}], ['xdp1', {}], ['tc_edit', {}], ['xdp_lb_hash', {}], ['xdp_lb_hash', { privileged: false }]];

t('running lazy copies leaves the snapshot records as they were; each copy explores what a full run does', () => {
  let owned = 0, ownedAux = 0, kept = 0;
  for (const [name, opts] of CASES) {
    const p = load(name);
    const cfg = buildCfg(p.insns, p.type, { loops: opts.privileged !== false });
    const full = counts(verify(p, opts));
    for (const k of [1, 3, 8, 20, 40]) {
      const snap = snapshot(p, opts, k);
      if (!snap) continue;
      const before = records(snap);
      for (let round = 0; round < 2; round++) {
        const c = lazyCopy(snap, listsOf(snap));
        assert.is(c.stackDepth, snap.stackDepth, 'shared until used');
        assert.is(c.ptrTypes, snap.ptrTypes);
        assert.equal(counts(run(p, cfg, opts, c)), full, `${name} from step ${k}, copy ${round}`);
        const after = records(snap);
        assert.is(after.text, before.text, `${name} from step ${k}: the snapshot's records are unchanged`);
        after.objects.forEach((o, i) => assert.ok(o === before.objects[i], `record ${i} is the snapshot's own`));
        if (c.stackDepth !== snap.stackDepth || c.ptrTypes !== snap.ptrTypes) owned++;
        else kept++;
        if (c.aluAux !== snap.aluAux && c.aluAux.size > snap.aluAux.size) ownedAux++;
      }
    }
  }
  // both kinds of copy were met: some wrote their records, some never needed their own
  assert.ok(owned > 0, 'some copies made their records their own');
  assert.ok(ownedAux > 0, 'an unprivileged copy recorded Spectre masks of its own');
  assert.ok(owned + kept > 20);
});

t('lazy copies into one set of arrays, one after another: each holds only its snapshot\'s lists and counts, and runs as a full check', () => {
  let dirtied = 0, n = 0;
  for (const [name, opts] of CASES) {
    const p = load(name);
    const cfg = buildCfg(p.insns, p.type, { loops: opts.privileged !== false });
    const full = counts(verify(p, opts));
    const snaps = [40, 3, 20, 1, 8, 40, 1].map((k) => snapshot(p, opts, k)).filter((s): s is Ctx => s !== undefined);
    const into = ctxArrays(p.insns.length);
    for (const snap of snaps) {
      const before = JSON.stringify(snap.explored.map((l) => l?.length ?? 0)), clean = JSON.stringify(snap.toClean);
      // what the previous copy's run left in the arrays
      if (into.explored.some((l, i) => l && !snap.explored[i]?.length) || into.toClean.some((x, i) => x !== snap.toClean[i])) dirtied++;
      // every other copy given the counts as pairs, and only the lists not empty (as the incremental checker does)
      const pairs = n++ % 2 === 1;
      const lists = pairs ? listsOf(snap).filter((i) => snap.explored[i]!.length) : listsOf(snap);
      const c = lazyCopy(snap, lists, into, pairs ? nonZero(snap.toClean) : undefined);
      assert.ok(c.explored === into.explored && c.toClean === into.toClean, 'the arrays given are filled');
      c.explored.forEach((l, i) => assert.is(l?.length ?? 0, snap.explored[i]?.length ?? 0, `${name}: list ${i}`));
      for (let i = 0; i < p.insns.length; i++) if (c.explored[i]) assert.ok(c.explored[i] !== snap.explored[i], 'a list of its own');
      assert.equal(c.toClean, snap.toClean);
      assert.equal(counts(run(p, cfg, opts, c)), full, `${name} from step ${snap.processed}`);
      assert.is(JSON.stringify(snap.explored.map((l) => l?.length ?? 0)), before, 'the snapshot\'s lists are unchanged');
      assert.is(JSON.stringify(snap.toClean), clean);
    }
  }
  // (the arrays were reused after runs that added lists or counts: the test can fail)
  assert.ok(dirtied > 5, `${dirtied}`);
  // (and some snapshots had clean counts to copy)
  assert.ok(CASES.some(([name, opts]) => [20, 40].some((k) => snapshot(load(name), opts, k)?.toClean.some((x) => x > 0))), 'some clean counts');
});

t('a fresh context in arrays a previous run filled starts empty and runs as a full check', () => {
  const p = load('tc_edit'), cfg = buildCfg(p.insns, p.type);
  const into = ctxArrays(p.insns.length);
  for (let round = 0; round < 3; round++) {
    const c = freshCtx(p.insns.length, into);
    assert.ok(c.explored.every((l) => l === undefined) && c.toClean.every((x) => x === 0), `round ${round}: empty`);
    assert.equal(counts(run(p, cfg, {}, c)), counts(verify(p)));
    assert.ok(into.explored.some((l) => l !== undefined), 'the run left lists in the arrays');
  }
});

t('a copy that only revisits memory instructions with their recorded pointer type and depth keeps sharing the records', () => {
  let readKept = 0;
  for (const [name, opts] of CASES) {
    const p = load(name);
    const cfg = buildCfg(p.insns, p.type, { loops: opts.privileged !== false });
    for (const k of [1, 3, 8, 20, 40, 80]) {
      const snap = snapshot(p, opts, k);
      if (!snap) continue;
      const c = lazyCopy(snap, listsOf(snap));
      // loads and stores (BPF_LDX, BPF_ST, BPF_STX) at instructions the snapshot has a type for
      let revisits = 0;
      run(p, cfg, opts, c, (_cc, pc) => {
        const cls = p.insns[pc].code & 7;
        if (cls >= 1 && cls <= 3 && snap.ptrTypes[pc] !== undefined) revisits++;
      });
      if (revisits > 0 && c.ptrTypes === snap.ptrTypes && c.stackDepth === snap.stackDepth) readKept++;
    }
  }
  assert.ok(readKept > 0, 'some copy read the records at its memory instructions and wrote nothing');
});

t('an eager copy of a lazy copy owns its records', () => {
  const p = load('xdp1');
  const snap = snapshot(p, {}, 5)!;
  const lazy = lazyCopy(snap, listsOf(snap));
  const eager = copyCtx(lazy);
  assert.is(eager.shared, 0);
  assert.ok(eager.stackDepth !== snap.stackDepth && eager.ptrTypes !== snap.ptrTypes && eager.aluAux !== snap.aluAux && eager.tailMaps !== snap.tailMaps);
  assert.equal(counts(run(p, buildCfg(p.insns, p.type), {}, eager)), counts(verify(p)));
  assert.is(lazy.stackDepth, snap.stackDepth, 'the lazy copy still shares');
});

/** Every checkpoint reachable from c's lists and paths, each once. */
function checkpointsOf(c: Ctx): Set<unknown> {
  const out = new Set<unknown>();
  const walk = (k: { parent: unknown } | null): void => {
    for (; k && !out.has(k); k = k.parent as { parent: unknown } | null) out.add(k);
  };
  for (const l of c.explored) for (const k of l ?? []) walk(k);
  walk(c.path.parent);
  for (const q of c.stack) walk(q.parent);
  return out;
}

t('a copy of many checkpoints (past the pairs, into a map) makes one copy of each, linked as the originals', () => {
  const p = load('xdp_balancer');
  const c = freshCtx(p.insns.length);
  try {
    run(p, buildCfg(p.insns, p.type), {}, c, (cc) => {
      if (cc.processed === 1000) throw cc;
    });
  } catch (e) {
    if (e !== c) throw e;
  }
  const originals = checkpointsOf(c);
  assert.ok(originals.size > 40, `enough checkpoints (${originals.size})`);
  for (const lazy of [false, true]) {
    const copy = lazy ? lazyCopy(c, listsOf(c)) : copyCtx(c, listsOf(c));
    const copies = checkpointsOf(copy);
    assert.is(copies.size, originals.size, 'one copy per checkpoint');
    for (const k of copies) assert.not.ok(originals.has(k), 'no original in the copy');
    // the same shape: list by list, position by position, parents by depth
    const depth = (k: { parent: unknown } | null): number => (k ? 1 + depth(k.parent as { parent: unknown } | null) : 0);
    c.explored.forEach((l, i) => (l ?? []).forEach((k, j) => {
      const n = copy.explored[i]![j];
      assert.is(n.pc, k.pc);
      assert.is(depth(n), depth(k));
      assert.is(n.parent === null, k.parent === null);
    }));
    assert.equal(counts(run(p, buildCfg(p.insns, p.type), {}, copy)), counts(verify(p)));
  }
});

t.run();
