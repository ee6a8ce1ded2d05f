import { readdirSync } from 'node:fs';

/** Open file descriptors of this process. */
export const fdCount = (): number => readdirSync('/proc/self/fd').length;
