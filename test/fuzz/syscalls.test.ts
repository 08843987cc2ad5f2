// Issue 9's syscall fuzzer in CI: a seeded 10^4-operation run over every device, with processes
// of different uid and capabilities, unawaited calls, exit and SIGKILL mid-call, insmod/rmmod,
// hot-plug and fault injection. Every row of the table must be 0; a finding prints its story.
import { describe, it, expect } from 'vitest';
import { runFuzz, reportTable, isClean } from '../../fuzz/fuzzer.js';

describe('syscall fuzzer (issue 9)', () => {
  it('10,000 operations, seed 1: no host exception, hang, leak, foreign memory write or DAC bypass', async () => {
    const r = await runFuzz({ ops: 10_000, seed: 1 });
    if (!isClean(r)) console.error(`${reportTable(r)}\n${r.failures.join('\n')}`);
    expect(r.failures).toEqual([]);
    expect(isClean(r)).toBe(true);
    // the run reached the drivers, not only the error paths of the syscall layer
    for (const kind of ['open', 'read', 'write', 'ioctl', 'poll', 'nvme', 'tb']) expect(r.outcomes[kind]?.ok ?? 0, kind).toBeGreaterThan(10);
    expect(r.faultsInjected).toBeGreaterThan(0);
  }, 300_000);
});
