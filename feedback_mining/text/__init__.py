"""Text: normalization (the one preprocessing step), personal-data masking, batching, segmentation.

>>> from feedback_mining.text import normalize_text, mask_pii, segment
>>> segment(normalize_text("服務顧問態度很差"))
['服务顾问', '态度', '很差']
"""
from __future__ import annotations

from .normalize import (
    MAX_TEXT_CHARS,
    NormalizedTexts,
    as_normalized,
    normalize_many,
    normalize_text,
    to_simplified,
)
from .privacy import PII_PLACEHOLDERS, mask_many, mask_pii

__all__ = ["MAX_TEXT_CHARS", "NormalizedTexts", "as_normalized", "normalize_many", "normalize_text", "to_simplified",
           "PII_PLACEHOLDERS", "mask_many", "mask_pii", "segment", "Tokenizer"]


def __getattr__(name: str):
    # segmentation loads jieba/rjieba: only when asked for
    if name in ("segment", "Tokenizer"):
        from . import tokenizer as _tokenizer

        return getattr(_tokenizer, name)
    raise AttributeError(name)
