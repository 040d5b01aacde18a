"""The one load → classify → cluster pipeline, used by the CLI, the report, the demo and the notebooks.

>>> df = load_complaints("投诉导出.csv")
>>> out = classify_frame(df, load_model(None), df.attrs["text_column"])
>>> themed, clusterer = cluster_frame(out, df.attrs["text_column"])
>>> df, model = load_classified("投诉导出.csv")          # all three steps

Outputs never replace an input value: an input column named like an output column (``gap``,
``theme`` …) is kept as ``gap_input`` (see :func:`~feedback_mining.data.columns.make_room`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .analysis import as_bool
from .data.columns import HUMAN_LABEL_COLUMNS, make_room
from .data.read import load_complaints
from .paths import corpus_file
from .text.normalize import NormalizedTexts, as_normalized
from .text.privacy import mask_many

__all__ = ["classify_frame", "cluster_frame", "classifier_gaps", "load_classified", "ensure_classified", "ensure_themes",
           "classify_columns", "classify", "THEME_COLUMNS", "SIGNAL_COLUMNS"]

THEME_COLUMNS = ("theme", "theme_name")
SIGNAL_COLUMNS = ("escalation_risk", "escalation_reasons", "customer_demand")
#: With fewer complaints that have text, no themes are fitted (a report says so).
MIN_THEME_COMPLAINTS = 30


def masked_texts(texts: NormalizedTexts) -> NormalizedTexts:
    """Normalized texts with personal data masked (placeholders such as <手机号> are normalized text too)."""
    return NormalizedTexts(mask_many(texts))


def classify_columns(model) -> list[str]:
    """Every column :func:`classify_frame` writes for ``model``."""
    return (["gap", "gap_zh", "gap_confidence", "needs_review"] + [f"proba_{c}" for c in model.classes_]
            + list(SIGNAL_COLUMNS))


def classify_frame(df: pd.DataFrame, model, text_column: str) -> pd.DataFrame:
    """Input columns (never replaced), plus gap, gap_zh, gap_confidence, needs_review, proba_<code>,
    escalation_risk, escalation_reasons and customer_demand. Empty texts get an empty gap and
    ``needs_review = True``. The text is normalized once, here."""
    from .models.escalation import annotate

    out, renamed = make_room(df, classify_columns(model))
    texts = as_normalized(df[text_column].tolist())
    empty = np.array([not t for t in texts], dtype=bool)
    classes = [str(c) for c in model.classes_]
    proba = np.zeros((len(texts), len(classes)))
    idx = np.flatnonzero(~empty)
    if len(idx):
        proba[idx] = model.predict_proba(NormalizedTexts(texts[i] for i in idx))
    best = proba.argmax(1) if len(classes) else np.zeros(len(texts), dtype=int)
    code = np.where(empty, len(classes), best)  # the last entry of each lookup table is for empty texts
    conf = proba.max(1) if len(classes) else np.zeros(len(texts))
    out = out.copy() if out is df else out
    out["gap"] = np.array(classes + [""], dtype=object)[code]
    out["gap_zh"] = np.array([model.taxonomy_.zh(c) for c in classes] + [""], dtype=object)[code]
    out["gap_confidence"] = np.round(conf, 4)
    out["needs_review"] = empty | (conf < model.review_threshold_)
    for j, c in enumerate(classes):
        out[f"proba_{c}"] = np.round(proba[:, j], 4)
    signals = annotate(masked_texts(texts))  # escalation_reasons quote the text: never its personal data
    for col in signals.columns:
        out[col] = signals[col].to_numpy()
    if renamed:
        out.attrs["renamed_columns"] = {**out.attrs.get("renamed_columns", {}), **renamed}
    return out


def cluster_frame(df: pd.DataFrame, text_column: str, k: Any = "auto", method: Any = "mixture", random_state: int = 0,
                  gaps: Any = None, **params):
    """``df`` plus ``theme`` and ``theme_name``; returns ``(table, fitted ThemeClusterer)``.

    Each theme's dominant gap comes from ``gaps`` (aligned with ``df``) or else the classifier's
    ``gap`` column when ``df`` has one. ``tc.note_`` says when fewer themes came out than asked.

    >>> themed, tc = cluster_frame(classified, "投诉内容", k=8)
    >>> tc.summary()[["theme_name", "size", "dominant_gap"]]
    """
    from .models.themes import ThemeClusterer

    if gaps is None and "gap" in df.columns:
        gaps = df["gap"]
    tc = ThemeClusterer(k=k, method=method, random_state=random_state, **params)
    # themes are fitted on masked texts: names, top terms and representatives never carry personal data
    labels = tc.fit_predict(mask_many(df[text_column].tolist()), gaps=None if gaps is None else list(gaps))
    names = tc.theme_names()
    out, renamed = make_room(df, THEME_COLUMNS)
    out = out.copy() if out is df else out
    out["theme"] = labels
    out["theme_name"] = [names.get(int(t), "") for t in labels]
    if renamed:
        out.attrs["renamed_columns"] = {**out.attrs.get("renamed_columns", {}), **renamed}
    return out, tc


def classifier_gaps(df: pd.DataFrame, text_column: str, model: Any = None) -> list[str]:
    """The classifier's gap for every row of ``df`` (empty for empty texts), without adding columns.

    >>> classifier_gaps(raw, "投诉内容")[:2]
    ['process', 'behavior']
    """
    from .models.registry import load_model

    clf = model if hasattr(model, "predict_proba") else load_model(model)
    return classify_frame(df[[text_column]], clf, text_column)["gap"].tolist()


def ensure_classified(df: pd.DataFrame, text_column: str, model: Any = None) -> pd.DataFrame:
    """``df`` as is when it is already classified (gap + gap_confidence columns), else classified."""
    if "gap" in df.columns and "gap_confidence" in df.columns:
        df = df.copy()
        df["gap_confidence"] = pd.to_numeric(df["gap_confidence"], errors="coerce")
        return df
    from .models.registry import load_model

    out = classify_frame(df, model if hasattr(model, "predict_proba") else load_model(model), text_column)
    out.attrs = {**df.attrs, **out.attrs}
    return out


def ensure_themes(df: pd.DataFrame, text_column: str, **params) -> tuple[pd.DataFrame, Any]:
    """``df`` with themes: as is when it has them, clustered when it has enough complaints with text."""
    if "theme_name" in df.columns:
        return df, None
    with_text = int((~as_bool(df["empty_text"])).sum()) if "empty_text" in df.columns else len(df)
    if with_text < MIN_THEME_COMPLAINTS:
        return df, None
    out, tc = cluster_frame(df, text_column, **params)
    out.attrs = {**df.attrs, **out.attrs}
    return out, tc


def load_classified(path: str | os.PathLike | None = None, text_column: str | None = None, model: Any = None,
                    themes: bool = True) -> tuple[pd.DataFrame, Any]:
    """Load complaints, classify them (gap, probabilities, escalation) and optionally find themes.

    ``path`` None is the bundled corpus; ``model`` is a fitted classifier, a model path, or None
    for the bundled default model. Human labels of the bundled corpus (gap / escalation /
    customer_demand) are dropped before classifying; the human gap is kept as ``gap_labelled``.
    Returns ``(df, model)``; ``df.attrs["text_column"]`` names the text.
    """
    from .models.registry import load_model

    bundled = path is None
    path = Path(path) if path else corpus_file("complaints_labeled.csv")
    raw = load_complaints(path, text_column)
    col = raw.attrs["text_column"]
    clf = model if hasattr(model, "predict_proba") else load_model(model)
    keep = [c for c in raw.columns if not bundled or c not in HUMAN_LABEL_COLUMNS or c == col]
    out = classify_frame(raw[keep], clf, col)
    if bundled and "gap" in raw.columns and col != "gap":
        out["gap_labelled"] = raw["gap"].astype(str).to_numpy()
    if themes:
        out, _ = ensure_themes(out, col)
    out.attrs = {**out.attrs, "text_column": col, "load_report": raw.attrs.get("load_report"), "source": str(path)}
    return out, clf


def classify(texts, model: Any = None) -> pd.DataFrame:
    """Classify complaint texts in one call: a table with ``text`` and every classify column.

    >>> classify(["销售承诺送三次保养，现在不认账", "菜太咸了"])[["text", "gap_zh"]]
    """
    from .models.registry import load_model

    if isinstance(texts, str):
        texts = [texts]
    clf = model if hasattr(model, "predict_proba") else load_model(model)
    return classify_frame(pd.DataFrame({"text": list(texts)}), clf, "text")
