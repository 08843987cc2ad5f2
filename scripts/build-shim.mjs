// Builds the bridge's preload shim (native/vchardev-shim.c → build/libvchardev-shim.so) with the
// system's C compiler. Without one it says so and exits 0: the rest of the package works, only
// `vchardev run` and kernel.bridge() need the shim.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'native', 'vchardev-shim.c');
const out = join(root, 'build', 'libvchardev-shim.so');
const cc = process.env.CC || 'cc';
if (process.platform !== 'linux') {
  console.log(`shim: skipped (the bridge needs Linux; this is ${process.platform})`);
  process.exit(0);
}
if (spawnSync(cc, ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.log(`shim: no C compiler (${cc}); the bridge (vchardev run, kernel.bridge()) is unavailable, the rest of the package works`);
  process.exit(0);
}
if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) process.exit(0);
mkdirSync(dirname(out), { recursive: true });
execFileSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-Wno-nonnull-compare', '-o', out, src, '-ldl'], { stdio: 'inherit' });
console.log('shim: build/libvchardev-shim.so');
