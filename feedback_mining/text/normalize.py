"""Text normalization: the one preprocessing step, applied once where text enters a model.

>>> normalize_text("這個服務顧問態度很差！！ＯＫ")
'这个服务顾问态度很差!!OK'

Every model step (classifier, escalation, themes, tokenizer) accepts raw texts and calls
:func:`as_normalized`, which normalizes a batch once and returns a :class:`NormalizedTexts`;
a ``NormalizedTexts`` passed on to the next step goes through untouched. No step takes a
``normalized=`` flag.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

from .batch import RAW_SEP, apply_joined

__all__ = ["normalize_text", "normalize_many", "as_normalized", "NormalizedTexts", "to_simplified", "MAX_TEXT_CHARS"]

#: Longest text the pipeline keeps; longer cells are truncated with a warning by the loader.
MAX_TEXT_CHARS = 20_000

# --- character clean-up -------------------------------------------------------------------
# Zero-width and BOM characters, bidi controls, soft hyphen.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufffe"
# Full-width ASCII block U+FF01..U+FF5E → U+0021..U+007E, ideographic space → space.
_TRANSLATE = {ord(c): None for c in _INVISIBLE}
_TRANSLATE.update({cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)})
_TRANSLATE[0x3000] = 0x20
# C0/C1 control characters except tab/newline (they become spaces).
for _cp in list(range(0x00, 0x20)) + [0x7F] + list(range(0x80, 0xA0)):
    _TRANSLATE[_cp] = 0x20
# Lone surrogates cannot be encoded anywhere; replace them.
_SURROGATES = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_HAS_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    try:
        return opencc.OpenCC("t2s")
    except Exception:  # older bindings want the .json name
        return opencc.OpenCC("t2s.json")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese with OpenCC (``t2s``): 「態度」→「态度」."""
    if not text or not _HAS_NON_ASCII.search(text):
        return text
    return _opencc().convert(text)


def _as_text(text: object) -> str:
    if not isinstance(text, str):
        if text is None or (isinstance(text, float) and text != text):  # None, NaN
            return ""
        text = str(text)
    return text.replace(RAW_SEP, " ") if RAW_SEP in text else text  # a private-use character: a space


_DELETE = 0xFFFFFFFF


@lru_cache(maxsize=1)
def _bmp_table() -> np.ndarray:
    """What :func:`_clean` does to each character of the Basic Multilingual Plane, as a table:
    lone surrogates → U+FFFD, ``_TRANSLATE``, whitespace → space; ``_DELETE`` drops it."""
    table = np.arange(0x10000, dtype=np.uint32)
    table[0xD800:0xE000] = 0xFFFD
    for cp, to in _TRANSLATE.items():
        table[cp] = _DELETE if to is None else to
    spaces = [cp for cp in range(0x10000) if table[cp] != _DELETE and _SPACES.match(chr(table[cp]))]
    table[spaces] = 0x20
    return table


def _clean_array(text: str) -> str:
    """Surrogates, ``_TRANSLATE`` and whitespace runs of :func:`_clean` in array operations (same result)."""
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cp = np.where(cp < 0x10000, _bmp_table()[np.minimum(cp, 0xFFFF)], cp)
    cp = cp[cp != _DELETE]
    space = cp == 0x20
    keep = np.ones(len(cp), dtype=bool)
    keep[1:] = ~(space[1:] & space[:-1])  # a run of spaces → one space
    return cp[keep].tobytes().decode("utf-32-le")


def _clean(text: str, simplified: bool) -> str:
    if len(text) > 4096:  # a batch: one array pass; NFC cannot create or remove whitespace
        text = unicodedata.normalize("NFC", _clean_array(text))
    else:
        text = _SURROGATES.sub("\ufffd", text).translate(_TRANSLATE)
        text = _SPACES.sub(" ", unicodedata.normalize("NFC", text))
    return to_simplified(text) if simplified else text


def normalize_text(text: object, *, simplified: bool = True) -> str:
    """Clean one complaint for analysis, keeping it readable.

    Strips BOM/zero-width/control characters, maps full-width ASCII to half-width, collapses
    whitespace, converts traditional to simplified Chinese. Emoji stay in the text (the
    tokenizer keeps them out of tokens). ``None``/NaN become ``""``.
    """
    return _clean(_as_text(text), simplified).strip()


class NormalizedTexts(list):
    """Texts that went through :func:`normalize_many`: model steps pass them on untouched."""

    __slots__ = ()


def normalize_many(texts, *, simplified: bool = True) -> "NormalizedTexts | list[str]":
    """:func:`normalize_text` of many complaints at once (same result, several times faster).

    >>> normalize_many(["退款　太慢！", None, "服務差"])
    ['退款 太慢!', '', '服务差']
    """
    cleaned = [t.strip() for t in apply_joined(lambda s: _clean(s, simplified), [_as_text(t) for t in texts], RAW_SEP)]
    return NormalizedTexts(cleaned) if simplified else cleaned


def as_normalized(texts) -> NormalizedTexts:
    """``texts`` normalized once: a :class:`NormalizedTexts` is returned as is, anything else
    (a list, a Series, an array of texts) goes through :func:`normalize_many`.

    >>> batch = as_normalized(["服務態度差"]); as_normalized(batch) is batch
    True
    """
    if isinstance(texts, NormalizedTexts):
        return texts
    if isinstance(texts, str):
        raise TypeError("pass a list of texts, not a single string")
    return normalize_many(texts)
