// buildCfg's per-slot tables are carved from shared chunks (src/verifier/cfg.ts, carve): every
// CFG gets zeroed tables of its own, whatever was built before it, across a chunk's end, for a
// program too large for a chunk, and after a build that failed half-way.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { assemble } from '../../src/isa/asm.ts';
import { readObject } from '../../src/isa/object.ts';
import { buildCfg, CfgError, type Cfg } from '../../src/verifier/cfg.ts';

const t = suite('verifier/cfg-tables');

const csum = readObject(readFileSync(new URL('../../corpus/xdp_csum_loop.o', import.meta.url))).link();

/** Every per-slot table of a CFG as plain arrays. */
const tablesOf = (c: Cfg) => ({
  funcOf: [...c.funcOf], prune: [...c.prune], jmp: [...c.jmp], live: [...c.live],
  kind: [...c.slots.kind], next: [...c.slots.next], jump: [...c.slots.jump], use: [...c.slots.use], kill: [...c.slots.kill],
});

/** Overwrite every per-slot table of a CFG (what an in-place edit could do at worst). */
function scribble(c: Cfg): void {
  for (const a of [c.funcOf, c.prune, c.jmp, c.live, c.slots.kind, c.slots.next, c.slots.jump, c.slots.use, c.slots.kill]) a.fill(-1);
}

t('successive builds get equal, separate tables (over more than one chunk)', () => {
  const want = tablesOf(buildCfg(csum.insns, csum.type));
  assert.equal(want.live.length, csum.insns.length);
  assert.ok(want.prune.some((x) => x === 1) && want.live.some((x) => x !== 0), 'the tables hold something');
  // ~1.2 KiB a build: 500 builds cross two 256 KiB chunks
  const cfgs: Cfg[] = [];
  for (let i = 0; i < 500; i++) {
    const c = buildCfg(csum.insns, csum.type);
    assert.equal(tablesOf(c), want, `build ${i}`);
    cfgs.push(c);
    // a scribbled table must not show in the next build nor in any earlier one
    if (i % 2 === 1) scribble(c);
  }
  for (let i = 0; i < cfgs.length; i += 2) assert.equal(tablesOf(cfgs[i]), want, `build ${i} after later builds`);
});

t('a program too large for a chunk, and builds after a failed one', () => {
  // ~3000 instructions: its tables exceed a quarter chunk (a buffer of its own)
  const body = Array.from({ length: 3000 }, (_, i) => `r${1 + (i % 5)} += ${i}`).join('\n');
  const big = assemble(`r1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\n${body}\nr0 = 0\nexit`).insns;
  const a = buildCfg(big), b = buildCfg(big);
  assert.equal(tablesOf(a), tablesOf(b));
  assert.is(a.live.length, big.length);
  scribble(a);
  assert.equal(tablesOf(b), tablesOf(buildCfg(big)));
  // ~2000 instructions: carved, a large region next to small ones
  const mid = assemble(`r1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\n${body.split('\n').slice(0, 2000).join('\n')}\nr0 = 0\nexit`).insns;
  const m = buildCfg(mid), small = buildCfg(csum.insns, csum.type), m2 = buildCfg(mid);
  const wantSmall = tablesOf(small), wantMid = tablesOf(m2);
  assert.equal(tablesOf(m), wantMid);
  scribble(m);
  assert.equal(tablesOf(small), wantSmall);
  assert.equal(tablesOf(m2), wantMid);
  // a build that throws after carving its region (unreachable code) leaves nothing behind
  const bad = assemble('r0 = 0\nexit\nr0 = 1\nexit').insns;
  assert.throws(() => buildCfg(bad), (e: unknown) => e instanceof CfgError && /unreachable insn 2/.test(e.message));
  assert.equal(tablesOf(buildCfg(csum.insns, csum.type)), tablesOf(buildCfg(csum.insns, csum.type)));
});

t.run();
