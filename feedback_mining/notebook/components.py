"""The clickable building blocks of the views (anywidget: small ES modules in ``static/``, no build step).

- :class:`DataGrid`: a page of rows; click a header to sort the whole view, click a row (or ↑/↓) to
  select it, ‹ › to page. Long Chinese text wraps inside fixed column widths.
- :class:`Chart`: inline SVG Pareto, stacked monthly bars, heatmap and horizontal bars; clicking a
  bar, a legend entry or a cell reports what was clicked.
- :class:`KeyPad`: one key per label (1–5, s, u) without Enter; JupyterLab's shortcuts are blocked
  while it has focus.

>>> grid = DataGrid(df, [{"key": "complaint_id", "label": "编号", "width": "10%", "sort_by": "complaint_id"}],
...                 lambda page: [{"complaint_id": c} for c in page["complaint_id"]])
>>> grid.show(np.arange(len(df))); grid.on_select(lambda pos: print(df.iloc[pos]))
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Sequence

import anywidget
import numpy as np
import pandas as pd
import traitlets

__all__ = ["DataGrid", "Chart", "KeyPad", "STATIC"]

STATIC = Path(__file__).parent / "static"


class DataGrid(anywidget.AnyWidget):
    """A sortable, paged table over ``frame``; Python keeps the rows, the browser gets one page.

    ``columns``: dicts with ``key`` (cell name), ``label``, ``width`` (CSS), ``kind`` (text, num, pct,
    badge, code) and ``sort_by`` (a column of ``frame``; none = not sortable). ``format_rows`` turns
    a page of ``frame`` into one dict of display strings per row (masking belongs there).
    """

    _esm = STATIC / "grid.js"
    _css = STATIC / "grid.css"
    columns = traitlets.List(traitlets.Dict()).tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    colors = traitlets.Dict({}).tag(sync=True)
    sort = traitlets.Dict({}).tag(sync=True)
    page = traitlets.Int(0).tag(sync=True)
    pages = traitlets.Int(1).tag(sync=True)
    total = traitlets.Int(0).tag(sync=True)
    caption = traitlets.Unicode("").tag(sync=True)
    empty = traitlets.Unicode("没有符合条件的投诉").tag(sync=True)
    selected = traitlets.Dict({}).tag(sync=True)

    def __init__(self, frame: pd.DataFrame, columns: Sequence[dict], format_rows: Callable[[pd.DataFrame], list[dict]],
                 page_size: int = 20, **kwargs: Any):
        specs = [{**c, "sortable": bool(c.get("sort_by"))} for c in columns]
        super().__init__(columns=specs, **kwargs)
        self.frame = frame
        self.format_rows = format_rows
        self.page_size = int(page_size)
        self.positions = np.arange(0)
        self._sort_cache: dict[str, np.ndarray] = {}
        self._callbacks: list[Callable[[int], None]] = []
        self._hold = False
        self.observe(lambda _: self._resort(), names="sort")
        self.observe(lambda _: self._draw_page(), names="page")
        self.observe(self._on_selected, names="selected")

    # -- rows
    def show(self, positions: np.ndarray) -> None:
        """Show these rows of ``frame`` (positions), in the current sort order, from page 1."""
        self.positions = np.asarray(positions, dtype=np.int64)
        self._resort()

    def _sort_values(self, column: str, numeric: bool) -> np.ndarray:
        key = f"{column}:{numeric}"
        if key not in self._sort_cache:
            s = self.frame[column]
            if numeric:
                values = pd.to_numeric(s, errors="coerce").fillna(-np.inf).to_numpy(dtype=float)
            else:
                values = s.where(s.notna(), "").astype(str).to_numpy(dtype=object)
            self._sort_cache[key] = values
        return self._sort_cache[key]

    def _resort(self) -> None:
        spec = next((c for c in self.columns if c["key"] == self.sort.get("key")), None)
        if spec and spec.get("sort_by") in self.frame.columns and len(self.positions):
            values = self._sort_values(spec["sort_by"], spec.get("kind") in ("num", "pct"))[self.positions]
            order = np.argsort(values, kind="stable")
            if not self.sort.get("asc", True):
                order = order[::-1]
            self.positions = self.positions[order]
        self._hold = True
        try:
            self.total = len(self.positions)
            self.pages = max(1, -(-len(self.positions) // self.page_size))
            self.page = 0
        finally:
            self._hold = False
        self._draw_page()

    def page_positions(self) -> np.ndarray:
        start = self.page * self.page_size
        return self.positions[start:start + self.page_size]

    def _draw_page(self) -> None:
        if self._hold:
            return
        self.page = min(max(self.page, 0), self.pages - 1)
        pos = self.page_positions()
        cells = self.format_rows(self.frame.iloc[pos]) if len(pos) else []
        self.rows = [{**c, "_rid": int(p)} for p, c in zip(pos, cells)]

    # -- selection
    def select(self, position: int) -> None:
        """Select a row as a click would (its position in ``frame``)."""
        self.selected = {"_rid": int(position), "_click": time.time_ns()}

    def on_select(self, callback: Callable[[int], None]) -> None:
        """``callback(position)`` on every row click (also a repeated click on the same row)."""
        self._callbacks.append(callback)

    def _on_selected(self, change: dict) -> None:
        rid = (change["new"] or {}).get("_rid")
        if rid is not None:
            for cb in self._callbacks:
                cb(int(rid))


class Chart(anywidget.AnyWidget):
    """An inline SVG chart whose bars / cells can be clicked.

    ``kind``: ``pareto`` (data: keys, labels, sublabels, values, colors), ``stacked`` (x, x_labels,
    series = [{key, label, color, values}]), ``heatmap`` (rows, cols, counts, shares, row_totals,
    col_totals, total) or ``hbar`` (labels, values, colors, keys, texts). ``empty``: the reason
    shown instead of a chart. ``selected`` highlights keys ({x: [...], series: [...]} or {row, col}).
    """

    _esm = STATIC / "chart.js"
    _css = STATIC / "chart.css"
    kind = traitlets.Unicode("pareto").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    subtitle = traitlets.Unicode("").tag(sync=True)
    data = traitlets.Dict({}).tag(sync=True)
    empty = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Dict({}).tag(sync=True)
    max_width = traitlets.Int(2000).tag(sync=True)
    clicked = traitlets.Dict({}).tag(sync=True)

    def click(self, **what: Any) -> None:
        """Click as the browser would, e.g. ``chart.click(x="process")``."""
        self.clicked = {**what, "_click": time.time_ns()}

    def on_click(self, callback: Callable[[dict], None]) -> None:
        """``callback({"x": …} / {"x": …, "series": …} / {"row": …, "col": …})`` on every click."""
        def handle(change: dict) -> None:
            what = {k: v for k, v in (change["new"] or {}).items() if k != "_click"}
            if what:
                callback(what)
        self.observe(handle, names="clicked")


class KeyPad(anywidget.AnyWidget):
    """A focusable card: while it has focus, each key in ``allowed_keys`` reaches :meth:`on_key` at once."""

    _esm = STATIC / "keypad.js"
    _css = STATIC / "keypad.css"
    # not "keys": that name is ipywidgets' list of synced traits
    allowed_keys = traitlets.List(traitlets.Unicode(), ["1", "2", "3", "4", "5", "s", "u"]).tag(sync=True)
    html = traitlets.Unicode("").tag(sync=True)
    active_hint = traitlets.Unicode("键盘已激活：1–5 标注，s 跳过，u 撤销（Esc 退出）").tag(sync=True)
    inactive_hint = traitlets.Unicode("点击此卡片后直接按键标注：1–5 选根因，s 跳过，u 撤销（无需回车）").tag(sync=True)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._callbacks: list[Callable[[str], None]] = []
        self.on_msg(self._handle)

    def _handle(self, _widget: Any, content: Any, _buffers: Any) -> None:
        key = content.get("key") if isinstance(content, dict) else None
        if key and key in self.allowed_keys:
            for cb in self._callbacks:
                cb(str(key))

    def press(self, key: str) -> None:
        """Deliver a key as the browser does (for scripts and tests)."""
        self._handle(self, {"key": key}, [])

    def on_key(self, callback: Callable[[str], None]) -> None:
        self._callbacks.append(callback)
