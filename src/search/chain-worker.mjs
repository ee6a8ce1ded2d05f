// Worker threads start without the parent's module hooks: register tsx, then load the chain.
import { register } from 'tsx/esm/api';

register();
await import('./chain-worker.ts');
