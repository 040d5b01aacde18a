"""What is new: themes that grew most between the last two periods, and themes that did not exist before.

>>> table = emerging_themes(texts, periods, themes, names)
>>> table[table["status"] == "new"]

A theme is **new** when most (more than half, and at least 3) of its complaints of the last period are *novel*: a theme model
fitted on the earlier periods only (a mixture, :class:`~feedback_mining.models.themes.ThemeClusterer`)
explains them worse than it explains 95 % of the earlier complaints (per-word log-likelihood
under their best earlier theme, unseen words counting with the smallest probability). A theme
is **rising** when its share of complaints grew between the last two periods (the largest
growths first).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..text.normalize import as_normalized

__all__ = ["emerging_themes", "novel_complaints", "EMERGING_COLUMNS"]

EMERGING_COLUMNS = ["theme", "theme_name", "status", "count_previous", "count_last", "share_previous", "share_last",
                    "share_change_pp", "novel_share", "previous", "last"]


def novel_complaints(earlier: list[str], later: list[str], quantile: float = 0.05, random_state: int = 0) -> np.ndarray:
    """True for each ``later`` complaint that themes fitted on ``earlier`` explain badly (see the module).

    Needs at least 10 earlier complaints; returns all False otherwise (nothing to compare with).

    >>> novel_complaints(september_and_october, ["小区充电桩扫码扣费不充电", "骑手送餐超时汤洒了"])
    array([ True, False])
    """
    from .themes import ThemeClusterer

    later = as_normalized(later)
    if len(earlier) < 10 or not len(later):
        return np.zeros(len(later), dtype=bool)
    earlier = as_normalized(earlier)
    tc = ThemeClusterer(k="auto", method="mixture", random_state=random_state).fit(earlier)
    if tc.model_ is None:
        return np.zeros(len(later), dtype=bool)
    before = tc.score_samples(earlier)
    before = before[np.isfinite(before)]
    if not len(before):
        return np.zeros(len(later), dtype=bool)
    threshold = float(np.quantile(before, quantile))
    after = tc.score_samples(later)
    return np.nan_to_num(after, nan=np.inf) < threshold


def emerging_themes(texts, periods, themes, names=None, novel_share: float = 0.5, min_count: int = 3,
                    random_state: int = 0) -> pd.DataFrame:
    """One row per theme with its counts and shares in the last two periods and its status.

    ``texts``, ``periods`` (sortable labels such as "2025-10", None/NaN for undated rows),
    ``themes`` (theme ids or names; -1 / "" is noise and left out) and ``names`` (theme → name)
    are aligned. ``status`` is "new" (more than ``novel_share`` of its ≥ ``min_count`` last-period
    complaints are novel, see :func:`novel_complaints`), "rising" (share grew) or "".
    Sorted: new themes first (largest first), then by share change. Columns:
    :data:`EMERGING_COLUMNS`; ``attrs`` hold the periods and the novel complaints' count.

    >>> emerging_themes(df["text"], df["month"], df["theme_name"]).head(3)
    """
    texts = as_normalized(list(texts))
    periods = pd.Series(list(periods), dtype=object)
    themes = pd.Series(list(themes), dtype=object)
    dated = periods.notna() & periods.astype(str).ne("") & periods.astype(str).ne("nan")
    order = sorted(set(periods[dated].astype(str)))
    if len(order) < 2:
        raise ValueError("need complaints from at least two periods to say what is new")
    last, previous = order[-1], order[-2]
    per = periods.where(dated, "").astype(str)
    real = themes.notna() & ~themes.astype(str).isin(["", "-1", "nan"])
    in_last = (per == last).to_numpy()
    earlier = (dated & (per < last)).to_numpy()
    novel = np.zeros(len(texts), dtype=bool)
    idx_last = np.flatnonzero(in_last)
    novel[idx_last] = novel_complaints([texts[i] for i in np.flatnonzero(earlier)], [texts[i] for i in idx_last],
                                       random_state=random_state)
    keys = themes.astype(str)
    count_prev = keys[real & (per == previous)].value_counts()
    count_last = keys[real & (per == last)].value_counts()
    novel_last = keys[real & pd.Series(novel)].value_counts()
    index = sorted(set(count_prev.index) | set(count_last.index), key=str)
    out = pd.DataFrame({"theme": index})
    lookup = dict(zip(keys, themes))
    out["theme"] = [lookup[k] for k in index]
    out["theme_name"] = [str((names or {}).get(lookup[k], k)) for k in index]
    out["count_previous"] = count_prev.reindex(index).fillna(0).astype(int).to_numpy()
    out["count_last"] = count_last.reindex(index).fillna(0).astype(int).to_numpy()
    total_prev, total_last = max(int(out["count_previous"].sum()), 1), max(int(out["count_last"].sum()), 1)
    out["share_previous"] = out["count_previous"] / total_prev
    out["share_last"] = out["count_last"] / total_last
    out["share_change_pp"] = ((out["share_last"] - out["share_previous"]) * 100).round(2)
    out["novel_share"] = (novel_last.reindex(index).fillna(0).to_numpy() / np.maximum(out["count_last"], 1)).round(3)
    is_new = (out["count_last"] >= min_count) & (out["novel_share"] > novel_share)
    out["status"] = np.where(is_new, "new", np.where(out["share_change_pp"] > 0, "rising", ""))
    out["previous"], out["last"] = previous, last
    out = pd.concat([out[is_new].sort_values("count_last", ascending=False, kind="stable"),
                     out[~is_new].sort_values("share_change_pp", ascending=False, kind="stable")])
    out = out.reset_index(drop=True)[EMERGING_COLUMNS]
    out.attrs.update({"previous": previous, "last": last, "novel_complaints": int(novel.sum()),
                      "complaints_last": int(in_last.sum())})
    return out
