// Shared maps (the default) against --assume-exclusive-maps: what the search leaves alone, that
// it really does, and that the output says which assumption it was made under.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readObject } from '../../src/isa/object.ts';
import { toOps } from '../../src/isa/op.ts';
import { formatOp } from '../../src/isa/disasm.ts';
import { sharedMapGuard } from '../../src/search/shared-maps.ts';
import { runChain } from '../../src/search/chain.ts';
import { Original } from '../../src/search/candidate.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('search/shared-maps');
const dir = tempDir('bpfsynth-maps-');
const link = (path: string) => readObject(new Uint8Array(readFileSync(path))).link();
const MAP_ACCESS = link('corpus/xdp_map_access.o');
const ops = toOps(MAP_ACCESS.insns);
const at = (text: string): number => ops.findIndex((o) => o !== null && formatOp(o) === text);
const lastAt = (text: string): number => {
  for (let pc = ops.length - 1; pc >= 0; pc--) if (ops[pc] && formatOp(ops[pc]!) === text) return pc;
  return -1;
};

t('a program without maps has nothing shared', () => {
  const p = link('corpus/xdp_swap_tx.o');
  assert.is(sharedMapGuard(Original.of(p)), undefined);
});

t('kept: the map value read-modify-write, the lookup key on the stack, and what reads a map value', () => {
  const g = sharedMapGuard(Original.of(MAP_ACCESS))!;
  for (const text of ['r2 = *(u64 *)(r1 + 0x0)', 'r2 += 0x1', '*(u64 *)(r1 + 0x0) = r2', '*(u32 *)(r10 - 0x4) = w1', 'w1 = *(u32 *)(r1 + 0x10)', 'r6 += r2']) {
    const pc = at(text);
    assert.ok(pc >= 0, text);
    assert.is(g.kept[pc], 1, text);
  }
  // after a branch on the third read of the map value: a path only concurrent writers make feasible
  assert.is(g.kept[lastAt('r0 = 0x2')], 1, 'reachable from a branch after two map events');
  // the packet bounds check's arithmetic carries nothing to or from the map
  assert.is(g.kept[at('r1 += 0xe')], 0);
  // a free slot may not be turned into a write of a register holding a map value
  const free = at('r1 += 0xe');
  assert.ok(g.allows(free, { kind: 'alu', op: 'add', width: 64, dst: 1, src: { imm: 14 } }));
  assert.not.ok(g.allows(lastAt('r0 = 0x1'), { kind: 'ldx', size: 8, signed: false, dst: 0, src: 1, off: 0 }), 'a new load through a map-value (or unknown) pointer');
});

t('kept: the flags of a map update after a lookup that missed (BPF_ANY → BPF_NOEXIST only holds without writers)', () => {
  const p = link('test/search/fixtures/map_update.o');
  const o = toOps(p.insns);
  const g = sharedMapGuard(Original.of(p))!;
  const flags = o.findIndex((op) => op !== null && formatOp(op) === 'r4 = 0x0');
  assert.ok(flags > 0);
  assert.is(g.kept[flags], 1);
  assert.not.ok(g.allows(flags, { kind: 'alu', op: 'mov', width: 64, dst: 4, src: { imm: 1 } }), 'BPF_NOEXIST');
  // a free slot may not overwrite the key register the update reads either
  const free = o.findIndex((op, pc) => op !== null && !g.kept[pc] && op.kind === 'ldx');
  assert.ok(free >= 0);
  assert.ok(g.allows(free, { kind: 'alu', op: 'mov', width: 64, dst: 4, src: { imm: 1 } }), 'r4 is set again before the update: free here');
});

const changedKept = async (exclusiveMaps: boolean): Promise<string[]> => {
  const g = sharedMapGuard(Original.of(MAP_ACCESS))!;
  const r = await runChain(MAP_ACCESS, { budgetMs: 60_000, maxIterations: 4000, seed: 3, objective: 'size', exclusiveMaps });
  const out: string[] = [];
  for (const v of r.validated) v.candidate.ops.forEach((op, pc) => {
    if (g.kept[pc] && v.candidate.changed(pc)) out.push(`${pc}: ${v.candidate.deleted[pc] ? 'deleted' : formatOp(op!)}`);
  });
  return out;
};

t('the search leaves kept slots alone by default, and changes them with exclusive maps', async () => {
  assert.equal(await changedKept(false), []);
  const changed = await changedKept(true);
  assert.ok(changed.length > 0, 'with --assume-exclusive-maps the map accesses are open to the search');
});

function optimize(extra: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/bpfsynth.js', 'optimize', 'corpus/xdp_map_access.o', '-o', join(dir, 'out.o'), '--iterations', '1', '--chains', '1', '--measure-top', '0', ...extra], { encoding: 'utf8', env: { ...process.env, BPFSYNTH_NO_KERNEL: '1' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

t('the output is labelled with the maps assumption (text and --json)', () => {
  const shared = optimize(['--json']);
  assert.is(shared.code, 0, shared.err);
  assert.is(JSON.parse(shared.out).maps.assumption, 'shared');
  const excl = optimize(['--json', '--assume-exclusive-maps']);
  assert.is(excl.code, 0, excl.err);
  const j = JSON.parse(excl.out);
  assert.is(j.maps.assumption, 'exclusive');
  assert.match(j.maps.detail, /valid only if nothing else writes the maps/);
  const text = optimize(['--assume-exclusive-maps']);
  assert.match(text.out, /maps: exclusive \(--assume-exclusive-maps\)/);
});

t.run();
