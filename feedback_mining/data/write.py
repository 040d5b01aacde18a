"""Writing results safely: atomic files, masked personal data, neutralized spreadsheet formulas.

>>> write_table(df, "out/classified.csv")        # masked, formula cells neutralized, atomic
"""
from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..errors import UserError
from ..text.privacy import mask_many

__all__ = ["write_table", "write_rejects", "atomic_write", "neutralize_formula", "neutralized", "mask_frame"]

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


def neutralized(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
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
        out = neutralized(out)
        with atomic_write(path, "w") as fh:
            fh.write("\ufeff")
            out.to_csv(fh, index=False, sep="\t" if ext == ".tsv" else ",")
    elif ext == ".xlsx":
        out = neutralized(out)
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

