"""Root causes: a clickable theme × gap heatmap, each cell's complaints (paged), distinctive words, months compared."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import (
    compare_periods,
    crosstab_theme_gap,
    distinctive_words,
    filter_frame,
    gap_order,
    has_gap,
    month_labels,
)
from ..data.columns import text_column_of
from ..errors import UserError
from ..labelling.acquisition import proba_columns
from ..models.taxonomy import Taxonomy, load_taxonomy
from ..report.style import gap_colors
from .base import View, W, guarded, require_widgets
from .components import Chart
from .html import MUTED, esc, masked, plain, table_html
from .tables import complaint_grid, detail_html

__all__ = ["RootCauseView"]


class RootCauseView(View):
    """Where do the gaps come from.

    Click a cell of the theme × gap heatmap (or a theme / a gap heading) to list its complaints in
    a sortable, paged grid; click a complaint to read it. Distinctive words per gap; two months
    compared by gap or theme. With ``output_dir`` the tables are written as CSV and the comparison
    file follows the months chosen (rewritten on every change).

    >>> view = RootCauseView(df, output_dir="out/notebooks/root_causes"); view
    >>> view.heatmap.click(row=view.counts.index[0], col="process")     # as a click on that cell
    """

    def __init__(self, df: pd.DataFrame, text_column: str | None = None, taxonomy: Taxonomy | None = None,
                 page_size: int = 15, output_dir: str | os.PathLike | None = None, model: Any = None):
        require_widgets()
        self.df = df if df.index.is_unique else df.reset_index(drop=True)
        self.text_column = text_column_of(self.df, text_column)
        self.taxonomy = taxonomy or load_taxonomy()
        self.model = model
        self.output_dir = Path(output_dir) if output_dir else None
        ok = has_gap(self.df)
        self.codes = gap_order(self.df.loc[ok, "gap"].astype(str).unique(), self.taxonomy)
        self.colors = gap_colors(self.taxonomy, self.codes)
        self.has_themes = "theme_name" in self.df.columns
        self.counts = crosstab_theme_gap(self.df, taxonomy=self.taxonomy) if self.has_themes else None
        self._words: dict[str, list[tuple[str, float]]] | None = None
        self._proba_codes = [c[len("proba_"):] for c in proba_columns(self.df)]
        self.cell: tuple[Any, str | None] | None = None
        self.written: list[Path] = []
        try:
            self.months = sorted(m for m in month_labels(self.df).dropna().unique())
        except UserError:
            self.months = []
        self.page_size = int(page_size)
        self._build()

    # -- widgets
    def _build(self) -> None:
        tax = self.taxonomy
        self.status = W.HTML()
        self.heatmap = Chart(kind="heatmap", title="主题 × 根因（条数，括号内为该主题内占比；点击格子查看投诉）",
                             layout=W.Layout(width="100%"))
        self.heatmap.add_class("fm-heatmap")
        self.heatmap.on_click(guarded(self._on_heatmap, self.status))
        self.cell_title = W.HTML()
        self.cell_title.add_class("fm-cell-title")
        self.cell_grid = complaint_grid(self.df, self.text_column, tax, self.colors, (), self.page_size)
        self.cell_grid.sort = {"key": "conf", "asc": False}
        self.cell_grid.on_select(guarded(self.show_detail, self.status, "打开详情失败"))
        self.detail = W.HTML()
        gap_opts = [(tax.zh(c) or c, c) for c in self.codes]
        self.words_gap = W.ToggleButtons(options=gap_opts, style={"button_width": "88px"}) if gap_opts else W.HTML()
        self.words = Chart(kind="hbar", title="各根因的特征词（类别 TF-IDF）", layout=W.Layout(width="100%"), max_width=760)
        month_opts = self.months or ["—"]
        self.period_a = W.Dropdown(options=month_opts, value=month_opts[-2] if len(month_opts) > 1 else month_opts[0],
                                   description="对比月", style={"description_width": "48px"}, layout=W.Layout(width="190px"),
                                   disabled=len(self.months) < 2)
        self.period_b = W.Dropdown(options=month_opts, value=month_opts[-1], description="本月", style={"description_width": "48px"},
                                   layout=W.Layout(width="190px"), disabled=len(self.months) < 2)
        self.compare_by = W.ToggleButtons(options=[("按根因", "gap")] + ([("按主题", "theme")] if self.has_themes else []),
                                          value="gap", style={"button_width": "72px"})
        self.compare = W.HTML()
        self.export_label = W.HTML()
        self.export_label.add_class("fm-export-label")
        if gap_opts:
            self.words_gap.observe(guarded(lambda ch: self.show_words(ch["new"]), self.status), names="value")
        for w in (self.period_a, self.period_b, self.compare_by):
            w.observe(guarded(lambda _: self.show_comparison(), self.status), names="value")
        themes_note = ("" if self.has_themes else
                       f"<p style='color:{MUTED}'>没有主题列 theme_name：先聚类（cluster_frame / load_classified(themes=True)）。</p>")
        self.widget = W.VBox([
            self.fonts(self._texts_shown()),
            W.HTML("<h3 style='margin:4px 0'>根因分析（Root causes）</h3>" + themes_note), self.status,
            self.heatmap, self.cell_title, self.cell_grid, self.detail,
            W.HTML("<h4 style='margin:12px 0 4px'>各根因的特征词</h4>"), self.words_gap, self.words,
            W.HTML("<h4 style='margin:12px 0 4px'>两个月对比：哪些根因 / 主题在增长或减少</h4>"),
            W.Box([self.period_a, self.period_b, self.compare_by], layout=W.Layout(align_items="center", flex_flow="row wrap", grid_gap="8px")),
            self.compare, self.export_label,
        ], layout=W.Layout(width="100%"))
        self.widget.add_class("fm-root-causes")
        self._draw_heatmap()
        if self.has_themes and self.counts is not None and len(self.counts):
            self.show_cell(self.counts.index[0], None)
        if self.codes:
            self.show_words(self.codes[0])
        self._write_tables()
        self.show_comparison()

    def _texts_shown(self) -> list[object]:
        cols = [c for c in (self.text_column, "theme_name") if c in self.df.columns]
        return [t for c in cols for t in self.df[c].dropna().unique()]

    # -- heatmap and cells
    def _draw_heatmap(self) -> None:
        if self.counts is None or self.counts.empty:
            self.heatmap.empty = "没有主题，无法画主题 × 根因表（no themes）"
            return
        tax, counts = self.taxonomy, self.counts
        shares = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
        self.heatmap.data = {
            "rows": [{"key": str(t), "label": plain(t, 60)} for t in counts.index],
            "cols": [{"key": c, "label": tax.zh(c) or c, "color": self.colors.get(c, "#333")} for c in counts.columns],
            "counts": counts.to_numpy(dtype=int).tolist(), "shares": shares.round(4).to_numpy().tolist(),
            "row_totals": counts.sum(axis=1).astype(int).tolist(), "col_totals": counts.sum(axis=0).astype(int).tolist(),
            "total": int(counts.to_numpy().sum()),
        }

    def _on_heatmap(self, what: dict) -> None:
        self.show_cell(what.get("row"), what.get("col"))

    def cell_complaints(self, theme: Any, gap: str | None) -> pd.DataFrame:
        """The complaints of one theme (None: every theme) and gap (None: every gap), most confident first."""
        out = filter_frame(self.df, gaps=[gap] if gap else None, theme=theme, text_column=self.text_column)
        if "gap_confidence" in out.columns:
            out = out.assign(_c=pd.to_numeric(out["gap_confidence"], errors="coerce")).sort_values(
                "_c", ascending=False, kind="stable").drop(columns="_c")
        return out

    def show_cell(self, theme: Any, gap: str | None) -> str:
        """List the complaints of a heatmap cell (a theme and a gap; either may be None = all) in the grid."""
        if theme is None and gap is None:
            return self.cell_title.value
        rows = self.cell_complaints(theme, gap)
        positions = self.df.index.get_indexer(rows.index)
        self.cell = (theme, gap)
        self.heatmap.selected = {"row": "" if theme is None else str(theme), "col": gap or ""}
        tax = self.taxonomy
        what = (f"主题「{masked(theme)}」" if theme is not None else "全部主题") + " × " + (esc(tax.zh(gap) or gap) if gap else "全部根因")
        self.cell_title.value = (f"<div style='margin:8px 0 4px'><b>{what}：{len(rows)} 条投诉</b>"
                                 f"<span style='color:{MUTED}'>（按置信度排序；点击表头换排序，点击一行查看全文）</span></div>")
        self.cell_grid.show(positions)
        self.detail.value = ""
        return self.cell_title.value

    def show_detail(self, pos: int) -> str:
        self.detail.value = detail_html(self.df.iloc[int(pos)], self.text_column, self.taxonomy, self.colors,
                                        self._proba_codes, self.model)
        return self.detail.value

    # -- words
    def distinctive(self) -> dict[str, list[tuple[str, float]]]:
        """Distinctive words per gap (:func:`~feedback_mining.analysis.distinctive_words`), computed once."""
        if self._words is None:
            ok = has_gap(self.df)
            self._words = distinctive_words(self.df.loc[ok, self.text_column].astype(str).tolist(),
                                            self.df.loc[ok, "gap"].astype(str).tolist(), top=15)
        return self._words

    def show_words(self, gap: str | None) -> dict:
        words = self.distinctive().get(gap, []) if gap else []
        self.words.title = f"{self.taxonomy.zh(gap) or gap}的特征词（类别 TF-IDF）" if gap else "各根因的特征词"
        self.words.data = {"labels": [plain(w) for w, _ in words], "values": [float(s) for _, s in words],
                           "colors": [self.colors.get(gap, "#4C78A8")] * len(words), "texts": [f"{s:.3f}" for _, s in words]}
        self.words.empty = "" if words else "文本太少，没有特征词"
        return self.words.data

    # -- months compared
    def comparison(self) -> pd.DataFrame | None:
        if len(self.months) < 2:
            return None
        return compare_periods(self.df, self.period_a.value, self.period_b.value, by=self.compare_by.value, taxonomy=self.taxonomy)

    def show_comparison(self) -> str:
        table = self.comparison()
        if table is None:
            self.compare.value = f"<p style='color:{MUTED}'>需要至少两个月的带日期投诉才能对比。</p>"
            return self.compare.value
        a, b = table.attrs["a"], table.attrs["b"]
        colors = {"↑": "#E45756", "↓": "#54A24B", "→": MUTED}
        body = [[masked(r["name"], 30), str(r["count_a"]), str(r["count_b"]), f"{r['change']:+d}", f"{r['share_a']:.1%}",
                 f"{r['share_b']:.1%}",
                 f"<span style='color:{colors[r['direction']]};font-weight:600'>{r['direction']} {r['share_change_pp']:+.1f} 个百分点</span>"]
                for _, r in table.iterrows()]
        head = f"{esc(a)}：{table.attrs['total_a']} 条 → {esc(b)}：{table.attrs['total_b']} 条"
        self.compare.value = f"<div style='margin:4px 0'>{head}</div>" + table_html(
            ["名称", f"{esc(a)} 条数", f"{esc(b)} 条数", "变化", f"{esc(a)} 占比", f"{esc(b)} 占比", "占比变化"], body)
        self._write_comparison(table)
        return self.compare.value

    # -- files
    def _write_tables(self) -> None:
        if self.output_dir is not None:
            self.written = self.export(self.output_dir)

    def _write_comparison(self, table: pd.DataFrame) -> None:
        if self.output_dir is None:
            return
        from ..data.write import write_table

        self.output_dir.mkdir(parents=True, exist_ok=True)
        a, b, by = table.attrs["a"], table.attrs["b"], self.compare_by.value
        path = write_table(table.reset_index(), self.output_dir / f"compare_{a}_vs_{b}_by_{by}.csv")
        current = write_table(table.reset_index(), self.output_dir / "compare_current.csv")
        self.export_label.value = (f"<span style='color:{MUTED};font-size:12px'>已写入（跟随所选月份）："
                                   f"<code>{esc(path)}</code>，<code>{esc(current)}</code></span>")

    def export(self, folder: str | os.PathLike) -> list[Path]:
        """Write the theme × gap counts and shares and the current month comparison as CSV (masked)."""
        from ..data.write import write_table

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        if self.counts is not None:
            shares = self.counts.div(self.counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0).round(4)
            paths.append(write_table(self.counts.reset_index(), folder / "theme_x_gap_counts.csv"))
            paths.append(write_table(shares.reset_index(), folder / "theme_x_gap_shares.csv"))
        table = self.comparison()
        if table is not None:
            a, b, by = table.attrs["a"], table.attrs["b"], self.compare_by.value
            paths.append(write_table(table.reset_index(), folder / f"compare_{a}_vs_{b}_by_{by}.csv"))
        return paths
