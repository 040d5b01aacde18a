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
    CORPUS_PROVENANCE_COLUMNS,
    CUSTOMER_COLUMNS,
    GENERATED_COLUMNS,
    HUMAN_LABEL_COLUMNS,
    INPUT_SUFFIX,
    NOISE_NAME,
    RECEIVED_COLUMNS,
    RESPONDED_COLUMNS,
    SEGMENT_COLUMNS,
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
           "RecoveryFigures", "service_recovery", "as_bool", "as_list", "distinctive_words", "column_label", "value_label",
           "split_values", "contiguous_months", "DEMAND_COLUMN", "VALUE_NAMES", "theme_changes"]

_MAX_CATEGORY_VALUES = 50
#: Keyword masks kept per term: changing another filter while a keyword is set costs no new text search.
_TERM_CACHE = 32
#: The classifier's multi-valued demand column ("refund|apology"): filtered by single values.
DEMAND_COLUMN = "customer_demand"
#: Chinese names for values the package or the bundled corpus writes (filters and tables show them;
#: the data keeps its own values). Other values are shown as they are in the data.
VALUE_NAMES = {
    "industry": {"auto": "汽车", "food": "餐饮", "telecom_bank": "通信/银行", "property": "房地产", "ecommerce": "电商/快递",
                 "hotel": "酒店/旅游", "appliance": "家电", "travel": "出行/旅游", "retail": "零售", "internet": "互联网",
                 "telecom": "通信", "logistics": "物流", "bank": "银行", "lifestyle": "生活服务", "healthcare": "医疗",
                 "insurance": "保险", "education": "教育", "government": "政务服务", "utilities": "水电燃气"},
    "escalation_risk": {"high": "高", "watch": "关注", "none": "无"},
}


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

    The complaint text, ids, dates, the columns with their own filter (gap, theme, risk, demand,
    needs_review), a labelled corpus's human labels (gap, escalation, customer_demand) and provenance (form, round), and input columns
    kept beside an output of the same name (``gap_input``) are left out.
    """
    skip = set(GENERATED_COLUMNS) | set(HUMAN_LABEL_COLUMNS) | set(CORPUS_PROVENANCE_COLUMNS) | {text_column, find_date_column(df)}
    out = []
    for c in df.columns:
        if c in skip or str(c).startswith("proba_") or INPUT_SUFFIX in str(c) or not _is_text_dtype(df[c]):
            continue
        n = df[c].nunique(dropna=True)
        if 2 <= n <= max_values:
            out.append(str(c))
    return out


def column_label(column: str) -> str:
    """A column's Chinese name: ``column_label("channel") → "渠道"``; unknown columns keep their name."""
    return {**SEGMENT_COLUMNS, DEMAND_COLUMN: "客户诉求", "escalation_risk": "升级风险", "theme_name": "主题"}.get(column, column)


def value_label(column: str, value: object, taxonomy: Taxonomy | None = None, short: bool = False) -> str:
    """A value as the Chinese interface shows it: a gap's Chinese name, a demand's (「退款」), a known
    industry code's with the code in brackets (「汽车 (auto)」; ``short``: 「汽车」), any other value as it is."""
    v = "" if value is None else str(value)
    if column == "gap":
        return (taxonomy or load_taxonomy()).zh(v) or v
    if column == DEMAND_COLUMN:
        from .models.escalation import DEMANDS

        return DEMANDS[v][0] if v in DEMANDS else v
    name = VALUE_NAMES.get(column, {}).get(v)
    return v if name is None else (name if short or column == "escalation_risk" else f"{name} ({v})")


def split_values(values: pd.Series, sep: str = "|") -> list[str]:
    """The single values of a multi-valued column ("refund|apology"), most frequent first."""
    s = values[values.notna()].astype(str)
    parts = s.str.split(sep, regex=False).explode().str.strip()
    return parts[parts.ne("") & parts.ne("nan")].value_counts(sort=True).index.tolist()


def contiguous_months(dates: pd.Series) -> tuple[np.ndarray, pd.PeriodIndex]:
    """Each date's month as an index into every month from the first to the last (-1: no date), so
    months without complaints are counted as zero instead of disappearing from a trend."""
    months = dates.dt.to_period("M")
    ok = months.notna().to_numpy()
    if not ok.any():
        return np.full(len(dates), -1, dtype=np.int64), pd.PeriodIndex([], freq="M")
    span = pd.period_range(months[ok].min(), months[ok].max(), freq="M")
    codes = np.full(len(dates), -1, dtype=np.int64)
    ordinals = np.array([p.ordinal for p in months[ok]], dtype=np.int64)
    codes[ok] = ordinals - span[0].ordinal
    return codes, span


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
        self._demands: tuple[list[str], np.ndarray] | None = None
        self._terms: dict[str, np.ndarray] = {}

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
            hit = self._terms.pop(term, None)
            if hit is None:
                norm_term = normalize_text(term).lower()
                hit = self.normalized_text.str.contains(norm_term, regex=False).to_numpy(dtype=bool)
                if term != norm_term:  # e.g. 態度 / ＡＰＰ: also look for the spelling as typed
                    hit = hit | self.raw_text.str.contains(term, regex=False).to_numpy(dtype=bool)
            self._terms[term] = hit  # most recent last
            while len(self._terms) > _TERM_CACHE:
                self._terms.pop(next(iter(self._terms)))
            out = out & hit
        return out

    def demand_matrix(self) -> tuple[list[str], np.ndarray]:
        """The single demand values and a complaints × values boolean matrix (computed once)."""
        if self._demands is None:
            s = self.column(DEMAND_COLUMN)
            values = split_values(s)
            parts = s.str.split("|", regex=False)
            self._demands = (values, np.column_stack([parts.map(lambda p, v=v: v in p).to_numpy(dtype=bool) for v in values])
                             if values else np.zeros((len(s), 0), dtype=bool))
        return self._demands

    def mask(self, gaps: Iterable[str] | str | None = None, theme: Any = None,
             categories: dict[str, Any] | None = None, date_range: tuple[Any, Any] | None = None,
             keyword: str | None = None, needs_review_only: bool = False, escalation_only: bool = False,
             demands: Iterable[str] | str | None = None) -> np.ndarray:
        """Boolean array of the complaints matching every given filter (None / empty = no filter).

        gaps: gap codes or Chinese names; theme: theme id(s) or name(s); categories: {column:
        value or values}; date_range: (start, end), either may be None, a bare end date includes
        that whole day; keyword: terms that must all occur (original or normalized text);
        demands: single demand values, a complaint asking for any of them matches.
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
        wanted = [str(v) for v in as_list(demands)]
        if wanted:
            values, matrix = self.demand_matrix()
            cols = [values.index(v) for v in wanted if v in values]
            m = m & (matrix[:, cols].any(axis=1) if cols else np.zeros(len(df), dtype=bool))
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
                 demands: Iterable[str] | str | None = None, *, text_column: str | None = None) -> pd.DataFrame:
    """The complaints of ``df`` matching every filter (the explorer's filters, without widgets).

    >>> filter_frame(df, gaps=["process", "behavior"], categories={"channel": "App"},
    ...              date_range=("2025-10-01", "2025-10-31"), keyword="態度", escalation_only=True)
    """
    return ComplaintFilter(df, text_column).filter(
        gaps=gaps, theme=theme, categories=categories, date_range=date_range, keyword=keyword,
        needs_review_only=needs_review_only, escalation_only=escalation_only, demands=demands)


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
