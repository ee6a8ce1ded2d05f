// The real-world corpus (corpus/realworld: libbpf-tools, xdp-tools, samples/bpf objects, built
// by scripts/realworld/build*.sh) against the recorded answers (scripts/realworld/record.ts):
// every program is listed, the model's verdicts and counts are as recorded, it never accepts
// what the kernel rejected, and where the same kernel runs here, the kernel still agrees.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { readObject } from '../../src/isa/object.ts';
import { runningKernelExterns } from '../../src/kernel/externs.ts';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { runningKernelFlavor } from '../../src/kernel/flavor.ts';
import { checkObject, type CheckRow } from '../../src/cli/kernel-check-rows.ts';

const t = suite('realworld/corpus');
const REC = 'corpus/realworld/verdicts.json';
const rec: { kernel: string; rows: CheckRow[] } | undefined = existsSync(REC) ? JSON.parse(readFileSync(REC, 'utf8')) : undefined;
const files = rec ? [...new Set(rec.rows.map((r) => r.file))] : [];
const present = files.filter((f) => existsSync(f));
if (!rec) console.log(`realworld/corpus: skipped: ${REC} not recorded (scripts/realworld/record.ts)`);
else if (present.length < files.length) console.log(`realworld/corpus: ${files.length - present.length} recorded objects missing (run scripts/realworld/build.sh): checking the ${present.length} present`);
const flavor = runningKernelFlavor();
const read = (f: string) => readObject(new Uint8Array(readFileSync(f)), { externs: runningKernelExterns });

t('every program of every object is listed (as recorded)', () => {
  for (const f of present) {
    const listed = read(f).programs.map((p) => `${p.name}@${p.section}`).sort();
    const recorded = rec!.rows.filter((r) => r.file === f).map((r) => `${r.program}@${r.section}`).sort();
    assert.equal(listed, recorded, f);
  }
});

t('the model: recorded verdicts and processed counts; no false accept', () => {
  let n = 0;
  for (const f of present) {
    const rows = checkObject(f, read(f), { noKernel: true, flavor });
    for (const r of rows) {
      const was = rec!.rows.find((x) => x.file === f && x.program === r.program)!;
      if (was.model.verdict === 'not run' && r.model.verdict === 'not run') continue;
      assert.is(r.model.verdict, was.model.verdict, `${f} ${r.program}: ${r.model.why ?? ''}`);
      assert.is(r.model.processed, was.model.processed, `${f} ${r.program} processed`);
      if (was.kernel.verdict === 'reject') assert.is.not(r.model.verdict, 'accept', `${f} ${r.program}: false accept`);
      n++;
    }
  }
  assert.ok(!present.length || n > 100, `only ${n} programs compared`);
});

t('the kernel: a sample reloaded gives the recorded verdict (same kernel only)', () => {
  const avail = kernelAvailable();
  if (!avail.ok || rec?.kernel !== release()) {
    console.log(`realworld/corpus: kernel replay skipped: ${!avail.ok ? avail.reason : `recorded on ${rec?.kernel}, running ${release()}`}`);
    return;
  }
  const sample = rec.rows.filter((r) => r.kernel.verdict !== 'not run' && existsSync(r.file)).filter((_, i) => i % 15 === 0);
  for (const was of sample) {
    const [now] = checkObject(was.file, read(was.file), { section: was.program, flavor });
    assert.is(now.kernel.verdict, was.kernel.verdict, `${was.file} ${was.program}`);
    assert.is(now.kernel.processed, was.kernel.processed, `${was.file} ${was.program} processed`);
  }
});

t.run();
