// Verifier-model cases as data (PREVAIL style): a program as assembly, its type and maps, and
// what the Linux 6.18 verifier says about it (verdict, the instruction and first line of the
// message on rejection). Every expectation was checked against the running kernel with
// scratch/verifier-cases-vs-kernel.ts; `processed` is the kernel's count where ours agrees.
import type { MapDef, ProgType } from '../../src/isa/program.ts';

export interface Case {
  name: string;
  type?: ProgType;
  maps?: MapDef[];
  asm: string;
  /** undefined = accept; else [insn, message (a prefix of the kernel's first line)]. */
  reject?: [number, string];
  /** Expected register at an instruction's entry (printed as the kernel's log does). */
  reg?: { at: number; r: number; is: string };
  /** The kernel's processed count, when ours matches it exactly. */
  processed?: number;
}

const m = (name: string, type: number, keySize: number, valueSize: number, maxEntries = 4, flags = 0): MapDef =>
  ({ name, type, keySize, valueSize, maxEntries, flags });
export const ARRAY = m('arr', 2, 4, 16);
export const HASH = m('hash', 1, 4, 16, 16);
export const PROGS = m('progs', 3, 4, 4);
export const RINGBUF = m('rb', 27, 0, 0, 4096);
export const DEVMAP = m('dev', 14, 4, 4);

/** lookup in map 0 with a key on the stack at fp-8 (a constant `key`): r0 = value or null. */
const lookup = (key = 'r1 = 0\n*(u32 *)(r10 - 8) = r1') => `${key}
r2 = r10
r2 += -8
ld_pseudo r1, 5, 0
call map_lookup_elem`;

/** `stores` (the key at fp-4, the value at fp-24), then bpf_map_update_elem(map 0, fp-4, fp-24, 0). */
const update = (stores: string): string => `${stores}
ld_pseudo r1, 5, 0
r2 = r10
r2 += -4
r3 = r10
r3 += -24
r4 = 0
call map_update_elem`;

/** lookup, then a read of `size` from the value at a variable offset: its first u32 masked with `mask`. */
const varOffRead = (mask: number, size: 'u8' | 'u16' | 'u32' | 'u64'): string => `${lookup()}
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
r1 &= ${mask}
r0 += r1
r1 = *(${size} *)(r0 + 0)
out:
r0 = 0
exit`;

/** `n` stores of an immediate zero to consecutive stack slots from fp-8*first down (register spills of a constant). */
const spills = (first: number, n: number): string =>
  Array.from({ length: n }, (_, i) => `*(u64 *)(r10 - ${8 * (first + i)}) = 0`).join('\n');

/** bpf_ringbuf_output(map 0, fp-8, 8, 0) of a zeroed slot. */
const ringbufOutput = `*(u64 *)(r10 - 8) = 0
ld_pseudo r1, 5, 0
r2 = r10
r2 += -8
r3 = 8
r4 = 0
call ringbuf_output`;

/** ringbuf_output, then n spills, then a branch: 1 + n history entries reach the jump (after the call's one). */
const ringbufThenSpills = (n: number, what: string, processed: number) => ({
  name: `ringbuf_output then ${n} spills: ${n + 1} history entries, ${what}`, type: 'raw_tracepoint' as const, maps: [RINGBUF], processed, asm: `${ringbufOutput}
${spills(2, n)}
if r0 > 5 goto j
r0 = 1
j:
r0 = 0
exit` });

/** r6 unknown, r7 = 0 or 1 at `j`, where the first path leaves a checkpoint (two jumps, eight instructions). */
const beforeJoin = `call get_prandom_u32
r6 = r0
r7 = 0
*(u64 *)(r10 - 8) = 0
r8 = 0
r9 = 0
r1 = 0
r2 = 0
if r6 > 5 goto j
r7 = 1
j:`;

export const CASES: Case[] = [
  // ---- accepted programs
  { name: 'return 0', asm: 'r0 = 0\nexit', processed: 2 },
  { name: 'xdp reads data/data_end and checks 14 bytes', asm: `
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
r0 = 1
if r4 > r3 goto end
r0 = *(u8 *)(r2 + 13)
end:
exit`, reg: { at: 6, r: 2, is: 'pkt(r=14)' } },
  { name: 'pkt check with < and reversed operands', asm: `
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 8
r0 = 0
if r3 < r4 goto end
r0 = *(u64 *)(r2 + 0)
end:
exit` },
  { name: 'pkt check with >= (right-open range)', asm: `
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 8
r0 = 0
if r4 >= r3 goto end
r0 = *(u64 *)(r2 + 0)
end:
exit` },
  { name: 'pkt check with <= taken branch', asm: `
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 8
r0 = 0
if r4 <= r3 goto ok
exit
ok:
r0 = *(u64 *)(r2 + 0)
exit` },
  { name: 'map lookup with null check', maps: [HASH], asm: `${lookup()}
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 8)
out:
r0 = 0
exit`, reg: { at: 8, r: 0, is: 'map_value(map=hash,ks=4,vs=16)' } },
  { name: 'null check by != and a copy of the pointer', maps: [HASH], asm: `${lookup()}
r6 = r0
if r0 != 0 goto ok
r0 = 0
exit
ok:
r0 = *(u64 *)(r6 + 0)
exit` },
  { name: 'array lookup with constant in-range key needs no null check', maps: [ARRAY], asm: `${lookup()}
r0 = *(u64 *)(r0 + 0)
r0 = 0
exit` },
  { name: 'map value with bounded variable offset', maps: [HASH], asm: varOffRead(7, 'u64') },
  { name: 'map update from stack key and value', maps: [HASH], asm: `
${update(`r1 = 0
*(u32 *)(r10 - 4) = r1
*(u64 *)(r10 - 24) = r1
*(u64 *)(r10 - 16) = r1`)}
exit` },
  { name: 'helpers returning integers', asm: `
call ktime_get_ns
r6 = r0
call get_prandom_u32
r6 += r0
call get_smp_processor_id
r0 += r6
exit` },
  { name: 'get_smp_processor_id range', asm: 'call get_smp_processor_id\nexit', reg: { at: 1, r: 0, is: 'scalar(smin=smin32=0,smax=umax=smax32=umax32=1,var_off=(0x0; 0x1))' } },
  { name: 'uninitialised stack read is allowed for root', asm: 'r0 = *(u64 *)(r10 - 8)\nexit', processed: 2 },
  { name: 'spill and fill keeps the constant', asm: `
r1 = 42
*(u64 *)(r10 - 16) = r1
r0 = *(u64 *)(r10 - 16)
exit`, reg: { at: 3, r: 0, is: '42' } },
  { name: 'spill and fill a pointer', asm: `
*(u64 *)(r10 - 8) = r1
r2 = *(u64 *)(r10 - 8)
r0 = *(u32 *)(r2 + 0)
exit` },
  { name: 'bounded loop', asm: `
r0 = 0
r1 = 0
loop:
r0 += r1
r1 += 1
if r1 < 10 goto loop
exit`, processed: 33 },
  { name: 'bpf-to-bpf call', asm: `
r1 = 5
call f
exit
f:
r0 = r1
r0 += 1
exit`, processed: 6 },
  { name: 'tail call', maps: [PROGS], asm: `
ld_pseudo r2, 5, 0
r3 = 0
call tail_call
r0 = 0
exit` },
  { name: 'redirect_map', maps: [DEVMAP], asm: `
ld_pseudo r1, 5, 0
r2 = 0
r3 = 0
call redirect_map
exit` },
  { name: 'xdp_adjust_head then reload data', asm: `
r6 = r1
r2 = 4
call xdp_adjust_head
r2 = *(u32 *)(r6 + 0)
r3 = *(u32 *)(r6 + 4)
r4 = r2
r4 += 1
r0 = 0
if r4 > r3 goto out
r0 = *(u8 *)(r2 + 0)
out:
exit` },
  { name: 'csum_diff with null first buffer', asm: `
r1 = 0
r2 = 0
r3 = r10
r3 += -8
r4 = 0
*(u64 *)(r10 - 8) = r4
r4 = 8
r5 = 0
call csum_diff
exit` },
  { name: 'ringbuf_output from stack', maps: [RINGBUF], asm: `
r1 = 0
*(u64 *)(r10 - 8) = r1
ld_pseudo r1, 5, 0
r2 = r10
r2 += -8
r3 = 8
r4 = 0
call ringbuf_output
exit` },
  { name: 'trace_printk of a stack string', asm: `
r1 = 0x0a6968
*(u32 *)(r10 - 4) = r1
r1 = r10
r1 += -4
r2 = 4
call trace_printk
r0 = 0
exit` },
  { name: 'probe_read_kernel into the stack', type: 'kprobe', asm: `
r3 = *(u64 *)(r1 + 112)
r1 = r10
r1 += -16
r2 = 16
call probe_read_kernel
r0 = *(u64 *)(r10 - 16)
exit` },
  { name: 'get_current_pid_tgid in a tracepoint', type: 'tracepoint', asm: `
r6 = *(u32 *)(r1 + 8)
call get_current_pid_tgid
r0 >>= 32
exit` },
  { name: 'tc reads skb->len and writes mark', type: 'sched_cls', asm: `
r2 = *(u32 *)(r1 + 0)
*(u32 *)(r1 + 8) = r2
r0 = 0
exit` },
  { name: 'tc skb_load_bytes and l3_csum_replace', type: 'sched_cls', asm: `
r6 = r1
r2 = 0
r3 = r10
r3 += -8
r4 = 8
call skb_load_bytes
r1 = r6
r2 = 24
r3 = 0
r4 = 1
r5 = 2
call l3_csum_replace
r0 = 0
exit` },
  { name: 'socket filter LD_ABS', type: 'socket_filter', asm: `
r6 = r1
r0 = *(u8 *)skb[12]
exit` },
  { name: 'jmp32 refinement', asm: `
call get_prandom_u32
if w0 > 5 goto out
r0 = r0
out:
exit` },
  { name: 'pointer minus pointer is a scalar for root', asm: `
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r3 -= r2
r0 = r3
exit` },
  { name: 'branch on constant is decided', asm: `
r1 = 1
if r1 == 1 goto ok
r0 = *(u64 *)(r5 + 0)
ok:
r0 = 0
exit` },
  { name: 'shift by 63 is fine', asm: 'r0 = 1\nr0 <<= 63\nexit' },

  // ---- pruning: jump history and precision (fuzz verifier, programs with bpf_ringbuf_output)
  // More than 40 jump-history entries (jump points reached, register spills and fills) force a
  // checkpoint at the next prune point: here the jump, so none at `j` (pruned without it: 48).
  { name: 'a long jump history forces a checkpoint', asm: `call get_prandom_u32
${spills(1, 42)}
if r0 > 5 goto j
r0 = 1
j:
r0 = 0
exit`, processed: 49 },
  // the insn after the call is a jump point and a spill: one entry, so 1 + 39 + 1 = 41 entries at the jump forces, 40 does not
  ringbufThenSpills(39, 'no forced checkpoint', 51),
  ringbufThenSpills(40, 'force a checkpoint', 53),
  // The size argument's precision is backtracked from before the call (the kernel skips the
  // instruction that relies on it): r3 = 8 ends it, r7 stays imprecise at j and 8->10 is pruned.
  { name: 'ringbuf_output size precision does not make the checkpoint precise', maps: [RINGBUF], asm: `${beforeJoin}
${ringbufOutput}
r0 = r7
r0 &= 0
exit`, processed: 21 },
  // A constant key written by a narrow (4-byte) aligned store is a spill: backtracking stops there.
  { name: 'constant key from a narrow spill: precision stops at the store', maps: [ARRAY], asm: `${beforeJoin.replace('*(u64 *)(r10 - 8) = 0\n', 'r3 = 0\n')}
*(u32 *)(r10 - 8) = 0
r2 = r10
r2 += -8
ld_pseudo r1, 5, 0
call map_lookup_elem
r0 = r7
r0 &= 0
exit`, processed: 19 },
  // An atomic add to the stack is walked over like a store (it does not define the tracked r1).
  { name: 'precision backtracking walks over an atomic add', asm: `${beforeJoin.replace('r8 = 0\nr9 = 0\nr1 = 0\n', 'r5 = 1\nr8 = 0\nr9 = 0\n')}
r1 = 3
lock *(u64 *)(r10 - 8) += r5
if r1 == 3 goto k
k:
r0 = r7
r0 &= 0
exit`, processed: 17 },

  // ---- rejected programs
  { name: 'r0 not set at exit', asm: 'exit', reject: [0, 'R0 !read_ok'] },
  { name: 'read of an uninitialised register', asm: 'r0 = r2\nexit', reject: [0, 'R2 !read_ok'] },
  { name: 'write to r10', asm: 'r10 = 0\nr0 = 0\nexit', reject: [0, 'frame pointer is read only'] },
  { name: 'division by constant zero', asm: 'r0 = 1\nr0 /= 0\nexit', reject: [1, 'div by zero'] },
  { name: 'modulo by constant zero (32-bit)', asm: 'r0 = 1\nw0 %= 0\nexit', reject: [1, 'div by zero'] },
  { name: 'shift by 64', asm: 'r0 = 1\nr0 <<= 64\nexit', reject: [1, 'invalid shift 64'] },
  { name: 'shift by 32 in 32-bit', asm: 'r0 = 1\nw0 >>= 32\nexit', reject: [1, 'invalid shift 32'] },
  { name: 'unreachable instruction', asm: 'r0 = 0\nexit\nr0 = 1\nexit', reject: [2, 'unreachable insn 2'] },
  { name: 'jump out of range', asm: 'r0 = 0\ngoto +5\nexit', reject: [1, 'jump out of range from insn 1 to 7'] },
  { name: 'last insn is not exit', asm: 'r0 = 0\nexit\nr0 = 1', reject: [2, 'last insn is not an exit or jmp'] },
  { name: 'infinite loop', asm: 'r0 = 0\nl:\nif r0 == 0 goto l\nexit', reject: [1, 'infinite loop detected at insn 1'] },
  { name: 'loop that never ends with a growing counter', asm: `
r0 = 0
l:
r0 += 1
goto l`, reject: [2, 'BPF program is too large. Processed 1000001 insn'] },
  { name: 'packet read without bounds check', asm: `
r2 = *(u32 *)(r1 + 0)
r0 = *(u8 *)(r2 + 0)
exit`, reject: [1, 'invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)'] },
  { name: 'packet read one past the checked range', asm: `
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
r0 = 1
if r4 > r3 goto end
r0 = *(u8 *)(r2 + 14)
end:
exit`, reject: [6, 'invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)'] },
  { name: 'packet read on the wrong edge', asm: `
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 14
r0 = 1
if r4 <= r3 goto end
r0 = *(u8 *)(r2 + 0)
end:
exit`, reject: [6, 'invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)'] },
  { name: 'null map value dereferenced', maps: [HASH], asm: `${lookup()}
r0 = *(u64 *)(r0 + 0)
exit`, reject: [7, "R0 invalid mem access 'map_value_or_null'"] },
  { name: 'dereference on the null edge', maps: [HASH], asm: `${lookup()}
if r0 != 0 goto out
r1 = *(u64 *)(r0 + 0)
out:
r0 = 0
exit`, reject: [8, "R0 invalid mem access 'scalar'"] },
  { name: 'arithmetic on map_value_or_null', maps: [HASH], asm: `${lookup()}
r0 += 8
exit`, reject: [7, 'R0 pointer arithmetic on map_value_or_null prohibited, null-check it first'] },
  { name: 'map value read past value_size', maps: [HASH], asm: `${lookup()}
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 16)
out:
r0 = 0
exit`, reject: [8, 'invalid access to map value, value_size=16 off=16 size=8'] },
  { name: 'map value with unbounded offset', maps: [HASH], asm: `${lookup()}
if r0 == 0 goto out
r1 = *(u32 *)(r0 + 0)
r0 += r1
r1 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit`, reject: [10, 'R0 unbounded memory access, make sure to bounds check any such access'] },
  { name: 'map value with offset one too large', maps: [HASH], asm: varOffRead(15, 'u16'), reject: [11, 'invalid access to map value, value_size=16 off=15 size=2'] },
  // mem.ts regionFault: a variable offset whose largest access ends at the value's last byte (decided
  // on numbers), and a negative fixed offset (left to the bigint path for its message)
  { name: 'map value with a variable offset ending at its last byte', maps: [HASH], processed: 14, asm: varOffRead(14, 'u16') },
  { name: 'map value read before its start', maps: [HASH], asm: `${lookup()}
if r0 == 0 goto out
r1 = *(u8 *)(r0 - 1)
out:
r0 = 0
exit`, reject: [8, 'invalid access to map value, value_size=16 off=-1 size=1'] },
  // call.ts helperMem, slot by slot: a value argument over a spilled pointer (privileged: passes),
  // bytes never written and zeroed bytes
  { name: 'map update whose value spans a spilled pointer, unwritten and zeroed bytes', maps: [HASH], processed: 13, asm: `${update(`r1 = 0
*(u32 *)(r10 - 4) = r1
*(u64 *)(r10 - 24) = r10
*(u32 *)(r10 - 12) = r1`)}
r0 = 0
exit` },
  { name: 'unbounded scalar added to a packet pointer', asm: `
r6 = *(u32 *)(r1 + 0)
call get_prandom_u32
r6 += r0
r0 = 0
exit`, reject: [2, 'math between pkt pointer and register with unbounded min value is not allowed'] },
  { name: 'math on pkt_end', asm: `
r3 = *(u32 *)(r1 + 4)
r3 += 1
r0 = 0
exit`, reject: [1, 'R3 pointer arithmetic on pkt_end prohibited'] },
  { name: 'bitwise op on pointer', asm: `
r2 = r10
r2 &= 8
r0 = 0
exit`, reject: [1, 'R2 bitwise operator &= on pointer prohibited'] },
  { name: 'multiplying a pointer', asm: `
r2 = r10
r2 *= 2
r0 = 0
exit`, reject: [1, 'R2 pointer arithmetic with *= operator prohibited'] },
  { name: '32-bit pointer arithmetic', asm: `
r2 = r10
w2 += 8
r0 = 0
exit`, reject: [1, 'R2 32-bit pointer arithmetic prohibited'] },
  { name: 'scalar minus pointer', asm: `
r2 = 0
r2 -= r10
r0 = 0
exit`, reject: [1, 'R2 tried to subtract pointer from scalar'] },
  { name: 'subtraction from stack pointer', asm: `
r2 = r10
r3 = 8
r2 -= r3
r0 = 0
exit`, reject: [2, 'R2 subtraction from stack pointer prohibited'] },
  { name: 'ctx with variable offset', asm: `
r6 = r1
call get_prandom_u32
r0 &= 4
r6 += r0
r0 = *(u32 *)(r6 + 0)
exit`, reject: [4, 'variable ctx access var_off=(0x0; 0x4) disallowed'] },
  { name: 'modified ctx dereference', asm: `
r1 += 4
r0 = *(u32 *)(r1 + 0)
exit`, reject: [1, 'dereference of modified ctx ptr R1 off=4 disallowed'] },
  { name: 'xdp ctx write', asm: `
r2 = 0
*(u32 *)(r1 + 12) = r2
r0 = 0
exit`, reject: [1, 'invalid bpf_context access off=12 size=4'] },
  { name: 'xdp ctx narrow read', asm: 'r0 = *(u16 *)(r1 + 0)\nexit', reject: [0, 'invalid bpf_context access off=0 size=2'] },
  { name: 'xdp ctx read past the end', asm: 'r0 = *(u32 *)(r1 + 24)\nexit', reject: [0, 'invalid bpf_context access off=24 size=4'] },
  { name: 'socket filter cannot read data', type: 'socket_filter', asm: 'r0 = *(u32 *)(r1 + 76)\nexit', reject: [0, 'invalid bpf_context access off=76 size=4'] },
  { name: 'socket filter cannot write mark', type: 'socket_filter', asm: 'r2 = 0\n*(u32 *)(r1 + 8) = r2\nr0 = 0\nexit', reject: [1, 'invalid bpf_context access off=8 size=4'] },
  { name: 'tc cannot write len', type: 'sched_cls', asm: 'r2 = 0\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit', reject: [1, 'invalid bpf_context access off=0 size=4'] },
  { name: 'kprobe ctx is read-only', type: 'kprobe', asm: 'r2 = 0\n*(u64 *)(r1 + 0) = r2\nr0 = 0\nexit', reject: [1, 'invalid bpf_context access off=0 size=8'] },
  { name: 'kprobe ctx read past pt_regs', type: 'kprobe', asm: 'r0 = *(u64 *)(r1 + 168)\nexit', reject: [0, 'invalid bpf_context access off=168 size=8'] },
  { name: 'tracepoint common fields not readable', type: 'tracepoint', asm: 'r0 = *(u64 *)(r1 + 0)\nexit', reject: [0, 'invalid bpf_context access off=0 size=8'] },
  { name: 'stack access out of bounds', asm: 'r0 = *(u64 *)(r10 - 520)\nexit', reject: [0, 'invalid read from stack R10 off=-520 size=8'] },
  { name: 'stack write above fp', asm: 'r0 = 0\n*(u64 *)(r10 + 0) = r0\nexit', reject: [1, 'invalid write to stack R10 off=0 size=8'] },
  { name: 'misaligned stack access', asm: 'r0 = *(u32 *)(r10 - 6)\nexit', reject: [0, 'misaligned stack access off 0+0+-6 size 4'] },
  { name: 'partial fill of a spilled pointer', asm: `
*(u64 *)(r10 - 8) = r1
r0 = *(u32 *)(r10 - 8)
exit`, reject: [1, 'invalid size of register fill'] },
  { name: 'narrow spill of a pointer', asm: `
*(u32 *)(r10 - 8) = r1
r0 = 0
exit`, reject: [0, 'invalid size of register spill'] },
  { name: 'helper with a scalar as map', asm: `
r1 = 0
r2 = 0
call map_lookup_elem
exit`, reject: [2, 'R1 type=scalar expected=map_ptr'] },
  { name: 'helper with a scalar as key', maps: [HASH], asm: `
ld_pseudo r1, 5, 0
r2 = 0
call map_lookup_elem
exit`, reject: [3, 'R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_'] },
  { name: 'helper argument not initialised', maps: [HASH], asm: `
ld_pseudo r1, 5, 0
call map_lookup_elem
exit`, reject: [2, 'R2 !read_ok'] },
  { name: 'caller-saved registers are cleared by a call', asm: `
r1 = 1
call ktime_get_ns
r0 = r1
exit`, reject: [2, 'R1 !read_ok'] },
  { name: 'tail call with wrong map type', maps: [HASH], asm: `
ld_pseudo r2, 5, 0
r3 = 0
call tail_call
r0 = 0
exit`, reject: [3, 'expected prog array map for tail call'] },
  { name: 'xdp_adjust_head invalidates packet pointers', asm: `
r6 = r1
r7 = *(u32 *)(r1 + 0)
r8 = *(u32 *)(r1 + 4)
r2 = r7
r2 += 1
if r2 > r8 goto out
r2 = 4
r1 = r6
call xdp_adjust_head
r0 = *(u8 *)(r7 + 0)
out:
r0 = 0
exit`, reject: [9, "R7 invalid mem access 'scalar'"] },
  { name: 'helper not allowed for program type', type: 'kprobe', asm: 'r2 = 0\ncall xdp_adjust_tail\nr0 = 0\nexit', reject: [1, 'program of this type cannot use helper bpf_xdp_adjust_tail#65'] },
  { name: 'helper size argument zero', asm: `
r1 = r10
r1 += -8
r2 = 0
call trace_printk
exit`, reject: [3, 'R2 invalid zero-sized read: u64=[0,0]'] },
  { name: 'helper size past the stack', asm: `
r1 = r10
r1 += -8
r2 = 16
call trace_printk
exit`, reject: [3, 'invalid read from stack R1 off=-8 size=16'] },
  { name: 'helper size possibly negative', asm: `
call get_prandom_u32
r2 = r0
r2 <<= 32
r2 s>>= 32
r1 = r10
r1 += -8
call trace_printk
exit`, reject: [6, "R2 min value is negative, either use unsigned or 'var &= const'"] },
  { name: 'returning a pointer is fine for root xdp', asm: 'r0 = r10\nexit' },
  { name: 'cgroup_skb return value out of range', type: 'cgroup_skb', asm: 'r0 = 5\nexit', reject: [1, 'At program exit the register R0 has smin=5 smax=5 should have been in [0, 1]'] },
  { name: 'LD_ABS in xdp', asm: 'r6 = r1\nr0 = *(u8 *)skb[0]\nexit', reject: [1, 'BPF_LD_[ABS|IND] instructions not allowed for this program type'] },
  { name: 'variable-offset stack read', asm: `
call get_prandom_u32
r0 &= 8
r1 = r10
r1 += -16
r1 += r0
r0 = *(u64 *)(r1 + 0)
exit` },
  { name: 'stack pointer returned from a subprogram', asm: `
call f
r0 = 0
exit
f:
r0 = r10
exit`, reject: [4, 'cannot return stack pointer to the caller'] },
  { name: 'combined stack of two frames too large', asm: `
r1 = 0
*(u64 *)(r10 - 8) = r1
call f
r0 = 0
exit
f:
r1 = 0
*(u64 *)(r10 - 512) = r1
r0 = 0
exit`, reject: [0, 'combined stack size of 2 calls is 528. Too large'] },
  // each function's depth is its own deepest access, whichever function touched the stack last
  // (RunEnv.noteDepth keeps the last one's): main's 256, noted after f's 264, still counts
  { name: 'combined stack too large by a caller access after the call', asm: `
r1 = 0
*(u64 *)(r10 - 8) = r1
call f
r1 = 0
*(u64 *)(r10 - 256) = r1
r0 = 0
exit
f:
r1 = 0
*(u64 *)(r10 - 264) = r1
r0 = 0
exit`, reject: [0, 'combined stack size of 2 calls is 528. Too large'] },
  { name: 'call stack too deep', asm: `
call f1
exit
f1:
call f2
exit
f2:
call f3
exit
f3:
call f4
exit
f4:
call f5
exit
f5:
call f6
exit
f6:
call f7
exit
f7:
call f8
exit
f8:
r0 = 0
exit`, reject: [14, 'the call stack of 9 frames is too deep'] },
  { name: 'atomic add on a scalar checks alignment first', asm: `
r2 = 1
r0 = 1
lock *(u64 *)(r0 + 0) += r2
r0 = 0
exit`, reject: [2, 'misaligned access off 1+0+0 size 8'] },
  { name: 'atomic add on the stack', asm: `
r2 = 1
*(u64 *)(r10 - 8) = r2
lock *(u64 *)(r10 - 8) += r2
r0 = *(u64 *)(r10 - 8)
exit` },
  { name: 'uninitialised register used as a pointer on a taken branch', asm: `
r0 = 0
if r0 == 0 goto ok
exit
ok:
r0 = *(u64 *)(r5 + 0)
exit`, reject: [3, 'R5 !read_ok'] },
  { name: 'ALU32 bounds and zero extension', asm: `
call get_prandom_u32
w0 &= 0xff
w0 += 0x100
exit`, reg: { at: 3, r: 0, is: 'scalar(smin=umin=smin32=umin32=256,smax=umax=smax32=umax32=511,var_off=(0x100; 0xff))' } },
  { name: 'write into a read-only map value', maps: [{ name: '.rodata', type: 2, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0x80, initial: new Uint8Array(8), readonly: true }], asm: `
ld_pseudo r1, 6, 0, 0
r2 = 1
*(u64 *)(r1 + 0) = r2
r0 = 0
exit`, reject: [3, 'write into map forbidden, value_size=8 off=0 size=8'] },
  // explored states are hashed by (insn ^ call site) % length: the second visit of f's entry from
  // another call site is not in the first one's list, so it is not taken for a loop and gets its
  // own checkpoint; the kernel then prunes `from 50 to 52` (fuzz verifier recording, case 4166)
  { name: 'a function entered from two call sites: separate state lists', processed: 73, asm: `
r9 = r1
w6 = *(u32 *)(r9 + 0x0)
w7 = *(u32 *)(r9 + 0x4)
*(u64 *)(r10 - 0x8) = 0x0
*(u64 *)(r10 - 0x10) = 0x0
*(u64 *)(r10 - 0x18) = 0x0
*(u64 *)(r10 - 0x20) = 0x0
*(u64 *)(r10 - 0x28) = 0x0
*(u64 *)(r10 - 0x30) = 0x0
*(u64 *)(r10 - 0x38) = 0x0
*(u64 *)(r10 - 0x40) = 0x0
*(u64 *)(r10 - 0x48) = 0x0
*(u64 *)(r10 - 0x50) = 0x0
*(u64 *)(r10 - 0x58) = 0x0
*(u64 *)(r10 - 0x60) = 0x0
r0 = 0x80
r1 = 0x80
r2 = 0x1faeebb6
r3 = -0x5
r4 = 0x10
r5 = -0x3
r8 = 0x0
w3 s%= w3
r1 = r10
r1 += -0x40
r2 = 0x0
r3 = r10
r3 += -0x20
r4 = 0x10
r5 = 0x8000
call bpf_csum_diff
r1 = 0x4
r2 = -0x80000000
r3 = 0x10
r4 = 0x4
r5 = 0x80
call f
r1 = 0x4517b69c
r2 = 0x7
r3 = 0x74ad6016
r4 = 0x7fffffff
r5 = 0x8000
call f
r1 = 0x7fffffff
r2 = -0xd
r3 = 0xe
r4 = 0x7bb0d10e
r5 = -0x8b737a7
r8 = r6
r8 += 0x1f
if r8 > r7 goto +0x1
*(u32 *)(r6 + 0x1b) = 0xdc295
r8 = 0x0
call f
r1 = 0xf
r2 = -0x4
r3 = 0x5
r4 = 0x7fffffff
r5 = 0x10
exit
f:
r0 = r1
r0 *= 0x3
r0 ^= r2
exit`},
  // a decided branch on r5 walks back through `if r0 >= r5` to r0 loaded by LD_IND, which the
  // kernel does not follow (-ENOTSUPP): every scalar of the path becomes precise, even with no
  // checkpoint before the walk's last segment, so `from 12 to 14` is not pruned
  { name: 'precision walk reaching LD_IND: the whole path precise', type: 'socket_filter', processed: 18, asm: `
r6 = r1
r1 = 0
r0 = *(u32 *)skb[r1 + 0]
r3 = 0
r3 = 0
r3 = 0
r3 = 0
r3 = 0
r3 = 0
r3 = 0
goto +0
r5 = -9
if r0 >= r5 goto a
r2 = 3
a:
if w5 s<= 0x1f goto b
r2 = 4
b:
exit` },
];
