"""Command line: ``feedback-mining COMMAND ...`` (see ``feedback-mining --help``).

User mistakes print one line on stderr and exit with code 2; nothing is half-written.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

from . import __version__
from .errors import UserError

EPILOG = "Personal data (phones, ID numbers, e-mails, cards, plates) is masked in every output unless --no-mask."


def _add_input(p: argparse.ArgumentParser, with_output: bool = True) -> None:
    p.add_argument("input", help="complaints file: .csv .tsv .txt .xlsx .jsonl .parquet")
    if with_output:
        p.add_argument("-o", "--output", required=True, help="output file (.csv .tsv .xlsx .jsonl .parquet)")
    p.add_argument("--text-column", help="column holding the complaint text (default: detected)")
    p.add_argument("--sheet", help="Excel sheet name or index (required when a workbook has several)")
    p.add_argument("--no-mask", action="store_true", help="do not mask personal data in the output (logged)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="feedback-mining", description="Chinese complaints → root causes (five service gaps), themes, charts and a deck.", epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"feedback-mining {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("segment", help="normalize and segment complaints; writes a 'tokens' column", epilog=EPILOG)
    _add_input(p)
    p.add_argument("--backend", default="auto", choices=["auto", "rjieba", "jieba"])
    p.add_argument("--stopwords", action="store_true", help="drop the project's stopwords")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")

    p = sub.add_parser("train", help="train a gap classifier on labelled complaints")
    p.add_argument("labeled", help="labelled complaints file")
    p.add_argument("-o", "--output", required=True, help="model file to write (.joblib; a .json sidecar is written beside it)")
    p.add_argument("--text-column", default=None)
    p.add_argument("--label-column", default="gap")
    p.add_argument("--method", default="model", choices=["model", "rules"])
    p.add_argument("--sheet")

    p = sub.add_parser("evaluate", help="per-class precision/recall/F1, macro-F1 and confusion matrix")
    p.add_argument("labeled", help="labelled complaints file")
    p.add_argument("--model", help="model file (default: the bundled model; on the bundled corpus only its held-out split is scored)")
    p.add_argument("--method", choices=["model", "rules"], default="model", help="'rules' scores the zero-training baseline")
    p.add_argument("--text-column", default=None)
    p.add_argument("--label-column", default="gap")
    p.add_argument("--sheet")

    p = sub.add_parser("classify", help="add gap, gap_zh, gap_confidence, needs_review, proba_*, escalation and demand columns", epilog=EPILOG)
    _add_input(p)
    p.add_argument("--model", help="model file (default: the bundled model)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--chunk-rows", type=int, default=5_000, help="rows per chunk (default 5000)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run with the same input and options")
    p.add_argument("--strict", action="store_true", help="exit with an error when any row is malformed")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--engine", choices=["local", "dask"], default="local")
    p.add_argument("--scheduler", help="Dask scheduler address (tcp://HOST:8786); default: a local 2-worker cluster")

    p = sub.add_parser("cluster", help="group complaints into named themes", epilog=EPILOG)
    _add_input(p)
    p.add_argument("--k", default="auto", help="number of themes or 'auto' (default)")
    p.add_argument("--method", choices=["mixture", "nmf", "kmeans"], default="mixture",
                   help="mixture (default: mixture of multinomials, one theme per complaint), nmf (NMF topics) or kmeans (LSA + KMeans)")
    p.add_argument("--summary", help="per-theme summary file (.csv or .xlsx)")
    p.add_argument("--random-state", type=int, default=0)

    p = sub.add_parser("report", help="charts (png/svg/pdf), summary.xlsx, deck.pptx and summary.html", epilog=EPILOG)
    p.add_argument("input", help="classified file, or raw complaints (classified first)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--formats", default="png,svg,pdf,pptx,xlsx,html")
    p.add_argument("--period", choices=["month", "week"], default="month")
    p.add_argument("--text-column")
    p.add_argument("--sheet")
    p.add_argument("--model")
    p.add_argument("--complaint-ratio", type=float, default=0.04, help="share of dissatisfied customers who complain (default 0.04)")
    p.add_argument("--no-mask", action="store_true")

    p = sub.add_parser("demo", help="the main job on the bundled corpus: classify + themes + report")
    p.add_argument("--out", default="out/demo")
    p.add_argument("--input", default=None, help="complaints file (default: corpora/complaints_labeled.csv)")
    return parser


def _err(msg: str) -> None:
    print(f"feedback-mining: error: {msg}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    try:
        return int(COMMANDS[args.command](args) or 0)
    except UserError as exc:
        _err(str(exc).splitlines()[0] if str(exc) else "invalid input")
        return 2
    except KeyboardInterrupt:
        _err("interrupted; rerun with --resume to continue (classify)")
        return 130
    except BrokenPipeError:
        return 1


# --- commands -------------------------------------------------------------------------------
def _load(args, **kw):
    from .data.read import load_complaints

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = load_complaints(args.input, getattr(args, "text_column", None), getattr(args, "sheet", None), **kw)
    for w in caught:
        if issubclass(w.category, UserWarning):
            print(f"feedback-mining: warning: {w.message}", file=sys.stderr)
    return df


def _accounting(name: str, report: dict, written: int, extra: str = "") -> str:
    line = f"{name}: rows read {report['rows_read']}, written {written}, rejected {report['rows_rejected']}"
    if report.get("empty_texts"):
        line += f", empty texts {report['empty_texts']} (kept, flagged)"
    return line + extra


def _write_rejects_for(report: dict, output: Path) -> str:
    """Write the rejects file (or remove a stale one); the summary-line suffix that points to it."""
    from .data.write import write_rejects

    path = write_rejects(report["rejects"], output)
    return f" (see {path})" if path else ""


def _write_meta(output: Path, command: str, args, extra: dict | None = None) -> None:
    """A small ``OUTPUT.meta.json`` so that --no-mask is never silent."""
    meta = {"command": command, "version": __version__, "masked": not getattr(args, "no_mask", False),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    meta.update(extra or {})
    Path(str(output) + ".meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def cmd_segment(args) -> int:
    from .data.write import write_table
    from .text.tokenizer import Tokenizer, segment_many

    df = _load(args)
    col = df.attrs["text_column"]
    report = df.attrs["load_report"]
    tok = Tokenizer(backend=args.backend, stopwords="default" if args.stopwords else None)
    tokens = segment_many(df[col].tolist(), tok, n_jobs=args.workers, progress=len(df) > 20_000)
    out = df.copy()
    out["tokens"] = [" ".join(t) for t in tokens]
    write_table(out, args.output, mask=not args.no_mask)
    _write_meta(Path(args.output), "segment", args)
    print(_accounting("segment", report, len(out), _write_rejects_for(report, Path(args.output))), file=sys.stderr)
    return 0


def _labeled(args):
    from .data.read import load_complaints

    df = load_complaints(args.labeled, args.text_column, args.sheet)
    if args.label_column not in df.columns:
        raise UserError(f"{args.labeled}: no label column {args.label_column!r}; columns: {', '.join(map(str, df.columns))}")
    col = df.attrs["text_column"]
    df = df[~df["empty_text"] & df[args.label_column].astype(str).str.strip().ne("")]
    return df, col


def cmd_train(args) -> int:
    from sklearn.metrics import f1_score

    from .data.read import heldout_split
    from .models.gap import GapClassifier
    from .models.registry import sha256_file
    from .models.taxonomy import load_taxonomy

    df, col = _labeled(args)
    tax = load_taxonomy()
    bad = sorted(set(df[args.label_column]) - set(tax.codes))
    if bad:
        raise UserError(f"{args.labeled}: labels not in the taxonomy: {', '.join(bad[:10])} (known: {', '.join(tax.codes)})")
    held = heldout_split(df["complaint_id"])
    train, test = df[~held], df[held]
    t0 = time.perf_counter()
    model = GapClassifier(method=args.method).fit(train[col], train[args.label_column])
    f1 = float(f1_score(test[args.label_column], model.predict(test[col]), average="macro")) if len(test) else None
    model.save(args.output, {"training_data_sha256": sha256_file(args.labeled)[:16], "training_rows": int(len(train)),
                             "metrics": {"heldout_macro_f1": f1, "heldout_rows": int(len(test))}})
    print(f"train: {len(train)} training rows, {len(test)} held-out rows, held-out macro-F1 "
          f"{f1:.3f}, review threshold {model.review_threshold_:.2f}, {time.perf_counter() - t0:.1f} s → {args.output}", file=sys.stderr)
    return 0


def cmd_evaluate(args) -> int:
    import pandas as pd
    from sklearn.metrics import classification_report, confusion_matrix, f1_score

    from .data.read import heldout_split
    from .models.gap import GapClassifier
    from .models.registry import load_model
    from .paths import corpus_file

    df, col = _labeled(args)
    bundled = Path(args.labeled).resolve() == corpus_file("complaints_labeled.csv").resolve()
    if args.method == "rules":
        model = GapClassifier(method="rules").fit(df[col], df[args.label_column])
    else:
        model = load_model(args.model)
    if bundled and not args.model and args.method == "model":
        df = df[heldout_split(df["complaint_id"])]
        print(f"evaluate: scoring the {len(df)} held-out complaints of the bundled corpus (never trained on)")
    y, pred = df[args.label_column].to_numpy(), model.predict(df[col])
    labels = [c for c in model.classes_ if c in set(y) | set(pred)]
    names = [f"{c} {model.taxonomy_.zh(c)}" for c in labels]
    print(classification_report(y, pred, labels=labels, target_names=names, digits=3, zero_division=0))
    print(f"macro-F1: {f1_score(y, pred, labels=labels, average='macro', zero_division=0):.3f}  (rows: {len(df)})")
    cm = pd.DataFrame(confusion_matrix(y, pred, labels=labels), index=[f"真实 {n}" for n in names], columns=[model.taxonomy_.zh(c) for c in labels])
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("confusion matrix (rows: true, columns: predicted)")
        print(cm.to_string())
    return 0


def cmd_classify(args) -> int:
    from .batch import classify_file, classify_file_dask
    from .models.registry import load_model

    model = load_model(args.model)
    if args.engine == "dask":
        summary = classify_file_dask(args.input, args.output, model, text_column=args.text_column,
                                     scheduler=args.scheduler, mask=not args.no_mask, quiet=args.quiet)
    else:
        summary = classify_file(args.input, args.output, model, text_column=args.text_column, sheet=args.sheet,
                                workers=args.workers, chunk_rows=args.chunk_rows, resume=args.resume,
                                quiet=args.quiet, mask=not args.no_mask, strict=args.strict)
    _write_meta(Path(args.output), "classify", args, {"engine": args.engine, "model": args.model or "bundled default"})
    print(summary.line(), file=sys.stderr)
    return 0


def cmd_cluster(args) -> int:
    from .data.write import write_table
    from .pipeline import cluster_frame

    k = args.k
    if k != "auto":
        try:
            k = int(k)
        except ValueError:
            raise UserError(f"--k must be 'auto' or a whole number, not {args.k!r}") from None
        if k < 2:
            raise UserError("--k must be at least 2")
    df = _load(args)
    col = df.attrs["text_column"]
    report = df.attrs["load_report"]
    out, tc = cluster_frame(df, col, k, args.method, args.random_state)
    ids = out["complaint_id"].to_numpy()
    summary = tc.summary()
    summary["representative_ids"] = [" ".join(str(ids[i]) for i in th["representative_index"]) for th in tc.themes_]
    write_table(out, args.output, mask=not args.no_mask)
    if args.summary:
        write_table(summary, args.summary, mask=not args.no_mask)
    _write_meta(Path(args.output), "cluster", args, {"k": tc.k_, "k_scores": getattr(tc, "k_scores_", None), "method": args.method})
    if getattr(tc, "k_scores_", None):
        scores = ", ".join(f"{k}:{v:.3f}" for k, v in tc.k_scores_.items())
        print(f"cluster: k={tc.k_} chosen by {tc.k_criterion_} ({scores})", file=sys.stderr)
    for th in tc.themes_[:20]:
        print(f"  theme {th['id']:>3}  {th['size']:>6}  {th['share']:.1%}  {th['name']}", file=sys.stderr)
    print(_accounting("cluster", report, len(out), _write_rejects_for(report, Path(args.output))), file=sys.stderr)
    return 0


def cmd_report(args) -> int:
    from .pipeline import ensure_classified, ensure_themes
    from .report import build_report

    df = _load(args)
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
    from .data.read import load_complaints
    from .data.write import write_table
    from .models.registry import default_model
    from .models.taxonomy import load_taxonomy
    from .paths import corpus_file
    from .pipeline import classify_frame, cluster_frame
    from .report import FORMATS, build_report

    t0 = time.perf_counter()
    out = Path(out)
    path = Path(input_path) if input_path else corpus_file("complaints_labeled.csv")
    df = load_complaints(path)
    col = df.attrs["text_column"]
    print(f"demo: loaded {len(df)} complaints from {path}", file=sys.stderr)
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


COMMANDS = {"segment": cmd_segment, "train": cmd_train, "evaluate": cmd_evaluate, "classify": cmd_classify,
            "cluster": cmd_cluster, "report": cmd_report, "demo": cmd_demo}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
