// Kernel flavors: the running kernel is probed for its behaviour; recordings name theirs and a
// replay models it (the flavor is a value the replay passes on, nothing process-wide changes).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { flavorNamed, LINUX_6_18, LINUX_6_18_SX64, LINUX_6_12 } from '../../src/domains/scalar.ts';
import { detectFlavor, kernelMeta } from '../../src/kernel/flavor.ts';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { Recorder, readRecordingFile, recordedFlavor } from '../../fuzz/record.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('kernel/flavor');

t('flavors by name; an unknown name says which exist', () => {
  assert.is(flavorNamed('6.18'), LINUX_6_18);
  assert.is(flavorNamed('6.18-sx64'), LINUX_6_18_SX64);
  assert.is(flavorNamed('6.12'), LINUX_6_12);
  assert.throws(() => flavorNamed('5.10'), /unknown kernel flavor '5.10' \(known: 6.18, 6.18-sx64, 6.12\)/);
});

t('a recording keeps its meta line apart from the records, and a replay models its flavor', () => {
  const dir = tempDir('bpfsynth-rec-');
  const path = join(dir, 'r.jsonl.gz');
  const rec = new Recorder<{ n: number }>(path, { kernel: 'test', flavor: '6.18-sx64' });
  rec.add({ n: 1 });
  rec.add({ n: 2 });
  assert.is(rec.count, 2);
  rec.save();
  const { meta, records } = readRecordingFile<{ n: number }>(path);
  assert.equal(meta, { kernel: 'test', flavor: '6.18-sx64' });
  assert.equal(records, [{ n: 1 }, { n: 2 }]);
  assert.is(recordedFlavor(meta), LINUX_6_18_SX64);
  assert.is(recordedFlavor(undefined), LINUX_6_18, 'a recording without meta: the model default');
});

const k = kernelAvailable();
if (!k.ok) console.log(`skip: kernel/flavor live probe: ${k.reason}`);
else {
  t('the running kernel is one of the 6.18 flavors, and its meta names it', () => {
    const fl = detectFlavor();
    assert.ok(fl === LINUX_6_18 || fl === LINUX_6_18_SX64, String(fl?.name));
    assert.is(kernelMeta(fl!).flavor, fl!.name);
  });
}

t.run();
