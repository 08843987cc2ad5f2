// Before the tests: the browser test needs Debian's chromium at /usr/bin/chromium. As root on a
// Debian machine we install it (about 35 s, once); elsewhere we say what to do and the browser
// test fails loudly rather than being skipped.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && existsSync('/usr/bin/apt-get')) {
    console.log('installing chromium for the browser test (apt-get install -y chromium)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      execSync('apt-get install -y --no-install-recommends chromium', { stdio: 'inherit', env });
    } catch {
      execSync('apt-get update && apt-get install -y --no-install-recommends chromium', { stdio: 'inherit', env });
    }
  } else {
    console.warn(`${CHROMIUM} is missing: install Debian's chromium (sudo apt-get install -y chromium) for the browser test`);
  }
}
