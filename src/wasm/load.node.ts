// Node half of the WASM loader: read the compiled engine from build/ and compile it.
// The path is resolved from this file, so it works from src/ (vitest) and dist/ (package, bin).
import { open, readFile } from 'node:fs/promises';
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
 * A local file's bytes (a player file named by its path): a regular file of at most `limit`
 * bytes, read from one open descriptor (a device, a FIFO or a file that grows is never read past
 * the limit). Errors carry Node's code (ENOENT, EACCES); one too big also its `size`.
 */
export async function readLocalFile(path: string | URL, limit: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EINVAL' });
    if (st.size > limit) throw Object.assign(new Error(`${st.size} bytes`), { code: 'EFBIG', size: st.size });
    // the size it has, and room to see that it grew: doubled as it does, never past limit + 1
    let buf = new Uint8Array(Math.min(st.size, limit) + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > limit) throw Object.assign(new Error(`${n} bytes`), { code: 'EFBIG', size: n });
        const more = new Uint8Array(Math.min(buf.length * 2, limit + 1));
        more.set(buf);
        buf = more;
      }
      const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
      if (!bytesRead) break;
      n += bytesRead;
    }
    return buf.slice(0, n);
  } finally {
    await fh.close();
  }
}
