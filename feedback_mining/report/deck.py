"""The PowerPoint deck for the management meeting.

>>> write_deck("out/deck.pptx", df, pngs, takeaways, "客户投诉根因分析", "期间 …", themes, high, recovery, "text")
"""
from __future__ import annotations

import io as _io
from pathlib import Path

import pandas as pd

from ..data.write import atomic_write
from ..models.taxonomy import load_taxonomy
from ..text.privacy import mask_pii
from .style import CHART_TITLES

__all__ = ["write_deck", "add_new_themes_slide", "new_themes_lines"]


def write_deck(path: Path, df: pd.DataFrame, pngs: dict[str, bytes], notes: dict[str, str], title: str, subtitle: str,
          themes: pd.DataFrame | None, high: pd.DataFrame | None, recovery, text_col: str,
          changes: pd.DataFrame | None = None, period: str = "month") -> None:
    """The deck: title, high-risk complaints, one slide per chart, 「本月新增/上升最快的问题」 when
    ``changes`` (:func:`~feedback_mining.analysis.theme_changes` output) is given, themes, response times."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    blank, title_layout = prs.slide_layouts[6], prs.slide_layouts[0]
    method = ("方法：每条投诉按五大差距（理解、程序、行为、促销、感受）归因，模型为字 n-gram TF-IDF + 线索特征的线性分类器，"
              "概率经校准；低置信度标为需复核。主题由多项式混合模型（每条投诉一个主题）聚类、类别 TF-IDF 命名。个人信息已脱敏。")

    def add_text(slide, text, left, top, width, height, size=18, bold=False, color=(0x22, 0x22, 0x22)):
        box = slide.shapes.add_textbox(left, top, width, height)
        tf = box.text_frame
        tf.word_wrap = True
        lines = text if isinstance(text, list) else [text]
        for i, line in enumerate(lines):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.text = line
            p.font.size = Pt(size)
            p.font.bold = bold
            p.font.color.rgb = RGBColor(*color)
        return box

    def titled(title_text: str, takeaway: str | None = None):
        s = prs.slides.add_slide(blank)
        add_text(s, title_text, Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.8), size=28, bold=True)
        if takeaway:
            add_text(s, takeaway, Inches(0.5), Inches(1.05), Inches(12.3), Inches(0.6), size=18, color=(0xC0, 0x39, 0x2B))
        s.notes_slide.notes_text_frame.text = method
        return s

    s = prs.slides.add_slide(title_layout)
    s.shapes.title.text = title
    s.placeholders[1].text = subtitle
    s.notes_slide.notes_text_frame.text = method

    if high is not None:
        s = titled("高升级风险投诉（优先处理）", f"共 {len(high)} 条：媒体、监管、法律、社交平台、集体维权或安全隐患")
        rows = high.head(8)
        lines = [f"• [{r.get('gap_zh', '')}] {mask_pii(str(r[text_col]))[:70]}  —— {r.get('escalation_reasons', '')}" for _, r in rows.iterrows()]
        add_text(s, lines or ["本期没有高风险投诉"], Inches(0.6), Inches(1.8), Inches(12.1), Inches(5.3), size=14)

    for name, png in pngs.items():
        if name == "new_themes" and changes is not None:  # its own slide: the chart beside the lines
            add_new_themes_slide(prs, changes, png, period).notes_slide.notes_text_frame.text += "\n" + method
            continue
        s = titled(CHART_TITLES.get(name, name), notes.get(name))
        pic = s.shapes.add_picture(_io.BytesIO(png), Inches(0.6), Inches(1.75), height=Inches(5.5))
        if pic.width > Inches(12.1):
            ratio = Inches(12.1) / pic.width
            pic.width, pic.height = Inches(12.1), Emu(int(pic.height * ratio))
        pic.left = int((prs.slide_width - pic.width) / 2)

    if themes is not None and len(themes):
        s = titled("主要主题与代表性投诉", notes.get("top_themes"))
        lines = []
        tax = load_taxonomy()
        for _, r in themes.head(5).iterrows():
            lines.append(f"■ {r['theme_name']}（{r['size']} 条，主要根因：{tax.zh(r['dominant_gap']) or '—'}）")
            for rep in str(r["representatives"]).split("\n")[:2]:
                lines.append(f"    “{rep[:80]}”")
        add_text(s, lines, Inches(0.6), Inches(1.8), Inches(12.1), Inches(5.4), size=13)

    if recovery is not None and recovery.by_gap is not None:
        s = titled("24 小时内响应率（按根因）", f"整体 24 小时内响应 {recovery.overall['within_24h']:.0%}，中位响应 {recovery.overall['median_hours']:.1f} 小时")
        tax = load_taxonomy()
        lines = [f"• {tax.zh(g) or g}：24h 内 {r['within_24h']:.0%}，12h 内 {r['within_12h']:.0%}，中位 {r['median_hours']:.1f} 小时（{int(r['complaints'])} 条）"
                 for g, r in recovery.by_gap.iterrows()]
        add_text(s, lines, Inches(0.6), Inches(1.8), Inches(12.1), Inches(5.3), size=16)

    with atomic_write(path, "wb") as fh:
        prs.save(fh)


def new_themes_lines(changes: pd.DataFrame, top: int = 6) -> tuple[str, list[str]]:
    """The takeaway and one line per new or rising theme, for the slide 「本月新增/上升最快的问题」.

    >>> new_themes_lines(theme_changes(df))[0]
    '本期新增 1 个问题：「充电桩 / 扫码扣费」（8 条）；占比上升最快：「送餐超时」（+6.3 个百分点）'
    """
    new = changes[changes["status"] == "new"]
    rising = changes[changes["status"] == "rising"]
    parts = []
    if len(new):
        parts.append(f"本期新增 {len(new)} 个问题：「{mask_pii(str(new['theme_name'].iat[0]))}」（{int(new['count_last'].iat[0])} 条）")
    if len(rising):
        parts.append(f"占比上升最快：「{mask_pii(str(rising['theme_name'].iat[0]))}」（{rising['share_change_pp'].iat[0]:+.1f} 个百分点）")
    lines = []
    for _, r in pd.concat([new, rising]).head(top).iterrows():
        name = mask_pii(str(r["theme_name"]))
        if r["status"] == "new":
            lines.append(f"■ 新增「{name}」：本期 {int(r['count_last'])} 条（{r['share_last']:.0%}），上期 {int(r['count_previous'])} 条")
        else:
            lines.append(f"▲ 上升「{name}」：占比 {r['share_previous']:.0%} → {r['share_last']:.0%}（{r['share_change_pp']:+.1f} 个百分点）")
    return "；".join(parts) or "本期没有新增或明显上升的问题", lines


def add_new_themes_slide(prs, changes: pd.DataFrame, png: bytes | None = None, period: str = "month", top: int = 6):
    """Add the slide 「本月新增/上升最快的问题」 to the presentation ``prs``; returns the slide.

    ``changes`` is :func:`feedback_mining.analysis.theme_changes` output and ``png`` the chart
    :func:`feedback_mining.report.charts.new_themes` as PNG bytes (optional: without it the
    lines take the whole slide).
    """
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    slide = prs.slides.add_slide(prs.slide_layouts[6])
    width = prs.slide_width

    def text(lines, left, top_, w, h, size, color=(0x22, 0x22, 0x22), bold=False):
        frame = slide.shapes.add_textbox(left, top_, w, h).text_frame
        frame.word_wrap = True
        for i, line in enumerate(lines):
            p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            p.text = line
            p.font.size, p.font.bold, p.font.color.rgb = Pt(size), bold, RGBColor(*color)

    takeaway, lines = new_themes_lines(changes, top)
    text([f"本{'月' if period == 'month' else '周'}新增/上升最快的问题"], Inches(0.5), Inches(0.3), width - Inches(1), Inches(0.8), 28, bold=True)
    text([takeaway], Inches(0.5), Inches(1.05), width - Inches(1), Inches(0.6), 16, color=(0xC0, 0x39, 0x2B))
    left_text = Inches(0.6)
    if png:
        pic = slide.shapes.add_picture(_io.BytesIO(png), Inches(0.5), Inches(1.8), width=int(width * 0.6))
        if pic.height > Inches(5.4):
            ratio = Inches(5.4) / pic.height
            pic.width, pic.height = Emu(int(pic.width * ratio)), Inches(5.4)
        left_text = pic.left + pic.width + Inches(0.3)
    text(lines or ["—"], left_text, Inches(1.9), width - left_text - Inches(0.4), Inches(5.0), 14)
    slide.notes_slide.notes_text_frame.text = (
        f"新增：上期之前的投诉拟合的主题模型解释不了本期该主题的多数投诉（{changes.attrs.get('novel_complaints', 0)} 条本期投诉"
        "低于以往 95% 投诉的拟合度）；上升：占当期投诉的比例比上期增加。")
    return slide
