// vchardev run: programs the preload shim cannot reach (static, Go) are found by their ELF headers and
// run under the seccomp supervisor.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unreachable } from '../../src/cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'run-test-'));
const src = join(dir, 'p.c');
const bin = (name: string) => join(dir, name);

beforeAll(() => {
  writeFileSync(src, '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n');
  execFileSync('cc', ['-O1', '-o', bin('dynamic'), src]);
  execFileSync('cc', ['-O1', '-static', '-o', bin('static'), src]);
  // what a Go toolchain leaves in every binary: a note owned by "Go" (type 4, the build id)
  writeFileSync(join(dir, 'go.c'), `${'#include <stdio.h>\n'}__asm__(".section .note.go.buildid,\\"a\\",@note\\n.balign 4\\n.long 4\\n.long 8\\n.long 4\\n.ascii \\"Go\\\\0\\\\0\\"\\n.ascii \\"buildid!\\"\\n.text\\n");\nint main(void) { puts("go"); return 0; }\n`);
  execFileSync('cc', ['-O1', '-o', bin('go'), join(dir, 'go.c')]);
  writeFileSync(bin('script'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
});

describe('unreachable', () => {
  it('tells static ELF files and Go binaries from dynamic ones and scripts', () => {
    expect(unreachable(bin('dynamic'))).toBe(null);
    expect(unreachable(bin('static'))).toBe('static');
    expect(unreachable(bin('go'))).toBe('go');
    expect(unreachable(bin('script'))).toBe(null);
    expect(unreachable(join(dir, 'none'))).toBe(null);
  });

  it('vchardev run runs a static program under the seccomp supervisor, so it reaches the kernel too', () => {
    const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    writeFileSync(join(dir, 'init.c'), '#include <stdio.h>\nint main(void) { char b[16] = ""; FILE *f = fopen("/sys/module/kxo/initstate", "r"); printf("%s", f && fgets(b, sizeof b, f) ? b : "missing\\n"); return 0; }\n');
    execFileSync('cc', ['-O1', '-static', '-o', bin('init'), join(dir, 'init.c')]);
    const s = spawnSync(process.execPath, [cli, 'run', '--load', 'kxo', '--', bin('init')], { encoding: 'utf8' });
    expect([s.stdout, s.stderr, s.status]).toEqual(['live\n', '', 0]);
    const d = spawnSync(process.execPath, [cli, 'run', '--load', 'kxo', '--', bin('dynamic')], { encoding: 'utf8' });
    expect([d.stdout, d.stderr]).toEqual(['hi\n', '']);
  });
});
