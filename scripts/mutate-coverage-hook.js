// Preloaded (--import) into a test file's process by scripts/mutate-kill.ts during Stryker's
// initial run: at exit, writes the ids of the mutants whose instrumented code ran to
// MUTATE_COVERAGE_OUT (the kill command later skips test files that never reach a mutant).
import { writeFileSync } from 'node:fs';

const out = process.env.MUTATE_COVERAGE_OUT;
if (out) {
  process.on('exit', () => {
    const seen = globalThis.__stryker__?.mutantCoverage?.static ?? {};
    writeFileSync(out, JSON.stringify(Object.keys(seen)));
  });
}
