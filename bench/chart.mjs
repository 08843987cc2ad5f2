// An SVG bar chart of the benchmark results: per workload, WASM / plain TS / C on a log scale,
// normalised so the fastest of the three is 1 (so ms and M/s workloads share one axis).
const COLORS = { wasm: '#3b6fd6', ts: '#d68a3b', c: '#7a7a7a' };

export function chart(results) {
  const rows = results.flatMap((r) => r.rows.filter((x) => x.chart !== false && (x.ts != null || x.c != null)).map((x) => ({ bench: r.bench, ...x })));
  const W = 900;
  const rowH = 46;
  const left = 330;
  const H = 60 + rows.length * rowH + 40;
  const speed = (x, v) => (v == null ? null : x.better === 'lower' ? 1 / v : v);
  const esc = (s) => String(s).replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n`;
  svg += `<text x="10" y="22" font-size="15" font-weight="bold">vchardev: WASM vs plain TypeScript vs C (bar = speed relative to the slowest, log scale)</text>\n`;
  let x0 = left;
  for (const [k, label] of [['wasm', 'WASM'], ['ts', 'TypeScript'], ['c', 'C reference']]) {
    svg += `<rect x="${x0}" y="34" width="12" height="12" fill="${COLORS[k]}"/><text x="${x0 + 16}" y="44">${label}</text>\n`;
    x0 += 120;
  }
  rows.forEach((x, i) => {
    const y = 60 + i * rowH;
    const s = { wasm: speed(x, x.wasm), ts: speed(x, x.ts), c: speed(x, x.c) };
    const vals = Object.values(s).filter((v) => v != null && v > 0);
    const min = Math.min(...vals);
    const max = Math.max(...vals);
    const scale = (v) => (max === min ? 1 : Math.log(v / min) / Math.log(max / min)) * (W - left - 120) + 4;
    svg += `<text x="10" y="${y + 16}">${esc(x.workload)}</text><text x="10" y="${y + 30}" fill="#777">${esc(x.bench)}, ${esc(x.unit)} (${x.better} is better)</text>\n`;
    ['wasm', 'ts', 'c'].forEach((k, j) => {
      if (s[k] == null) return;
      const w = scale(s[k]);
      const raw = x[k];
      svg += `<rect x="${left}" y="${y + j * 13}" width="${w.toFixed(1)}" height="11" fill="${COLORS[k]}"/>`;
      const note = k === 'c' && x.cLabel ? ` (${esc(x.cLabel)})` : '';
      svg += `<text x="${left + w + 4}" y="${y + j * 13 + 10}" font-size="10">${raw >= 100 ? raw.toFixed(0) : raw.toPrecision(3)}${note}</text>\n`;
    });
  });
  return `${svg}</svg>\n`;
}
