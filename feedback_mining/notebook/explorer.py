"""The explorer: filter, count, clickable charts, a sortable paged grid, one complaint's detail, export."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import (
    DEMAND_COLUMN,
    ComplaintFilter,
    as_list,
    categorical_columns,
    column_label,
    contiguous_months,
    gap_order,
    value_label,
)
from ..errors import UserError
from ..labelling.acquisition import proba_columns
from ..models.taxonomy import Taxonomy, load_taxonomy
from ..paths import repo_root
from ..report.style import gap_colors
from .base import View, W, guarded, require_widgets
from .components import Chart
from .html import MUTED, esc, plain
from .tables import complaint_grid, detail_html

__all__ = ["Explorer", "PAGE_SIZE"]

#: Rows per page in the explorer's grid.
PAGE_SIZE = 20
_CLEARED = {"gaps": (), "theme": None, "keyword": "", "needs_review_only": False, "escalation_only": False,
            "categories": {}, "date_range": None, "demands": ()}


class Explorer(View):
    """Filter complaints and watch the root-cause mix change; click to drill down.

    Filters: gaps (Chinese names), theme, every category column (渠道 / 行业 / 门店 …), customer
    demand (single values: 退款, 道歉 …), date range, keyword (traditional / full-width queries
    match), needs-review only, high escalation risk only. The count (「显示 N / M 条投诉」), the
    Pareto and the monthly trend (months without complaints shown as zero) and the grid follow every
    change. Click a Pareto bar to keep only that gap (again to clear), a month or a segment of the
    trend to keep that month (and gap), a grid row to open the complaint. The export writes the
    current view.

    >>> ex = Explorer(df, model=model); ex                    # in a notebook
    >>> ex.set_filters(gaps=["process"], keyword="退款")      # one refresh
    >>> ex.pareto.click(x="behavior")                         # as a click on the 行为差距 bar
    >>> ex.export()                                           # [.../complaints-<time>.csv, ....xlsx]
    """

    def __init__(self, df: pd.DataFrame, text_column: str | None = None, model: Any = None,
                 output_dir: str | os.PathLike | None = None, page_size: int = PAGE_SIZE, taxonomy: Taxonomy | None = None):
        require_widgets()
        self.df = df if df.index.is_unique else df.reset_index(drop=True)
        if "gap" not in self.df.columns:
            raise UserError("探索视图需要已分类的投诉（先运行 classify_frame / load_classified）")
        self.filter = ComplaintFilter(self.df, text_column).prepare()
        self.text_column = self.filter.text_column
        self.model = model
        self.taxonomy = taxonomy or (model.taxonomy_ if hasattr(model, "taxonomy_") else load_taxonomy())
        self.output_dir = Path(output_dir) if output_dir else repo_root() / "out" / "notebooks" / "explore"
        self.page_size = int(page_size)
        self.rows = np.arange(len(self.df))
        self.last_timing: dict[str, float] = {}
        self.exported: list[Path] = []
        self._exported_view: tuple[int, str] | None = None
        gaps = self.filter.column("gap")
        self.codes = gap_order([g for g in gaps.unique() if g not in ("", "nan")], self.taxonomy)
        self.colors = gap_colors(self.taxonomy, self.codes)
        self.categories = categorical_columns(self.df, self.text_column)
        self._proba_codes = [c[len("proba_"):] for c in proba_columns(self.df)]
        # integer codes: both charts are counted with np.bincount on the filter mask
        self._gap_codes, gap_uniques = pd.factorize(gaps.to_numpy(dtype=object))
        self._gap_uniques = np.asarray(gap_uniques, dtype=object)
        dates = self.filter.dates
        self._month_codes, self.months = (contiguous_months(dates) if dates is not None
                                          else (np.full(len(self.df), -1), pd.PeriodIndex([], freq="M")))
        self._hold = True
        self._build()
        self._hold = False
        self.refresh()

    # -- widgets
    def _select(self, options: list[tuple[str, str]], description: str, width: str = "250px") -> Any:
        w = W.SelectMultiple(options=options, value=(), rows=min(6, max(2, len(options))), description=description,
                             tooltip="不选 = 全部；按住 Ctrl/⌘ 多选", style={"description_width": "56px"},
                             layout=W.Layout(width=width))
        return w

    def _build(self) -> None:
        df, tax = self.df, self.taxonomy
        n_gap = self.filter.column("gap").value_counts()
        self.gap_filter = self._select([(f"{tax.zh(c) or c} · {int(n_gap.get(c, 0))}", c) for c in self.codes], "根因")
        self.gap_filter.add_class("fm-gap-filter")
        if "theme_name" in df.columns:
            sizes = self.filter.column("theme_name").value_counts()
            opts = [("全部主题", "")] + [(f"{plain(t, 30)}（{n}）", t) for t, n in sizes.items() if t not in ("", "nan")]
        else:
            opts = [("（未聚类，没有主题）", "")]
        self.theme_filter = W.Dropdown(options=opts, value="", description="主题", disabled="theme_name" not in df.columns,
                                       style={"description_width": "56px"}, layout=W.Layout(width="330px"))
        self.keyword = W.Text(value="", placeholder="空格分隔多个词；繁体/全角也可", description="关键词",
                              continuous_update=False, style={"description_width": "56px"}, layout=W.Layout(width="330px"))
        self.review_only = W.Checkbox(value=False, description="只看需复核", indent=False,
                                      disabled="needs_review" not in df.columns, layout=W.Layout(width="auto"))
        self.escalation_only = W.Checkbox(value=False, description="只看高升级风险", indent=False,
                                          disabled="escalation_risk" not in df.columns, layout=W.Layout(width="auto"))
        self.category_filters: dict[str, Any] = {}
        for col in self.categories:
            counts = self.filter.column(col).value_counts()
            values = sorted(v for v in counts.index if v not in ("", "nan"))
            self.category_filters[col] = self._select(
                [(f"{value_label(col, v)} · {int(counts[v])}", v) for v in values], column_label(col), "230px")
        self.demand_filter = None
        if DEMAND_COLUMN in df.columns:
            values, matrix = self.filter.demand_matrix()
            self.demand_filter = self._select([(f"{value_label(DEMAND_COLUMN, v)} · {int(n)}", v)
                                               for v, n in zip(values, matrix.sum(axis=0))], "客户诉求", "230px")
        self._date_options: list[tuple[str, pd.Timestamp]] = []
        self._date_monthly = False
        self.date_slider = None
        if len(self.months):
            d = self.filter.dates.dropna()
            lo, hi = d.min().normalize(), d.max().normalize()
            days = pd.date_range(lo, hi, freq="D")
            self._date_monthly = len(days) > 1000
            days = pd.date_range(lo.to_period("M").to_timestamp(), hi, freq="MS") if self._date_monthly else days
            self._date_options = [(t.strftime("%Y-%m" if self._date_monthly else "%Y-%m-%d"), t) for t in days]
            if len(self._date_options) >= 2:
                self.date_slider = W.SelectionRangeSlider(
                    options=self._date_options, index=(0, len(self._date_options) - 1), description="日期",
                    readout=False, continuous_update=False, style={"description_width": "56px"},
                    layout=W.Layout(width="min(640px, 90%)"))
        self.date_label = W.HTML()
        self.reset_button = W.Button(description="重置筛选", icon="undo", layout=W.Layout(width="auto"))
        self.count_label = W.HTML()
        self.count_label.add_class("fm-count")
        self.timing_label = W.HTML()
        self.status = W.HTML()
        chart_box = W.Layout(flex="1 1 460px", min_width="360px")
        self.pareto = Chart(kind="pareto", title="根因帕累托图（点击柱子筛选）", layout=chart_box)
        self.pareto.add_class("fm-pareto")
        self.trend = Chart(kind="stacked", title="各根因投诉趋势（按月；点击月份或色块筛选）", layout=chart_box)
        self.trend.add_class("fm-trend")
        self.grid = complaint_grid(df, self.text_column, tax, self.colors, self.categories, self.page_size)
        self.detail = W.HTML()
        self.detail.add_class("fm-detail-box")
        self.mask_export = W.Checkbox(value=True, description="脱敏导出（默认）", indent=False, layout=W.Layout(width="auto"))
        self.auto_export = W.Checkbox(value=False, description="跟随筛选自动导出 CSV", indent=False, layout=W.Layout(width="auto"))
        self.export_button = W.Button(description="导出当前视图", icon="download", button_style="primary",
                                      tooltip="CSV + XLSX，内容与当前筛选一致", layout=W.Layout(width="auto"))
        self.export_label = W.HTML()
        self.export_label.add_class("fm-export-label")

        for w in [self.gap_filter, self.theme_filter, self.keyword, self.review_only, self.escalation_only,
                  *self.category_filters.values(), *([self.demand_filter] if self.demand_filter else []),
                  *([self.date_slider] if self.date_slider else [])]:
            w.observe(guarded(self._on_filter, self.status, "筛选失败"), names="value")
        self.reset_button.on_click(guarded(lambda _: self.reset(), self.status))
        self.pareto.on_click(guarded(self.on_chart_click, self.status))
        self.trend.on_click(guarded(self.on_chart_click, self.status))
        self.grid.on_select(guarded(self.show_detail, self.status, "打开详情失败"))
        self.export_button.on_click(guarded(lambda _: self._on_export(), self.export_label, "导出失败"))
        self.auto_export.observe(guarded(lambda _: self._follow_export(), self.export_label, "导出失败"), names="value")

        wrap = W.Layout(flex_flow="row wrap", align_items="flex-start", grid_gap="4px 12px")
        left = W.VBox([self.theme_filter, self.keyword, W.HBox([self.review_only, self.escalation_only])])
        filters = W.Box([self.gap_filter, left, *self.category_filters.values(),
                         *([self.demand_filter] if self.demand_filter else [])], layout=wrap)
        rows = [self.fonts(self._texts_shown()), W.HTML("<h3 style='margin:4px 0'>投诉探索（Explorer）</h3>"), filters]
        if self.date_slider:
            self.date_slider.observe(lambda _: self._show_dates(), names="value")
            self._show_dates()
            rows.append(W.Box([self.date_slider, self.date_label], layout=W.Layout(align_items="center", flex_flow="row wrap")))
        rows += [
            W.Box([self.count_label, self.reset_button, self.timing_label], layout=W.Layout(align_items="center", grid_gap="12px")),
            self.status,
            W.Box([self.pareto, self.trend], layout=W.Layout(flex_flow="row wrap", grid_gap="8px", width="100%")),
            W.HTML(f"<div style='color:{MUTED};font-size:12px;margin-top:4px'>点击一行查看投诉详情；点击表头排序（再点反向）。"
                   "⚑ = 需复核</div>"),
            self.grid, self.detail,
            W.Box([self.mask_export, self.auto_export, self.export_button], layout=W.Layout(align_items="center", grid_gap="12px",
                                                                                           flex_flow="row wrap")),
            self.export_label,
        ]
        self.widget = W.VBox(rows, layout=W.Layout(width="100%"))
        self.widget.add_class("fm-explorer")

    def _texts_shown(self) -> list[object]:
        """Every string the view can show (for the font loader's extra glyphs)."""
        out: list[object] = list(self.filter.raw_text.unique())
        for col in ("theme_name", *self.categories):
            if col in self.df.columns:
                out += list(self.filter.column(col).unique())
        return out

    # -- filters
    def filters(self) -> dict[str, Any]:
        """The current filter values, as keyword arguments for :func:`~feedback_mining.analysis.filter_frame`."""
        out: dict[str, Any] = {
            "gaps": list(self.gap_filter.value) or None,
            "theme": self.theme_filter.value or None,
            "categories": {c: list(w.value) for c, w in self.category_filters.items() if w.value} or None,
            "date_range": None,
            "keyword": self.keyword.value.strip() or None,
            "needs_review_only": bool(self.review_only.value),
            "escalation_only": bool(self.escalation_only.value),
            "demands": list(self.demand_filter.value) if self.demand_filter is not None and self.demand_filter.value else None,
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
                elif key == "demands":
                    if self.demand_filter is None:
                        if as_list(value):
                            raise UserError("没有客户诉求列（customer_demand），无法按诉求筛选")
                        continue
                    self.demand_filter.value = tuple(str(v) for v in as_list(value))
                elif key == "date_range":
                    self._set_dates(value)
                else:
                    raise UserError(f"未知筛选条件 {key!r}（unknown filter）")
        finally:
            self._hold = False
        self.refresh()

    def _set_dates(self, value: tuple[Any, Any] | None) -> None:
        if self.date_slider is None:
            if value is not None:
                raise UserError("没有日期列，无法按日期筛选（no date column）")
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
        self.set_filters(**_CLEARED)

    def _on_filter(self, _change: dict) -> None:
        if not self._hold:
            self.refresh()

    def on_chart_click(self, what: dict) -> None:
        """A click on a chart: a gap bar or legend entry keeps that gap (a second click clears it); a month
        (or one gap's segment of a month) keeps that month (and gap)."""
        gap, month = what.get("series") or (what.get("x") if what.get("x") in self.codes else None), None
        if what.get("x") is not None and what.get("x") not in self.codes:
            month = pd.Period(str(what["x"]), freq="M")
        change: dict[str, Any] = {}
        if gap is not None:
            change["gaps"] = () if tuple(self.gap_filter.value) == (gap,) and month is None else (gap,)
        if month is not None and self.date_slider is not None:
            span = (month.start_time, month.end_time.normalize())
            current = self.filters()["date_range"]
            same = current is not None and pd.Timestamp(current[0]).to_period("M") == month == pd.Timestamp(current[1]).to_period("M")
            change["date_range"] = None if same and gap is None else span
        if change:
            self.set_filters(**change)

    @property
    def view(self) -> pd.DataFrame:
        """The complaints currently shown (all columns of the input)."""
        return self.df.iloc[self.rows]

    # -- refresh
    def refresh(self) -> dict[str, float]:
        """Apply the filters, redraw charts and grid, then update the count; returns the timings in ms.

        The count label changes last, so whenever it shows a new number the charts and the grid
        already belong to it.
        """
        t0 = time.perf_counter()
        mask = self.filter.mask(**self.filters())
        self.rows = np.flatnonzero(mask)
        count = f"<b>显示 {len(self.rows)} / {len(self.df)} 条投诉</b>"
        t1 = time.perf_counter()
        self._draw_charts(mask)
        t2 = time.perf_counter()
        self.grid.show(self.rows)
        self.detail.value = ""
        t3 = time.perf_counter()
        self.count_label.value = count
        self.status.value = ""
        self._follow_export()
        t4 = time.perf_counter()
        self.last_timing = {"filter_ms": (t1 - t0 + t4 - t3) * 1e3, "charts_ms": (t2 - t1) * 1e3,
                            "table_ms": (t3 - t2) * 1e3, "total_ms": (t4 - t0) * 1e3}
        self.timing_label.value = (f"<span style='color:{MUTED};font-size:11px'>筛选 {self.last_timing['filter_ms']:.0f} ms · "
                                   f"图表 {self.last_timing['charts_ms']:.0f} ms · 表格 {self.last_timing['table_ms']:.0f} ms</span>")
        return self.last_timing

    def chart_inputs(self, mask: np.ndarray) -> dict[str, Any]:
        """What the charts show for ``mask``: complaints per gap, and per month × gap for every month of
        the date span (the date filter's, else the data's) with zeros where nothing matched."""
        k = len(self._gap_uniques)
        codes = self._gap_codes[mask]
        per_gap = dict(zip(self._gap_uniques, np.bincount(codes, minlength=k)))
        out: dict[str, Any] = {"gaps": {c: int(per_gap.get(c, 0)) for c in self.codes}}
        if len(self.months):
            months = self._month_codes[mask]
            ok = months >= 0
            cells = np.bincount(months[ok] * k + codes[ok], minlength=len(self.months) * k).reshape(len(self.months), k)
            lo, hi = 0, len(self.months) - 1
            span = self.filters()["date_range"]
            if span is not None:
                first = self.months[0].ordinal
                lo = max(lo, pd.Timestamp(span[0]).to_period("M").ordinal - first)
                hi = min(hi, pd.Timestamp(span[1]).to_period("M").ordinal - first)
            index = {g: j for j, g in enumerate(self._gap_uniques)}
            out["months"] = [str(p) for p in self.months[lo:hi + 1]]
            out["trend"] = {c: cells[lo:hi + 1, index[c]].astype(int).tolist() for c in self.codes}
        return out

    def _draw_charts(self, mask: np.ndarray) -> None:
        data, tax = self.chart_inputs(mask), self.taxonomy
        ranked = sorted(self.codes, key=lambda c: (-data["gaps"][c], self.codes.index(c)))
        ranked = [c for c in ranked if data["gaps"][c] > 0]
        selected = {"x": list(self.gap_filter.value)}
        self.pareto.data = {"keys": ranked, "labels": [tax.zh(c) or c for c in ranked], "sublabels": ranked,
                            "values": [data["gaps"][c] for c in ranked], "colors": [self.colors[c] for c in ranked]}
        self.pareto.selected = selected
        self.pareto.empty = "" if ranked else "没有符合筛选条件的投诉，图表为空（no complaints match the filters）"
        if "months" not in data:
            self.trend.data, self.trend.empty = {}, "没有日期列（created_at / 日期 / 投诉时间 …），不画趋势图"
            return
        self.trend.data = {"x": data["months"], "x_labels": data["months"],
                           "series": [{"key": c, "label": tax.zh(c) or c, "color": self.colors[c], "values": data["trend"][c]}
                                      for c in self.codes]}
        self.trend.selected = {"series": list(self.gap_filter.value)}
        self.trend.empty = "" if any(sum(v) for v in data["trend"].values()) else "筛选范围内没有带日期的投诉"

    # -- details
    def show_detail(self, pos: int | None) -> str:
        """Show one complaint (by row position; None or -1 clears): masked text, probabilities, explanation."""
        if pos is None or int(pos) < 0:
            self.detail.value = ""
            return ""
        self.detail.value = detail_html(self.df.iloc[int(pos)], self.text_column, self.taxonomy, self.colors,
                                        self._proba_codes, self.model)
        return self.detail.value

    # -- export
    def export(self, mask: bool | None = None, folder: str | os.PathLike | None = None) -> list[Path]:
        """Write the current view to ``complaints-<time>.csv`` and ``.xlsx`` (masked by default), with a
        ``.json`` beside them recording the filters and the row count."""
        from ..data.write import write_table

        mask = bool(self.mask_export.value) if mask is None else mask
        folder = Path(folder) if folder else self.output_dir
        folder.mkdir(parents=True, exist_ok=True)
        stem, n = f"complaints-{time.strftime('%Y%m%d-%H%M%S')}", 1
        while any((folder / f"{stem}{ext}").exists() for ext in (".csv", ".xlsx", ".json")):
            n += 1
            stem = f"complaints-{time.strftime('%Y%m%d-%H%M%S')}-{n}"
        view = self.view
        self.exported = [write_table(view, folder / f"{stem}{ext}", mask=mask) for ext in (".csv", ".xlsx")]
        meta = {"rows": len(view), "masked": mask, "filters": {k: v for k, v in self.filters().items() if v}}
        (folder / f"{stem}.json").write_text(json.dumps(meta, ensure_ascii=False, default=str, indent=1), encoding="utf-8")
        self._exported_view = self._view_key()
        return self.exported

    def _view_key(self) -> tuple[int, str]:
        return len(self.rows), json.dumps(self.filters(), default=str, sort_keys=True)

    def _on_export(self) -> None:
        self.export_button.disabled = True
        try:
            paths = self.export()
            self.export_label.value = (f"已导出当前视图 {len(self.rows)} 条{'（已脱敏）' if self.mask_export.value else '（未脱敏！）'}：" +
                                       "，".join(f"<code>{esc(p)}</code>" for p in paths))
        finally:
            self.export_button.disabled = False

    def _follow_export(self) -> None:
        """Keep the export line true to the current view: rewrite ``current_view.csv`` when following the
        filters, else say that the last export holds another view."""
        if self._hold or not hasattr(self, "auto_export"):
            return
        if self.auto_export.value:
            from ..data.write import write_table

            self.output_dir.mkdir(parents=True, exist_ok=True)
            path = write_table(self.view, self.output_dir / "current_view.csv", mask=bool(self.mask_export.value))
            self.export_label.value = f"已自动导出当前视图 {len(self.rows)} 条：<code>{esc(path)}</code>"
        elif self._exported_view is not None and self._exported_view != self._view_key():
            self.export_label.value = (f"<span style='color:#B8860B'>筛选已改变：当前视图 {len(self.rows)} 条，上次导出的是另一视图"
                                       f"（{self._exported_view[0]} 条）。点「导出当前视图」导出新视图。</span>")
        elif not self.exported:
            self.export_label.value = f"<span style='color:{MUTED}'>导出内容 = 当前视图（{len(self.rows)} 条）</span>"
