"""Fast TF-IDF for Chinese text: character n-grams and word n-grams, vectorized with NumPy.

scikit-learn's ``TfidfVectorizer`` builds every n-gram as a Python string and looks it up
in a dict, one at a time; on short complaints that is most of the prediction time. Here a
whole batch becomes one array of code points (chars) or token ids (words), n-grams become
64-bit keys, and the vocabulary lookup is one ``searchsorted``. Semantics follow
``TfidfVectorizer(sublinear_tf=True, smooth_idf=True, norm="l2")`` with ``min_df``,
``max_df`` and ``max_features``.

>>> vec = CharNgramTfidf(ngram_range=(1, 3)).fit(["退款太慢", "客服不回复"])
>>> vec.transform(["退款"]).shape
(1, 22)
"""
from __future__ import annotations

import os
from itertools import chain

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize as l2_normalize
from sklearn.utils.validation import check_is_fitted

from .ngrams import CharVocabulary, df_filter
from .taxonomy import Taxonomy, load_taxonomy

__all__ = ["CharNgramTfidf", "WordNgramTfidf", "CueFeatures", "as_taxonomy"]

def _tfidf(keys: np.ndarray, doc_ids: np.ndarray, n_docs: int, vocab: pd.Index, idf: np.ndarray) -> sparse.csr_matrix:
    if len(vocab) == 0 or len(keys) == 0:
        return sparse.csr_matrix((n_docs, len(vocab)), dtype=np.float64)
    pos = vocab.get_indexer(keys)  # hash lookup: several times faster than searchsorted here
    hit = pos >= 0
    rows, cols = doc_ids[hit], pos[hit]
    X = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_docs, len(vocab)), dtype=np.float64)
    X.sum_duplicates()
    np.log(X.data, out=X.data)
    X.data += 1.0
    X = X @ sparse.diags(idf)
    return l2_normalize(X, copy=False).tocsr()


class _KeyedTfidf(TransformerMixin, BaseEstimator):
    """Shared fit/transform: subclasses turn documents into (n-gram keys, document ids, n_docs)."""

    def _keys(self, docs):  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit_keys(self, docs):
        return self._keys(docs)

    def fit(self, X, y=None):
        keys, doc_ids, n_docs = self._fit_keys(X)
        vocab, df = df_filter(keys, doc_ids, n_docs, self.min_df, self.max_df, self.max_features)
        if len(vocab) == 0:  # a tiny corpus: keep every n-gram rather than none
            vocab, df = df_filter(keys, doc_ids, n_docs, 1, 1.0, self.max_features)
        self.vocab_ = vocab
        self.idf_ = np.log((1 + n_docs) / (1 + df)) + 1.0
        return self

    def transform(self, X):
        check_is_fitted(self, "vocab_")
        keys, doc_ids, n_docs = self._keys(X)
        return _tfidf(keys, doc_ids, n_docs, pd.Index(self.vocab_), self.idf_)


class CharNgramTfidf(TransformerMixin, BaseEstimator):
    """TF-IDF over character n-grams (1 ≤ n ≤ 3), like ``TfidfVectorizer(analyzer="char", sublinear_tf=True)``.

    The fitted vocabulary is a :class:`~feedback_mining.models.ngrams.CharVocabulary` (plain arrays)
    in ``vocabulary_``.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 3), min_df=2, max_df=0.5, max_features: int | None = 300_000):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features

    def fit(self, X, y=None):
        self.vocabulary_ = CharVocabulary.fit(X, tuple(self.ngram_range), self.min_df, self.max_df, self.max_features)
        return self

    @property
    def vocab_(self) -> np.ndarray:
        return self.vocabulary_.keys

    @property
    def idf_(self) -> np.ndarray:
        return self.vocabulary_.idf

    def transform(self, X):
        check_is_fitted(self, "vocabulary_")
        r = self.vocabulary_.rows(X)
        return sparse.csr_matrix((r.vals, r.cols, r.indptr), shape=(r.n_rows, r.n_cols))

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "vocabulary_")
        return self.vocabulary_.names()


class WordNgramTfidf(_KeyedTfidf):
    """TF-IDF over word unigrams and bigrams from a tokenizer (default: the project's :class:`Tokenizer`)."""

    def __init__(self, tokenizer=None, ngram_max: int = 2, min_df=2, max_df=0.5, max_features: int | None = None):
        self.tokenizer = tokenizer
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features

    def _tok(self):
        if self.tokenizer is not None:
            return self.tokenizer
        from ..text.tokenizer import Tokenizer

        return Tokenizer(normalize=False)

    def _fit_keys(self, docs):
        return self._keys(docs, grow=True)

    def _keys(self, docs, grow: bool = False):
        if self.ngram_max not in (1, 2):
            raise ValueError("ngram_max must be 1 or 2")
        tok = self._tok()
        token_lists = [tok(d) for d in docs]
        n_docs = len(token_lists)
        lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=n_docs)
        flat = list(chain.from_iterable(token_lists))
        if grow:
            self.token_ids_ = {t: i for i, t in enumerate(dict.fromkeys(flat))}
        ids = self.token_ids_
        tid = np.array([ids.get(t, -1) for t in flat], dtype=np.int64) + 1  # 0 = unknown token
        doc_ids = np.repeat(np.arange(n_docs), lengths)
        keys = [tid.astype(np.uint64)]
        docs_k = [doc_ids]
        if self.ngram_max == 2 and len(tid) > 1:
            same_doc = doc_ids[:-1] == doc_ids[1:]
            known = (tid[:-1] > 0) & (tid[1:] > 0) & same_doc
            big = (tid[:-1].astype(np.uint64) << np.uint64(32)) | tid[1:].astype(np.uint64)
            keys.append(big[known])
            docs_k.append(doc_ids[:-1][known])
        keys_arr, docs_arr = np.concatenate(keys), np.concatenate(docs_k)
        unknown = keys_arr == 0
        return keys_arr[~unknown], docs_arr[~unknown], n_docs

    def fit(self, X, y=None):
        super().fit(X, y)
        # Only the tokens the vocabulary needs are kept (smaller model files).
        needed = set((self.vocab_ & np.uint64(0xFFFFFFFF)).tolist()) | set((self.vocab_ >> np.uint64(32)).tolist())
        self.token_ids_ = {t: i for t, i in self.token_ids_.items() if i + 1 in needed}
        return self

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "vocab_")
        inv = {i + 1: t for t, i in self.token_ids_.items()}
        names = []
        for key in self.vocab_.tolist():
            hi, lo = key >> 32, key & 0xFFFFFFFF
            names.append(f"{inv.get(hi, '?')} {inv.get(lo, '?')}" if hi else inv.get(lo, "?"))
        return np.array(names, dtype=object)


class CueFeatures(TransformerMixin, BaseEstimator):
    """Per label: log(1 + number of cue phrases found)."""

    def __init__(self, taxonomy: Taxonomy | str | None = None):
        self.taxonomy = taxonomy

    def fit(self, X, y=None):
        self.taxonomy_ = as_taxonomy(self.taxonomy)
        self.codes_ = self.taxonomy_.codes
        return self

    def transform(self, X):
        check_is_fitted(self, "taxonomy_")
        return sparse.csr_matrix(np.log1p(self.taxonomy_.cue_counts(X)))

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "taxonomy_")
        return np.array([f"cues:{c}" for c in self.codes_], dtype=object)


def as_taxonomy(tax: Taxonomy | str | os.PathLike | None) -> Taxonomy:
    if isinstance(tax, Taxonomy):
        return tax
    return load_taxonomy(tax)
