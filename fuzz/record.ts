// Recordings of kernel answers: JSON lines, gzip-compressed when the name ends in .gz.
import { gunzipSync, gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { writeAtomic } from '../src/cli/io.ts';

export function readRecording<T>(path: string): T[] {
  let buf: Buffer = readFileSync(path);
  if (path.endsWith('.gz')) buf = gunzipSync(buf);
  return buf.toString('utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
    try {
      return JSON.parse(l) as T;
    } catch {
      throw new Error(`${path}: line ${i + 1} is not JSON`);
    }
  });
}

/** Collects records and writes them atomically at the end. */
export class Recorder<T> {
  private lines: string[] = [];
  constructor(readonly path: string) {}
  add(r: T): void {
    this.lines.push(JSON.stringify(r));
  }
  get count(): number {
    return this.lines.length;
  }
  save(): void {
    const text = this.lines.join('\n') + '\n';
    writeAtomic(this.path, this.path.endsWith('.gz') ? gzipSync(text, { level: 9 }) : text);
  }
}
