"""Reading complaint exports: every reader of the package (files, Dask partitions, the labelled corpus).

>>> df = load_complaints("投诉导出.csv")          # GBK/GB18030, Big5, UTF-8 (BOM) all detected
>>> df.attrs["text_column"], df.attrs["load_report"]["empty_texts"]

Every row gets a stable ``complaint_id`` and an ``empty_text`` flag; nothing is dropped
silently: rows that cannot be parsed are returned as *rejects* with their line number.
"""
from __future__ import annotations

import csv
import hashlib
import io as _io
import json
import os
import sys
import warnings
from collections import deque
from dataclasses import asdict, dataclass, field
from itertools import chain
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from ..errors import UserError
from ..paths import corpus_file
from ..text.normalize import MAX_TEXT_CHARS
from .columns import SUPPORTED_EXTENSIONS, find_id_column, find_text_column, make_room
from .encoding import LONE_CR, open_blocks, open_lines

__all__ = ["LoadReport", "load_complaints", "iter_complaint_chunks", "load_labeled_corpus", "heldout_split"]

_MAX_RECORD_LINES = 200  # a quoted field spanning more lines than this is an unbalanced quote
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
    renamed: dict[str, str] = field(default_factory=dict)  # input columns kept under new names (make_room)

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
            yield range(start, start + len(rows)), _lone_crs_back(rows) if LONE_CR in text else rows, None
            continue
        queue.extend(enumerate(lines, start))
        batch: list[Record] = []
        while queue:
            batch.append(_parse_record(queue.popleft(), next_line, queue, delimiter))
        yield [r[0] for r in batch], _lone_crs_back([r[1] for r in batch]), [r[2] for r in batch]


def _lone_crs_back(rows: list) -> list:
    """Put back the lone CRs that :func:`open_blocks` hid from the parser (a CR inside a cell)."""
    return [[f.replace(LONE_CR, "\r") if LONE_CR in f else f for f in fields] if fields is not None and any(LONE_CR in f for f in fields)
            else fields for fields in rows]


def _parse_record(item: tuple[int, str], next_line, queue: deque, delimiter: str) -> Record:
    """One record starting at line ``item``, reading more lines while a quoted field is open.

    A record whose quote is still open after ``_MAX_RECORD_LINES`` lines, or whose quoted field
    spans lines and then ends in a quoting error (it was "closed" by another row's stray quote),
    is an unbalanced quote: its first line is rejected and its other lines go back on
    ``queue``, so one bad row never swallows the rows after it.
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
                if len(taken) > 1:  # a quote opened on one line and "closed" by another row's stray quote
                    queue.extendleft(reversed(taken[1:]))
                    return start, None, "unbalanced quote"
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
    batches = _iter_csv_records(open_blocks(path, report), delimiter)
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
    for n, line in open_lines(path, report):
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
    for _, line in open_lines(path, LoadReport(str(path))):
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
    for n, line in open_lines(path, report):
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
    if not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise UserError(f"--chunk-rows must be a whole number of at least 1, not {chunk_rows!r}")
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
            id_col = find_id_column([str(c) for c in chunk.columns])
            # an input column named like one the loader adds is kept as <name>_input (the id column
            # itself may be called complaint_id: its values are copied verbatim)
            report.renamed = make_room(chunk.head(0), [c for c in ("complaint_id", "empty_text") if c != id_col])[1]
            col, id_col = report.renamed.get(col, col), report.renamed.get(id_col, id_col)
            report.text_column = col
        if report.renamed:
            chunk = chunk.rename(columns=report.renamed)
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
        # ids verbatim (" A-01 " stays " A-01 "); blank ones become row-<line number>
        chunk["complaint_id"] = pd.Series([i if i and not i.isspace() else f"row-{n}" for i, n in zip(ids, lines)], index=chunk.index, dtype=object)
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
        head = fh.readline(4096)
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


# --- the bundled labelled corpus ---------------------------------------------------------------
def heldout_split(ids: Iterable[object], test_share: float = 0.2) -> np.ndarray:
    """True for the fixed held-out rows of a labelled corpus: a hash of the complaint id, never trained on."""
    cut = int(test_share * 10_000)
    return np.array([int(hashlib.sha1(str(i).encode("utf-8")).hexdigest()[:8], 16) % 10_000 < cut for i in ids], dtype=bool)


def load_labeled_corpus(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The project's labelled complaints (every column as text) with a boolean ``heldout`` column."""
    path = Path(path) if path else corpus_file("complaints_labeled.csv")
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df["heldout"] = heldout_split(df["complaint_id"])
    return df
