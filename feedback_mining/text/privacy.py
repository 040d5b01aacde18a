"""Personal data masking: phones, ID numbers, e-mails, bank cards and licence plates.

>>> mask_pii("电话13912345678，车牌粤B·D12345")
'电话<手机号>，车牌<车牌>'
>>> mask_pii("电话１３９ １２３４ ５６７８，座机（０２１）６２３４－５６７８，邮箱 wang＠例子.中国")
'电话<手机号>，座机<电话>，邮箱 <邮箱>'

Matching runs on a *folded* copy of the text (full-width forms, dashes and odd spaces mapped
one code point to one, so offsets stay aligned); what is replaced is the same span of the
original, so text around a match is kept exactly as written.

What is masked and what deliberately is not (addresses, names, QQ/WeChat ids, landlines without
an area code) is listed in the README; the false-positive rates on order/tracking numbers,
dates, prices and model names are measured by ``benchmarks/bench_privacy.py``.
"""
from __future__ import annotations

import calendar
import re
import time
from functools import lru_cache

import numpy as np

from .batch import RAW_SEP, apply_joined

__all__ = ["mask_pii", "mask_many", "mask_changes", "PII_PLACEHOLDERS", "fold_for_matching"]

PII_PLACEHOLDERS = {
    "email": "<邮箱>",
    "id_number": "<身份证号>",
    "bank_card": "<银行卡号>",
    "mobile": "<手机号>",
    "landline": "<电话>",
    "plate": "<车牌>",
}

# --- folding: one code point for one, so spans found in the folded text fit the original ----
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"
_SPACES = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_DOTS = "\u2022\u30fb\uff65\u2027\u00b7"  # middle dots (plates: 粤B·D12345)
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}  # full-width ASCII → ASCII (１３９ → 139, ＠ → @)
_FOLD.update({ord(c): "-" for c in _DASHES})
_FOLD.update({ord(c): " " for c in _SPACES})
_FOLD.update({ord(c): "·" for c in _DOTS})
_NEEDS_FOLD = re.compile("[\uff01-\uff5e" + _DASHES + _SPACES + _DOTS.replace("\u00b7", "") + "]")


def fold_for_matching(text: str) -> str:
    """``text`` with full-width ASCII, dashes, spaces and middle dots in their plain form, one
    code point for one (so a span of the result is the same span of ``text``).

    >>> fold_for_matching("１３９－１２３４　５６７８＠")
    '139-1234 5678@'
    """
    return text.translate(_FOLD) if _NEEDS_FOLD.search(text) else text


# --- patterns (on folded text) -------------------------------------------------------------
# A separator inside a number: a space, a dash or a dot, possibly padded by spaces (139 - 1234 - 5678).
_SEP = r"(?:[ \t]{0,2}[-.][ \t]{0,2}|[ \t]{1,2})"
_CJK = "\u3400-\u9fff\uf900-\ufaff"
_LABEL = rf"[A-Za-z0-9{_CJK}](?:[A-Za-z0-9{_CJK}\-]{{0,61}}[A-Za-z0-9{_CJK}])?"
# Top-level domains: ASCII letters, punycode (xn--…) or the common Chinese ones (例子.中国).
_TLD = r"(?:xn--[A-Za-z0-9\-]{2,59}(?![A-Za-z0-9\-])|[A-Za-z]{2,24}(?![A-Za-z0-9\-])|中国|中國|公司|网络|網絡|在线|集团|商城|网店|手机|移动|信息|香港|台湾|台灣|新加坡)"
_EMAIL = re.compile(rf"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{{0,63}}[ \t]{{0,2}}@[ \t]{{0,2}}(?:{_LABEL}\.)+{_TLD}")
# 18-digit resident ID, also written 6-8-4 with spaces or dashes; judged by region code and birth date.
_ID = re.compile(rf"(?<!\d)([1-9]\d)\d{{4}}{_SEP}?((?:18|19|20)\d{{2}})(\d{{2}})(\d{{2}}){_SEP}?\d{{3}}[\dXx](?![\dXx])")
# Bank cards: 16-19 digits, plain or in groups of four; judged by the Luhn check, the issuer and context.
_CARD = re.compile(rf"(?<![0-9A-Za-z])(?:\d{{16,19}}|\d{{4}}(?:{_SEP}\d{{4}}){{3}}(?:{_SEP}?\d{{1,3}})?)(?![\d])")
# Mainland mobiles, 3-4-4 with optional separators, optional +86 / 0086 / (+86) / 86- in front.
_MOBILE = re.compile(rf"(?<![\d+])(?:(?:\(\s?\+?\s?86\s?\)|\+\s?86|0086|86(?=[ \-]))\s?-?\s?)?1[3-9]\d{_SEP}?\d{{4}}{_SEP}?\d{{4}}(?!\d)")
# Landlines: an area code (010, (021), （0755）, +86 10) then 7-8 digits (6234-5678, 8888 6666), optional extension.
_LOCAL = rf"[2-9]\d{{2,3}}{_SEP}?\d{{4}}(?:{_SEP}?(?:转|ext\.?|x|-)\s?\d{{1,5}})?"
_LANDLINE = re.compile(
    rf"(?<![\d+])(?:(?:\+\s?86|0086){_SEP}?\(?\s?0?[1-9]\d{{1,2}}\s?\)?|\(\s?0\d{{2,3}}\s?\)|0\d{{2,3}}){_SEP}?{_LOCAL}(?!\d)")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领滬遼魯蘇贛晉陝閩貴粵寧瓊雲"
_PLATE_LETTER = "A-HJ-NP-Za-hj-np-z"
# Plates: 京A12345, 粤B·D12345 (new energy, 6 characters), 沪A-1234学, lower case and full-width too.
_PLATE = re.compile(rf"[{_PROVINCES}]([{_PLATE_LETTER}])([ ·\-.]?)([{_PLATE_LETTER}0-9]{{4}}[{_PLATE_LETTER}0-9挂学警港澳][{_PLATE_LETTER}0-9]?)(?![A-Za-z0-9])")
# Province characters that are also everyday words before a product name (新GLC300 = "the new GLC300").
_WORD_PROVINCES = "新云雲"

# ID numbers: province-level codes of GB/T 2260 (81/82/83: Hong Kong, Macao, Taiwan residence permits).
_ID_PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
                 61, 62, 63, 64, 65, 71, 81, 82, 83}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Words right before a number that say what it is (looked for in the 12 characters before a card-like number).
_CARD_WORDS = re.compile(r"卡|银行|銀行|账户|賬戶|账号|帳號|帐号|户号|尾号|储蓄|信用|借记|(?<![a-z])(?:card|acct|account)(?![a-z])", re.I)
_ORDER_WORDS = re.compile(r"订单|訂單|单号|單號|编号|編號|流水|运单|運單|快递|快遞|物流|工单|工單|发票|發票|票号|交易号|批次|序列号|条码|條碼|券码|"
                          r"取件码|(?<![a-z])(?:order|invoice|tracking|ticket|sku|serial|ref|no\.)(?![a-z])", re.I)
# Letters glued in front of a number make it a code (型号X13912345678, SF0123456789) unless they say "phone".
_PHONE_WORDS = ("tel", "phone", "mobile", "mob", "cell", "call", "whatsapp", "sms", "vx", "wx")


def _valid_date(year: int, month: int, day: int) -> bool:
    return 1900 <= year <= time.localtime().tm_year and 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _id_checksum_ok(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == digits[17].upper()


def _is_id(m: re.Match) -> bool:
    """An ID-shaped number: a real birth date and a real province code — whatever the check digit
    (typos happen); a valid check digit alone also counts."""
    if not _valid_date(int(m.group(2)), int(m.group(3)), int(m.group(4))):
        return False
    return int(m.group(1)) in _ID_PROVINCES or _id_checksum_ok(re.sub(r"[^\dXx]", "", m.group(0)))


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


def _issuer_card(digits: str, grouped: bool) -> bool:
    """Issuer prefixes of the cards Chinese customers carry: UnionPay 62, JCB 35, Discover 60/65
    (16-19 digits); Visa 4, Mastercard 51-55 / 2221-2720 (16) and old domestic debit 9 (19) only
    when written in groups of four — as plain digit runs they are as often order numbers."""
    if digits[:2] in ("62", "35", "60", "65"):
        return True
    if not grouped:
        return False
    n = len(digits)
    return (n == 16 and (digits[0] == "4" or "51" <= digits[:2] <= "55" or "2221" <= digits[:4] <= "2720")) or (n == 19 and digits[0] == "9")


def _context(folded: str, start: int) -> str | None:
    """"card" or "order" when the words just before ``start`` say what the number is, else None."""
    window = folded[max(0, start - 12):start]
    window = window[window.rfind(RAW_SEP) + 1:]  # never the previous text of a joined batch
    card = max((m.end() for m in _CARD_WORDS.finditer(window)), default=-1)
    order = max((m.end() for m in _ORDER_WORDS.finditer(window)), default=-1)
    if card < 0 and order < 0:
        return None
    return "card" if card > order else "order"


def _is_card(m: re.Match) -> bool:
    digits = re.sub(r"\D", "", m.group(0))
    if not 16 <= len(digits) <= 19 or not _luhn(digits):
        return False
    context = _context(m.string, m.start())
    if context is not None:
        return context == "card"  # 「订单号 6222…」 is an order number, 「卡号 4…」 a card
    return _issuer_card(digits, grouped=len(digits) != len(m.group(0)))


def _glued_to_code(folded: str, start: int) -> bool:
    """Does an ASCII letter run end right before ``start`` (型号X139…, SF0123…) without saying "phone"?"""
    i = start
    while i > 0 and start - i < 12 and folded[i - 1].isascii() and folded[i - 1].isalpha():
        i -= 1
    return i < start and not folded[i:start].lower().endswith(_PHONE_WORDS)


def _is_phone(m: re.Match) -> bool:
    return not _glued_to_code(m.string, m.start())


def _is_plate(m: re.Match) -> bool:
    province = m.string[m.start()]
    # 「新GLC300」「新MATE60」: after 新/云 a plate needs a separator or a digit first (新A12345, 新A·B1234)
    return not (province in _WORD_PROVINCES and not m.group(2) and m.group(3)[0].isalpha())


_NUMBER_RULES = (
    (_EMAIL, None, PII_PLACEHOLDERS["email"]),
    (_ID, _is_id, PII_PLACEHOLDERS["id_number"]),
    (_CARD, _is_card, PII_PLACEHOLDERS["bank_card"]),
    (_MOBILE, _is_phone, PII_PLACEHOLDERS["mobile"]),
    (_LANDLINE, _is_phone, PII_PLACEHOLDERS["landline"]),
)
_PLATE_RULES = ((_PLATE, _is_plate, PII_PLACEHOLDERS["plate"]),)


def _substitute(rules, text: str) -> str:
    """Apply ``(pattern, accept, placeholder)`` rules in order: matched on the folded text, replaced
    in ``text`` (placeholders go into both, so later rules see the same text twice)."""
    folded = fold_for_matching(text)
    for rx, accept, placeholder in rules:
        out, folded_out, last = [], [], 0
        for m in rx.finditer(folded):
            if accept is not None and not accept(m):
                continue
            out.append(text[last:m.start()])
            folded_out.append(folded[last:m.start()])
            out.append(placeholder)
            folded_out.append(placeholder)
            last = m.end()
        if last:
            out.append(text[last:])
            folded_out.append(folded[last:])
            text = "".join(out)
            folded = text if folded is text else "".join(folded_out)
    return text


_QUICK = re.compile(r"\d{4}|[@＠]")


def _mask_numbers(text: str) -> str:
    return _substitute(_NUMBER_RULES, text)


def _mask_plates(text: str) -> str:
    return _substitute(_PLATE_RULES, text)


def mask_pii(text: object) -> str:
    """Replace phones, ID numbers, e-mails, bank cards and licence plates with placeholders.

    Numbers may be full-width, grouped by spaces, dashes or dots; an ID number counts when its
    region code and birth date are real (even with a wrong check digit); a bank card must pass
    the Luhn check and have a card issuer's prefix or a card word before it, so an order number
    such as 「订单号 2023110512345678」 is left alone, as are model names like 「新GLC300」.

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
    """``table[code point]``: 1 for Unicode decimal digits (what ``\\d`` matches), 2 for ``@``/``＠``,
    4 for a plate's province character, 8 for a plate's letter (any case, half or full width)."""
    cps = np.arange(0x110000, dtype=np.uint32)
    cps[0xD800:0xE000] = 0x20  # surrogates cannot be decoded; they are not digits
    table = np.zeros(0x110000, dtype=np.uint8)
    table[[m.start() for m in re.finditer(r"\d", cps.tobytes().decode("utf-32-le"))]] = 1
    table[[ord("@"), ord("＠")]] |= 2
    table[[ord(c) for c in _PROVINCES]] |= 4
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjklmnpqrstuvwxyz"
    table[[ord(c) for c in letters] + [ord(c) + 0xFEE0 for c in letters]] |= 8
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
    for j, masked in mask_changes([values[i] for i in idx]).items():
        values[idx[j]] = masked
    return values


def mask_changes(strings: list[str]) -> dict[int, str]:
    """The strings personal data was masked in: index → masked text (the rest need no change).

    >>> mask_changes(["退款太慢", "电话13912345678"])
    {1: '电话<手机号>'}
    """
    work = list(strings)
    joined = RAW_SEP.join(work)
    if len(joined) > 4096 and joined.count(RAW_SEP) == len(work) - 1:
        numbers, plates = _pii_candidates(joined)  # only these can hold something to mask
    else:
        numbers, plates = [j for j, v in enumerate(work) if _QUICK.search(v)], range(len(work))
    for j, masked in zip(numbers, apply_joined(_mask_numbers, [work[j] for j in numbers], RAW_SEP)):
        work[j] = masked
    for j, masked in zip(plates, apply_joined(_mask_plates, [work[j] for j in plates], RAW_SEP)):
        work[j] = masked  # (masking numbers cannot create a plate: placeholders hold no plate letter)
    return {j: work[j] for j in sorted({*numbers, *plates}) if work[j] != strings[j]}
