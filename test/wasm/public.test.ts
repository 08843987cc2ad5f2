// The engines as public API (issue 10): 'vchardev/kxo' and 'vchardev/dma' load without a kernel,
// from the package's own build or a caller's Module, bytes or URL; a failed load names the file.
import { describe, it, expect } from 'vitest';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KxoEngine, EngineLoadError } from '../../src/kxo.js';
import { DmaEngine } from '../../src/dma.js';
import * as main from '../../src/index.js';

const wasm = (name: string) => new URL(`../../build/${name}.release.wasm`, import.meta.url);
const EMPTY = ' '.repeat(16);

describe('vchardev/kxo and vchardev/dma', () => {
  it('the main entry re-exports the engines', () => {
    expect(main.KxoEngine).toBe(KxoEngine);
    expect(main.DmaEngine).toBe(DmaEngine);
  });
  it('KxoEngine from the package build, a Module, bytes or a file URL: same answers', async () => {
    const bytes = readFileSync(wasm('kxo'));
    const engines = [
      await KxoEngine.create(),
      await KxoEngine.create({ source: await WebAssembly.compile(bytes) }),
      await KxoEngine.create({ source: bytes }),
      await KxoEngine.create({ source: wasm('kxo') }),
    ];
    for (const e of engines) expect(e.negamaxPredict(EMPTY, 'O')).toEqual(engines[0]!.negamaxPredict(EMPTY, 'O'));
    expect(() => engines[0]!.mcts('bad', 'O')).toThrow(TypeError);
  });
  it('a failed load says which file and why: a missing path, an HTTP 404, a relative URL', async () => {
    await expect(KxoEngine.create({ source: new URL('file:///nonexistent/kxo.wasm') })).rejects.toThrow(/\/nonexistent\/kxo\.wasm: ENOENT/);
    const server = createServer((req, res) => {
      if (req.url === '/kxo.wasm') {
        res.writeHead(200, { 'content-type': 'application/wasm' });
        res.end(readFileSync(wasm('kxo')));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const e = await KxoEngine.create({ source: `${base}/kxo.wasm` });
      expect(e.checkWin('OOOO            ')).toBe('O');
      const err = await KxoEngine.create({ source: `${base}/missing.wasm` }).catch((x) => x);
      expect(err).toBeInstanceOf(EngineLoadError);
      expect(err.message).toBe(`cannot load the kxo engine from ${base}/missing.wasm: HTTP 404 Not Found`);
    } finally {
      server.close();
    }
    await expect(KxoEngine.create({ source: 'kxo.wasm' })).rejects.toBeInstanceOf(EngineLoadError);
  });
  it('DmaEngine works on a caller-provided memory and refuses one too small', async () => {
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 64 }); // 4 MiB
    const dma = await DmaEngine.create(memory);
    const w = dma.walkPrps(0x200000n, 0x300000n, 8192);
    expect({ status: w.status, segs: [...w.segs] }).toEqual({ status: 0, segs: [0x200000, 4096, 0x300000, 4096] });
    expect(dma.walkPrps(0n, 0n, 4096).error).toMatchObject({ rule: 'data-range' }); // PRP 0 is "none"
    await expect(DmaEngine.create(new WebAssembly.Memory({ initial: 1 }))).rejects.toThrow(RangeError);
  });
  it("a consumer imports 'vchardev/kxo' through the package exports (self-reference, built dist)", () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const code = `const { KxoEngine } = await import('vchardev/kxo'); const { DmaEngine } = await import('vchardev/dma');
      const e = await KxoEngine.create(); console.log(e.negamaxPredict(' '.repeat(16), 'O').move, typeof DmaEngine.create);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^\d+ function$/);
  });
});
