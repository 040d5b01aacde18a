"""The NumPy TF-IDF vectorizers give scikit-learn's TfidfVectorizer results on real-looking text."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from feedback_mining.data.read import load_labeled_corpus
from feedback_mining.models.features import CharNgramTfidf
from feedback_mining.text.normalize import normalize_many

EXTRA = ["", "好", "退款😡😡 OK", "服务员态度差!!!", "a b", "x" * 3000, "🚗" * 5 + "刹车失灵", "退款退款退款"]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return normalize_many(load_labeled_corpus()["text"].tolist()) + normalize_many(EXTRA)


@pytest.mark.parametrize("ngram_range", [(1, 3), (1, 1), (2, 3)])
def test_char_ngram_tfidf_equals_sklearn(texts, ngram_range):
    fit, new = texts[:1200] + normalize_many(EXTRA) * 2, texts[1200:]  # emoji n-grams in the vocabulary too
    ours = CharNgramTfidf(ngram_range=ngram_range, min_df=2, max_df=0.5, max_features=None).fit(fit)
    ref = TfidfVectorizer(analyzer="char", ngram_range=ngram_range, lowercase=False, sublinear_tf=True,
                          min_df=2, max_df=0.5).fit(fit)
    names = ours.get_feature_names_out()
    assert "😡" in set(names) or ngram_range[0] > 1
    assert sorted(names.tolist()) == sorted(ref.get_feature_names_out().tolist())
    order = np.argsort(names, kind="stable")  # our columns in sklearn's (sorted) order
    for batch in (new, fit[:300], ["退款"]):
        got = ours.transform(batch).toarray()[:, order]
        np.testing.assert_allclose(got, ref.transform(batch).toarray(), rtol=1e-12, atol=1e-12)
    assert ours.transform([]).shape == (0, len(names))


def test_an_ngram_never_spans_two_texts_even_if_the_vocabulary_holds_one():
    # a vocabulary fitted here never holds the batch separator; one that does (built by hand) must
    # still not see 「款\n客」 across two complaints of a batch
    from feedback_mining.models.ngrams import BITS, CharVocabulary

    def key(s):
        return sum(ord(c) << (BITS * i) for i, c in enumerate(s))

    words = ["退", "款", "客", "服", "退款", "客服", "款\n客"]
    keys = np.array(sorted(key(w) for w in words), dtype=np.uint64)
    vocab = CharVocabulary(keys, np.ones(len(keys)), (1, 3))
    rows = vocab.rows(["要退款", "客服不理"])
    names = [vocab.names()[c] for c in rows.cols]
    assert sorted(names) == sorted(["退", "款", "退款", "客", "服", "客服"])
    plain = CharVocabulary(keys[[key(w) != key("款\n客") for w in sorted(words, key=key)]], np.ones(len(keys) - 1), (1, 3))
    assert sorted(plain.names()[c] for c in plain.rows(["要退款", "客服不理"]).cols) == sorted(names)
