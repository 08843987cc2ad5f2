// Browser half of the WASM loader: fetch the engine served next to the package and compile it.
// The URLs are literal `new URL('…', import.meta.url)` expressions, the pattern Vite, webpack 5
// and Parcel rewrite when they bundle; a failed fetch says which file and which HTTP status.
export type WasmBuild = 'release' | 'test';
/** a build, or an engine's variant of one (dma.scalar: the release build without SIMD) */
export type WasmVariant = WasmBuild | 'scalar';

const URLS: Record<string, Partial<Record<WasmVariant, () => URL>>> = {
  kxo: {
    release: () => new URL('../../build/kxo.release.wasm', import.meta.url),
    test: () => new URL('../../build/kxo.test.wasm', import.meta.url),
  },
  dma: {
    release: () => new URL('../../build/dma.release.wasm', import.meta.url),
    test: () => new URL('../../build/dma.test.wasm', import.meta.url),
    scalar: () => new URL('../../build/dma.scalar.wasm', import.meta.url),
  },
  strong: {
    release: () => new URL('../../build/strong.release.wasm', import.meta.url),
    test: () => new URL('../../build/strong.test.wasm', import.meta.url),
  },
};

export async function compileWasm(name: string, build: WasmVariant, url?: URL): Promise<WebAssembly.Module> {
  const at = url ?? URLS[name]?.[build]?.();
  if (!at) throw new Error(`no engine ${name}.${build}`);
  let res: Response;
  try {
    res = await fetch(at);
  } catch (e) {
    throw Object.assign(new Error(`cannot load the ${name} engine from ${at.href}: ${(e as Error).message}`), { name: 'EngineLoadError' });
  }
  if (!res.ok) throw Object.assign(new Error(`cannot load the ${name} engine from ${at.href}: HTTP ${res.status} ${res.statusText}`.trim()), { name: 'EngineLoadError' });
  // compileStreaming wants application/wasm; a server that says otherwise still gets its bytes compiled
  return (res.headers.get('content-type') ?? '').startsWith('application/wasm')
    ? WebAssembly.compileStreaming(res)
    : WebAssembly.compile(await res.arrayBuffer());
}

/** A page has no file system: a player file is named by a URL there (relative ones work). */
export async function readLocalFile(path: string | URL, _limit: number): Promise<Uint8Array> {
  throw Object.assign(new Error(`no file system in a page to read ${String(path)}: give a URL`), { code: 'ENOSYS' });
}
