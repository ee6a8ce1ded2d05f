// bpf_trace_printk output from tracefs, for comparing with the interpreter's printk records.
//
// Events read as `<task>-<pid> [cpu] flags timestamp: bpf_trace_printk: MESSAGE` followed by a
// newline the event adds; a message's own newlines continue it on lines without a header. We
// read trace_pipe without blocking: a read consumes what it returns, so draining it before a run
// empties the buffer for us (truncating the trace file does the same but takes ~30 ms). Only
// this process's lines count (test_run runs the program in the caller's context), so other
// users of the buffer do not disturb us.
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, readSync } from 'node:fs';

export interface TraceFs {
  readonly path: string;
  /** Empty the ring buffer (of what we can see). */
  clear(): void;
  /** This process's bpf_trace_printk messages since the last clear, in order. */
  read(): string[];
}

/** Mount points of tracefs (or debugfs/tracing) in /proc/mounts, then the usual places. */
function candidates(): string[] {
  const out: string[] = [];
  try {
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, dir, type] = line.split(' ');
      if (type === 'tracefs') out.push(dir);
      if (type === 'debugfs') out.push(`${dir}/tracing`);
    }
  } catch {
    // no /proc: fall through to the defaults
  }
  return [...new Set([...out, '/sys/kernel/tracing', '/sys/kernel/debug/tracing'])];
}

const HEADER = /^\s*.*?-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[\d+\]\s/;
const PRINTK = ': bpf_trace_printk: ';

/** Parse trace-file text into the messages of process `pid`. */
export function parseTrace(text: string, pid: number): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop(); // the newline that ends the last event
  const events: { pid: number; msg: string | undefined }[] = [];
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    const h = HEADER.exec(line);
    if (h) {
      const at = line.indexOf(PRINTK, h[0].length - 1);
      events.push({ pid: Number(h[1]), msg: at < 0 ? undefined : line.slice(at + PRINTK.length) });
    } else if (events.length && events[events.length - 1].msg !== undefined) {
      events[events.length - 1].msg += `\n${line}`;
    }
  }
  return events.filter((e) => e.pid === pid && e.msg !== undefined).map((e) => e.msg!);
}

/** tracefs when its trace_pipe is there and readable and tracing is on; otherwise why not. */
export function openTraceFs(): { ok: true; fs: TraceFs } | { ok: false; reason: string } {
  const dirs = candidates();
  const dir = dirs.find((d) => existsSync(`${d}/trace_pipe`));
  if (!dir) return { ok: false, reason: `tracefs is not mounted (looked in ${dirs.join(', ')})` };
  const file = `${dir}/trace_pipe`;
  try {
    accessSync(file, constants.R_OK);
  } catch {
    return { ok: false, reason: `${file} is not readable` };
  }
  try {
    if (readFileSync(`${dir}/tracing_on`, 'utf8').trim() !== '1') return { ok: false, reason: `${dir}/tracing_on is 0` };
  } catch {
    // older layouts: assume on
  }
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { ok: false, reason: `${file}: ${(e as Error).message}` };
  }
  process.once('exit', () => closeSync(fd));
  const buf = Buffer.alloc(1 << 16);
  const drain = (): string => {
    let text = '';
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return text;
        throw e;
      }
      if (n === 0) return text;
      text += buf.toString('latin1', 0, n);
    }
  };
  const fs: TraceFs = {
    path: file,
    clear: () => void drain(),
    read: () => parseTrace(drain(), process.pid),
  };
  return { ok: true, fs };
}
