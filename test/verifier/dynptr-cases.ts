// Dynptrs on the stack (bpf_ringbuf_reserve_dynptr / submit / discard, bpf_dynptr_data slices)
// as data: each case's verdict, instruction and first message line as Linux 6.18 gives them.
// refs.test.ts runs them with the reference cases (and against the running kernel when it can).
import type { Case } from './cases.ts';
import { RINGBUF } from './cases.ts';

/** bpf_ringbuf_reserve_dynptr(map 0, 8, 0, fp + at): instructions 0-6, the call at 6. */
const reserve = (at = -16): string => `ld_pseudo r1, 5, 0
r2 = 8
r3 = 0
r4 = r10
r4 += ${at}
call ringbuf_reserve_dynptr`;

/** bpf_ringbuf_submit_dynptr(fp-16, 0): 4 instructions. */
const submit = `r1 = r10
r1 += -16
r2 = 0
call ringbuf_submit_dynptr`;

const T = { type: 'raw_tracepoint' as const, maps: [RINGBUF] };

export const DYNPTR_CASES: Case[] = [
  { ...T, name: 'dynptr: reserve and submit', asm: `${reserve()}
${submit}
r0 = 0
exit` },
  { ...T, name: 'dynptr: reserved, never submitted', asm: `${reserve()}
r0 = 0
exit`, reject: [8, 'Unreleased reference id=2 alloc_insn=6'] },
  { ...T, name: 'dynptr: a store over a referenced dynptr', asm: `${reserve()}
*(u64 *)(r10 - 8) = 0
${submit}
r0 = 0
exit`, reject: [7, 'cannot overwrite referenced dynptr'] },
  { ...T, name: 'dynptr: its bytes read as data', asm: `${reserve()}
r6 = *(u64 *)(r10 - 16)
${submit}
r0 = 0
exit`, reject: [7, 'invalid read from stack off -16+0 size 8'] },
  { ...T, name: 'dynptr: submit of a dynptr never made', asm: `${submit}
r0 = 0
exit`, reject: [3, 'arg 1 is an unacquired reference'] },
  { ...T, name: 'dynptr: at an offset that is not a slot', asm: `${reserve(-12)}
r0 = 0
exit`, reject: [6, 'cannot pass in dynptr at an offset=-12'] },
  // a helper's raw write (probe_read_kernel's destination) over two slots, the second the dynptr's:
  // the first byte of the dynptr is named, not the write's first (call.ts helperMem, slot by slot)
  { ...T, name: 'dynptr: a helper writes across it', asm: `${reserve()}
r1 = r10
r1 += -24
r2 = 16
r3 = 0
call probe_read_kernel
r0 = 0
exit`, reject: [11, 'potential write to dynptr at off=-16 disallowed'] },
  { ...T, name: 'dynptr: a slice used after the submit', asm: `${reserve()}
r1 = r10
r1 += -16
r2 = 0
r3 = 8
call dynptr_data
r6 = r0
${submit}
if r6 == 0 goto out
r0 = *(u64 *)(r6 + 0)
out:
r0 = 0
exit`, reject: [18, "R6 invalid mem access 'scalar'"] },
  { ...T, name: 'dynptr: a slice checked for NULL, read within bounds, then submitted', asm: `${reserve()}
r1 = r10
r1 += -16
r2 = 0
r3 = 8
call dynptr_data
if r0 == 0 goto out
r6 = *(u64 *)(r0 + 0)
out:
${submit}
r0 = 0
exit` },
  { ...T, name: 'dynptr: a slice read past its size', asm: `${reserve()}
r1 = r10
r1 += -16
r2 = 0
r3 = 8
call dynptr_data
if r0 == 0 goto out
r6 = *(u64 *)(r0 + 4)
out:
${submit}
r0 = 0
exit`, reject: [13, 'invalid access to memory, mem_size=8 off=4 size=8'] },
];
