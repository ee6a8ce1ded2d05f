// BENCHMARKS.md's contents: every `##` section listed under its topic (the issue its heading
// names), linked by the anchor GitHub gives the heading. The list lives between the
// `<!-- contents:begin -->` and `<!-- contents:end -->` markers and is regenerated, not edited.
// Usage: node --import tsx scripts/benchmarks-contents.ts [--write]
// (without --write: exit 1 and say so when the list is stale; test/scripts/benchmarks-contents checks it too)
import { readFileSync } from 'node:fs';
import { writeAtomic } from '../src/cli/io.ts';

const BEGIN = '<!-- contents:begin -->';
const END = '<!-- contents:end -->';

/** Topics in the order the list shows them, by the first issue a heading names. */
const TOPICS: readonly (readonly [issue: number | undefined, title: string])[] = [
  [19, 'Verifier model speed and incremental re-checks (issue 19)'],
  [20, 'Optimizer on real programs, K2 parity, interpreter against ubpf (issue 20)'],
  [17, 'Measured latency (issue 17)'],
  [18, 'Deterministic proofs and mutation testing (issue 18)'],
  [16, 'Verifier selftests and unprivileged loads (issue 16)'],
  [15, 'Real-world objects (issue 15)'],
  [14, 'Architecture: flow core and Candidate (issue 14)'],
  [undefined, 'Other sections'],
];

/** GitHub's anchor for a heading's text: lower case, punctuation dropped, spaces as hyphens. */
export function anchorOf(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}\p{M} _-]/gu, '').replace(/ /g, '-');
}

/** The first issue a heading names ("(issue 19)", "(issues 16 and 20)"), if any. */
export function issueOf(heading: string): number | undefined {
  const m = /\(issues? (\d+)/.exec(heading);
  return m ? Number(m[1]) : undefined;
}

/** The contents block for a document (headings inside the block itself and inside code fences ignored). */
export function contentsOf(doc: string): string {
  const a = doc.indexOf(BEGIN), b = doc.indexOf(END);
  const body = a >= 0 && b > a ? doc.slice(0, a) + doc.slice(b + END.length) : doc;
  const seen = new Map<string, number>();
  const groups = new Map<number | undefined, string[]>();
  let fence = false;
  for (const line of body.split('\n')) {
    if (line.startsWith('```')) fence = !fence;
    const h = fence ? null : /^(#{1,6}) (.+?)\s*$/.exec(line);
    if (!h) continue;
    // GitHub numbers repeated anchors over every heading level: -1, -2, ...
    const base = anchorOf(h[2]), n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    if (h[1] !== '##') continue;
    const issue = issueOf(h[2]);
    const key = TOPICS.some(([i]) => i === issue) ? issue : undefined;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(`  - [${h[2].replace(/([[\]])/g, '\\$1')}](#${n ? `${base}-${n}` : base})`);
  }
  const out: string[] = [];
  for (const [issue, title] of TOPICS) {
    const items = groups.get(issue);
    if (items) out.push(`- **${title}**`, ...items);
  }
  return `${BEGIN}\n\n${out.join('\n')}\n\n${END}`;
}

/** The document with its contents block regenerated (the markers must be there). */
export function withContents(doc: string): string {
  const a = doc.indexOf(BEGIN), b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`BENCHMARKS.md: no ${BEGIN} … ${END} markers`);
  return doc.slice(0, a) + contentsOf(doc) + doc.slice(b + END.length);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = new URL('../BENCHMARKS.md', import.meta.url);
  try {
    const doc = readFileSync(path, 'utf8');
    const next = withContents(doc);
    if (process.argv.includes('--write')) {
      if (next !== doc) writeAtomic(path.pathname, next);
      console.log(next === doc ? 'BENCHMARKS.md: contents already current' : 'BENCHMARKS.md: contents rewritten');
    } else if (next !== doc) {
      console.error('BENCHMARKS.md: contents are stale; run node --import tsx scripts/benchmarks-contents.ts --write');
      process.exit(1);
    } else console.log('BENCHMARKS.md: contents current');
  } catch (e) {
    console.error(`benchmarks-contents: ${(e as Error).message}`);
    process.exit(1);
  }
}
