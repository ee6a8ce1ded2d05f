// Runs one uvu test file and exits when its suites are done (Z3's workers would keep the
// process alive otherwise).
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

globalThis.UVU_DEFER = 1;
globalThis.UVU_QUEUE = [];
const { exec } = await import('uvu');
const file = process.argv[2];
globalThis.UVU_QUEUE.push([file]);
globalThis.UVU_INDEX = 0;
await import(pathToFileURL(resolve(file)).href);
const code = await exec(false).then(() => (process.exitCode ? 1 : 0), (e) => { console.error(e); return 1; });
process.exit(code);
