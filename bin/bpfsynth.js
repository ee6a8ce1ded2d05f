#!/usr/bin/env node
// Entry point for `npx bpfsynth`: run the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
process.env.BPFSYNTH_MAIN = '1';
await import('../src/cli/main.ts');
