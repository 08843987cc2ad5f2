// Browser half of the WASM loader: stream-compile the engine served next to the package.
export type WasmBuild = 'release' | 'test';

/** Compiles build/<name>.<build>.wasm fetched relative to this module. */
export async function compileWasm(name: string, build: WasmBuild): Promise<WebAssembly.Module> {
  const url = new URL(`../../build/${name}.${build}.wasm`, import.meta.url);
  return WebAssembly.compileStreaming(fetch(url));
}
