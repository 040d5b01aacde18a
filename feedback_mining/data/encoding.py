"""Encodings of complaint exports: detection (UTF-8/BOM, UTF-16, GB18030/GBK, Big5) and block decoding.

>>> detect_encoding("投诉内容".encode("gbk"))
'gb18030'
"""
from __future__ import annotations

import codecs
import io as _io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ..errors import UserError
from ..text.normalize import to_simplified

if TYPE_CHECKING:  # pragma: no cover
    from .read import LoadReport

__all__ = ["detect_encoding", "open_blocks", "open_lines", "LONE_CR"]

_BINARY_BYTES = [b for b in range(32) if b not in (9, 10, 13)]
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _gb2312_share(text: str) -> float:
    """Share of CJK characters that are common simplified characters (in GB2312)."""
    cjk = _CJK.findall(text)
    if not cjk:
        return 1.0
    common = 0
    for ch in cjk:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common / len(cjk)


def detect_encoding(sample: bytes) -> str:
    """Guess the encoding of a complaint export from its first bytes.

    UTF-8 (with or without BOM) first; then GB18030 (a superset of GBK/GB2312) versus Big5,
    decided by which decoding yields common characters once converted to simplified.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith(codecs.BOM_UTF16_LE) or sample.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    # Cut at the last newline so a multi-byte character is not split.
    cut = sample.rfind(b"\n")
    body = sample if cut < 0 or len(sample) < 4096 else sample[: cut + 1]
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = {}
    for enc in ("gb18030", "big5"):
        try:
            candidates[enc] = body.decode(enc)
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise UnicodeDecodeError("unknown", body[:1], 0, 1, "not UTF-8, GB18030 or Big5")
    if len(candidates) == 1:
        return next(iter(candidates))
    gb_score = _gb2312_share(candidates["gb18030"])
    big5_score = _gb2312_share(to_simplified(candidates["big5"]))
    return "big5" if big5_score > gb_score + 0.05 else "gb18030"


def _first_bad_line(source: Path | _io.BytesIO, encoding: str) -> tuple[int, int]:
    """Line number (1-based) and byte column of the first byte that does not decode (never the
    line's content: it may hold personal data, and error messages are written too)."""
    with (open(source, "rb") if isinstance(source, Path) else source) as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError as exc:
                return n, exc.start + 1
    return 0, 0


_BLOCK_BYTES = 1 << 22  # files are read and decoded 4 MB of whole lines at a time
#: Stands for a lone CR inside a line while the CSV parser runs (it would end the record there);
#: a noncharacter, never in exchanged text. Readers put the CR back in the cells.
LONE_CR = "\ufdd0"
_LONE_CR_RE = re.compile("\r(?!\n)")


def _read_record_block(fh, end: bytes) -> bytes:
    """Up to 4 MB, extended to the next line end ``end`` (never inside a character: \\n and \\r are
    never part of a multi-byte character in UTF-8, GB18030 or Big5)."""
    raw = fh.read(_BLOCK_BYTES)
    while raw and not raw.endswith(end):
        more = fh.read(1 << 16)
        if not more:
            break
        cut = more.find(end)
        if cut >= 0:
            fh.seek(cut + len(end) - len(more), 1)
            raw += more[: cut + len(end)]
            break
        raw += more
    return raw


def _redetect(raw: bytes, path: Path, n: int) -> str:
    """The encoding of the first block that is not pure ASCII, after ASCII-only blocks (a GBK
    export whose first megabyte is ASCII: the start sample could not tell)."""
    try:
        encoding = detect_encoding(raw)
    except UnicodeDecodeError:
        at, col = _first_bad_line(_io.BytesIO(raw), "gb18030")
        raise UserError(f"{path}: line {n + at - 1} (byte {col}) is not valid UTF-8, GB18030/GBK or Big5 (mixed or broken encoding)") from None
    return "utf-8" if encoding == "utf-8-sig" else encoding


def open_blocks(path: Path, report: "LoadReport") -> Iterator[tuple[int, list[str], str]]:
    """Yield (first line number, lines, their text) block by block, decoded with the detected
    encoding; lines keep their newline and are split at newlines only. CR-only line endings
    (old Mac exports) count as newlines; a lone CR inside a line of an LF/CRLF file is kept as
    :data:`LONE_CR` for the parser. A bad line is one clear error."""
    with open(path, "rb") as fh:
        sample = fh.read(1 << 20)
    if not sample.strip():
        raise UserError(f"{path}: the file is empty")
    utf16 = sample.startswith(codecs.BOM_UTF16_LE) or sample.startswith(codecs.BOM_UTF16_BE)
    controls = sum(sample.count(bytes([b])) for b in _BINARY_BYTES)
    if not utf16 and len(sample) >= 256 and controls / len(sample) > 0.05:
        raise UserError(f"{path}: this looks like a binary file, not a {path.suffix} text export")
    if b"\x00" in sample and not utf16:
        line_no = sample[: sample.index(b"\x00")].count(b"\n") + 1
        raise UserError(f"{path}: line {line_no} contains NUL bytes (\\x00); remove them or re-export the file")
    try:
        encoding = detect_encoding(sample)
    except UnicodeDecodeError:
        n, col = _first_bad_line(path, "gb18030")
        raise UserError(f"{path}: unreadable encoding (not UTF-8, GB18030/GBK or Big5); first bad byte: line {n}, byte {col}") from None
    report.encoding = encoding
    if encoding == "utf-16":
        text = path.read_bytes().decode("utf-16")
        yield 1, text.splitlines(keepends=True), text
        return
    cr_only = b"\r" in sample and b"\n" not in sample
    codec = "utf-8" if encoding == "utf-8-sig" else encoding  # a BOM is dropped at the start of every line, below
    ascii_so_far = True
    n = 1
    with open(path, "rb") as fh:
        while raw := _read_record_block(fh, b"\r" if cr_only else b"\n"):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError as exc:
                # UTF-8 was only a guess when everything before the bad byte is ASCII (GBK after a long ASCII start)
                if not (ascii_so_far and codec == "utf-8" and raw[:exc.start].isascii()):
                    at, col = _first_bad_line(_io.BytesIO(raw), codec)
                    raise UserError(f"{path}: line {n + at - 1} (byte {col}) is not valid {encoding} (mixed or broken encoding)") from None
                codec = _redetect(raw, path, n)
                report.encoding = encoding = codec
                text = raw.decode(codec)
            ascii_so_far = ascii_so_far and raw.isascii()
            if "\ufeff" in text and (encoding == "utf-8-sig" or n == 1):
                text = text.removeprefix("\ufeff") if encoding != "utf-8-sig" else text.replace("\n\ufeff", "\n").removeprefix("\ufeff")
            if "\x00" in text:
                line_no = n + text[: text.index("\x00")].count("\n")
                raise UserError(f"{path}: line {line_no} contains NUL bytes (\\x00); remove them or re-export the file")
            if "\r" in text:
                text = text.replace("\r", "\n") if cr_only else _LONE_CR_RE.sub(LONE_CR, text)
            parts = text.split("\n")
            lines = [part + "\n" for part in parts[:-1]]
            if parts[-1]:
                lines.append(parts[-1])
            yield n, lines, text
            n += len(lines)


def open_lines(path: Path, report: "LoadReport") -> Iterator[tuple[int, str]]:
    """Yield (line number, decoded line); see :func:`open_blocks` (lone CRs are given back)."""
    for start, lines, text in open_blocks(path, report):
        if LONE_CR in text:
            lines = [line.replace(LONE_CR, "\r") for line in lines]
        yield from enumerate(lines, start)
