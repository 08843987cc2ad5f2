// Copies ../shared/fixtures into test/fixtures byte for byte (the repository must pass on its own,
// so tests read only the copy). Run it when the shared vectors change; never edit a vector by hand.
// `node scripts/sync-fixtures.mjs --check` only compares, and exits 1 on any difference.
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const from = join(root, '..', 'shared', 'fixtures');
const to = join(root, 'test', 'fixtures');
const check = process.argv.includes('--check');

if (!existsSync(from)) {
  console.error(`no ${from}: nothing to sync (test/fixtures is the repository's own copy)`);
  process.exit(check ? 0 : 1);
}
function files(dir) {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}
if (check) {
  const diffs = files(from).filter((f) => {
    const copy = join(to, relative(from, f));
    return !existsSync(copy) || !readFileSync(copy).equals(readFileSync(f));
  });
  for (const d of diffs) console.error(`differs: ${relative(from, d)}`);
  process.exit(diffs.length ? 1 : 0);
}
cpSync(from, to, { recursive: true });
console.log(`copied ${files(from).length} files from ${from} to ${to}`);
