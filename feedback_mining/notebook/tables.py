"""The complaint grid and the complaint detail card that the explorer and the root-cause view share.

>>> grid = complaint_grid(df, "text", taxonomy, colors)
>>> grid.show(np.flatnonzero(mask)); grid.on_select(lambda pos: print(detail_html(df.iloc[pos], ...)))
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..analysis import DEMAND_COLUMN, as_bool, column_label, value_label
from ..data.columns import find_date_column
from ..models.taxonomy import Taxonomy
from .components import DataGrid
from .html import MUTED, esc, explanation_html, gap_badge, masked, plain, proba_bars

__all__ = ["complaint_grid", "detail_html", "demand_text"]

_RISK = {"high": "高", "watch": "关注"}


def demand_text(value: object) -> str:
    """「退款、道歉」 from "refund|apology" (empty for "other" alone)."""
    parts = [p for p in str(value or "").split("|") if p and p not in ("other", "nan")]
    return "、".join(value_label(DEMAND_COLUMN, p) for p in parts)


def complaint_grid(df: pd.DataFrame, text_column: str, taxonomy: Taxonomy, colors: dict[str, str],
                   categories: Sequence[str] = (), page_size: int = 20) -> DataGrid:
    """A :class:`DataGrid` of complaints: id, gap, confidence, theme, up to two categories, date, risk, text.

    Widths are shares of the table; below 900 px the second category and the risk column are left out
    (``optional``), so the complaint text keeps 40–50 % of the width from 1200 to 1920 px.
    """
    date_col = find_date_column(df)
    cats = [c for c in categories if c in df.columns][:2]
    cols: list[dict[str, Any]] = [
        {"key": "id", "label": "编号", "width": "8%", "kind": "code", "sort_by": "complaint_id" if "complaint_id" in df else None},
        {"key": "gap", "label": "根因", "width": "9%", "kind": "badge", "sort_by": "gap_zh" if "gap_zh" in df else None},
        {"key": "conf", "label": "置信度", "width": "7%", "kind": "pct", "title": "置信度（⚑ 需复核）",
         "sort_by": "gap_confidence" if "gap_confidence" in df else None},
    ]
    if "theme_name" in df.columns:
        cols.append({"key": "theme", "label": "主题", "width": "10%", "sort_by": "theme_name"})
    cols += [{"key": f"cat:{c}", "label": column_label(c), "width": "7%", "sort_by": c, "optional": i > 0} for i, c in enumerate(cats)]
    if date_col:
        cols.append({"key": "date", "label": "日期", "width": "12%", "kind": "code", "sort_by": date_col})
    if "escalation_risk" in df.columns:
        cols.append({"key": "risk", "label": "风险", "width": "5%", "sort_by": "escalation_risk", "optional": True})
    used = sum(float(c["width"].rstrip("%")) for c in cols)
    cols.append({"key": "text", "label": "投诉内容（已脱敏）", "width": f"{100 - used:.0f}%", "kind": "text"})
    zh_colors = {taxonomy.zh(c) or c: col for c, col in colors.items()}

    def format_rows(page: pd.DataFrame) -> list[dict]:
        review = as_bool(page["needs_review"]) if "needs_review" in page.columns else np.zeros(len(page), dtype=bool)
        conf = pd.to_numeric(page["gap_confidence"], errors="coerce") if "gap_confidence" in page.columns else None
        out = []
        for i, (_, r) in enumerate(page.iterrows()):
            gap = str(r.get("gap", "") or "")
            cells = {"id": str(r.get("complaint_id", "")), "gap": (taxonomy.zh(gap) or gap) if gap and gap != "nan" else "—",
                     "conf": ("" if conf is None or pd.isna(conf.iat[i]) else f"{conf.iat[i]:.0%}") + (" ⚑" if review[i] else ""),
                     "text": plain(r[text_column], 400)}
            if "theme_name" in page.columns:
                cells["theme"] = plain(r["theme_name"], 40)
            for c in cats:
                cells[f"cat:{c}"] = value_label(c, r[c], short=True)
            if date_col:
                cells["date"] = str(r[date_col])[:10] if pd.notna(r[date_col]) else ""
            if "escalation_risk" in page.columns:
                cells["risk"] = _RISK.get(str(r["escalation_risk"]), "")
            out.append(cells)
        return out

    grid = DataGrid(df, cols, format_rows, page_size=page_size, colors=zh_colors)
    grid.add_class("fm-grid")
    return grid


def detail_html(row: pd.Series, text_column: str, taxonomy: Taxonomy, colors: dict[str, str],
                proba_codes: Sequence[str] = (), model: Any = None) -> str:
    """One complaint: masked text, gap, review flag, risk and its evidence, demand, theme, probabilities
    and (with a model) the words and cue phrases behind the gap."""
    gap = str(row.get("gap", "") or "")
    text = row[text_column]
    head = [f"<b>{esc(row.get('complaint_id', ''))}</b> · 根因 {gap_badge(gap, taxonomy.zh(gap), colors)}"]
    if "needs_review" in row.index and as_bool(pd.Series([row["needs_review"]]))[0]:
        head.append("<span style='color:#B8860B'>⚑ 需复核（模型把握不大）</span>")
    risk = str(row.get("escalation_risk", ""))
    if risk == "high":
        head.append(f"<span style='color:#E45756'>高升级风险：{masked(row.get('escalation_reasons', ''))}</span>")
    elif risk == "watch":
        head.append(f"<span style='color:#B8860B'>需关注：{masked(row.get('escalation_reasons', ''))}</span>")
    demand = demand_text(row.get(DEMAND_COLUMN, ""))
    if demand:
        head.append(f"客户诉求：{esc(demand)}")
    if "theme_name" in row.index:
        head.append(f"主题：{masked(row['theme_name'])}")
    parts = [f"<div class='fm-detail' style='border-left:4px solid {colors.get(gap, '#ccc')};padding:6px 12px;margin:6px 0'>",
             f"<div style='font-size:12.5px;color:{MUTED}'>投诉详情 · " + " · ".join(head) + "</div>",
             f"<div style='margin:8px 0;font-size:14.5px;line-height:1.6'>{masked(text)}</div>"]
    if proba_codes:
        parts.append(proba_bars(row, proba_codes, taxonomy, colors))
    if model is not None and isinstance(text, str) and text.strip():
        parts.append(explanation_html(model.explain(text), taxonomy))
    parts.append("</div>")
    return "".join(parts)
