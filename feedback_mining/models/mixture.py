"""A mixture of multinomials fitted by EM with deterministic annealing: one theme per short document.

>>> mm = MultinomialMixture(3, random_state=0).fit(X)   # X: documents × words, counts
>>> mm.predict(X), mm.predict_proba(X).shape
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numbers import Integral, Real

from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.utils import check_random_state, check_scalar
from sklearn.utils.validation import check_is_fitted, check_non_negative, validate_data

__all__ = ["MultinomialMixture", "heldout_k", "auto_alpha"]


def _log_joint(X, log_word_prob: np.ndarray, log_weights: np.ndarray) -> np.ndarray:
    return np.asarray(X @ log_word_prob.T) + log_weights


def _logsumexp_rows(L: np.ndarray) -> np.ndarray:
    top = L.max(axis=1, keepdims=True)
    return np.log(np.exp(L - top).sum(axis=1, keepdims=True)) + top


class MultinomialMixture(ClusterMixin, TransformerMixin, BaseEstimator):
    """Mixture of multinomials over word counts, fitted by EM: one theme per document.

    Short complaints are mostly about one thing, which is what this model assumes (LDA spreads
    a document over topics). EM starts from random soft assignments at a high temperature that
    cools to 1 (deterministic annealing: fewer poor local optima); the best of ``n_init`` runs by
    log-likelihood is kept.

    Parameters
    ----------
    n_components : number of themes.
    alpha : Dirichlet smoothing of the theme word distributions (added to each count), or
        "auto": :func:`auto_alpha`, a tenth of the counts an average theme holds per word, so that
        smoothing never swamps the counts of a small batch (where a fixed 0.5 merges themes).
    n_init : restarts; the run with the highest log-likelihood wins.
    max_iter, tol : EM stops after ``max_iter`` or when, at temperature 1, the mean
        log-likelihood per document improves by less than ``tol``.
    temperature, cooling : start temperature and its factor per iteration.
    random_state : seed (deterministic results).

    Fitted: ``log_word_prob_`` (themes × words), ``log_weights_``, ``log_likelihood_`` (mean per
    document), ``n_iter_`` (EM iterations of the kept run), ``labels_``, ``n_features_in_``.
    Input: non-negative counts, dense or sparse (CSR is used inside).

    >>> mm = MultinomialMixture(3, random_state=0).fit(X)   # X: documents × words, counts
    >>> mm.predict(X), mm.predict_proba(X).shape
    """

    def __init__(self, n_components: int = 10, alpha: float | str = "auto", n_init: int = 4, max_iter: int = 100,
                 tol: float = 1e-5, temperature: float = 10.0, cooling: float = 0.93, random_state=None):
        self.n_components = n_components
        self.alpha = alpha
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.temperature = temperature
        self.cooling = cooling
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # documents × words count matrices are sparse
        tags.input_tags.positive_only = True  # counts: a negative entry is refused
        return tags

    def _check_params(self) -> None:
        check_scalar(self.n_components, "n_components", Integral, min_val=1)
        if not (isinstance(self.alpha, str) and self.alpha == "auto"):
            check_scalar(self.alpha, "alpha", Real, min_val=0, include_boundaries="neither")
        check_scalar(self.n_init, "n_init", Integral, min_val=1)
        check_scalar(self.max_iter, "max_iter", Integral, min_val=1)
        check_scalar(self.tol, "tol", Real, min_val=0)
        check_scalar(self.temperature, "temperature", Real, min_val=1)
        check_scalar(self.cooling, "cooling", Real, min_val=0, max_val=1, include_boundaries="right")

    def _counts(self, X, reset: bool) -> sp.csr_matrix:
        """``X`` as a float CSR matrix of non-negative counts (``reset``: at fit, records ``n_features_in_``)."""
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=reset)
        check_non_negative(X, "MultinomialMixture (word counts)")
        return sp.csr_matrix(X)

    def _log_joint(self, X) -> np.ndarray:
        """log p(theme) + Σ count · log p(word | theme), documents × themes."""
        return _log_joint(X, self.log_word_prob_, self.log_weights_)

    def _m_step(self, X, R) -> tuple[np.ndarray, np.ndarray]:
        """Log word probabilities per theme (smoothed by ``alpha``) and log theme weights."""
        counts = np.asarray((X.T @ R).T) + self.alpha_
        weights = R.sum(0) + 1.0
        return np.log(counts) - np.log(counts.sum(1, keepdims=True)), np.log(weights / weights.sum())

    def _run(self, X, rng) -> tuple[float, np.ndarray, np.ndarray, int]:
        """One annealed EM run from a random start: (mean log-likelihood, log word probs, log weights, iterations)."""
        R = rng.dirichlet(np.ones(self.n_components), size=X.shape[0])
        last = -np.inf
        iterations = 0
        for it in range(self.max_iter):
            iterations = it + 1
            L = _log_joint(X, *self._m_step(X, R))
            T = max(1.0, self.temperature * self.cooling ** it)
            R = np.exp((L - L.max(axis=1, keepdims=True)) / T)
            R /= R.sum(axis=1, keepdims=True)
            if T == 1.0:
                ll = float(_logsumexp_rows(L).mean())
                if ll - last < self.tol:
                    break
                last = ll
        params = self._m_step(X, R)
        return float(_logsumexp_rows(_log_joint(X, *params)).mean()), *params, iterations

    def fit(self, X, y=None) -> "MultinomialMixture":
        self._check_params()
        X = self._counts(X, reset=True)
        self.alpha_ = auto_alpha(X, self.n_components) if isinstance(self.alpha, str) else float(self.alpha)
        rng = check_random_state(self.random_state)
        runs = [self._run(X, rng) for _ in range(self.n_init)]
        self.log_likelihood_, self.log_word_prob_, self.log_weights_, self.n_iter_ = max(runs, key=lambda run: run[0])
        self.labels_ = self._log_joint(X).argmax(1)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Posterior theme probabilities per document."""
        check_is_fitted(self, "log_word_prob_")
        L = self._log_joint(self._counts(X, reset=False))
        return np.exp(L - _logsumexp_rows(L))

    def predict(self, X) -> np.ndarray:
        """The most probable theme of each document."""
        check_is_fitted(self, "log_word_prob_")
        return self._log_joint(self._counts(X, reset=False)).argmax(1)

    def transform(self, X) -> np.ndarray:
        """Documents as theme probabilities (same as :meth:`predict_proba`)."""
        return self.predict_proba(X)

    def score_samples(self, X) -> np.ndarray:
        """Log-likelihood of each document."""
        check_is_fitted(self, "log_word_prob_")
        return _logsumexp_rows(self._log_joint(self._counts(X, reset=False))).ravel()

    def score(self, X, y=None) -> float:
        """Mean log-likelihood per document."""
        check_is_fitted(self, "log_word_prob_")
        return float(_logsumexp_rows(self._log_joint(self._counts(X, reset=False))).mean())




def auto_alpha(X, n_components: int) -> float:
    """Smoothing for ``n_components`` themes: 0.1 × (counts per theme) / (words), kept in [0.01, 0.5].

    On 31k reviews with an 8k-word vocabulary this is ≈ 0.3; on 30 complaints ≈ 0.05.
    """
    X = sp.csr_matrix(X)
    per_word = float(X.sum()) / max(n_components, 1) / max(X.shape[1], 1)
    return float(np.clip(0.1 * per_word, 0.01, 0.5))


def heldout_k(X, ks, random_state=None, max_docs: int = 30_000, folds: int = 5, alpha: float = 0.3) -> tuple[int, dict]:
    """The number of themes by held-out likelihood, with the one-standard-error rule.

    Each k in ``ks`` is fitted on part of the documents and scored on the rest (log-likelihood
    per document): ``folds``-fold cross-validation on fewer than 1,000 documents, one 75 / 25
    split of at most ``max_docs`` documents otherwise. The chosen k is the smallest whose
    held-out likelihood is within one standard error of the best k's (standard error of the
    per-document differences): no more themes than the data supports, and no more than
    needed. A small batch supports few themes, a big one more.
    Returns ``(k, {k: held-out log-likelihood per document})``.

    >>> k, scores = heldout_k(X, range(2, 16), random_state=0)
    """
    X = sp.csr_matrix(X, dtype=np.float64)
    rng = check_random_state(random_state)
    m = X.shape[0]
    order = rng.permutation(m)[:max_docs]
    if len(order) < 1000:
        splits = [(np.setdiff1d(order, part), part) for part in np.array_split(order, min(folds, len(order)))]
    else:
        cut = int(len(order) * 0.75)
        splits = [(order[:cut], order[cut:])]
    ks = sorted({int(k) for k in ks if 1 <= int(k) <= m - 1})
    if not ks:
        return 1, {}
    per_doc = {}
    for k in ks:
        parts = []
        for train, test in splits:
            mm = MultinomialMixture(min(k, len(train)), alpha=alpha, n_init=1, max_iter=60, random_state=random_state).fit(X[train])
            parts.append(mm.score_samples(X[test]))
        per_doc[k] = np.concatenate(parts)
    scores = {k: float(v.mean()) for k, v in per_doc.items()}
    best = max(scores, key=scores.get)
    n_test = len(per_doc[best])
    chosen = best
    for k in ks:
        if k >= best:
            break
        diff = per_doc[best] - per_doc[k]
        se = float(diff.std(ddof=1) / np.sqrt(n_test)) if n_test > 1 else 0.0
        if diff.mean() <= se:
            chosen = k
            break
    return chosen, scores
