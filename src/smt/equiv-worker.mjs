// The Z3 child process starts without the parent's module hooks: register tsx, then load it.
import { register } from 'tsx/esm/api';

register();
await import('./equiv-worker.ts');
