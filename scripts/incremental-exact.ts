// Is every re-check of the incremental API the full check's answer? Every corpus program's bench
// candidates (bench/search-mutants.ts, seeds 1 and 2, with and without real deletions; 256 each,
// 24 for a program whose check processes over 500 instructions) are re-checked by one Incremental
// per program and configuration, twice over (the second pass meets whatever the first left in
// the caches), and each answer is compared with a full check of the same candidate: verdict,
// error (slot and message), processed, total/peak/max states, stack depths. A speed change to
// the incremental path must leave this at 0 differ (the answers of scripts/verifier-answers.ts
// cover three mutants per program; this covers ~17,000). `--realworld`: the large real-world
// programs of bench/verifier-large.ts instead (ksnoop's kprobe_entry, xdpfilt_alw_all), with 24
// bench candidates per configuration and up to 64 candidates with one ALU instruction's
// immediate changed. `--seeds A-B` draws the bench candidates of seeds A to B instead of 1 and 2,
// and `--count N` takes N per configuration instead of 256 (a program over 500 processed, and
// each real-world program, takes 24, or N if fewer): a wider net for a change to the take-over or the resume, beyond what CI runs.
//
//   node --import tsx scripts/incremental-exact.ts [--tier compiled|default] [--only SUBSTR] [--realworld] [--seeds A-B] [--count N]
// Prints one line per difference and a summary; exit status 1 when any differ.
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readObject } from '../src/isa/object.ts';
import { LINUX_6_18 } from '../src/domains/scalar.ts';
import { verify } from '../src/verifier/analyze.ts';
import { defaultSession } from '../src/verifier/memo.ts';
import { Incremental } from '../src/verifier/incremental.ts';
import { runningKernelFlavor } from '../src/kernel/flavor.ts';
import type { Verdict } from '../src/verifier/analyze.ts';
import { searchCandidates } from '../bench/search-mutants.ts';
import { readBpfObject } from '../src/cli/source.ts';
import { relocateForTarget } from '../src/isa/core.ts';
import type { Program } from '../src/isa/program.ts';

/** Bench candidates per program, and for a program whose check processes more than BIG. */
const SMALL_COUNT = 256, BIG_COUNT = 24, BIG = 500;

/** --realworld's programs (object under corpus/realworld/objects, program name). */
const REALWORLD: readonly [string, string][] = [['libbpf-tools/ksnoop.bpf.o', 'kprobe_entry'], ['xdp-tools/xdpfilt_alw_all.o', 'xdpfilt_alw_all']];

/** Most candidates with an ALU immediate changed, per real-world program. */
const IMM_COUNT = 64;

/** Candidates of p with one ALU instruction's immediate (BPF_K source) flipped in its lowest bit, at up to `count` slots spread over the program. */
function immCandidates(p: Program, count: number): { prog: Program; oldToNew?: Int32Array }[] {
  const slots: number[] = [];
  p.insns.forEach((x, i) => {
    const cls = x.code & 7;
    if ((cls === 4 || cls === 7) && !(x.code & 8)) slots.push(i);
  });
  const every = Math.max(1, Math.ceil(slots.length / count));
  return slots.filter((_, k) => k % every === 0).map((i) => ({ prog: { ...p, insns: p.insns.map((x, j) => (j === i ? { ...x, imm: x.imm ^ 1 } : x)) } }));
}

/** What a re-check must reproduce of a full check, as one comparable string. */
export const answerKey = (v: Verdict): string =>
  JSON.stringify([v.ok, v.error?.index ?? null, v.error?.message ?? null, v.processed, v.totalStates, v.peakStates, v.maxStatesPerInsn, v.stackDepths]);

function main(): number {
  let args;
  try {
    args = parseArgs({ options: { tier: { type: 'string', default: 'default' }, only: { type: 'string' }, realworld: { type: 'boolean', default: false }, seeds: { type: 'string', default: '1-2' }, count: { type: 'string', default: String(SMALL_COUNT) } } }).values;
  } catch (e) {
    console.error(`incremental-exact: ${(e as Error).message}`);
    return 2;
  }
  if (args.tier !== 'default' && args.tier !== 'compiled') {
    console.error(`incremental-exact: --tier must be compiled or default, not ${args.tier}`);
    return 2;
  }
  const range = /^(\d+)-(\d+)$/.exec(args.seeds);
  const small = Number(args.count);
  if (!range || Number(range[1]) < 1 || Number(range[2]) < Number(range[1])) {
    console.error(`incremental-exact: --seeds must be A-B with 1 <= A <= B, not ${args.seeds}`);
    return 2;
  }
  if (!Number.isInteger(small) || small < 1) {
    console.error(`incremental-exact: --count must be a positive integer, not ${args.count}`);
    return 2;
  }
  const seeds: number[] = [];
  for (let k = Number(range[1]); k <= Number(range[2]); k++) seeds.push(k);
  if (args.tier === 'compiled') {
    defaultSession(LINUX_6_18).tier = 'compiled';
    defaultSession(runningKernelFlavor()).tier = 'compiled';
  }
  const dir = new URL('../corpus/', import.meta.url);
  let n = 0, bad = 0, resumed = 0, rejoined = 0, taken = 0;
  const programs: [string, () => Program][] = args.realworld
    ? REALWORLD.map(([file, name]) => [`${file}#${name}`, () => {
      const obj = readBpfObject(readFileSync(new URL(`realworld/objects/${file}`, dir)));
      return relocateForTarget(obj, obj.link(name));
    }])
    : readdirSync(dir).filter((x) => x.endsWith('.o')).sort().map((f) => [f, () => readObject(readFileSync(new URL(f, dir))).link()]);
  for (const [f, load] of programs.filter(([x]) => !args.only || x.includes(args.only))) {
    const p = load();
    const size = args.realworld || verify(p).processed > BIG ? Math.min(BIG_COUNT, small) : small;
    // (the immediates' candidates once, as a seed 0)
    for (const seed of args.realworld ? [...seeds, 0] : seeds) {
      for (const deletions of seed ? [false, true] : [false]) {
        const cs = seed ? searchCandidates(p, size, seed, deletions) : immCandidates(p, IMM_COUNT);
        const want = cs.map((c) => answerKey(verify(c.prog)));
        const inc = new Incremental(p);
        for (let pass = 0; pass < 2; pass++) {
          cs.forEach((c, i) => {
            const got = answerKey(inc.check(c.prog, c.oldToNew));
            if (pass === 0) n++;
            if (got === want[i]) return;
            bad++;
            console.log(`DIFF ${f} seed ${seed}${deletions ? ' deletions' : ''} candidate ${i} pass ${pass + 1}: re-check ${got}, full check ${want[i]}`);
          });
        }
        resumed += inc.stats.resumed;
        rejoined += inc.stats.rejoined;
        taken += inc.stats.takenInsns;
      }
    }
  }
  console.log(`${n} candidates, each re-checked twice: ${bad} differ from the full check; resumed ${resumed}, rejoined ${rejoined}, instructions taken over ${taken} (both passes; tier ${args.tier}; seeds ${args.seeds})`);
  return bad ? 1 : 0;
}

process.exitCode = main();
