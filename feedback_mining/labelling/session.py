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
from ..text.normalize import normalize_text
from ..text.privacy import mask_pii
from .acquisition import proba_columns, uncertainty_queue
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
                 model_version: str | None = None, text_column: str | None = None, skip_labelled: bool = True):
        self.df = df if df.index.is_unique else df.reset_index(drop=True)
        self.store = store if isinstance(store, LabelStore) else LabelStore(store)
        self.who = who or default_labeller()
        self.model_version = model_version
        self.text_column = text_column_of(self.df, text_column)
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


def _match_key(text: object) -> str:
    return normalize_text(mask_pii(text))


def retrain_model(store: LabelStore | str | os.PathLike, models_dir: str | os.PathLike, model: Any = None,
                  corpus_path: str | os.PathLike | None = None) -> RetrainResult:
    """Fit a new :class:`~feedback_mining.classify.GapClassifier` on the corpus training split plus the stored labels.

    Macro-F1 is measured on the corpus's held-out split (never trained on) for ``model`` (the
    current one; None = bundled default) and the new model. A stored label replaces the corpus
    label of the same text; labels of held-out texts are not used. The model is saved with
    ``model.save`` as the next ``gap-model-vNNN.npz`` in ``models_dir``.
    """
    from sklearn.metrics import f1_score

    from ..data.read import load_labeled_corpus
    from ..models.gap import GapClassifier
    from ..models.registry import load_model

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
