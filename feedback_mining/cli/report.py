"""Commands report and demo."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from .common import load_input


def cmd_report(args) -> int:
    from ..pipeline import ensure_classified, ensure_themes
    from ..report import build_report

    df = load_input(args)
    col = df.attrs["text_column"]
    df = ensure_classified(df, col, args.model)
    df, _ = ensure_themes(df, col)
    res = build_report(df, args.out, args.formats, args.period, args.complaint_ratio, mask=not args.no_mask, text_column=col)
    for name, why in res.skipped.items():
        print(f"report: skipped {name}: {why}", file=sys.stderr)
    rep = df.attrs["load_report"]
    print(f"report: rows read {rep['rows_read']}, used {len(df)}, rejected {rep['rows_rejected']}; {len(res.files)} files → {res.out_dir}", file=sys.stderr)
    return 0


def run_demo(out: str | Path = "out/demo", input_path: str | None = None) -> int:
    """The main job on the bundled corpus: classify + themes + charts + deck into ``out``."""
    from ..data.read import load_complaints
    from ..data.write import write_table
    from ..models.registry import default_model
    from ..models.taxonomy import load_taxonomy
    from ..paths import corpus_file
    from ..pipeline import classify_frame, cluster_frame
    from ..report import FORMATS, build_report

    t0 = time.perf_counter()
    out = Path(out)
    path = Path(input_path) if input_path else corpus_file("complaints_labeled.csv")
    df = load_complaints(path)
    col = df.attrs["text_column"]
    print(f"demo: loaded {len(df)} complaints from {path}", file=sys.stderr)
    model = default_model()
    keep = [c for c in df.columns if c not in ("gap", "escalation", "customer_demand")] if not input_path else list(df.columns)
    classified = classify_frame(df[keep], model, col)
    if "gap" in df.columns and not input_path:
        classified["gap_labelled"] = df["gap"].to_numpy()
    themed, tc = cluster_frame(classified, col, k=10)  # ten themes read well on one slide
    themed.attrs = {"text_column": col}
    write_table(themed, out / "classified.csv")
    summary = tc.summary()
    write_table(summary, out / "themes.csv")
    res = build_report(themed, out, FORMATS, "month", 0.04, mask=True, text_column=col)
    share = themed["gap"].value_counts(normalize=True)
    tax = load_taxonomy()
    print("\n根因分布 gap shares:", file=sys.stderr)
    for g, s in share.items():
        print(f"  {tax.zh(g)} {g:<14} {s:6.1%}", file=sys.stderr)
    print("\n主要主题 top themes:", file=sys.stderr)
    for th in tc.themes_[:8]:
        print(f"  {th['size']:>5}  {th['name']}", file=sys.stderr)
    print("\n要点 takeaways:", file=sys.stderr)
    for k, v in res.takeaways.items():
        print(f"  - {v}", file=sys.stderr)
    print(f"\ndemo: wrote {len(res.files) + 2} files to {out}/ (classified.csv, themes.csv, charts, summary.xlsx, deck.pptx, summary.html) "
          f"in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


def cmd_demo(args) -> int:
    return run_demo(args.out, args.input)
