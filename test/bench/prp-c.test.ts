// The C baseline of bench/dma.bench.mjs (bench/prp-c.c): the bench compares the WASM engine with it
// only if both do the same work, so its walk must give back what its build wrote, segment by
// segment, and refuse the entries the WASM walk refuses.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

describe('bench/prp-c.c', () => {
  it('walks back what it built (one list page, a chain, 64 MiB) and refuses bad entries', () => {
    const bin = join(mkdtempSync(join(tmpdir(), 'prp-c-')), 'prp-c');
    execFileSync(process.env.CC || 'cc', ['-O2', '-Wall', '-Werror', '-o', bin, fileURLToPath(new URL('../../bench/prp-c.c', import.meta.url))]);
    for (const bytes of [3 * 4096, 100 * 4096, 600 * 4096, 64 << 20]) {
      expect(execFileSync(bin, [String(bytes), 'check'], { encoding: 'utf8' }).trim()).toBe('ok');
    }
  });
});
