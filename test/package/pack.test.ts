// The package as npm users get it (issue 10): `npm pack`, install the tarball into an empty
// consumer, import every entry point as ESM, and type-check a TypeScript consumer — the README's
// example included — against the shipped declarations.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;
let files: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vchardev-consumer-'));
  // the test run has built dist/ and build/ already; prepack would build them again
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' });
  const info = JSON.parse(out)[0] as { filename: string; files: Array<{ path: string }> };
  files = info.files.map((f) => f.path);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // its dependencies come from the registry npm already uses (an empty cache must do: no --offline)
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, info.filename)], { cwd: dir, stdio: 'pipe' });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm pack + install into a consumer', () => {
  it('ships dist, the release, test and scalar engines, the uapi headers, the player header and templates, LICENSE, CHANGELOG and README; no maps, no sources', () => {
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/kxo.js', 'dist/dma.d.ts', 'dist/cli/main.js', 'build/kxo.release.wasm', 'build/dma.test.wasm',
      'build/dma.scalar.wasm', 'dist/wasm/player-worker.js', 'include/kxo_ai.h', 'templates/ai/as/player.ts', 'templates/ai/c/player.c', 'include/uapi/vchardev/kxo.h', 'include/uapi/vchardev/sharepool_test.h', 'include/uapi/vchardev/testbus.h', 'LICENSE', 'CHANGELOG.md', 'README.md', 'package.json']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
  });
  it('ESM imports of vchardev, vchardev/kxo and vchardev/dma work', () => {
    writeFileSync(join(dir, 'use.mjs'), `
      import { Kernel, KxoEngine as K1 } from 'vchardev';
      import { KxoEngine } from 'vchardev/kxo';
      import { DmaEngine } from 'vchardev/dma';
      const k = await Kernel.boot({ clock: 'virtual' });
      const p = k.spawn();
      const fd = await p.open('/dev/zero');
      const e = await KxoEngine.create();
      const dma = await DmaEngine.create(new WebAssembly.Memory({ initial: 64, maximum: 64 }));
      console.log(K1 === KxoEngine, fd, e.negamaxPredict(' '.repeat(16), 'O').move >= 0, dma.walkPrps(0x200000n, 0n, 512).status);
      await k.shutdown();
    `);
    const r = spawnSync(process.execPath, ['use.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('true 3 true 0');
  });
  it('the bridge works from the installed package (the shim compiled on first use from native/)', () => {
    expect(files).toContain('native/shim/core.c');
    expect(files).toContain('native/vchardev-addon.c');
    expect(files.filter((f) => f.endsWith('.so'))).toEqual([]);
    const bin = join(dir, 'node_modules', '.bin', 'vchardev');
    const r = spawnSync(bin, ['run', '--load', 'kxo', '--', 'cat', '/sys/module/kxo/initstate', '/sys/class/kxo/kxo/kxo_state'], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('live\n1 1 0\n');
    expect(r.status).toBe(0);
  }, 60_000);
  it('a TypeScript consumer type-checks: the README example, typed handles, errno codes', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    writeFileSync(join(dir, 'readme-example.ts'), `${example}\nexport {};\n`);
    writeFileSync(join(dir, 'typed.ts'), `
      import { Kernel, KernelError, defineModule, type ErrnoCode, type NvmeApi } from 'vchardev';
      import { KxoEngine, type MctsStats } from 'vchardev/kxo';
      const k = await Kernel.boot({ clock: 'virtual', misc: '3.x' });
      const nvme = await k.insmod('nvme');
      const api: NvmeApi = nvme.api;                         // typed by name, no cast
      const n: number = api.devs.size;
      const mine = defineModule<{ size: number }, { hello(): string }>({
        name: 'mine', params: { size: 1 },
        init(kk) { kk.api = { hello: () => 'hi' }; return 0; },
      });
      const h = await k.insmod(mine, { size: 2 });
      const s: string = h.api.hello();
      try { await k.spawn().open('/nope'); } catch (e) {
        if (e instanceof KernelError) { const c: ErrnoCode | \`E\${number}\` = e.code; if (c === 'ENOENT') console.log(n, s); }
      }
      const stats: MctsStats | null = (await KxoEngine.create()).lastMcts;
      void stats;
      export {};
    `);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false,
        lib: ['ES2022', 'DOM'], types: ['node'], typeRoots: [join(root, 'node_modules', '@types')], rootDir: '.',
      },
      files: ['readme-example.ts', 'typed.ts'],
    }));
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    const r = spawnSync(tsc, ['-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
  it('the bin runs from the installed package', () => {
    expect(readdirSync(join(dir, 'node_modules', '.bin'))).toContain('vchardev');
    const r = spawnSync(join(dir, 'node_modules', '.bin', 'vchardev'), ['--version'], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });
});
