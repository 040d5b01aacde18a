// DataGrid (feedback_mining.notebook.components.DataGrid): one page of rows sent by Python.
// Click a header → `sort` (Python sorts the whole view); click a row or press ↑/↓ → `selected`;
// the pager buttons set `page`. Cells are plain text (textContent): nothing from the data becomes markup.
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function render({ model, el: root }) {
  const wrap = el("div", "fg-wrap");
  const scroller = el("div", "fg-scroll");
  scroller.tabIndex = 0;
  const pager = el("div", "fg-pager");
  const prev = el("button", "fg-prev jupyter-button", "‹ 上一页");
  const next = el("button", "fg-next jupyter-button", "下一页 ›");
  const info = el("span", "fg-info");
  pager.append(prev, info, next);
  wrap.append(scroller, pager);
  root.appendChild(wrap);

  const setPage = (p) => { model.set("page", p); model.save_changes(); };
  prev.onclick = () => setPage(Math.max(0, model.get("page") - 1));
  next.onclick = () => setPage(Math.min(model.get("pages") - 1, model.get("page") + 1));

  function select(row) {
    model.set("selected", { _rid: row._rid, _click: Date.now() });
    model.save_changes();
  }

  // below NARROW px the optional columns are left out and the complaint text takes their room
  const NARROW = 900;
  function visibleColumns() {
    const all = model.get("columns"), narrow = (wrap.clientWidth || 1000) < NARROW;
    const cols = all.filter((c) => !(narrow && c.optional));
    const used = cols.filter((c) => c.kind !== "text").reduce((a, c) => a + parseFloat(c.width || "0"), 0);
    return cols.map((c) => (c.kind === "text" ? { ...c, width: `${Math.max(20, 100 - used)}%` } : c));
  }

  function draw() {
    const cols = visibleColumns(), rows = model.get("rows"), colors = model.get("colors") || {};
    const sort = model.get("sort") || {}, sel = (model.get("selected") || {})._rid;
    const page = model.get("page"), pages = model.get("pages"), total = model.get("total");
    info.textContent = model.get("caption") || `第 ${page + 1} / ${pages} 页 · 共 ${total} 条`;
    prev.disabled = page <= 0;
    next.disabled = page >= pages - 1;
    pager.style.display = pages > 1 ? "" : "none";
    if (!rows.length) {
      scroller.replaceChildren(el("p", "fg-empty", model.get("empty")));
      return;
    }
    const t = el("table", "fg-table");
    const cg = el("colgroup");
    for (const c of cols) { const e = el("col"); if (c.width) e.style.width = c.width; cg.appendChild(e); }
    t.appendChild(cg);
    const hr = t.createTHead().insertRow();
    for (const c of cols) {
      const h = el("th", c.sortable ? "fg-sortable" : "", c.label);
      h.dataset.col = c.key;
      h.title = c.title || c.label;
      if (sort.key === c.key) h.textContent += sort.asc ? " ▲" : " ▼";
      if (c.sortable) {
        h.onclick = () => {
          const asc = sort.key === c.key ? !sort.asc : c.kind !== "num";
          model.set("sort", { key: c.key, asc });
          model.save_changes();
        };
      }
      hr.appendChild(h);
    }
    const tb = t.createTBody();
    for (const r of rows) {
      const tr = tb.insertRow();
      tr.dataset.rid = r._rid;
      if (r._rid === sel) tr.classList.add("fg-selected");
      for (const c of cols) {
        const td = tr.insertCell();
        const v = r[c.key];
        td.textContent = v === null || v === undefined ? "" : String(v);
        td.className = `fg-${c.kind || "text"}`;
        if (c.kind === "badge" && colors[v]) td.style.color = colors[v];
      }
      tr.onclick = () => select(r);
    }
    const y = scroller.scrollTop;
    scroller.replaceChildren(t);
    scroller.scrollTop = y;
  }

  scroller.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    e.preventDefault();
    e.stopPropagation();  // JupyterLab would move between cells
    const trs = [...scroller.querySelectorAll("tbody tr")];
    const i = trs.findIndex((tr) => tr.classList.contains("fg-selected"));
    const j = Math.max(0, Math.min(trs.length - 1, i + (e.key === "ArrowDown" ? 1 : -1)));
    if (trs[j]) { trs[j].click(); trs[j].scrollIntoView({ block: "nearest" }); }
  });
  for (const k of ["rows", "columns", "selected", "sort", "page", "pages", "total", "caption", "colors"]) {
    model.on(`change:${k}`, draw);
  }
  let narrow = null;
  const ro = new ResizeObserver(() => {
    const now = wrap.clientWidth < NARROW;
    if (now !== narrow) { narrow = now; draw(); }
  });
  ro.observe(wrap);
  draw();
  return () => ro.disconnect();
}

export default { render };
