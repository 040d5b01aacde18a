"""Command cluster."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UserError
from .common import accounting, load_input, write_meta, write_rejects_for


def cmd_cluster(args) -> int:
    from ..data.write import write_table
    from ..pipeline import cluster_frame

    k = args.k
    if k != "auto":
        try:
            k = int(k)
        except ValueError:
            raise UserError(f"--k must be 'auto' or a whole number, not {args.k!r}") from None
        if k < 2:
            raise UserError("--k must be at least 2")
    df = load_input(args)
    col = df.attrs["text_column"]
    report = df.attrs["load_report"]
    out, tc = cluster_frame(df, col, k, args.method, args.random_state)
    ids = out["complaint_id"].to_numpy()
    summary = tc.summary()
    summary["representative_ids"] = [" ".join(str(ids[i]) for i in th["representative_index"]) for th in tc.themes_]
    write_table(out, args.output, mask=not args.no_mask)
    if args.summary:
        write_table(summary, args.summary, mask=not args.no_mask)
    write_meta(Path(args.output), "cluster", args, {"k": tc.k_, "k_scores": getattr(tc, "k_scores_", None), "method": args.method})
    if getattr(tc, "k_scores_", None):
        scores = ", ".join(f"{k}:{v:.3f}" for k, v in tc.k_scores_.items())
        print(f"cluster: k={tc.k_} chosen by {tc.k_criterion_} ({scores})", file=sys.stderr)
    for th in tc.themes_[:20]:
        print(f"  theme {th['id']:>3}  {th['size']:>6}  {th['share']:.1%}  {th['name']}", file=sys.stderr)
    print(accounting("cluster", report, len(out), write_rejects_for(report, Path(args.output))), file=sys.stderr)
    return 0
