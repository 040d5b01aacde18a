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


def _labeled(args, path=None):
    """A labelled file: the rows with a text and a label, and the text column (one-line errors otherwise)."""
    from ..data.read import load_complaints
    from ..models.taxonomy import load_taxonomy

    path = path or args.labeled
    df = load_complaints(path, args.text_column, args.sheet)
    if args.label_column not in df.columns:
        raise UserError(f"{path}: no label column {args.label_column!r}; columns: {', '.join(map(str, df.columns))}")
    col = df.attrs["text_column"]
    df = df[~df["empty_text"] & df[args.label_column].astype(str).str.strip().ne("")].copy()
    df[args.label_column] = df[args.label_column].astype(str).str.strip()
    if df.empty:
        raise UserError(f"{path}: no labelled complaints (every row lacks a text or a {args.label_column!r} value)")
    codes = load_taxonomy().codes
    bad = sorted(set(df[args.label_column]) - set(codes))
    if bad:
        raise UserError(f"{path}: labels not in the taxonomy: {', '.join(map(repr, bad[:10]))} (known: {', '.join(codes)})")
    return df, col


def cmd_train(args) -> int:
    from sklearn.metrics import f1_score

    from ..data.read import heldout_split, load_labeled_corpus
    from ..models.adapt import train_with_labels
    from ..models.registry import sha256_file

    if not args.labeled and not args.add:
        raise UserError("nothing to train on: give your labelled file with --add FILE (added to the bundled corpus) "
                        "or a labelled file of your own as the first argument")
    try:
        weight = args.weight if args.weight == "auto" else float(args.weight)
    except ValueError:
        raise UserError(f"--weight must be 'auto' or a number, not {args.weight!r}") from None
    added = [_labeled(args, path) for path in args.add]
    user_texts = [t for df, col in added for t in df[col].tolist()]
    user_gaps = [g for df, _ in added for g in df[args.label_column].tolist()]
    if args.labeled:
        base, col = _labeled(args)
        held = heldout_split(base["complaint_id"])
        train, test, source = base[~held], base[held], str(args.labeled)
        if train[args.label_column].nunique() + len(set(user_gaps)) < 2:
            raise UserError(f"{args.labeled}: need at least two different labels to train")
    else:
        corpus = load_labeled_corpus()
        train, test, col, source = corpus[~corpus["heldout"]], corpus[corpus["heldout"]], "text", "bundled corpus"
    label = args.label_column if args.labeled else "gap"
    t0 = time.perf_counter()
    clf = train_with_labels(user_texts, user_gaps, base=(train[col].tolist(), train[label].tolist()), weight=weight)
    f1 = float(f1_score(test[label], clf.predict(test[col]), average="macro")) if len(test) else None
    meta = {"training_data": source, "training_rows": int(len(train)), "added_labels": len(user_texts),
            "added_files": [str(p) for p in args.add], "added_weight": clf.user_weight_,
            "metrics": {"heldout_macro_f1": f1, "heldout_rows": int(len(test))}}
    if args.labeled:
        meta["training_data_sha256"] = sha256_file(args.labeled)[:16]
    clf.save(args.output, meta)
    f1_text = f"{f1:.3f}" if f1 is not None else "—"
    print(f"train: {len(train)} rows of the {source} + {len(user_texts)} of your labels (weight {clf.user_weight_:.1f}); "
          f"held-out macro-F1 {f1_text} on {len(test)} rows; review threshold {clf.review_threshold_:.2f}; "
          f"{time.perf_counter() - t0:.0f} s → {args.output}", file=sys.stderr)
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
