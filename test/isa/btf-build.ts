// A small BTF encoder for tests: hand-made target BTFs with the layouts a test needs.
// Types are numbered from 1 in the order they are added.

type Member = [name: string, type: number, bitOffset: number, bitfieldSize?: number];

export class BtfBuilder {
  private types: number[][] = [];
  private strs: number[] = [0];
  private strIndex = new Map<string, number>([['', 0]]);

  private str(s: string): number {
    let off = this.strIndex.get(s);
    if (off === undefined) {
      off = this.strs.length;
      this.strs.push(...new TextEncoder().encode(s), 0);
      this.strIndex.set(s, off);
    }
    return off;
  }

  private add(words: number[]): number {
    this.types.push(words);
    return this.types.length;
  }

  int(name: string, size: number, signed = false): number {
    return this.add([this.str(name), 1 << 24, size, ((signed ? 1 : 0) << 24) | (size * 8)]);
  }
  ptr(type: number): number {
    return this.add([0, 2 << 24, type]);
  }
  array(type: number, nelems: number, indexType: number): number {
    return this.add([0, 3 << 24, 0, type, indexType, nelems]);
  }
  /** STRUCT (or UNION); a member with a bitfield size sets kind_flag for the whole type. */
  struct(name: string, size: number, members: Member[], union = false): number {
    const kflag = members.some((m) => m[3] !== undefined);
    const words = [this.str(name), ((kflag ? 1 : 0) << 31) | ((union ? 5 : 4) << 24) | members.length, size];
    for (const [n, type, off, bits] of members) words.push(this.str(n), type, kflag ? ((bits ?? 0) << 24) | off : off);
    return this.add(words);
  }
  enumeration(name: string, values: [string, number][], signed = false): number {
    const words = [this.str(name), ((signed ? 1 : 0) << 31) | (6 << 24) | values.length, 4];
    for (const [n, v] of values) words.push(this.str(n), v);
    return this.add(words);
  }
  enumeration64(name: string, values: [string, bigint][]): number {
    const words = [this.str(name), (19 << 24) | values.length, 8];
    for (const [n, v] of values) words.push(this.str(n), Number(BigInt.asUintN(32, v)), Number(BigInt.asUintN(64, v) >> 32n));
    return this.add(words);
  }
  constOf(type: number): number {
    return this.add([0, 10 << 24, type]);
  }
  typedef(name: string, type: number): number {
    return this.add([this.str(name), 8 << 24, type]);
  }

  bytes(): Uint8Array {
    const typeWords = this.types.flat();
    const typeLen = typeWords.length * 4;
    const out = new Uint8Array(24 + typeLen + this.strs.length);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, 0xeb9f, true);
    dv.setUint8(2, 1);
    dv.setUint32(4, 24, true);
    dv.setUint32(8, 0, true);
    dv.setUint32(12, typeLen, true);
    dv.setUint32(16, typeLen, true);
    dv.setUint32(20, this.strs.length, true);
    typeWords.forEach((w, i) => dv.setUint32(24 + i * 4, w >>> 0, true));
    out.set(this.strs, 24 + typeLen);
    return out;
  }
}
