"""Command cluster."""
from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from .common import accounting, counts_of, load_input, prepare_outputs, say, write_meta, write_rejects_for

_TABLE_EXTENSIONS = (".csv", ".tsv", ".xlsx", ".jsonl", ".parquet")


def _k(value: str):
    if value == "auto":
        return value
    try:
        k = int(value)
    except ValueError:
        raise UserError(f"--k must be 'auto' or a whole number, not {value!r}") from None
    if k < 2:
        raise UserError("--k must be at least 2")
    return k


def cmd_cluster(args) -> int:
    from ..data.columns import renamed_note
    from ..data.write import write_table
    from ..pipeline import classifier_gaps, cluster_frame

    k = _k(args.k)
    for option, path in (("-o", args.output), ("--summary", args.summary)):
        if path is not None and Path(path).suffix.lower() not in _TABLE_EXTENSIONS:
            raise UserError(f"{path}: unsupported {option} file type {Path(path).suffix or '(none)'}; use {' '.join(_TABLE_EXTENSIONS)}")
    prepare_outputs([args.input], files=[p for p in (args.output, args.summary) if p])  # refuses --summary = -o or the input
    df = load_input(args)
    col = df.attrs["text_column"]
    report = df.attrs["load_report"]
    # The dominant gap of each theme comes from the classifier: the file's gap column when it
    # is classified, else the default model's gaps (used for the summary, not written as columns).
    gaps = None if "gap" in df.columns else classifier_gaps(df, col, getattr(args, "model", None))
    out, tc = cluster_frame(df, col, k, args.method, args.random_state, gaps=gaps)
    renamed = out.attrs.get("renamed_columns", {})
    if renamed:
        say(f"feedback-mining: warning: {renamed_note(renamed)}")
    ids = out["complaint_id"].to_numpy()
    summary = tc.summary()
    summary["representative_ids"] = [" ".join(str(ids[i]) for i in th["representative_index"]) for th in tc.themes_]
    write_table(out, args.output, mask=not args.no_mask)
    if args.summary:
        write_table(summary, args.summary, mask=not args.no_mask)
    suffix = write_rejects_for(report, Path(args.output))
    write_meta(Path(args.output), "cluster", args, {**counts_of(report, len(out)), "k": tc.k_, "themes": tc.n_themes_,
                                                     "k_requested": args.k, "k_scores": tc.k_scores_ or None,
                                                     "method": args.method, "summary": args.summary, "note": tc.note_ or None,
                                                     "renamed_columns": {**report.get("renamed", {}), **renamed}})
    if tc.k_scores_:
        scores = ", ".join(f"{n}:{v:.2f}" for n, v in tc.k_scores_.items())
        say(f"cluster: k={tc.k_} chosen by {tc.k_criterion_} ({scores})")
    for th in tc.themes_[:20]:
        say(f"  theme {th['id']:>3}  {th['size']:>6}  {th['share']:.1%}  {th['name']}")
    themes = f"; themes {tc.n_themes_}"
    if tc.note_:
        themes += f", fewer than the {k} asked for: the complaints do not support more"
    say(accounting("cluster", report, len(out), themes + suffix))
    return 0
