// Acquired references (ringbuf reserve/submit/discard, socket lookups/sk_release) as data: each case's verdict, the
// instruction and the first line of the message, as the Linux 6.18 verifier gives them.
// refs.test.ts checks the model against these and, when bpf() works, the running kernel too.
import type { Case } from './cases.ts';
import { RINGBUF } from './cases.ts';

/** r0 = bpf_ringbuf_reserve(map 0, size, 0): 4 instructions (ld_pseudo is 2 slots). */
const reserve = (size: number | string = 8): string => `ld_pseudo r1, 5, 0
r2 = ${size}
r3 = 0
call ringbuf_reserve`;

const T = { type: 'raw_tracepoint' as const, maps: [RINGBUF] };
const S = { type: 'sched_cls' as const };
const SOCKMAP = { name: 'sockmap', type: 15, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 };
/** r0 = map_lookup_elem(sockmap, &(u32)0): the call at 5. */
const sockmapLookup = `*(u32 *)(r10 - 4) = 0
ld_pseudo r1, 5, 0
r2 = r10
r2 += -4
call map_lookup_elem`;

/** r0 = bpf_<helper>(ctx, fp-40 (a zeroed 36-byte tuple), 36, -1, 0): 11 instructions, r1 = ctx on entry. */
const lookup = (helper = 'sk_lookup_tcp'): string => `*(u64 *)(r10 - 8) = 0
*(u64 *)(r10 - 16) = 0
*(u64 *)(r10 - 24) = 0
*(u64 *)(r10 - 32) = 0
*(u64 *)(r10 - 40) = 0
r2 = r10
r2 += -40
r3 = 36
r4 = -1
r5 = 0
call ${helper}`;

export const REF_CASES: Case[] = [
  { ...T, name: 'reserve, null check, write, submit', asm: `${reserve()}
if r0 == 0 goto out
*(u64 *)(r0 + 0) = 1
r1 = r0
r2 = 0
call ringbuf_submit
out:
r0 = 0
exit` },
  { ...T, name: 'reserve, null check, discard through a copy', asm: `${reserve()}
r6 = r0
if r6 == 0 goto out
r1 = r6
r2 = 0
call ringbuf_discard
out:
r0 = 0
exit` },
  { ...T, name: 'reserve never released', asm: `${reserve()}
r0 = 0
exit`, reject: [6, 'Unreleased reference id=2 alloc_insn=4'] },
  { ...T, name: 'released on one path only', asm: `${reserve()}
if r0 == 0 goto out
r6 = r0
r7 = 1
if r7 == 1 goto out
r1 = r6
r2 = 0
call ringbuf_submit
out:
r0 = 0
exit`, reject: [13, 'Unreleased reference id=2 alloc_insn=4'] },
  { ...T, name: 'write after submit through a copy', asm: `${reserve()}
if r0 == 0 goto out
r6 = r0
r1 = r0
r2 = 0
call ringbuf_submit
*(u64 *)(r6 + 0) = 1
out:
r0 = 0
exit`, reject: [10, "R6 invalid mem access 'scalar'"] },
  { ...T, name: 'submit twice', asm: `${reserve()}
if r0 == 0 goto out
r6 = r0
r1 = r6
r2 = 0
call ringbuf_submit
r1 = r6
r2 = 0
call ringbuf_submit
out:
r0 = 0
exit`, reject: [12, 'R1 type=scalar expected=ringbuf_mem'] },
  { ...T, name: 'submit before the null check', asm: `${reserve()}
r1 = r0
r2 = 0
call ringbuf_submit
r0 = 0
exit`, reject: [7, 'R1 type=ringbuf_mem_or_null expected=ringbuf_mem'] },
  { ...T, name: 'submit a stack pointer', asm: `r1 = r10
r1 += -8
r2 = 0
call ringbuf_submit
r0 = 0
exit`, reject: [3, 'R1 type=fp expected=ringbuf_mem'] },
  { ...T, name: 'submit with an offset', asm: `${reserve()}
if r0 == 0 goto out
r1 = r0
r1 += 4
r2 = 0
call ringbuf_submit
out:
r0 = 0
exit`, reject: [9, 'R1 must have zero offset when passed to release func or trusted arg to kfunc'] },
  { ...T, name: 'reserve with a variable size', asm: `call get_prandom_u32
r2 = r0
r2 &= 15
ld_pseudo r1, 5, 0
r3 = 0
call ringbuf_reserve
r0 = 0
exit`, reject: [6, "R2 is not a known constant'"] },
  { ...T, name: 'write past the reserved size', asm: `${reserve(8)}
if r0 == 0 goto out
r6 = r0
*(u8 *)(r0 + 8) = 1
r1 = r6
r2 = 0
call ringbuf_discard
out:
r0 = 0
exit`, reject: [7, 'invalid access to memory, mem_size=8 off=8 size=1'] },
  { ...T, name: 'reserve from an array map', maps: [{ name: 'arr', type: 2, keySize: 4, valueSize: 16, maxEntries: 4, flags: 0 }], asm: `${reserve()}
r0 = 0
exit`, reject: [4, 'cannot pass map_type 2 into func bpf_ringbuf_reserve#131'] },
  // refsafe: the state reaching `join` with a reference must not be pruned by the one without
  { ...T, name: 'pruning compares held references', asm: `call get_prandom_u32
if r0 == 0 goto take
r0 = 0
goto join
take:
${reserve()}
if r0 == 0 goto join
r0 = 0
join:
r0 = 0
exit`, reject: [12, 'Unreleased reference id=2 alloc_insn=8'] },
  // references belong to the whole state: a subprogram may release what its caller acquired
  { ...T, name: 'released in a subprogram', asm: `${reserve()}
if r0 == 0 goto out
r1 = r0
call rel
out:
r0 = 0
exit
rel:
r2 = 0
call ringbuf_submit
r0 = 0
exit` },
  { ...T, name: 'acquired in a subprogram, leaked by the caller', asm: `call acq
r0 = 0
exit
acq:
${reserve()}
exit`, reject: [2, 'Unreleased reference id=2 alloc_insn=7'] },
  { ...S, name: 'sk_lookup_tcp, null check, read state, release', asm: `${lookup()}
if r0 == 0 goto out
r6 = r0
r7 = *(u32 *)(r0 + 72)
r1 = r6
call sk_release
out:
r0 = 0
exit` },
  { ...S, name: 'skc_lookup_tcp released through a spill', asm: `${lookup('skc_lookup_tcp')}
if r0 == 0 goto out
*(u64 *)(r10 - 48) = r0
r1 = *(u64 *)(r10 - 48)
call sk_release
out:
r0 = 0
exit` },
  { ...S, name: 'sk_lookup_udp leaked', asm: `${lookup('sk_lookup_udp')}
r0 = 0
exit`, reject: [12, 'Unreleased reference id=2 alloc_insn=10'] },
  { ...S, name: 'sock read after release', asm: `${lookup()}
if r0 == 0 goto out
r6 = r0
r1 = r0
call sk_release
r0 = *(u32 *)(r6 + 4)
out:
r0 = 0
exit`, reject: [15, "R6 invalid mem access 'scalar'"] },
  { ...S, name: 'sock_common has no type field', asm: `${lookup('skc_lookup_tcp')}
if r0 == 0 goto out
r6 = r0
r7 = *(u32 *)(r0 + 8)
r1 = r6
call sk_release
out:
r0 = 0
exit`, reject: [13, 'R0 invalid sock_common access off=8 size=4'] },
  { ...S, name: 'write into a sock', asm: `${lookup()}
if r0 == 0 goto out
r6 = r0
*(u32 *)(r0 + 16) = 1
r1 = r6
call sk_release
out:
r0 = 0
exit`, reject: [13, 'R0 cannot write into sock'] },
  { ...S, name: 'sk_release of a null-unchecked sock', asm: `${lookup()}
r1 = r0
call sk_release
r0 = 0
exit`, reject: [12, 'R1 type=sock_or_null expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_'] },
  { ...S, name: 'pointer arithmetic on a sock', asm: `${lookup()}
if r0 == 0 goto out
r0 += 8
r1 = r0
call sk_release
out:
r0 = 0
exit`, reject: [12, 'R0 pointer arithmetic on sock prohibited'] },
  { type: 'sched_cls', maps: [SOCKMAP], name: 'sockmap lookup holds the socket', asm: `${sockmapLookup}
if r0 == 0 goto out
r1 = r0
call sk_release
out:
r0 = 0
exit` },
  { type: 'sched_cls', maps: [SOCKMAP], name: 'sockmap lookup leaked', asm: `${sockmapLookup}
if r0 == 0 goto out
r6 = *(u32 *)(r0 + 4)
out:
r0 = 0
exit`, reject: [9, 'Unreleased reference id=2 alloc_insn=5'] },
  { ...S, name: 'skb->sk checked for NULL, made a full socket, read', asm: `r1 = *(u64 *)(r1 + 168)
if r1 == 0 goto out
call sk_fullsock
if r0 == 0 goto out
r0 = *(u32 *)(r0 + 0)
out:
r0 = 0
exit` },
  { ...S, name: 'skb->sk read through without a NULL check', asm: `r1 = *(u64 *)(r1 + 168)
r0 = *(u32 *)(r1 + 0)
r0 = 0
exit`, reject: [1, "R1 invalid mem access 'sock_common_or_null'"] },
  { ...S, name: 'a full socket cast from a looked-up one, used after sk_release', asm: `${lookup()}
r6 = r0
if r6 == 0 goto out
r1 = r6
call sk_fullsock
r7 = r0
r1 = r6
call sk_release
if r7 == 0 goto out
r0 = *(u32 *)(r7 + 0)
out:
r0 = 0
exit`, reject: [19, "R7 invalid mem access 'scalar'"] },
  { ...S, name: 'the listener socket (no reference) passed to sk_release', asm: `${lookup()}
r6 = r0
if r6 == 0 goto out
r1 = r6
call get_listener_sock
r7 = r0
r1 = r6
call sk_release
if r7 == 0 goto out
r1 = r7
call sk_release
out:
r0 = 0
exit`, reject: [20, 'R1 must be referenced when passed to release function'] },
  { ...S, name: 'skb->sk as a tcp_sock: bytes_acked read whole', asm: `r1 = *(u64 *)(r1 + 168)
if r1 == 0 goto out
call tcp_sock
if r0 == 0 goto out
r0 = *(u64 *)(r0 + 88)
out:
r0 = 0
exit` },
  { ...S, name: 'a tcp_sock field of 4 bytes read as 8', asm: `r1 = *(u64 *)(r1 + 168)
if r1 == 0 goto out
call tcp_sock
if r0 == 0 goto out
r0 = *(u64 *)(r0 + 96)
out:
r0 = 0
exit`, reject: [4, 'R0 invalid tcp_sock access off=96 size=8'] },
  { ...S, name: 'a tcp_sock read past icsk_retransmits', asm: `r1 = *(u64 *)(r1 + 168)
if r1 == 0 goto out
call tcp_sock
if r0 == 0 goto out
r0 = *(u32 *)(r0 + 112)
out:
r0 = 0
exit`, reject: [4, 'R0 invalid tcp_sock access off=112 size=4'] },
];
