"""Which complaints to label next: uncertainty sampling on the classifier's probabilities.

>>> uncertainty_queue(classified)[:10]        # smallest top-1 − top-2 margin first
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis import as_bool
from ..errors import UserError

__all__ = ["proba_columns", "gap_margins", "uncertainty_queue", "KEY_ORDER", "key_order"]


def proba_columns(df: pd.DataFrame) -> list[str]:
    """The ``proba_<gap>`` columns written by :func:`~feedback_mining.classify.classify_frame`."""
    return [str(c) for c in df.columns if str(c).startswith("proba_")]


def gap_margins(df: pd.DataFrame) -> pd.Series:
    """Top-1 minus top-2 gap probability per complaint (small = the model hesitates)."""
    cols = proba_columns(df)
    if len(cols) < 2:
        raise UserError("need at least two proba_<gap> columns: classify the complaints first")
    p = df[cols].apply(pd.to_numeric, errors="coerce").fillna(0.0).to_numpy(dtype=float)
    top2 = np.sort(p, axis=1)[:, -2:]
    return pd.Series(top2[:, 1] - top2[:, 0], index=df.index, name="margin")


def uncertainty_queue(df: pd.DataFrame) -> pd.Index:
    """The index of ``df`` ordered by margin, most uncertain first (ties keep table order).

    Complaints with an empty text are left out: there is nothing to label.
    """
    margin = gap_margins(df)
    if "empty_text" in df.columns:
        margin = margin[~as_bool(df["empty_text"])]
    return margin.index[np.argsort(margin.to_numpy(), kind="stable")]


#: The order of the label keys 1–5, as the README lists the gaps: 理解/程序/行为/促销/感受.
KEY_ORDER = ("understanding", "process", "behavior", "promotion", "perception")


def key_order(codes) -> list[str]:
    """Label codes in key order (1 = 理解差距 …); codes outside :data:`KEY_ORDER` follow in their own order."""
    codes = [str(c) for c in codes]
    return [c for c in KEY_ORDER if c in codes] + [c for c in codes if c not in KEY_ORDER]
