// `bpfsynth fuzz domains`: generate cases, run each in the kernel and in our domain, compare.
// --record writes the kernel's observations as JSON lines; --replay checks the domain against
// a recording without the kernel.
import fc from 'fast-check';
import { readRecordingFile, recordedFlavor } from '../record.ts';
import { arbCase, caseProgram, type DomainCase } from './case.ts';
import { arbCornerCase } from './corners.ts';
import { compareObs, observeModel, bigintOps, type Observation } from './observe.ts';
import type { KernelFlavor } from '../../src/domains/scalar.ts';
import { disasm, formatLine } from '../../src/isa/disasm.ts';

export interface Recorded {
  case: DomainCase;
  kernel: Observation;
}

export interface FuzzReport {
  cases: number;
  mismatches: number;
  /** Readable reports of the first few mismatches. */
  examples: string[];
  seconds: number;
}

export function explain(c: DomainCase, diff: string[], kernel: Observation, model: Observation): string {
  const listing = disasm(caseProgram(c), 'kernel').map((l) => '  ' + formatLine(l, 'kernel')).join('\n');
  return `mismatch:\n${listing}\n  ${diff.join('\n  ')}\n  kernel: ${JSON.stringify(kernel)}\n  model:  ${JSON.stringify(model)}`;
}

/** Compare the domain against recorded kernel observations. */
export function replayDomains(path: string, onProgress?: (done: number) => void): FuzzReport {
  const t0 = performance.now();
  const { meta, records: lines } = readRecordingFile<Recorded>(path);
  let mismatches = 0;
  const examples: string[] = [];
  const ops = bigintOps(recordedFlavor(meta));
  lines.forEach((rec, i) => {
    const model = observeModel(rec.case, ops);
    const diff = compareObs(rec.case, rec.kernel, model);
    if (diff.length) {
      mismatches++;
      if (examples.length < 3) examples.push(explain(rec.case, diff, rec.kernel, model));
    }
    if (onProgress && i % 1000 === 999) onProgress(i + 1);
  });
  return { cases: lines.length, mismatches, examples, seconds: (performance.now() - t0) / 1000 };
}

/** Deterministic stream of cases: batches of 1000, batch b drawn with seed `seed + b`; `corners`: the targeted generator (corners.ts). */
export function* domainCases(count: number, seed: number, corners = false): Generator<DomainCase> {
  for (let b = 0; b * 1000 < count; b++) {
    yield* fc.sample(corners ? arbCornerCase : arbCase, { numRuns: Math.min(1000, count - b * 1000), seed: seed + b });
  }
}

/** Smallest case (by removing steps, then zeroing immediates) on which `fails` still holds. */
export function shrinkCase(c: DomainCase, fails: (c: DomainCase) => boolean): DomainCase {
  let cur = c;
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < cur.steps.length && cur.steps.length > 1; i++) {
      const next = { steps: cur.steps.filter((_, j) => j !== i) };
      if (fails(next)) {
        cur = next;
        changed = true;
        i--;
      }
    }
  }
  return cur;
}

/** Live fuzzing against the kernel (`runKernel` is passed in so replay never loads the bridge). */
export function fuzzDomains(opts: { flavor: KernelFlavor; count: number; seed: number; corners?: boolean; runKernel: (c: DomainCase) => Observation; record?: (r: Recorded) => void; onProgress?: (done: number, bad: number) => void }): FuzzReport {
  const t0 = performance.now();
  let done = 0, mismatches = 0;
  const failing: DomainCase[] = [];
  const ops = bigintOps(opts.flavor);
  for (const c of domainCases(opts.count, opts.seed, opts.corners)) {
    const kernel = opts.runKernel(c);
    const diff = compareObs(c, kernel, observeModel(c, ops));
    done++;
    if (diff.length) {
      mismatches++;
      if (failing.length < 3) failing.push(c);
    }
    opts.record?.({ case: c, kernel });
    if (opts.onProgress && done % 500 === 0) opts.onProgress(done, mismatches);
  }
  const fails = (c: DomainCase): boolean => compareObs(c, opts.runKernel(c), observeModel(c, ops)).length > 0;
  const examples = failing.map((c) => {
    const small = shrinkCase(c, fails);
    const kernel = opts.runKernel(small), model = observeModel(small, ops);
    return explain(small, compareObs(small, kernel, model), kernel, model);
  });
  return { cases: done, mismatches, examples, seconds: (performance.now() - t0) / 1000 };
}
