"""Clause scores from the whole texts' n-grams, without building the clause strings.

A detector also scores each clause of a long complaint: windows of two adjacent comma-separated
pieces within a sentence, joined by 「，」 (:func:`~feedback_mining.models.gapmodel.split_clauses`).
Every n-gram of a clause lies inside one of its pieces — and the pieces are slices of the whole
text, whose n-grams are already looked up — or spans the 「，」 that joins them (at most six per
clause). So the clauses' TF-IDF rows are put together from the whole texts' columns plus those
few, and their cue counts are the sums of their pieces' (no cue holds a separator): the same rows
and counts as scoring the clause strings, for a fraction of the work.

>>> layout = ClauseLayout.of(["房间很旧，前台态度很差，早餐一般"])
>>> layout.n_clauses, layout.owner.tolist(), layout.paired.tolist()
(3, [0, 0, 0], [True, True, False])
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..text.batch import BMP_END, SEP
from .ngrams import BITS, CharVocabulary, SparseRows

__all__ = ["ClauseLayout", "clause_rows", "clause_cue_counts", "cues_stay_in_pieces", "CLAUSE_END_CHARS", "CLAUSE_SEP_CHARS", "JOINER",
           "MIN_CLAUSE_TEXT"]

#: What ends a sentence (with runs of two or more whitespace characters) and what separates the
#: pieces of a sentence; the clause of two pieces joins them with ``JOINER``.
CLAUSE_END_CHARS = "。！？!?；;…~～\n"
CLAUSE_SEP_CHARS = "，,、 "
JOINER = "，"
#: Texts shorter than this have one clause: the whole-text score says it all.
MIN_CLAUSE_TEXT = 12

_TEXT, _END, _SEP = 0, 1, 2


@lru_cache(maxsize=1)
def _char_kinds() -> np.ndarray:
    """Per BMP code point (and one more entry for every other plane): text, sentence end or piece separator."""
    kinds = np.zeros(BMP_END + 1, dtype=np.uint8)
    kinds[[ord(c) for c in CLAUSE_END_CHARS]] = _END
    kinds[[ord(c) for c in CLAUSE_SEP_CHARS]] = _SEP
    return kinds


#: Whitespace other than a space or the batch separator: normalized texts hold none.
_OTHER_SPACE = re.compile(r"[^\S \n]")


def cues_stay_in_pieces(cues) -> bool:
    """True when no cue (``cues``: groups of phrases) holds a separator or whitespace, so no cue
    match crosses a piece's edge and a clause's count is the sum of its pieces'."""
    bad = set(CLAUSE_END_CHARS) | set(CLAUSE_SEP_CHARS)
    return not any(set(c) & bad or any(ch.isspace() for ch in c) for group in cues for c in group)


@dataclass
class ClauseLayout:
    """Where the clauses of a batch of normalized texts lie in its joined code points.

    ``text`` is the texts joined by ``SEP``, ``cps`` its code points and one more ``SEP`` (what
    :func:`~feedback_mining.models.ngrams.codepoints` gives). Clause ``k`` starts with piece ``k``
    (``start[k]:end[k]``) and, when ``paired[k]``, also holds piece ``k + 1`` after the joiner;
    ``owner[k]`` is its text. ``piece_of`` maps every code point to its piece (-1: a separator, or a
    text with one clause)."""

    text: str
    cps: np.ndarray
    n_docs: int
    start: np.ndarray
    end: np.ndarray
    paired: np.ndarray
    owner: np.ndarray
    piece_of: np.ndarray

    @property
    def n_clauses(self) -> int:
        return len(self.start)

    @classmethod
    def of(cls, texts) -> "ClauseLayout | None":
        """The layout of ``texts`` (normalized), or None when a text holds what the fast path does not
        handle the way :func:`split_clauses` does (a line break, whitespace other than a space)."""
        texts = list(texts)
        if any(SEP in t for t in texts):
            return None
        text = SEP.join(texts)
        if _OTHER_SPACE.search(text):
            return None
        cps = np.frombuffer((text + SEP).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        n_docs = len(texts)
        small = np.minimum(cps, BMP_END).astype(np.int64)
        is_doc_end = cps == ord(SEP)
        space = cps == ord(" ")  # the only whitespace left
        kind = _char_kinds()[small]
        # two or more spaces in a row end a sentence (split_clauses: \s{2,})
        run = np.zeros(len(cps), dtype=bool)
        both = space[1:] & space[:-1]
        run[1:] |= both
        run[:-1] |= both
        kind[run] = _END
        is_text = kind == _TEXT
        starts = np.flatnonzero(is_text & ~np.concatenate(([False], is_text[:-1])))
        ends = np.flatnonzero(is_text & ~np.concatenate((is_text[1:], [False]))) + 1
        doc_ends = np.flatnonzero(is_doc_end)
        doc_of = np.searchsorted(doc_ends, starts)
        doc_len = np.diff(doc_ends, prepend=-1) - 1
        pieces_per_doc = np.bincount(doc_of, minlength=n_docs)
        keep = ((doc_len >= MIN_CLAUSE_TEXT) & (pieces_per_doc > 1))[doc_of]
        # a piece pairs with the next one when no sentence end lies between them
        ends_before = np.cumsum(kind == _END)  # sentence ends up to and including each position
        paired = np.zeros(len(starts), dtype=bool)
        paired[:-1] = ends_before[starts[1:] - 1] == ends_before[ends[:-1] - 1]
        starts, ends, paired, doc_of = starts[keep], ends[keep], paired[keep], doc_of[keep]
        is_start = np.zeros(len(cps), dtype=np.int64)
        is_start[starts] = 1
        piece_of = np.cumsum(is_start) - 1  # the last piece starting at or before each position …
        inside = piece_of >= 0
        inside[inside] = np.arange(len(cps))[inside] < ends[piece_of[inside]]  # … if it has not ended
        piece_of[~inside] = -1
        return cls(text, cps, n_docs, starts, ends, paired, doc_of, piece_of)


def clause_rows(layout: ClauseLayout, vocab: CharVocabulary, col: np.ndarray) -> SparseRows:
    """The clauses' TF-IDF rows, from ``col`` (:meth:`CharVocabulary.position_columns` of ``layout.cps``):
    the rows :meth:`CharVocabulary.rows` gives for the clause strings."""
    lo, hi = vocab.ngram_range
    piece = layout.piece_of
    n = len(piece)
    # n-grams inside one piece: every position of the n-gram is in the same piece
    inside = np.empty(col.shape, dtype=bool)
    for order in range(lo, hi + 1):  # pieces are runs: the first and last character tell
        same = piece >= 0
        if order > 1:
            same[:n - order + 1] &= piece[order - 1:] == piece[:n - order + 1]
            same[n - order + 1:] = False
        inside[:, order - lo] = same
    hit = np.flatnonzero((col >= 0).ravel() & inside.ravel())
    orders = col.shape[1]
    own_rows = piece[hit // orders]
    own_cols = col.ravel()[hit].astype(np.int64)
    # the second piece of a pair counts for the clause that starts one piece earlier
    second = np.zeros(layout.n_clauses, dtype=bool)
    second[1:] = layout.paired[:-1]
    also = second[own_rows]
    rows = [own_rows, own_rows[also] - 1]
    cols = [own_cols, own_cols[also]]
    b_rows, b_cols = _joiner_ngrams(layout, vocab)
    rows.append(b_rows)
    cols.append(b_cols)
    return vocab.tfidf_rows(np.concatenate(rows), np.concatenate(cols), layout.n_clauses)


def _joiner_ngrams(layout: ClauseLayout, vocab: CharVocabulary) -> tuple[np.ndarray, np.ndarray]:
    """(clause, column) of the n-grams that hold the joiner of a paired clause: the last ``hi − 1``
    characters of its first piece, 「，」, the first ``hi − 1`` of its second."""
    lo, hi = vocab.ngram_range
    pairs = np.flatnonzero(layout.paired)
    width = hi - 1
    sep = np.uint64(ord(SEP))
    window = np.full((len(pairs), 2 * width + 1), sep, dtype=np.uint64)
    window[:, width] = ord(JOINER)
    a_start, a_end = layout.start[pairs], layout.end[pairs]
    b_start, b_end = layout.start[pairs + 1], layout.end[pairs + 1]
    for t in range(width):
        left = a_end - width + t  # characters before the joiner, nearest last
        ok = left >= a_start
        window[ok, t] = layout.cps[left[ok]]
        right = b_start + t
        ok = right < b_end
        window[ok, width + 1 + t] = layout.cps[right[ok]]
    rows, cols = [], []
    for order in range(lo, hi + 1):
        for first in range(max(0, width - order + 1), width + 1):  # n-grams that cover the joiner
            key = np.zeros(len(pairs), dtype=np.uint64)
            ok = np.ones(len(pairs), dtype=bool)
            for t in range(order):
                key |= window[:, first + t] << np.uint64(BITS * t)
                ok &= window[:, first + t] != sep
            found = np.full(len(pairs), -1, dtype=np.int64)
            if ok.any() and len(vocab):
                found[ok] = vocab.columns_of(key[ok])
            take = found >= 0
            rows.append(pairs[take])
            cols.append(found[take])
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # in clause order, so the rows stay in ascending runs for the sort
    rows_arr, cols_arr = np.concatenate(rows), np.concatenate(cols)
    order = np.argsort(rows_arr, kind="stable")
    return rows_arr[order].astype(np.int64), cols_arr[order]


def clause_cue_counts(layout: ClauseLayout, match_starts: list[np.ndarray]) -> np.ndarray:
    """Clauses × labels: cue matches per clause, from where each label's cues matched in the
    joined texts (offsets in ``layout.cps``); valid when no cue holds a separator."""
    counts = np.zeros((layout.n_clauses, len(match_starts)))
    for j, at in enumerate(match_starts):
        piece = layout.piece_of[at] if len(at) else np.zeros(0, np.int64)
        per_piece = np.bincount(piece[piece >= 0], minlength=layout.n_clauses).astype(np.float64)
        per_clause = per_piece.copy()
        per_clause[:-1] += np.where(layout.paired[:-1], per_piece[1:], 0.0)
        counts[:, j] = per_clause
    return counts
