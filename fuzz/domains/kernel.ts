// Running a domain case in the kernel: load at log_level 2 (never run, never attached).
import { encodeBytes } from '../../src/isa/insn.ts';
import { loadRaw } from '../../src/kernel/load.ts';
import { closeFd } from '../../src/kernel/syscall.ts';
import { caseProgram, type DomainCase } from './case.ts';
import { observeKernel, type Observation } from './observe.ts';

export function runKernel(c: DomainCase): Observation {
  const r = loadRaw('socket_filter', encodeBytes(caseProgram(c)), 'GPL', { logLevel: 2 });
  if (r.fd >= 0) closeFd(r.fd);
  return observeKernel(c, r.fd >= 0, r.log);
}
