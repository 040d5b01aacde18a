"""Management-meeting exports: charts (PNG/SVG/PDF), summary.xlsx, deck.pptx, summary.html.

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

from ..analysis import period_series, service_recovery, valid_gaps
from ..data.columns import text_column_of
from ..data.write import atomic_write, mask_frame, neutralized, xml_safe
from ..errors import NotAvailable, UserError
from ..text.privacy import mask_pii
from .charts import all_charts
from .deck import write_deck
from .style import CHART_TITLES
from .takeaways import summary_tables, takeaways, themes_summary

__all__ = ["build_report", "ReportResult", "FORMATS"]

FORMATS = ("png", "svg", "pdf", "pptx", "xlsx", "html")


@dataclass
class ReportResult:
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    takeaways: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


# --- writers ------------------------------------------------------------------------------
def _save_fig(fig, path: Path, fmt: str) -> None:
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format=fmt, dpi=160 if fmt == "png" else None, bbox_inches="tight")


def _png_bytes(fig) -> bytes:
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=160, bbox_inches="tight")
    return buf.getvalue()


def _html(path: Path, title: str, subtitle: str, pngs: dict[str, bytes], notes: dict[str, str], tables: dict[str, pd.DataFrame]) -> None:
    parts = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             "<style>body{font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;max-width:1100px;margin:2em auto;color:#222}"
             "h1{margin-bottom:0}h2{margin-top:2em}.take{color:#c0392b;font-size:1.1em}img{max-width:100%}"
             "table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}</style></head><body>",
             f"<h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>"]
    for name, png in pngs.items():
        parts.append(f"<h2>{html.escape(CHART_TITLES.get(name, name))}</h2>")
        if notes.get(name):
            parts.append(f"<p class='take'>{html.escape(notes[name])}</p>")
        parts.append(f"<img alt='{html.escape(name)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>")
    for name in ("high_risk", "themes"):
        if name in tables and len(tables[name]):
            parts.append(f"<h2>{'高升级风险投诉' if name == 'high_risk' else '主题'}</h2>")
            parts.append(mask_frame(tables[name].head(20)).to_html(index=False, escape=True))
    parts.append("<p style='color:#777'>个人信息（手机号、身份证号、邮箱、银行卡号、车牌）已脱敏。</p></body></html>")
    with atomic_write(path, "w") as fh:
        fh.write("".join(parts))


# --- the report ------------------------------------------------------------------------------
def build_report(df: pd.DataFrame, out_dir: str | Path, formats=FORMATS, period: str = "month", complaint_ratio: float = 0.04,
                 mask: bool = True, text_column: str | None = None, title: str = "客户投诉根因分析") -> ReportResult:
    """Write every chart and export the data allows into ``out_dir``; returns files, takeaways, skipped charts."""
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
    title = mask_pii(title) if mask else title  # the title a caller passes lands on the cover slide and in HTML
    text_col = str(view.columns[list(df.columns).index(text_col)])
    view.attrs = {**df.attrs, "text_column": text_col}
    result = ReportResult(out_dir)
    figs, result.skipped = all_charts(view, period, complaint_ratio, text_col)
    result.takeaways = takeaways(view, period, complaint_ratio, text_col)
    pngs = {}
    for name, fig in figs.items():
        for fmt in ("png", "svg", "pdf"):
            if fmt in formats:
                p = out_dir / f"{name}.{fmt}"
                _save_fig(fig, p, fmt)
                result.files.append(p)
        pngs[name] = _png_bytes(fig)
        plt.close(fig)
    themes = themes_summary(view, text_col)
    tables = summary_tables(view, period, themes)
    gaps = valid_gaps(view)
    try:
        per = period_series(view.loc[gaps.index], period).dropna()
        span = f"{per.min()} – {per.max()}" if len(per) else "全部"
    except NotAvailable:
        span = "全部"
    subtitle = f"期间 {span}｜投诉 {len(view)} 条，已归因 {len(gaps)} 条｜生成于 {time.strftime('%Y-%m-%d')}"
    if "xlsx" in formats:
        p = out_dir / "summary.xlsx"
        with atomic_write(p, "wb") as fh:
            with pd.ExcelWriter(fh, engine="openpyxl") as xw:
                for name, t in tables.items():
                    neutralized(mask_frame(t) if mask else t).to_excel(xw, sheet_name=name[:31], index=False)
        result.files.append(p)
    recovery = service_recovery(view)
    if "pptx" in formats:
        p = out_dir / "deck.pptx"
        write_deck(p, view, pngs, result.takeaways, title, subtitle, themes, tables.get("high_risk"), recovery, text_col)
        result.files.append(p)
    if "html" in formats:
        p = out_dir / "summary.html"
        _html(p, title, subtitle, pngs, result.takeaways, tables)
        result.files.append(p)
    meta = {"masked": mask, "period": period, "complaint_ratio": complaint_ratio, "rows": len(view),
            "takeaways": result.takeaways, "skipped": result.skipped, "files": [f.name for f in result.files]}
    with atomic_write(out_dir / "report.meta.json", "w") as fh:
        fh.write(json.dumps(meta, ensure_ascii=False, indent=2))
    return result
