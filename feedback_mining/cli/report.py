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


def _demo_rows(path: Path | None, args=None):
    """The complaints the demo reports on and the sentence that says where they come from.

    The bundled corpus: only its held-out split (``heldout_split``), which the default model is
    never trained on, so the review share and the agreement with the human labels are honest.
    Another file: all of it (the model was trained on the bundled corpus only)."""
    from ..data.columns import HUMAN_LABEL_COLUMNS
    from ..data.read import heldout_split, load_complaints
    from ..paths import corpus_file

    source = path or corpus_file("complaints_labeled.csv")
    df = load_input(args, path=source) if args is not None else load_complaints(source)
    if path is not None:
        return df, None, {"input": str(path), "complaints": len(df)}, f"数据：{Path(path).name}，{len(df):,} 条投诉"
    held = heldout_split(df["complaint_id"])
    unseen = df[held].reset_index(drop=True)
    unseen.attrs = dict(df.attrs)
    labels = unseen[list(HUMAN_LABEL_COLUMNS)].copy()
    unseen = unseen.drop(columns=list(HUMAN_LABEL_COLUMNS))
    meta = {"input": str(source), "corpus_rows": len(df), "training_rows": int((~held).sum()), "unseen_complaints": len(unseen)}
    note = (f"演示数据：{len(unseen):,} 条投诉均为模型训练时从未见过的（内置语料 {len(df):,} 条中按编号留出的部分；"
            f"模型只用其余 {int((~held).sum()):,} 条训练）")
    return unseen, labels, meta, note


def run_demo(out: str | Path = "out/demo", input_path: str | None = None, args=None) -> int:
    """The main job on complaints the model never saw: classify + themes + charts + deck into ``out``."""
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
    df, labels, meta, note = _demo_rows(Path(input_path) if input_path else None, args)
    col = df.attrs["text_column"]
    report = df.attrs["load_report"]
    say(f"demo: {note}")
    model = default_model()
    classified = classify_frame(df, model, col)
    if input_path is None:
        classified["gap_labelled"] = labels["gap"].to_numpy()
        agree = float((classified["gap"] == classified["gap_labelled"]).mean())
        meta["gap_agreement_with_labels"] = round(agree, 4)
        note += f"；根因与人工标注一致 {agree:.0%}"
    themed, tc = cluster_frame(classified, col, k=8 if len(df) < 1000 else 10)  # a theme list that reads well on one slide
    themed.attrs = {"text_column": col}
    write_table(themed, out / "classified.csv")
    write_table(tc.summary(), out / "themes.csv")
    res = build_report(themed, out, FORMATS, "month", 0.04, mask=True, text_column=col, data_note=note, meta={"demo": meta})
    write_meta(out / "classified.csv", "demo", args, {**counts_of(report, len(themed)), "input": str(path), "demo": meta})
    suffix = _finish_meta(out, "demo", args, report, len(themed))
    tax = load_taxonomy()
    say("\n根因分布 gap shares:")
    for g, s in themed["gap"].value_counts(normalize=True).items():
        say(f"  {tax.zh(g)} {g:<14} {s:6.1%}")
    say("\n要点 takeaways:")
    for v in res.takeaways.values():
        say(f"  - {v}")
    say("\n建议行动 actions:")
    for a in res.actions:
        say(f"  - {a['title']}：{a['detail']}")
    say(f"\ndemo: {note}")
    left_out = (f" (the {meta['training_rows']:,} training rows left out on purpose: the demo reports only on complaints "
                "the model never saw)") if "training_rows" in meta else ""
    say(accounting("demo", report, len(themed), left_out + suffix)
        + f"; {len(res.files) + 2} files → {out}/ in {time.perf_counter() - t0:.0f} s")
    return 0


def cmd_demo(args) -> int:
    return run_demo(args.out, args.input, args)
