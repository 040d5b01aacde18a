"""Notebook 04: every chart the report wrote, with its takeaway, and links to the deck, workbook and page.

>>> result = build_report(df, out_dir)
>>> show_report(result)          # in a notebook: the font loader, links, then each chart
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from ..report.style import CHART_TITLES
from .html import MUTED, esc

__all__ = ["show_report", "report_links_html", "chart_files", "DOCUMENTS"]

#: What the links say, by file type (download: opened outside JupyterLab).
DOCUMENTS = {".pptx": ("汇报幻灯片 deck", True), ".xlsx": ("Excel 汇总 workbook", True),
             ".html": ("网页版摘要 HTML（可直接邮件发送）", False), ".pdf": ("PDF", True)}


def chart_files(files: Iterable[Path]) -> list[Path]:
    """One picture per chart: the PNG when written, else the SVG; in the order the report wrote them."""
    files = [Path(f) for f in files]
    by_stem: dict[str, Path] = {}
    for f in files:
        if f.suffix.lower() in (".png", ".svg") and (f.stem not in by_stem or f.suffix.lower() == ".png"):
            by_stem[f.stem] = f
    return list(by_stem.values())


def _href(path: Path, base: Path) -> str:
    """A link relative to the notebook's folder: JupyterLab resolves it against the notebook's path."""
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def report_links_html(files: Iterable[Path], base: str | os.PathLike | None = None) -> str:
    """Links to the deck, workbook and HTML page among ``files`` (relative to ``base``, default the cwd)."""
    base = Path(base or Path.cwd())
    items = []
    for f in sorted((Path(f) for f in files), key=lambda p: list(DOCUMENTS).index(p.suffix.lower())
                    if p.suffix.lower() in DOCUMENTS else 99):
        if f.suffix.lower() not in DOCUMENTS or (f.suffix.lower() == ".pdf" and f.stem in CHART_TITLES):
            continue
        label, download = DOCUMENTS[f.suffix.lower()]
        attr = " download" if download else " target='_blank' rel='noopener'"
        items.append(f"<li><a class='fm-report-link' href='{esc(_href(f, base))}'{attr}>{esc(label)}：{esc(f.name)}</a>"
                     f" <span style='color:{MUTED};font-size:12px'>{esc(f)}</span></li>")
    if not items:
        return f"<p style='color:{MUTED}'>本次没有生成幻灯片、Excel 或网页（看 FORMATS 参数）。</p>"
    return "<div class='fm-report-links'><b>报告文件</b><ul style='margin:4px 0'>" + "".join(items) + "</ul></div>"


def show_report(result: Any, base: str | os.PathLike | None = None) -> list[Path]:
    """Display the font loader, the links, every chart (title, takeaway, picture) and the skipped ones;
    returns the chart files shown. ``result``: what :func:`~feedback_mining.report.build_report` returned."""
    from IPython.display import HTML, SVG, Image, display

    from .fonts import font_loader

    display(font_loader())
    files = [Path(f) for f in getattr(result, "files", [])]
    takeaways = getattr(result, "takeaways", {}) or {}
    display(HTML(f"<h3 style='margin:4px 0'>管理层报告（{len(files)} 个文件，文件夹 <code>{esc(getattr(result, 'out_dir', ''))}</code>）</h3>"
                 + report_links_html(files, base)))
    charts = chart_files(files)
    for path in charts:
        title = CHART_TITLES.get(path.stem, path.stem)
        line = takeaways.get(path.stem, "")
        display(HTML(f"<h4 class='fm-chart-title' style='margin:14px 0 2px'>{esc(title)}</h4>"
                     + (f"<div style='color:{MUTED}'>{esc(line)}</div>" if line else "")))
        display(Image(filename=str(path), width=820) if path.suffix.lower() == ".png" else SVG(filename=str(path)))
    skipped = getattr(result, "skipped", {}) or {}
    if skipped:
        display(HTML("<div style='color:%s'>未生成的图表：" % MUTED + "；".join(
            f"{esc(CHART_TITLES.get(k, k))}（{esc(v)}）" for k, v in skipped.items()) + "</div>"))
    return charts
