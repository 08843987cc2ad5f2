// An SVG chart of the benchmark results. Rows are grouped by what they compare (their `kind`):
// each group has its own legend, each row its own axis from 0 in its own unit, and every bar is
// labelled with what it is, so a colour is never read as "WASM" on a row that compares workers.
// A value measured over several runs is drawn as a bar to its median with a whisker from its
// lowest to its highest figure.
const PALETTE = ['#3b6fd6', '#d68a3b', '#4e9a5b', '#8a5cc2', '#c2485c', '#7a7a7a'];

/** { min, max, mid } of a series value: a number (one run) or a range from run.mjs */
export function spread(v) {
  return typeof v === 'number' ? { min: v, max: v, mid: v } : v;
}

const esc = (s) => String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);
export const fmt = (v) => (Number.isInteger(v) || v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 1 ? v.toPrecision(3) : v.toPrecision(2));

/** A "nice" axis end and step for values up to max: 1, 2 or 5 times a power of ten. */
function axis(max) {
  if (!(max > 0)) return { end: 1, step: 0.5 };
  const p = 10 ** Math.floor(Math.log10(max));
  // 1, 2 or 5 (times p) is the first to reach max; there is always one (10p > max)
  const m = [1, 2, 5, 10].find((x) => x * p >= max);
  return { end: m * p, step: (m * p) / (m === 2 ? 4 : 5) };
}

export function chart(results, title = 'vchardev benchmarks') {
  const rows = results.flatMap((r) => r.rows.map((x) => ({ bench: r.bench, ...x })));
  const kinds = [...new Set(rows.map((x) => x.kind))];
  const W = 960;
  const labelW = 300;
  const plotL = labelW + 10;
  const plotW = W - plotL - 150;
  const barH = 12;
  let y = 34;
  let body = '';
  for (const kind of kinds) {
    const group = rows.filter((x) => x.kind === kind);
    const labels = [...new Set(group.flatMap((x) => Object.keys(x.series)))];
    const color = (l) => PALETTE[labels.indexOf(l) % PALETTE.length];
    y += 22;
    body += `<text x="10" y="${y}" font-size="14" font-weight="bold">${esc(kind)}</text>\n`;
    // the group's legend: every bar of this group is one of these
    let lx = 10;
    y += 8;
    for (const l of labels) {
      body += `<rect x="${lx}" y="${y}" width="10" height="10" fill="${color(l)}"/><text x="${lx + 14}" y="${y + 9}" font-size="11">${esc(l)}</text>\n`;
      lx += 34 + l.length * 6.6;
      if (lx > W - 200) {
        lx = 10;
        y += 14;
      }
    }
    y += 20;
    for (const x of group) {
      const series = Object.entries(x.series).map(([l, v]) => [l, spread(v)]);
      if (!series.length) continue;
      const { end, step } = axis(Math.max(...series.map(([, s]) => s.max)));
      const px = (v) => plotL + (v / end) * plotW;
      body += `<text x="10" y="${y + 10}" font-weight="bold">${esc(x.workload)}</text>`;
      body += `<text x="10" y="${y + 24}" fill="#666" font-size="11">${esc(x.bench)} · ${esc(x.unit)}, ${x.better} is better</text>\n`;
      y += 30;
      for (const [l, s] of series) {
        body += `<text x="${labelW}" y="${y + barH - 2}" font-size="11" text-anchor="end">${esc(l)}</text>`;
        body += `<rect x="${plotL}" y="${y}" width="${Math.max(1, px(s.mid) - plotL).toFixed(1)}" height="${barH}" fill="${color(l)}"/>`;
        if (s.max > s.min) {
          const wy = y + barH / 2;
          body += `<line x1="${px(s.min).toFixed(1)}" y1="${wy}" x2="${px(s.max).toFixed(1)}" y2="${wy}" stroke="#222"/>`;
          for (const v of [s.min, s.max]) body += `<line x1="${px(v).toFixed(1)}" y1="${wy - 4}" x2="${px(v).toFixed(1)}" y2="${wy + 4}" stroke="#222"/>`;
        }
        const text = s.max > s.min ? `${fmt(s.min)}–${fmt(s.max)}` : fmt(s.mid);
        body += `<text x="${(Math.max(px(s.mid), px(s.max)) + 6).toFixed(1)}" y="${y + barH - 2}" font-size="11">${text} ${esc(x.unit)}</text>\n`;
        y += barH + 4;
      }
      // the row's axis: from 0, in the row's unit
      body += `<line x1="${plotL}" y1="${y}" x2="${plotL + plotW}" y2="${y}" stroke="#999"/>`;
      for (let v = 0; v <= end + step / 2; v += step) {
        body += `<line x1="${px(v).toFixed(1)}" y1="${y}" x2="${px(v).toFixed(1)}" y2="${y + 4}" stroke="#999"/>`;
        body += `<text x="${px(v).toFixed(1)}" y="${y + 15}" font-size="10" fill="#666" text-anchor="middle">${fmt(v)}</text>`;
      }
      body += `<text x="${plotL + plotW + 24}" y="${y + 15}" font-size="10" fill="#666">${esc(x.unit)}</text>\n`;
      y += 28;
    }
  }
  const H = y + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">\n`
    + `<rect width="${W}" height="${H}" fill="#fff"/>\n<text x="10" y="24" font-size="16" font-weight="bold">${esc(title)}</text>\n${body}</svg>\n`;
}
