// npm run bench's front (bench/run.mjs): --help lists every bench in bench/ and builds nothing.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../bench/', import.meta.url));

describe('npm run bench -- --help', () => {
  it('names every bench in bench/, without building', () => {
    const r = spawnSync(process.execPath, [`${dir}run.mjs`, '--help'], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(0);
    const names = readdirSync(dir).filter((f) => f.endsWith('.bench.mjs')).sort().map((f) => f.replace('.bench.mjs', ''));
    expect(names.length).toBeGreaterThanOrEqual(8);
    expect(r.stdout).toContain(`benches: ${names.join(', ')}`);
    // nothing was built: npm's build prints its steps
    expect(r.stdout + r.stderr).not.toMatch(/build:wasm|tsc -p/);
  });
});
