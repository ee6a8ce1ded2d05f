// verifier-incremental.ts's timed rounds: with the warm-in each timed batch is the second of two
// identical batches in a row (the first, untimed, follows the other side's batch); without it,
// every batch run is timed. Sides alternate which goes first.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { timedRounds } from '../../bench/verifier-incremental.ts';

const t = suite('bench/warm-in');

type Sample = [number, number, number];

/** A side whose k-th run (from 1) returns [k, k, k], with the log of which side ran, in order. */
function sides() {
  const log: string[] = [];
  let r = 0, l = 0;
  const recheck = (): Sample => (log.push('r'), ++r, [r, r, r]);
  const load = (): Sample => (log.push('l'), ++l, [l, l, l]);
  return { log, recheck, load };
}

t('with the warm-in, only every second run of a side is timed, right after its untimed twin', () => {
  const s = sides();
  const { rs, ls, made } = timedRounds(s.recheck, s.load, 5, true);
  assert.is(made, 7);
  // two warm-up rounds, then the timed ones: each round runs each side twice in a row
  assert.equal(s.log.slice(0, 8), ['r', 'r', 'l', 'l', 'l', 'l', 'r', 'r']);
  assert.is(s.log.length, 7 * 4);
  // the timed samples are the even-numbered runs after the warm-up rounds' four of each side
  assert.equal(rs.map((x) => x[0]), [6, 8, 10, 12, 14]);
  assert.equal(ls.map((x) => x[0]), [6, 8, 10, 12, 14]);
});

t('without the warm-in, every run after the warm-up rounds is timed, sides alternating', () => {
  const s = sides();
  const { rs, ls } = timedRounds(s.recheck, s.load, 5, false);
  assert.equal(s.log.slice(0, 4), ['r', 'l', 'l', 'r']);
  assert.equal(rs.map((x) => x[0]), [3, 4, 5, 6, 7]);
  assert.equal(ls.map((x) => x[0]), [3, 4, 5, 6, 7]);
});

t('without a kernel (no load side), re-checks alone are timed, warm-in or not', () => {
  const s = sides();
  const { rs, ls } = timedRounds(s.recheck, undefined, 5, true);
  assert.is(ls.length, 0);
  assert.equal(rs.map((x) => x[0]), [6, 8, 10, 12, 14]);
  assert.ok(s.log.every((x) => x === 'r'));
});

t.run();
