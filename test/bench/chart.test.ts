// The bench chart (bench/chart.mjs): each kind of comparison has its own legend, each row its
// own axis in its own unit, every bar says what it is, and a range over runs shows as a whisker.
import { describe, it, expect } from 'vitest';
// @ts-expect-error: plain JS with no types
import { chart } from '../../bench/chart.mjs';

const results = [
  { bench: 'kxo', rows: [{ workload: 'mcts(empty, O)', unit: 'ms', better: 'lower', kind: 'WASM against TypeScript and C', series: { WASM: { min: 94, max: 99, mid: 96 }, TypeScript: 1100, 'C (this run)': 95 } }] },
  { bench: 'tournament', rows: [{ workload: 'games/s', unit: 'games/s', better: 'higher', kind: 'workers', series: { '1 worker': 10, '2 workers': 17 } }] },
];

describe('bench/chart.mjs', () => {
  const svg: string = chart(results, 'test');
  it('gives each kind of comparison its own legend: no "WASM" where workers are compared', () => {
    expect(svg).toContain('>WASM against TypeScript and C<');
    expect(svg).toContain('>workers<');
    const workers = svg.slice(svg.indexOf('>workers<'));
    expect(workers).toContain('>1 worker<');
    expect(workers).not.toMatch(/>WASM<|>TypeScript</);
    expect(svg.slice(0, svg.indexOf('>workers<'))).not.toContain('>1 worker<');
  });
  it('draws an axis per row from 0 in the row\'s unit, and a range as a whisker with its ends', () => {
    // the kxo row's axis ends at 2000 ms (1100 is its largest bar), the tournament's at 20 games/s
    expect(svg).toMatch(/>2,000<\/text>/);
    expect(svg).toMatch(/>20<\/text>/);
    expect(svg.match(/>0<\/text>/g)!.length).toBe(2);
    expect(svg).toContain('94–99 ms');
    expect(svg.match(/<line [^>]*stroke="#222"/g)!.length).toBe(3); // the whisker and its two ends
  });
});
