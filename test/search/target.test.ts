// The search under a deployment target: its moves never make an instruction the target lacks
// (a property over every target and corpus program), a v4 input is refused for v2, and the
// outputs for v2 and v4 load on this kernel (live; skipped without bpf()).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readObject } from '../../src/isa/object.ts';
import { toOps } from '../../src/isa/op.ts';
import { formatOp } from '../../src/isa/disasm.ts';
import { firstMissing, missingOn, parseTarget, requirement, type Target } from '../../src/isa/target.ts';
import { propose, proposalContext, type Slot } from '../../src/search/proposals.ts';
import { rng } from '../../src/search/chain.ts';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { targetCheck } from '../../src/search/final-check.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('search/target');
const dir = tempDir('bpfsynth-target-');
const k618 = { major: 6, minor: 18 };
const TARGETS: Target[] = ['v1', 'v2', 'v3', 'v4', 'kernel=4.9', 'kernel=5.15'].map((s) => parseTarget(s, k618));
const FIXTURE = 'test/search/fixtures/signed_xdp.o';
const objects = [...readdirSync('corpus').filter((f) => f.endsWith('.o')).map((f) => `corpus/${f}`), FIXTURE];
const programs = objects.flatMap((path) => {
  try {
    return [toOps(readObject(new Uint8Array(readFileSync(path))).link().insns)];
  } catch {
    return []; // an object this front end cannot link is covered by its own tests
  }
});
const STRAIGHT = new Set(['alu', 'end', 'ldx', 'st', 'stx', 'atomic']);

/** A random walk of `steps` proposals over `original`; every proposed op, in order. */
function walk(original: readonly Slot[], target: Target, seed: number, steps: number): Slot[] {
  const mutable = original.map((o, i) => (o && STRAIGHT.has(o.kind) ? i : -1)).filter((i) => i >= 0);
  if (!mutable.length) return [];
  const ctx = proposalContext(original, mutable, rng(seed), target.isa);
  const cur = original.slice();
  const made: Slot[] = [];
  for (let i = 0; i < steps; i++) {
    for (const [pc, op] of propose(ctx, cur, original)) {
      made.push(op);
      cur[pc] = op;
    }
  }
  return made;
}

t('property: for every target, no proposed instruction is outside it', () => {
  assert.ok(programs.length >= 10, `${programs.length} corpus programs linked`);
  fc.assert(fc.property(fc.integer({ min: 0, max: TARGETS.length - 1 }), fc.integer({ min: 0, max: programs.length - 1 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    (ti, pi, seed) => {
      const target = TARGETS[ti];
      for (const op of walk(programs[pi], target, seed, 300)) {
        const why = op && missingOn(target, op);
        if (why) throw new Error(`${formatOp(op!)}: ${why}`);
      }
    }), { numRuns: 60, seed: 20 });
});

t('at v4 the moves do use v4 instructions (so the property above is not vacuous)', () => {
  const [v1, v4] = [TARGETS[0], TARGETS[3]];
  const signed = toOps(readObject(new Uint8Array(readFileSync(FIXTURE))).link().insns);
  const levels = (target: Target) => new Set(walk(signed, target, 7, 3000).map((op) => (op ? requirement(op).isa : 1)));
  assert.ok(levels(v4).has(4), 'v4 moves include a v4 instruction');
  assert.not.ok(levels(v1).has(4));
});

t('the final check has a target line that refuses a result using an instruction the target lacks', () => {
  const v4 = readObject(new Uint8Array(readFileSync('test/search/fixtures/signed_xdp_v4.o'))).link().insns;
  const bad = targetCheck(v4, parseTarget('v2', k618));
  assert.equal([bad.check, bad.ran, bad.ok], ['target', true, false]);
  assert.match(bad.detail, /instruction 6: sign-extending load needs ISA v4; the target is v2/);
  const good = targetCheck(v4, parseTarget('v4', k618));
  assert.equal([good.ran, good.ok], [true, true]);
});

function optimize(input: string, out: string, target: string): { code: number; summary: Record<string, unknown>; err: string } {
  const r = spawnSync(process.execPath, ['bin/bpfsynth.js', 'optimize', input, '-o', out, '--target', target, '--budget', '30s', '--chains', '1', '--iterations', '400', '--measure-top', '0', '--json'], { encoding: 'utf8' });
  return { code: r.status ?? -1, summary: r.stdout ? JSON.parse(r.stdout) : {}, err: r.stderr };
}

t('an input with v4 instructions is refused for a v2 target, naming the instruction', () => {
  const r = spawnSync(process.execPath, ['bin/bpfsynth.js', 'optimize', 'test/search/fixtures/signed_xdp_v4.o', '-o', join(dir, 'refused.o'), '--target', 'v2'], { encoding: 'utf8' });
  assert.is(r.status, 1);
  assert.match(r.stderr, /instruction 6 \(r2 = \*\(s8 \*\)\(r1 \+ 0xe\)\): sign-extending load needs ISA v4; the target is v2/);
  assert.is(r.stderr.split('\n').filter(Boolean).length, 1, 'one line, no stack');
});

t('a bad --target is a usage error (exit 2)', () => {
  const r = spawnSync(process.execPath, ['bin/bpfsynth.js', 'optimize', FIXTURE, '-o', join(dir, 'x.o'), '--target', 'v4,kernel=6.1'], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /v4 needs kernel 6\.6 or later; the target kernel is 6\.1/);
});

const k = kernelAvailable();
if (!k.ok) console.log(`skip: search/target outputs loaded by the kernel: ${k.reason}`);
else {
  for (const target of ['v2', 'v4']) {
    t(`live: the ${target} output has only ${target} instructions, passed the target check and loads`, async () => {
      const out = join(dir, `signed-${target}.o`);
      const r = optimize(FIXTURE, out, target);
      assert.is(r.code, 0, r.err);
      assert.equal((r.summary.target as { isa: string }).isa, target);
      const p = readObject(new Uint8Array(readFileSync(out))).link();
      const missing = firstMissing(parseTarget(target), toOps(p.insns));
      assert.is(missing, undefined, missing && `${formatOp(missing.op)}: ${missing.reason}`);
      const checks = r.summary.checks as { check: string; ran: boolean; ok?: boolean }[];
      if ((r.summary.insnsAfter as number) < (r.summary.insnsBefore as number)) assert.ok(checks.some((c) => c.check === 'target' && c.ran && c.ok), JSON.stringify(checks));
      const { loadProgram } = await import('../../src/kernel/load.ts');
      const l = loadProgram(p);
      assert.ok(l.ok, l.log);
      l.close();
    });
  }
}

t.run();
