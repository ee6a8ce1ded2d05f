// Text for instructions, in the two syntaxes BPF developers read:
//  'llvm'   — llvm-objdump -d --mcpu=v4:  r0 = *(u32 *)(r1 + 0x4)   if r1 > 0x5 goto +0x2
//  'kernel' — the verifier log:           (61) r0 = *(u32 *)(r1 +4)  (25) if r1 > 0x5 goto pc+2
// llvm syntax cannot tell helper, local (bpf-to-bpf) and kfunc calls apart: llvm-objdump prints
// all as `call N`, and so do we; the kernel syntax keeps them apart (`call pc+N`).
// Differences from llvm-objdump 19 that are deliberate: ldind keeps its immediate
// (`skb[r1 + 0x4]`; llvm drops it), and lddw pseudo forms print their second immediate when it
// is not zero (`ld_pseudo r2, 0x2, 0x7, 0x10`).
import type { Insn } from './insn.ts';
import { helperName } from './helpers.ts';
import { lddwValue, toOp, type Op, type Operand, type Size } from './op.ts';

export type Syntax = 'llvm' | 'kernel';

const ALU_SYM: Record<string, string> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', sdiv: 's/=', or: '|=', and: '&=', lsh: '<<=',
  rsh: '>>=', mod: '%=', smod: 's%=', xor: '^=', mov: '=', movsx: '=', arsh: 's>>=',
};
export const JCOND_SYM: Record<string, string> = {
  jeq: '==', jne: '!=', jgt: '>', jge: '>=', jlt: '<', jle: '<=', jsgt: 's>', jsge: 's>=',
  jslt: 's<', jsle: 's<=', jset: '&',
};

/** -0x1, 0x0, 0xff: llvm's signed hex. */
export function shex(n: number | bigint): string {
  const b = BigInt(n);
  return b < 0n ? `-0x${(-b).toString(16)}` : `0x${b.toString(16)}`;
}
/** %+d */
const sdec = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
const uSize = (s: Size): string => `u${s * 8}`;

function llvmOperand(src: Operand, prefix: string): string {
  return 'reg' in src ? `${prefix}${src.reg}` : shex(src.imm);
}

/** llvm-objdump text of one decoded instruction. */
export function formatLlvm(op: Op): string {
  switch (op.kind) {
    case 'alu': {
      const p = op.width === 64 ? 'r' : 'w';
      if (op.op === 'neg') return `${p}${op.dst} = -${p}${op.dst}`;
      if (op.op === 'movsx') return `${p}${op.dst} = (s${op.ext})${p}${'reg' in op.src ? op.src.reg : 0}`;
      return `${p}${op.dst} ${ALU_SYM[op.op]} ${llvmOperand(op.src, p)}`;
    }
    case 'end':
      return op.order === 'swap' ? `r${op.dst} = bswap${op.bits} r${op.dst}` : `r${op.dst} = ${op.order}${op.bits} r${op.dst}`;
    case 'ja':
      return op.long ? `gotol ${op.off < 0 ? '' : '+'}${shex(op.off)}` : `goto ${op.off < 0 ? '' : '+'}${shex(op.off)}`;
    case 'jcond': {
      const p = op.width === 64 ? 'r' : 'w';
      return `if ${p}${op.dst} ${JCOND_SYM[op.op]} ${llvmOperand(op.src, p)} goto ${op.off < 0 ? '' : '+'}${shex(op.off)}`;
    }
    case 'maygoto':
      return `may_goto ${op.off < 0 ? '' : '+'}${shex(op.off)}`;
    case 'call':
      return `call ${shex(op.imm)}`;
    case 'exit':
      return 'exit';
    case 'lddw':
      if (op.pseudo === 0) return `r${op.dst} = ${shex(BigInt.asIntN(64, lddwValue(op)))} ll`;
      return `ld_pseudo\tr${op.dst}, ${shex(op.pseudo)}, ${shex(op.lo)}${op.hi ? `, ${shex(op.hi)}` : ''}`;
    case 'ldabs':
      return `r0 = *(${uSize(op.size)} *)skb[${shex(op.imm)}]`;
    case 'ldind':
      return `r0 = *(${uSize(op.size)} *)skb[r${op.src}${op.imm ? ` ${op.imm < 0 ? '-' : '+'} ${shex(Math.abs(op.imm))}` : ''}]`;
    case 'ldx':
      // llvm (mcpu >= v3) names the destination wN for zero-extending loads narrower than 64 bits
      return `${op.signed || op.size === 8 ? 'r' : 'w'}${op.dst} = *(${op.signed ? 's' : 'u'}${op.size * 8} *)${llvmAddr(op.src, op.off)}`;
    case 'st':
      return `*(${uSize(op.size)} *)${llvmAddr(op.dst, op.off)} = ${shex(op.imm)}`;
    case 'stx':
      return `*(${uSize(op.size)} *)${llvmAddr(op.dst, op.off)} = ${op.size === 8 ? 'r' : 'w'}${op.src}`;
    case 'atomic': {
      const p = op.size === 8 ? 'r' : 'w';
      const mem = `(${uSize(op.size)} *)${llvmAddr(op.dst, op.off)}`;
      const bare = `r${op.dst} ${op.off < 0 ? '-' : '+'} ${shex(Math.abs(op.off))}`;
      const sfx = op.size === 8 ? '_64' : '32_32';
      switch (op.op) {
        case 'xchg':
          return `${p}${op.src} = xchg${sfx}(${bare}, ${p}${op.src})`;
        case 'cmpxchg':
          return `${p}0 = cmpxchg${sfx}(${bare}, ${p}0, ${p}${op.src})`;
        case 'load_acq':
          return `${p}${op.src} = load_acquire(${mem})`;
        case 'store_rel':
          return `store_release(${mem}, ${p}${op.src})`;
        default:
          return op.fetch
            ? `${p}${op.src} = atomic_fetch_${op.op}(${mem}, ${p}${op.src})`
            : `lock *${mem} ${ALU_SYM[op.op]} ${p}${op.src}`;
      }
    }
  }
}

const llvmAddr = (reg: number, off: number): string => `(r${reg} ${off < 0 ? '-' : '+'} ${shex(Math.abs(off))})`;
const kernelAddr = (reg: number, off: number): string => `(r${reg} ${sdec(off)})`;

function kernelOperand(src: Operand, prefix: string): string {
  return 'reg' in src ? `${prefix}${src.reg}` : `${src.imm}`;
}

/** Verifier-log text of one decoded instruction (without the "(code) " prefix). */
export function formatKernel(op: Op): string {
  switch (op.kind) {
    case 'alu': {
      const p = op.width === 64 ? 'r' : 'w';
      if (op.op === 'neg') return `${p}${op.dst} = -${p}${op.dst}`;
      if (op.op === 'movsx') return `${p}${op.dst} = (s${op.ext})${p}${'reg' in op.src ? op.src.reg : 0}`;
      return `${p}${op.dst} ${ALU_SYM[op.op]} ${kernelOperand(op.src, p)}`;
    }
    case 'end':
      return op.order === 'swap' ? `r${op.dst} = bswap${op.bits} r${op.dst}` : `r${op.dst} = ${op.order}${op.bits} r${op.dst}`;
    case 'ja':
      return `${op.long ? 'gotol' : 'goto'} pc${sdec(op.off)}`;
    case 'jcond': {
      const p = op.width === 64 ? 'r' : 'w';
      const rhs = 'reg' in op.src ? `${p}${op.src.reg}` : `0x${(op.src.imm >>> 0).toString(16)}`;
      return `if ${p}${op.dst} ${JCOND_SYM[op.op]} ${rhs} goto pc${sdec(op.off)}`;
    }
    case 'maygoto':
      return `may_goto pc${sdec(op.off)}`;
    case 'call':
      if (op.callKind === 'local') return `call pc${sdec(op.imm)}`;
      if (op.callKind === 'kfunc') return `call kernel-function#${op.imm}`;
      return `call ${helperName(op.imm) ? `bpf_${helperName(op.imm)}` : 'unknown'}#${op.imm}`;
    case 'exit':
      return 'exit';
    case 'lddw':
      return `r${op.dst} = 0x${lddwValue(op).toString(16)}`;
    case 'ldabs':
      return `r0 = *(${uSize(op.size)} *)skb[${op.imm}]`;
    case 'ldind':
      return `r0 = *(${uSize(op.size)} *)skb[r${op.src} + ${op.imm}]`;
    case 'ldx':
      return `r${op.dst} = *(${op.signed ? 's' : 'u'}${op.size * 8} *)${kernelAddr(op.src, op.off)}`;
    case 'st':
      return `*(${uSize(op.size)} *)${kernelAddr(op.dst, op.off)} = ${op.imm}`;
    case 'stx':
      return `*(${uSize(op.size)} *)${kernelAddr(op.dst, op.off)} = r${op.src}`;
    case 'atomic': {
      const w = op.size === 8 ? '64' : '';
      const mem = `(${uSize(op.size)} *)${kernelAddr(op.dst, op.off)}`;
      switch (op.op) {
        case 'xchg':
          return `r${op.src} = atomic${w}_xchg(${mem}, r${op.src})`;
        case 'cmpxchg':
          return `r0 = atomic${w}_cmpxchg(${mem}, r0, r${op.src})`;
        case 'load_acq':
          return `r${op.src} = load_acquire(${mem})`;
        case 'store_rel':
          return `store_release(${mem}, r${op.src})`;
        default:
          return op.fetch ? `r${op.src} = atomic${w}_fetch_${op.op}(${mem}, r${op.src})` : `lock *${mem} ${ALU_SYM[op.op]} r${op.src}`;
      }
    }
  }
}

export function formatOp(op: Op, syntax: Syntax = 'llvm'): string {
  return syntax === 'llvm' ? formatLlvm(op) : formatKernel(op);
}

export interface DisasmLine {
  /** Slot index. */
  readonly pc: number;
  /** The slot(s): one, or two for lddw. */
  readonly insns: readonly Insn[];
  /** Instruction text, or an error text for an undecodable slot. */
  readonly text: string;
  readonly op?: Op;
  readonly error?: string;
}

/**
 * Decode and print a whole instruction sequence. Undecodable slots do not stop the listing
 * (as llvm-objdump prints `<unknown>`); each carries its error.
 */
export function disasm(insns: readonly Insn[], syntax: Syntax = 'llvm'): DisasmLine[] {
  const out: DisasmLine[] = [];
  for (let pc = 0; pc < insns.length; pc++) {
    try {
      const op = toOp(insns, pc);
      const n = op.kind === 'lddw' ? 2 : 1;
      out.push({ pc, insns: insns.slice(pc, pc + n), text: formatOp(op, syntax), op });
      pc += n - 1;
    } catch (e) {
      out.push({ pc, insns: [insns[pc]], text: '<unknown>', error: (e as Error).message });
    }
  }
  return out;
}

const hexByte = (n: number): string => n.toString(16).padStart(2, '0');

/** The 8 (or 16) raw bytes of a line, as llvm-objdump prints them. */
export function rawBytes(line: DisasmLine): string {
  const bytes: string[] = [];
  for (const x of line.insns) {
    const v = new DataView(new ArrayBuffer(8));
    v.setUint8(0, x.code);
    v.setUint8(1, (x.dst & 0xf) | ((x.src & 0xf) << 4));
    v.setInt16(2, x.off, true);
    v.setInt32(4, x.imm, true);
    for (let i = 0; i < 8; i++) bytes.push(hexByte(v.getUint8(i)));
  }
  return bytes.join(' ');
}

/** One listing line: `  12:\t<bytes>\t<text>` (llvm) or `12: (61) <text>` (kernel). */
export function formatLine(line: DisasmLine, syntax: Syntax, showBytes = true): string {
  if (syntax === 'kernel') return `${line.pc}: (${hexByte(line.insns[0].code)}) ${line.text}`;
  const pc = `${line.pc}:`.padStart(9);
  return showBytes ? `${pc}\t${rawBytes(line)}\t${line.text}` : `${pc}\t${line.text}`;
}
