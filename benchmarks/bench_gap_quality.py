"""Gap classifier quality on REAL complaints (prints figures; asserts nothing).

Real text: ``../shared/devset/gap_dev.csv`` (612 complaints nobody on the team wrote, two
annotators, see its README). Printed in one run:

1. macro-F1 and accuracy, overall, per source and per gap, for the shipped default model and for
   the taxonomy's rules;
2. the review flag: share of dev complaints accepted (not flagged) and accuracy on them, next to
   what the model's sidecar promised (cross-fitted on the corpus);
3. the adaptation curve: the default training data plus k dev labels (k = 0, 50, 100, 150, 200,
   400) chosen by uncertainty sampling or at random, scored on the dev complaints not used, 5 folds;
4. beside it, at most, the corpus's own held-out split;
5. further real sources with silver labels: ``benchmarks/data/*_gap_silver*.csv`` hold only row
   numbers of a corpus in ``../shared/corpora`` (food delivery: ``waimai_10k.csv``; hotel and
   product reviews: ``online_shopping_10_cats.csv``, none of them in the dev set) and the gap two
   blind annotators agreed on (no text is copied; see benchmarks/data/README.md) — a check that
   figures hold beyond the dev set, not a yardstick to tune on (W1 was looked at; W2, H, P were not).

    python benchmarks/bench_gap_quality.py [--dev ../shared/devset/gap_dev.csv] [--folds 5] [--sizes 0,50,100,150,200,400]
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from feedback_mining.data.read import load_labeled_corpus
from feedback_mining.models.adapt import train_with_labels
from feedback_mining.models.gap import GapClassifier
from feedback_mining.models.registry import default_model

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "devset" / "gap_dev.csv"
WAIMAI = ROOT.parent / "shared" / "corpora" / "waimai_10k.csv"
SHOPPING = ROOT.parent / "shared" / "corpora" / "online_shopping_10_cats.csv"
DATA = ROOT / "benchmarks" / "data"
#: silver sets: (real corpus read by path, row numbers + agreed gaps); see benchmarks/data/README.md
SILVER = {"food delivery W1 (development: its errors were read)": (WAIMAI, DATA / "waimai_gap_silver.csv"),
          "food delivery W2 (held out: measured, never looked at)": (WAIMAI, DATA / "waimai_gap_silver_2.csv"),
          "hotel reviews H (held out: measured, never looked at)": (SHOPPING, DATA / "shopping_gap_silver_hotel.csv"),
          "product reviews P (held out: measured, never looked at)": (SHOPPING, DATA / "shopping_gap_silver_product.csv")}


@lru_cache(maxsize=None)
def _reviews(source: Path) -> pd.Series:
    """The ``review`` column of a corpus in ../shared (read once: two silver sets share a corpus)."""
    return pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")["review"]


def silver_set(path: Path, source: Path = WAIMAI) -> tuple[list[str], np.ndarray] | None:
    """Texts and agreed gaps of a silver set (texts read by row number from ``source``), or None if absent."""
    if not (Path(source).exists() and Path(path).exists()):
        return None
    labels = pd.read_csv(path, dtype={"row": int, "gap": str})
    return _reviews(Path(source)).iloc[labels["row"]].tolist(), labels["gap"].to_numpy()


def scores(y, pred, sources=None) -> str:
    y, pred = np.asarray(y), np.asarray(pred)
    line = f"macro-F1 {f1_score(y, pred, average='macro'):.3f}  accuracy {accuracy_score(y, pred):.3f}"
    if sources is not None:
        for s in sorted(set(sources)):
            m = np.asarray(sources) == s
            line += f"  | {s} {f1_score(y[m], pred[m], average='macro'):.3f}"
    return line


def per_gap(y, pred, codes) -> str:
    f = f1_score(y, pred, labels=codes, average=None, zero_division=0)
    return "  ".join(f"{c} {v:.2f}" for c, v in zip(codes, f))


def review(model, texts, y) -> str:
    proba = model.predict_proba(texts)
    pred = model.classes_[proba.argmax(1)]
    accepted = ~model.needs_review(proba)
    acc = (pred[accepted] == np.asarray(y)[accepted]).mean() if accepted.any() else float("nan")
    return f"accepted {accepted.mean():.0%} of complaints, {acc:.1%} of them correct"


def margins(model, texts) -> np.ndarray:
    p = np.sort(model.predict_proba(texts), axis=1)
    return p[:, -1] - p[:, -2]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", default=str(DEV))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--sizes", default="0,50,100,150,200,400")
    args = ap.parse_args()
    if not Path(args.dev).exists():
        print(f"bench_gap_quality: skipped — the real dev set {args.dev} is absent (needs ../shared beside the project)")
        return 0
    dev = pd.read_csv(args.dev, dtype=str, keep_default_na=False)
    texts, y, src = dev["text"].tolist(), dev["gap"].to_numpy(), dev["source"].to_numpy()
    model = default_model()
    codes = list(model.classes_)
    print(f"real dev set: {len(dev)} complaints ({', '.join(f'{s} {n}' for s, n in dev['source'].value_counts().items())})")
    pred = model.predict(texts)
    print(f"\n1. default model  {scores(y, pred, src)}\n   per gap: {per_gap(y, pred, codes)}")
    corpus = load_labeled_corpus()
    rules = GapClassifier(method="rules").fit(corpus["text"], corpus["gap"])
    rpred = rules.predict(texts)
    print(f"   rules          {scores(y, rpred, src)}\n   per gap: {per_gap(y, rpred, codes)}")
    stats = model.review_stats_ or {}
    print(f"\n2. review flag (threshold {model.review_threshold_:.2f}): on the dev set {review(model, texts, y)};"
          f"\n   promised by the sidecar (cross-fitted on the corpus, weighted to real label shares): accepted "
          f"{stats.get('accepted_share', float('nan')):.0%}, {stats.get('accepted_accuracy', float('nan')):.1%} correct")
    held = corpus[corpus["heldout"]]
    print(f"   (corpus held-out split, written by the team: {scores(held['gap'], model.predict(held['text']))})")
    for name, (source, path) in SILVER.items():
        silver = silver_set(path, source)
        if silver is None:
            continue
        s_texts, s_y = silver
        s_pred = model.predict(s_texts)
        print(f"\n   {name} ({Path(source).stem}, {len(s_y)} complaints, silver labels: "
              f"{', '.join(f'{g} {n}' for g, n in pd.Series(s_y).value_counts().items())})"
              f"\n   default model  {scores(s_y, s_pred)}\n   per gap: {per_gap(s_y, s_pred, codes)}"
              f"\n   rules          {scores(s_y, rules.predict(s_texts))}"
              f"\n   review flag: {review(model, s_texts, s_y)}")

    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"\n3. adaptation: default training data + k dev labels, scored on the other dev complaints "
          f"({args.folds} folds; macro-F1 mean)")
    cv = StratifiedKFold(args.folds, shuffle=True, random_state=0)
    results: dict[tuple[str, int], list[float]] = {}
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for fold, (pool, test) in enumerate(cv.split(texts, y)):
        pool_texts = [texts[i] for i in pool]
        order = {"uncertainty": pool[np.argsort(margins(model, pool_texts), kind="stable")],
                 "random": rng.permutation(pool)}
        for k in sizes:
            for how in (("uncertainty", "random") if k else ("none",)):
                chosen = order[how][:k] if k else []
                clf = model if not k else train_with_labels([texts[i] for i in chosen], y[chosen])
                f = f1_score(y[test], clf.predict([texts[i] for i in test]), average="macro")
                results.setdefault((how, k), []).append(f)
        print(f"   fold {fold + 1}/{args.folds} done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    print(f"   k=0: {np.mean(results[('none', 0)]):.3f}")
    for k in sizes[1:]:
        u, r = np.mean(results[("uncertainty", k)]), np.mean(results[("random", k)])
        print(f"   k={k:<4} uncertainty {u:.3f}   random {r:.3f}   ({'+' if u >= r else ''}{u - r:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
