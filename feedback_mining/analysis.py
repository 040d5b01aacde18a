"""Analytics over classified complaints: filters, periods, crosstabs, period comparisons, service recovery.

>>> filter_frame(df, gaps=["process"], keyword="態度")   # traditional query matches simplified text
>>> crosstab_theme_gap(df)                              # counts per theme × gap
>>> compare_periods(df, "2025-10", "2025-11")           # which gaps grew or shrank
>>> service_recovery(df).overall                        # share answered within 24 h …

Plain pandas: the notebooks, the report and the tests use the same functions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .data.columns import (
    CLOSED_COLUMNS,
    CUSTOMER_COLUMNS,
    GENERATED_COLUMNS,
    NOISE_NAME,
    RECEIVED_COLUMNS,
    RESPONDED_COLUMNS,
    find_date_column,
    find_segment_column,
    pick_column,
    text_column_of,
)
from .errors import NotAvailable, UserError
from .models.taxonomy import Taxonomy, load_taxonomy
from .text.normalize import normalize_text

__all__ = ["NOISE_NAME", "parse_dates", "period_series", "categorical_columns", "ComplaintFilter", "filter_frame",
           "has_gap", "valid_gaps", "gap_order", "crosstab_theme_gap", "month_labels", "compare_periods", "theme_table",
           "RecoveryFigures", "service_recovery", "as_bool", "as_list", "distinctive_words", "theme_changes"]

_MAX_CATEGORY_VALUES = 50


# --- dates and periods --------------------------------------------------------------------------
def parse_dates(values: pd.Series) -> pd.Series:
    """Timestamps (naive, NaT where unreadable) from a column of dates in any common spelling."""
    if pd.api.types.is_datetime64_any_dtype(values):
        s = values
    else:
        try:
            s = pd.to_datetime(values, errors="coerce", format="mixed")
        except (TypeError, ValueError):  # mixed time-zone offsets
            s = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
        if not pd.api.types.is_datetime64_any_dtype(s):
            s = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    return s


def period_series(df: pd.DataFrame, period: str = "month") -> pd.Series:
    """Each complaint's period ('2026-03' or week start) from the first date column; raises NotAvailable."""
    col = find_date_column(df)
    if col is None:
        raise NotAvailable("no date column (created_at / 日期 / 投诉时间 …): trend charts skipped")
    dates = parse_dates(df[col])
    if dates.notna().sum() == 0:
        raise NotAvailable(f"column {col!r} holds no readable dates: trend charts skipped")
    freq = "M" if period == "month" else "W"
    return dates.dt.to_period(freq).astype(str).where(dates.notna())


# --- columns ---------------------------------------------------------------------------------
def _is_text_dtype(s: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)


def as_bool(s: pd.Series) -> np.ndarray:
    """Booleans from a bool column or its CSV spelling ("True"/"1"/"true")."""
    if pd.api.types.is_bool_dtype(s):
        return s.fillna(False).to_numpy(dtype=bool)
    return s.astype(str).str.strip().str.lower().isin(["true", "1", "yes", "是"]).to_numpy()


def categorical_columns(df: pd.DataFrame, text_column: str | None = None, max_values: int = _MAX_CATEGORY_VALUES) -> list[str]:
    """Text columns with 2–``max_values`` distinct values (industry, channel, store …), in table order.

    The complaint text, ids, dates and the columns with their own filter (gap, theme, risk,
    needs_review) are left out.
    """
    skip = set(GENERATED_COLUMNS) | {text_column, find_date_column(df)}
    out = []
    for c in df.columns:
        if c in skip or str(c).startswith("proba_") or not _is_text_dtype(df[c]):
            continue
        n = df[c].nunique(dropna=True)
        if 2 <= n <= max_values:
            out.append(str(c))
    return out


# --- filtering -----------------------------------------------------------------------------------
def as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (str, int, np.integer)):
        return [value]
    return list(value)


def _day_end(end: pd.Timestamp) -> tuple[pd.Timestamp, bool]:
    """An end bound and whether it is exclusive: a bare date means "through the whole day"."""
    return (end + pd.Timedelta(days=1), True) if end == end.normalize() else (end, False)


class ComplaintFilter:
    """Vectorized filters over one classified table, with the slow parts computed once.

    The normalized, lower-cased text (for keyword search), the parsed dates and the category
    columns are prepared lazily on first use (or all at once with :meth:`prepare`), so each
    :meth:`mask` call is a handful of vectorized comparisons.

    >>> f = ComplaintFilter(df)
    >>> f.mask(gaps=["process"], keyword="態度 退款").sum()      # both words, any spelling
    """

    def __init__(self, df: pd.DataFrame, text_column: str | None = None):
        self.df = df
        self.text_column = text_column_of(df, text_column)
        self.date_column = find_date_column(df)
        self._norm: pd.Series | None = None
        self._raw: pd.Series | None = None
        self._dates: pd.Series | None = None
        self._columns: dict[str, pd.Series] = {}

    # -- prepared columns
    @property
    def raw_text(self) -> pd.Series:
        if self._raw is None:
            s = self.df[self.text_column]
            self._raw = s.where(s.notna(), "").astype(str)
        return self._raw

    @property
    def normalized_text(self) -> pd.Series:
        """:func:`normalize_text` of every complaint, lower-cased (each distinct text normalized once)."""
        if self._norm is None:
            raw = self.raw_text
            uniques = pd.unique(raw.to_numpy(dtype=object))
            mapping = {t: normalize_text(t).lower() for t in uniques}
            self._norm = pd.Series([mapping[t] for t in raw.to_numpy(dtype=object)], index=self.df.index, dtype=object)
        return self._norm

    @property
    def dates(self) -> pd.Series | None:
        if self._dates is None and self.date_column is not None:
            self._dates = parse_dates(self.df[self.date_column])
        return self._dates

    def column(self, name: str) -> pd.Series:
        """A column as text (cached), for ``isin`` comparisons."""
        if name not in self._columns:
            if name not in self.df.columns:
                raise UserError(f"no column named {name!r} to filter on; columns present: {', '.join(map(str, self.df.columns))}")
            s = self.df[name]
            self._columns[name] = s.where(s.notna(), "").astype(str)
        return self._columns[name]

    def prepare(self) -> "ComplaintFilter":
        """Compute the normalized text, dates and usual columns now (an explorer does this once)."""
        _ = (self.normalized_text, self.dates)  # fill the caches
        for c in ("gap", "gap_zh", "theme_name", "escalation_risk"):
            if c in self.df.columns:
                self.column(c)
        return self

    # -- the filters
    def keyword_mask(self, keyword: str) -> np.ndarray:
        """Every whitespace-separated term must occur in the original or the normalized text."""
        out = np.ones(len(self.df), dtype=bool)
        for term in keyword.split():
            norm_term = normalize_text(term).lower()
            hit = self.normalized_text.str.contains(norm_term, regex=False).to_numpy(dtype=bool)
            if term != norm_term:  # e.g. 態度 / ＡＰＰ: also look for the spelling as typed
                hit = hit | self.raw_text.str.contains(term, regex=False).to_numpy(dtype=bool)
            out = out & hit
        return out

    def mask(self, gaps: Iterable[str] | str | None = None, theme: Any = None,
             categories: dict[str, Any] | None = None, date_range: tuple[Any, Any] | None = None,
             keyword: str | None = None, needs_review_only: bool = False, escalation_only: bool = False) -> np.ndarray:
        """Boolean array of the complaints matching every given filter (None / empty = no filter).

        gaps: gap codes or Chinese names; theme: theme id(s) or name(s); categories: {column:
        value or values}; date_range: (start, end), either may be None, a bare end date includes
        that whole day; keyword: terms that must all occur (original or normalized text).
        """
        df = self.df
        m = np.ones(len(df), dtype=bool)
        gap_list = [str(g) for g in as_list(gaps)]
        if gap_list:
            hit = self.column("gap").isin(gap_list).to_numpy()
            if "gap_zh" in df.columns:
                hit = hit | self.column("gap_zh").isin(gap_list).to_numpy()
            m = m & hit
        themes = as_list(theme)
        if themes:
            ids = [t for t in themes if isinstance(t, (int, np.integer))]
            names = [str(t) for t in themes if not isinstance(t, (int, np.integer))]
            hit = np.zeros(len(df), dtype=bool)
            if ids:
                hit = hit | self.column("theme").isin([str(int(i)) for i in ids]).to_numpy()
            if names:
                hit = hit | self.column("theme_name").isin(names).to_numpy()
            m = m & hit
        for col, values in (categories or {}).items():
            vals = [str(v) for v in as_list(values)]
            if vals:
                m = m & self.column(col).isin(vals).to_numpy()
        if date_range is not None and any(v is not None for v in date_range):
            dates = self.dates
            if dates is None:
                raise UserError("no date column (created_at / 日期 / 投诉时间 …) to filter on")
            start, end = date_range
            d = dates.to_numpy()
            if start is not None:
                m = m & (d >= np.datetime64(pd.Timestamp(start)))
            if end is not None:
                stop, exclusive = _day_end(pd.Timestamp(end))
                m = m & ((d < np.datetime64(stop)) if exclusive else (d <= np.datetime64(stop)))
            m = m & ~pd.isna(d)
        if keyword and keyword.strip():
            m = m & self.keyword_mask(keyword)
        if needs_review_only:
            if "needs_review" not in df.columns:
                raise UserError("no needs_review column: classify the complaints first")
            m = m & as_bool(df["needs_review"])
        if escalation_only:
            if "escalation_risk" not in df.columns:
                raise UserError("no escalation_risk column: classify the complaints first")
            m = m & self.column("escalation_risk").eq("high").to_numpy()
        return m

    def filter(self, **filters: Any) -> pd.DataFrame:
        """The matching rows of the table (see :meth:`mask` for the filters)."""
        return self.df[self.mask(**filters)]


def filter_frame(df: pd.DataFrame, gaps: Iterable[str] | str | None = None, theme: Any = None,
                 categories: dict[str, Any] | None = None, date_range: tuple[Any, Any] | None = None,
                 keyword: str | None = None, needs_review_only: bool = False, escalation_only: bool = False,
                 *, text_column: str | None = None) -> pd.DataFrame:
    """The complaints of ``df`` matching every filter (the explorer's filters, without widgets).

    >>> filter_frame(df, gaps=["process", "behavior"], categories={"channel": "App"},
    ...              date_range=("2025-10-01", "2025-10-31"), keyword="態度", escalation_only=True)
    """
    return ComplaintFilter(df, text_column).filter(
        gaps=gaps, theme=theme, categories=categories, date_range=date_range, keyword=keyword,
        needs_review_only=needs_review_only, escalation_only=escalation_only)


# --- root causes -----------------------------------------------------------------------------
def has_gap(df: pd.DataFrame) -> pd.Series:
    """True where a complaint has a gap (classified, not empty); raises NotAvailable without a gap column."""
    if "gap" not in df.columns:
        raise NotAvailable("no 'gap' column: classify the complaints first")
    g = df["gap"].where(df["gap"].notna(), "").astype(str)
    return g.ne("") & g.ne("nan")


def valid_gaps(df: pd.DataFrame) -> pd.Series:
    """The gap codes of the complaints that have one (index: their rows)."""
    return df.loc[has_gap(df), "gap"].astype(str)


def gap_order(codes: Iterable[str], taxonomy: Taxonomy | None = None) -> list[str]:
    tax = taxonomy or load_taxonomy()
    codes = list(dict.fromkeys(str(c) for c in codes))
    return [c for c in tax.codes if c in codes] + sorted(c for c in codes if c not in tax.codes)


def crosstab_theme_gap(df: pd.DataFrame, share: bool = False, taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """Complaints per theme (rows, largest first, noise last) × gap (columns, taxonomy order).

    ``share=True`` gives each gap's share within the theme (rows sum to 1).
    """
    if "theme_name" not in df.columns:
        raise UserError("no theme_name column: find themes first (cluster.cluster_frame)")
    ok = has_gap(df)
    themes = df.loc[ok, "theme_name"].astype(str)
    gaps = df.loc[ok, "gap"].astype(str)
    table = pd.crosstab(themes, gaps)
    table = table[gap_order(table.columns, taxonomy)]
    order = table.sum(axis=1).sort_values(ascending=False, kind="stable").index.tolist()
    order = [t for t in order if t != NOISE_NAME] + [t for t in order if t == NOISE_NAME]
    table = table.loc[order]
    if share:
        table = table.div(table.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    table.index.name, table.columns.name = "theme_name", "gap"
    return table


def month_labels(df: pd.DataFrame) -> pd.Series:
    """Each complaint's month ("2025-10") from its date column (NaN when unreadable)."""
    col = find_date_column(df)
    if col is None:
        raise UserError("no date column (created_at / 日期 / 投诉时间 …): periods cannot be compared")
    dates = parse_dates(df[col])
    return dates.dt.to_period("M").astype(str).where(dates.notna())


def _month(value: Any) -> str:
    try:
        return str(pd.Period(pd.Timestamp(value) if not isinstance(value, str) else value, freq="M"))
    except (ValueError, TypeError):
        raise UserError(f"not a month: {value!r} (use e.g. '2025-10')") from None


def compare_periods(df: pd.DataFrame, a: Any, b: Any, by: str = "gap", taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """Month ``a`` versus month ``b``: counts and shares per gap (``by="gap"``) or theme (``by="theme"``).

    Columns: name, count_a, count_b, change, share_a, share_b, share_change_pp (percentage
    points) and direction (↑ ↓ →); sorted from the largest share gain to the largest loss.

    >>> compare_periods(df, "2025-10", "2025-11").loc["process", "share_change_pp"]
    """
    tax = taxonomy or load_taxonomy()
    col = {"gap": "gap", "theme": "theme_name", "theme_name": "theme_name"}.get(by)
    if col is None:
        raise UserError(f"by must be 'gap' or 'theme', not {by!r}")
    if col not in df.columns:
        raise UserError(f"no {col!r} column to compare")
    a, b = _month(a), _month(b)
    months = month_labels(df)
    ok = has_gap(df) if col == "gap" else df[col].notna() & df[col].astype(str).ne("")
    keys = df[col].astype(str)
    ca = keys[ok & months.eq(a)].value_counts()
    cb = keys[ok & months.eq(b)].value_counts()
    index = gap_order(keys[ok].unique(), tax) if col == "gap" else sorted(set(ca.index) | set(cb.index), key=str)
    out = pd.DataFrame(index=pd.Index(index, name=col))
    out["name"] = [tax.zh(k) or k for k in index] if col == "gap" else index
    out["count_a"] = ca.reindex(index).fillna(0).astype(int)
    out["count_b"] = cb.reindex(index).fillna(0).astype(int)
    out["change"] = out["count_b"] - out["count_a"]
    na, nb = int(out["count_a"].sum()), int(out["count_b"].sum())
    out["share_a"] = out["count_a"] / na if na else 0.0
    out["share_b"] = out["count_b"] / nb if nb else 0.0
    out["share_change_pp"] = ((out["share_b"] - out["share_a"]) * 100).round(2)
    out["direction"] = np.where(out["share_change_pp"] > 0.05, "↑", np.where(out["share_change_pp"] < -0.05, "↓", "→"))
    out = out.sort_values(["share_change_pp", "change"], ascending=False, kind="stable")
    out.attrs.update({"a": a, "b": b, "total_a": na, "total_b": nb})
    return out


def theme_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per theme: size and dominant gap, from a table with theme_name (and gap) columns."""
    if "theme_name" not in df.columns:
        raise NotAvailable("no themes: run `feedback-mining cluster` or the report on raw complaints")
    d = df[df["theme_name"].astype(str).ne("") & ~df["theme_name"].astype(str).eq(NOISE_NAME)]
    if d.empty:
        raise NotAvailable("no themes")
    size = d.groupby("theme_name").size().rename("size")
    dom = d.groupby("theme_name")["gap"].agg(lambda s: s[s.astype(str) != ""].mode().iat[0] if (s.astype(str) != "").any() else "") if "gap" in d.columns else pd.Series("", index=size.index)
    return pd.DataFrame({"size": size, "dominant_gap": dom}).sort_values("size", ascending=False)


# --- service recovery --------------------------------------------------------------------------
@dataclass
class RecoveryFigures:
    overall: dict
    by_gap: pd.DataFrame | None
    by_channel: pd.DataFrame | None
    repeat_rate: float | None
    notes: list[str]


def _response_table(hours: pd.Series, keys: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"key": keys.astype(str), "hours": hours})
    frame = frame.dropna(subset=["hours"])
    grouped = frame.groupby("key")["hours"]
    return pd.DataFrame({
        "complaints": grouped.size(),
        "within_12h": grouped.apply(lambda h: float((h <= 12).mean())),
        "within_24h": grouped.apply(lambda h: float((h <= 24).mean())),
        "median_hours": grouped.median(),
    })


def service_recovery(df: pd.DataFrame, gap_column: str = "gap", channel_column: str | None = None) -> RecoveryFigures:
    """Response-time figures when the input has received and responded/closed timestamps.

    Missing columns → no figure and a note (never an invented number). Share answered within
    24 h and 12 h, median hours to first response, by gap and by channel; repeat-complaint
    rate when a customer id column is present.
    """
    notes: list[str] = []
    received = pick_column(df.columns, RECEIVED_COLUMNS)
    answered = pick_column(df.columns, RESPONDED_COLUMNS) or pick_column(df.columns, CLOSED_COLUMNS)
    overall: dict = {}
    by_gap = by_channel = None
    if received is None or answered is None:
        notes.append("response-time figures skipped: the input has no received and responded/closed timestamp columns")
    else:
        start = pd.to_datetime(df[received], errors="coerce")
        end = pd.to_datetime(df[answered], errors="coerce")
        hours = (end - start).dt.total_seconds() / 3600.0
        hours = hours.where(hours >= 0)
        valid = hours.dropna()
        if valid.empty:
            notes.append(f"response-time figures skipped: no usable {received}/{answered} timestamp pairs")
        else:
            overall = {
                "complaints_with_times": int(valid.size),
                "within_12h": float((valid <= 12).mean()),
                "within_24h": float((valid <= 24).mean()),
                "median_hours": float(np.median(valid)),
                "responded_column": str(answered),
            }
            if gap_column in df.columns:
                by_gap = _response_table(hours, df[gap_column])
            channel_column = channel_column or find_segment_column(df)
            if channel_column and channel_column in df.columns:
                by_channel = _response_table(hours, df[channel_column])
    repeat = None
    cust = pick_column(df.columns, CUSTOMER_COLUMNS)
    if cust is None:
        notes.append("repeat-complaint rate skipped: no customer id column")
    else:
        ids = df[cust].astype(str).str.strip()
        ids = ids[ids.ne("") & ids.ne("nan")]
        if len(ids):
            counts = ids.value_counts()
            repeat = float((counts > 1).sum() / len(counts))
    return RecoveryFigures(overall, by_gap, by_channel, repeat, notes)


# --- words ---------------------------------------------------------------------------------------
def distinctive_words(texts, gaps, top: int = 8) -> dict[str, list[tuple[str, float]]]:
    """Per gap, its most distinctive words by class-based TF-IDF (stopwords out)."""
    from .models.ctfidf import class_tfidf
    from .models.themes import ThemeTokenizer

    gaps = np.asarray(list(gaps), dtype=object)
    tok = ThemeTokenizer()
    docs = [tok(t) for t in texts]
    return class_tfidf(docs, gaps, top=top, ignore=("", "nan"))


# --- what is new ---------------------------------------------------------------------------------
def theme_changes(df: pd.DataFrame, period: str = "month", text_column: str | None = None) -> pd.DataFrame:
    """Themes new in the last period and themes whose share grew most since the one before.

    One row per theme (status "new" / "rising" / ""), see
    :func:`feedback_mining.models.emerging.emerging_themes`; raises NotAvailable without themes,
    dates or two periods.

    >>> theme_changes(themed).query("status == 'new'")[["theme_name", "count_last"]]
    """
    from .models.emerging import emerging_themes

    if "theme_name" not in df.columns:
        raise NotAvailable("no themes: run `feedback-mining cluster` or the report on raw complaints")
    periods = period_series(df, period)
    if periods.dropna().nunique() < 2:
        raise NotAvailable("complaints from at least two periods are needed to say what is new")
    names = df["theme_name"].where(df["theme_name"].notna(), "").astype(str)
    themes = names.where(names.ne(NOISE_NAME), "")
    col = text_column_of(df, text_column)
    return emerging_themes(df[col].tolist(), periods.tolist(), themes.tolist())
