"""Root causes: theme × gap crosstab, complaints of a cell, distinctive words, period comparison."""
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
from ..models.taxonomy import Taxonomy, load_taxonomy
from ..report.style import gap_colors
from ..text.privacy import mask_pii
from .base import View, W, require_widgets
from .html import MUTED, esc, gap_badge, masked, nowrap, table_html

__all__ = ["RootCauseView"]


class RootCauseView(View):
    """Where do the gaps come from: theme × gap table, a cell's complaints, distinctive words, month vs month.

    "Click a cell" = pick a theme and a gap; the matching complaints are listed (masked).

    >>> RootCauseView(df)
    """

    def __init__(self, df: pd.DataFrame, text_column: str | None = None, taxonomy: Taxonomy | None = None,
                 max_rows: int = 15):
        require_widgets()
        self.df = df if df.index.is_unique else df.reset_index(drop=True)
        self.text_column = text_column_of(self.df, text_column)
        self.taxonomy = taxonomy or load_taxonomy()
        self.max_rows = int(max_rows)
        ok = has_gap(self.df)
        self.codes = gap_order(self.df.loc[ok, "gap"].astype(str).unique(), self.taxonomy)
        self.colors = gap_colors(self.taxonomy, self.codes)
        self.has_themes = "theme_name" in self.df.columns
        self.counts = crosstab_theme_gap(self.df, taxonomy=self.taxonomy) if self.has_themes else None
        self._words: dict[str, list[tuple[str, float]]] | None = None
        try:
            months = month_labels(self.df)
            self.months = sorted(m for m in months.dropna().unique())
        except UserError:
            self.months = []
        self._build()

    def _build(self) -> None:
        tax = self.taxonomy
        gap_opts = [(f"{tax.zh(c) or c} {c}", c) for c in self.codes]
        self.table = W.HTML(self.crosstab_html())
        themes = list(self.counts.index) if self.counts is not None else []
        self.theme_pick = W.Dropdown(options=[(mask_pii(t)[:30], t) for t in themes] or [("（无主题）", "")],
                                     description="主题", layout=W.Layout(width="340px"), disabled=not themes)
        self.gap_pick = W.Dropdown(options=[("全部根因", "")] + gap_opts, description="根因", layout=W.Layout(width="260px"))
        self.cell_list = W.HTML()
        self.words_gap = W.Dropdown(options=gap_opts, description="根因", layout=W.Layout(width="260px"))
        self.words = W.HTML()
        month_opts = self.months or ["—"]
        self.period_a = W.Dropdown(options=month_opts, value=month_opts[-2] if len(month_opts) > 1 else month_opts[0],
                                   description="对比月", layout=W.Layout(width="200px"), disabled=len(self.months) < 2)
        self.period_b = W.Dropdown(options=month_opts, value=month_opts[-1], description="本月",
                                   layout=W.Layout(width="200px"), disabled=len(self.months) < 2)
        self.compare_by = W.ToggleButtons(options=[("根因", "gap")] + ([("主题", "theme")] if self.has_themes else []),
                                          value="gap", style={"button_width": "70px"})
        self.compare = W.HTML()
        for w in (self.theme_pick, self.gap_pick):
            w.observe(lambda _: self.show_cell(self.theme_pick.value or None, self.gap_pick.value or None), names="value")
        self.words_gap.observe(lambda ch: self.show_words(ch["new"]), names="value")
        for w in (self.period_a, self.period_b, self.compare_by):
            w.observe(lambda _: self.show_comparison(), names="value")
        self.widget = W.VBox([
            W.HTML("<h3 style='margin:4px 0'>根因分析 Root causes</h3><b>主题 × 根因</b>（条数，括号内为该主题内占比）"),
            self.table,
            W.HTML("<b>选一个格子</b>：主题 + 根因 → 投诉列表（已脱敏）"),
            W.HBox([self.theme_pick, self.gap_pick]), self.cell_list,
            W.HTML("<b>各根因的特征词</b>（类别 TF-IDF）"), self.words_gap, self.words,
            W.HTML("<b>两个月对比</b>：哪些根因 / 主题在增长或减少"),
            W.HBox([self.period_a, self.period_b, self.compare_by], layout=W.Layout(align_items="center")),
            self.compare,
        ])
        self.widget.add_class("fm-root-causes")
        if self.has_themes and themes:
            self.show_cell(themes[0], None)
        if self.codes:
            self.show_words(self.codes[0])
        self.show_comparison()

    def crosstab_html(self) -> str:
        """The theme × gap table: count and within-theme share in each cell, totals on the edges."""
        if self.counts is None:
            return f"<p style='color:{MUTED}'>没有主题列 theme_name：先用 cluster.cluster_frame 聚类。</p>"
        tax, counts = self.taxonomy, self.counts
        shares = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
        header = ["主题"] + [f"<span style='color:{self.colors.get(c, '#333')}'>{esc(tax.zh(c) or c)}</span>" for c in counts.columns] + ["合计"]
        rows = []
        for theme, r in counts.iterrows():
            cells = [masked(theme, 30)]
            for c in counts.columns:
                s = shares.at[theme, c]
                bg = f"rgba(76,120,168,{0.08 + 0.6 * s:.2f})" if r[c] else "transparent"
                cells.append(f"<span style='display:block;background:{bg};padding:0 4px'>{int(r[c])} <small>({s:.0%})</small></span>")
            cells.append(f"<b>{int(r.sum())}</b>")
            rows.append(cells)
        total = counts.sum(axis=0)
        rows.append(["<b>合计</b>"] + [f"<b>{int(total[c])}</b> <small>({total[c] / max(total.sum(), 1):.0%})</small>" for c in counts.columns]
                    + [f"<b>{int(total.sum())}</b>"])
        return table_html(header, rows)

    def cell_complaints(self, theme: Any, gap: str | None) -> pd.DataFrame:
        """The complaints of one theme (and gap), most confident first."""
        out = filter_frame(self.df, gaps=[gap] if gap else None, theme=theme, text_column=self.text_column)
        if "gap_confidence" in out.columns:
            out = out.assign(_c=pd.to_numeric(out["gap_confidence"], errors="coerce")).sort_values("_c", ascending=False, kind="stable").drop(columns="_c")
        return out

    def show_cell(self, theme: Any, gap: str | None) -> str:
        if theme is None:
            self.cell_list.value = ""
            return ""
        rows = self.cell_complaints(theme, gap)
        tax = self.taxonomy
        head = f"主题「{masked(theme)}」× {esc(tax.zh(gap) or gap) if gap else '全部根因'}：{len(rows)} 条" + (
            f"，显示前 {self.max_rows} 条" if len(rows) > self.max_rows else "")
        body = [[nowrap(esc(r.get("complaint_id", ""))),
                 nowrap(gap_badge(str(r.get("gap", "")), str(r.get("gap_zh", "")), self.colors)),
                 masked(r[self.text_column], 160)] for _, r in rows.head(self.max_rows).iterrows()]
        self.cell_list.value = f"<div style='margin:4px 0'>{head}</div>" + table_html(["编号", "根因", "投诉内容（已脱敏）"], body)
        return self.cell_list.value

    def distinctive(self) -> dict[str, list[tuple[str, float]]]:
        """Distinctive words per gap (:func:`~feedback_mining.analysis.distinctive_words`), computed once."""
        if self._words is None:
            ok = has_gap(self.df)
            self._words = distinctive_words(self.df.loc[ok, self.text_column].astype(str).tolist(),
                                                   self.df.loc[ok, "gap"].astype(str).tolist(), top=15)
        return self._words

    def show_words(self, gap: str | None) -> str:
        if not gap:
            self.words.value = ""
            return ""
        words = self.distinctive().get(gap, [])
        color = self.colors.get(gap, "#333")
        top = max((s for _, s in words), default=1.0) or 1.0
        items = "".join(
            f"<div style='display:flex;gap:6px;align-items:center;font-size:12.5px;width:270px'>"
            f"<span style='width:100px'>{masked(w)}</span>"
            f"<span style='display:inline-block;height:10px;width:{int(150 * s / top)}px;background:{color}'></span></div>"
            for w, s in words)
        self.words.value = (f"<div style='display:flex;flex-wrap:wrap;max-width:840px'>{items}</div>" if items
                            else f"<p style='color:{MUTED}'>文本太少，没有特征词</p>")
        return self.words.value

    def show_comparison(self) -> str:
        if len(self.months) < 2:
            self.compare.value = f"<p style='color:{MUTED}'>需要至少两个月的带日期投诉才能对比。</p>"
            return self.compare.value
        table = compare_periods(self.df, self.period_a.value, self.period_b.value, by=self.compare_by.value, taxonomy=self.taxonomy)
        a, b = table.attrs["a"], table.attrs["b"]
        colors = {"↑": "#E45756", "↓": "#54A24B", "→": MUTED}
        body = [[masked(r["name"], 30), str(r["count_a"]), str(r["count_b"]), f"{r['change']:+d}", f"{r['share_a']:.1%}",
                 f"{r['share_b']:.1%}",
                 f"<span style='color:{colors[r['direction']]};font-weight:600'>{r['direction']} {r['share_change_pp']:+.1f} 个百分点</span>"]
                for _, r in table.iterrows()]
        head = f"{esc(a)}：{table.attrs['total_a']} 条 → {esc(b)}：{table.attrs['total_b']} 条"
        self.compare.value = f"<div style='margin:4px 0'>{head}</div>" + table_html(
            ["名称", f"{esc(a)} 条数", f"{esc(b)} 条数", "变化", f"{esc(a)} 占比", f"{esc(b)} 占比", "占比变化"], body)
        return self.compare.value

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
        if len(self.months) >= 2:
            a, b, by = self.period_a.value, self.period_b.value, self.compare_by.value
            table = compare_periods(self.df, a, b, by=by, taxonomy=self.taxonomy)
            paths.append(write_table(table.reset_index(), folder / f"compare_{a}_vs_{b}_by_{by}.csv"))
        return paths
