// Builds the bridge's native parts with the system's C compiler: the preload shim
// (native/shim/*.c → build/libvchardev-shim.so), the seccomp supervisor for programs the
// shim cannot reach (native/vchardev-seccomp.c → build/vchardev-seccomp) and the server's addon
// (native/vchardev-addon.c → build/vchardev-addon.node). Without a compiler it
// says so and exits 0: the rest of the package works, only `vchardev run` and kernel.bridge() need
// them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cc = process.env.CC || 'cc';
if (process.platform !== 'linux') {
  console.log(`shim: skipped (the bridge needs Linux; this is ${process.platform})`);
  process.exit(0);
}
if (spawnSync(cc, ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.log(`shim: no C compiler (${cc}); the bridge (vchardev run, kernel.bridge()) is unavailable, the rest of the package works`);
  process.exit(0);
}
// what each part is built from and how (native/parts.json: an installed package compiles the
// same way on first use, src/bridge/native.ts)
const NATIVE = JSON.parse(readFileSync(join(root, 'native', 'parts.json'), 'utf8'));
// every header in native/ (any part may include any): a change to one rebuilds them all
const headers = readdirSync(join(root, 'native'), { recursive: true }).filter((f) => f.endsWith('.h')).map((h) => join(root, 'native', h));
for (const [name, part] of Object.entries(NATIVE)) {
  if (name === 'supervisor' && process.arch !== 'x64') {
    console.log(`shim: the seccomp supervisor is x86-64 only (this is ${process.arch}): statically linked programs are not reached here`);
    continue;
  }
  const srcs = (Array.isArray(part.source) ? part.source : [part.source]).map((f) => join(root, 'native', f));
  const out = join(root, 'build', part.output);
  const newest = Math.max(...[...srcs, ...headers].map((f) => statSync(f).mtimeMs));
  if (existsSync(out) && statSync(out).mtimeMs >= newest) continue;
  mkdirSync(dirname(out), { recursive: true });
  // the addon compiles against node-api-headers (a dependency: an installed package compiles it too)
  const include = part.include ? ['-I', createRequire(import.meta.url)(part.include).include_dir] : [];
  execFileSync(cc, [...part.flags, ...include, '-o', out, ...srcs, ...part.libs], { stdio: 'inherit' });
  console.log(`shim: build/${part.output}`);
}
