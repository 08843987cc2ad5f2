// Raw-bindings instantiation shared by every engine: the stub runtime only imports env.abort
// (and env.seed/trace in debug builds); we supply them here instead of @assemblyscript/loader.
import { compileWasm as compileBuiltin, type WasmBuild, type WasmVariant } from '#wasm-load';

export type { WasmBuild, WasmVariant };

/**
 * Whether this engine runs WebAssembly SIMD (v128): validates a module of one function that
 * returns i8x16.splat(0). Every current browser and Node does; an older engine gets the scalar
 * variant of an engine that has one.
 */
export const SIMD = WebAssembly.validate(Uint8Array.of(
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () -> v128
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b, // i32.const 0; i8x16.splat; end
));

/** Thrown when an engine's assert() or bounds check fails: a bug in the engine, never user input. */
export class WasmAbort extends Error {
  override name = 'WasmAbort';
}

/** An engine's .wasm could not be had: which file, from where, and why (an HTTP status, a path). */
export class EngineLoadError extends Error {
  override name = 'EngineLoadError';
  constructor(readonly engine: string, readonly url: string, why: string) {
    super(`cannot load the ${engine} engine from ${url}: ${why}`);
  }
}

/**
 * Where an engine comes from when the package's own build/*.wasm is not the answer (a CDN, a
 * strict CSP, a bundler that moved the file): a compiled module, the bytes, or a URL to fetch.
 */
export type EngineSource = WebAssembly.Module | ArrayBuffer | ArrayBufferView | URL | string;

/** Compiles engine `name`: from `source` when given, else the package's build/<name>.<build>.wasm. */
export async function compileWasm(name: string, build: WasmVariant, source?: EngineSource): Promise<WebAssembly.Module> {
  if (source === undefined) return compileBuiltin(name, build);
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(source as BufferSource);
  let url: URL;
  try {
    url = source instanceof URL ? source : new URL(source, (globalThis as { location?: { href: string } }).location?.href);
  } catch {
    throw new EngineLoadError(name, String(source), 'not a URL (give an absolute one outside a page)');
  }
  if (url.protocol === 'file:') return compileBuiltin(name, build, url);
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new EngineLoadError(name, url.href, (e as Error).message);
  }
  if (!res.ok) throw new EngineLoadError(name, url.href, `HTTP ${res.status} ${res.statusText}`.trim());
  return WebAssembly.compile(await res.arrayBuffer());
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
    // the strong engine's long solves report here; a caller who wants to hear passes its own
    solveProgress: () => {},
    ...imports.env,
  };
  const instance = await WebAssembly.instantiate(module, { ...imports, env });
  memory ??= instance.exports.memory as WebAssembly.Memory | undefined;
  return instance;
}
