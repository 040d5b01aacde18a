"""A labelling session: a queue over a classified table, each label stored at once; retraining.

>>> s = LabelSession(df, LabelStore("out/notebooks/labels.sqlite"), who="wang")
>>> s.label("process"); s.skip(); s.undo()
"""
from __future__ import annotations

import getpass
import os
import re
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..data.columns import text_column_of
from ..errors import UserError
from ..models.taxonomy import load_taxonomy
from ..text.privacy import mask_pii
from .acquisition import key_order, proba_columns, uncertainty_queue
from .evaluation import EvaluationSet, evaluation_set, match_keys, never_train_keys
from .store import LabelStore

__all__ = ["LabelSession", "RetrainResult", "retrain_model", "next_model_path", "default_labeller", "model_version"]


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
                 model_version: str | None = None, text_column: str | None = None, skip_labelled: bool = True,
                 scope: pd.Series | None = None, codes: list[str] | None = None):
        self.df = df if df.index.is_unique else df.reset_index(drop=True)
        self.store = store if isinstance(store, LabelStore) else LabelStore(store)
        self.who = who or default_labeller()
        self.model_version = model_version
        self.text_column = text_column_of(self.df, text_column)
        found = [c[len("proba_"):] for c in proba_columns(self.df)]
        #: label codes in key order (1 = first); default: the README's order 理解/程序/行为/促销/感受
        self.codes = list(codes) if codes else key_order(found)
        if "complaint_id" not in self.df.columns:
            raise UserError("表中没有 complaint_id 列：请用 load_complaints 读取投诉（no complaint_id column）")
        ids = self.df["complaint_id"].astype(str)
        self._index_of = dict(zip(ids.iloc[::-1], self.df.index[::-1]))  # first occurrence wins
        order = list(uncertainty_queue(self.df))
        #: per complaint: "own", "corpus" or "evaluation" (see labelling.evaluation.label_scope); None: all own
        self.scope = None if scope is None else scope.reindex(self.df.index).fillna("own")
        if self.scope is not None:  # the analyst's own complaints first, then the corpus's; never evaluation ones
            own = [i for i in order if self.scope.at[i] == "own"]
            order = own + [i for i in order if self.scope.at[i] == "corpus"]
        self.left_out = int((self.scope == "evaluation").sum()) if self.scope is not None else 0
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
                raise UserError(f"根因编号应为 1–{len(self.codes)}，而不是 {k}（gap number must be 1–{len(self.codes)}）")
            return self.codes[k - 1]
        gap = str(gap).strip()
        if gap in self.codes:
            return gap
        tax = load_taxonomy()
        for c in self.codes:
            if tax.zh(c) == gap:
                return c
        raise UserError(f"未知根因 {gap!r}，可选：{'、'.join(self.codes)}（unknown gap）")

    # -- actions
    def label(self, gap: str | int) -> int:
        """Label the current complaint (stored immediately); returns the store's row id."""
        idx = self.current
        if idx is None:
            raise UserError("队列已空：没有待标注的投诉（the queue is empty）")
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
        not_own = np.array([self.scope is not None and self.scope.at[i] != "own" for i in rows], dtype=bool)
        order = np.lexsort((top2[:, 1] - top2[:, 0], not_own))  # own complaints first, then by margin
        self.queue = deque(rows[i] for i in order)


@dataclass
class RetrainResult:
    """What a retrain did: labels used, macro-F1 on the evaluation set before and after, what changed."""

    path: Path
    version: int
    f1_before: float
    f1_after: float
    heldout_rows: int
    labels_used: int
    labels_excluded: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    evaluation: str = ""
    #: of the labels used: how many the old / new model predicts as labelled, and how many predictions changed
    labels_agree_before: int = 0
    labels_agree_after: int = 0
    predictions_changed: int = 0

    def summary(self) -> str:
        return (f"{self.labels_used} labels used; macro-F1 on {self.heldout_rows} evaluation complaints: {self.f1_before:.3f} → "
                f"{self.f1_after:.3f} ({self.f1_after - self.f1_before:+.3f}); labelled complaints predicted as labelled: "
                f"{self.labels_agree_before} → {self.labels_agree_after}; saved {self.path}")


def next_model_path(models_dir: str | os.PathLike) -> tuple[Path, int]:
    """Reserve the next ``gap-model-vNNN.npz`` in ``models_dir`` (older versions are kept)."""
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    pattern = re.compile(r"gap-model-v(\d+)\.npz$")
    version = max((int(m.group(1)) for p in models_dir.iterdir() if (m := pattern.match(p.name))), default=0) + 1
    while True:
        path = models_dir / f"gap-model-v{version:03d}.npz"
        try:
            with open(path, "x"):
                return path, version
        except FileExistsError:  # another process took this version
            version += 1


def retrain_model(store: LabelStore | str | os.PathLike, models_dir: str | os.PathLike, model: Any = None,
                  corpus_path: str | os.PathLike | None = None, evaluation: EvaluationSet | None = None) -> RetrainResult:
    """Adapt the gap classifier to the stored labels with :func:`~feedback_mining.models.adapt.train_with_labels`
    (the same function as ``train --add``) and measure it.

    Macro-F1 before (``model``; None = the bundled default) and after is measured on ``evaluation``
    (default :func:`evaluation_set`: the real dev set when present, else the corpus held-out split);
    labels of evaluation complaints are never used. The new model is saved as the next
    ``gap-model-vNNN.npz`` in ``models_dir``.
    """
    from sklearn.metrics import f1_score

    from ..models.adapt import train_with_labels
    from ..models.registry import load_model

    t0 = time.perf_counter()
    store = store if isinstance(store, LabelStore) else LabelStore(store)
    current = model if model is not None else load_model(None)
    evaluation = evaluation or evaluation_set(corpus_path=corpus_path)
    labels = store.current()
    tax = current.taxonomy_ if hasattr(current, "taxonomy_") else load_taxonomy()
    notes = []
    labels = labels[labels["text"].notna() & labels["text"].astype(str).str.strip().ne("")]
    unknown = ~labels["gap"].isin(tax.codes)
    if unknown.any():
        notes.append(f"{int(unknown.sum())} 条标注的根因不在分类体系中，已忽略（labels outside the taxonomy）")
    labels = labels[~unknown]
    excluded = match_keys(labels["text"].tolist()).isin(never_train_keys(evaluation, corpus_path)).to_numpy()
    if excluded.any():
        notes.append(f"{int(excluded.sum())} 条标注属于评估集或内置语料留出集，未用于训练（labels of evaluation complaints not used）")
    labels = labels[~excluded]
    if labels.empty:
        raise UserError("还没有可用于训练的标注：先标注几条投诉再重新训练（no usable labels yet）")
    texts, gaps = labels["text"].astype(str).tolist(), labels["gap"].astype(str).tolist()
    path, version = next_model_path(models_dir)
    try:
        new = train_with_labels(texts, gaps, taxonomy=getattr(current, "taxonomy", None))
        before = float(f1_score(evaluation.gaps, current.predict(evaluation.texts), average="macro"))
        after = float(f1_score(evaluation.gaps, new.predict(evaluation.texts), average="macro"))
        old_pred, new_pred = np.asarray(current.predict(texts)), np.asarray(new.predict(texts))
        want = np.asarray(gaps)
        new.save(path, {
            "version": version, "base_model": model_version(current), "stored_labels": len(texts), "labels_excluded_evaluation": int(excluded.sum()), "evaluation": evaluation.name,
            "metrics": {"heldout_macro_f1": after, "heldout_macro_f1_before": before, "heldout_rows": len(evaluation)},
        })
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return RetrainResult(path, version, before, after, len(evaluation), len(texts), int(excluded.sum()),
                         time.perf_counter() - t0, notes, evaluation.describe(), int((old_pred == want).sum()),
                         int((new_pred == want).sum()), int((old_pred != new_pred).sum()))
