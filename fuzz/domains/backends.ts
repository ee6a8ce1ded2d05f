// The domain operations of a replay on each run-time backend (see observe.ts DomainOps): the
// generic operators on the fixed-width arena, and the compiled operators. Run as a script, it
// replays the whole recording on both and counts disagreements with the bigint oracle:
//   node --import tsx fuzz/domains/backends.ts [corpus/traces/domains.jsonl.gz]
import { scalarAlu } from '../../src/domains/alu.ts';
import { refine, branchTakenB } from '../../src/domains/branch.ts';
import { F, viaFixed2, inFixedRegion, scalarToFixed, scalarFromFixed } from '../../src/domains/fixed-scalar.ts';
import { CompiledOps } from '../../src/domains/compiled.ts';
import type { KernelFlavor } from '../../src/domains/scalar.ts';
import { observeModel, bigintOps, type DomainOps } from './observe.ts';
import { readRecordingFile, recordedFlavor } from '../record.ts';
import type { Recorded } from './run.ts';

export const arenaOps = (flavor: KernelFlavor): DomainOps => ({
  flavor,
  alu: (op, w, x, y) => viaFixed2((a, b) => scalarAlu(F, op, w, a, b, flavor), x, y),
  refine: (x, y, c, w) => inFixedRegion(() => {
    const r = refine(F, scalarToFixed(x), scalarToFixed(y), c, w, flavor);
    return { fallthrough: r.fallthrough.map(scalarFromFixed), taken: r.taken.map(scalarFromFixed) };
  }),
  taken: (x, y, c, w) => inFixedRegion(() => {
    const k = branchTakenB(F, scalarToFixed(x), scalarToFixed(y), c, w);
    return k.always ? 1 : k.never ? 0 : -1;
  }),
});

/** The compiled operators of one flavor (a CompiledOps of its own: the caller's, or a new one). */
export const compiledOps = (flavor: KernelFlavor, ops = new CompiledOps(flavor)): DomainOps => ({
  flavor,
  alu: (op, w, x, y) => ops.alu(op, w, x, y),
  refine: (x, y, c, w) => ops.refine(x, y, c, w),
  taken: (x, y, c, w) => ops.branchTaken(x, y, c, w),
});

/** Cases of the recording whose observation on `ops` differs from the bigint one. */
export function disagreements(path: string, opsFor: (fl: KernelFlavor) => DomainOps, every = 1): { cases: number; differ: number } {
  const { meta, records } = readRecordingFile<Recorded>(path);
  const fl = recordedFlavor(meta), ops = opsFor(fl), oracle = bigintOps(fl);
  let cases = 0, differ = 0;
  records.forEach((r, i) => {
    if (i % every) return;
    cases++;
    if (JSON.stringify(observeModel(r.case, ops)) !== JSON.stringify(observeModel(r.case, oracle))) differ++;
  });
  return { cases, differ };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.argv[2] ?? 'corpus/traces/domains.jsonl.gz';
  for (const [name, ops] of [['compiled', (fl: KernelFlavor) => compiledOps(fl)], ['fixed arena', arenaOps]] as const) {
    const t0 = performance.now();
    const r = disagreements(path, ops);
    console.log(`${name}: ${r.differ} of ${r.cases} recorded cases differ from bigint (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
}
