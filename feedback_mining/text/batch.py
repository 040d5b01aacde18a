"""Many short texts as one string, so a regular expression (or an array pass) covers a whole batch.

Calling ``rx.finditer`` once per complaint costs more in Python overhead than the scan
itself; most complaints match nothing. :class:`JoinedTexts` joins a batch with newlines
(normalized complaints never contain one) and maps every match back to its row.

>>> jt = JoinedTexts(["退款太慢", "客服不回复，要求退款"])
>>> [(row, m.group(0)) for row, m in jt.finditer(re.compile("退款"))]
[(0, '退款'), (1, '退款')]
"""
from __future__ import annotations

import re
from typing import Iterator, Sequence

import numpy as np

__all__ = ["JoinedTexts", "LiteralGate", "trie_pattern", "apply_joined", "SEP", "RAW_SEP", "BMP_END"]

#: Joins normalized texts (normalization turns every newline into a space).
SEP = "\n"
#: Joins raw values (before normalization): a private-use character, which normalization maps to a space.
RAW_SEP = "\ue000"
#: Code points below it are in the Basic Multilingual Plane (table lookups cover it).
BMP_END = 0x10000
_MARK = "\x01"


class JoinedTexts:
    """Texts joined by newlines, with each row's start and end offset in the joined string."""

    def __init__(self, texts: Sequence[str]):
        texts = [t.replace(SEP, " ") if SEP in t else t for t in texts]
        self.n_rows = len(texts)
        self.text = SEP.join(texts)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        self.ends = np.cumsum(lengths + 1) - 1  # offset of each row's trailing separator
        self.starts = self.ends - lengths

    def rows_of(self, positions: Sequence[int]) -> np.ndarray:
        """Row index of each offset in the joined string."""
        return np.searchsorted(self.ends, np.asarray(positions, dtype=np.int64), side="left")

    def finditer(self, rx: re.Pattern) -> Iterator[tuple[int, re.Match]]:
        """``(row, match)`` for every match of ``rx``; patterns must not match a newline."""
        matches = list(rx.finditer(self.text))
        if not matches:
            return iter(())
        return zip(self.rows_of([m.start() for m in matches]).tolist(), matches)

    def finditer_rows(self, rx: re.Pattern, rows: Sequence[int]) -> Iterator[tuple[int, re.Match]]:
        """``(row, match)`` for every match of ``rx`` in the given rows (ascending): the same
        matches a scan of the whole batch finds there, for the cost of scanning those rows
        (e.g. the rows a :class:`LiteralGate` passed)."""
        starts, ends, text = self.starts, self.ends, self.text
        return ((row, m) for row in rows for m in rx.finditer(text, int(starts[row]), int(ends[row])))

    def count(self, rx: re.Pattern) -> np.ndarray:
        """Number of matches of ``rx`` in each row."""
        if _MARK in self.text:  # cannot mark matches; count them one by one
            positions = [m.start() for m in rx.finditer(self.text)]
            return np.bincount(self.rows_of(positions), minlength=self.n_rows) if positions else np.zeros(self.n_rows, np.int64)
        # Replace every match by a marker character, then count markers per row with array operations.
        marked = np.frombuffer(rx.sub(_MARK, self.text).encode("utf-32-le"), dtype=np.uint32)
        row = np.searchsorted(np.flatnonzero(marked == ord(SEP)), np.flatnonzero(marked == ord(_MARK)))
        return np.bincount(row, minlength=self.n_rows)


class LiteralGate:
    """Which texts may contain a phrase of each group, by array operations on code points.

    A text passes for a group if it holds the first one or two characters of one of the group's
    phrases: a superset of the texts that contain one, so a gate only decides which texts the
    exact (slower) patterns must scan. One pass for up to 64 groups costs a fraction of one
    regular-expression scan.

    >>> LiteralGate([["退款", "曝光"], ["太慢"]]).rows(JoinedTexts(["要求退款", "物流太慢", "我要曝"])).tolist()
    [[True, False], [False, True], [False, False]]
    """

    def __init__(self, groups: Sequence[Sequence[str]]):
        if not 1 <= len(groups) <= 64:
            raise ValueError("LiteralGate takes 1 to 64 groups of phrases")
        chars = sorted({ch for words in groups for w in words if w for ch in w[:2]})
        if any(ord(ch) >= BMP_END for ch in chars):
            raise ValueError("LiteralGate phrases must start with characters of the Basic Multilingual Plane")
        self.n_groups = len(groups)
        self._size = len(chars) + 1  # id 0: every other character
        self._ids = np.zeros(BMP_END + 1, dtype=np.int32)  # small enough to stay in the CPU cache
        self._ids[[ord(ch) for ch in chars]] = np.arange(1, self._size)
        self._bits = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if np.dtype(t).itemsize * 8 >= self.n_groups)
        self._single = np.zeros(self._size, dtype=self._bits)  # bit g: a phrase of group g is this character
        self._pairs = np.zeros(self._size * self._size, dtype=self._bits)  # bit g: a phrase of group g starts so
        for g, words in enumerate(groups):
            bit = self._bits(1 << g)
            for w in words:
                if len(w) == 1:
                    self._single[self._ids[ord(w)]] |= bit
                elif w:
                    self._pairs[self._ids[ord(w[0])] * self._size + self._ids[ord(w[1])]] |= bit

    def rows(self, texts: JoinedTexts) -> np.ndarray:
        """Boolean matrix, rows × groups: may the row contain a phrase of the group?"""
        if not texts.n_rows:
            return np.zeros((0, self.n_groups), dtype=bool)
        codepoints = np.frombuffer(texts.text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        ids = np.take(self._ids, codepoints, mode="clip")  # emoji and other planes: the last entry, id 0
        hit = np.zeros(len(ids) + 1, dtype=self._bits)  # one more: where an empty last row starts
        np.take(self._single, ids, out=hit[:-1])
        if len(ids) > 1:
            pair = ids[:-1] * self._size
            pair += ids[1:]
            hit[:-2] |= np.take(self._pairs, pair)  # the separator's id 0 starts no pair
        found = np.bitwise_or.reduceat(hit, texts.starts)  # row i: its characters and its separator
        return (found[:, None] >> np.arange(self.n_groups, dtype=self._bits)) & 1 == 1


def trie_pattern(words: Sequence[str]) -> str:
    """A regular expression matching the same spans as ``"|".join(words, longest first)``, much faster.

    An alternation of hundreds of phrases makes the regex engine try each one at every
    position; the same phrases as a prefix tree cost one comparison per character. Longer
    phrases are preferred, so each match is the longest phrase starting there.

    >>> trie_pattern(["退款", "退款难", "退货"])
    '退(?:款(?:难)?|货)'
    """
    trie: dict = {}
    for word in words:
        if word:
            node = trie
            for ch in word:
                node = node.setdefault(ch, {})
            node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a phrase may end here: try the longer ones first
            return (body if len(branches) > 1 else f"(?:{body})") + "?"
        return body

    return build(trie) or "(?!)"  # no phrases: a pattern that never matches


def apply_joined(func, strings: list[str], sep: str = RAW_SEP) -> list[str]:
    """``[func(s) for s in strings]`` as one call on the strings joined by ``sep``, which ``func``
    must keep as is (one regex or array pass instead of one per string).

    >>> apply_joined(str.upper, ["ab", "cd"])
    ['AB', 'CD']
    """
    joined = sep.join(strings)
    if len(strings) < 2 or joined.count(sep) != len(strings) - 1:  # a value holds the separator
        return [func(s) for s in strings]
    return func(joined).split(sep)
