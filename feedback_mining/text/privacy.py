"""Personal data masking: phones, ID numbers, e-mails, bank cards and licence plates.

>>> mask_pii("电话13912345678，车牌粤B·D12345")
'电话<手机号>，车牌<车牌>'
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from .batch import RAW_SEP, apply_joined

__all__ = ["mask_pii", "mask_many", "PII_PLACEHOLDERS"]

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


def _mask_numbers(text: str) -> str:
    text = _EMAIL.sub(PII_PLACEHOLDERS["email"], text)
    text = _ID.sub(_sub_id, text)
    text = _CARD.sub(_sub_card, text)
    text = _MOBILE.sub(PII_PLACEHOLDERS["mobile"], text)
    return _LANDLINE.sub(PII_PLACEHOLDERS["landline"], text)


def _mask_plates(text: str) -> str:
    return _PLATE.sub(PII_PLACEHOLDERS["plate"], text)


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
        text = _mask_numbers(text)
    return _mask_plates(text)




@lru_cache(maxsize=1)
def _char_classes() -> np.ndarray:
    """``table[code point]``: 1 for Unicode decimal digits (what ``\\d`` matches), 2 for ``@``,
    4 for a plate's province character, 8 for a plate's letter (A-H, J-N, P-Z)."""
    cps = np.arange(0x110000, dtype=np.uint32)
    cps[0xD800:0xE000] = 0x20  # surrogates cannot be decoded; they are not digits
    table = np.zeros(0x110000, dtype=np.uint8)
    table[[m.start() for m in re.finditer(r"\d", cps.tobytes().decode("utf-32-le"))]] = 1
    table[ord("@")] |= 2
    table[[ord(c) for c in _PROVINCES]] |= 4
    table[[ord(c) for c in "ABCDEFGHJKLMNPQRSTUVWXYZ"]] |= 8
    return table


def _pii_candidates(joined: str) -> tuple[list[int], list[int]]:
    """Indexes of the ``RAW_SEP``-joined strings that may hold a number or e-mail (4 digits in a
    row or an ``@``: :data:`_QUICK`) and that may hold a plate (a province character followed by
    a plate letter), as array operations."""
    cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cls = _char_classes()[np.minimum(cp, 0x10FFFF)]
    digit = (cls & 1).astype(bool)
    hit = (cls & 2).astype(bool)
    hit[3:] |= digit[3:] & digit[2:-1] & digit[1:-2] & digit[:-3]  # marks the 4th digit of a run
    plate = np.zeros(len(cp), dtype=bool)
    plate[1:] = ((cls[:-1] & 4) != 0) & ((cls[1:] & 8) != 0)
    seps = np.flatnonzero(cp == ord(RAW_SEP))
    return (np.unique(np.searchsorted(seps, np.flatnonzero(hit))).tolist(),
            np.unique(np.searchsorted(seps, np.flatnonzero(plate))).tolist())


def mask_many(texts) -> list:
    """:func:`mask_pii` of many values at once (non-text values are returned unchanged).

    >>> mask_many(["电话13912345678", None, "京A12345"])
    ['电话<手机号>', None, '<车牌>']
    """
    values = list(texts)
    idx = [i for i, v in enumerate(values) if isinstance(v, str)]
    strings = [values[i] for i in idx]
    joined = RAW_SEP.join(strings)
    if len(joined) > 4096 and joined.count(RAW_SEP) == len(strings) - 1:
        numbers, plates = _pii_candidates(joined)  # only these can hold something to mask
    else:
        numbers, plates = [j for j, v in enumerate(strings) if _QUICK.search(v)], range(len(strings))
    for j, masked in zip(numbers, apply_joined(_mask_numbers, [strings[j] for j in numbers], RAW_SEP)):
        strings[j] = masked
    for j, masked in zip(plates, apply_joined(_mask_plates, [strings[j] for j in plates], RAW_SEP)):
        strings[j] = masked  # (masking numbers cannot create a plate: placeholders hold no plate letter)
    for i, masked in zip(idx, strings):
        values[i] = masked
    return values
