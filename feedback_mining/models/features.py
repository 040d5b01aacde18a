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
from typing import Iterator

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize as l2_normalize
from sklearn.utils.validation import check_is_fitted

from ..text.batch import BMP_END, JoinedTexts
from .taxonomy import Taxonomy, load_taxonomy

__all__ = ["CharNgramTfidf", "WordNgramTfidf", "CueFeatures", "as_taxonomy"]

_SEP = "\x00"  # never in normalized text (control characters become spaces)
_BITS = 21  # code points < 2**21


def _df_filter(keys: np.ndarray, doc_ids: np.ndarray, n_docs: int, min_df, max_df, max_features):
    """Vocabulary keys (sorted) kept by document frequency, and their df."""
    pairs = np.unique(np.stack([keys, doc_ids.astype(np.uint64)], axis=1), axis=0)
    uniq, df = np.unique(pairs[:, 0], return_counts=True)
    total_uniq, total_counts = np.unique(keys, return_counts=True)
    min_count = min_df if isinstance(min_df, (int, np.integer)) else int(np.ceil(min_df * n_docs))
    max_count = max_df if isinstance(max_df, (int, np.integer)) else int(max_df * n_docs)
    keep = (df >= min_count) & (df <= max(max_count, 1))
    if max_features is not None and keep.sum() > max_features:
        freq = total_counts[np.searchsorted(total_uniq, uniq)]
        order = np.argsort(-np.where(keep, freq, -1), kind="stable")[:max_features]
        mask = np.zeros_like(keep)
        mask[order] = True
        keep &= mask
    return uniq[keep], df[keep]


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


def _index(vec) -> pd.Index:
    """The vocabulary as a hashed index, built once per process (not pickled)."""
    idx = vec.__dict__.get("_index")
    if idx is None:
        idx = vec._index = pd.Index(vec.vocab_)
    return idx


def _codepoints(docs) -> tuple[int, np.ndarray]:
    """Number of documents and their code points, each document followed by a separator (0)."""
    docs = [d if isinstance(d, str) else ("" if d is None else str(d)) for d in docs]
    joined = _SEP.join(d.replace(_SEP, " ") if _SEP in d else d for d in docs) + _SEP
    return len(docs), np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)


def _grown_ngrams(cps: np.ndarray, hi: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """For n = 1 … ``hi``: (n, key of the n-gram starting at each position, whether it holds no
    separator), grown one character at a time. The arrays are reused: copy what you keep."""
    is_sep = cps == 0
    key, ok = np.zeros(len(cps), dtype=np.uint64), np.ones(len(cps), dtype=bool)
    for n in range(1, hi + 1):
        m = len(cps) - n + 1
        if m <= 0:
            return
        key[:m] |= cps[n - 1:] << np.uint64(_BITS * (n - 1))
        ok[:m] &= ~is_sep[n - 1:]
        yield n, key[:m], ok[:m]


class _KeyedTfidf(TransformerMixin, BaseEstimator):
    """Shared fit/transform: subclasses turn documents into (n-gram keys, document ids, n_docs)."""

    def _keys(self, docs):  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit_keys(self, docs):
        return self._keys(docs)

    def fit(self, X, y=None):
        keys, doc_ids, n_docs = self._fit_keys(X)
        vocab, df = _df_filter(keys, doc_ids, n_docs, self.min_df, self.max_df, self.max_features)
        if len(vocab) == 0:  # a tiny corpus: keep every n-gram rather than none
            vocab, df = _df_filter(keys, doc_ids, n_docs, 1, 1.0, self.max_features)
        self.vocab_ = vocab
        self.idf_ = np.log((1 + n_docs) / (1 + df)) + 1.0
        return self

    def transform(self, X):
        check_is_fitted(self, "vocab_")
        keys, doc_ids, n_docs = self._keys(X)
        return _tfidf(keys, doc_ids, n_docs, _index(self), self.idf_)

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_index", None)  # rebuilt on first use in each process
        state.pop("_unigram_table", None)
        return state


class CharNgramTfidf(_KeyedTfidf):
    """TF-IDF over character n-grams (1 ≤ n ≤ 3), like ``TfidfVectorizer(analyzer="char")``."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 3), min_df=2, max_df=0.5, max_features: int | None = 300_000):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features

    def _keys(self, docs) -> tuple[np.ndarray, np.ndarray, int]:
        lo, hi = self.ngram_range
        if not 1 <= lo <= hi <= 3:
            raise ValueError("ngram_range must be within (1, 3)")
        n_docs, cps = _codepoints(docs)
        is_sep = cps == 0
        doc_of = np.cumsum(is_sep) - is_sep  # doc index of each position
        keys_all, docs_all = [np.zeros(0, np.uint64)], [np.zeros(0, np.int64)]
        for n, key, ok in _grown_ngrams(cps, hi):
            if n >= lo:
                keys_all.append(key[ok])
                docs_all.append(doc_of[:len(ok)][ok])
        return np.concatenate(keys_all), np.concatenate(docs_all).astype(np.int64), n_docs

    def transform(self, X):
        """Like :meth:`_KeyedTfidf.transform`, but n-grams are laid out position by position, so
        each document's n-grams are contiguous and the CSR matrix is built without a row sort."""
        check_is_fitted(self, "vocab_")
        lo, hi = self.ngram_range
        n_docs, cps = _codepoints(X)
        vocab = _index(self)
        if n_docs == 0:
            return sparse.csr_matrix((0, len(vocab)), dtype=np.float64)
        orders = hi - lo + 1
        col = np.full((len(cps), orders), -1, dtype=np.int32)  # col[i, n - lo]: vocabulary column of the n-gram at i
        for n, key, ok in _grown_ngrams(cps, hi):
            if n >= lo and len(vocab):
                at = np.flatnonzero(ok)
                col[at, n - lo] = self._unigram_columns(key[at]) if n == 1 else vocab.get_indexer(key[at])
        hits = np.flatnonzero(col.ravel() >= 0)  # position-major: each document's n-grams are contiguous
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        indptr[1:] = np.searchsorted(hits // orders, np.flatnonzero(cps == 0))  # n-grams before each separator
        X = sparse.csr_matrix((np.ones(len(hits)), col.ravel()[hits], indptr), shape=(n_docs, len(vocab)))
        X.sum_duplicates()
        np.log(X.data, out=X.data)
        X.data += 1.0
        X.data *= self.idf_[X.indices]
        return l2_normalize(X, copy=False)

    def _unigram_columns(self, keys: np.ndarray) -> np.ndarray:
        """Vocabulary columns of single characters: a table for the Basic Multilingual Plane."""
        table = self.__dict__.get("_unigram_table")
        if table is None:  # built once per process, like the hashed index (not pickled)
            table = np.full(BMP_END + 1, -1, dtype=np.int32)
            single = np.flatnonzero(self.vocab_ < BMP_END)
            table[self.vocab_[single].astype(np.int64)] = single
            self._unigram_table = table
        cols = table[np.minimum(keys, BMP_END).astype(np.int64)]
        astral = np.flatnonzero(keys >= BMP_END)  # emoji and rare characters: the hashed index
        if len(astral):
            cols[astral] = _index(self).get_indexer(keys[astral])
        return cols

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "vocab_")
        mask = np.uint64((1 << _BITS) - 1)
        names = []
        for key in self.vocab_:
            chars = []
            while key:
                chars.append(chr(int(key & mask)))
                key >>= np.uint64(_BITS)
            names.append("".join(chars))
        return np.array(names, dtype=object)


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
        texts = JoinedTexts([t if isinstance(t, str) else "" for t in X])  # one regex pass per label
        counts = np.zeros((texts.n_rows, len(self.codes_)))
        for j, rx in enumerate(self.taxonomy_.cue_patterns()):
            counts[:, j] = texts.count(rx)
        return sparse.csr_matrix(np.log1p(counts))

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "taxonomy_")
        return np.array([f"cues:{c}" for c in self.codes_], dtype=object)


def as_taxonomy(tax: Taxonomy | str | os.PathLike | None) -> Taxonomy:
    if isinstance(tax, Taxonomy):
        return tax
    return load_taxonomy(tax)
