"""The explorer: filter, count, charts, a paged table, one complaint's detail, export."""
from __future__ import annotations

import os
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import ComplaintFilter, as_bool, as_list, categorical_columns, gap_order
from ..errors import UserError
from ..labelling.acquisition import proba_columns
from ..models.taxonomy import Taxonomy, load_taxonomy
from ..paths import repo_root
from ..report.style import gap_colors
from ..report.svg import render_chart
from ..text.privacy import mask_pii
from .base import View, W, require_widgets
from .html import (
    MUTED,
    esc,
    explanation_html,
    gap_badge,
    masked,
    nowrap,
    proba_bars,
    table_html,
)

__all__ = ["Explorer", "PAGE_SIZE"]

#: Rows per page in the explorer's table.
PAGE_SIZE = 20


class Explorer(View):
    """Filter complaints and watch the root-cause mix change.

    Filters: gaps (Chinese names), theme, every category column (industry / channel / store …),
    date range, keyword (traditional / full-width queries match), needs-review only, high
    escalation risk only. The count label (「显示 N / M 条投诉」), the gap Pareto and trend
    charts and a paged, masked table follow every change; pick a complaint to see its
    probabilities and the model's explanation; export the view to CSV + XLSX in one click.

    >>> ex = Explorer(df, model=model); ex                    # in a notebook
    >>> ex.set_filters(gaps=["process"], keyword="退款")      # one refresh
    >>> ex.count_label.value                                  # '<b>显示 N / 1680 条投诉</b>'
    >>> ex.export()                                           # [.../complaints-<time>.csv, ....xlsx]
    """

    def __init__(self, df: pd.DataFrame, text_column: str | None = None, model: Any = None,
                 output_dir: str | os.PathLike | None = None, page_size: int = PAGE_SIZE, taxonomy: Taxonomy | None = None):
        require_widgets()
        self.df = df if df.index.is_unique else df.reset_index(drop=True)
        if "gap" not in self.df.columns:
            raise UserError("the explorer needs classified complaints (classify.classify_frame)")
        self.filter = ComplaintFilter(self.df, text_column).prepare()
        self.text_column = self.filter.text_column
        self.model = model
        self.taxonomy = taxonomy or (model.taxonomy_ if hasattr(model, "taxonomy_") else load_taxonomy())
        self.output_dir = Path(output_dir) if output_dir else repo_root() / "out" / "notebooks" / "explore"
        self.page_size = int(page_size)
        self.rows = np.arange(len(self.df))
        self.page = 0
        self.last_timing: dict[str, float] = {}
        self.exported: list[Path] = []
        gaps = self.filter.column("gap")
        self.codes = gap_order([g for g in gaps.unique() if g not in ("", "nan")], self.taxonomy)
        self.colors = gap_colors(self.taxonomy, self.codes)
        self.categories = categorical_columns(self.df, self.text_column)
        self._proba_codes = [c[len("proba_"):] for c in proba_columns(self.df)]
        # integer codes: the charts are drawn from counts (np.bincount), cached by those counts
        self._gap_codes, gap_uniques = pd.factorize(gaps.to_numpy(dtype=object))
        self._gap_uniques = np.asarray(gap_uniques, dtype=object)
        self._n_gap_codes = len(gap_uniques)
        dates = self.filter.dates
        self._has_dates = dates is not None and bool(dates.notna().any())
        if self._has_dates:
            self._period_codes, periods = pd.factorize(dates.dt.to_period("M"))
            self._period_starts = periods.to_timestamp().to_numpy()
            self._n_periods = len(periods)
        else:
            self._period_codes, self._period_starts, self._n_periods = None, None, 0
        self._chart_cache: OrderedDict[tuple, tuple[str | None, str]] = OrderedDict()
        self._hold = True
        self._build()
        self._hold = False
        self.refresh()

    # -- widgets
    def _build(self) -> None:
        df, tax = self.df, self.taxonomy
        n_gap = self.filter.column("gap").value_counts()
        self.gap_filter = W.SelectMultiple(
            options=[(f"{tax.zh(c) or c} {c}", c) for c in self.codes], value=(), rows=min(6, max(2, len(self.codes))),
            description="根因", layout=W.Layout(width="260px"))
        self.gap_filter.add_class("fm-gap-filter")
        self.gap_filter.tooltip = "不选 = 全部；按住 Ctrl/⌘ 多选 · " + "，".join(
            f"{tax.zh(c) or c} {int(n_gap.get(c, 0))}" for c in self.codes)
        if "theme_name" in df.columns:
            sizes = self.filter.column("theme_name").value_counts()
            opts = [("全部主题", "")] + [(f"{mask_pii(t)[:30]}（{n}）", t) for t, n in sizes.items() if t not in ("", "nan")]
        else:
            opts = [("（无主题：未聚类）", "")]
        self.theme_filter = W.Dropdown(options=opts, value="", description="主题", layout=W.Layout(width="340px"),
                                       disabled="theme_name" not in df.columns)
        self.keyword = W.Text(value="", placeholder="关键词，空格分隔；繁体/全角也可", description="关键词",
                              continuous_update=False, layout=W.Layout(width="340px"))
        self.review_only = W.Checkbox(value=False, description="只看需复核 needs review", indent=False,
                                      disabled="needs_review" not in df.columns)
        self.escalation_only = W.Checkbox(value=False, description="只看高升级风险 high risk", indent=False,
                                          disabled="escalation_risk" not in df.columns)
        self.category_filters: dict[str, Any] = {}
        for col in self.categories:
            values = sorted(v for v in self.filter.column(col).unique() if v not in ("", "nan"))
            self.category_filters[col] = W.SelectMultiple(
                options=values, value=(), rows=min(5, len(values)), description=col, tooltip="不选 = 全部",
                style={"description_width": "initial"}, layout=W.Layout(width="auto", min_width="200px"))
        self._date_options: list[tuple[str, pd.Timestamp]] = []
        self._date_monthly = False
        self.date_slider = None
        if self._has_dates:
            d = self.filter.dates.dropna()
            lo, hi = d.min().normalize(), d.max().normalize()
            days = pd.date_range(lo, hi, freq="D")
            if len(days) > 1000:
                days = pd.date_range(lo.to_period("M").to_timestamp(), hi, freq="MS")
                self._date_options = [(t.strftime("%Y-%m"), t) for t in days]
                self._date_monthly = True
            else:
                self._date_options = [(t.strftime("%Y-%m-%d"), t) for t in days]
                self._date_monthly = False
            if len(self._date_options) >= 2:
                self.date_slider = W.SelectionRangeSlider(
                    options=self._date_options, index=(0, len(self._date_options) - 1), description="日期",
                    readout=False, continuous_update=False, layout=W.Layout(width="640px"))
        self.date_label = W.HTML()
        self.reset_button = W.Button(description="重置筛选", icon="undo", layout=W.Layout(width="110px"))
        self.count_label = W.HTML()
        self.count_label.add_class("fm-count")
        self.timing_label = W.HTML()
        self.pareto_image = W.HTML(layout=W.Layout(width="100%"))  # SVG charts: redrawn in milliseconds
        self.trend_image = W.HTML(layout=W.Layout(width="100%"))
        self.pareto_note = W.HTML()
        self.trend_note = W.HTML()
        self.table = W.HTML()
        self.prev_button = W.Button(description="上一页", icon="chevron-left", layout=W.Layout(width="100px"))
        self.next_button = W.Button(description="下一页", icon="chevron-right", layout=W.Layout(width="100px"))
        self.page_label = W.HTML()
        self.selector = W.Dropdown(options=[("— 选择一条投诉查看详情 —", -1)], value=-1, description="查看",
                                   layout=W.Layout(width="560px"))
        self.detail = W.HTML()
        self.mask_export = W.Checkbox(value=True, description="脱敏导出（默认）", indent=False)
        self.export_button = W.Button(description="导出 CSV + XLSX", icon="download", button_style="primary",
                                      layout=W.Layout(width="170px"))
        self.export_label = W.HTML()

        for w in [self.gap_filter, self.theme_filter, self.keyword, self.review_only, self.escalation_only,
                  *self.category_filters.values(), *([self.date_slider] if self.date_slider else [])]:
            w.observe(self._on_filter, names="value")
        self.reset_button.on_click(lambda _: self.reset())
        self.prev_button.on_click(lambda _: self.show_page(self.page - 1))
        self.next_button.on_click(lambda _: self.show_page(self.page + 1))
        self.selector.observe(lambda ch: self.show_detail(ch["new"]), names="value")
        self.export_button.on_click(lambda _: self._on_export())

        left = W.VBox([self.theme_filter, self.keyword, W.HBox([self.review_only, self.escalation_only])])
        filters = W.HBox([self.gap_filter, left, *self.category_filters.values()],
                         layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))
        rows = [W.HTML("<h3 style='margin:4px 0'>投诉探索 Explorer</h3>"), filters]
        if self.date_slider:
            self.date_slider.observe(lambda _: self._show_dates(), names="value")
            self._show_dates()
            rows.append(W.HBox([self.date_slider, self.date_label], layout=W.Layout(align_items="center")))
        rows += [
            W.HBox([self.count_label, self.reset_button, self.timing_label], layout=W.Layout(align_items="center")),
            W.HBox([W.VBox([self.pareto_image, self.pareto_note], layout=W.Layout(width="50%")),
                    W.VBox([self.trend_image, self.trend_note], layout=W.Layout(width="50%"))]),
            W.HBox([self.prev_button, self.page_label, self.next_button], layout=W.Layout(align_items="center")),
            self.table,
            self.selector,
            self.detail,
            W.HBox([self.mask_export, self.export_button, self.export_label], layout=W.Layout(align_items="center")),
        ]
        self.widget = W.VBox(rows)
        self.widget.add_class("fm-explorer")

    # -- filters
    def filters(self) -> dict[str, Any]:
        """The current filter values, as keyword arguments for :func:`filter_frame`."""
        out: dict[str, Any] = {
            "gaps": list(self.gap_filter.value) or None,
            "theme": self.theme_filter.value or None,
            "categories": {c: list(w.value) for c, w in self.category_filters.items() if w.value} or None,
            "date_range": None,
            "keyword": self.keyword.value.strip() or None,
            "needs_review_only": bool(self.review_only.value),
            "escalation_only": bool(self.escalation_only.value),
        }
        if self.date_slider is not None and self.date_slider.index != (0, len(self._date_options) - 1):
            lo, hi = self.date_slider.value
            if self._date_monthly:
                hi = (hi + pd.offsets.MonthEnd(0)).normalize()
            out["date_range"] = (lo, hi)
        return out

    def set_filters(self, **filters: Any) -> None:
        """Set several filters at once (one refresh), e.g. ``set_filters(gaps=["process"], keyword="退款")``."""
        self._hold = True
        try:
            for key, value in filters.items():
                if key == "gaps":
                    by_zh = {self.taxonomy.zh(c): c for c in self.codes}
                    self.gap_filter.value = tuple(by_zh.get(str(g), str(g)) for g in as_list(value))
                elif key == "theme":
                    if isinstance(value, (int, np.integer)) and "theme" in self.df.columns:  # a theme id
                        names = self.df.loc[self.filter.column("theme").eq(str(int(value))), "theme_name"]
                        value = str(names.iloc[0]) if len(names) else ""
                    self.theme_filter.value = "" if value is None else value
                elif key == "keyword":
                    self.keyword.value = value or ""
                elif key == "needs_review_only":
                    self.review_only.value = bool(value)
                elif key == "escalation_only":
                    self.escalation_only.value = bool(value)
                elif key == "categories":
                    for col, w in self.category_filters.items():
                        w.value = tuple(str(v) for v in as_list((value or {}).get(col)))
                elif key == "date_range":
                    self._set_dates(value)
                else:
                    raise UserError(f"unknown filter {key!r}")
        finally:
            self._hold = False
        self.refresh()

    def _set_dates(self, value: tuple[Any, Any] | None) -> None:
        if self.date_slider is None:
            if value is not None:
                raise UserError("no date column to filter on")
            return
        stamps = [t for _, t in self._date_options]
        if value is None:
            self.date_slider.index = (0, len(stamps) - 1)
            return
        lo = 0 if value[0] is None else int(np.searchsorted(stamps, pd.Timestamp(value[0]).normalize()))
        hi = len(stamps) - 1 if value[1] is None else int(np.searchsorted(stamps, pd.Timestamp(value[1]).normalize(), side="right")) - 1
        self.date_slider.index = (min(max(lo, 0), len(stamps) - 1), min(max(hi, 0), len(stamps) - 1))

    def _show_dates(self) -> None:
        lo, hi = self.date_slider.index
        first, last = self._date_options[lo][0], self._date_options[hi][0]
        full = (lo, hi) == (0, len(self._date_options) - 1)
        self.date_label.value = f"{first} 至 {last}" + ("（全部）" if full else "")

    def reset(self) -> None:
        """Clear every filter."""
        self.set_filters(gaps=(), theme=None, keyword="", needs_review_only=False, escalation_only=False,
                         categories={}, date_range=None)

    def _on_filter(self, _change: dict) -> None:
        if not self._hold:
            self.refresh()

    @property
    def view(self) -> pd.DataFrame:
        """The complaints currently shown (all columns of the input)."""
        return self.df.iloc[self.rows]

    # -- refresh
    def refresh(self) -> dict[str, float]:
        """Apply the filters, redraw charts and table, then update the count; returns the timings in ms.

        The count label changes last, so whenever it shows a new number the charts and the
        table already belong to it.
        """
        t0 = time.perf_counter()
        mask = self.filter.mask(**self.filters())
        self.rows = np.flatnonzero(mask)
        count = f"<b>显示 {len(self.rows)} / {len(self.df)} 条投诉</b>"
        t1 = time.perf_counter()
        self._draw_charts(mask)
        t2 = time.perf_counter()
        self.show_page(0)
        t3 = time.perf_counter()
        self.count_label.value = count
        t4 = time.perf_counter()
        self.last_timing = {"filter_ms": (t1 - t0 + t4 - t3) * 1e3, "charts_ms": (t2 - t1) * 1e3,
                            "table_ms": (t3 - t2) * 1e3, "total_ms": (t4 - t0) * 1e3}
        self.timing_label.value = (f"<span style='color:{MUTED};font-size:11px'>筛选 {self.last_timing['filter_ms']:.0f} ms · "
                                   f"图表 {self.last_timing['charts_ms']:.0f} ms · 表格 {self.last_timing['table_ms']:.0f} ms</span>")
        return self.last_timing

    def _cached(self, key: tuple) -> tuple[str | None, str] | None:
        hit = self._chart_cache.get(key)
        if hit is not None:
            self._chart_cache.move_to_end(key)
        return hit

    def _remember(self, key: tuple, result: tuple[str | None, str]) -> tuple[str | None, str]:
        self._chart_cache[key] = result
        if len(self._chart_cache) > 64:
            self._chart_cache.popitem(last=False)
        return result

    def chart_inputs(self, mask: np.ndarray) -> dict[str, dict[str, Any]]:
        """What the two charts show for ``mask``: counts per gap, and per month × gap (None: no dates)."""
        codes = self._gap_codes[mask]
        k = self._n_gap_codes
        gap_counts = np.bincount(codes, minlength=k)
        out: dict[str, dict[str, Any]] = {"pareto": {"gaps": self._gap_uniques, "counts": gap_counts}}
        if self._period_codes is not None:
            periods = self._period_codes[mask]
            ok = periods >= 0
            cells = np.bincount(periods[ok] * k + codes[ok], minlength=self._n_periods * k)
            nz = np.flatnonzero(cells)
            out["trend"] = {"gaps": self._gap_uniques[nz % k], "counts": cells[nz],
                            "periods": self._period_starts[nz // k]}
        return out

    def _draw_charts(self, mask: np.ndarray) -> None:
        inputs = self.chart_inputs(mask)
        results = {}
        for name, data in inputs.items():
            key = (name, data["counts"].tobytes(), data.get("periods", np.array([])).tobytes(), data["gaps"].tobytes())
            hit = self._cached(key)
            results[name] = hit if hit is not None else self._remember(key, render_chart(name, data, self.taxonomy))
        self._show_chart(self.pareto_image, self.pareto_note, *results["pareto"])
        if "trend" in results:
            self._show_chart(self.trend_image, self.trend_note, *results["trend"])
        else:
            self._show_chart(self.trend_image, self.trend_note, None, "没有日期列（created_at / 日期 …），不画趋势图")

    @staticmethod
    def _show_chart(image: Any, note: Any, svg: str | None, reason: str) -> None:
        if svg is None:
            image.layout.display = "none"
            note.value = f"<p style='color:{MUTED}'>图表略过：{esc(reason)}</p>"
        else:
            image.value = svg
            image.layout.display = None
            note.value = ""

    # -- table and details
    @property
    def pages(self) -> int:
        return max(1, -(-len(self.rows) // self.page_size))

    def page_rows(self) -> pd.DataFrame:
        """The complaints on the current page."""
        start = self.page * self.page_size
        return self.df.iloc[self.rows[start:start + self.page_size]]

    def show_page(self, page: int) -> None:
        """Show page ``page`` (0-based, clipped) of the current view."""
        self.page = min(max(int(page), 0), self.pages - 1)
        rows = self.page_rows()
        self.page_label.value = f"第 {self.page + 1} / {self.pages} 页（每页 {self.page_size} 条）"
        self.prev_button.disabled = self.page == 0
        self.next_button.disabled = self.page >= self.pages - 1
        self.table.value = self.table_html(rows)
        start = self.page * self.page_size
        opts: list[tuple[str, int]] = [("— 选择一条投诉查看详情 —", -1)]
        for pos, (_, r) in zip(self.rows[start:start + self.page_size], rows.iterrows()):
            opts.append((f"{r.get('complaint_id', pos)} · {r.get('gap_zh', '') or '—'} · {mask_pii(r[self.text_column])[:28]}", int(pos)))
        self.selector.options = opts
        self.selector.value = -1
        self.detail.value = ""

    def table_html(self, rows: pd.DataFrame) -> str:
        df = self.df
        cats = self.categories[:2]
        header = ["编号", "根因", "置信度"] + (["主题"] if "theme_name" in df.columns else []) + cats
        header += (["日期"] if self.filter.date_column else []) + ["风险", "投诉内容（已脱敏）"]
        body = []
        for _, r in rows.iterrows():
            cells = [nowrap(esc(r.get("complaint_id", ""))),
                     nowrap(gap_badge(str(r.get("gap", "")), str(r.get("gap_zh", "")), self.colors))]
            conf = pd.to_numeric(pd.Series([r.get("gap_confidence")]), errors="coerce").iat[0]
            flag = " ⚑" if "needs_review" in df.columns and as_bool(pd.Series([r["needs_review"]]))[0] else ""
            cells.append(nowrap(("" if pd.isna(conf) else f"{conf:.0%}") + flag))
            if "theme_name" in df.columns:
                cells.append(nowrap(masked(r["theme_name"], 16)))
            cells += [nowrap(esc(r[c])) for c in cats]
            if self.filter.date_column:
                cells.append(nowrap(esc(str(r[self.filter.date_column])[:16])))
            risk = str(r.get("escalation_risk", ""))
            cells.append(nowrap({"high": "<span style='color:#E45756;font-weight:600'>高</span>", "watch": "关注"}.get(risk, "")))
            cells.append(masked(r[self.text_column], 140))
            body.append(cells)
        return table_html(header, body)

    def show_detail(self, pos: int | None) -> str:
        """Show one complaint (by row position; None or -1 clears): masked text, gap probabilities, explanation."""
        if pos is None or int(pos) < 0:
            self.detail.value = ""
            return ""
        row = self.df.iloc[int(pos)]
        tax = self.taxonomy
        text = row[self.text_column]
        lines = [f"<div style='border-left:4px solid {self.colors.get(str(row.get('gap', '')), '#ccc')};padding:6px 10px;margin:6px 0'>",
                 f"<div><b>{esc(row.get('complaint_id', ''))}</b> · 根因 {gap_badge(str(row.get('gap', '')), str(row.get('gap_zh', '')), self.colors)}"]
        if "needs_review" in self.df.columns and as_bool(pd.Series([row["needs_review"]]))[0]:
            lines.append(" · <span style='color:#B8860B'>需复核</span>")
        if str(row.get("escalation_risk", "")) == "high":
            lines.append(f" · <span style='color:#E45756'>高升级风险：{masked(row.get('escalation_reasons', ''))}</span>")
        if "theme_name" in self.df.columns:
            lines.append(f" · 主题 {masked(row['theme_name'])}")
        lines.append(f"</div><div style='margin:6px 0;font-size:14px'>{masked(text)}</div>")
        if self._proba_codes:
            lines.append(proba_bars(row, self._proba_codes, tax, self.colors))
        if self.model is not None and isinstance(text, str) and text.strip():
            lines.append(explanation_html(self.model.explain(text), tax))
        lines.append("</div>")
        self.detail.value = "".join(lines)
        return self.detail.value

    # -- export
    def export(self, mask: bool | None = None, folder: str | os.PathLike | None = None) -> list[Path]:
        """Write the current view to ``complaints-<time>.csv`` and ``.xlsx`` (masked by default)."""
        from ..data.write import write_table

        mask = bool(self.mask_export.value) if mask is None else mask
        folder = Path(folder) if folder else self.output_dir
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"complaints-{time.strftime('%Y%m%d-%H%M%S')}"
        n = 1
        while (folder / f"{stem}.csv").exists() or (folder / f"{stem}.xlsx").exists():
            n += 1
            stem = f"complaints-{time.strftime('%Y%m%d-%H%M%S')}-{n}"
        view = self.view
        self.exported = [write_table(view, folder / f"{stem}{ext}", mask=mask) for ext in (".csv", ".xlsx")]
        return self.exported

    def _on_export(self) -> None:
        self.export_button.disabled = True
        try:
            paths = self.export()
            self.export_label.value = (f"已导出 {len(self.rows)} 条{'（已脱敏）' if self.mask_export.value else '（未脱敏！）'}：" +
                                       "，".join(f"<code>{esc(p)}</code>" for p in paths))
        except Exception as exc:  # shown to the analyst, not raised into the event loop
            self.export_label.value = f"<span style='color:#E45756'>导出失败：{esc(exc)}</span>"
        finally:
            self.export_button.disabled = False
