// `npm start`: build when the sources are newer than dist/, then run the CLI's default command.
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execSync, spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const newest = (dir) => !existsSync(dir) ? 0 : readdirSync(dir, { withFileTypes: true }).reduce(
  (t, e) => Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);
const main = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(main) || newest(join(root, 'src')) > statSync(main).mtimeMs || newest(join(root, 'assembly')) > newest(join(root, 'build'))) {
  execSync('npm run build --silent', { cwd: root, stdio: 'inherit' });
}
const r = spawnSync(process.execPath, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
