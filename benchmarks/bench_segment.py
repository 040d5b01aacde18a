"""Segmentation speed and backend agreement on real reviews (prints figures; asserts nothing).

Baseline: plain single-process ``jieba.lcut`` over the 62,774 reviews of
online_shopping_10_cats.csv; project: normalize + segment at default settings
(``segment_many`` with the default Tokenizer, all cores), in the same run. Also the token
agreement between the jieba and rjieba backends with the same user dictionary.

    python benchmarks/bench_segment.py --corpus ../shared/corpora/online_shopping_10_cats.csv
"""
from __future__ import annotations

import argparse
import os
import time

import pandas as pd

from feedback_mining.text.tokenizer import Tokenizer, segment_many


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="../shared/corpora/online_shopping_10_cats.csv")
    args = ap.parse_args()
    df = pd.read_csv(args.corpus, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    texts = df["review"].tolist()
    chars = sum(map(len, texts))
    print(f"{len(texts)} reviews, {chars:,} characters, {os.cpu_count()} cores")

    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.lcut("预热")  # load the dictionary outside the timing
    t0 = time.perf_counter()
    for t in texts:
        jieba.lcut(t)
    base = time.perf_counter() - t0
    print(f"baseline jieba.lcut, 1 process : {chars / base:12,.0f} chars/s  ({base:.1f} s)")

    tok = Tokenizer()
    tok("预热")
    t0 = time.perf_counter()
    segment_many(texts, tok)
    ours = time.perf_counter() - t0
    print(f"project normalize+segment ({tok.resolved_backend}, {os.cpu_count()} processes): {chars / ours:12,.0f} chars/s  ({ours:.1f} s)")
    print(f"ratio: {base / ours:.1f}x")

    a, b = Tokenizer(backend="jieba"), Tokenizer(backend="rjieba")
    same = total = 0
    for t in texts:
        ta, tb = a(t), b(t)
        total += max(len(ta), len(tb))
        if ta == tb:
            same += len(ta)
        else:  # count aligned tokens by position-independent multiset overlap
            from collections import Counter

            same += sum((Counter(ta) & Counter(tb)).values())
    print(f"token agreement jieba vs rjieba (same dictionary): {same / total:.4%} of {total:,} tokens")


if __name__ == "__main__":
    main()
