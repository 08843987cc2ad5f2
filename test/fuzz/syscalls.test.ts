// Issue 9's syscall fuzzer in CI: a seeded 10^4-operation run over every device, with processes
// of different uid and capabilities, unawaited calls, exit and SIGKILL mid-call, insmod/rmmod,
// hot-plug and fault injection. Every row of the table must be 0; a finding prints its story.
// The seed fixes the run: its fingerprint goes to $VCHARDEV_FUZZ_FINGERPRINT when that names a
// file, and .ci/run compares three runs under coverage.
import { appendFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { runFuzz, reportTable, isClean, fingerprint } from '../../fuzz/fuzzer.js';

describe('syscall fuzzer (issue 9)', () => {
  it('10,000 operations, seed 1: no host exception, hang, leak, foreign memory write or DAC bypass', async () => {
    const r = await runFuzz({ ops: 10_000, seed: 1 });
    if (!isClean(r)) console.error(`${reportTable(r)}\n${r.failures.join('\n')}`);
    const out = process.env.VCHARDEV_FUZZ_FINGERPRINT;
    if (out) appendFileSync(out, `${fingerprint(r)} ${JSON.stringify({ outcomes: r.outcomes, faults: r.faultsInjected, oopses: r.oopses })}\n`);
    expect(r.failures).toEqual([]);
    expect(isClean(r)).toBe(true);
    // the run reached the drivers, not only the error paths of the syscall layer
    for (const kind of ['open', 'read', 'write', 'ioctl', 'poll', 'nvme', 'tb']) expect(r.outcomes[kind]?.ok ?? 0, kind).toBeGreaterThan(10);
    expect(r.faultsInjected).toBeGreaterThan(0);
  }, 300_000);

  it('a seed fixes the run: 1,000 operations twice give one fingerprint; another seed another', async () => {
    const [a, b, c] = [await runFuzz({ ops: 1000, seed: 7 }), await runFuzz({ ops: 1000, seed: 7 }), await runFuzz({ ops: 1000, seed: 8 })];
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(a.outcomes).toEqual(b.outcomes);
    expect(fingerprint(c)).not.toBe(fingerprint(a));
  }, 120_000);
});
