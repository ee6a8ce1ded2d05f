#!/usr/bin/env node
// npm test: every test/**/*.test.ts under uvu, with c8 coverage, ending with the plain
// line "N passed, N failed[, N skipped]" that CI reads.
// Optional arguments narrow the run: `npm test -- isa` runs files whose path contains "isa".
// Files run two at a time; each file's output (stdout and stderr) is held back and printed
// whole when the file ends, so the output of parallel files does not interleave. Each file's
// header gives its wall time; every 5 minutes a line on stderr names the files still running,
// and the run ends with the slowest files. A file whose processes use no CPU at all for
// IDLE_LIMIT_S (a hang: e.g. a promise waiting on a Z3 thread that died) is killed and counted
// as failed with that reason, so a hang ends as a named failure, not as a CI time-out. CPU time
// is read from /proc (Linux); elsewhere there is no such guard. A busy machine slows a file but
// does not stop it from using CPU, so load alone cannot trigger it. Likewise a file whose
// processes have used more than CPU_LIMIT_S of CPU (a runaway loop; the costliest file uses about
// 3 CPU-minutes) is killed and counted as failed.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

// per run, so two runs in one tree (a loaded CI check) do not delete each other's profiles
const covDir = join(root, 'coverage', `tmp-${process.pid}`);
rmSync(covDir, { recursive: true, force: true });
mkdirSync(covDir, { recursive: true });

const files = walk(join(root, 'test')).sort().filter((f) => filters.every((x) => f.includes(x)));
let passed = 0, failed = 0, skipped = 0;
const started = Date.now();
const running = new Map(); // file -> start time (ms)
const times = []; // [seconds, file]
const secs = (ms) => (ms / 1000).toFixed(1);

const IDLE_LIMIT_S = Number(process.env.TEST_IDLE_LIMIT_S || 300);
const CPU_LIMIT_S = Number(process.env.TEST_CPU_LIMIT_S || 1200);
const TICKS_PER_S = 100; // USER_HZ: /proc's unit of CPU time on Linux
const hasProc = (() => { try { readFileSync('/proc/self/stat'); return true; } catch { return false; } })();

/** Every process's parent and CPU ticks (its own and its reaped children's), from /proc. */
function processTable() {
  const table = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the state on
      table.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch { /* gone meanwhile */ }
  }
  return table;
}

/** The pids of root's process tree. */
function treeOf(table, root) {
  const pids = [root];
  for (let i = 0; i < pids.length; i++) for (const [pid, p] of table) if (p.ppid === pids[i]) pids.push(pid);
  return pids.filter((pid) => table.has(pid));
}

function runFile(file) {
  // One process per file: a failing or hanging file cannot take the others with it, and
  // files that start Z3's worker threads end cleanly.
  return new Promise((resolve) => {
    running.set(file, Date.now());
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/uvu-file.js'), file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_V8_COVERAGE: covDir },
    });
    let out = '', err = '', hung = '';
    // the idle guard: the file's process tree's CPU ticks, sampled every 10 s
    let lastTicks = -1, idleSince = Date.now();
    const guard = hasProc && setInterval(() => {
      const table = processTable();
      const pids = treeOf(table, child.pid);
      const ticks = pids.reduce((n, pid) => n + table.get(pid).ticks, 0);
      if (ticks > CPU_LIMIT_S * TICKS_PER_S) {
        hung = `${pids.length} process(es) used ${Math.round(ticks / TICKS_PER_S)} s of CPU, over the ${CPU_LIMIT_S} s limit: killed as runaway`;
      } else if (ticks !== lastTicks) {
        lastTicks = ticks;
        idleSince = Date.now();
        return;
      } else if (Date.now() - idleSince < IDLE_LIMIT_S * 1000) return;
      else hung = `no CPU used for ${IDLE_LIMIT_S} s by its ${pids.length} process(es): killed as hung`;
      for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }, 10_000);
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => {
      if (guard) clearInterval(guard);
      if (hung) out += `\n  KILLED: ${file}: ${hung}\n`;
      const ms = Date.now() - running.get(file);
      running.delete(file);
      times.push([ms / 1000, file]);
      process.stdout.write(`── ${file}  (${secs(ms)} s)\n${out}`);
      if (err) process.stderr.write(err);
      const num = (label) => Number((out.match(new RegExp(`${label}:\\s+(\\d+)`)) || [])[1] || 0);
      const total = num('Total'), ok = num('Passed'), skip = num('Skipped');
      passed += ok;
      skipped += skip;
      let bad = total - ok - skip;
      if ((code !== 0 || hung) && bad === 0) bad = 1; // crashed or hung before reporting
      failed += bad;
      if (bad) console.log(`FAILED: ${file}`);
      resolve();
    });
  });
}

const HEARTBEAT_MS = 5 * 60 * 1000;
const heartbeat = setInterval(() => {
  const now = Date.now();
  const list = [...running].map(([f, t0]) => `${f} (${secs(now - t0)} s)`).join(', ');
  process.stderr.write(`[${secs(now - started)} s] still running: ${list || 'nothing'}\n`);
}, HEARTBEAT_MS);
heartbeat.unref();

const jobs = Number(process.env.TEST_JOBS || 2);
const queue = [...files];
await Promise.all(Array.from({ length: jobs }, async () => {
  while (queue.length) await runFile(queue.shift());
}));
clearInterval(heartbeat);
times.sort((a, b) => b[0] - a[0]);
console.log(`\nslowest files: ${times.slice(0, 5).map(([t, f]) => `${f} ${t.toFixed(1)} s`).join(', ')}; all ${secs(Date.now() - started)} s`);
// Coverage of src/ by the whole run (c8 reads the V8 profiles the children wrote).
await new Promise((done) => {
  const c8 = spawn(process.execPath, [join(root, 'node_modules/c8/bin/c8.js'), 'report', '--temp-directory', covDir,
    '--reporter=text-summary', '--reporter=json-summary', '--report-dir', join(root, 'coverage'),
    '--include', 'src/**', '--exclude-after-remap'], { cwd: root, stdio: 'inherit' });
  c8.on('close', done);
});
rmSync(covDir, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
