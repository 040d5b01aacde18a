"""Writing results safely: atomic files, masked personal data, neutralized spreadsheet formulas,
outputs that can never replace an input.

>>> write_table(df, "out/classified.csv")        # masked, formula cells neutralized, atomic
"""
from __future__ import annotations

import csv
import hashlib
import os
import re
import secrets
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UserError
from ..text.privacy import mask_changes, mask_many

__all__ = ["write_table", "write_rejects", "atomic_write", "neutralize_formula", "neutralized", "mask_frame", "xml_safe",
           "check_output", "protect_inputs", "forget_protected_inputs", "remove_stale_temps", "is_formula", "NAME_MAX"]

# --- spreadsheet formulas (OWASP CSV injection) ------------------------------------------------
#: Characters that start a formula in Excel, LibreOffice or WPS, in half and full width.
_FORMULA_CHARS = frozenset("=+-@＝＋－＠")
#: What a spreadsheet skips before reading a formula: spaces of every kind, tabs and line breaks.
_LEADING = " \t\r\n\u3000\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\ufeff"
_LEADING_SET = frozenset(_LEADING)
#: A cell can only be a formula if its first character is one of these.
_FIRST_CHARS = _FORMULA_CHARS | _LEADING_SET
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_formula(value: object) -> bool:
    """Would a spreadsheet run this cell as a formula? True when its first character after any
    spaces, tabs or line breaks is ``= + - @`` (or their full-width forms ＝＋－＠), or when it
    starts with a tab or CR; a plain signed number such as ``-12.5`` is data, not a formula.

    >>> [is_formula(v) for v in ["=1+1", "  =1+1", "\\r\\n=1+1", "＝1+1", "-12.5", "-1+2", "退款"]]
    [True, True, True, True, False, True, False]
    """
    if not isinstance(value, str) or not value:
        return False
    first = value[0]
    if first not in _FORMULA_CHARS and first not in _LEADING_SET:
        return False  # the common case, decided by one character
    stripped = value.lstrip(_LEADING)
    if not (stripped and stripped[0] in _FORMULA_CHARS) and first not in "\t\r":
        return False
    return not _PLAIN_NUMBER.fullmatch(stripped.rstrip(_LEADING))


def neutralize_formula(value: object) -> object:
    """Prefix a single quote to text a spreadsheet would run as a formula (OWASP CSV injection).

    >>> neutralize_formula("=HYPERLINK(\\"http://x\\")")
    "'=HYPERLINK(\\"http://x\\")"
    """
    return "'" + value if is_formula(value) else value


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col)


def _unique_names(names: list[str]) -> list[str]:
    """``names`` with repeats numbered (two headers that mask to the same text stay two columns)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            while f"{n}_{seen[n]}" in seen:
                seen[n] += 1
            n = f"{n}_{seen[n]}"
        seen.setdefault(n, 1)
        out.append(n)
    return out


def neutralized(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A copy with formula-like cells of every text column (or of ``columns``: those that can
    hold what users typed) and column names neutralized."""
    out = df.copy()
    for c in out.columns if columns is None else [c for c in columns if c in out.columns]:
        col = out[c]
        if _is_text(col):
            risky = np.zeros(len(col), dtype=bool)
            values = col.tolist()
            if all(type(v) is str for v in values):  # one character decides for almost every cell
                maybe = [i for i, v in enumerate(values) if v and v[0] in _FIRST_CHARS]
                risky[maybe] = [is_formula(values[i]) for i in maybe]
            else:
                risky[:] = [is_formula(v) for v in values]
            if risky.any():
                out[c] = col.where(~risky, "'" + col.astype(str))
    out.columns = _unique_names([neutralize_formula(str(c)) for c in out.columns])
    return out


# --- personal data ------------------------------------------------------------------------------
def _number_as_text(v: object) -> object:
    """A number as the digits it was typed with (13912345678.0 → "13912345678"), to be masked."""
    if isinstance(v, (bool, np.bool_)) or v is None:
        return v
    if isinstance(v, (float, np.floating)):
        return str(int(v)) if np.isfinite(v) and float(v).is_integer() else str(v)
    return str(v)


def _mask_values(values: list) -> list | None:
    """``values`` with personal data masked in text and in long numbers (13912345678 or
    13912345678.0 typed into a cell), or None when nothing had to change; a number that
    needed no mask stays a number."""
    if all(type(v) is str for v in values):  # a text column: only the masked cells need a look
        changes = mask_changes(values)
        if not changes:
            return None
        values = list(values)
        for i, masked in changes.items():
            values[i] = masked
        return values
    text = [_number_as_text(v) if _long_number(v) else v for v in values]
    masked = mask_many(text)
    changed = [isinstance(m, str) and m != t for m, t in zip(masked, text)]  # (pd.NA cannot be compared)
    if not any(changed):
        return None
    return [m if c else v for m, c, v in zip(masked, changed, values)]


def _long_number(v: object) -> bool:
    # only numbers of 8+ digits can be phones, cards or IDs; bools are numbers to numpy, not to us
    return (isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
            and bool(np.isfinite(v)) and abs(v) >= 10_000_000)


def mask_frame(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with personal data masked in every text column (or ``columns``), in
    number columns and mixed columns that hold phone, card or ID numbers, in categories and in
    the column names.

    >>> mask_frame(pd.DataFrame({"渠道": ["热线13912345678"], "手机": [13812345678]})).iloc[0].tolist()
    ['热线<手机号>', '<手机号>']
    """
    out = df.copy()
    cols = columns if columns is not None else list(out.columns)
    for c in cols:
        if c not in out.columns:
            continue
        col = out[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            # a category cannot take a value it does not list: masked values would become NaN
            col = col.astype(object)
        elif not (_is_text(col) or pd.api.types.is_integer_dtype(col) or pd.api.types.is_float_dtype(col)):
            continue  # dates, booleans, durations hold no personal data
        elif not _is_text(col) and not (len(col) and col.abs().max() >= 10_000_000):
            continue  # a number column whose numbers are all too short to be a phone, card or ID
        masked = _mask_values(col.tolist())
        if masked is not None:
            # text stays text (masked values are text); a number column with a masked cell holds both
            out[c] = pd.Series(masked, index=out.index, dtype=col.dtype if _is_text(col) else object)
    names = [str(c) for c in out.columns]
    masked_names = _unique_names(mask_many(names))
    if masked_names != names:
        out.columns = masked_names
    return out


# --- characters an XML-based file (.xlsx, .pptx, .svg) cannot hold -------------------------------
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """``df`` with control characters that .xlsx/.pptx cannot store replaced by U+FFFD, and how many
    cells changed (callers say so in a warning: nothing changes without a word)."""
    out, changed = df, 0
    for c in df.columns:
        col = df[c]
        if _is_text(col):
            values = col.tolist()
            bad = [i for i, v in enumerate(values) if isinstance(v, str) and _XML_ILLEGAL.search(v)]
            if bad:
                if out is df:
                    out = df.copy()
                for i in bad:
                    values[i] = _XML_ILLEGAL.sub("\ufffd", values[i])
                out[c] = pd.Series(values, index=df.index, dtype=col.dtype)
                changed += len(bad)
    names = [_XML_ILLEGAL.sub("\ufffd", str(c)) for c in out.columns]
    if names != [str(c) for c in out.columns]:
        out = out.copy() if out is df else out
        out.columns = names
    return out, changed


# --- output paths ---------------------------------------------------------------------------
_PROTECTED: set[tuple[int, int]] = set()  # (device, inode) of the files a command reads


def protect_inputs(*paths: str | os.PathLike) -> None:
    """Remember the files a command reads: :func:`atomic_write` refuses to replace them, under any
    spelling (``./in.csv``, a symlink, a hard link, ``sub/../in.csv``)."""
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            continue
        _PROTECTED.add((st.st_dev, st.st_ino))


def forget_protected_inputs() -> None:
    """Start afresh (each command protects its own inputs; tests run several in one process)."""
    _PROTECTED.clear()


def _is_protected(path: Path) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) in _PROTECTED


#: Longest file name (in bytes) of the usual file systems (ext4, XFS, APFS, NTFS in UTF-16 units).
NAME_MAX = 255


def check_output(path: str | os.PathLike, *, inputs=(), folder: bool = False, what: str = "output") -> Path:
    """Refuse, as one clear error, an output that would replace an input (any spelling), that is a
    folder (or a file, for ``folder=True``), a device, under a file, or whose name is too long.

    >>> check_output("in.csv", inputs=["./in.csv"])
    Traceback (most recent call last):
    feedback_mining.errors.UserError: in.csv: the output would overwrite the input in.csv; choose another name
    """
    path = Path(path)
    for part in path.parts:  # first: the file system refuses to even look at an over-long name
        size = len(part.encode("utf-8", "surrogatepass"))
        if size > NAME_MAX:
            raise UserError(f"{part[:40]}…: the {what} name is too long for this file system ({size} bytes, at most {NAME_MAX})")
    for inp in inputs:
        if inp is not None and path.exists() and Path(inp).exists() and os.path.samefile(path, inp):
            raise UserError(f"{path}: the {what} would overwrite the input {inp}; choose another name")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UserError(f"{path}: {parent} is a file, so nothing can be written under it")
            break
    if folder:
        if path.exists() and not path.is_dir():
            raise UserError(f"{path}: is a file, not a folder; name a folder for the {what}")
    elif path.is_dir():
        raise UserError(f"{path}: is a folder; name a file for the {what}")
    elif path.exists() and not path.is_file():
        raise UserError(f"{path}: is not a regular file; name a file for the {what}")
    return path


def _temp_prefix(path: Path) -> str:
    """Hidden temporary files of ``path``: short whatever the name's length, and found again by
    :func:`remove_stale_temps` after a kill."""
    digest = hashlib.sha1(path.name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f".{path.name[:40]}.{digest}."


def remove_stale_temps(path: str | os.PathLike) -> int:
    """Remove hidden temporary files that a killed run left beside ``path``; returns how many."""
    path = Path(path)
    n = 0
    if path.parent.is_dir():
        for tmp in path.parent.glob(glob_escape(_temp_prefix(path)) + "*.part"):
            try:
                tmp.unlink()
                n += 1
            except OSError:
                pass
    return n


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb"):
    """Write to a temporary file beside ``path`` and rename it into place on success.

    A failure (or Ctrl-C) leaves any previous file at ``path`` intact and no half file. A file
    registered with :func:`protect_inputs` is never replaced.
    """
    path = Path(path)
    if _is_protected(path):
        raise UserError(f"{path}: is one of the input files; refusing to overwrite it")
    if path.is_dir():
        raise UserError(f"{path}: is a folder; name a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UserError(f"{path}: a file stands where a folder is needed") from None
    tmp = path.parent / f"{_temp_prefix(path)}{secrets.token_hex(4)}.part"
    fh = open(tmp, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""}))
    try:
        with fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_rejects(rejects: list[dict], output: str | os.PathLike) -> Path | None:
    """Write rejected rows (line number or complaint id, reason) to ``OUTPUT.rejects.csv``; with
    none, remove a stale one (never an input file that happens to carry that name)."""
    path = Path(str(output) + ".rejects.csv")
    if not rejects:
        if path.exists() and not _is_protected(path):
            path.unlink()
        return None
    columns = ["line", "complaint_id", "reason"] if any("complaint_id" in r for r in rejects) else ["line", "reason"]
    return write_table(pd.DataFrame(rejects, columns=columns).fillna(""), path)


def write_table(df: pd.DataFrame, path: str | os.PathLike, *, mask: bool = True, mask_columns: list[str] | None = None) -> Path:
    """Write ``df`` by extension (.csv .tsv .xlsx .jsonl .parquet), atomically and safely.

    Personal data is masked unless ``mask=False`` (text and long-number columns and the column
    names); CSV/TSV/XLSX cells that would start a formula are neutralized. CSV is written as
    UTF-8 with BOM so Excel shows Chinese, every text cell quoted (a CR inside a cell can never
    split a row). ``mask_columns`` limits masking to those columns (e.g. the input's).
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in (".csv", ".tsv", ".txt", ".xlsx", ".jsonl", ".parquet"):
        raise UserError(f"{path}: unsupported output type {ext or '(none)'}; use .csv .tsv .xlsx .jsonl or .parquet")
    out = mask_frame(df, mask_columns) if mask else df
    if ext in (".csv", ".tsv", ".txt"):
        out = neutralized(out)
        with atomic_write(path, "w") as fh:
            fh.write("\ufeff")
            out.to_csv(fh, index=False, sep="\t" if ext == ".tsv" else ",", quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    elif ext == ".xlsx":
        out, changed = xml_safe(neutralized(out))
        if changed:
            warnings.warn(f"{path.name}: {changed} cells held control characters that .xlsx cannot store; they are shown as \ufffd",
                          stacklevel=2)
        with atomic_write(path, "wb") as fh:
            with pd.ExcelWriter(fh, engine="openpyxl") as writer:
                out.to_excel(writer, index=False, sheet_name="complaints")
    elif ext == ".jsonl":
        with atomic_write(path, "w") as fh:
            out.to_json(fh, orient="records", lines=True, force_ascii=False, date_format="iso")
    else:
        with atomic_write(path, "wb") as fh:
            _one_type_per_column(out).to_parquet(fh, index=False)
    return path


def _one_type_per_column(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with mixed columns (a masked phone "<手机号>" beside the number 128) written as text:
    a Parquet column holds one type, and text keeps every value as it was shown."""
    def missing(v: object) -> bool:
        return v is None or v is pd.NA or (isinstance(v, float) and v != v)

    out = df
    for c in df.columns:
        values = df[c].tolist() if df[c].dtype == object else []
        kinds = {type(v) for v in values if not missing(v)}
        if len(kinds) > 1 and str in kinds:
            out = df.copy() if out is df else out
            out[c] = [v if isinstance(v, str) or missing(v) else _number_as_text(v) for v in values]
    return out
