// Node half of the WASM loader: read the compiled engine from build/ and compile it.
// The path is resolved from this file, so it works from src/ (vitest) and dist/ (package, bin).
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export type WasmBuild = 'release' | 'test';
/** a build, or an engine's variant of one (dma.scalar: the release build without SIMD) */
export type WasmVariant = WasmBuild | 'scalar';

/**
 * Compiles build/<name>.<build>.wasm (or the file at `url`). A missing or unreadable file throws
 * an Error that names it (run `npm run build:wasm` in a checkout).
 */
export async function compileWasm(name: string, build: WasmVariant, url?: URL): Promise<WebAssembly.Module> {
  const at = url ?? new URL(`../../build/${name}.${build}.wasm`, import.meta.url);
  let bytes: Buffer;
  try {
    bytes = await readFile(at);
  } catch (e) {
    const err = new Error(`cannot load the ${name} engine from ${fileURLToPath(at)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    err.name = 'EngineLoadError';
    throw err;
  }
  return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
}

/**
 * A local file's bytes (a player file named by its path); a file over `limit` bytes is an
 * Error naming its size, before it is read. Errors carry Node's code (ENOENT, EACCES).
 */
export async function readLocalFile(path: string | URL, limit: number): Promise<Uint8Array> {
  const size = (await stat(path)).size;
  if (size > limit) throw Object.assign(new Error(`${size} bytes`), { code: 'EFBIG', size });
  return new Uint8Array(await readFile(path));
}
