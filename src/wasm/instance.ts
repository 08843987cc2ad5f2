// Raw-bindings instantiation shared by every engine: the stub runtime only imports env.abort
// (and env.seed/trace in debug builds); we supply them here instead of @assemblyscript/loader.
import { compileWasm, type WasmBuild } from '#wasm-load';

export type { WasmBuild };
export { compileWasm };

/** Thrown when an engine's assert() or bounds check fails: a bug in the engine, never user input. */
export class WasmAbort extends Error {
  override name = 'WasmAbort';
}

function readAsString(mem: WebAssembly.Memory | undefined, ptr: number): string {
  if (!mem || !ptr) return '';
  const len = new Uint32Array(mem.buffer, ptr - 4, 1)[0]! >>> 1;
  return String.fromCharCode(...new Uint16Array(mem.buffer, ptr, Math.min(len, 256)));
}

/** Instantiates a compiled engine; `imports` may add to env (e.g. an imported memory). */
export async function instantiateEngine(
  module: WebAssembly.Module,
  imports: Record<string, Record<string, WebAssembly.ImportValue>> = {},
): Promise<WebAssembly.Instance> {
  let memory: WebAssembly.Memory | undefined = imports.env?.memory as WebAssembly.Memory | undefined;
  const env = {
    abort(msg: number, file: number, line: number, col: number) {
      throw new WasmAbort(`${readAsString(memory, msg) || 'abort'} at ${readAsString(memory, file)}:${line}:${col}`);
    },
    seed: () => 0x5eed,
    trace: () => {},
    ...imports.env,
  };
  const instance = await WebAssembly.instantiate(module, { ...imports, env });
  memory ??= instance.exports.memory as WebAssembly.Memory | undefined;
  return instance;
}
