// The first kernel release that has each helper. Helper ids are appended to enum bpf_func_id
// in merge order, so a release's new helpers form one run of ids: the table below gives the
// first id of each release (releases with no new helper are absent). Facts from bcc's
// docs/kernel-versions.md (helper → release and commit) and the kernel's own uapi bpf.h;
// where a release was uncertain the later one is written, so an input is never passed for a
// kernel that lacks a helper it calls (only refused for one that might have it).
import type { KernelVersion } from './target.ts';
import { HELPER_COUNT } from './helpers.ts';

/** [release, first helper id new in it], in id order. */
const FIRST_ID: readonly [string, number][] = [
  ['3.19', 1], ['4.1', 4], ['4.2', 12], ['4.3', 17], ['4.4', 23], ['4.5', 26], ['4.6', 27],
  ['4.8', 31], ['4.9', 37], ['4.10', 42], ['4.11', 45], ['4.12', 46], ['4.13', 48], ['4.14', 51],
  ['4.15', 54], ['4.16', 58], ['4.17', 60], ['4.18', 65], ['4.19', 81], ['4.20', 84], ['5.0', 91],
  ['5.1', 93], ['5.2', 99], ['5.3', 109], ['5.5', 111], ['5.6', 116], ['5.7', 120], ['5.8', 125],
  ['5.9', 135], ['5.10', 141], ['5.11', 156], ['5.12', 163], ['5.13', 164], ['5.14', 166],
  ['5.15', 169], ['5.16', 176], ['5.17', 180], ['5.18', 186], ['5.19', 194], ['6.0', 204],
  ['6.1', 208], ['6.2', 210],
];

const parse = (s: string): KernelVersion => {
  const [major, minor] = s.split('.').map(Number);
  return { major, minor };
};

/** The first release with helper `id`, or undefined for an id this table does not know. */
export function helperSince(id: number): KernelVersion | undefined {
  if (id < 1 || id >= HELPER_COUNT) return undefined;
  let found = FIRST_ID[0][0];
  for (const [release, first] of FIRST_ID) if (id >= first) found = release;
  return parse(found);
}
