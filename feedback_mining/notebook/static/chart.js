// Chart (feedback_mining.notebook.components.Chart): inline SVG charts whose bars and cells can be clicked.
// kinds: "pareto" (bars + cumulative share), "stacked" (months × series), "heatmap" (rows × columns), "hbar".
// Text uses the page font stack (var(--jp-ui-font-family)), so the CJK face of the font loader applies.
// A click sets `clicked` ({x} / {x, series} / {row, col}, plus _click so a repeated click also fires).
const NS = "http://www.w3.org/2000/svg";

function mk(tag, attrs, parent, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

const fmt = (n) => Number(n).toLocaleString("zh-CN");

function niceMax(v) {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// width of a text in the chart's font (measured on a hidden SVG text element)
function measurer(svg) {
  const t = mk("text", { x: -9999, y: -9999, class: "fc-measure" }, svg);
  return (s, size) => { t.setAttribute("font-size", size); t.textContent = s; return t.getComputedTextLength(); };
}

function bar(parent, attrs, title, onClick, cls) {
  const g = mk("g", { class: `fc-hit ${cls || ""}`, tabindex: 0, role: "button" }, parent);
  mk("rect", attrs, g);
  mk("title", {}, g, title);
  g.addEventListener("click", onClick);
  g.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); e.stopPropagation(); onClick(); }
  });
  return g;
}

function yAxis(svg, x0, x1, top, ph, vmax, label) {
  for (let i = 0; i <= 4; i++) {
    const v = (vmax * i) / 4, y = top + ph - (ph * i) / 4;
    mk("line", { x1: x0, x2: x1, y1: y, y2: y, class: i ? "fc-grid" : "fc-axis" }, svg);
    mk("text", { x: x0 - 6, y: y + 4, "text-anchor": "end", class: "fc-tick" }, svg, fmt(Math.round(v)));
  }
  if (label) mk("text", { x: x0 - 6, y: top - 10, "text-anchor": "end", class: "fc-tick" }, svg, label);
}

function pareto(svg, W, d, sel, pick) {
  const n = d.values.length, top = 52, bottom = 48, left = 52, right = 46;
  const H = 330, pw = W - left - right, ph = H - top - bottom;
  const vmax = niceMax(Math.max(...d.values) * 1.08), total = d.values.reduce((a, b) => a + b, 0) || 1;
  yAxis(svg, left, W - right, top, ph, vmax, "条数");
  const step = pw / n, bw = Math.min(90, step * 0.62);
  let cum = 0;
  const pts = [];
  d.values.forEach((v, i) => {
    const h = (ph * v) / vmax, x = left + i * step + (step - bw) / 2, dim = sel.x && sel.x.length && !sel.x.includes(d.keys[i]);
    bar(svg, { x, y: top + ph - h, width: bw, height: Math.max(h, 0.5), fill: d.colors[i], rx: 2 },
      `${d.labels[i]}：${fmt(v)} 条（${((100 * v) / total).toFixed(1)}%）— 点击筛选`, () => pick({ x: d.keys[i] }),
      `fc-bar${dim ? " fc-dim" : ""}`).dataset.key = d.keys[i];
    mk("text", { x: x + bw / 2, y: top + ph - h - 5, "text-anchor": "middle", class: "fc-value" }, svg, fmt(v));
    mk("text", { x: x + bw / 2, y: top + ph + 17, "text-anchor": "middle", class: "fc-label" }, svg, d.labels[i]);
    if (d.sublabels) mk("text", { x: x + bw / 2, y: top + ph + 32, "text-anchor": "middle", class: "fc-sub" }, svg, d.sublabels[i]);
    cum += v;
    pts.push([x + bw / 2, top + ph - (ph * cum) / total, cum / total]);
  });
  mk("polyline", { points: pts.map((p) => `${p[0]},${p[1]}`).join(" "), class: "fc-line" }, svg);
  for (const [x, y, s] of pts) {
    mk("circle", { cx: x, cy: y, r: 3.5, class: "fc-dot" }, svg);
    mk("text", { x: x + 6, y: y - 6, class: "fc-tick" }, svg, `${Math.round(100 * s)}%`);
  }
  mk("text", { x: W - right + 6, y: top + 4, class: "fc-tick" }, svg, "累计");
  return H;
}

function legend(svg, W, items, y0, measure, pick) {
  // wrap legend entries onto as many lines as the width needs (no entry is ever clipped)
  let x = 12, y = y0;
  for (const it of items) {
    const w = 18 + measure(it.label, 12) + 16;
    if (x + w > W - 8 && x > 12) { x = 12; y += 20; }
    const g = mk("g", { class: "fc-legend fc-hit", tabindex: 0, role: "button" }, svg);
    g.dataset.series = it.key;
    mk("rect", { x, y: y - 10, width: 12, height: 12, fill: it.color, rx: 2 }, g);
    mk("text", { x: x + 17, y, class: "fc-label" }, g, it.label);
    mk("title", {}, g, `只看${it.label}`);
    g.addEventListener("click", () => pick({ series: it.key }));
    x += w;
  }
  return y + 12;
}

function stacked(svg, W, d, sel, pick, measure) {
  const n = d.x.length, top = 52, left = 52, right = 14, ph = 210;
  const totals = d.x.map((_, i) => d.series.reduce((a, s) => a + s.values[i], 0));
  const vmax = niceMax(Math.max(1, ...totals) * 1.05), pw = W - left - right, step = pw / Math.max(1, n);
  yAxis(svg, left, W - right, top, ph, vmax, "条数");
  const bw = Math.max(2, Math.min(46, step * 0.72));
  d.x.forEach((key, i) => {
    let y = top + ph;
    const x = left + i * step + (step - bw) / 2, dimX = sel.x && sel.x.length && !sel.x.includes(key);
    for (const s of d.series) {
      const v = s.values[i];
      if (v <= 0) continue;
      const h = (ph * v) / vmax;
      y -= h;
      const dim = dimX || (sel.series && sel.series.length && !sel.series.includes(s.key));
      bar(svg, { x, y, width: bw, height: h, fill: s.color }, `${d.x_labels[i]} ${s.label}：${fmt(v)} 条 — 点击筛选`,
        () => pick({ x: key, series: s.key }), `fc-bar${dim ? " fc-dim" : ""}`).dataset.key = key;
    }
    if (totals[i] === 0) mk("line", { x1: x, x2: x + bw, y1: top + ph - 0.5, y2: top + ph - 0.5, class: "fc-zero" }, svg);
  });
  // month labels: every k-th one, k chosen so that labels never overlap
  const lw = Math.max(...d.x_labels.map((s) => measure(s, 11)), 1) + 8, every = Math.max(1, Math.ceil(lw / step));
  d.x_labels.forEach((s, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    if (i === n - 1 && i % every !== 0 && (i % every) * step < lw) return;
    const t = mk("text", { x: left + i * step + step / 2, y: top + ph + 16, "text-anchor": "middle", class: "fc-tick fc-hit" }, svg, s);
    t.addEventListener("click", () => pick({ x: d.x[i] }));
  });
  return legend(svg, W, d.series, top + ph + 44, measure, pick) + 6;
}

function heatmap(svg, W, d, sel, pick, measure) {
  const top = 62, rowH = 28, totalW = 64;
  const left = Math.min(Math.max(120, W * 0.28), 300), nc = d.cols.length;
  const cw = (W - left - totalW - 8) / Math.max(1, nc);
  d.cols.forEach((c, j) => {
    const t = mk("text", { x: left + j * cw + cw / 2, y: top - 10, "text-anchor": "middle", class: "fc-label fc-hit", fill: c.color }, svg, c.label);
    t.addEventListener("click", () => pick({ col: c.key }));
  });
  mk("text", { x: left + nc * cw + totalW / 2, y: top - 10, "text-anchor": "middle", class: "fc-label" }, svg, "合计");
  const clip = (s) => {
    if (measure(s, 12) <= left - 12) return s;
    let t = s;
    while (t.length > 1 && measure(t + "…", 12) > left - 12) t = t.slice(0, -1);
    return t + "…";
  };
  d.rows.forEach((r, i) => {
    const y = top + i * rowH;
    const lab = mk("text", { x: left - 8, y: y + rowH / 2 + 4, "text-anchor": "end", class: "fc-label fc-hit" }, svg, clip(r.label));
    mk("title", {}, lab, r.label);
    lab.addEventListener("click", () => pick({ row: r.key }));
    d.cols.forEach((c, j) => {
      const n = d.counts[i][j], s = d.shares[i][j];
      const on = sel.row === r.key && sel.col === c.key;
      const g = bar(svg, { x: left + j * cw + 1, y: y + 1, width: cw - 2, height: rowH - 2, class: on ? "fc-cell fc-on" : "fc-cell",
        fill: n ? `rgba(76,120,168,${(0.08 + 0.62 * s).toFixed(2)})` : "transparent" },
        `${r.label} × ${c.label}：${fmt(n)} 条（主题内 ${(100 * s).toFixed(0)}%）— 点击查看投诉`, () => pick({ row: r.key, col: c.key }), "fc-cellg");
      g.dataset.row = r.key;
      g.dataset.col = c.key;
      mk("text", { x: left + j * cw + cw / 2, y: y + rowH / 2 + 4, "text-anchor": "middle", class: "fc-cellnum" }, g,
        n ? `${fmt(n)} (${Math.round(100 * s)}%)` : "·");
    });
    mk("text", { x: left + nc * cw + totalW / 2, y: y + rowH / 2 + 4, "text-anchor": "middle", class: "fc-value" }, svg, fmt(d.row_totals[i]));
  });
  const yb = top + d.rows.length * rowH;
  mk("line", { x1: 8, x2: W - 4, y1: yb, y2: yb, class: "fc-axis" }, svg);
  mk("text", { x: left - 8, y: yb + 18, "text-anchor": "end", class: "fc-label" }, svg, "合计");
  d.cols.forEach((c, j) => mk("text", { x: left + j * cw + cw / 2, y: yb + 18, "text-anchor": "middle", class: "fc-value" }, svg, fmt(d.col_totals[j])));
  mk("text", { x: left + nc * cw + totalW / 2, y: yb + 18, "text-anchor": "middle", class: "fc-value" }, svg, fmt(d.total));
  return yb + 30;
}

function hbar(svg, W, d, sel, pick, measure) {
  const top = 40, rowH = 22, left = Math.min(Math.max(...d.labels.map((s) => measure(s, 12)), 40) + 16, W * 0.4), right = 60;
  const vmax = Math.max(...d.values, 1e-9);
  d.values.forEach((v, i) => {
    const y = top + i * rowH, w = ((W - left - right) * Math.max(v, 0)) / vmax;
    mk("text", { x: left - 8, y: y + 15, "text-anchor": "end", class: "fc-label" }, svg, d.labels[i]);
    bar(svg, { x: left, y: y + 3, width: Math.max(1, w), height: rowH - 6, fill: d.colors ? d.colors[i] : "#4C78A8", rx: 2 },
      `${d.labels[i]}：${d.texts ? d.texts[i] : fmt(v)}`, () => pick({ x: d.keys ? d.keys[i] : d.labels[i] }), "fc-bar");
    mk("text", { x: left + w + 5, y: y + 15, class: "fc-tick" }, svg, d.texts ? d.texts[i] : fmt(v));
  });
  return top + d.values.length * rowH + 8;
}

const KINDS = { pareto, stacked, heatmap, hbar };

function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "fc-box";
  el.appendChild(box);
  const pick = (what) => { model.set("clicked", { ...what, _click: Date.now() }); model.save_changes(); };
  function draw() {
    const W = Math.max(320, Math.min(box.clientWidth || 640, model.get("max_width") || 2000));
    const d = model.get("data") || {}, kind = model.get("kind"), empty = model.get("empty");
    const svg = mk("svg", { width: W, height: 100, class: `fc-svg fc-${kind}`, role: "img" });
    box.replaceChildren(svg);  // attached first: text is measured in the page's font
    mk("text", { x: 8, y: 20, class: "fc-title" }, svg, model.get("title"));
    if (model.get("subtitle")) mk("text", { x: 8, y: 38, class: "fc-sub" }, svg, model.get("subtitle"));
    const size = (d.values || d.x || d.rows || []).length;
    if (empty || !size) {
      mk("text", { x: W / 2, y: 70, "text-anchor": "middle", class: "fc-empty" }, svg, empty || "没有数据");
      return;
    }
    const H = KINDS[kind](svg, W, d, model.get("selected") || {}, pick, measurer(svg));
    svg.setAttribute("height", H);
  }
  let last = 0;
  const ro = new ResizeObserver(() => { const w = box.clientWidth; if (Math.abs(w - last) > 2) { last = w; draw(); } });
  ro.observe(box);
  for (const k of ["data", "kind", "title", "subtitle", "selected", "empty"]) model.on(`change:${k}`, draw);
  draw();
  return () => ro.disconnect();
}

export default { render };
