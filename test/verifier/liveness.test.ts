// The model's register liveness (src/isa/flow.ts through buildCfg) against the kernel's
// `Live regs before insn:` table, recorded in corpus/live-regs.json by
// scripts/record-live-regs.ts (6.18): hand-written cases for each use/def rule and every
// corpus program. When bpf() works, the first cases are also loaded again and compared live.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { assemble } from '../../src/isa/asm.ts';
import { readObject } from '../../src/isa/object.ts';
import { bareProgram, type Program, type ProgType } from '../../src/isa/program.ts';
import { buildCfg } from '../../src/verifier/cfg.ts';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { loadProgram } from '../../src/kernel/load.ts';
import { parseVerifierLog } from '../../src/kernel/log.ts';

const t = suite('verifier/liveness');
const DIR = new URL('../../corpus/', import.meta.url);

interface LiveRecord {
  name: string;
  type: ProgType;
  source?: string;
  object?: string;
  program?: string;
  live: Record<string, string>;
}
const records = JSON.parse(readFileSync(new URL('live-regs.json', DIR), 'utf8')) as LiveRecord[];

const programOf = (r: LiveRecord): Program =>
  r.source !== undefined
    ? bareProgram(assemble(r.source.replace(/;/g, '\n')).insns, r.type)
    : readObject(readFileSync(new URL(r.object!, DIR))).link(r.program);

/** The kernel's column string for a bit set of registers. */
const columns = (m: number): string => [...Array(10).keys()].map((i) => (m & (1 << i) ? String(i) : '.')).join('');

t('the recording covers the hand-written rules and the corpus', () => {
  assert.ok(records.some((r) => r.name.startsWith('ldabs')), 'ldabs case');
  assert.ok(records.filter((r) => r.object).length >= 16, 'corpus programs');
});

for (const r of records) {
  t(`${r.name}: live registers as the kernel's table`, () => {
    const p = programOf(r);
    const live = buildCfg(p.insns, p.type).live;
    for (const [idx, want] of Object.entries(r.live)) assert.is(columns(live[Number(idx)]), want, `insn ${idx}`);
  });
}

t('the kernel prints the recorded tables (when bpf() works)', () => {
  const k = kernelAvailable();
  if (!k.ok) {
    console.log(`  skipped: ${k.reason}`);
    return;
  }
  for (const r of records.filter((x) => x.source !== undefined)) {
    const res = loadProgram(programOf(r), { logLevel: 2, info: false });
    res.close();
    const got: Record<string, string> = {};
    for (const row of parseVerifierLog(res.log).live) got[row.idx] = columns(row.live.reduce((m, i) => m | (1 << i), 0));
    assert.equal(got, r.live, r.name);
  }
});

t.run();
