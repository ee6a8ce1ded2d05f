// Recordings of kernel answers: JSON lines, gzip-compressed when the name ends in .gz. A first
// line {"meta": {...}} names the kernel that answered (release and KernelFlavor); replays model
// that flavor, so a recording stays meaningful after the machine's kernel changes.
import { gunzipSync, gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { writeAtomic } from '../src/cli/io.ts';
import { LINUX_6_18, flavorNamed, type KernelFlavor } from '../src/domains/scalar.ts';
import type { KernelMeta } from '../src/kernel/flavor.ts';

export interface Recording<T> {
  meta?: KernelMeta;
  records: T[];
}

export function readRecordingFile<T>(path: string): Recording<T> {
  let buf: Buffer = readFileSync(path);
  if (path.endsWith('.gz')) buf = gunzipSync(buf);
  const out: Recording<T> = { records: [] };
  buf.toString('utf8').split('\n').forEach((l, i) => {
    if (!l.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      throw new Error(`${path}: line ${i + 1} is not JSON`);
    }
    if (i === 0 && v && typeof v === 'object' && 'meta' in v) out.meta = (v as { meta: KernelMeta }).meta;
    else out.records.push(v as T);
  });
  return out;
}

export const readRecording = <T>(path: string): T[] => readRecordingFile<T>(path).records;

/** The flavor a recording names; LINUX_6_18 (the model's default) if it names none. */
export const recordedFlavor = (meta: KernelMeta | undefined): KernelFlavor => (meta ? flavorNamed(meta.flavor) : LINUX_6_18);

/** Collects records and writes them atomically at the end, after the meta line when given. */
export class Recorder<T> {
  private lines: string[] = [];
  private readonly head: number;
  constructor(readonly path: string, meta?: KernelMeta) {
    if (meta) this.lines.push(JSON.stringify({ meta }));
    this.head = this.lines.length;
  }
  add(r: T): void {
    this.lines.push(JSON.stringify(r));
  }
  get count(): number {
    return this.lines.length - this.head;
  }
  save(): void {
    const text = this.lines.join('\n') + '\n';
    writeAtomic(this.path, this.path.endsWith('.gz') ? gzipSync(text, { level: 9 }) : text);
  }
}
