// Reading inputs (files, stdin, hex text) and writing outputs atomically.
import { accessSync, closeSync, constants, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from './errors.ts';

/** Read a file, or stdin for '-'. */
export function readInput(path: string): Uint8Array {
  if (path === '-') return readFileSync(0);
  return readFileSync(path);
}

/**
 * Bytes from hex text: pairs of hex digits, separated by any whitespace or contiguous,
 * an optional 0x prefix per group. Errors name the line and column.
 */
export function parseHex(text: string, where = 'hex'): Uint8Array {
  const out: number[] = [];
  const lines = text.split('\n');
  lines.forEach((line, li) => {
    const re = /\S+/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line))) {
      let tok = m[0];
      let col = m.index + 1;
      if (/^0x/i.test(tok)) {
        tok = tok.slice(2);
        col += 2;
      }
      const bad = tok.search(/[^0-9a-fA-F]/);
      if (bad >= 0) throw new InputError(`${where}:${li + 1}:${col + bad}: '${tok[bad]}' is not a hex digit`);
      if (tok.length % 2) throw new InputError(`${where}:${li + 1}:${col}: odd number of hex digits in '${tok}' (each byte needs two)`);
      for (let i = 0; i < tok.length; i += 2) out.push(parseInt(tok.slice(i, i + 2), 16));
    }
  });
  return Uint8Array.from(out);
}

/**
 * Fail early (InputError) when `path` cannot take writeAtomic's output: its directory is missing
 * or not writable, it is a directory, or it is the input file itself (checked by inode, so a
 * link or another spelling of the input's path is caught too). Long commands call this before
 * spending their time.
 */
export function checkOutputPath(path: string, input?: string): void {
  const dir = dirname(path);
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st) throw new InputError(`${path}: directory ${dir} does not exist`);
  if (!st.isDirectory()) throw new InputError(`${path}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new InputError(`${path}: directory ${dir} is not writable`);
  }
  const out = statSync(path, { throwIfNoEntry: false });
  if (out?.isDirectory()) throw new InputError(`${path}: is a directory, not a file`);
  if (out && input !== undefined && input !== '-') {
    const inp = statSync(input, { throwIfNoEntry: false });
    if (inp && inp.dev === out.dev && inp.ino === out.ino) throw new InputError(`${path}: is the input file; write the result elsewhere`);
  }
}

/** Write a file so that readers see the old contents or the whole new ones, never a part. */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
}

export const isElf = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
