"""Notebook widgets: explore complaints, find root causes, label, retrain (core ipywidgets only).

>>> df, model = load_classified()                    # the bundled corpus, classified + themes
>>> Explorer(df, model=model)                        # filters, count, Pareto/trend, table, export
>>> RootCauseView(df)                                # theme × gap, distinctive words, month vs month
>>> Labeller(df, model=model)                        # uncertainty queue, buttons and keys 1–5, retrain

The logic is plain pandas and testable without a browser or a kernel:

>>> filter_frame(df, gaps=["process"], keyword="態度")   # traditional query matches simplified text
>>> uncertainty_queue(df)[:10]                          # smallest top-1 / top-2 probability margin first
>>> crosstab_theme_gap(df)                              # counts per theme × gap
>>> compare_periods(df, "2025-10", "2025-11")           # which gaps grew or shrank

Widgets show masked text only (:func:`~feedback_mining.normalize.mask_pii`); exports are
masked unless asked otherwise. ``python -m feedback_mining.widgets --bench 50000`` times the
explorer's filter + count + charts path.
"""
from __future__ import annotations

import getpass
import html
import os
import re
import sys
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from . import charts
from .charts import find_date_column, parse_dates
from .errors import UserError
from .normalize import mask_pii, normalize_text
from .paths import PROJECT_ROOT, corpus_file
from .store import LabelStore
from .taxonomy import Taxonomy, load_taxonomy

try:  # the widgets need the "notebooks" extra; the pure functions do not
    import ipywidgets as W
except ImportError:  # pragma: no cover - exercised only without the extra
    W = None

__all__ = [
    "PAGE_SIZE", "repo_root", "output_dir", "load_classified",
    "find_date_column", "parse_dates", "categorical_columns", "ComplaintFilter", "filter_frame",
    "crosstab_theme_gap", "month_labels", "compare_periods",
    "proba_columns", "gap_margins", "uncertainty_queue", "LabelSession", "RetrainResult", "retrain_model",
    "next_model_path", "default_labeller", "model_version", "render_chart", "Explorer", "RootCauseView",
    "Labeller", "bench_explorer",
]

#: Rows per page in the explorer's table.
PAGE_SIZE = 20
#: Date columns looked for, in order (the same names the charts use, then a few more).
#: Columns that are never offered as category filters (they have their own filter or are free text).
_NOT_CATEGORIES = {"complaint_id", "gap", "gap_zh", "gap_confidence", "needs_review", "theme", "theme_name",
                   "escalation_risk", "escalation_reasons", "empty_text", "heldout"}
#: Columns of the bundled corpus that are human labels, not input: dropped before classifying.
HUMAN_LABEL_COLUMNS = ("gap", "escalation", "customer_demand")
_MAX_CATEGORY_VALUES = 50
_MUTED = "#777777"


# --- where things are --------------------------------------------------------------------------
def repo_root(start: str | os.PathLike | None = None) -> Path:
    """The project folder (with ``pyproject.toml`` and ``feedback_mining/``) at or above ``start`` (default: cwd).

    Works whether a notebook runs with cwd = ``notebooks/`` or the repo root; falls back to the
    folder the package was imported from.
    """
    here = Path(start or Path.cwd()).resolve()
    for p in (here, *here.parents):
        if (p / "pyproject.toml").is_file() and (p / "feedback_mining").is_dir():
            return p
    return PROJECT_ROOT


def output_dir(path: str | os.PathLike = "out/notebooks") -> Path:
    """``path`` made absolute against :func:`repo_root` (unless already absolute), created."""
    p = Path(path)
    p = p if p.is_absolute() else repo_root() / p
    p.mkdir(parents=True, exist_ok=True)
    return p


def load_classified(path: str | os.PathLike | None = None, text_column: str | None = None, model: Any = None,
                    themes: bool = True) -> tuple[pd.DataFrame, Any]:
    """Load complaints, classify them (gap, probabilities, escalation) and optionally find themes.

    ``path`` None is the bundled corpus; ``model`` is a :class:`~feedback_mining.classify.GapClassifier`,
    a model path, or None for the bundled default model. Human labels of the bundled corpus
    (gap / escalation / customer_demand) are dropped before classifying; the human gap is kept
    as ``gap_labelled``. Returns ``(df, model)``; ``df.attrs["text_column"]`` names the text.
    """
    from .classify import GapClassifier, classify_frame, load_model
    from .cluster import cluster_frame
    from .io import load_complaints

    path = Path(path) if path else corpus_file("complaints_labeled.csv")
    raw = load_complaints(path, text_column)
    col = raw.attrs["text_column"]
    clf = model if isinstance(model, GapClassifier) else load_model(model)
    keep = [c for c in raw.columns if c not in HUMAN_LABEL_COLUMNS or c == col]
    out = classify_frame(raw[keep], clf, col)
    if "gap" in raw.columns and col != "gap":
        out["gap_labelled"] = raw["gap"].astype(str).to_numpy()
    if themes and int((~_as_bool(out["empty_text"])).sum()) >= 30:
        out, _ = cluster_frame(out, col)
    out.attrs = {"text_column": col, "load_report": raw.attrs.get("load_report"), "source": str(path)}
    return out, clf


# --- columns and dates ---------------------------------------------------------------------------
def _text_column(df: pd.DataFrame, text_column: str | None = None) -> str:
    if text_column:
        if text_column not in df.columns:
            raise UserError(f"no column named {text_column!r}; columns present: {', '.join(map(str, df.columns))}")
        return text_column
    col = df.attrs.get("text_column")
    if col and col in df.columns:
        return col
    from .io import find_text_column

    return find_text_column(df)


def _is_text_dtype(s: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)


def _as_bool(s: pd.Series) -> np.ndarray:
    """Booleans from a bool column or its CSV spelling ("True"/"1"/"true")."""
    if pd.api.types.is_bool_dtype(s):
        return s.fillna(False).to_numpy(dtype=bool)
    return s.astype(str).str.strip().str.lower().isin(["true", "1", "yes", "是"]).to_numpy()


def categorical_columns(df: pd.DataFrame, text_column: str | None = None, max_values: int = _MAX_CATEGORY_VALUES) -> list[str]:
    """Text columns with 2–``max_values`` distinct values (industry, channel, store …), in table order.

    The complaint text, ids, dates and the columns with their own filter (gap, theme, risk,
    needs_review) are left out.
    """
    skip = set(_NOT_CATEGORIES) | {text_column, find_date_column(df)}
    out = []
    for c in df.columns:
        if c in skip or str(c).startswith("proba_") or not _is_text_dtype(df[c]):
            continue
        n = df[c].nunique(dropna=True)
        if 2 <= n <= max_values:
            out.append(str(c))
    return out


# --- filtering -----------------------------------------------------------------------------------
def _as_list(value: Any) -> list:
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
        self.text_column = _text_column(df, text_column)
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
        gap_list = [str(g) for g in _as_list(gaps)]
        if gap_list:
            hit = self.column("gap").isin(gap_list).to_numpy()
            if "gap_zh" in df.columns:
                hit = hit | self.column("gap_zh").isin(gap_list).to_numpy()
            m = m & hit
        themes = _as_list(theme)
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
            vals = [str(v) for v in _as_list(values)]
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
            m = m & _as_bool(df["needs_review"])
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


# --- root causes ---------------------------------------------------------------------------------
def _valid_gap(df: pd.DataFrame) -> pd.Series:
    if "gap" not in df.columns:
        raise UserError("no 'gap' column: classify the complaints first")
    g = df["gap"].where(df["gap"].notna(), "").astype(str)
    return g.ne("") & g.ne("nan")


def _gap_order(codes: Iterable[str], taxonomy: Taxonomy | None = None) -> list[str]:
    tax = taxonomy or load_taxonomy()
    codes = list(dict.fromkeys(str(c) for c in codes))
    return [c for c in tax.codes if c in codes] + sorted(c for c in codes if c not in tax.codes)


def crosstab_theme_gap(df: pd.DataFrame, share: bool = False, taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """Complaints per theme (rows, largest first, noise last) × gap (columns, taxonomy order).

    ``share=True`` gives each gap's share within the theme (rows sum to 1).
    """
    if "theme_name" not in df.columns:
        raise UserError("no theme_name column: find themes first (cluster.cluster_frame)")
    ok = _valid_gap(df)
    themes = df.loc[ok, "theme_name"].astype(str)
    gaps = df.loc[ok, "gap"].astype(str)
    table = pd.crosstab(themes, gaps)
    table = table[_gap_order(table.columns, taxonomy)]
    from .cluster import NOISE_NAME

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
    ok = _valid_gap(df) if col == "gap" else df[col].notna() & df[col].astype(str).ne("")
    keys = df[col].astype(str)
    ca = keys[ok & months.eq(a)].value_counts()
    cb = keys[ok & months.eq(b)].value_counts()
    index = _gap_order(keys[ok].unique(), tax) if col == "gap" else sorted(set(ca.index) | set(cb.index), key=str)
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


# --- labelling -----------------------------------------------------------------------------------
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
        margin = margin[~_as_bool(df["empty_text"])]
    return margin.index[np.argsort(margin.to_numpy(), kind="stable")]


def default_labeller() -> str:
    """Who is labelling: ``JUPYTERHUB_USER``, else the login name."""
    name = os.environ.get("JUPYTERHUB_USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "analyst"


def model_version(model: Any) -> str | None:
    """A short id of a loaded model: ``v003`` for a retrained one, else the first 12 hex of its SHA-256."""
    meta = getattr(model, "metadata_", None) or {}
    if meta.get("version"):
        return f"v{int(meta['version']):03d}"
    sha = meta.get("model_sha256")
    return str(sha)[:12] if sha else None


class LabelSession:
    """A labelling queue over one classified table, writing each label to a :class:`LabelStore` at once.

    >>> s = LabelSession(df, LabelStore("out/notebooks/labels.sqlite"), who="wang")
    >>> s.current_row()["text"]           # the most uncertain complaint
    >>> s.label("process"); s.skip(); s.undo()

    Complaints already labelled in the store are not served again. Each label is stored with
    who, when, the model version and the complaint's masked text (what retraining learns from).
    :meth:`undo` withdraws exactly one label — the last one *this* labeller gave — and puts that
    complaint back at the front of the queue.
    """

    def __init__(self, df: pd.DataFrame, store: LabelStore | str | os.PathLike, who: str | None = None,
                 model_version: str | None = None, text_column: str | None = None, skip_labelled: bool = True):
        self.df = df if df.index.is_unique else df.reset_index(drop=True)
        self.store = store if isinstance(store, LabelStore) else LabelStore(store)
        self.who = who or default_labeller()
        self.model_version = model_version
        self.text_column = _text_column(self.df, text_column)
        self.codes = [c[len("proba_"):] for c in proba_columns(self.df)]
        if "complaint_id" not in self.df.columns:
            raise UserError("no complaint_id column: load the complaints with io.load_complaints")
        ids = self.df["complaint_id"].astype(str)
        self._index_of = dict(zip(ids.iloc[::-1], self.df.index[::-1]))  # first occurrence wins
        order = list(uncertainty_queue(self.df))
        if skip_labelled:
            done = set(self.store.current()["complaint_id"].astype(str))
            order = [i for i in order if ids.at[i] not in done]
        self.queue: deque = deque(order)
        self.given = 0

    # -- the queue
    @property
    def current(self) -> Any:
        """Index label of the complaint being served, or None when the queue is empty."""
        return self.queue[0] if self.queue else None

    def current_row(self) -> pd.Series | None:
        return None if self.current is None else self.df.loc[self.current]

    def __len__(self) -> int:
        return len(self.queue)

    def gap_code(self, gap: str | int) -> str:
        """A gap code from a code, a Chinese name or a 1-based button number."""
        if isinstance(gap, (int, np.integer)) or (isinstance(gap, str) and gap.strip().isdigit()):
            k = int(gap)
            if not 1 <= k <= len(self.codes):
                raise UserError(f"gap number must be 1–{len(self.codes)}, not {k}")
            return self.codes[k - 1]
        gap = str(gap).strip()
        if gap in self.codes:
            return gap
        tax = load_taxonomy()
        for c in self.codes:
            if tax.zh(c) == gap:
                return c
        raise UserError(f"unknown gap {gap!r}; choose from {', '.join(self.codes)}")

    # -- actions
    def label(self, gap: str | int) -> int:
        """Label the current complaint (stored immediately); returns the store's row id."""
        idx = self.current
        if idx is None:
            raise UserError("the queue is empty: nothing left to label")
        code = self.gap_code(gap)
        row = self.df.loc[idx]
        text = row[self.text_column]
        rid = self.store.add(str(row["complaint_id"]), code, who=self.who, model_version=self.model_version,
                             text=mask_pii(text) if isinstance(text, str) else None)
        self.queue.popleft()
        self.given += 1
        return rid

    def skip(self) -> None:
        """Move the current complaint to the end of the queue."""
        if self.queue:
            self.queue.rotate(-1)

    def undo(self) -> dict | None:
        """Withdraw this labeller's last label; its complaint is served next. None if there was none."""
        rec = self.store.undo(who=self.who)
        if rec is None:
            return None
        self.given = max(0, self.given - 1)
        idx = self._index_of.get(str(rec["complaint_id"]))
        if idx is not None:
            try:
                self.queue.remove(idx)
            except ValueError:
                pass
            self.queue.appendleft(idx)
        return rec

    def rerank(self, model: Any) -> None:
        """Re-score the complaints still queued with ``model`` and order them by its margins."""
        if not self.queue:
            return
        rows = list(self.queue)
        texts = self.df.loc[rows, self.text_column].astype(str).tolist()
        proba = np.asarray(model.predict_proba(texts), dtype=float)
        classes = [str(c) for c in model.classes_]
        self.df = self.df.copy()  # never write into the caller's table
        for j, c in enumerate(classes):
            self.df.loc[rows, f"proba_{c}"] = np.round(proba[:, j], 4)
        top2 = np.sort(proba, axis=1)[:, -2:] if proba.shape[1] >= 2 else np.zeros((len(rows), 2))
        order = np.argsort(top2[:, 1] - top2[:, 0], kind="stable")
        self.queue = deque(rows[i] for i in order)


@dataclass
class RetrainResult:
    """What a retrain did: the new model file and macro-F1 on the held-out split before and after."""

    path: Path
    version: int
    f1_before: float
    f1_after: float
    heldout_rows: int
    training_rows: int
    labels_used: int
    labels_excluded: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"macro-F1 on {self.heldout_rows} held-out complaints: {self.f1_before:.3f} → {self.f1_after:.3f} "
                f"({self.f1_after - self.f1_before:+.3f}); trained on {self.training_rows} complaints "
                f"incl. {self.labels_used} stored labels; saved {self.path}")


def next_model_path(models_dir: str | os.PathLike) -> tuple[Path, int]:
    """Reserve the next ``gap-model-vNNN.joblib`` in ``models_dir`` (older versions are kept)."""
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    pattern = re.compile(r"gap-model-v(\d+)\.joblib$")
    version = max((int(m.group(1)) for p in models_dir.iterdir() if (m := pattern.match(p.name))), default=0) + 1
    while True:
        path = models_dir / f"gap-model-v{version:03d}.joblib"
        try:
            with open(path, "x"):
                return path, version
        except FileExistsError:  # another process took this version
            version += 1


def _match_key(text: object) -> str:
    return normalize_text(mask_pii(text))


def retrain_model(store: LabelStore | str | os.PathLike, models_dir: str | os.PathLike, model: Any = None,
                  corpus_path: str | os.PathLike | None = None) -> RetrainResult:
    """Fit a new :class:`~feedback_mining.classify.GapClassifier` on the corpus training split plus the stored labels.

    Macro-F1 is measured on the corpus's held-out split (never trained on) for ``model`` (the
    current one; None = bundled default) and the new model. A stored label replaces the corpus
    label of the same text; labels of held-out texts are not used. The model is saved with
    ``model.save`` as the next ``gap-model-vNNN.joblib`` in ``models_dir``.
    """
    from sklearn.metrics import f1_score

    from .classify import GapClassifier, load_labeled_corpus, load_model

    t0 = time.perf_counter()
    store = store if isinstance(store, LabelStore) else LabelStore(store)
    current = model if model is not None else load_model(None)
    corpus = load_labeled_corpus(corpus_path)
    train, test = corpus[~corpus["heldout"]], corpus[corpus["heldout"]]
    labels = store.current()
    tax = current.taxonomy_ if hasattr(current, "taxonomy_") else load_taxonomy()
    notes = []
    labels = labels[labels["text"].notna() & labels["text"].astype(str).str.strip().ne("")]
    unknown = ~labels["gap"].isin(tax.codes)
    if unknown.any():
        notes.append(f"{int(unknown.sum())} labels with gaps outside the taxonomy ignored")
    labels = labels[~unknown]
    label_keys = labels["text"].map(_match_key)
    heldout_keys = set(test["text"].map(_match_key))
    excluded = label_keys.isin(heldout_keys)
    labels, label_keys = labels[~excluded], label_keys[~excluded]
    train = train[~train["text"].map(_match_key).isin(set(label_keys))]
    texts = train["text"].astype(str).tolist() + labels["text"].astype(str).tolist()
    gaps = train["gap"].astype(str).tolist() + labels["gap"].astype(str).tolist()
    path, version = next_model_path(models_dir)
    try:
        new = GapClassifier(taxonomy=getattr(current, "taxonomy", None)).fit(texts, gaps)
        before = float(f1_score(test["gap"], current.predict(test["text"]), average="macro"))
        after = float(f1_score(test["gap"], new.predict(test["text"]), average="macro"))
        new.save(path, {
            "version": version, "base_model": model_version(current), "training_rows": len(texts),
            "stored_labels": int(len(labels)), "labels_excluded_heldout": int(excluded.sum()),
            "metrics": {"heldout_macro_f1": after, "heldout_macro_f1_before": before, "heldout_rows": int(len(test))},
        })
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if excluded.any():
        notes.append(f"{int(excluded.sum())} labels of held-out complaints not used for training")
    return RetrainResult(path, version, before, after, int(len(test)), len(texts), int(len(labels)),
                         int(excluded.sum()), time.perf_counter() - t0, notes)


# --- rendering helpers ---------------------------------------------------------------------------
def _esc(value: object) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value))


def _masked(value: object, limit: int | None = None) -> str:
    text = mask_pii(value)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return _esc(text)


_TABLE = "border-collapse:collapse;font-size:12.5px;line-height:1.45;width:100%"
_TH = "text-align:left;padding:4px 6px;border-bottom:2px solid #ccc;background:#f6f6f6;white-space:nowrap"
_TD = "text-align:left;padding:3px 6px;border-bottom:1px solid #eee;vertical-align:top"


def _table_html(header: Sequence[str], rows: Iterable[Sequence[str]], empty: str = "没有符合条件的投诉") -> str:
    """A plain HTML table; cells must already be escaped."""
    body = "".join("<tr>" + "".join(f"<td style='{_TD}'>{c}</td>" for c in r) + "</tr>" for r in rows)
    if not body:
        return f"<p style='color:{_MUTED}'>{_esc(empty)}</p>"
    head = "".join(f"<th style='{_TH}'>{h}</th>" for h in header)
    return f"<table style='{_TABLE}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _nowrap(cell: str) -> str:
    return f"<span style='white-space:nowrap'>{cell}</span>"


def _gap_badge(code: str, zh: str, colors: dict[str, str]) -> str:
    if not code:
        return f"<span style='color:{_MUTED}'>—</span>"
    color = colors.get(code, "#888")
    return f"<span style='color:{color};font-weight:600'>{_esc(zh or code)}</span>"


def _proba_bars(row: pd.Series, codes: Sequence[str], tax: Taxonomy, colors: dict[str, str]) -> str:
    parts = []
    for c in codes:
        try:
            p = float(row.get(f"proba_{c}", 0.0))
        except (TypeError, ValueError):
            p = 0.0
        parts.append(
            f"<div style='display:flex;align-items:center;gap:6px;font-size:12px'>"
            f"<span style='width:150px'>{_esc(tax.zh(c) or c)} <span style='color:{_MUTED}'>{_esc(c)}</span></span>"
            f"<span style='display:inline-block;width:{max(1, int(p * 220))}px;height:10px;background:{colors.get(c, '#888')}'></span>"
            f"<span>{p:.1%}</span></div>")
    return "".join(parts)


def _feature_label(name: str) -> str:
    kind, _, term = str(name).partition(":")
    tag = {"word": "词", "char": "字", "cues": "线索", "cue": "线索"}.get(kind, kind)
    return f"{mask_pii(term)}（{tag}）" if term else mask_pii(name)


def _explanation_html(explanation: dict, tax: Taxonomy) -> str:
    gap = explanation.get("gap", "")
    feats = explanation.get("top_features", {}).get(gap, [])
    words = "、".join(_esc(_feature_label(f)) for f, _ in feats[:8]) or "—"
    cues = explanation.get("cues", {}) or {}
    cue_text = "；".join(f"{_esc(tax.zh(c) or c)}：{'、'.join(_esc(mask_pii(w)) for w in ws)}" for c, ws in cues.items()) or "—"
    return (f"<div style='margin-top:6px'><b>模型解释</b>（为何判为{_esc(tax.zh(gap) or gap)}）<br>"
            f"关键词 words：{words}<br>线索 cues：{cue_text}</div>")


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
            return charts.pareto_svg(pd.Series(counts, index=gaps).groupby(level=0).sum(), taxonomy), ""
        if kind == "trend":
            periods = pd.Series(np.asarray(data["periods"])).astype(str).str.slice(0, 7).to_numpy()
            table = pd.DataFrame({"period": periods, "gap": gaps, "n": counts}).pivot_table(
                index="period", columns="gap", values="n", aggfunc="sum", fill_value=0).sort_index()
            return charts.trend_svg(table, taxonomy), ""
        raise ValueError(f"unknown chart {kind!r}")
    except charts.ChartSkipped as exc:
        return None, str(exc)


def _require_widgets() -> None:
    if W is None:
        raise UserError("the widgets need ipywidgets: pip install 'feedback-mining[notebooks]'")


class _View:
    """Shows ``self.widget`` when the object is the last expression of a cell."""

    widget: Any

    def _repr_mimebundle_(self, **kwargs: Any):
        return self.widget._repr_mimebundle_(**kwargs)

    def display(self) -> None:
        from IPython.display import display

        display(self.widget)


# --- the explorer --------------------------------------------------------------------------------
class Explorer(_View):
    """Filter complaints and watch the root-cause mix change.

    Filters: gaps (Chinese names), theme, every category column (industry / channel / store …),
    date range, keyword (traditional / full-width queries match), needs-review only, high
    escalation risk only. The count label (「显示 N / M 条投诉」), the gap Pareto and trend
    charts and a paged, masked table follow every change; pick a complaint to see its
    probabilities and the model's explanation; export the view to CSV + XLSX in one click.

    >>> ex = Explorer(df, model=model); ex                    # in a notebook
    >>> ex.set_filters(gaps=["process"], keyword="退款")      # one refresh
    >>> ex.count_label.value                                  # '<b>显示 N / 1680 条投诉</b>'
    >>> ex.export()                                           # [.../complaints-<time>.csv, ....xlsx]
    """

    def __init__(self, df: pd.DataFrame, text_column: str | None = None, model: Any = None,
                 output_dir: str | os.PathLike | None = None, page_size: int = PAGE_SIZE, taxonomy: Taxonomy | None = None):
        _require_widgets()
        self.df = df if df.index.is_unique else df.reset_index(drop=True)
        if "gap" not in self.df.columns:
            raise UserError("the explorer needs classified complaints (classify.classify_frame)")
        self.filter = ComplaintFilter(self.df, text_column).prepare()
        self.text_column = self.filter.text_column
        self.model = model
        self.taxonomy = taxonomy or (model.taxonomy_ if hasattr(model, "taxonomy_") else load_taxonomy())
        self.output_dir = Path(output_dir) if output_dir else repo_root() / "out" / "notebooks" / "explore"
        self.page_size = int(page_size)
        self.rows = np.arange(len(self.df))
        self.page = 0
        self.last_timing: dict[str, float] = {}
        self.exported: list[Path] = []
        gaps = self.filter.column("gap")
        self.codes = _gap_order([g for g in gaps.unique() if g not in ("", "nan")], self.taxonomy)
        self.colors = charts.gap_colors(self.codes, self.taxonomy)
        self.categories = categorical_columns(self.df, self.text_column)
        self._proba_codes = [c[len("proba_"):] for c in proba_columns(self.df)]
        # integer codes: the charts are drawn from counts (np.bincount), cached by those counts
        self._gap_codes, gap_uniques = pd.factorize(gaps.to_numpy(dtype=object))
        self._gap_uniques = np.asarray(gap_uniques, dtype=object)
        self._n_gap_codes = len(gap_uniques)
        dates = self.filter.dates
        self._has_dates = dates is not None and bool(dates.notna().any())
        if self._has_dates:
            self._period_codes, periods = pd.factorize(dates.dt.to_period("M"))
            self._period_starts = periods.to_timestamp().to_numpy()
            self._n_periods = len(periods)
        else:
            self._period_codes, self._period_starts, self._n_periods = None, None, 0
        self._chart_cache: OrderedDict[tuple, tuple[str | None, str]] = OrderedDict()
        self._hold = True
        self._build()
        self._hold = False
        self.refresh()

    # -- widgets
    def _build(self) -> None:
        df, tax = self.df, self.taxonomy
        n_gap = self.filter.column("gap").value_counts()
        self.gap_filter = W.SelectMultiple(
            options=[(f"{tax.zh(c) or c} {c}", c) for c in self.codes], value=(), rows=min(6, max(2, len(self.codes))),
            description="根因", layout=W.Layout(width="260px"))
        self.gap_filter.add_class("fm-gap-filter")
        self.gap_filter.tooltip = "不选 = 全部；按住 Ctrl/⌘ 多选 · " + "，".join(
            f"{tax.zh(c) or c} {int(n_gap.get(c, 0))}" for c in self.codes)
        if "theme_name" in df.columns:
            sizes = self.filter.column("theme_name").value_counts()
            opts = [("全部主题", "")] + [(f"{mask_pii(t)[:30]}（{n}）", t) for t, n in sizes.items() if t not in ("", "nan")]
        else:
            opts = [("（无主题：未聚类）", "")]
        self.theme_filter = W.Dropdown(options=opts, value="", description="主题", layout=W.Layout(width="340px"),
                                       disabled="theme_name" not in df.columns)
        self.keyword = W.Text(value="", placeholder="关键词，空格分隔；繁体/全角也可", description="关键词",
                              continuous_update=False, layout=W.Layout(width="340px"))
        self.review_only = W.Checkbox(value=False, description="只看需复核 needs review", indent=False,
                                      disabled="needs_review" not in df.columns)
        self.escalation_only = W.Checkbox(value=False, description="只看高升级风险 high risk", indent=False,
                                          disabled="escalation_risk" not in df.columns)
        self.category_filters: dict[str, Any] = {}
        for col in self.categories:
            values = sorted(v for v in self.filter.column(col).unique() if v not in ("", "nan"))
            self.category_filters[col] = W.SelectMultiple(
                options=values, value=(), rows=min(5, len(values)), description=col, tooltip="不选 = 全部",
                style={"description_width": "initial"}, layout=W.Layout(width="auto", min_width="200px"))
        self._date_options: list[tuple[str, pd.Timestamp]] = []
        self._date_monthly = False
        self.date_slider = None
        if self._has_dates:
            d = self.filter.dates.dropna()
            lo, hi = d.min().normalize(), d.max().normalize()
            days = pd.date_range(lo, hi, freq="D")
            if len(days) > 1000:
                days = pd.date_range(lo.to_period("M").to_timestamp(), hi, freq="MS")
                self._date_options = [(t.strftime("%Y-%m"), t) for t in days]
                self._date_monthly = True
            else:
                self._date_options = [(t.strftime("%Y-%m-%d"), t) for t in days]
                self._date_monthly = False
            if len(self._date_options) >= 2:
                self.date_slider = W.SelectionRangeSlider(
                    options=self._date_options, index=(0, len(self._date_options) - 1), description="日期",
                    readout=False, continuous_update=False, layout=W.Layout(width="640px"))
        self.date_label = W.HTML()
        self.reset_button = W.Button(description="重置筛选", icon="undo", layout=W.Layout(width="110px"))
        self.count_label = W.HTML()
        self.count_label.add_class("fm-count")
        self.timing_label = W.HTML()
        self.pareto_image = W.HTML(layout=W.Layout(width="100%"))  # SVG charts: redrawn in milliseconds
        self.trend_image = W.HTML(layout=W.Layout(width="100%"))
        self.pareto_note = W.HTML()
        self.trend_note = W.HTML()
        self.table = W.HTML()
        self.prev_button = W.Button(description="上一页", icon="chevron-left", layout=W.Layout(width="100px"))
        self.next_button = W.Button(description="下一页", icon="chevron-right", layout=W.Layout(width="100px"))
        self.page_label = W.HTML()
        self.selector = W.Dropdown(options=[("— 选择一条投诉查看详情 —", -1)], value=-1, description="查看",
                                   layout=W.Layout(width="560px"))
        self.detail = W.HTML()
        self.mask_export = W.Checkbox(value=True, description="脱敏导出（默认）", indent=False)
        self.export_button = W.Button(description="导出 CSV + XLSX", icon="download", button_style="primary",
                                      layout=W.Layout(width="170px"))
        self.export_label = W.HTML()

        for w in [self.gap_filter, self.theme_filter, self.keyword, self.review_only, self.escalation_only,
                  *self.category_filters.values(), *([self.date_slider] if self.date_slider else [])]:
            w.observe(self._on_filter, names="value")
        self.reset_button.on_click(lambda _: self.reset())
        self.prev_button.on_click(lambda _: self.show_page(self.page - 1))
        self.next_button.on_click(lambda _: self.show_page(self.page + 1))
        self.selector.observe(lambda ch: self.show_detail(ch["new"]), names="value")
        self.export_button.on_click(lambda _: self._on_export())

        left = W.VBox([self.theme_filter, self.keyword, W.HBox([self.review_only, self.escalation_only])])
        filters = W.HBox([self.gap_filter, left, *self.category_filters.values()],
                         layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))
        rows = [W.HTML("<h3 style='margin:4px 0'>投诉探索 Explorer</h3>"), filters]
        if self.date_slider:
            self.date_slider.observe(lambda _: self._show_dates(), names="value")
            self._show_dates()
            rows.append(W.HBox([self.date_slider, self.date_label], layout=W.Layout(align_items="center")))
        rows += [
            W.HBox([self.count_label, self.reset_button, self.timing_label], layout=W.Layout(align_items="center")),
            W.HBox([W.VBox([self.pareto_image, self.pareto_note], layout=W.Layout(width="50%")),
                    W.VBox([self.trend_image, self.trend_note], layout=W.Layout(width="50%"))]),
            W.HBox([self.prev_button, self.page_label, self.next_button], layout=W.Layout(align_items="center")),
            self.table,
            self.selector,
            self.detail,
            W.HBox([self.mask_export, self.export_button, self.export_label], layout=W.Layout(align_items="center")),
        ]
        self.widget = W.VBox(rows)
        self.widget.add_class("fm-explorer")

    # -- filters
    def filters(self) -> dict[str, Any]:
        """The current filter values, as keyword arguments for :func:`filter_frame`."""
        out: dict[str, Any] = {
            "gaps": list(self.gap_filter.value) or None,
            "theme": self.theme_filter.value or None,
            "categories": {c: list(w.value) for c, w in self.category_filters.items() if w.value} or None,
            "date_range": None,
            "keyword": self.keyword.value.strip() or None,
            "needs_review_only": bool(self.review_only.value),
            "escalation_only": bool(self.escalation_only.value),
        }
        if self.date_slider is not None and self.date_slider.index != (0, len(self._date_options) - 1):
            lo, hi = self.date_slider.value
            if self._date_monthly:
                hi = (hi + pd.offsets.MonthEnd(0)).normalize()
            out["date_range"] = (lo, hi)
        return out

    def set_filters(self, **filters: Any) -> None:
        """Set several filters at once (one refresh), e.g. ``set_filters(gaps=["process"], keyword="退款")``."""
        self._hold = True
        try:
            for key, value in filters.items():
                if key == "gaps":
                    by_zh = {self.taxonomy.zh(c): c for c in self.codes}
                    self.gap_filter.value = tuple(by_zh.get(str(g), str(g)) for g in _as_list(value))
                elif key == "theme":
                    if isinstance(value, (int, np.integer)) and "theme" in self.df.columns:  # a theme id
                        names = self.df.loc[self.filter.column("theme").eq(str(int(value))), "theme_name"]
                        value = str(names.iloc[0]) if len(names) else ""
                    self.theme_filter.value = "" if value is None else value
                elif key == "keyword":
                    self.keyword.value = value or ""
                elif key == "needs_review_only":
                    self.review_only.value = bool(value)
                elif key == "escalation_only":
                    self.escalation_only.value = bool(value)
                elif key == "categories":
                    for col, w in self.category_filters.items():
                        w.value = tuple(str(v) for v in _as_list((value or {}).get(col)))
                elif key == "date_range":
                    self._set_dates(value)
                else:
                    raise UserError(f"unknown filter {key!r}")
        finally:
            self._hold = False
        self.refresh()

    def _set_dates(self, value: tuple[Any, Any] | None) -> None:
        if self.date_slider is None:
            if value is not None:
                raise UserError("no date column to filter on")
            return
        stamps = [t for _, t in self._date_options]
        if value is None:
            self.date_slider.index = (0, len(stamps) - 1)
            return
        lo = 0 if value[0] is None else int(np.searchsorted(stamps, pd.Timestamp(value[0]).normalize()))
        hi = len(stamps) - 1 if value[1] is None else int(np.searchsorted(stamps, pd.Timestamp(value[1]).normalize(), side="right")) - 1
        self.date_slider.index = (min(max(lo, 0), len(stamps) - 1), min(max(hi, 0), len(stamps) - 1))

    def _show_dates(self) -> None:
        lo, hi = self.date_slider.index
        first, last = self._date_options[lo][0], self._date_options[hi][0]
        full = (lo, hi) == (0, len(self._date_options) - 1)
        self.date_label.value = f"{first} 至 {last}" + ("（全部）" if full else "")

    def reset(self) -> None:
        """Clear every filter."""
        self.set_filters(gaps=(), theme=None, keyword="", needs_review_only=False, escalation_only=False,
                         categories={}, date_range=None)

    def _on_filter(self, _change: dict) -> None:
        if not self._hold:
            self.refresh()

    @property
    def view(self) -> pd.DataFrame:
        """The complaints currently shown (all columns of the input)."""
        return self.df.iloc[self.rows]

    # -- refresh
    def refresh(self) -> dict[str, float]:
        """Apply the filters, redraw charts and table, then update the count; returns the timings in ms.

        The count label changes last, so whenever it shows a new number the charts and the
        table already belong to it.
        """
        t0 = time.perf_counter()
        mask = self.filter.mask(**self.filters())
        self.rows = np.flatnonzero(mask)
        count = f"<b>显示 {len(self.rows)} / {len(self.df)} 条投诉</b>"
        t1 = time.perf_counter()
        self._draw_charts(mask)
        t2 = time.perf_counter()
        self.show_page(0)
        t3 = time.perf_counter()
        self.count_label.value = count
        t4 = time.perf_counter()
        self.last_timing = {"filter_ms": (t1 - t0 + t4 - t3) * 1e3, "charts_ms": (t2 - t1) * 1e3,
                            "table_ms": (t3 - t2) * 1e3, "total_ms": (t4 - t0) * 1e3}
        self.timing_label.value = (f"<span style='color:{_MUTED};font-size:11px'>筛选 {self.last_timing['filter_ms']:.0f} ms · "
                                   f"图表 {self.last_timing['charts_ms']:.0f} ms · 表格 {self.last_timing['table_ms']:.0f} ms</span>")
        return self.last_timing

    def _cached(self, key: tuple) -> tuple[str | None, str] | None:
        hit = self._chart_cache.get(key)
        if hit is not None:
            self._chart_cache.move_to_end(key)
        return hit

    def _remember(self, key: tuple, result: tuple[str | None, str]) -> tuple[str | None, str]:
        self._chart_cache[key] = result
        if len(self._chart_cache) > 64:
            self._chart_cache.popitem(last=False)
        return result

    def chart_inputs(self, mask: np.ndarray) -> dict[str, dict[str, Any]]:
        """What the two charts show for ``mask``: counts per gap, and per month × gap (None: no dates)."""
        codes = self._gap_codes[mask]
        k = self._n_gap_codes
        gap_counts = np.bincount(codes, minlength=k)
        out: dict[str, dict[str, Any]] = {"pareto": {"gaps": self._gap_uniques, "counts": gap_counts}}
        if self._period_codes is not None:
            periods = self._period_codes[mask]
            ok = periods >= 0
            cells = np.bincount(periods[ok] * k + codes[ok], minlength=self._n_periods * k)
            nz = np.flatnonzero(cells)
            out["trend"] = {"gaps": self._gap_uniques[nz % k], "counts": cells[nz],
                            "periods": self._period_starts[nz // k]}
        return out

    def _draw_charts(self, mask: np.ndarray) -> None:
        inputs = self.chart_inputs(mask)
        results = {}
        for name, data in inputs.items():
            key = (name, data["counts"].tobytes(), data.get("periods", np.array([])).tobytes(), data["gaps"].tobytes())
            hit = self._cached(key)
            results[name] = hit if hit is not None else self._remember(key, render_chart(name, data, self.taxonomy))
        self._show_chart(self.pareto_image, self.pareto_note, *results["pareto"])
        if "trend" in results:
            self._show_chart(self.trend_image, self.trend_note, *results["trend"])
        else:
            self._show_chart(self.trend_image, self.trend_note, None, "没有日期列（created_at / 日期 …），不画趋势图")

    @staticmethod
    def _show_chart(image: Any, note: Any, svg: str | None, reason: str) -> None:
        if svg is None:
            image.layout.display = "none"
            note.value = f"<p style='color:{_MUTED}'>图表略过：{_esc(reason)}</p>"
        else:
            image.value = svg
            image.layout.display = None
            note.value = ""

    # -- table and details
    @property
    def pages(self) -> int:
        return max(1, -(-len(self.rows) // self.page_size))

    def page_rows(self) -> pd.DataFrame:
        """The complaints on the current page."""
        start = self.page * self.page_size
        return self.df.iloc[self.rows[start:start + self.page_size]]

    def show_page(self, page: int) -> None:
        """Show page ``page`` (0-based, clipped) of the current view."""
        self.page = min(max(int(page), 0), self.pages - 1)
        rows = self.page_rows()
        self.page_label.value = f"第 {self.page + 1} / {self.pages} 页（每页 {self.page_size} 条）"
        self.prev_button.disabled = self.page == 0
        self.next_button.disabled = self.page >= self.pages - 1
        self.table.value = self._table_html(rows)
        start = self.page * self.page_size
        opts: list[tuple[str, int]] = [("— 选择一条投诉查看详情 —", -1)]
        for pos, (_, r) in zip(self.rows[start:start + self.page_size], rows.iterrows()):
            opts.append((f"{r.get('complaint_id', pos)} · {r.get('gap_zh', '') or '—'} · {mask_pii(r[self.text_column])[:28]}", int(pos)))
        self.selector.options = opts
        self.selector.value = -1
        self.detail.value = ""

    def _table_html(self, rows: pd.DataFrame) -> str:
        df = self.df
        cats = self.categories[:2]
        header = ["编号", "根因", "置信度"] + (["主题"] if "theme_name" in df.columns else []) + cats
        header += (["日期"] if self.filter.date_column else []) + ["风险", "投诉内容（已脱敏）"]
        body = []
        for _, r in rows.iterrows():
            cells = [_nowrap(_esc(r.get("complaint_id", ""))),
                     _nowrap(_gap_badge(str(r.get("gap", "")), str(r.get("gap_zh", "")), self.colors))]
            conf = pd.to_numeric(pd.Series([r.get("gap_confidence")]), errors="coerce").iat[0]
            flag = " ⚑" if "needs_review" in df.columns and _as_bool(pd.Series([r["needs_review"]]))[0] else ""
            cells.append(_nowrap(("" if pd.isna(conf) else f"{conf:.0%}") + flag))
            if "theme_name" in df.columns:
                cells.append(_nowrap(_masked(r["theme_name"], 16)))
            cells += [_nowrap(_esc(r[c])) for c in cats]
            if self.filter.date_column:
                cells.append(_nowrap(_esc(str(r[self.filter.date_column])[:16])))
            risk = str(r.get("escalation_risk", ""))
            cells.append(_nowrap({"high": "<span style='color:#E45756;font-weight:600'>高</span>", "watch": "关注"}.get(risk, "")))
            cells.append(_masked(r[self.text_column], 140))
            body.append(cells)
        return _table_html(header, body)

    def show_detail(self, pos: int | None) -> str:
        """Show one complaint (by row position; None or -1 clears): masked text, gap probabilities, explanation."""
        if pos is None or int(pos) < 0:
            self.detail.value = ""
            return ""
        row = self.df.iloc[int(pos)]
        tax = self.taxonomy
        text = row[self.text_column]
        lines = [f"<div style='border-left:4px solid {self.colors.get(str(row.get('gap', '')), '#ccc')};padding:6px 10px;margin:6px 0'>",
                 f"<div><b>{_esc(row.get('complaint_id', ''))}</b> · 根因 {_gap_badge(str(row.get('gap', '')), str(row.get('gap_zh', '')), self.colors)}"]
        if "needs_review" in self.df.columns and _as_bool(pd.Series([row["needs_review"]]))[0]:
            lines.append(" · <span style='color:#B8860B'>需复核</span>")
        if str(row.get("escalation_risk", "")) == "high":
            lines.append(f" · <span style='color:#E45756'>高升级风险：{_masked(row.get('escalation_reasons', ''))}</span>")
        if "theme_name" in self.df.columns:
            lines.append(f" · 主题 {_masked(row['theme_name'])}")
        lines.append(f"</div><div style='margin:6px 0;font-size:14px'>{_masked(text)}</div>")
        if self._proba_codes:
            lines.append(_proba_bars(row, self._proba_codes, tax, self.colors))
        if self.model is not None and isinstance(text, str) and text.strip():
            lines.append(_explanation_html(self.model.explain(text), tax))
        lines.append("</div>")
        self.detail.value = "".join(lines)
        return self.detail.value

    # -- export
    def export(self, mask: bool | None = None, folder: str | os.PathLike | None = None) -> list[Path]:
        """Write the current view to ``complaints-<time>.csv`` and ``.xlsx`` (masked by default)."""
        from .io import write_table

        mask = bool(self.mask_export.value) if mask is None else mask
        folder = Path(folder) if folder else self.output_dir
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"complaints-{time.strftime('%Y%m%d-%H%M%S')}"
        n = 1
        while (folder / f"{stem}.csv").exists() or (folder / f"{stem}.xlsx").exists():
            n += 1
            stem = f"complaints-{time.strftime('%Y%m%d-%H%M%S')}-{n}"
        view = self.view
        self.exported = [write_table(view, folder / f"{stem}{ext}", mask=mask) for ext in (".csv", ".xlsx")]
        return self.exported

    def _on_export(self) -> None:
        self.export_button.disabled = True
        try:
            paths = self.export()
            self.export_label.value = (f"已导出 {len(self.rows)} 条{'（已脱敏）' if self.mask_export.value else '（未脱敏！）'}：" +
                                       "，".join(f"<code>{_esc(p)}</code>" for p in paths))
        except Exception as exc:  # shown to the analyst, not raised into the event loop
            self.export_label.value = f"<span style='color:#E45756'>导出失败：{_esc(exc)}</span>"
        finally:
            self.export_button.disabled = False


# --- root causes view ----------------------------------------------------------------------------
class RootCauseView(_View):
    """Where do the gaps come from: theme × gap table, a cell's complaints, distinctive words, month vs month.

    "Click a cell" = pick a theme and a gap; the matching complaints are listed (masked).

    >>> RootCauseView(df)
    """

    def __init__(self, df: pd.DataFrame, text_column: str | None = None, taxonomy: Taxonomy | None = None,
                 max_rows: int = 15):
        _require_widgets()
        self.df = df if df.index.is_unique else df.reset_index(drop=True)
        self.text_column = _text_column(self.df, text_column)
        self.taxonomy = taxonomy or load_taxonomy()
        self.max_rows = int(max_rows)
        ok = _valid_gap(self.df)
        self.codes = _gap_order(self.df.loc[ok, "gap"].astype(str).unique(), self.taxonomy)
        self.colors = charts.gap_colors(self.codes, self.taxonomy)
        self.has_themes = "theme_name" in self.df.columns
        self.counts = crosstab_theme_gap(self.df, taxonomy=self.taxonomy) if self.has_themes else None
        self._words: dict[str, list[tuple[str, float]]] | None = None
        try:
            months = month_labels(self.df)
            self.months = sorted(m for m in months.dropna().unique())
        except UserError:
            self.months = []
        self._build()

    def _build(self) -> None:
        tax = self.taxonomy
        gap_opts = [(f"{tax.zh(c) or c} {c}", c) for c in self.codes]
        self.table = W.HTML(self.crosstab_html())
        themes = list(self.counts.index) if self.counts is not None else []
        self.theme_pick = W.Dropdown(options=[(mask_pii(t)[:30], t) for t in themes] or [("（无主题）", "")],
                                     description="主题", layout=W.Layout(width="340px"), disabled=not themes)
        self.gap_pick = W.Dropdown(options=[("全部根因", "")] + gap_opts, description="根因", layout=W.Layout(width="260px"))
        self.cell_list = W.HTML()
        self.words_gap = W.Dropdown(options=gap_opts, description="根因", layout=W.Layout(width="260px"))
        self.words = W.HTML()
        month_opts = self.months or ["—"]
        self.period_a = W.Dropdown(options=month_opts, value=month_opts[-2] if len(month_opts) > 1 else month_opts[0],
                                   description="对比月", layout=W.Layout(width="200px"), disabled=len(self.months) < 2)
        self.period_b = W.Dropdown(options=month_opts, value=month_opts[-1], description="本月",
                                   layout=W.Layout(width="200px"), disabled=len(self.months) < 2)
        self.compare_by = W.ToggleButtons(options=[("根因", "gap")] + ([("主题", "theme")] if self.has_themes else []),
                                          value="gap", style={"button_width": "70px"})
        self.compare = W.HTML()
        for w in (self.theme_pick, self.gap_pick):
            w.observe(lambda _: self.show_cell(self.theme_pick.value or None, self.gap_pick.value or None), names="value")
        self.words_gap.observe(lambda ch: self.show_words(ch["new"]), names="value")
        for w in (self.period_a, self.period_b, self.compare_by):
            w.observe(lambda _: self.show_comparison(), names="value")
        self.widget = W.VBox([
            W.HTML("<h3 style='margin:4px 0'>根因分析 Root causes</h3><b>主题 × 根因</b>（条数，括号内为该主题内占比）"),
            self.table,
            W.HTML("<b>选一个格子</b>：主题 + 根因 → 投诉列表（已脱敏）"),
            W.HBox([self.theme_pick, self.gap_pick]), self.cell_list,
            W.HTML("<b>各根因的特征词</b>（类别 TF-IDF）"), self.words_gap, self.words,
            W.HTML("<b>两个月对比</b>：哪些根因 / 主题在增长或减少"),
            W.HBox([self.period_a, self.period_b, self.compare_by], layout=W.Layout(align_items="center")),
            self.compare,
        ])
        self.widget.add_class("fm-root-causes")
        if self.has_themes and themes:
            self.show_cell(themes[0], None)
        if self.codes:
            self.show_words(self.codes[0])
        self.show_comparison()

    def crosstab_html(self) -> str:
        """The theme × gap table: count and within-theme share in each cell, totals on the edges."""
        if self.counts is None:
            return f"<p style='color:{_MUTED}'>没有主题列 theme_name：先用 cluster.cluster_frame 聚类。</p>"
        tax, counts = self.taxonomy, self.counts
        shares = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
        header = ["主题"] + [f"<span style='color:{self.colors.get(c, '#333')}'>{_esc(tax.zh(c) or c)}</span>" for c in counts.columns] + ["合计"]
        rows = []
        for theme, r in counts.iterrows():
            cells = [_masked(theme, 30)]
            for c in counts.columns:
                s = shares.at[theme, c]
                bg = f"rgba(76,120,168,{0.08 + 0.6 * s:.2f})" if r[c] else "transparent"
                cells.append(f"<span style='display:block;background:{bg};padding:0 4px'>{int(r[c])} <small>({s:.0%})</small></span>")
            cells.append(f"<b>{int(r.sum())}</b>")
            rows.append(cells)
        total = counts.sum(axis=0)
        rows.append(["<b>合计</b>"] + [f"<b>{int(total[c])}</b> <small>({total[c] / max(total.sum(), 1):.0%})</small>" for c in counts.columns]
                    + [f"<b>{int(total.sum())}</b>"])
        return _table_html(header, rows)

    def cell_complaints(self, theme: Any, gap: str | None) -> pd.DataFrame:
        """The complaints of one theme (and gap), most confident first."""
        out = filter_frame(self.df, gaps=[gap] if gap else None, theme=theme, text_column=self.text_column)
        if "gap_confidence" in out.columns:
            out = out.assign(_c=pd.to_numeric(out["gap_confidence"], errors="coerce")).sort_values("_c", ascending=False, kind="stable").drop(columns="_c")
        return out

    def show_cell(self, theme: Any, gap: str | None) -> str:
        if theme is None:
            self.cell_list.value = ""
            return ""
        rows = self.cell_complaints(theme, gap)
        tax = self.taxonomy
        head = f"主题「{_masked(theme)}」× {_esc(tax.zh(gap) or gap) if gap else '全部根因'}：{len(rows)} 条" + (
            f"，显示前 {self.max_rows} 条" if len(rows) > self.max_rows else "")
        body = [[_nowrap(_esc(r.get("complaint_id", ""))),
                 _nowrap(_gap_badge(str(r.get("gap", "")), str(r.get("gap_zh", "")), self.colors)),
                 _masked(r[self.text_column], 160)] for _, r in rows.head(self.max_rows).iterrows()]
        self.cell_list.value = f"<div style='margin:4px 0'>{head}</div>" + _table_html(["编号", "根因", "投诉内容（已脱敏）"], body)
        return self.cell_list.value

    def distinctive(self) -> dict[str, list[tuple[str, float]]]:
        """Distinctive words per gap (:func:`charts.distinctive_words`), computed once."""
        if self._words is None:
            ok = _valid_gap(self.df)
            self._words = charts.distinctive_words(self.df.loc[ok, self.text_column].astype(str).tolist(),
                                                   self.df.loc[ok, "gap"].astype(str).tolist(), top=15)
        return self._words

    def show_words(self, gap: str | None) -> str:
        if not gap:
            self.words.value = ""
            return ""
        words = self.distinctive().get(gap, [])
        color = self.colors.get(gap, "#333")
        top = max((s for _, s in words), default=1.0) or 1.0
        items = "".join(
            f"<div style='display:flex;gap:6px;align-items:center;font-size:12.5px;width:270px'>"
            f"<span style='width:100px'>{_masked(w)}</span>"
            f"<span style='display:inline-block;height:10px;width:{int(150 * s / top)}px;background:{color}'></span></div>"
            for w, s in words)
        self.words.value = (f"<div style='display:flex;flex-wrap:wrap;max-width:840px'>{items}</div>" if items
                            else f"<p style='color:{_MUTED}'>文本太少，没有特征词</p>")
        return self.words.value

    def show_comparison(self) -> str:
        if len(self.months) < 2:
            self.compare.value = f"<p style='color:{_MUTED}'>需要至少两个月的带日期投诉才能对比。</p>"
            return self.compare.value
        table = compare_periods(self.df, self.period_a.value, self.period_b.value, by=self.compare_by.value, taxonomy=self.taxonomy)
        a, b = table.attrs["a"], table.attrs["b"]
        colors = {"↑": "#E45756", "↓": "#54A24B", "→": _MUTED}
        body = [[_masked(r["name"], 30), str(r["count_a"]), str(r["count_b"]), f"{r['change']:+d}", f"{r['share_a']:.1%}",
                 f"{r['share_b']:.1%}",
                 f"<span style='color:{colors[r['direction']]};font-weight:600'>{r['direction']} {r['share_change_pp']:+.1f} 个百分点</span>"]
                for _, r in table.iterrows()]
        head = f"{_esc(a)}：{table.attrs['total_a']} 条 → {_esc(b)}：{table.attrs['total_b']} 条"
        self.compare.value = f"<div style='margin:4px 0'>{head}</div>" + _table_html(
            ["名称", f"{_esc(a)} 条数", f"{_esc(b)} 条数", "变化", f"{_esc(a)} 占比", f"{_esc(b)} 占比", "占比变化"], body)
        return self.compare.value

    def export(self, folder: str | os.PathLike) -> list[Path]:
        """Write the theme × gap counts and shares and the current month comparison as CSV (masked)."""
        from .io import write_table

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        if self.counts is not None:
            shares = self.counts.div(self.counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0).round(4)
            paths.append(write_table(self.counts.reset_index(), folder / "theme_x_gap_counts.csv"))
            paths.append(write_table(shares.reset_index(), folder / "theme_x_gap_shares.csv"))
        if len(self.months) >= 2:
            a, b, by = self.period_a.value, self.period_b.value, self.compare_by.value
            table = compare_periods(self.df, a, b, by=by, taxonomy=self.taxonomy)
            paths.append(write_table(table.reset_index(), folder / f"compare_{a}_vs_{b}_by_{by}.csv"))
        return paths


# --- labelling widget ----------------------------------------------------------------------------
class Labeller(_View):
    """Label the complaints the model is least sure about, then retrain.

    One button per gap (Chinese + code), skip, undo. Keyboard: core ipywidgets has no key
    events, so the shortcut box takes ``1``–``5`` (gap buttons in order), ``s`` (skip) or ``u``
    (undo) followed by Enter. Every label goes to the :class:`LabelStore` at once, with who,
    when and the model version. "重新训练" fits a new model on the corpus training split plus
    the stored labels and reports macro-F1 on the held-out split before and after.

    >>> lab = Labeller(df, store="out/notebooks/labels.sqlite", model=model); lab
    >>> lab.press("3")        # same as the third gap button
    """

    def __init__(self, df: pd.DataFrame, store: LabelStore | str | os.PathLike | None = None, model: Any = None,
                 who: str | None = None, text_column: str | None = None, models_dir: str | os.PathLike | None = None,
                 corpus_path: str | os.PathLike | None = None, taxonomy: Taxonomy | None = None):
        _require_widgets()
        store = store if store is not None else repo_root() / "out" / "notebooks" / "labels.sqlite"
        self.model = model
        self.session = LabelSession(df, store, who=who, model_version=model_version(model), text_column=text_column)
        self.store = self.session.store
        self.taxonomy = taxonomy or (model.taxonomy_ if hasattr(model, "taxonomy_") else load_taxonomy())
        self.models_dir = Path(models_dir) if models_dir else repo_root() / "out" / "notebooks" / "models"
        self.corpus_path = corpus_path
        self.colors = charts.gap_colors(self.session.codes, self.taxonomy)
        self.last_retrain: RetrainResult | None = None
        self._build()
        self._render("")

    @property
    def codes(self) -> list[str]:
        return self.session.codes

    def _build(self) -> None:
        tax = self.taxonomy
        self.progress = W.HTML()
        self.card = W.HTML()
        self.gap_buttons = []
        for i, code in enumerate(self.codes, start=1):
            b = W.Button(description=f"{i} {tax.zh(code) or code} {code}", tooltip=(tax[code].definition if code in tax.codes else code)[:200],
                         layout=W.Layout(width="auto"))
            b.style.button_color = self.colors.get(code)
            b.style.text_color = "white"
            b.on_click(lambda _, c=code: self._act(lambda: self.label(c)))
            self.gap_buttons.append(b)
        self.skip_button = W.Button(description="跳过 (s)", icon="forward")
        self.undo_button = W.Button(description="撤销 (u)", icon="undo")
        self.skip_button.on_click(lambda _: self._act(self.skip))
        self.undo_button.on_click(lambda _: self._act(self.undo))
        self.keys = W.Text(value="", placeholder=f"快捷键：1–{len(self.codes)} 回车标注，s 跳过，u 撤销", description="快捷键",
                           continuous_update=False, layout=W.Layout(width="360px"))
        self.keys.observe(self._on_key, names="value")
        self.status = W.HTML()
        self.recent = W.HTML()
        self.retrain_button = W.Button(description="用标注重新训练", icon="refresh", button_style="warning",
                                       layout=W.Layout(width="170px"))
        self.retrain_button.on_click(lambda _: self._on_retrain())
        self.retrain_status = W.HTML()
        self.widget = W.VBox([
            W.HTML("<h3 style='margin:4px 0'>标注与再训练 Label & retrain</h3>"
                   f"<span style='color:{_MUTED}'>按模型最不确定（前两名概率差最小）的顺序出题；每个标注立即写入标注库。</span>"),
            self.progress, self.card,
            W.HBox(self.gap_buttons, layout=W.Layout(flex_flow="row wrap")),
            W.HBox([self.skip_button, self.undo_button, self.keys], layout=W.Layout(align_items="center")),
            self.status, self.recent,
            W.HBox([self.retrain_button, self.retrain_status], layout=W.Layout(align_items="center")),
        ])
        self.widget.add_class("fm-labeller")

    # -- actions (usable without a browser)
    def label(self, gap: str | int) -> str:
        row = self.session.current_row()
        self.session.label(gap)
        code = self.session.gap_code(gap)
        return f"已标注 {row.get('complaint_id', '')} → {self.taxonomy.zh(code) or code} {code}"

    def skip(self) -> str:
        row = self.session.current_row()
        self.session.skip()
        return f"已跳过 {row.get('complaint_id', '')}" if row is not None else "队列为空"

    def undo(self) -> str:
        rec = self.session.undo()
        if rec is None:
            return "没有可撤销的标注"
        return f"已撤销 {rec['complaint_id']} 的标注（{self.taxonomy.zh(rec['gap']) or rec['gap']}），它回到队首"

    def press(self, key: str) -> str:
        """Handle one shortcut: ``1``–``5`` label, ``s`` skip, ``u`` undo; returns the message shown."""
        k = str(key).strip().lower()
        if k.isdigit():
            return self._act(lambda: self.label(int(k)))
        if k in ("s", "skip", "跳过"):
            return self._act(self.skip)
        if k in ("u", "z", "undo", "撤销"):
            return self._act(self.undo)
        return self._act(lambda: f"未知快捷键 {key!r}：用 1–{len(self.codes)}、s 或 u")

    def _act(self, action) -> str:
        try:
            msg = action()
        except UserError as exc:
            msg = f"<span style='color:#E45756'>{_esc(exc)}</span>"
            self._render(msg, escape=False)
            return str(exc)
        self._render(msg)
        return msg

    def _on_key(self, change: dict) -> None:
        value = change["new"]
        if value:
            self.press(value)
            self.keys.value = ""

    # -- display
    def _render(self, message: str, escape: bool = True) -> None:
        s, tax = self.session, self.taxonomy
        self.progress.value = (f"标注人 <b>{_esc(s.who)}</b> · 本次 {s.given} 条 · 标注库共 {self.store.count()} 条 · "
                               f"队列剩余 {len(s)} 条 · 模型 {_esc(s.model_version or '—')}")
        row = s.current_row()
        if row is None:
            self.card.value = "<p><b>队列已空</b>：所有投诉都已标注。可以重新训练了。</p>"
        else:
            probs = [float(pd.to_numeric(row.get(f"proba_{c}", 0), errors="coerce") or 0) for c in s.codes]
            top = sorted(probs, reverse=True)
            guess = s.codes[int(np.argmax(probs))]
            self.card.value = (
                f"<div style='border:1px solid #ddd;border-radius:4px;padding:8px 12px;margin:6px 0'>"
                f"<div style='color:{_MUTED};font-size:12px'>{_esc(row.get('complaint_id', ''))} · 模型猜测 "
                f"{_gap_badge(guess, tax.zh(guess), self.colors)} · 前两名概率差 {top[0] - top[1]:.2f}</div>"
                f"<div style='font-size:15px;margin:6px 0'>{_masked(row[s.text_column])}</div>"
                f"{_proba_bars(row, s.codes, tax, self.colors)}</div>")
        self.status.value = message if not escape else _esc(message)
        mine = self.store.history(include_undone=False)
        mine = mine[mine["who"] == s.who].tail(5).iloc[::-1]
        self.recent.value = "" if mine.empty else (
            f"<div style='color:{_MUTED};font-size:12px'>最近标注：" + "；".join(
                f"{_esc(r.complaint_id)} → {_esc(tax.zh(r.gap) or r.gap)}（{_esc(r.labelled_at[11:16])}）" for r in mine.itertuples()) + "</div>")

    # -- retrain
    def retrain(self) -> RetrainResult:
        """Retrain on corpus + stored labels, switch to the new model and re-rank the queue."""
        result = retrain_model(self.store, self.models_dir, model=self.model, corpus_path=self.corpus_path)
        from .classify import GapClassifier

        self.model = GapClassifier.load(result.path)
        self.session.model_version = model_version(self.model)
        self.session.rerank(self.model)
        self.last_retrain = result
        return result

    def _on_retrain(self) -> None:
        self.retrain_button.disabled = True
        self.retrain_status.value = "训练中…（约 10 秒）"
        try:
            r = self.retrain()
            better = "#54A24B" if r.f1_after >= r.f1_before else "#E45756"
            self.retrain_status.value = (
                f"留出集 macro-F1（{r.heldout_rows} 条）：{r.f1_before:.3f} → <b style='color:{better}'>{r.f1_after:.3f}</b>"
                f"（{r.f1_after - r.f1_before:+.3f}）；训练 {r.training_rows} 条，其中标注 {r.labels_used} 条；"
                f"新模型 v{r.version:03d} 已保存：<code>{_esc(r.path)}</code>" + "".join(f"<br>{_esc(n)}" for n in r.notes))
            self._render("已切换到新模型，队列已按新模型重新排序")
        except Exception as exc:  # shown to the analyst, not raised into the event loop
            self.retrain_status.value = f"<span style='color:#E45756'>训练失败：{_esc(exc)}</span>"
        finally:
            self.retrain_button.disabled = False


# --- benchmark -----------------------------------------------------------------------------------
def bench_explorer(n: int = 50_000, repeats: int = 5) -> dict[str, Any]:
    """Time the explorer's filter + count + charts path on ``n`` complaints (the bundled corpus, tiled).

    Texts are made unique (so normalizing them at setup costs what 50,000 real complaints cost).
    Each scenario is a fresh filter state, run ``repeats`` times with the chart cache cleared;
    the median of each is reported in ms, plus one revisit of the state (chart cache hit).
    """
    from .classify import default_model

    base, _ = load_classified(themes=False, model=default_model())
    reps = -(-n // len(base))
    big = pd.concat([base] * reps, ignore_index=True).head(n)
    big["complaint_id"] = [f"B{i:06d}" for i in range(len(big))]
    col = base.attrs["text_column"]
    big[col] = big[col].astype(str) + [f" ({i})" for i in range(len(big))]
    rng = np.random.default_rng(0)
    stamps = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24 * 60, len(big)), unit="m")
    big["created_at"] = pd.Series(stamps).dt.strftime("%Y-%m-%d %H:%M").to_numpy()
    big.attrs["text_column"] = base.attrs["text_column"]
    t0 = time.perf_counter()
    ex = Explorer(big)
    setup = time.perf_counter() - t0
    scenarios = {
        "one gap": {"gaps": ["process"]},
        "two gaps + channel": {"gaps": ["process", "behavior"], "categories": {"channel": ["App"]}},
        "keyword (traditional)": {"keyword": "態度"},
        "date range + high risk": {"date_range": ("2025-03-01", "2025-06-30"), "escalation_only": True},
        "needs review": {"needs_review_only": True},
        "all filters off": {},
    }
    cleared = {"gaps": (), "theme": None, "keyword": "", "needs_review_only": False, "escalation_only": False,
               "categories": {}, "date_range": None}
    out: dict[str, Any] = {"rows": len(big), "setup_s": round(setup, 2), "scenarios": {}}
    for name, flt in scenarios.items():
        runs = []
        for _ in range(repeats):
            ex._chart_cache.clear()
            ex.set_filters(**{**cleared, **flt})  # one refresh with exactly this state
            t = ex.last_timing
            runs.append((t["filter_ms"], t["charts_ms"], t["filter_ms"] + t["charts_ms"], t["total_ms"]))
        med = np.median(np.array(runs), axis=0)
        ex.set_filters(**cleared)
        ex.set_filters(**{**cleared, **flt})  # the same state again: charts come from the cache
        t = ex.last_timing
        out["scenarios"][name] = {"shown": len(ex.rows), "filter_count_ms": round(med[0], 1), "charts_ms": round(med[1], 1),
                                  "filter_count_charts_ms": round(med[2], 1), "with_table_ms": round(med[3], 1),
                                  "revisit_ms": round(t["filter_ms"] + t["charts_ms"], 1)}
    return out


if __name__ == "__main__":  # pragma: no cover
    import argparse
    import json

    parser = argparse.ArgumentParser(description="time the explorer's filter + count + charts path")
    parser.add_argument("--bench", type=int, default=50_000, metavar="N", help="number of complaints (default 50000)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(bench_explorer(args.bench, args.repeats), ensure_ascii=False, indent=2), file=sys.stdout)
