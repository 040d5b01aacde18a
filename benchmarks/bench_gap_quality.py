"""Gap classifier quality on the project's labelled corpus (prints figures; asserts nothing).

- macro-F1 on the fixed held-out split, trained model vs the rule-only baseline;
- leave-one-industry-out macro-F1 (train on the other industries), per industry and mean;
- escalation `high` precision/recall and customer-demand micro-F1 (rules) on the corpus labels.

    python benchmarks/bench_gap_quality.py
"""
from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.preprocessing import MultiLabelBinarizer

from feedback_mining.data.read import load_labeled_corpus

from feedback_mining.models.gap import GapClassifier
from feedback_mining.models.escalation import customer_demands, escalation_risk

warnings.filterwarnings("ignore")


def macro(y, p) -> float:
    return float(f1_score(y, p, average="macro"))


def main() -> None:
    df = load_labeled_corpus()
    train, test = df[~df["heldout"]], df[df["heldout"]]
    print(f"corpus: {len(df)} complaints, {df['industry'].nunique()} industries; held-out split {len(test)} rows")
    t0 = time.perf_counter()
    model = GapClassifier().fit(train["text"], train["gap"])
    print(f"fit on {len(train)} rows: {time.perf_counter() - t0:.1f} s; review threshold {model.review_threshold_:.2f} "
          f"(out-of-fold: {model.review_stats_['review_share']:.0%} sent to review, accepted accuracy {model.review_stats_['accepted_accuracy']:.3f})")
    rules = GapClassifier(method="rules").fit(train["text"], train["gap"])
    m_f1, r_f1 = macro(test["gap"], model.predict(test["text"])), macro(test["gap"], rules.predict(test["text"]))
    print(f"\nheld-out macro-F1: model {m_f1:.3f}   rules {r_f1:.3f}   (+{(m_f1 - r_f1) * 100:.1f} points)")

    print("\nleave-one-industry-out macro-F1 (model / rules):")
    ms, rs = [], []
    for ind in sorted(df["industry"].unique()):
        a, b = df[df["industry"] != ind], df[df["industry"] == ind]
        m = GapClassifier(review_threshold=0.5).fit(a["text"], a["gap"])
        ms.append(macro(b["gap"], m.predict(b["text"])))
        rs.append(macro(b["gap"], rules.predict(b["text"])))
        print(f"  {ind:<14} {ms[-1]:.3f} / {rs[-1]:.3f}   ({len(b)} rows)")
    print(f"  {'mean':<14} {np.mean(ms):.3f} / {np.mean(rs):.3f}   (+{(np.mean(ms) - np.mean(rs)) * 100:.1f} points)")

    for name, part in (("all rows", df), ("held-out rows", test)):
        pred = [escalation_risk(t)[0] for t in part["text"]]
        y = part["escalation"].to_numpy() == "high"
        p = np.array(pred) == "high"
        print(f"\nescalation 'high' on {name}: precision {precision_score(y, p):.3f}  recall {recall_score(y, p):.3f}")
    truth = [s.split("|") for s in df["customer_demand"]]
    pred = [customer_demands(t) for t in df["text"]]
    mlb = MultiLabelBinarizer().fit(truth + pred)
    print(f"customer demand micro-F1 (all rows): {f1_score(mlb.transform(truth), mlb.transform(pred), average='micro'):.3f}")


if __name__ == "__main__":
    main()
