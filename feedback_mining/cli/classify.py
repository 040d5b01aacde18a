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


def _labeled(args, path=None):
    """A labelled file: the rows with a text and a label, the text column, and the row accounting
    (rows without a text or a label are rejects with a reason: nothing is dropped silently)."""
    from ..data.read import load_complaints
    from ..models.taxonomy import load_taxonomy

    path = path or args.labeled
    df = load_complaints(path, args.text_column, args.sheet)
    if args.label_column not in df.columns:
        raise UserError(f"{path}: no label column {args.label_column!r}; columns: {', '.join(map(str, df.columns))}")
    col = df.attrs["text_column"]
    report = dict(df.attrs["load_report"])
    labels = df[args.label_column].astype(str).str.strip()
    unusable = df["empty_text"] | labels.eq("") | df[args.label_column].isna()
    rejects = list(report["rejects"])
    for cid, no_text in zip(df.loc[unusable, "complaint_id"], df.loc[unusable, "empty_text"]):
        rejects.append({"line": "", "complaint_id": str(cid), "reason": "empty text" if no_text else f"empty {args.label_column}"})
    report["rejects"], report["rows_rejected"] = rejects, len(rejects)
    df = df[~unusable].copy()
    df[args.label_column] = labels[~unusable]
    if df.empty:
        raise UserError(f"{path}: no labelled complaints (no row has both a text and a {args.label_column!r} label)")
    codes = load_taxonomy().codes
    bad = sorted(set(df[args.label_column]) - set(codes))
    if bad:
        raise UserError(f"{path}: labels not in the taxonomy: {', '.join(map(repr, bad[:10]))} (known: {', '.join(codes)})")
    return df, col, report


def cmd_train(args) -> int:
    import pandas as pd
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
    prepare_outputs([p for p in (args.labeled, *args.add) if p], files=[args.output])
    added = [_labeled(args, path) for path in args.add]
    user_texts = [t for df, col, _ in added for t in df[col].tolist()]
    user_gaps = [g for df, _, _ in added for g in df[args.label_column].tolist()]
    reports = [r for _, _, r in added]
    used = len(user_texts)
    if args.labeled:
        base, col, base_report = _labeled(args)
        reports.insert(0, base_report)
        used += len(base)
        held = heldout_split(base["complaint_id"])
        train, test, source = base[~held], base[held], str(args.labeled)
        counts = pd.concat([train[args.label_column], pd.Series(user_gaps, dtype=object)]).value_counts()
        if args.method == "model" and (len(counts) < 2 or counts.min() < MIN_PER_LABEL):
            have = ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"
            raise UserError(f"{args.labeled}: training needs at least 2 gaps with {MIN_PER_LABEL} labelled complaints each "
                            f"(outside the held-out 20 %); have: {have}")
    else:
        corpus = load_labeled_corpus()
        train, test, col, source = corpus[~corpus["heldout"]], corpus[corpus["heldout"]], "text", "bundled corpus"
    label = args.label_column if args.labeled else "gap"
    t0 = time.perf_counter()
    clf = train_with_labels(user_texts, user_gaps, base=(train[col].tolist(), train[label].tolist()), weight=weight,
                            method=args.method)
    f1 = float(f1_score(test[label], clf.predict(test[col]), average="macro")) if len(test) else None
    meta = {"training_data": source, "training_rows": int(len(train)), "added_labels": len(user_texts),
            "added_files": [str(p) for p in args.add], "added_weight": clf.user_weight_,
            "metrics": {"heldout_macro_f1": f1, "heldout_rows": int(len(test))}}
    if args.labeled:
        meta["training_data_sha256"] = sha256_file(args.labeled)[:16]
    clf.save(args.output, meta)
    report = {"rows_read": sum(r["rows_read"] for r in reports), "rows_rejected": sum(r["rows_rejected"] for r in reports),
              "rejects": [x for r in reports for x in r["rejects"]], "empty_texts": 0, "truncated": 0}
    suffix = write_rejects_for(report, Path(args.output))
    write_meta(Path(args.output), "train", args, {**counts_of(report, used), "training_rows": int(len(train)),
                                                   "added_labels": len(user_texts), "heldout_rows": int(len(test)),
                                                   "heldout_macro_f1": f1})
    f1_text = f"{f1:.3f}" if f1 is not None else "—"
    say(f"train: {len(train)} rows of the {source} + {len(user_texts)} of your labels (weight {clf.user_weight_:.1f}); "
        f"held-out macro-F1 {f1_text} on {len(test)} rows; review threshold {clf.review_threshold_:.2f}; "
        f"{time.perf_counter() - t0:.0f} s → {args.output}")
    say(accounting("train", report, used, suffix))
    return 0


def cmd_evaluate(args) -> int:
    import pandas as pd
    from sklearn.metrics import classification_report, confusion_matrix, f1_score

    from ..data.read import heldout_split
    from ..models.gap import GapClassifier
    from ..models.registry import load_model
    from ..paths import corpus_file

    model = load_model(args.model) if args.method == "model" else None  # a broken model file is said first
    df, col, report = _labeled(args)
    bundled = Path(args.labeled).resolve() == corpus_file("complaints_labeled.csv").resolve()
    if args.method == "rules":
        model = GapClassifier(method="rules").fit(df[col], df[args.label_column])
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
    from ..allocator import keep_freed_memory
    from ..batch import check_batch_paths, classify_file
    from ..data.columns import renamed_note
    from ..models.registry import load_model

    keep_freed_memory()  # the command runs to its end: reuse freed arrays instead of faulting in fresh pages
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
