"""Commands report and demo."""
from __future__ import annotations

import json
import time
from pathlib import Path

from ..errors import UserError
from .common import accounting, check_ratio, counts_of, load_input, prepare_outputs, say, write_meta, write_rejects_for

#: Files of a report folder that an input could be (charts are .png/.svg/.pdf, never inputs).
REPORT_TABLES = ("summary.xlsx", "report.meta.json", "report.rejects.csv")
DEMO_TABLES = ("classified.csv", "themes.csv")


def _check_out_folder(out: Path, inputs, names) -> None:
    """--out must be a folder (or not exist yet) and must not hold an input under a name the command writes."""
    prepare_outputs(inputs, files=[out / n for n in names], folders=[out])


def _finish_meta(out_dir: Path, command: str, args, report: dict, written: int) -> str:
    """Add the row accounting to ``report.meta.json`` and write ``report.rejects.csv`` beside it."""
    from ..data.write import atomic_write
    from ..text.privacy import mask_pii

    suffix = write_rejects_for(report, out_dir / "report")
    path = out_dir / "report.meta.json"
    meta = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    meta.update({"command": command, **counts_of(report, written), "rejects": f"{out_dir / 'report.rejects.csv'}" if suffix else None})
    with atomic_write(path, "w") as fh:
        fh.write(mask_pii(json.dumps(meta, ensure_ascii=False, indent=2, default=str)))
    return suffix


def cmd_report(args) -> int:
    from ..pipeline import ensure_classified, ensure_themes
    from ..report import FORMATS, build_report

    check_ratio(args.complaint_ratio, "--complaint-ratio")
    formats = [f.strip().lower() for f in args.formats.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if not formats or unknown:
        raise UserError(f"--formats {args.formats!r}: {'unknown ' + ', '.join(unknown) if unknown else 'no format named'}; "
                        f"choose from {','.join(FORMATS)}")
    out = Path(args.out)
    _check_out_folder(out, [args.input], REPORT_TABLES)
    df = load_input(args)
    col = df.attrs["text_column"]
    df = ensure_classified(df, col, args.model)
    df, _ = ensure_themes(df, col)
    res = build_report(df, out, args.formats, args.period, args.complaint_ratio, mask=not args.no_mask, text_column=col)
    for name, why in res.skipped.items():
        say(f"report: skipped {name}: {why}")
    rep = df.attrs["load_report"]
    suffix = _finish_meta(out, "report", args, rep, len(df))
    say(accounting("report", rep, len(df), suffix) + f"; {len(res.files)} files → {res.out_dir}")
    return 0


def run_demo(out: str | Path = "out/demo", input_path: str | None = None, args=None) -> int:
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
    _check_out_folder(out, [path], DEMO_TABLES + REPORT_TABLES)
    df = load_input(args, path=path) if args is not None else load_complaints(path)
    col = df.attrs["text_column"]
    report = df.attrs["load_report"]
    say(f"demo: loaded {len(df)} complaints from {path}")
    model = default_model(verbose=True)
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
    write_meta(out / "classified.csv", "demo", args, {**counts_of(report, len(themed)), "input": str(path)})
    suffix = _finish_meta(out, "demo", args, report, len(themed))
    share = themed["gap"].value_counts(normalize=True)
    tax = load_taxonomy()
    say("\n根因分布 gap shares:")
    for g, s in share.items():
        say(f"  {tax.zh(g)} {g:<14} {s:6.1%}")
    say("\n主要主题 top themes:")
    for th in tc.themes_[:8]:
        say(f"  {th['size']:>5}  {th['name']}")
    say("\n要点 takeaways:")
    for k, v in res.takeaways.items():
        say(f"  - {v}")
    say(f"\ndemo: wrote {len(res.files) + 2} files to {out}/ (classified.csv, themes.csv, charts, summary.xlsx, deck.pptx, summary.html) "
        f"in {time.perf_counter() - t0:.0f} s")
    say(accounting("demo", report, len(themed), suffix))
    return 0


def cmd_demo(args) -> int:
    return run_demo(args.out, args.input, args)
