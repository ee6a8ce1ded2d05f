// Address-space layout and fault codes shared by the interpreter's modules.
//
// A 64-bit value is held as two int32 halves (hi, lo). A pointer is a plain 64-bit value
// whose high half names a region and whose low half is the byte offset inside it:
//   pointer = (TAG + regionId) << 32 | offset
// so pointer arithmetic, comparisons and spills need no special casing, and a load or store
// only has to map hi back to a region and check the offset against that region's bounds.
// TAG makes pointers look like kernel addresses (0xffff8880_xxxxxxxx): negative as signed
// 64-bit values, never 0, never equal to a small scalar.

/** High half of region 0's addresses (0xffff8880 as an int32). */
export const TAG = 0xffff8880 | 0;
/** High half of a map handle (what lddw src=1/5 yields); lo = map index. Not dereferenceable. */
export const MAP_TAG = 0xffff8000 | 0;
/** High half of a subprogram address (lddw src=4); lo = slot index. Not dereferenceable. */
export const CODE_TAG = 0xffff7000 | 0;

/**
 * An address whose offset part left [0, 2^32) (the base pointer was outside its region and the
 * instruction's offset brought it back, as `r1 = r10; r1 += -513; *(u8 *)(r1 + 1) = r0`): the
 * carry or borrow moved into the high half, as the 64-bit sum has it.
 */
export function carried(h: number, a: number): { h: number; a: number } {
  return { h: (h + Math.floor(a / 0x100000000)) | 0, a: a >>> 0 };
}

/** Stack frames are regions 0..MAX_FRAMES-1 (one per call depth). */
export const MAX_FRAMES = 8;
export const STACK_SIZE = 512;
export const REGION_CTX = MAX_FRAMES; // 8
export const REGION_PKT = MAX_FRAMES + 1; // 9
/** First region id used by map value slabs (map i → FIRST_MAP_REGION + i). */
export const FIRST_MAP_REGION = MAX_FRAMES + 2;

/** Capacity of the context region (bytes). */
export const CTX_CAPACITY = 1024;

/** Why a run stopped without reaching exit. */
export type FaultReason =
  | 'oob' | 'null' | 'bad-address' | 'readonly' | 'ctx-access' | 'step-limit' | 'unknown-helper'
  | 'call-depth' | 'invalid-insn' | 'jump-out-of-range' | 'fell-off-end' | 'helper-arg';

// Numeric fault codes used inside the loop (0 = no fault).
export const F_OK = 0;
export const F_OOB = 1;
export const F_NULL = 2;
export const F_BADADDR = 3;
export const F_READONLY = 4;
export const F_CTX = 5;
export const F_STEP = 6;
export const F_HELPER = 7;
export const F_DEPTH = 8;
export const F_INVALID = 9;
export const F_JUMP = 10;
export const F_FALLOFF = 11;
export const F_HELPERARG = 12;
/** Not a fault: the program ended (LD_ABS out of bounds ends the function with r0 = 0). */
export const F_EXIT_FN = 100;

export const FAULT_NAMES: Record<number, FaultReason> = {
  [F_OOB]: 'oob', [F_NULL]: 'null', [F_BADADDR]: 'bad-address', [F_READONLY]: 'readonly',
  [F_CTX]: 'ctx-access', [F_STEP]: 'step-limit', [F_HELPER]: 'unknown-helper',
  [F_DEPTH]: 'call-depth', [F_INVALID]: 'invalid-insn', [F_JUMP]: 'jump-out-of-range',
  [F_FALLOFF]: 'fell-off-end', [F_HELPERARG]: 'helper-arg',
};

// Kernel errno values (include/uapi/asm-generic/errno-base.h, errno.h).
export const ENOENT = 2;
export const E2BIG = 7;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;
export const ENOSPC = 28;
export const EAGAIN = 11;
export const ENOTSUPP = 524;
export const EACCES = 13;

// Update flags of map_update_elem.
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;
