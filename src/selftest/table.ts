// The suite's results for people: one row per run, and the gaps counted by feature.
import type { Judged, Outcome } from './classify.ts';

const LABEL: Record<Outcome, string> = {
  'agree': 'agree', 'false-accept': 'FALSE ACCEPT', 'false-reject': 'false reject', 'msg-mismatch': 'msg mismatch',
  'retval-mismatch': 'retval mismatch', 'kernel-deviates': 'kernel differs', 'skipped': 'skipped',
};

/** `outcome  file:name  reason`. */
export function judgedRow(j: Judged): string {
  return `${LABEL[j.outcome].padEnd(15)} ${j.key}${j.reason ? `  ${j.reason}` : ''}`;
}

/** Counts of every outcome but agreement, by feature. */
export function featureCounts(js: readonly Judged[]): Record<string, Partial<Record<Outcome, number>>> {
  const out: Record<string, Partial<Record<Outcome, number>>> = {};
  for (const j of js) {
    if (j.outcome === 'agree' || !j.feature) continue;
    const row = (out[j.feature] ??= {});
    row[j.outcome] = (row[j.outcome] ?? 0) + 1;
  }
  return out;
}

const COLS: Outcome[] = ['false-accept', 'false-reject', 'msg-mismatch', 'retval-mismatch', 'skipped', 'kernel-deviates'];

/** A feature × outcome table, largest model gaps first. */
export function featureTable(js: readonly Judged[]): string {
  const counts = featureCounts(js);
  const gap = (r: Partial<Record<Outcome, number>>) => COLS.reduce((a, c) => a + (r[c] ?? 0), 0);
  const rows = Object.entries(counts).sort((a, b) => gap(b[1]) - gap(a[1]));
  if (!rows.length) return 'no gaps';
  const w = Math.max(7, ...rows.map(([f]) => f.length));
  const head = `${'feature'.padEnd(w)}  ${COLS.map((c) => LABEL[c].padStart(16)).join('')}`;
  return [head, ...rows.map(([f, r]) => `${f.padEnd(w)}  ${COLS.map((c) => String(r[c] ?? 0).padStart(16)).join('')}`)].join('\n');
}
