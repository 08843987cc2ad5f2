// The Debian tools some tests drive: Chromium (the browser tests), nvme-cli (the bridge),
// e2fsprogs (mkfs.ext4 on the bridge), clang and lld (the C player template). `npm test` installs nothing: a test that lacks its tool is
// skipped and says why on stderr. .ci/run installs them first (scripts/ensure-test-tools.mjs) and
// fails if a test still had to be skipped for one (VCHARDEV_MISSING_TOOLS names the file it reads).
import { appendFileSync, existsSync } from 'node:fs';

const TOOLS = {
  chromium: { bin: '/usr/bin/chromium', pkg: 'chromium' },
  nvme: { bin: '/usr/sbin/nvme', pkg: 'nvme-cli' },
  mkfs: { bin: '/usr/sbin/mkfs.ext4', pkg: 'e2fsprogs' },
  clang: { bin: '/usr/bin/clang', pkg: 'clang' },
  wasmld: { bin: '/usr/bin/wasm-ld', pkg: 'lld' },
} as const;

export const toolPath = (tool: keyof typeof TOOLS) => TOOLS[tool].bin;

/** Is the tool missing? Then the caller skips, and this says so (once per call). */
export function missingTool(tool: keyof typeof TOOLS, what: string): boolean {
  const { bin, pkg } = TOOLS[tool];
  if (existsSync(bin)) return false;
  const line = `skipped (needs ${bin}, Debian's ${pkg}: apt-get install -y ${pkg}): ${what}`;
  console.warn(line);
  const log = process.env.VCHARDEV_MISSING_TOOLS;
  try {
    if (log) appendFileSync(log, `${line}\n`);
  } catch {
    // (another user's run, the file not ours to write: the line on stderr stands)
  }
  return true;
}
