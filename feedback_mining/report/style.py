"""Colours and names shared by the charts, the SVG charts, the deck and the widgets (no matplotlib).

>>> gap_colors(load_taxonomy())["process"]
'#4C78A8'
"""
from __future__ import annotations

from ..models.taxonomy import Taxonomy, load_taxonomy

__all__ = ["gap_colors", "taxonomy_of", "RISK_COLORS", "OTHER_COLORS", "CHART_TITLES", "CSS_FONT_STACK"]

#: Colours for labels whose taxonomy entry sets none, in order.
OTHER_COLORS = ("#72B7B2", "#EECA3B", "#9D755D", "#FF9DA6", "#BAB0AC", "#4C78A8", "#F58518", "#54A24B")
#: Chart names → Chinese titles (files are named by the keys).
CHART_TITLES = {
    "gap_pareto": "投诉根因帕累托图",
    "gap_trend": "各根因投诉趋势",
    "gap_heatmap": "渠道 × 根因 占比",
    "top_themes": "主要投诉主题",
    "gap_words": "各根因的特征词",
    "risk_review": "升级风险与复核",
    "silent_customers": "沉默的不满客户（估算）",
    "new_themes": "本月新增/上升最快的问题",
}
#: Font families for HTML and SVG (the browser picks the first it has; the notebooks ship one).
CSS_FONT_STACK = "'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif"
RISK_COLORS = {"none": "#BAB0AC", "watch": "#EECA3B", "high": "#E45756"}


def taxonomy_of(taxonomy: Taxonomy | str | None = None) -> Taxonomy:
    """``taxonomy`` itself, or loaded from a path (None: the shipped five gaps)."""
    return taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)


def gap_colors(taxonomy: Taxonomy | str | None = None, codes=None) -> dict[str, str]:
    """A fixed colour per label (the taxonomy's ``color``, else the next of :data:`OTHER_COLORS`),
    the same in every chart and the deck; ``codes`` outside the taxonomy get colours too."""
    tax = taxonomy_of(taxonomy)
    spare = iter(OTHER_COLORS * 8)
    out = {g.code: g.color or next(spare) for g in tax.labels}
    for c in (() if codes is None else codes):
        if c not in out:
            out[c] = next(spare)
    return out
