// The one way tests read reference vectors: from test/fixtures, the repository's byte-identical
// copy of ../shared/fixtures (scripts/sync-fixtures.mjs), so a clone passes with nothing beside it.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Absolute path of the fixtures directory (test/fixtures). */
export function fixturesDir(): string {
  return join(projectRoot, 'test', 'fixtures');
}

/** Parses one JSON Lines fixture, e.g. readJsonl('kxo/negamax.jsonl'). */
export function readJsonl<T = Record<string, unknown>>(rel: string): T[] {
  const text = readFileSync(join(fixturesDir(), rel), 'utf8');
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}
