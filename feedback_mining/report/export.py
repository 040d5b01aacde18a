"""Management-meeting exports: charts (PNG/SVG/PDF), summary.xlsx, deck.pptx, summary.html and
report.meta.json, all from one masked view of the classified complaints.

>>> build_report(classified_df, "out/2026-10")         # → files written, with takeaways
"""
from __future__ import annotations

import base64
import html
import io as _io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..analysis import period_series, service_recovery, theme_changes, valid_gaps
from ..data.columns import text_column_of
from ..data.write import atomic_write, mask_frame, xml_safe
from ..errors import NotAvailable, UserError
from ..text.privacy import mask_pii
from .charts import all_charts
from .deck import DeckData, write_deck
from .style import CHART_TITLES, CSS_FONT_STACK, MIN_COMPARE
from .takeaways import gap_word_table, recommended_actions, takeaways, themes_summary
from .workbook import recovery_note_zh, report_sheets, write_workbook

__all__ = ["build_report", "ReportResult", "FORMATS"]

FORMATS = ("png", "svg", "pdf", "pptx", "xlsx", "html")


@dataclass
class ReportResult:
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    takeaways: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    actions: list[dict[str, str]] = field(default_factory=list)


def _save_fig(fig, path: Path, fmt: str) -> None:
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format=fmt)


def _png_bytes(fig) -> bytes:
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=160)
    return buf.getvalue()


def _html(path: Path, title: str, subtitle: str, data_note: str, pngs: dict[str, bytes], notes: dict[str, str], sheets, actions) -> None:
    esc = html.escape
    parts = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{esc(title)}</title>",
             f"<style>body{{font-family:{CSS_FONT_STACK};max-width:1100px;margin:2em auto;color:#222}}"
             "h1{margin-bottom:0}h2{margin-top:2em}.take{color:#c0392b;font-size:1.1em}img{max-width:100%}"
             "table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}"
             ".note{color:#777}</style></head><body>",
             f"<h1>{esc(title)}</h1><p>{esc(subtitle)}</p>"]
    if data_note:
        parts.append(f"<p class='take'>{esc(data_note)}</p>")
    for name, png in pngs.items():
        parts.append(f"<h2>{esc(CHART_TITLES.get(name, name))}</h2>")
        if notes.get(name):
            parts.append(f"<p class='take'>{esc(notes[name])}</p>")
        parts.append(f"<img alt='{esc(CHART_TITLES.get(name, name))}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>")
    for sheet in sheets:
        if sheet.name in ("高风险投诉", "主题") and len(sheet.frame):
            parts.append(f"<h2>{esc(sheet.name)}</h2>")
            frame = sheet.frame.head(20)
            parts.append(frame.to_html(index=False, escape=True, formatters={"占比": "{:.0%}".format} if "占比" in frame else None))
    if actions:
        parts.append("<h2>建议行动</h2><ol>" + "".join(f"<li><b>{esc(a['title'])}</b>：{esc(a['detail'])}</li>" for a in actions) + "</ol>")
    parts.append(f"<p class='note'>少于 {MIN_COMPARE} 条的组不比较占比。个人信息（手机号、身份证号、邮箱、银行卡号、车牌）已脱敏。</p></body></html>")
    with atomic_write(path, "w") as fh:
        fh.write("".join(parts))


def build_report(df: pd.DataFrame, out_dir: str | Path, formats=FORMATS, period: str = "month", complaint_ratio: float = 0.04,
                 mask: bool = True, text_column: str | None = None, title: str = "客户投诉根因分析", data_note: str = "",
                 meta: dict | None = None) -> ReportResult:
    """Write every chart and export the data allows into ``out_dir``; returns files, takeaways,
    recommended actions and skipped charts. ``data_note`` (e.g. how many complaints the model has
    never seen) goes on the title slide, the summary slide, the workbook, the HTML page and
    report.meta.json; ``meta`` is added to report.meta.json as is."""
    import matplotlib.pyplot as plt

    formats = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats) if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise UserError(f"unknown format(s): {', '.join(bad)}; choose from {','.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    text_col = text_column_of(df, text_column)
    # the boundary: every column (channel 「热线139…」, theme names, reasons, ids) and every header is
    # masked before anything is drawn; control characters that XML files cannot hold become U+FFFD
    view, _ = xml_safe(mask_frame(df) if mask else df.copy())
    if mask:  # the title and note a caller passes land on the cover slide, the workbook and the HTML page
        data_note, title = mask_pii(data_note), mask_pii(title)
    text_col = str(view.columns[list(df.columns).index(text_col)])
    view.attrs = {**df.attrs, "text_column": text_col}
    result = ReportResult(out_dir)
    words = None
    if "gap" in view.columns and valid_gaps(view).size:
        try:
            words = gap_word_table(view.loc[valid_gaps(view).index], text_col)
        except ValueError:  # too little text for class TF-IDF
            words = None
    try:  # computed once for the chart and the slide 「本月新增/上升最快的问题」
        changes = theme_changes(view, period, text_col)
    except NotAvailable:
        changes = None
    figs, result.skipped = all_charts(view, period, complaint_ratio, text_col, words=words, changes=changes)
    result.takeaways = takeaways(view, period, complaint_ratio, text_col, words=words)
    result.actions = recommended_actions(view, period, changes=changes)
    pngs = {}
    for name, fig in figs.items():
        pngs[name] = _png_bytes(fig)  # drawn once: the file, the deck and the HTML page share it
        for fmt in ("png", "svg", "pdf"):
            if fmt in formats:
                p = out_dir / f"{name}.{fmt}"
                if fmt == "png":
                    with atomic_write(p, "wb") as fh:
                        fh.write(pngs[name])
                else:
                    _save_fig(fig, p, fmt)
                result.files.append(p)
        plt.close(fig)
    themes = themes_summary(view, text_col)
    recovery = service_recovery(view)
    sheets = report_sheets(view, period, themes, recovery, text_col)
    gaps = valid_gaps(view)
    try:
        per = period_series(view.loc[gaps.index], period).dropna()
        span = f"{per.min()} – {per.max()}" if len(per) else "全部"
    except NotAvailable:
        span = "全部"
    subtitle = f"期间 {span}｜投诉 {len(view):,} 条，已归因 {len(gaps):,} 条｜生成于 {time.strftime('%Y-%m-%d')}"
    if "xlsx" in formats:
        notes = [("报告", title), ("期间", span), ("投诉数", f"{len(view):,} 条（已归因 {len(gaps):,} 条）"),
                 ("数据说明", data_note or "—"), ("个人信息", "已脱敏（手机号、身份证号、邮箱、银行卡号、车牌）" if mask else "未脱敏"),
                 ("比较口径", f"每组少于 {MIN_COMPARE} 条时不比较占比（标为「样本不足」）"),
                 *[(f"要点：{CHART_TITLES.get(k, k)}", v) for k, v in result.takeaways.items()],
                 *[(f"建议行动 {i}", f"{a['title']}：{a['detail']}") for i, a in enumerate(result.actions, start=1)],
                 *[("说明", recovery_note_zh(n)) for n in recovery.notes]]
        result.files.append(write_workbook(out_dir / "summary.xlsx", sheets, notes))
    if "pptx" in formats:
        data = DeckData(view=view, text_col=text_col, title=title, subtitle=subtitle, notes=result.takeaways, pngs=pngs, themes=themes,
                        recovery=recovery, actions=result.actions, data_note=data_note, masked=mask,
                        changes=changes, period=period)
        result.files.append(write_deck(out_dir / "deck.pptx", data))
    if "html" in formats:
        p = out_dir / "summary.html"
        _html(p, title, subtitle, data_note, pngs, result.takeaways, sheets, result.actions)
        result.files.append(p)
    meta = {**(meta or {}), "masked": mask, "period": period, "complaint_ratio": complaint_ratio, "rows": len(view), "classified": int(len(gaps)),
            "min_compare": MIN_COMPARE, "data_note": data_note, "takeaways": result.takeaways, "actions": result.actions,
            "skipped": result.skipped, "files": [f.name for f in result.files]}
    with atomic_write(out_dir / "report.meta.json", "w") as fh:
        fh.write(json.dumps(meta, ensure_ascii=False, indent=2))
    return result
