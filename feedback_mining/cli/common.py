"""What every command shares: checked outputs, loading with warnings, the accounting line, the
rejects and meta files. Everything printed goes through :func:`say`, which masks personal data."""
from __future__ import annotations

import json
import math
import sys
import time
import warnings
from pathlib import Path

from .. import __version__
from ..errors import UserError

__all__ = ["load_input", "accounting", "write_rejects_for", "write_meta", "say", "prepare_outputs", "check_positive_int",
           "check_ratio", "print_warnings"]


def say(message: str) -> None:
    """One line on stderr, personal data masked (stderr is written bytes too: logs, CI, tickets)."""
    from ..text.privacy import mask_pii

    print(mask_pii(message), file=sys.stderr)


def print_warnings(caught) -> None:
    for w in caught:
        if issubclass(w.category, UserWarning):
            say(f"feedback-mining: warning: {w.message}")


def check_positive_int(value, option: str) -> None:
    """``--workers 0``, ``--chunk-rows -5``: one clear error (None means the default)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise UserError(f"{option} must be a whole number of at least 1, not {value!r}")


def check_ratio(value: float, option: str) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 < value <= 1):
        raise UserError(f"{option} must be a share between 0 and 1 (e.g. 0.04), not {value!r}")


def prepare_outputs(inputs, files=(), folders=()) -> None:
    """Check every path a command will write before it starts (none replaces an input, under any
    spelling; none is a folder, a device or under a file; no name too long), and protect the inputs
    for the rest of the run. Side files (``.meta.json``, ``.rejects.csv``) are checked too."""
    from ..data.write import check_output, protect_inputs, remove_stale_temps

    inputs = [i for i in inputs if i is not None]
    seen: dict[Path, str] = {}
    for path in files:
        path = Path(path)
        for p, what in ((path, "output"), (Path(str(path) + ".meta.json"), "meta file"),
                        (Path(str(path) + ".rejects.csv"), "rejects file")):
            check_output(p, inputs=inputs, what=what)
            key = p.resolve()
            if key in seen:
                raise UserError(f"{p}: named twice as an output (also as {seen[key]}); choose different names")
            seen[key] = str(p)
        remove_stale_temps(path)
    for folder in folders:
        check_output(folder, inputs=inputs, folder=True, what="output folder")
    protect_inputs(*inputs)


def load_input(args, path=None, **kw):
    """Load ``args.input`` (or ``path``); warnings and renamed input columns are one line each."""
    from ..data.columns import renamed_note
    from ..data.read import load_complaints

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = load_complaints(path or args.input, getattr(args, "text_column", None), getattr(args, "sheet", None), **kw)
    print_warnings(caught)
    note = renamed_note(df.attrs["load_report"].get("renamed") or {})
    if note:
        say(f"feedback-mining: warning: {note}")
    return df


def accounting(name: str, report: dict, written: int, extra: str = "") -> str:
    line = f"{name}: rows read {report['rows_read']}, written {written}, rejected {report['rows_rejected']}"
    if report.get("empty_texts"):
        line += f", empty texts {report['empty_texts']} (kept, flagged)"
    if report.get("truncated"):
        line += f", {report['truncated']} texts truncated"
    return line + extra


def write_rejects_for(report: dict, output: Path) -> str:
    """Write the rejects file (or remove a stale one); the summary-line suffix that points to it."""
    from ..data.write import write_rejects

    path = write_rejects(report["rejects"], output)
    return f" (see {path})" if path else ""


def counts_of(report: dict, written: int) -> dict:
    """The row accounting every meta file records."""
    return {"rows_read": report["rows_read"], "rows_written": written, "rows_rejected": report["rows_rejected"],
            "empty_texts": report.get("empty_texts", 0), "truncated": report.get("truncated", 0)}


def write_meta(output: Path, command: str, args, extra: dict | None = None, *, path: Path | None = None) -> Path:
    """``OUTPUT.meta.json`` (or ``path``): command, version, masking and the row counts, so that
    neither --no-mask nor a rejected row is ever silent."""
    from ..data.write import atomic_write
    from ..text.privacy import mask_pii

    meta = {"command": command, "version": __version__, "masked": not getattr(args, "no_mask", False),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    meta.update(extra or {})
    target = path or Path(str(output) + ".meta.json")
    text = json.dumps(meta, ensure_ascii=False, indent=2, default=str)
    with atomic_write(target, "w") as fh:
        fh.write(mask_pii(text))  # names, paths and messages in it are written bytes too
    return target
