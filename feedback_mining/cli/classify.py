"""Commands segment, train, evaluate, classify."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from ..errors import UserError
from .common import accounting, load_input, write_meta, write_rejects_for


def cmd_segment(args) -> int:
    from ..data.write import write_table
    from ..text.tokenizer import Tokenizer, segment_many

    df = load_input(args)
    col = df.attrs["text_column"]
    report = df.attrs["load_report"]
    tok = Tokenizer(backend=args.backend, stopwords="default" if args.stopwords else None)
    tokens = segment_many(df[col].tolist(), tok, n_jobs=args.workers, progress=len(df) > 20_000)
    out = df.copy()
    out["tokens"] = [" ".join(t) for t in tokens]
    write_table(out, args.output, mask=not args.no_mask)
    write_meta(Path(args.output), "segment", args)
    print(accounting("segment", report, len(out), write_rejects_for(report, Path(args.output))), file=sys.stderr)
    return 0


def _labeled(args):
    from ..data.read import load_complaints

    df = load_complaints(args.labeled, args.text_column, args.sheet)
    if args.label_column not in df.columns:
        raise UserError(f"{args.labeled}: no label column {args.label_column!r}; columns: {', '.join(map(str, df.columns))}")
    col = df.attrs["text_column"]
    df = df[~df["empty_text"] & df[args.label_column].astype(str).str.strip().ne("")]
    return df, col


def cmd_train(args) -> int:
    from sklearn.metrics import f1_score

    from ..data.read import heldout_split
    from ..models.gap import GapClassifier
    from ..models.registry import sha256_file
    from ..models.taxonomy import load_taxonomy

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

    from ..data.read import heldout_split
    from ..models.gap import GapClassifier
    from ..models.registry import load_model
    from ..paths import corpus_file

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
    from ..batch import classify_file, classify_file_dask
    from ..models.registry import load_model

    model = load_model(args.model)
    if args.engine == "dask":
        summary = classify_file_dask(args.input, args.output, model, text_column=args.text_column,
                                     scheduler=args.scheduler, mask=not args.no_mask, quiet=args.quiet)
    else:
        summary = classify_file(args.input, args.output, model, text_column=args.text_column, sheet=args.sheet,
                                workers=args.workers, chunk_rows=args.chunk_rows, resume=args.resume,
                                quiet=args.quiet, mask=not args.no_mask, strict=args.strict)
    write_meta(Path(args.output), "classify", args, {"engine": args.engine, "model": args.model or "bundled default"})
    print(summary.line(), file=sys.stderr)
    return 0
