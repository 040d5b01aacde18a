"""Colours, names and wording shared by the charts, the SVG charts, the deck, the workbook and
the widgets (no matplotlib).

>>> gap_colors(load_taxonomy())["process"]
'#4C78A8'
>>> quote("客服说三天内回电。结果一周过去了没人联系我，打过去又说记录一下", 20)
'「客服说三天内回电…」'
"""
from __future__ import annotations

import re

from ..models.escalation import DEMANDS
from ..models.taxonomy import Taxonomy, load_taxonomy

__all__ = ["gap_colors", "taxonomy_of", "quote", "strip_placeholders", "demand_names", "RISK_COLORS", "RISK_NAMES", "OTHER_COLORS",
           "CHART_TITLES", "CSS_FONT_STACK", "DECK_FONT", "GAP_ACTIONS", "SEGMENT_NAMES", "MIN_COMPARE"]

#: Colours for labels whose taxonomy entry sets none, in order.
OTHER_COLORS = ("#72B7B2", "#EECA3B", "#9D755D", "#FF9DA6", "#BAB0AC", "#4C78A8", "#F58518", "#54A24B")
#: Chart names → Chinese titles (files are named by the keys); the deck shows them in this order.
CHART_TITLES = {
    "gap_pareto": "投诉根因帕累托图",
    "gap_trend": "各根因投诉趋势",
    "gap_heatmap": "各渠道的根因占比",
    "top_themes": "主要投诉主题",
    "gap_words": "各根因的特征词",
    "risk_review": "升级风险与人工复核",
    "silent_customers": "沉默的不满客户（估算）",
    "new_themes": "本月新增/上升最快的问题",
}
#: Font families for HTML and SVG (the browser picks the first it has; the notebooks ship one).
CSS_FONT_STACK = "'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif"
#: The deck's font: on every office PC in China; LibreOffice and WPS substitute a CJK sans elsewhere.
DECK_FONT = "Microsoft YaHei"
RISK_COLORS = {"none": "#BAB0AC", "watch": "#EECA3B", "high": "#E45756"}
RISK_NAMES = {"high": "高风险", "watch": "关注", "none": "无"}
#: Column names a manager slices by, in Chinese (the heatmap, the workbook).
SEGMENT_NAMES = {"channel": "渠道", "industry": "行业", "store": "门店", "source": "来源"}
#: Fewest complaints per group before a takeaway compares shares between groups or periods
#: (below it the takeaway says 样本不足 instead of naming a winner).
MIN_COMPARE = 30
#: What a manager can do about each gap (the closing slide's recommended actions).
GAP_ACTIONS = {
    "understanding": "回访客户、调研真实需求，调整产品或服务设计",
    "process": "梳理对应流程与规则，砍掉推诿和等待环节",
    "behavior": "对一线人员做服务规范培训，复盘涉事责任人",
    "promotion": "核对宣传与销售承诺口径，写出来的必须兑现",
    "perception": "主动沟通、管理客户预期，跟进体验改进",
}
_QUOTE_ENDS = "。！？!?；;…"
_CLAUSE_ENDS = "，,、：:）)」”"
_PLACEHOLDER = re.compile(r"<(手机号|身份证号|银行卡号|邮箱|电话|车牌)>")


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


def strip_placeholders(text: str) -> str:
    """Text without the masking placeholders (「<手机号>」): they are no words of the customer."""
    return _PLACEHOLDER.sub(" ", text)


def demand_names(codes: object) -> str:
    """``refund|apology`` → 「退款、道歉」."""
    return "、".join(DEMANDS.get(c, (c,))[0] for c in str(codes or "").split("|") if c)


def quote(text: object, limit: int = 60) -> str:
    """A complaint as a quote of at most ``limit`` characters, cut after a sentence (else a
    clause) so that it never stops mid-phrase, with 「…」 when cut.

    >>> quote("房间很吵", 20)
    '「房间很吵」'
    """
    t = " ".join(str(text).split())
    if len(t) <= limit:
        return f"「{t}」"
    head = t[:limit]
    for ends in (_QUOTE_ENDS, _CLAUSE_ENDS):
        cut = max(head.rfind(c) for c in ends)
        if cut >= limit * 0.4:
            head = head[:cut]
            break
    else:
        # One long clause: run on to its end if that comes soon, else cut before a word or a
        # masked placeholder that would be split.
        ends = [i for i, ch in enumerate(t[limit:int(limit * 1.5)], start=limit) if ch in _QUOTE_ENDS + _CLAUSE_ENDS]
        if ends:
            return f"「{t[:ends[0]].rstrip(_QUOTE_ENDS + _CLAUSE_ENDS + ' ')}…」"
        open_at = head.rfind("<")
        if open_at > head.rfind(">"):
            head = head[:open_at]
        head = re.sub(r"[A-Za-z0-9]+$", "", head) or head
    return f"「{head.rstrip(_QUOTE_ENDS + _CLAUSE_ENDS + ' ')}…」"
