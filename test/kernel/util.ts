import { readdirSync, readlinkSync } from 'node:fs';

/**
 * Open BPF file descriptors (maps, programs, BTF, links) of this process. Only these: node's own
 * descriptors (pipes, the loader's files) come and go on their own, and under load one closing
 * in the middle of a test made a count of all descriptors fail a test that leaked nothing.
 */
export const fdCount = (): number => readdirSync('/proc/self/fd').filter((fd) => {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`).startsWith('anon_inode:bpf');
  } catch {
    return false; // closed between the listing and the readlink
  }
}).length;
