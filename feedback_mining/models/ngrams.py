"""Character n-gram TF-IDF as plain NumPy arrays: what a loaded model needs to score texts, with no
scikit-learn or SciPy import (a model loads and predicts in a fraction of a second).

>>> vocab = CharVocabulary.fit(["退款太慢", "客服不回复"], ngram_range=(1, 3), min_df=1, max_df=1.0)
>>> rows = vocab.rows(["退款"])
>>> rows.indptr, len(rows.cols)
(array([0, 3]), 3)

An n-gram is a 64-bit key (21 bits per code point); a batch of texts becomes one array of code
points and every n-gram of every text is looked up at once. Semantics follow scikit-learn's
``TfidfVectorizer(analyzer="char", sublinear_tf=True, smooth_idf=True, norm="l2")``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from ..text.batch import BMP_END, SEP

__all__ = ["CharVocabulary", "SparseRows", "df_filter", "codepoints", "grown_ngrams", "decode_key"]

BITS = 21  # code points < 2**21
_SEP_CP = np.uint64(ord(SEP))


@dataclass
class SparseRows:
    """A CSR matrix as three arrays (row pointers, column indices, values)."""

    indptr: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    n_cols: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """``rows @ weights`` for a dense ``weights`` (n_cols × k): one gather and one segment sum."""
        out = np.zeros((self.n_rows, weights.shape[1]), dtype=np.float64)
        if len(self.cols):
            contrib = np.take(weights, self.cols, axis=0) * self.vals[:, None]  # take: ~8× faster than weights[cols] on rows
            nonempty = np.flatnonzero(np.diff(self.indptr) > 0)
            out[nonempty] = np.add.reduceat(contrib, self.indptr[nonempty], axis=0)
        return out


def codepoints(docs) -> tuple[int, np.ndarray]:
    """Number of documents and their code points, each document followed by a separator (``SEP``)."""
    docs = [d if isinstance(d, str) else ("" if d is None else str(d)) for d in docs]
    joined = SEP.join(d.replace(SEP, " ") if SEP in d else d for d in docs) + SEP
    return len(docs), np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)


def grown_ngrams(cps: np.ndarray, hi: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """For n = 1 … ``hi``: (n, key of the n-gram starting at each position, whether it holds no
    separator), grown one character at a time. The arrays are reused: copy what you keep."""
    is_sep = cps == _SEP_CP
    key, ok = np.zeros(len(cps), dtype=np.uint64), np.ones(len(cps), dtype=bool)
    for n in range(1, hi + 1):
        m = len(cps) - n + 1
        if m <= 0:
            return
        key[:m] |= cps[n - 1:] << np.uint64(BITS * (n - 1))
        ok[:m] &= ~is_sep[n - 1:]
        yield n, key[:m], ok[:m]


def decode_key(key: int) -> str:
    """The n-gram a key stands for."""
    chars, key, mask = [], int(key), (1 << BITS) - 1
    while key:
        chars.append(chr(key & mask))
        key >>= BITS
    return "".join(chars)


def df_filter(keys: np.ndarray, doc_ids: np.ndarray, n_docs: int, min_df, max_df, max_features):
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


@dataclass
class CharVocabulary:
    """Fitted character n-gram vocabulary: sorted keys, their idf and the n-gram range."""

    keys: np.ndarray
    idf: np.ndarray
    ngram_range: tuple[int, int] = (1, 3)
    _index: object = field(default=None, repr=False, compare=False)  # pandas.Index, built on first large lookup
    _unigrams: np.ndarray | None = field(default=None, repr=False, compare=False)
    _with_sep: bool | None = field(default=None, repr=False, compare=False)

    @staticmethod
    def doc_keys(docs, ngram_range: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, int]:
        """Every n-gram key of every document, with its document id, and the number of documents."""
        lo, hi = ngram_range
        if not 1 <= lo <= hi <= 3:
            raise ValueError("ngram_range must be within (1, 3)")
        n_docs, cps = codepoints(docs)
        is_sep = cps == _SEP_CP
        doc_of = np.cumsum(is_sep) - is_sep  # doc index of each position
        keys_all, docs_all = [np.zeros(0, np.uint64)], [np.zeros(0, np.int64)]
        for n, key, ok in grown_ngrams(cps, hi):
            if n >= lo:
                keys_all.append(key[ok])
                docs_all.append(doc_of[:len(ok)][ok])
        return np.concatenate(keys_all), np.concatenate(docs_all).astype(np.int64), n_docs

    @classmethod
    def fit(cls, docs, ngram_range=(1, 3), min_df=2, max_df=0.5, max_features: int | None = 300_000) -> "CharVocabulary":
        keys, doc_ids, n_docs = cls.doc_keys(docs, tuple(ngram_range))
        vocab, df = df_filter(keys, doc_ids, n_docs, min_df, max_df, max_features)
        if len(vocab) == 0:  # a tiny corpus: keep every n-gram rather than none
            vocab, df = df_filter(keys, doc_ids, n_docs, 1, 1.0, max_features)
        return cls(vocab, np.log((1 + n_docs) / (1 + df)) + 1.0, tuple(ngram_range))

    def __len__(self) -> int:
        return len(self.keys)

    def index(self):
        """The keys as a hashed ``pandas.Index``, built on first use in each process (several times
        faster than searchsorted on large batches)."""
        if self._index is None:
            import pandas as pd  # not at import: loading a model and predicting a few texts need NumPy only

            self._index = pd.Index(self.keys)
        return self._index

    def columns_of(self, keys: np.ndarray) -> np.ndarray:
        """Column of each n-gram key, -1 when it is not in the vocabulary."""
        if self._index is None and len(keys) < 20_000:  # a few texts: binary search, no index to build
            pos = np.searchsorted(self.keys, keys)
            pos = np.minimum(pos, len(self.keys) - 1)
            return np.where(self.keys[pos] == keys, pos, -1)
        return self.index().get_indexer(keys)

    def _unigram_columns(self, keys: np.ndarray) -> np.ndarray:
        """Columns of single characters: a table for the Basic Multilingual Plane, the hashed index beyond it."""
        if self._unigrams is None:
            table = np.full(BMP_END + 1, -1, dtype=np.int32)
            single = np.flatnonzero(self.keys < BMP_END)
            table[self.keys[single].astype(np.int64)] = single
            self._unigrams = table
        cols = self._unigrams[np.minimum(keys, BMP_END).astype(np.int64)]
        astral = np.flatnonzero(keys >= BMP_END)  # emoji and rare characters
        if len(astral):
            cols[astral] = self.columns_of(keys[astral])
        return cols

    def rows(self, docs) -> SparseRows:
        """TF-IDF rows (sublinear tf, l2-normalized) of ``docs``. n-grams are laid out position by
        position, so each document's n-grams are contiguous and no row sort is needed."""
        n_docs, cps = codepoints(docs)
        return self.doc_rows(n_docs, cps, self.position_columns(cps))

    def doc_rows(self, n_docs: int, cps: np.ndarray, col: np.ndarray) -> SparseRows:
        """:meth:`rows` of the documents joined in ``cps`` (:func:`codepoints`), ``col`` their
        :meth:`position_columns`."""
        orders = col.shape[1]
        hits = np.flatnonzero(col.ravel() >= 0)
        row_ptr = np.zeros(n_docs + 1, dtype=np.int64)
        row_ptr[1:] = np.searchsorted(hits // orders, np.flatnonzero(cps == _SEP_CP))
        row_at = np.repeat(np.arange(n_docs, dtype=np.int64), np.diff(row_ptr))
        return self.tfidf_rows(row_at, col.ravel()[hits].astype(np.int64), n_docs)

    def position_columns(self, cps: np.ndarray) -> np.ndarray:
        """``col[i, n - lo]``: the column of the n-gram starting at code point ``i`` (-1: none, or it
        holds a separator), for the separator-joined code points of :func:`codepoints`."""
        lo, hi = self.ngram_range
        col = np.full((len(cps), hi - lo + 1), -1, dtype=np.int32)
        if len(self.keys):
            every = not self._holds_separator()  # an n-gram over a separator then finds no column anyway
            for n, key, ok in grown_ngrams(cps, hi):
                if n >= lo:
                    if every:
                        col[:len(key), n - lo] = self._unigram_columns(key) if n == 1 else self.columns_of(key)
                    else:
                        at = np.flatnonzero(ok)
                        col[at, n - lo] = self._unigram_columns(key[at]) if n == 1 else self.columns_of(key[at])
        return col

    def _holds_separator(self) -> bool:
        """Whether a key has a separator character (never, for a vocabulary fitted here)."""
        if self._with_sep is None:
            chars = [(self.keys >> np.uint64(BITS * t)) & np.uint64((1 << BITS) - 1) for t in range(self.ngram_range[1])]
            self._with_sep = bool(any(np.any(c == _SEP_CP) for c in chars))
        return self._with_sep

    def tfidf_rows(self, row_at: np.ndarray, cols: np.ndarray, n_rows: int) -> SparseRows:
        """TF-IDF rows from every n-gram occurrence: its row (ascending, or in ascending runs) and
        its column; a column seen k times in a row weighs (1 + log k) · idf."""
        # sum duplicate columns within each row: sort one (row, col) key and count runs — a single
        # int64 sort is several times faster than lexsort on two keys, and the stable sort (timsort)
        # is ~5× faster than quicksort here because the rows are already in order: only each row's
        # short run of columns needs sorting
        n_cols = max(len(self.keys), 1)
        key = row_at * n_cols
        key += cols
        key.sort(kind="stable")
        new = np.ones(len(key), dtype=bool)
        new[1:] = key[1:] != key[:-1]
        starts = np.flatnonzero(new)
        counts = np.diff(starts, append=len(key))
        key = np.take(key, starts)
        row_of = key // n_cols
        cols = key - row_of * n_cols
        vals = np.take(self.idf, cols)  # (1 + log 1) · idf = idf: the logarithm only where a column repeats
        again = np.flatnonzero(counts > 1)
        vals[again] *= np.log(counts[again].astype(np.float64)) + 1.0
        norms = np.sqrt(np.bincount(row_of, weights=vals * vals, minlength=n_rows))
        vals /= np.take(np.where(norms > 0, norms, 1.0), row_of)
        indptr = np.zeros(n_rows + 1, dtype=np.int64)  # a row's entries start at its first unique key
        np.cumsum(np.bincount(row_of, minlength=n_rows), out=indptr[1:])
        return SparseRows(indptr, cols, vals, len(self.keys))

    def names(self) -> np.ndarray:
        """The n-gram of every column."""
        return np.array([decode_key(k) for k in self.keys.tolist()], dtype=object)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_index"] = state["_unigrams"] = None  # rebuilt on first use in each process
        return state
