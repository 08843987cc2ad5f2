// Before CI's tests (.ci/run; npm test installs nothing): the browser tests need Debian's chromium
// at /usr/bin/chromium, the bridge's run Debian's nvme-cli and e2fsprogs. As root on a Debian
// machine this installs what is missing (once); elsewhere it says what to do. A test that lacks
// its tool is skipped and says why (test/helpers/tools.ts), and .ci/run fails on such a skip.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

const TOOLS = [
  { bin: '/usr/bin/chromium', pkg: 'chromium', why: 'the browser test' },
  { bin: '/usr/sbin/nvme', pkg: 'nvme-cli', why: 'the bridge test (nvme-cli through vchardev run)' },
  { bin: '/usr/sbin/mkfs.ext4', pkg: 'e2fsprogs', why: 'the bridge test (mkfs.ext4 and e2fsck on /dev/nvme0n1)' },
  { bin: '/usr/bin/clang', pkg: 'clang', why: 'the C player template (clang --target=wasm32)' },
  { bin: '/usr/bin/wasm-ld', pkg: 'lld', why: 'the C player template (wasm-ld)' },
];
const missing = TOOLS.filter((t) => !existsSync(t.bin));
if (missing.length) {
  const pkgs = missing.map((t) => t.pkg).join(' ');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && existsSync('/usr/bin/apt-get')) {
    console.log(`installing ${pkgs} for ${missing.map((t) => t.why).join(' and ')} (apt-get install -y ${pkgs})…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      execSync(`apt-get install -y --no-install-recommends ${pkgs}`, { stdio: 'inherit', env });
    } catch {
      execSync(`apt-get update && apt-get install -y --no-install-recommends ${pkgs}`, { stdio: 'inherit', env });
    }
  } else {
    for (const t of missing) console.warn(`${t.bin} is missing: install Debian's ${t.pkg} (sudo apt-get install -y ${t.pkg}) for ${t.why}`);
  }
}
