"""Commands segment, train, evaluate, classify."""
from __future__ import annotations

import time
from pathlib import Path

from ..errors import UserError
from .common import (
    accounting,
    check_positive_int,
    counts_of,
    load_input,
    prepare_outputs,
    say,
    write_meta,
    write_rejects_for,
)

#: Fewest labelled complaints per gap that train needs: the review threshold is chosen by k-fold
#: cross-validation of a 3-fold calibrated SVM, so every gap needs 3 examples in each training fold.
MIN_PER_LABEL = 4


def cmd_segment(args) -> int:
    from ..data.columns import make_room, renamed_note
    from ..data.write import write_table
    from ..text.privacy import mask_many
    from ..text.tokenizer import Tokenizer, segment_many

    check_positive_int(args.workers, "--workers")
    prepare_outputs([args.input], files=[args.output])
    df = load_input(args)
    col = df.attrs["text_column"]
    report = df.attrs["load_report"]
    tok = Tokenizer(backend=args.backend, stopwords="default" if args.stopwords else None)
    texts = df[col].tolist()
    # tokens of the masked text: a number split into pieces could not be masked afterwards
    tokens = segment_many(texts if args.no_mask else mask_many(texts), tok, n_jobs=args.workers, progress=len(df) > 20_000)
    out, renamed = make_room(df, ["tokens"])
    if renamed:
        say(f"feedback-mining: warning: {renamed_note(renamed)}")
    out = out.copy() if out is df else out
    out["tokens"] = [" ".join(t) for t in tokens]
    write_table(out, args.output, mask=not args.no_mask)
    suffix = write_rejects_for(report, Path(args.output))
    write_meta(Path(args.output), "segment", args, {**counts_of(report, len(out)), "renamed_columns": {**report.get("renamed", {}), **renamed}})
    say(accounting("segment", report, len(out), suffix))
    return 0


def _labeled(args):
    """Labelled rows that can be used, and the others as rejects (line, reason): nothing dropped silently."""
    from ..data.read import load_complaints

    df = load_complaints(args.labeled, args.text_column, args.sheet)
    if args.label_column not in df.columns:
        raise UserError(f"{args.labeled}: no label column {args.label_column!r}; columns: {', '.join(map(str, df.columns))}")
    col = df.attrs["text_column"]
    report = dict(df.attrs["load_report"])
    labels = df[args.label_column].astype(str).str.strip()
    unusable = df["empty_text"] | labels.eq("")
    rejects = list(report["rejects"])
    for cid, no_text in zip(df.loc[unusable, "complaint_id"], df.loc[unusable, "empty_text"]):
        rejects.append({"line": "", "complaint_id": str(cid), "reason": "empty text" if no_text else f"empty {args.label_column}"})
    report["rejects"], report["rows_rejected"] = rejects, len(rejects)
    df = df[~unusable].copy()
    df[args.label_column] = labels[~unusable]
    if df.empty:
        raise UserError(f"{args.labeled}: no row has both a text and a {args.label_column} label")
    return df, col, report


def cmd_train(args) -> int:
    from sklearn.metrics import f1_score

    from ..data.read import heldout_split
    from ..models.gap import GapClassifier
    from ..models.registry import sha256_file
    from ..models.taxonomy import load_taxonomy

    prepare_outputs([args.labeled], files=[args.output])
    df, col, report = _labeled(args)
    tax = load_taxonomy()
    bad = sorted(set(df[args.label_column]) - set(tax.codes))
    if bad:
        raise UserError(f"{args.labeled}: labels not in the taxonomy: {', '.join(bad[:10])} (known: {', '.join(tax.codes)})")
    held = heldout_split(df["complaint_id"])
    train, test = df[~held], df[held]
    counts = train[args.label_column].value_counts()
    if args.method == "model" and (len(counts) < 2 or counts.min() < MIN_PER_LABEL):
        have = ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"
        raise UserError(f"{args.labeled}: training needs at least 2 gaps with {MIN_PER_LABEL} labelled complaints each "
                        f"(outside the held-out 20 %); have: {have}")
    t0 = time.perf_counter()
    model = GapClassifier(method=args.method).fit(train[col], train[args.label_column])
    f1 = float(f1_score(test[args.label_column], model.predict(test[col]), average="macro")) if len(test) else None
    model.save(args.output, {"training_data_sha256": sha256_file(args.labeled)[:16], "training_rows": int(len(train)),
                             "metrics": {"heldout_macro_f1": f1, "heldout_rows": int(len(test))}})
    used = len(train) + len(test)
    suffix = write_rejects_for(report, Path(args.output))
    write_meta(Path(args.output), "train", args, {**counts_of(report, used), "training_rows": int(len(train)),
                                                   "heldout_rows": int(len(test)), "heldout_macro_f1": f1})
    say(f"train: {len(train)} training rows, {len(test)} held-out rows, held-out macro-F1 "
        f"{'n/a' if f1 is None else f'{f1:.3f}'}, review threshold {model.review_threshold_:.2f}, {time.perf_counter() - t0:.1f} s → {args.output}")
    say(accounting("train", report, used, suffix))
    return 0


def cmd_evaluate(args) -> int:
    import pandas as pd
    from sklearn.metrics import classification_report, confusion_matrix, f1_score

    from ..data.read import heldout_split
    from ..models.gap import GapClassifier
    from ..models.registry import load_model
    from ..paths import corpus_file

    df, col, report = _labeled(args)
    bundled = Path(args.labeled).resolve() == corpus_file("complaints_labeled.csv").resolve()
    if args.method == "rules":
        model = GapClassifier(method="rules").fit(df[col], df[args.label_column])
    else:
        model = load_model(args.model)
    usable = len(df)
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
    skipped = f"; {usable - len(df)} training rows of the bundled corpus not scored" if usable != len(df) else ""
    reasons = ""
    if report["rejects"]:
        kinds = pd.Series([r["reason"] for r in report["rejects"]]).value_counts()
        reasons = " (" + ", ".join(f"{n} {k}" for k, n in kinds.items()) + ")"
    say(f"evaluate: rows read {report['rows_read']}, written {len(df)}, rejected {report['rows_rejected']}{reasons}{skipped} "
        "(written: rows scored; evaluate writes no file)")
    return 0


def cmd_classify(args) -> int:
    from ..batch import check_batch_paths, classify_file
    from ..data.columns import renamed_note
    from ..models.registry import load_model

    check_positive_int(args.workers, "--workers")
    check_positive_int(args.chunk_rows, "--chunk-rows")
    check_batch_paths(args.input, args.output)
    prepare_outputs([args.input], files=[args.output])
    model = load_model(args.model)
    summary = classify_file(args.input, args.output, model, text_column=args.text_column, sheet=args.sheet,
                            workers=args.workers, chunk_rows=args.chunk_rows, resume=args.resume, quiet=args.quiet,
                            mask=not args.no_mask, strict=args.strict, engine=args.engine, scheduler=args.scheduler)
    if summary.renamed:
        say(f"feedback-mining: warning: {renamed_note(summary.renamed)}")
    write_meta(Path(args.output), "classify", args, {**summary.counts(), "engine": args.engine, "encoding": summary.encoding,
                                                      "model": args.model or "bundled default", "renamed_columns": summary.renamed})
    say(summary.line())
    return 0
