"""MultinomialMixture against scikit-learn's own estimator checks (it takes numeric count matrices).

Its tags say what it takes: non-negative input (``positive_only``; the checks then feed
non-negative data) and sparse matrices. Three of scikit-learn's checks assume things that do not
hold for a mixture of multinomials; they run as expected failures (a fix on either side turns
them into errors) and are replaced by the count-data versions below:

- check_clustering: fits standardized Gaussian blobs, i.e. negative values, which counts never
  are (the check ignores the ``positive_only`` tag) → test_recovers_multinomial_clusters.
- check_estimator_sparse_array, check_estimator_sparse_matrix: the check treats any estimator
  with ``predict_proba`` as a classifier and reads ``classifier_tags`` (None for a clusterer), so
  it fails even though sparse input works → test_sparse_and_dense_input_agree.
- check_array_api_input is skipped by scikit-learn itself unless SCIPY_ARRAY_API=1.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from feedback_mining.models.mixture import MultinomialMixture

WHY = {
    "check_clustering": "feeds standardized blobs with negative values; counts are never negative "
                        "(replaced by test_recovers_multinomial_clusters)",
    "check_estimator_sparse_array": "reads classifier_tags of any estimator with predict_proba; sparse "
                                    "input works (replaced by test_sparse_and_dense_input_agree)",
    "check_estimator_sparse_matrix": "reads classifier_tags of any estimator with predict_proba; sparse "
                                     "input works (replaced by test_sparse_and_dense_input_agree)",
}


@parametrize_with_checks([MultinomialMixture(n_components=3, random_state=0)],
                         expected_failed_checks=lambda est: WHY, xfail_strict=True)
def test_sklearn_check(estimator, check):
    check(estimator)


def _counts(seed: int = 0, n: int = 300):
    """Word counts drawn from three multinomials over 30 words (each theme prefers its own 10)."""
    rng = np.random.RandomState(seed)
    truth = np.arange(n) % 3
    prefs = np.full((3, 30), 0.2)
    for t in range(3):
        prefs[t, t * 10:(t + 1) * 10] = 5.0
    prefs /= prefs.sum(1, keepdims=True)
    X = np.vstack([rng.multinomial(rng.randint(3, 12), prefs[t]) for t in truth])
    return X, truth


def test_recovers_multinomial_clusters():
    X, truth = _counts()
    mm = MultinomialMixture(3, random_state=0)
    labels = mm.fit_predict(X)
    assert labels.dtype.kind == "i" and set(labels.tolist()) == {0, 1, 2}
    assert adjusted_rand_score(truth, labels) > 0.9
    np.testing.assert_array_equal(mm.labels_, labels)
    np.testing.assert_array_equal(MultinomialMixture(3, random_state=0).fit(X.tolist()).labels_, labels)
    assert 1 <= mm.n_iter_ <= mm.max_iter


def test_sparse_and_dense_input_agree():
    X, _ = _counts(1)
    dense = MultinomialMixture(3, random_state=0).fit(X)
    for to_sparse in (sp.csr_matrix, sp.csc_matrix, sp.coo_array, sp.csr_array):
        est = MultinomialMixture(3, random_state=0).fit(to_sparse(X))
        np.testing.assert_array_equal(est.labels_, dense.labels_)
        np.testing.assert_allclose(est.predict_proba(to_sparse(X)), dense.predict_proba(X), rtol=1e-10)
        assert est.score(to_sparse(X)) == pytest.approx(dense.score(X))


def test_refuses_negative_counts_and_wrong_widths():
    X, _ = _counts(2)
    with pytest.raises(ValueError, match="Negative"):
        MultinomialMixture(3).fit(sp.csr_matrix(-X))
    mm = MultinomialMixture(3, random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        mm.predict(X[:, :-1])
