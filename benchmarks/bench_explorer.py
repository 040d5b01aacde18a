"""The explorer's filter + count + charts path on 50,000 complaints (printed, never asserted).

    python benchmarks/bench_explorer.py                 # 50,000 complaints, 5 repeats
    python benchmarks/bench_explorer.py --rows 100000

The bundled corpus is classified once and tiled to ``--rows`` complaints, with texts made unique (so
the setup normalizes as many distinct texts as real data would) and dates spread over 2025. Each
scenario is one fresh filter state applied with ``Explorer.set_filters`` (one refresh), repeated
``--repeats`` times (keyword searches start from an empty cache, except in "keyword + another gap",
which is a second filter changed while a searched keyword stays set); the median is printed for filter + count, charts, the three together, and with
the grid page. Baseline, measured in the same run: the same answer computed the plain-pandas way a
notebook would without the explorer (``filter_frame`` on the table, then ``value_counts`` for the
Pareto and a month × gap ``pivot_table`` for the trend).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedback_mining.analysis import filter_frame  # noqa: E402
from feedback_mining.notebook import Explorer  # noqa: E402
from feedback_mining.pipeline import load_classified  # noqa: E402

SCENARIOS = {
    "one gap": {"gaps": ["process"]},
    "two gaps + channel": {"gaps": ["process", "behavior"], "categories": {"channel": ["App"]}},
    "keyword (traditional)": {"keyword": "態度"},
    "keyword + another gap": {"keyword": "態度", "gaps": ["behavior"]},
    "date range + high risk": {"date_range": ("2025-03-01", "2025-06-30"), "escalation_only": True},
    "demand: refund or apology": {"demands": ["refund", "apology"]},
    "needs review": {"needs_review_only": True},
    "all filters off": {},
}
CLEARED = {"gaps": (), "theme": None, "keyword": "", "needs_review_only": False, "escalation_only": False,
           "categories": {}, "date_range": None, "demands": ()}


def big_table(rows: int) -> pd.DataFrame:
    base, _ = load_classified(themes=False)
    big = pd.concat([base] * -(-rows // len(base)), ignore_index=True).head(rows)
    big["complaint_id"] = [f"B{i:06d}" for i in range(len(big))]
    col = base.attrs["text_column"]
    big[col] = big[col].astype(str) + [f" ({i})" for i in range(len(big))]
    stamps = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.random.default_rng(0).integers(0, 365 * 24 * 60, len(big)), unit="m")
    big["created_at"] = pd.Series(stamps).dt.strftime("%Y-%m-%d %H:%M").to_numpy()
    big.attrs["text_column"] = col
    return big


def baseline(df: pd.DataFrame, flt: dict) -> float:
    """Plain pandas: filter the table, count per gap, count per month × gap."""
    t0 = time.perf_counter()
    view = filter_frame(df, **flt)
    view["gap"].value_counts()
    months = pd.to_datetime(view["created_at"], errors="coerce").dt.to_period("M")
    view.assign(month=months).pivot_table(index="month", columns="gap", values="complaint_id", aggfunc="count", fill_value=0)
    return (time.perf_counter() - t0) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    big = big_table(args.rows)
    t0 = time.perf_counter()
    ex = Explorer(big, output_dir=Path("out") / "bench")
    print(f"explorer on {len(big):,} complaints: setup {time.perf_counter() - t0:.1f} s (normalize texts, parse dates, fonts)")
    print(f"{'scenario':28s} {'shown':>7s} {'filter+count':>13s} {'charts':>8s} {'f+c+charts':>11s} {'+grid':>8s} "
          f"{'pandas way':>11s} {'speed-up':>9s}")
    for name, flt in SCENARIOS.items():
        runs, base = [], []
        for _ in range(args.repeats):
            if name != "keyword + another gap":  # that one measures a second filter on a searched keyword
                ex.filter._terms.clear()
            ex.set_filters(**{**CLEARED, **flt})  # one refresh with exactly this state
            t = ex.last_timing
            runs.append((t["filter_ms"], t["charts_ms"], t["filter_ms"] + t["charts_ms"], t["total_ms"]))
            base.append(baseline(big, {k: v for k, v in flt.items()}))
        med, b = np.median(np.array(runs), axis=0), float(np.median(base))
        print(f"{name:28s} {len(ex.rows):7,d} {med[0]:10.1f} ms {med[1]:5.1f} ms {med[2]:8.1f} ms {med[3]:5.0f} ms "
              f"{b:8.0f} ms {b / max(med[2], 1e-6):8.0f}×")


if __name__ == "__main__":
    main()
