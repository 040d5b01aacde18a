"""Theme quality and speed on real reviews (prints figures; asserts nothing).

Quality: NMI / ARI between themes and the product category (`cat`) on the ≈31k negative
reviews of online_shopping_10_cats.csv, k = 10, for the project default and the naive
baseline (TfidfVectorizer(tokenizer=jieba.lcut) + KMeans(10)), measured in the same run.
Speed: fit time and peak memory on those 31k and on 100k (the corpus repeated with light
variation). Also prints 10 theme names for the waimai negatives.

    python benchmarks/bench_themes.py --corpus ../shared/corpora/online_shopping_10_cats.csv \
        --waimai ../shared/corpora/waimai_10k.csv
"""
from __future__ import annotations

import argparse
import random
import threading
import time
import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd
import psutil
from bench_classify import _pss
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from feedback_mining.models.themes import ThemeClusterer

warnings.filterwarnings("ignore")


def negatives(path: str) -> pd.DataFrame:
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return df[df["label"] == "0"].reset_index(drop=True)


def naive(texts: list[str]) -> np.ndarray:
    import jieba
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    X = TfidfVectorizer(tokenizer=jieba.lcut).fit_transform(texts)
    return KMeans(10, random_state=0).fit_predict(X)


def vary(texts: list[str], n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    fillers = ["", "！", "。。", "真的", "唉，", "说实话", "😡", "，服了", "？？"]
    out = []
    while len(out) < n:
        t = texts[len(out) % len(texts)]
        out.append(rng.choice(fillers) + t + rng.choice(fillers))
    return out


@contextmanager
def peak_memory():
    """Yields a dict whose "mb" is, afterwards, the peak memory of this process and its workers
    (PSS summed over the process tree, sampled every 0.1 s)."""
    me, result, done = psutil.Process(), {"mb": 0.0}, threading.Event()

    def sample():
        while not done.is_set():
            try:
                mem = _pss(me) + sum(_pss(c) for c in me.children(recursive=True))
                result["mb"] = max(result["mb"], mem / 2**20)
            except psutil.Error:
                pass
            done.wait(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        done.set()
        thread.join()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="../shared/corpora/online_shopping_10_cats.csv")
    ap.add_argument("--waimai", default="../shared/corpora/waimai_10k.csv")
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--skip-100k", action="store_true")
    args = ap.parse_args()
    df = negatives(args.corpus)
    texts, cats = df["review"].tolist(), df["cat"].to_numpy()
    print(f"online_shopping_10_cats negatives: {len(texts)} reviews, {len(set(cats))} categories")

    t0 = time.perf_counter()
    ours = ThemeClusterer(k=10, random_state=0).fit_predict(texts)
    t_ours = time.perf_counter() - t0
    mask = ours != -1
    print(f"project default : NMI {normalized_mutual_info_score(cats, ours):.3f}  ARI {adjusted_rand_score(cats, ours):.3f}"
          f"  (noise theme: {(~mask).sum()} texts; on non-noise NMI {normalized_mutual_info_score(cats[mask], ours[mask]):.3f})"
          f"  fit {t_ours:.1f} s")
    if not args.skip_naive:
        t0 = time.perf_counter()
        base = naive(texts)
        t_base = time.perf_counter() - t0
        print(f"naive baseline  : NMI {normalized_mutual_info_score(cats, base):.3f}  ARI {adjusted_rand_score(cats, base):.3f}  fit {t_base:.1f} s")

    if not args.skip_100k:
        big = vary(texts, 100_000)
        before = _pss(psutil.Process()) / 2**20
        with peak_memory() as peak:
            t0 = time.perf_counter()
            ThemeClusterer(k=10, random_state=0).fit(big)
            seconds = time.perf_counter() - t0
        print(f"100k complaints : fit {seconds:.1f} s, peak memory {peak['mb']:.0f} MB "
              f"(PSS of the process and its workers; {before:.0f} MB before the fit)")

    w = pd.read_csv(args.waimai, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    wneg = w[w["label"] == "0"]["review"].tolist()
    tc = ThemeClusterer(k=10, random_state=0).fit(wneg)
    print(f"\nwaimai_10k negatives ({len(wneg)}): 10 themes")
    for th in tc.themes_:
        print(f"  {th['id']:>3}  {th['size']:>5}  {th['share']:6.1%}  {th['name']}")


if __name__ == "__main__":
    main()
