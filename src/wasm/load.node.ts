// Node half of the WASM loader: read the compiled engine from build/ and compile it.
// The path is resolved from this file, so it works from src/ (vitest) and dist/ (package, bin).
import { readFile } from 'node:fs/promises';

export type WasmBuild = 'release' | 'test';

/** Compiles build/<name>.<build>.wasm; rejects when the file is missing (run `npm run build:wasm`). */
export async function compileWasm(name: string, build: WasmBuild): Promise<WebAssembly.Module> {
  const url = new URL(`../../build/${name}.${build}.wasm`, import.meta.url);
  return WebAssembly.compile(await readFile(url));
}
