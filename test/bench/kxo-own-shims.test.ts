// bench/kxo-own: kxo's own engine files, when a checkout is named by KXO_SRC, build in user space
// against stand-ins for the kernel headers. The stand-in that decides moves is sort(): kxo's
// negamax orders its moves with it and ties pick the move, so it must order as lib/sort.c does.
// Here it sorts with many ties exactly as the TypeScript baseline's kernelSort, which kxo's
// negamax vectors pin down (test/bench/kxo-baseline.test.ts).
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { kernelSort } from '../../bench/baseline/kxo.js';

describe('bench/kxo-own/include: the kernel stand-ins kxo\'s C builds against', () => {
  it('sort() orders as lib/sort.c (the TS baseline kxo\'s vectors check), ties included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kxo-own-'));
    writeFileSync(join(dir, 'sort.c'), `
#include <stdio.h>
#include <stdlib.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/list.h>
static int keys[64];
/* kxo's cmp_moves shape: higher key first, by subtraction */
static int cmp(const void *a, const void *b) { return keys[*(const int *)b] - keys[*(const int *)a]; }
int main(void) {
	int n, v[64];
	while (scanf("%d", &n) == 1) {
		for (int i = 0; i < n; i++) { scanf("%d", &keys[i]); v[i] = i; }
		sort(v, n, sizeof(int), cmp, NULL);
		for (int i = 0; i < n; i++) printf("%d ", v[i]);
		printf("\\n");
	}
	return 0;
}`);
    const bin = join(dir, 'sort');
    execFileSync(process.env.CC || 'cc', ['-O2', '-Wall', '-Werror', '-I', fileURLToPath(new URL('../../bench/kxo-own/include', import.meta.url)), '-o', bin, join(dir, 'sort.c')]);
    const cases = fc.sample(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 0, maxLength: 64 }), { seed: 42, numRuns: 300 });
    const input = cases.map((k) => `${k.length} ${k.join(' ')}`).join('\n');
    const got = execFileSync(bin, { input, encoding: 'utf8' }).split('\n');
    cases.forEach((keys, i) => {
      const v = Int32Array.from(keys, (_, j) => j);
      kernelSort(v, keys.length, (x, y) => keys[y]! - keys[x]!);
      expect({ keys, order: (got[i] ?? '').trim() }).toEqual({ keys, order: [...v].join(' ') });
    });
  });
});
