"""Light SVG charts (no matplotlib): the explorer redraws them in milliseconds; same colours,
Chinese titles and labels as the report's charts.

>>> svg, why = render_chart("pareto", {"gaps": ["process", "behavior"], "counts": [30, 12]})
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import NotAvailable
from ..models.taxonomy import Taxonomy
from .style import CSS_FONT_STACK, gap_colors, taxonomy_of

__all__ = ["pareto_svg", "trend_svg", "render_chart"]


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    fam = CSS_FONT_STACK
    return (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='100%' "
            f"style='max-width:{width}px;font-family:{fam}'>"
            f"<text x='{width / 2}' y='22' text-anchor='middle' font-size='16'>{_xml(title)}</text>{''.join(body)}</svg>")


def _xml(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")


def pareto_svg(counts: pd.Series, taxonomy=None) -> str:
    """The gap Pareto as an SVG string: bars sorted by count, cumulative-share line and labels."""
    tax = taxonomy_of(taxonomy)
    counts = counts[counts > 0].sort_values(ascending=False)
    if counts.empty:
        raise NotAvailable("no complaints match the filters")
    W_, H, left, right, top, bottom = 560, 320, 50, 50, 40, 50
    pw, ph = W_ - left - right, H - top - bottom
    colors = gap_colors(tax)
    vmax = counts.max() * 1.15
    step = pw / len(counts)
    body, points = [], []
    total, cum = counts.sum(), 0
    for i, (code, n) in enumerate(counts.items()):
        h = ph * n / vmax
        x = left + i * step + step * 0.2
        body.append(f"<rect x='{x:.1f}' y='{top + ph - h:.1f}' width='{step * 0.6:.1f}' height='{h:.1f}' fill='{colors.get(code, '#BAB0AC')}'/>")
        body.append(f"<text x='{x + step * 0.3:.1f}' y='{top + ph - h - 4:.1f}' text-anchor='middle' font-size='10'>{int(n)} 条（{n / total:.0%}）</text>")
        body.append(f"<text x='{x + step * 0.3:.1f}' y='{top + ph + 16:.1f}' text-anchor='middle' font-size='12'>{_xml(tax.zh(code) or code)}</text>")
        cum += n
        points.append((x + step * 0.3, top + ph - ph * (cum / total) / 1.1, cum / total))
    body.append(f"<polyline fill='none' stroke='#333' stroke-width='1.8' points='{' '.join(f'{x:.1f},{y:.1f}' for x, y, _ in points)}'/>")
    for x, y, share in points:
        body.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3.5' fill='#333'/><text x='{x + 7:.1f}' y='{y - 6:.1f}' font-size='10' stroke='white' stroke-width='3' paint-order='stroke'>{share:.0%}</text>")
    body.append(f"<line x1='{left}' y1='{top + ph}' x2='{W_ - right}' y2='{top + ph}' stroke='#333'/>")
    return _svg(W_, H, body, f"投诉根因帕累托图（{int(total)} 条）")


def trend_svg(table: pd.DataFrame, taxonomy=None) -> str:
    """Stacked monthly counts per gap as an SVG string (``table``: periods × gap codes)."""
    tax = taxonomy_of(taxonomy)
    table = table.loc[:, table.sum() > 0]
    if table.empty or table.to_numpy().sum() == 0:
        raise NotAvailable("no dated complaints match the filters")
    table = table[[c for c in tax.codes if c in table.columns] + [c for c in table.columns if c not in tax.codes]]
    W_, H, left, right, top, bottom = 560, 320, 45, 10, 40, 75
    pw, ph = W_ - left - right, H - top - bottom
    colors = gap_colors(tax)
    totals = table.sum(axis=1)
    vmax = max(totals.max(), 1) * 1.1
    step = pw / len(table)
    body = []
    label_every = max(1, len(table) // 8)
    for i, (period, row) in enumerate(table.iterrows()):
        x, y = left + i * step + step * 0.15, top + ph
        for code, n in row.items():
            if n <= 0:
                continue
            h = ph * n / vmax
            y -= h
            body.append(f"<rect x='{x:.1f}' y='{y:.1f}' width='{step * 0.7:.1f}' height='{h:.1f}' fill='{colors.get(code, '#BAB0AC')}'>"
                        f"<title>{_xml(period)} {_xml(tax.zh(code) or code)}: {int(n)}</title></rect>")
        if i % label_every == 0:
            body.append(f"<text x='{x + step * 0.35:.1f}' y='{top + ph + 14}' text-anchor='middle' font-size='10'>{_xml(period)}</text>")
    body.append(f"<text x='{left - 6}' y='{top + 8}' text-anchor='end' font-size='10'>{int(totals.max())}</text>")
    body.append(f"<line x1='{left}' y1='{top + ph}' x2='{W_ - right}' y2='{top + ph}' stroke='#333'/>")
    lx = left
    for code in table.columns:
        label = f"{tax.zh(code) or code}"
        body.append(f"<rect x='{lx}' y='{H - 30}' width='10' height='10' fill='{colors.get(code, '#BAB0AC')}'/>"
                    f"<text x='{lx + 14}' y='{H - 21}' font-size='10'>{_xml(label)}</text>")
        lx += 14 + 11 * len(label) + 10
    return _svg(W_, H, body, f"各根因投诉趋势（按月，共 {int(totals.sum())} 条）")


def render_chart(kind: str, data: dict[str, Any], taxonomy: Taxonomy | None = None) -> tuple[str | None, str]:
    """Draw an explorer chart from counts: ``"pareto"`` (gaps, counts) or ``"trend"`` (gaps, periods, counts).

    Drawn as light SVG (:func:`charts.pareto_svg` / :func:`charts.trend_svg`, same colours and
    titles as the report's matplotlib charts) so that a filter change redraws in milliseconds.
    Returns ``(svg, "")`` or ``(None, reason)`` when the chart is skipped.
    """
    counts = np.asarray(data["counts"], dtype=np.int64)
    gaps = np.asarray(data["gaps"], dtype=object)
    try:
        if kind == "pareto":
            return pareto_svg(pd.Series(counts, index=gaps).groupby(level=0).sum(), taxonomy), ""
        if kind == "trend":
            periods = pd.Series(np.asarray(data["periods"])).astype(str).str.slice(0, 7).to_numpy()
            table = pd.DataFrame({"period": periods, "gap": gaps, "n": counts}).pivot_table(
                index="period", columns="gap", values="n", aggfunc="sum", fill_value=0).sort_index()
            return trend_svg(table, taxonomy), ""
        raise ValueError(f"unknown chart {kind!r}")
    except NotAvailable as exc:
        return None, str(exc)
