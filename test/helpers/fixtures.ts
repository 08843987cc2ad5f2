// The one way tests read ../shared/fixtures: in place, never copied. A missing directory fails
// loudly (a skipped fixture test would be a claim nobody checks).
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Absolute path of the shared fixtures directory ($VCHARDEV_SHARED/fixtures or ../shared/fixtures). */
export function fixturesDir(): string {
  const shared = process.env.VCHARDEV_SHARED ?? join(projectRoot, '..', 'shared');
  const dir = join(shared, 'fixtures');
  if (!existsSync(dir)) {
    throw new Error(`fixtures not found at ${dir}: clone the project beside shared/ or set VCHARDEV_SHARED`);
  }
  return dir;
}

/** Parses one JSON Lines fixture, e.g. readJsonl('kxo/negamax.jsonl'). */
export function readJsonl<T = Record<string, unknown>>(rel: string): T[] {
  const text = readFileSync(join(fixturesDir(), rel), 'utf8');
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}
