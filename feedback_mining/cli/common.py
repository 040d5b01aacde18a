"""What every command shares: loading with warnings, the accounting line, the rejects and meta files."""
from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

from .. import __version__

__all__ = ["load_input", "accounting", "write_rejects_for", "write_meta"]


def load_input(args, **kw):
    from ..data.read import load_complaints

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = load_complaints(args.input, getattr(args, "text_column", None), getattr(args, "sheet", None), **kw)
    for w in caught:
        if issubclass(w.category, UserWarning):
            print(f"feedback-mining: warning: {w.message}", file=sys.stderr)
    return df


def accounting(name: str, report: dict, written: int, extra: str = "") -> str:
    line = f"{name}: rows read {report['rows_read']}, written {written}, rejected {report['rows_rejected']}"
    if report.get("empty_texts"):
        line += f", empty texts {report['empty_texts']} (kept, flagged)"
    return line + extra


def write_rejects_for(report: dict, output: Path) -> str:
    """Write the rejects file (or remove a stale one); the summary-line suffix that points to it."""
    from ..data.write import write_rejects

    path = write_rejects(report["rejects"], output)
    return f" (see {path})" if path else ""


def write_meta(output: Path, command: str, args, extra: dict | None = None) -> None:
    """A small ``OUTPUT.meta.json`` so that --no-mask is never silent."""
    meta = {"command": command, "version": __version__, "masked": not getattr(args, "no_mask", False),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    meta.update(extra or {})
    Path(str(output) + ".meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


