"""The PowerPoint deck for the management meeting: one small function per slide.

:data:`SLIDES` lists the slide functions in order; each takes the :class:`~.slides.Deck` and the
:class:`DeckData` and adds zero or more slides. Adding a slide is writing one function and adding
it to the list.

>>> write_deck("out/deck.pptx", DeckData(view=df, text_col="text", title="客户投诉根因分析", ...))
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from ..analysis import parse_dates
from ..data.columns import find_date_column, find_segment_column
from ..models.escalation import describe_evidence, evidence_categories
from ..models.taxonomy import load_taxonomy
from .slides import ACCENT, BODY, GREY, MARGIN, SLIDE_W, Box, Deck, Para
from .style import CHART_TITLES, demand_names, quote

__all__ = ["DeckData", "SLIDES", "write_deck", "new_themes_lines"]

METHOD = ("方法：每条投诉按五大差距（理解、程序、行为、促销、感受）归因，模型为字 n-gram TF-IDF + 线索特征的线性分类器，"
          "概率经校准，低置信度标为需人工复核；升级风险与诉求由规则识别（读取否定、设想、已作罢等语气）。主题由多项式混合模型聚类、"
          "类别 TF-IDF 命名。少于 30 条的组不比较占比。")


@dataclass
class DeckData:
    """Everything the slides show, computed once by :func:`~.export.build_report` (already masked)."""
    view: pd.DataFrame
    text_col: str
    title: str
    subtitle: str
    notes: dict[str, str] = field(default_factory=dict)
    pngs: dict[str, bytes] = field(default_factory=dict)
    themes: pd.DataFrame | None = None
    recovery: object = None
    actions: list[dict[str, str]] = field(default_factory=list)
    data_note: str = ""
    masked: bool = True
    changes: pd.DataFrame | None = None  # analysis.theme_changes: new and rising themes
    period: str = "month"


def title_slide(deck: Deck, data: DeckData) -> None:
    s = deck.blank()
    deck.rectangle(s, Box(MARGIN, 2.25, 0.12, 2.1), ACCENT)
    left, width = MARGIN + 0.35, SLIDE_W - 2 * MARGIN - 0.35
    deck.text(s, [Para(data.title, bold=True, space_after=0)], Box(left, 2.15, width, 1.05), size=40, min_size=28)
    deck.text(s, [Para(data.subtitle, color=GREY, space_after=0)], Box(left, 3.25, width, 0.6), size=20, min_size=14)
    if data.data_note:
        deck.text(s, [Para(data.data_note, color=ACCENT, space_after=0)], Box(left, 3.9, width, 0.9), size=18, min_size=13)
    privacy = "个人信息（手机号、身份证号、邮箱、银行卡号、车牌）已脱敏" if data.masked else "未脱敏：含个人信息，仅限内部使用"
    deck.text(s, [Para(privacy, scale=1, color=GREY, space_after=0)], Box(left, 6.3, width, 0.45), size=12, min_size=10)


def summary_slide(deck: Deck, data: DeckData) -> None:
    keys = ("gap_pareto", "gap_trend", "gap_heatmap", "top_themes", "risk_review")
    lines = [Para(f"• {data.notes[k]}") for k in keys if data.notes.get(k)]
    if not lines:
        return
    s = deck.slide("本期要点", data.data_note.split("（")[0] or None)  # the short form; the title slide has it all
    deck.text(s, lines, BODY, size=20, min_size=14)


def high_risk_slide(deck: Deck, data: DeckData) -> None:
    df = data.view
    if "escalation_risk" not in df.columns:
        return
    high = df[df["escalation_risk"].astype(str) == "high"]
    date_col = find_date_column(high)
    if date_col is not None and len(high):
        high = high.assign(_when=parse_dates(high[date_col])).sort_values("_when", ascending=False)
    cats = pd.Series([c for r in high.get("escalation_reasons", pd.Series(dtype=str)) for c in evidence_categories(str(r))], dtype=object)
    top = "、".join(f"{c} {n} 条" for c, n in cats.value_counts().head(4).items())
    s = deck.slide("高升级风险投诉（优先处理）", f"共 {len(high)} 条，24 小时内专人跟进" + (f"；涉及{top}" if top else ""))
    if high.empty:
        deck.text(s, ["本期没有高升级风险投诉。"], BODY, size=20)
        return
    seg = find_segment_column(df)
    paras: list[Para] = []
    for i, (_, r) in enumerate(high.head(6).iterrows(), start=1):
        tags = [str(r.get("gap_zh", "") or "")] + ([str(r[seg])] if seg else []) + ([str(r[date_col])[:10]] if date_col else [])
        paras.append(Para(f"{i}. 〔{'｜'.join(t for t in tags if t)}〕{quote(r[data.text_col], 64)}", space_after=0.1, group=i))
        detail = f"提到：{describe_evidence(str(r.get('escalation_reasons', '')))}"
        demands = demand_names(str(r.get("customer_demand", "")).replace("other", ""))
        if demands:
            detail += f"｜诉求：{demands}"
        paras.append(Para(detail, scale=0.82, color=GREY, space_after=0.5, group=i))
    rest = "…另有 {n} 条未列出" if len(high) <= 6 else f"…另有 {{n}} 条未列出；全部 {len(high)} 条见 summary.xlsx「高风险投诉」"
    if len(high) > 6:
        paras.append(Para(f"…其余 {len(high) - 6} 条见 summary.xlsx「高风险投诉」", scale=0.85, color=GREY, space_after=0))
    deck.text(s, paras, BODY, size=16, min_size=13, more=rest)


def chart_slides(deck: Deck, data: DeckData) -> None:
    """One slide per chart, in the order they were drawn, each with its takeaway."""
    for name, png in data.pngs.items():
        if name == "new_themes" and data.changes is not None:
            new_themes_slide(deck, data)  # the chart beside one line per theme
            continue
        s = deck.slide(CHART_TITLES.get(name, name), data.notes.get(name))
        deck.picture(s, png, BODY)


def new_themes_lines(changes: pd.DataFrame, top: int = 6) -> tuple[str, list[str]]:
    """The takeaway and one line per new or rising theme, for the slide 「本月新增/上升最快的问题」.

    >>> new_themes_lines(theme_changes(df))[0]
    '本期新增 1 个问题：「充电桩 / 扫码扣费」（8 条）；占比上升最快：「送餐超时」（+6.3 个百分点）'
    """
    new = changes[changes["status"] == "new"]
    rising = changes[changes["status"] == "rising"]
    parts = []
    if len(new):
        parts.append(f"本期新增 {len(new)} 个问题：「{new['theme_name'].iat[0]}」（{int(new['count_last'].iat[0])} 条）")
    if len(rising):
        parts.append(f"占比上升最快：「{rising['theme_name'].iat[0]}」（{rising['share_change_pp'].iat[0]:+.1f} 个百分点）")
    lines = []
    for _, r in pd.concat([new, rising]).head(top).iterrows():
        if r["status"] == "new":
            lines.append(f"■ 新增「{r['theme_name']}」：本期 {int(r['count_last'])} 条（{r['share_last']:.0%}），上期 {int(r['count_previous'])} 条")
        else:
            lines.append(f"▲ 上升「{r['theme_name']}」：占比 {r['share_previous']:.0%} → {r['share_last']:.0%}（{r['share_change_pp']:+.1f} 个百分点）")
    return "；".join(parts) or "本期没有新增或明显上升的问题", lines


def new_themes_slide(deck: Deck, data: DeckData) -> None:
    """「本月新增/上升最快的问题」: the chart on the left, one line per new or rising theme on the right."""
    takeaway, lines = new_themes_lines(data.changes)
    s = deck.slide(f"本{'月' if data.period == 'month' else '周'}新增/上升最快的问题", takeaway)
    chart_w = BODY.width * 0.6
    png = data.pngs.get("new_themes")
    if png:
        deck.picture(s, png, Box(BODY.left, BODY.top, chart_w, BODY.height))
    left = BODY.left + (chart_w + 0.3 if png else 0)
    deck.text(s, [Para(line, space_after=0.3) for line in lines] or ["—"], Box(left, BODY.top, BODY.left + BODY.width - left, BODY.height),
              size=16, min_size=11, more="…另有 {n} 个主题未列出")


def themes_slide(deck: Deck, data: DeckData) -> None:
    themes = data.themes
    if themes is None or themes.empty:
        return
    tax = load_taxonomy()
    s = deck.slide("主要主题与代表性投诉", data.notes.get("top_themes"))
    paras: list[Para] = []
    for i, (_, r) in enumerate(themes.head(5).iterrows()):
        gap = tax.zh(r["dominant_gap"]) or "—"
        paras.append(Para(f"■ {r['theme_name']}：{int(r['size'])} 条（{r['share']:.0%}），主要根因 {gap}", bold=True, space_after=0.15, group=i))
        for rep in list(r["representatives"])[:2]:
            paras.append(Para(f"　{quote(rep, 70)}", scale=0.85, color=GREY, space_after=0.15, group=i))
        paras[-1].space_after = 0.6
    deck.text(s, paras, BODY, size=18, min_size=13, more="…另有 {n} 个主题未列出，见 summary.xlsx「主题」")


def recovery_slide(deck: Deck, data: DeckData) -> None:
    rec = data.recovery
    if rec is None or getattr(rec, "by_gap", None) is None:
        return
    tax = load_taxonomy()
    s = deck.slide("24 小时内响应率（按根因）",
                   f"整体 24 小时内响应 {rec.overall['within_24h']:.0%}，中位响应 {rec.overall['median_hours']:.1f} 小时")
    lines = [f"• {tax.zh(g) or g}：24 小时内 {r['within_24h']:.0%}，12 小时内 {r['within_12h']:.0%}，中位 {r['median_hours']:.1f} 小时（{int(r['complaints'])} 条）"
             for g, r in rec.by_gap.iterrows()]
    deck.text(s, lines, BODY, size=18, min_size=12)


def actions_slide(deck: Deck, data: DeckData) -> None:
    if not data.actions:
        return
    s = deck.slide("建议行动", "由本期数据计算：最大的主题 × 根因、新增或上升最快的主题、待回复的高风险投诉")
    height, gap = 1.45, 0.2
    for i, action in enumerate(data.actions[:3]):
        top = BODY.top + i * (height + gap)
        deck.rectangle(s, Box(MARGIN, top, 0.75, height), ACCENT)
        deck.text(s, [Para(str(i + 1), bold=True, color=(0xFF, 0xFF, 0xFF), space_after=0, center=True)], Box(MARGIN, top + 0.3, 0.75, 0.85), size=32, min_size=24)
        deck.text(s, [Para(action["title"], bold=True, space_after=0.2), Para(action["detail"], scale=0.8, color=GREY, space_after=0)],
                  Box(MARGIN + 0.95, top, SLIDE_W - 2 * MARGIN - 0.95, height), size=20, min_size=12)


#: The deck, slide function by slide function (each may add no slide when its data is missing).
SLIDES: list[Callable[[Deck, DeckData], None]] = [
    title_slide,
    summary_slide,
    high_risk_slide,
    chart_slides,
    themes_slide,
    recovery_slide,
    actions_slide,
]


def write_deck(path: str | Path, data: DeckData, slides: list[Callable[[Deck, DeckData], None]] | None = None) -> Path:
    """Build the deck from ``slides`` (default :data:`SLIDES`) and write it atomically."""
    deck = Deck(method=METHOD + ("个人信息已脱敏。" if data.masked else "未脱敏。"),
                footer=f"{data.title}｜{'个人信息已脱敏' if data.masked else '未脱敏'}")
    for make in slides or SLIDES:
        make(deck, data)
    deck.save(path)
    return Path(path)
