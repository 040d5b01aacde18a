"""Reading complaint exports and writing results safely.

>>> df = load_complaints("投诉导出.csv")          # GBK/GB18030, Big5, UTF-8 (BOM) all detected
>>> df.attrs["text_column"], df.attrs["load_report"]["empty_texts"]

Every row gets a stable ``complaint_id`` and an ``empty_text`` flag; nothing is dropped
silently: rows that cannot be parsed are returned as *rejects* with their line number.
"""
from __future__ import annotations

import codecs
import csv
import io as _io
import json
import os
import re
import sys
import tempfile
import warnings
from contextlib import contextmanager
from collections import deque
from dataclasses import asdict, dataclass, field
from itertools import chain
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pandas as pd

from .errors import UserError
from .normalize import MAX_TEXT_CHARS, mask_many, to_simplified

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "LoadReport",
    "load_complaints",
    "iter_complaint_chunks",
    "detect_encoding",
    "find_text_column",
    "write_table",
    "write_rejects",
    "atomic_write",
    "neutralize_formula",
    "mask_frame",
]

SUPPORTED_EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".jsonl", ".parquet")
TEXT_COLUMN_NAMES = (
    "投诉内容", "内容", "问题描述", "投诉描述", "评论", "评价", "评价内容", "反馈内容", "反馈", "留言", "描述",
    "正文", "文本", "诉求内容", "客户诉求", "review", "text", "content", "comment", "desc", "description",
    "complaint", "body", "message", "feedback",
)
ID_COLUMN_NAMES = ("complaint_id", "id", "ID", "Id", "编号", "工单号", "投诉编号", "投诉单号", "单号", "ticket_id", "case_id")
_MAX_RECORD_LINES = 200  # a quoted field spanning more lines than this is an unbalanced quote
_BINARY_BYTES = [b for b in range(32) if b not in (9, 10, 13)]
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
csv.field_size_limit(1 << 30)


@dataclass
class LoadReport:
    """What happened while loading: the numbers always add up (read = kept + rejected)."""

    path: str
    encoding: str | None = None
    text_column: str | None = None
    rows_read: int = 0
    rows_kept: int = 0
    empty_texts: int = 0
    truncated: int = 0
    rejects: list[dict] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return len(self.rejects)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["rows_rejected"] = self.rows_rejected
        return d

    def summary(self) -> str:
        parts = [f"read {self.rows_read} rows", f"kept {self.rows_kept}", f"rejected {self.rows_rejected}"]
        if self.empty_texts:
            parts.append(f"{self.empty_texts} empty texts kept and flagged")
        if self.truncated:
            parts.append(f"{self.truncated} texts truncated to {MAX_TEXT_CHARS} characters")
        return ", ".join(parts)


# --- encodings ----------------------------------------------------------------------------
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


def _first_bad_line(source: Path | _io.BytesIO, encoding: str) -> tuple[int, bytes]:
    """Line number (1-based) and first bytes of the first line that does not decode."""
    with (open(source, "rb") if isinstance(source, Path) else source) as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                return n, raw[:40]
    return 0, b""


_BLOCK_BYTES = 1 << 22  # files are read and decoded 4 MB of whole lines at a time


def _open_blocks(path: Path, report: LoadReport) -> Iterator[tuple[int, list[str], str]]:
    """Yield (first line number, lines, their text) block by block, decoded with the detected
    encoding; lines keep their newline and are split at newlines only. A bad line is one clear error."""
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
        n, bad = _first_bad_line(path, "gb18030")
        raise UserError(f"{path}: unreadable encoding (not UTF-8, GB18030/GBK or Big5); first bad line {n}: {bad!r}") from None
    report.encoding = encoding
    if encoding == "utf-16":
        text = path.read_bytes().decode("utf-16")
        yield 1, text.splitlines(keepends=True), text
        return
    codec = "utf-8" if encoding == "utf-8-sig" else encoding  # a BOM is dropped at the start of every line, below
    n = 1
    with open(path, "rb") as fh:
        while raw := fh.read(_BLOCK_BYTES):
            if not raw.endswith(b"\n"):
                raw += fh.readline()  # whole lines only (\n is never inside a character in these encodings)
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                at, bad = _first_bad_line(_io.BytesIO(raw), codec)
                raise UserError(f"{path}: line {n + at - 1} is not valid {encoding} (mixed or broken encoding): {bad!r}") from None
            if "\ufeff" in text and (encoding == "utf-8-sig" or n == 1):
                text = text.removeprefix("\ufeff") if encoding != "utf-8-sig" else text.replace("\n\ufeff", "\n").removeprefix("\ufeff")
            if "\x00" in text:
                line_no = n + text[: text.index("\x00")].count("\n")
                raise UserError(f"{path}: line {line_no} contains NUL bytes (\\x00); remove them or re-export the file")
            parts = text.split("\n")
            lines = [part + "\n" for part in parts[:-1]]
            if parts[-1]:
                lines.append(parts[-1])
            yield n, lines, text
            n += len(lines)


def _open_lines(path: Path, report: LoadReport) -> Iterator[tuple[int, str]]:
    """Yield (line number, decoded line); see :func:`_open_blocks`."""
    for start, lines, _ in _open_blocks(path, report):
        yield from enumerate(lines, start)


# --- delimited text -------------------------------------------------------------------------
Record = tuple[int, "list[str] | None", str]
Batch = tuple[Sequence[int], list, "list[str] | None"]  # line numbers, fields (None: rejected), reasons


def _parse_block(lines: list[str], text: str, delimiter: str) -> list[list[str]] | None:
    """Every line of a block parsed as one record by the C parser, or None when some record
    needs the line-by-line parser (a quoted field over several lines, a quoting error)."""
    try:
        if '"' not in text:
            return list(csv.reader(lines, delimiter=delimiter))
        rows = list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error:
        return None
    return rows if len(rows) == len(lines) else None  # each record exactly one line


def _iter_csv_records(blocks: Iterator[tuple[int, list[str], str]], delimiter: str) -> Iterator[Batch]:
    """Yield batches of records as (first line numbers, fields or None, reasons or None).

    A block whose every line is a complete record is parsed in one call; otherwise its lines
    go one record at a time through :func:`_parse_record`, which may read on into the next
    block for a quoted field that spans lines.
    """
    queue: deque[tuple[int, str]] = deque()  # lines waiting for the line-by-line parser

    def next_line() -> tuple[int, str] | None:
        if not queue:
            block = next(blocks, None)
            if block is None:
                return None
            queue.extend(enumerate(block[1], block[0]))
        return queue.popleft()

    for start, lines, text in blocks:
        rows = _parse_block(lines, text, delimiter)
        if rows is not None:
            yield range(start, start + len(rows)), rows, None
            continue
        queue.extend(enumerate(lines, start))
        batch: list[Record] = []
        while queue:
            batch.append(_parse_record(queue.popleft(), next_line, queue, delimiter))
        yield [r[0] for r in batch], [r[1] for r in batch], [r[2] for r in batch]


def _parse_record(item: tuple[int, str], next_line, queue: deque, delimiter: str) -> Record:
    """One record starting at line ``item``, reading more lines while a quoted field is open.

    A record whose quote is still open after ``_MAX_RECORD_LINES`` lines is an unbalanced
    quote: its first line is rejected and its other lines go back on ``queue``, so one bad
    row never swallows the rest of the file.
    """
    start, buf = item
    if '"' not in buf:
        return start, next(csv.reader([buf], delimiter=delimiter), []), ""
    taken = [item]
    while True:
        try:
            return start, next(csv.reader(_io.StringIO(buf), delimiter=delimiter, strict=True), []), ""
        except csv.Error as exc:
            if "unexpected end of data" not in str(exc) and "newline inside string" not in str(exc):
                return start, next(csv.reader(_io.StringIO(buf), delimiter=delimiter), []), ""
            more = next_line() if len(taken) < _MAX_RECORD_LINES else None
            if more is None:
                queue.extendleft(reversed(taken[1:]))  # re-read the lines it swallowed
                return start, None, "unbalanced quote"
            taken.append(more)
            buf += more[1]


def _dedupe_check(header: list[str], path: Path) -> list[str]:
    header = [h.strip().lstrip("\ufeff") for h in header]
    seen, dupes = set(), []
    for h in header:
        if h in seen and h not in dupes:
            dupes.append(h)
        seen.add(h)
    if dupes:
        raise UserError(f"{path}: duplicate column names: {', '.join(dupes)}; rename them and try again")
    blank = [i + 1 for i, h in enumerate(header) if not h]
    if blank and len(header) > 1:
        header = [h or f"column_{i + 1}" for i, h in enumerate(header)]
    return header


def _delimited_chunks(path: Path, report: LoadReport, delimiter: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    batches = _iter_csv_records(_open_blocks(path, report), delimiter)
    header, rest = None, None
    for line_nos, records, reasons in batches:
        for k, fields in enumerate(records):
            if fields is None:
                raise UserError(f"{path}: line {line_nos[k]}: the header row has an unbalanced quote")
            if fields and any(f.strip() for f in fields):
                header = _dedupe_check(fields, path)
                rest = line_nos[k + 1:], records[k + 1:], None if reasons is None else reasons[k + 1:]
                break
        if header is not None:
            break
    if header is None:
        raise UserError(f"{path}: the file is empty")
    width = len(header)
    rows: list[list[str]] = []
    lines_of_rows: list[int] = []
    produced = False
    for line_nos, records, reasons in chain([rest], batches):
        if reasons is None and all(len(fields) == width for fields in records):  # the common case: take all
            report.rows_read += len(records)
            rows += records
            lines_of_rows += line_nos
        else:
            for line_no, fields, reason in zip(line_nos, records, reasons or [""] * len(records)):
                _take_record(line_no, fields, reason, width, rows, lines_of_rows, report)
        while len(rows) >= chunk_rows:
            produced = True
            yield _frame(rows[:chunk_rows], header, lines_of_rows[:chunk_rows])
            rows, lines_of_rows = rows[chunk_rows:], lines_of_rows[chunk_rows:]
    if not produced and not rows and not report.rejects:
        raise UserError(f"{path}: the file has a header but no data rows")
    if rows or not produced:
        yield _frame(rows, header, lines_of_rows)


def _take_record(line_no: int, fields: list[str] | None, reason: str, width: int, rows: list, lines: list,
                 report: LoadReport) -> None:
    """Add one record to ``rows`` (and its line to ``lines``), or to the rejects with the reason."""
    if fields is None:
        report.rows_read += 1
        report.rejects.append({"line": line_no, "reason": reason})
        return
    if not fields:  # blank line
        return
    report.rows_read += 1
    if len(fields) != width:
        if len(fields) > width and all(not f.strip() for f in fields[width:]):
            fields = fields[:width]  # trailing delimiters
        elif len(fields) < width and width > 1 or len(fields) > width:
            report.rejects.append({"line": line_no, "reason": f"expected {width} fields, saw {len(fields)}"})
            return
    rows.append(fields)
    lines.append(line_no)


def _frame(rows: list[list[str]], header: list[str], lines: list[int]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=header, dtype=object)
    df.attrs["lines"] = lines
    return df


def _txt_chunks(path: Path, report: LoadReport, chunk_rows: int) -> Iterator[pd.DataFrame]:
    rows, lines = [], []
    for n, line in _open_lines(path, report):
        text = line.rstrip("\r\n")
        report.rows_read += 1
        rows.append([text])
        lines.append(n)
        if len(rows) >= chunk_rows:
            yield _frame(rows, ["text"], lines)
            rows, lines = [], []
    if report.rows_read == 0:
        raise UserError(f"{path}: the file is empty")
    if rows:
        yield _frame(rows, ["text"], lines)


def _jsonl_keys(path: Path) -> list[str]:
    """Every key of the file's JSON objects, in order of first appearance: one pass before the
    chunks, so that every chunk (and every output part) has the same columns."""
    keys: dict[str, None] = {}
    for _, line in _open_lines(path, LoadReport(str(path))):
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            keys.update(dict.fromkeys(obj))
    return list(keys)


def _jsonl_chunks(path: Path, report: LoadReport, chunk_rows: int) -> Iterator[pd.DataFrame]:
    columns = _jsonl_keys(path)
    records, lines = [], []
    produced = False
    for n, line in _open_lines(path, report):
        if not line.strip():
            continue
        report.rows_read += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            report.rejects.append({"line": n, "reason": f"invalid JSON: {exc.msg}"})
            continue
        if not isinstance(obj, dict):
            report.rejects.append({"line": n, "reason": "not a JSON object"})
            continue
        records.append({k: (v if v is None or isinstance(v, str) else (json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else str(v))) for k, v in obj.items()})
        lines.append(n)
        if len(records) >= chunk_rows:
            produced = True
            yield _records_frame(records, lines, columns)
            records, lines = [], []
    if report.rows_read == 0:
        raise UserError(f"{path}: the file is empty")
    if records or not produced:
        yield _records_frame(records, lines, columns)


def _records_frame(records: list[dict], lines: list[int], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(records, columns=columns).astype(object) if records else pd.DataFrame(columns=columns)
    df = df.where(df.notna(), "") if len(df) else df
    df.attrs["lines"] = lines
    return df


def _excel_sheets(path: Path) -> list[str]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # zip/xml errors from a corrupt or mislabelled file
        raise UserError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    names = list(wb.sheetnames)
    wb.close()
    return names


def _excel_chunks(path: Path, report: LoadReport, sheet: str | int | None) -> Iterator[pd.DataFrame]:
    sheets = _excel_sheets(path)
    if sheet is None:
        if len(sheets) > 1:
            raise UserError(f"{path}: the workbook has {len(sheets)} sheets ({', '.join(sheets)}); choose one with --sheet")
        sheet = sheets[0]
    elif isinstance(sheet, str) and sheet not in sheets:
        if sheet.isdigit() and int(sheet) < len(sheets):
            sheet = sheets[int(sheet)]
        else:
            raise UserError(f"{path}: no sheet named {sheet!r}; sheets: {', '.join(sheets)}")
    report.encoding = "xlsx"
    df = pd.read_excel(path, sheet_name=sheet, dtype=object, header=None)
    df = df.dropna(how="all")
    if df.empty:
        raise UserError(f"{path}: sheet {sheet!r} is empty")
    header = _dedupe_check([("" if pd.isna(v) else str(v)) for v in df.iloc[0].tolist()], path)
    body = df.iloc[1:]
    if body.empty:
        raise UserError(f"{path}: the file has a header but no data rows")
    body = body.where(body.notna(), "").map(lambda v: v if isinstance(v, str) else str(v))
    body.columns = header
    report.rows_read = len(body)
    lines = [int(i) + 1 for i in body.index]
    body = body.reset_index(drop=True)
    body.attrs["lines"] = lines
    yield body


def _parquet_chunks(path: Path, report: LoadReport, chunk_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:
        raise UserError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
    report.encoding = "parquet"
    names = pf.schema_arrow.names
    _dedupe_check(list(names), path)
    start = 0
    produced = False
    for batch in pf.iter_batches(batch_size=chunk_rows):
        df = batch.to_pandas()
        df = df.astype(object).where(df.notna(), "")
        for col in df.columns:
            df[col] = df[col].map(lambda v: v if isinstance(v, str) else str(v))
        report.rows_read += len(df)
        df.attrs["lines"] = list(range(start + 1, start + len(df) + 1))
        start += len(df)
        produced = True
        yield df
    if not produced:
        raise UserError(f"{path}: the file has no data rows")


# --- columns ------------------------------------------------------------------------------
def find_text_column(df: pd.DataFrame, text_column: str | None = None, path: object = "input") -> str:
    """The column holding the complaint text: ``text_column`` if given, a known name, else the most Chinese."""
    columns = [str(c) for c in df.columns]
    if text_column is not None:
        if text_column not in columns:
            raise UserError(f"{path}: no column named {text_column!r}; columns present: {', '.join(columns)}")
        return text_column
    lowered = {to_simplified(c).strip().lower(): c for c in columns}
    for name in TEXT_COLUMN_NAMES:
        if name.lower() in lowered:
            return lowered[name.lower()]
    best, best_score = None, 0.0
    sample = df.head(500)
    for col in columns:
        if col in ID_COLUMN_NAMES:
            continue
        values = sample[col].astype(str)
        score = values.map(lambda v: len(_CJK.findall(v))).mean() if len(values) else 0.0
        if score > best_score:
            best, best_score = col, score
    if best is None or best_score < 2:
        raise UserError(
            f"{path}: cannot tell which column holds the complaint text; columns present: {', '.join(columns)} "
            "(name it with --text-column)"
        )
    return best


def _find_id_column(columns: list[str]) -> str | None:
    simplified = {to_simplified(c).strip(): c for c in columns}
    for name in ID_COLUMN_NAMES:
        if name in simplified:
            return simplified[name]
    return None


def iter_complaint_chunks(
    path: str | os.PathLike,
    text_column: str | None = None,
    sheet: str | int | None = None,
    *,
    chunk_rows: int = 50_000,
    max_chars: int = MAX_TEXT_CHARS,
    report: LoadReport | None = None,
) -> Iterator[pd.DataFrame]:
    """Stream a complaint file as DataFrames of at most ``chunk_rows`` rows.

    Each chunk has the original columns (as text), plus ``complaint_id`` and ``empty_text``.
    ``report`` (a :class:`LoadReport`) is filled in as the file is read.
    """
    path = Path(path)
    report = report if report is not None else LoadReport(str(path))
    if not path.exists():
        raise UserError(f"{path}: no such file")
    if path.is_dir():
        raise UserError(f"{path}: is a folder, not a file")
    ext = path.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise UserError(f"{path}: unsupported file type {ext or '(none)'}; supported: {' '.join(SUPPORTED_EXTENSIONS)}")
    if path.stat().st_size == 0:
        raise UserError(f"{path}: the file is empty (0 bytes)")
    if ext == ".csv":
        chunks = _delimited_chunks(path, report, _sniff_delimiter(path), chunk_rows)
    elif ext == ".tsv":
        chunks = _delimited_chunks(path, report, "\t", chunk_rows)
    elif ext == ".txt":
        chunks = _txt_chunks(path, report, chunk_rows)
    elif ext == ".jsonl":
        chunks = _jsonl_chunks(path, report, chunk_rows)
    elif ext == ".xlsx":
        chunks = _excel_chunks(path, report, sheet)
    else:
        chunks = _parquet_chunks(path, report, chunk_rows)

    col = None
    id_col: str | None = None
    for chunk in chunks:
        lines = chunk.attrs.pop("lines", [])  # attrs are deep-copied by every pandas operation: keep them tiny
        if col is None:
            col = find_text_column(chunk, text_column, path)
            report.text_column = col
            id_col = _find_id_column([str(c) for c in chunk.columns])
        if col not in chunk.columns:  # JSONL records may lack the key
            chunk[col] = ""
        texts = _cells_as_text(chunk[col])
        for i in np.flatnonzero(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) > max_chars):
            report.truncated += 1
            texts[i] = texts[i][:max_chars]
        chunk[col] = pd.Series(texts, index=chunk.index, dtype=object)
        empty = np.array([not t or t.isspace() for t in texts], dtype=bool)
        report.empty_texts += int(empty.sum())
        ids = _cells_as_text(chunk[id_col]) if id_col is not None and id_col in chunk.columns else [""] * len(chunk)
        chunk["complaint_id"] = pd.Series([i.strip() or f"row-{n}" for i, n in zip(ids, lines)], index=chunk.index, dtype=object)
        chunk["empty_text"] = empty
        report.rows_kept += len(chunk)
        chunk.attrs = {"text_column": col}
        yield chunk


def _cells_as_text(column: pd.Series) -> list[str]:
    """Cell values as strings: missing cells (None, NaN, NaT) become ""."""
    values = column.tolist()
    if all(type(v) is str for v in values):
        return values
    return ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in values]


def _sniff_delimiter(path: Path) -> str:
    """Comma unless the header line clearly uses tabs, semicolons or full-width commas."""
    with open(path, "rb") as fh:
        head = fh.readline()[:4096]
    for enc in ("utf-8-sig", "gb18030", "big5", "latin-1"):
        try:
            line = head.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def load_complaints(
    path: str | os.PathLike,
    text_column: str | None = None,
    sheet: str | int | None = None,
    *,
    max_chars: int = MAX_TEXT_CHARS,
    verbose: bool = False,
) -> pd.DataFrame:
    """Load a complaint export (.csv .tsv .txt .xlsx .jsonl .parquet) into a DataFrame.

    The encoding (UTF-8, UTF-8 BOM, GB18030/GBK, Big5) and the text column are detected.
    ``df.attrs["load_report"]`` says how many rows were read, kept, rejected (with line
    numbers and reasons), empty or truncated; ``df.attrs["text_column"]`` names the text.

    >>> df = load_complaints("complaints.csv")
    >>> df.attrs["load_report"]["rows_read"]
    """
    report = LoadReport(str(path))
    chunks = list(iter_complaint_chunks(path, text_column, sheet, max_chars=max_chars, report=report))
    df = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0].reset_index(drop=True)
    df.attrs = {"text_column": report.text_column, "load_report": report.as_dict()}
    if report.truncated:
        warnings.warn(f"{report.truncated} texts were longer than {max_chars} characters and were truncated", stacklevel=2)
    if verbose:
        print(f"{path}: {report.summary()}", file=sys.stderr)
    return df


# --- writing ------------------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_RE = "^[" + re.escape("".join(_FORMULA_START)) + "]"  # the same test, for pandas' .str.match


def _is_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(_FORMULA_START)


def neutralize_formula(value: object) -> object:
    """Prefix a single quote to text a spreadsheet would run as a formula (OWASP CSV injection).

    >>> neutralize_formula("=HYPERLINK(\\"http://x\\")")
    "'=HYPERLINK(\\"http://x\\")"
    """
    if _is_formula(value):
        return "'" + value
    return value


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col)


def mask_frame(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with personal data masked in every text column (or ``columns``)."""
    out = df.copy()
    cols = columns if columns is not None else [c for c in out.columns if _is_text(out[c])]
    for c in cols:
        if c in out.columns:
            out[c] = pd.Series(mask_many(out[c].tolist()), index=out.index, dtype=out[c].dtype)
    return out


def _neutralized(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A copy with formula-like cells of every text column (or of ``columns``: those that can
    hold what users typed) and column names neutralized."""
    out = df.copy()
    for c in out.columns if columns is None else [c for c in columns if c in out.columns]:
        if _is_text(out[c]):
            col = out[c]
            if col.dtype == object:
                values = col.tolist()
                risky = pd.Series(list(map(_is_formula, values)), index=col.index, dtype=bool)
            else:
                risky = col.str.match(_FORMULA_RE, na=False).astype(bool)
            if risky.any():
                out[c] = col.where(~risky, "'" + col.astype(str))
    out.columns = [neutralize_formula(str(c)) for c in out.columns]
    return out


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb"):
    """Write to a temporary file beside ``path`` and rename it into place on success.

    A failure (or Ctrl-C) leaves any previous file at ``path`` intact and no half file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_rejects(rejects: list[dict], output: str | os.PathLike) -> Path | None:
    """Write rejected rows (line number, reason) to ``OUTPUT.rejects.csv``; with none, remove a stale one."""
    path = Path(str(output) + ".rejects.csv")
    if not rejects:
        path.unlink(missing_ok=True)
        return None
    return write_table(pd.DataFrame(rejects, columns=["line", "reason"]), path, mask=False)


def write_table(df: pd.DataFrame, path: str | os.PathLike, *, mask: bool = True, mask_columns: list[str] | None = None) -> Path:
    """Write ``df`` by extension (.csv .tsv .xlsx .jsonl .parquet), atomically and safely.

    Personal data is masked unless ``mask=False``; CSV/TSV/XLSX cells that would start a
    formula are neutralized. CSV is written as UTF-8 with BOM so Excel shows Chinese.
    ``mask_columns`` limits masking to those columns (e.g. the input's, not generated ones).
    """
    path = Path(path)
    ext = path.suffix.lower()
    out = mask_frame(df, mask_columns) if mask else df
    if ext in (".csv", ".tsv", ".txt"):
        out = _neutralized(out)
        with atomic_write(path, "w") as fh:
            fh.write("\ufeff")
            out.to_csv(fh, index=False, sep="\t" if ext == ".tsv" else ",")
    elif ext == ".xlsx":
        out = _neutralized(out)
        with atomic_write(path, "wb") as fh:
            with pd.ExcelWriter(fh, engine="openpyxl") as writer:
                out.to_excel(writer, index=False, sheet_name="complaints")
    elif ext == ".jsonl":
        with atomic_write(path, "w") as fh:
            out.to_json(fh, orient="records", lines=True, force_ascii=False)
    elif ext == ".parquet":
        with atomic_write(path, "wb") as fh:
            out.to_parquet(fh, index=False)
    else:
        raise UserError(f"{path}: unsupported output type {ext or '(none)'}; use .csv .tsv .xlsx .jsonl or .parquet")
    return path
