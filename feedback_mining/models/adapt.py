"""Adapting the gap classifier to an analyst's own labels: the bundled corpus plus their labelled
complaints, weighted so that a few hundred of them move the model to their domain.

>>> model = train_with_labels(my_texts, my_gaps)       # what `train --add` and the notebook's retrain call
>>> model.predict(["快递员把包裹扔在门口就走了"])
"""
from __future__ import annotations

import numpy as np

from ..errors import UserError
from .taxonomy import load_taxonomy

__all__ = ["train_with_labels", "user_weight"]


def user_weight(n_user: int, n_corpus: int) -> float:
    """How much one analyst label counts against one corpus complaint: enough that the user's rows
    together weigh about as much as a third of the corpus (never less than 1)."""
    if n_user <= 0:
        return 1.0
    return max(1.0, 0.5 * n_corpus / n_user) if n_user < n_corpus else 1.0


def train_with_labels(texts=(), gaps=(), *, corpus: bool = True, weight: float | str = "auto", taxonomy=None,
                      **params):
    """A :class:`~feedback_mining.models.gap.GapClassifier` fitted on the bundled corpus's training
    split (``corpus=True``) plus ``texts``/``gaps`` (the analyst's labels, weighted by ``weight``;
    "auto": :func:`user_weight`). Labels outside the taxonomy are a :class:`UserError`."""
    from ..data.read import load_labeled_corpus
    from .gap import GapClassifier

    texts, gaps = [str(t) for t in texts], [str(g).strip() for g in gaps]
    if len(texts) != len(gaps):
        raise UserError(f"{len(texts)} texts but {len(gaps)} labels")
    tax = load_taxonomy(taxonomy) if not hasattr(taxonomy, "codes") else taxonomy
    bad = sorted(set(gaps) - set(tax.codes))
    if bad:
        raise UserError(f"labels not in the taxonomy: {', '.join(bad[:10])} (known: {', '.join(tax.codes)})")
    base_texts: list[str] = []
    base_gaps: list[str] = []
    if corpus:
        df = load_labeled_corpus()
        df = df[~df["heldout"]]
        base_texts, base_gaps = df["text"].tolist(), df["gap"].tolist()
    if not texts and not base_texts:
        raise UserError("nothing to train on: no labelled complaints")
    w = user_weight(len(texts), len(base_texts)) if weight == "auto" else float(weight)
    sample_weight = np.concatenate([np.ones(len(base_texts)), np.full(len(texts), w)])
    model = GapClassifier(taxonomy=taxonomy, **params)
    return model.fit(base_texts + texts, base_gaps + gaps, sample_weight=sample_weight)
