"""Text normalization and personal-data masking.

>>> normalize_text("這個服務顧問態度很差！！ＯＫ")
'这个服务顾问态度很差!!OK'
>>> mask_pii("电话13912345678，车牌粤B·D12345")
'电话<手机号>，车牌<车牌>'
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["normalize_text", "to_simplified", "mask_pii", "PII_PLACEHOLDERS", "MAX_TEXT_CHARS"]

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


def normalize_text(text: object, *, simplified: bool = True) -> str:
    """Clean one complaint for analysis, keeping it readable.

    Strips BOM/zero-width/control characters, maps full-width ASCII to half-width, collapses
    whitespace, converts traditional to simplified Chinese. Emoji stay in the text (the
    tokenizer keeps them out of tokens). ``None``/NaN become ``""``.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        if isinstance(text, float) and text != text:  # NaN
            return ""
        text = str(text)
    text = _SURROGATES.sub("\ufffd", text)
    text = text.translate(_TRANSLATE)
    text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(" ", text).strip()
    if simplified:
        text = to_simplified(text)
    return text


# --- personal data ------------------------------------------------------------------------
PII_PLACEHOLDERS = {
    "email": "<邮箱>",
    "id_number": "<身份证号>",
    "bank_card": "<银行卡号>",
    "mobile": "<手机号>",
    "landline": "<电话>",
    "plate": "<车牌>",
}

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# 18-digit resident ID (last char may be X); validated by checksum below.
_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")
# Bank cards: 16-19 digits, optionally grouped by 4 with spaces or dashes; validated by Luhn.
_CARD = re.compile(r"(?<![\d])(?:\d{4}[ \-]?){3}\d{4,7}(?![\d])")
# Mainland mobile: optional +86/0086, 1[3-9] then 9 digits, optional space/dash groups 3-4-4.
_MOBILE = re.compile(r"(?<![\d])(?:(?:\+|00)?86[ \-]?)?1[3-9]\d[ \-]?\d{4}[ \-]?\d{4}(?![\d])")
# Landline: area code 0xx(x) + 7-8 digits, with dash/space or parentheses, optional extension.
_LANDLINE = re.compile(r"(?<![\d])(?:\(0\d{2,3}\)|0\d{2,3})[ \-]?[2-9]\d{6,7}(?:[ \-]?(?:转|ext\.?)\d{1,5})?(?![\d])")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领滬遼魯蘇贛晉陝閩貴粵寧瓊雲"
# Plates: 京A12345, 粤B·D12345 (new-energy 6 chars), 沪A-1234学; traditional province chars normalize first.
_PLATE = re.compile(rf"[{_PROVINCES}][A-HJ-NP-Z][ ·•\-.]?[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳][A-HJ-NP-Z0-9]?(?![A-Za-z0-9])")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _valid_id(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17].upper()


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def _sub_id(m: re.Match) -> str:
    return PII_PLACEHOLDERS["id_number"] if _valid_id(m.group(0)) else m.group(0)


def _sub_card(m: re.Match) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    return PII_PLACEHOLDERS["bank_card"] if 16 <= len(digits) <= 19 and _luhn(digits) else m.group(0)


_QUICK = re.compile(r"\d{4}|@")


def mask_pii(text: object) -> str:
    """Replace phones, ID numbers, e-mails, bank cards and licence plates with placeholders.

    ID numbers must pass the checksum and bank cards the Luhn check, so an order number
    such as 「订单号 2023110512345678」 is left alone.

    >>> mask_pii("我的手机 139-1234-5678，邮箱 wang@example.com")
    '我的手机 <手机号>，邮箱 <邮箱>'
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        if isinstance(text, float) and text != text:
            return ""
        text = str(text)
    if _QUICK.search(text):
        text = _EMAIL.sub(PII_PLACEHOLDERS["email"], text)
        text = _ID.sub(_sub_id, text)
        text = _CARD.sub(_sub_card, text)
        text = _MOBILE.sub(PII_PLACEHOLDERS["mobile"], text)
        text = _LANDLINE.sub(PII_PLACEHOLDERS["landline"], text)
    return _PLATE.sub(PII_PLACEHOLDERS["plate"], text)
