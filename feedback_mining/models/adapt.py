"""Adapting the gap classifier to an analyst's own labels: the bundled corpus plus their labelled
complaints, weighted so that a few hundred of them move the model to their domain.

>>> clf = train_with_labels(my_texts, my_gaps)       # what `train --add` and the notebook's retrain call
>>> clf.predict(["快递员把包裹扔在门口就走了"])
"""
from __future__ import annotations

import numpy as np

from ..errors import UserError
from .taxonomy import load_taxonomy

__all__ = ["train_with_labels", "user_weight"]


def user_weight(n_user: int, n_base: int) -> float:
    """How much one analyst label counts against one corpus complaint: the analyst's labels together
    weigh about as much as half the corpus (at least 1, at most 20 each).

    >>> user_weight(150, 6000)
    20.0
    """
    if n_user <= 0:
        return 1.0
    return float(np.clip(0.5 * n_base / n_user, 1.0, 20.0))


def train_with_labels(texts=(), gaps=(), *, base=None, weight: float | str = "auto", taxonomy=None, **params):
    """A fitted :class:`~feedback_mining.models.gap.GapClassifier` on ``base`` — ``(texts, gaps)``;
    None: the bundled corpus's training split — plus ``texts``/``gaps`` (the analyst's labels,
    each weighted by ``weight``; "auto": :func:`user_weight`). ``user_weight_`` records the weight.
    Labels outside the taxonomy are a :class:`~feedback_mining.errors.UserError`."""
    from ..data.read import load_labeled_corpus
    from .gap import GapClassifier

    texts, gaps = [str(t) for t in texts], [str(g).strip() for g in gaps]
    if len(texts) != len(gaps):
        raise UserError(f"{len(texts)} texts but {len(gaps)} labels")
    tax = taxonomy if hasattr(taxonomy, "codes") else load_taxonomy(taxonomy)
    bad = sorted(set(gaps) - set(tax.codes))
    if bad:
        raise UserError(f"labels not in the taxonomy: {', '.join(bad[:10])} (known: {', '.join(tax.codes)})")
    if base is None:
        df = load_labeled_corpus()
        df = df[~df["heldout"]]
        base = (df["text"].tolist(), df["gap"].tolist())
    base_texts, base_gaps = list(base[0]), [str(g) for g in base[1]]
    if not texts and not base_texts:
        raise UserError("nothing to train on: no labelled complaints")
    w = user_weight(len(texts), len(base_texts)) if weight == "auto" else float(weight)
    if not w > 0:
        raise UserError(f"the weight of your labels must be positive, not {w}")
    sample_weight = np.concatenate([np.ones(len(base_texts)), np.full(len(texts), w)])
    clf = GapClassifier(taxonomy=taxonomy, **params)
    clf.fit(base_texts + texts, base_gaps + gaps, sample_weight=sample_weight)
    clf.user_weight_ = w
    return clf
