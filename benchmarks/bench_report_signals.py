"""Customer demand and escalation risk quality (prints figures; asserts nothing).

Measured on the bundled corpus's held-out split (``heldout_split``: hash of complaint_id, ≈ 20 %,
columns ``customer_demand`` and ``escalation``; the cues were tuned on the training split only)
and on the complaints the team wrote for these two signals (``benchmarks/data/report_signals*.csv``:
ways of asking, declined demands, hypothetical / withdrawn / advised / past threats, look-alikes).
Each written set was held out for exactly one measurement, then became a development set; the
held-out figures of each are in ``benchmarks/data/README.md``; this prints today's figures.

Demand: micro-F1 over the eight codes (``other`` included: it must appear only when nothing is
asked), per-demand precision/recall/F1. Escalation: precision and recall of ``high``.
The corpus's training split is printed too, for contrast (the cues were tuned there).
Speed: ``annotate`` on the 62,774 reviews of ``../shared/corpora/online_shopping_10_cats.csv``,
the cue patterns compiled unfolded (as shipped) against the same patterns compiled as written,
fastest of 3 alternating runs each.

    python benchmarks/bench_report_signals.py
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, precision_recall_fscore_support, precision_score, recall_score
from sklearn.preprocessing import MultiLabelBinarizer

from feedback_mining.data.read import load_labeled_corpus
from feedback_mining.models import escalation
from feedback_mining.models.escalation import DEMANDS, annotate
from feedback_mining.text.normalize import as_normalized

DATA = Path(__file__).parent / "data"
SHOPPING = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "online_shopping_10_cats.csv"
WRITTEN = {"set E, development since checkpoint 5 (benchmarks/data/report_signals_e.csv)": DATA / "report_signals_e.csv",
           "set D, development since checkpoint 4 (benchmarks/data/report_signals_d.csv)": DATA / "report_signals_d.csv",
           "set C, development since checkpoint 3 (benchmarks/data/report_signals_c.csv)": DATA / "report_signals_c.csv",
           "set B, development since checkpoint 2 (benchmarks/data/report_signals_b.csv)": DATA / "report_signals_b.csv",
           "set A, development since checkpoint 1 (benchmarks/data/report_signals.csv)": DATA / "report_signals.csv"}


def score(name: str, texts: list[str], demand: list[str], escalation: list[str], detail: bool = True) -> dict[str, float]:
    """Print and return demand micro-F1 and escalation-high precision/recall for one labelled set."""
    out = annotate(texts)
    truth = [set(s.split("|")) for s in demand]
    pred = [set(s.split("|")) if s else {"other"} for s in out["customer_demand"]]
    mlb = MultiLabelBinarizer(classes=list(DEMANDS)).fit([])
    y, p = mlb.transform(truth), mlb.transform(pred)
    micro = f1_score(y, p, average="micro", zero_division=0)
    asked = np.array([t != {"other"} for t in truth])
    missed = np.array([q == {"other"} for q in pred]) & asked
    hy, hp = np.asarray(escalation) == "high", out["escalation_risk"].to_numpy() == "high"
    res = {"demand_micro_f1": micro, "high_precision": precision_score(hy, hp, zero_division=0),
           "high_recall": recall_score(hy, hp, zero_division=0)}
    print(f"\n{name}: {len(texts)} complaints")
    print(f"  demand micro-F1 {micro:.3f}  (asked something but got 'other': {missed.sum()} of {asked.sum()})")
    if detail:
        pr, rc, f1, n = precision_recall_fscore_support(y, p, zero_division=0)
        for code, a, b, c, k in zip(mlb.classes_, pr, rc, f1, n):
            print(f"    {code:<13} P {a:.2f}  R {b:.2f}  F1 {c:.2f}  ({k})")
    print(f"  escalation high: precision {res['high_precision']:.3f}  recall {res['high_recall']:.3f}  "
          f"({hy.sum()} high of {len(hy)}; predicted {hp.sum()})")
    return res


def main() -> None:
    df = load_labeled_corpus()
    for part, rows in (("corpus held-out split", df[df["heldout"]]), ("corpus training split (cues tuned here)", df[~df["heldout"]])):
        score(part, rows["text"].tolist(), rows["customer_demand"].tolist(), rows["escalation"].tolist(), detail=part.startswith("corpus held"))
    for name, path in WRITTEN.items():
        written = pd.read_csv(path, dtype=str, keep_default_na=False)
        score(name, written["text"].tolist(), written["customer_demand"].tolist(), written["escalation"].tolist(), detail=name.startswith("set E"))
        out = annotate(written["text"].tolist())
        for kind, grp in written.groupby("kind"):
            ok_d = sum(set(a.split("|")) == set((b or "other").split("|")) for a, b in zip(grp["customer_demand"], out.loc[grp.index, "customer_demand"]))
            ok_e = int((grp["escalation"].to_numpy() == out.loc[grp.index, "escalation_risk"].to_numpy()).sum())
            print(f"    kind {kind:<10} demand exact {ok_d}/{len(grp)}   escalation level exact {ok_e}/{len(grp)}")



def speed() -> None:
    """annotate's throughput: unfolded cue patterns vs the same patterns compiled as written."""
    if not SHOPPING.exists():
        print(f"\nspeed: skipped ({SHOPPING} not found)")
        return
    texts = as_normalized(pd.read_csv(SHOPPING)["review"].astype(str).tolist())
    best = {"unfolded": float("inf"), "as written": float("inf")}
    shipped = escalation.UNFOLD_ROWS
    for _ in range(3):  # annotate unfolds the cues from UNFOLD_ROWS rows on; "as written" never does
        for name, rows in (("unfolded", shipped), ("as written", len(texts) + 1)):
            escalation.UNFOLD_ROWS = rows
            t0 = time.perf_counter()
            annotate(texts)
            best[name] = min(best[name], time.perf_counter() - t0)
    escalation.UNFOLD_ROWS = shipped
    u, w = best["unfolded"], best["as written"]
    print(f"\nspeed, annotate on {len(texts):,} reviews: unfolded {len(texts) / u:,.0f} rows/s ({u:.2f} s), "
          f"as written {len(texts) / w:,.0f} rows/s ({w:.2f} s) → {w / u:.1f}×")


if __name__ == "__main__":
    main()
    speed()
