"""Which complaints a label may count for, and what a retrain is measured on.

A label counts only if the next retrain may learn from it: never a complaint of the evaluation set
(the real dev set ``../shared/devset/gap_dev.csv`` when it is beside the project, else the bundled
corpus's held-out split), and the analyst's own complaints before the bundled corpus's.

>>> ev = evaluation_set()                       # the dev set if present, else the corpus held-out split
>>> ev.describe()                               # '开发集 ../shared/devset/gap_dev.csv（612 条真实投诉）'
>>> scope = label_scope(df, ev)                  # per complaint: "own", "corpus" or "evaluation"
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.columns import text_column_of
from ..errors import UserError
from ..models.taxonomy import load_taxonomy
from ..paths import repo_root
from ..text.normalize import normalize_text
from ..text.privacy import mask_pii

__all__ = ["EvaluationSet", "evaluation_set", "default_devset_path", "match_keys", "label_scope", "never_train_keys", "SCOPES"]

#: Where a complaint stands for labelling: the analyst's own data, the corpus training split, or evaluation only.
SCOPES = ("own", "corpus", "evaluation")


def match_keys(texts) -> pd.Series:
    """The key two copies of a complaint share: masked (as the label store keeps texts), then normalized."""
    s = pd.Series(list(texts), dtype=object)
    return s.map(lambda t: normalize_text(mask_pii(t)) if isinstance(t, str) else "")


def default_devset_path() -> Path:
    """``../shared/devset/gap_dev.csv`` beside the project (``FEEDBACK_MINING_DEVSET`` overrides)."""
    env = os.environ.get("FEEDBACK_MINING_DEVSET")
    return Path(env) if env else repo_root().parent / "shared" / "devset" / "gap_dev.csv"


@dataclass
class EvaluationSet:
    """Labelled complaints that are never trained on: what macro-F1 before/after a retrain is measured on."""

    name: str
    path: Path
    texts: list[str]
    gaps: list[str]
    kind: str  # "devset" or "corpus_heldout"

    def __len__(self) -> int:
        return len(self.texts)

    def describe(self) -> str:
        """In Chinese, for the interface: which set, where, how many."""
        if self.kind == "devset":
            return f"真实开发集 {self.name}（{len(self)} 条真实投诉，从不参与训练）"
        return f"内置语料的留出集（{len(self)} 条，从不参与训练；未找到 ../shared/devset/gap_dev.csv）"

    def keys(self) -> set[str]:
        return set(match_keys(self.texts))


def evaluation_set(devset: str | os.PathLike | None = None, corpus_path: str | os.PathLike | None = None) -> EvaluationSet:
    """The dev set (``devset``, default :func:`default_devset_path`) when it exists, else the corpus held-out split."""
    from ..data.read import load_labeled_corpus

    path = Path(devset) if devset is not None else default_devset_path()
    codes = set(load_taxonomy().codes)
    if path.is_file():
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if not {"text", "gap"} <= set(df.columns):
            raise UserError(f"{path}: the dev set needs the columns text and gap; it has {', '.join(df.columns)}")
        df = df[df["gap"].isin(codes) & df["text"].str.strip().ne("")]
        name = f"../shared/devset/{path.name}" if path == default_devset_path() else str(path)
        return EvaluationSet(name, path, df["text"].tolist(), df["gap"].tolist(), "devset")
    corpus = load_labeled_corpus(corpus_path)
    held = corpus[corpus["heldout"]]
    return EvaluationSet("corpus held-out split", Path(corpus_path or "corpora/complaints_labeled.csv"),
                         held["text"].tolist(), held["gap"].tolist(), "corpus_heldout")


def _corpus_keys(corpus_path: str | os.PathLike | None) -> tuple[set[str], set[str]]:
    """Match keys of the bundled corpus: all of it, and its held-out split (``data.read.heldout_split``)."""
    from ..data.read import load_labeled_corpus

    corpus = load_labeled_corpus(corpus_path)
    keys = match_keys(corpus["text"].tolist())
    return set(keys), set(keys[corpus["heldout"].to_numpy()])


def never_train_keys(evaluation: EvaluationSet, corpus_path: str | os.PathLike | None = None) -> set[str]:
    """Texts no retrain may learn from: the evaluation set's and the bundled corpus's held-out split's
    (``evaluate`` scores that split, so training on it would flatter every later evaluation)."""
    return evaluation.keys() | _corpus_keys(corpus_path)[1]


def label_scope(df: pd.DataFrame, evaluation: EvaluationSet, text_column: str | None = None,
                corpus_path: str | os.PathLike | None = None) -> pd.Series:
    """Per complaint of ``df``: ``own`` (not in the bundled corpus), ``corpus`` (its training split) or
    ``evaluation`` (the bundled corpus's held-out split, or a text of the evaluation set: never labelled)."""
    col = text_column_of(df, text_column)
    keys = match_keys(df[col].tolist())
    corpus_all, _ = _corpus_keys(corpus_path)
    never = never_train_keys(evaluation, corpus_path)
    scope = np.where(keys.isin(never), "evaluation", np.where(keys.isin(corpus_all), "corpus", "own"))
    return pd.Series(scope, index=df.index, name="label_scope")
