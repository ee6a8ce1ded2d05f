// An instruction slot as the kernel sees it: 8 bytes, code/dst/src/off/imm.
// A Program's instructions are slots, so indices and jump offsets agree with the kernel
// and llvm-objdump; lddw takes two slots, the second with code 0 holding the high imm.
import { oneLine } from './one-line.ts';

export interface Insn {
  /** Opcode byte. */
  readonly code: number;
  /** Destination register, 0..15 (4 bits). */
  readonly dst: number;
  /** Source register, 0..15 (4 bits). */
  readonly src: number;
  /** Signed 16-bit offset. */
  readonly off: number;
  /** Signed 32-bit immediate. */
  readonly imm: number;
}

export const INSN_SIZE = 8;

export function insn(code: number, dst = 0, src = 0, off = 0, imm = 0): Insn {
  return { code: code & 0xff, dst: dst & 0xf, src: src & 0xf, off: (off << 16) >> 16, imm: imm | 0 };
}

/**
 * x with the fields of `f` replaced, built in decodeBytes' field order. A spread (`{ ...x, imm }`)
 * gives its result a V8 map of its own: the linker's relocated slots made a program's instructions
 * come in five maps, so a read of their fields was megamorphic wherever all met.
 */
export function insnWith(x: Insn, f: Partial<Insn>): Insn {
  return { code: f.code ?? x.code, dst: f.dst ?? x.dst, src: f.src ?? x.src, off: f.off ?? x.off, imm: f.imm ?? x.imm } satisfies Record<keyof Insn, unknown>;
}

export class DecodeError extends Error {
  constructor(
    message: string,
    /** Byte offset in the input where the problem is. */
    readonly byteOffset: number,
  ) {
    super(oneLine(message));
    this.name = 'DecodeError';
  }
}

/** Decode little-endian bytecode into slots. Throws DecodeError on a length that is not a multiple of 8. */
export function decodeBytes(bytes: Uint8Array): Insn[] {
  if (bytes.length % INSN_SIZE !== 0) {
    throw new DecodeError(
      `bytecode length ${bytes.length} is not a multiple of 8 (truncated instruction at byte ${bytes.length - (bytes.length % INSN_SIZE)})`,
      bytes.length - (bytes.length % INSN_SIZE),
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = new Array(bytes.length / INSN_SIZE);
  for (let i = 0, p = 0; p < bytes.length; i++, p += INSN_SIZE) {
    const regs = bytes[p + 1];
    out[i] = {
      code: bytes[p],
      dst: regs & 0xf,
      src: regs >> 4,
      off: dv.getInt16(p + 2, true),
      imm: dv.getInt32(p + 4, true),
    };
  }
  return out;
}

/** Encode slots as little-endian bytecode. */
export function encodeBytes(insns: readonly Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length * INSN_SIZE);
  const dv = new DataView(out.buffer);
  insns.forEach((x, i) => {
    const p = i * INSN_SIZE;
    out[p] = x.code;
    out[p + 1] = (x.dst & 0xf) | ((x.src & 0xf) << 4);
    dv.setInt16(p + 2, x.off, true);
    dv.setInt32(p + 4, x.imm, true);
  });
  return out;
}

export function sameInsn(a: Insn, b: Insn): boolean {
  return a.code === b.code && a.dst === b.dst && a.src === b.src && a.off === b.off && a.imm === b.imm;
}
