// A Z3 of its own for one query: a fresh WebAssembly instance (its own heap and threads), not
// only a fresh context.
//
// Why: in one instance, Z3's work on a query (its rlimit count) depends on what ran before it,
// even in a fresh context: some of its tables hash and order by address, and the heap's layout
// is the history of every earlier allocation. Measured: `is_scalar_branch_taken jeq` took 2.3e6
// units after other branch proofs and 4.1e7 alone. A new instance starts from the same heap
// every time, so the count is a function of the query alone and a recorded resource limit holds
// on every run, in any order. The compiled WebAssembly module is shared (compiled once per
// process), so a new instance costs an instantiation, not a compilation.
import { init, killThreads } from 'z3-solver';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { withoutFrees, type Z3Ctx } from './z3.ts';

type Api = Awaited<ReturnType<typeof init>>;

// The few WebAssembly JS-API types used here (the project's TypeScript libs leave out the DOM's).
type WasmModule = object;
type WasmInstance = object;
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: Promise<WasmModule> | undefined;

/** z3-solver's WebAssembly module, compiled once per process. */
function z3Module(): Promise<WasmModule> {
  compiled ??= (async () => {
    const wasm = createRequire(import.meta.url).resolve('z3-solver/build/z3-built.wasm');
    return Wasm.compile(await readFile(wasm));
  })();
  return compiled;
}

/** A fresh Z3: its own WebAssembly instance and one context in it. */
async function freshApi(): Promise<Api> {
  const module = await z3Module();
  const api = await init({
    // Emscripten's hook for instantiating the module ourselves (from the shared compiled module)
    instantiateWasm(imports: object, done: (i: WasmInstance, m: WasmModule) => void) {
      Wasm.instantiate(module, imports).then((instance) => done(instance, module));
      return {};
    },
    // Emscripten reports each worker ended by killThreads on stderr; nothing else is dropped
    printErr: (line: string) => {
      if (!line.includes('from terminated worker')) process.stderr.write(`${line}\n`);
    },
  } as Record<string, unknown>);
  // The whole instance is dropped after its query, terms and context together, and their
  // finalisers run in no set order: a term's Z3_dec_ref after Z3_del_context would touch freed
  // memory. The instance's memory is freed as one piece, so deleting the context is not needed.
  // Nor are terms freed during the query: z3-solver frees a term from a finaliser, and the order
  // in which V8 runs finalisers depends on the JS heap, so frees (and so the addresses Z3 gets
  // next) would differ between runs. Measured: regs_refine_cond_op jne properties took different
  // counts in two concurrent runs (799 074 and 669 877) until frees were left to the end.
  withoutFrees(api.Z3 as unknown as Record<string, unknown>);
  return api;
}

type Answer = 'sat' | 'unsat' | 'unknown';

/** What a fresh instance offers besides its context. */
export interface FreshZ3 {
  /**
   * solver.check() on this thread, blocking until Z3 answers. z3-solver's check() runs on a
   * new Emscripten thread, and the first one of an instance costs a Node worker that loads Z3's
   * JavaScript and instantiates its module: measured 0.4 s of CPU per instance (a check of
   * `x + 1 = x` took 0.4 s first and 0.02 s after). A proof asks its questions in one instance
   * and nothing else runs meanwhile, so it has no use for the thread.
   */
  checkHere(solver: { ptr: unknown }): Answer;
}

/**
 * Run `query` with a context of a fresh Z3 instance; the instance's threads are ended after it
 * and the instance is left to the garbage collector.
 */
export async function withFreshZ3<T>(query: (ctx: Z3Ctx, z3: FreshZ3) => Promise<T>): Promise<T> {
  const api = await freshApi();
  const ctx = new api.Context('main') as Z3Ctx;
  const em = api.em as unknown as { _Z3_solver_check(c: unknown, s: unknown): number };
  const checkHere = (solver: { ptr: unknown }): Answer => {
    const r = em._Z3_solver_check(ctx.ptr, solver.ptr);
    const code = api.Z3.get_error_code(ctx.ptr);
    if (code !== 0) throw new Error(`Z3: ${api.Z3.get_error_msg(ctx.ptr, code)}`);
    return r === 1 ? 'sat' : r === -1 ? 'unsat' : 'unknown';
  };
  try {
    return await query(ctx, { checkHere });
  } finally {
    await killThreads(api.em);
  }
}
