// Waiting for something a real process or the host does (a socket closing, an exec): the wait
// ends when the condition holds, however slow the machine; only the test's own timeout bounds it,
// so no outcome is decided by a wall-clock budget.
import { readFileSync } from 'node:fs';

/** Resolves once cond() holds, checking every `everyMs`. */
export async function until(cond: () => boolean, everyMs = 5): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, everyMs));
}

/** Resolves once process `pid` runs `comm` (its exec is done): its cmdline starts with it. */
export function untilRunning(pid: number, comm: string): Promise<void> {
  return until(() => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0')[0]!.endsWith(comm);
    } catch {
      return false;
    }
  });
}
