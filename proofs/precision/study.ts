// Exhaustive 8-bit precision study of tnum multiplication (DESIGN.md §3): for every pair of 8-bit
// tnums (3^8 × 3^8 = 43,046,721 pairs), the optimal tnum of the product set {x·y mod 256} is
// computed by brute force and compared with the 6.18 tnum_mul, the CGO'22 multiplication and the
// pre-5.13 kernel multiplication — the operators of src/domains/tnum.ts run on plain numbers.
//
// The optimum is computed without enumerating 256×256 members per pair: for a fixed a, first
// AND/OR-accumulate x·y over x ∈ γ(a) for every y (a table of 256); then, walking the tnums b in
// base-3 order, a b with an unknown bit j is the union of the two tnums with bit j fixed to 0
// and to 1, both visited earlier, so its AND/OR is one & and one | of theirs.
//
// Run: npx tsx proofs/precision/study.ts [--out proofs/precision/RESULTS.md] [--limit N]
import { writeFileSync } from 'node:fs';
import type { Bits } from '../../src/bv/bits.ts';
import * as T from '../../src/domains/tnum.ts';
import type { Tnum } from '../../src/domains/tnum.ts';
import { numberBits } from './number-bits.ts';

const W = 8;
const N = 3 ** W; // 6561 tnums
const bv = numberBits(W);

/** Tnum number `i`: base-3 digit j is bit j — 0 known 0, 1 known 1, 2 unknown. */
export function tnumAt(i: number): Tnum<number> {
  let value = 0, mask = 0;
  for (let j = 0; j < W; j++, i = Math.floor(i / 3)) {
    const d = i % 3;
    if (d === 1) value |= 1 << j;
    else if (d === 2) mask |= 1 << j;
  }
  return { value, mask };
}

type Mul = (bv: Bits<number, boolean>, a: Tnum<number>, b: Tnum<number>) => Tnum<number>;
export const MULS: [string, Mul][] = [
  ['6.18 tnum_mul', T.tnumMul],
  ["CGO'22 (kernel 5.13–6.17)", T.tnumMulCgo22],
  ['pre-5.13 kernel (hma)', T.tnumMulLegacy],
];

export interface Counts {
  pairs: number;
  optimal: number[]; // per mul
  /** cmp[i][j]: [equal, i strictly more precise, j strictly more precise, incomparable] */
  cmp: number[][][];
  ms: number;
}

/** Run the study over a = 0 … limit-1 (all 6561 by default). */
export function study(limit = N): Counts {
  const t0 = performance.now();
  const ts = Array.from({ length: N }, (_, i) => tnumAt(i));
  const members = ts.map((t) => { const xs: number[] = []; let s = 0; do { xs.push(t.value | s); s = (s - t.mask) & t.mask; } while (s !== 0); return xs; });
  // For each b index: the highest unknown digit j (or -1) and 3^j.
  const split = new Int32Array(N).fill(-1);
  for (let i = 0; i < N; i++) for (let j = W - 1, p = 3 ** j; j >= 0; j--, p /= 3) if (Math.floor(i / p) % 3 === 2) { split[i] = p; break; }
  const optAnd = new Int32Array(N), optOr = new Int32Array(N);
  const andY = new Int32Array(256), orY = new Int32Array(256);
  const k = MULS.length;
  const c: Counts = { pairs: 0, optimal: new Array(k).fill(0), cmp: MULS.map(() => MULS.map(() => [0, 0, 0, 0])), ms: 0 };
  const res = new Array<Tnum<number>>(k);
  for (let ia = 0; ia < limit; ia++) {
    const a = ts[ia];
    for (let y = 0; y < 256; y++) {
      let and = 0xff, or = 0;
      for (const x of members[ia]) { const p = Math.imul(x, y) & 0xff; and &= p; or |= p; }
      andY[y] = and; orY[y] = or;
    }
    for (let ib = 0; ib < N; ib++) {
      const p = split[ib];
      if (p < 0) { const y = ts[ib].value; optAnd[ib] = andY[y]; optOr[ib] = orY[y]; }
      else { const b0 = ib - 2 * p, b1 = ib - p; optAnd[ib] = optAnd[b0] & optAnd[b1]; optOr[ib] = optOr[b0] | optOr[b1]; }
      const ov = optAnd[ib], om = optOr[ib] ^ optAnd[ib];
      const b = ts[ib];
      for (let m = 0; m < k; m++) {
        const r = (res[m] = MULS[m][1](bv, a, b));
        if (r.value === ov && r.mask === om) c.optimal[m]++;
      }
      for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) {
        const ri = res[i], rj = res[j];
        const row = c.cmp[i][j];
        if (ri.value === rj.value && ri.mask === rj.mask) row[0]++;
        else if (T.tnumIn(bv, rj, ri)) row[1]++;
        else if (T.tnumIn(bv, ri, rj)) row[2]++;
        else row[3]++;
      }
      c.pairs++;
    }
  }
  c.ms = Math.round(performance.now() - t0);
  return c;
}

const pct = (n: number, d: number): string => `${((100 * n) / d).toFixed(2)}%`;

export function report(c: Counts): string {
  const lines = [
    `Pairs: ${c.pairs.toLocaleString('en')} (${c.ms} ms)`, '',
    '| multiplication | optimal results | rate |', '|---|---:|---:|',
    ...MULS.map(([name], m) => `| ${name} | ${c.optimal[m].toLocaleString('en')} | ${pct(c.optimal[m], c.pairs)} |`), '',
    '| A vs B | equal | differ | A more precise | B more precise | incomparable | A more precise, of differing |', '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (let i = 0; i < MULS.length; i++) for (let j = i + 1; j < MULS.length; j++) {
    const [eq, ai, bj, inc] = c.cmp[i][j];
    const diff = ai + bj + inc;
    lines.push(`| ${MULS[i][0]} vs ${MULS[j][0]} | ${eq.toLocaleString('en')} | ${diff.toLocaleString('en')} | ${ai.toLocaleString('en')} | ${bj.toLocaleString('en')} | ${inc.toLocaleString('en')} | ${diff ? pct(ai, diff) : '–'} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const limit = args.includes('--limit') ? Number(args[args.indexOf('--limit') + 1]) : N;
  const c = study(limit);
  const text = report(c);
  console.log(text);
  if (args.includes('--json')) writeFileSync(args[args.indexOf('--json') + 1], JSON.stringify(c));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
