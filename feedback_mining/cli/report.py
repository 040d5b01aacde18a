"""Commands report and demo."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from .common import accounting, load_input, write_rejects_for


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
    rejects = write_rejects_for(df.attrs["load_report"], Path(args.out) / "report")  # → OUT/report.rejects.csv
    print(accounting("report", df.attrs["load_report"], len(df), f"{rejects}; {len(res.files)} files → {res.out_dir}"), file=sys.stderr)
    return 0


def _demo_rows(path: Path | None):
    """The complaints the demo reports on and the sentence that says where they come from.

    The bundled corpus: only its held-out split (``heldout_split``), which the default model is
    never trained on, so the review share and the agreement with the human labels are honest.
    Another file: all of it (the model was trained on the bundled corpus only)."""
    from ..data.columns import HUMAN_LABEL_COLUMNS
    from ..data.read import heldout_split, load_complaints
    from ..paths import corpus_file

    source = path or corpus_file("complaints_labeled.csv")
    df = load_complaints(source)
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


def run_demo(out: str | Path = "out/demo", input_path: str | None = None) -> int:
    """The main job on complaints the model never saw: classify + themes + charts + deck into ``out``."""
    from ..data.write import write_table
    from ..models.registry import default_model
    from ..models.taxonomy import load_taxonomy
    from ..pipeline import classify_frame, cluster_frame
    from ..report import FORMATS, build_report

    t0 = time.perf_counter()
    out = Path(out)
    df, labels, meta, note = _demo_rows(Path(input_path) if input_path else None)
    col = df.attrs["text_column"]
    print(f"demo: {note}", file=sys.stderr)
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
    tax = load_taxonomy()
    print("\n根因分布 gap shares:", file=sys.stderr)
    for g, s in themed["gap"].value_counts(normalize=True).items():
        print(f"  {tax.zh(g)} {g:<14} {s:6.1%}", file=sys.stderr)
    print("\n要点 takeaways:", file=sys.stderr)
    for v in res.takeaways.values():
        print(f"  - {v}", file=sys.stderr)
    print("\n建议行动 actions:", file=sys.stderr)
    for a in res.actions:
        print(f"  - {a['title']}：{a['detail']}", file=sys.stderr)
    print(f"\ndemo: {note}", file=sys.stderr)
    left_out = f" (the {meta['training_rows']} training rows left out on purpose)" if "training_rows" in meta else ""
    print(f"demo: rows read {meta.get('corpus_rows', len(df))}, written {len(themed)}{left_out}, "
          f"rejected {df.attrs['load_report']['rows_rejected']}; {len(res.files) + 2} files → {out}/ in {time.perf_counter() - t0:.0f} s",
          file=sys.stderr)
    return 0


def cmd_demo(args) -> int:
    return run_demo(args.out, args.input)
