// Before the tests: the browser test needs Debian's chromium at /usr/bin/chromium and the bridge
// test runs Debian's nvme-cli. As root on a Debian machine we install what is missing (once);
// elsewhere we say what to do, and those tests fail loudly rather than being skipped.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

const TOOLS = [
  { bin: '/usr/bin/chromium', pkg: 'chromium', why: 'the browser test' },
  { bin: '/usr/sbin/nvme', pkg: 'nvme-cli', why: 'the bridge test (nvme-cli through vchardev run)' },
  { bin: '/usr/sbin/mkfs.ext4', pkg: 'e2fsprogs', why: 'the bridge test (mkfs.ext4 and e2fsck on /dev/nvme0n1)' },
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
