"""Theme quality, names, small batches and speed on real reviews (prints figures; asserts nothing).

On the ≈31k negative reviews of online_shopping_10_cats.csv (product category `cat` as the
reference) and the ≈8k negatives of waimai_10k.csv:

- NMI / ARI against the category at k = 10 for the project default and the naive baseline
  (TfidfVectorizer(tokenizer=jieba.lcut) + KMeans(10)), measured in the same run (target ≥ 0.60);
- k = "auto": the k chosen, NMI / ARI (target ≥ 0.55) and the time it takes;
- names: coverage = share of a theme's complaints whose text contains at least one of its name
  phrases (overall and the mean over themes; target ≥ 0.70 at k = 10), distinct names (no phrase
  in two names), placeholders and generic words (`GENERIC_TERMS`) in names (none); and two checks
  that coverage alone cannot be trusted with (a single broad word covers more than any phrase):
  precision = share of the complaints containing a theme's name phrases that are in that theme
  (mean over themes; a generic word lowers it), and how many name terms are phrases of ≥ 2 words;
- small batches: random samples of 30, 100 and 1,000 reviews (1,000: at most 3 samples), every
  method, k = "auto": themes found,
  noise share among texts of ≥ 10 characters (target ≤ 10 %), name coverage, tracebacks;
- speed: fit time and peak memory on 100k complaints (the corpus repeated with light variation),
  against the naive baseline's time on the 31k.

    python benchmarks/bench_themes.py --corpus ../shared/corpora/online_shopping_10_cats.csv \\
        --waimai ../shared/corpora/waimai_10k.csv
    python benchmarks/bench_themes.py --names-only   # k = 10 NMI / ARI and names on both corpora (≈ 1 min)
"""
from __future__ import annotations

import argparse
import random
import resource
import threading
import time
import traceback
import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd
import psutil
from bench_classify import _pss
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from feedback_mining.models.theme_names import GENERIC_TERMS
from feedback_mining.models.theme_text import MASK_LEFTOVER, meaningful_chars, strip_masks
from feedback_mining.models.themes import NOISE_THEME, ThemeClusterer
from feedback_mining.text.normalize import as_normalized
from feedback_mining.text.tokenizer import Tokenizer

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


def name_quality(tc: ThemeClusterer, texts: list[str]) -> dict:
    """Coverage (overall, mean over themes), precision (mean over themes), phrases used twice, placeholders
    and generic words in names, terms per name, name terms that are phrases of ≥ 2 words."""
    clean = [strip_masks(t) for t in as_normalized(texts)]
    labels = tc.labels_
    named = np.flatnonzero(labels != NOISE_THEME)
    segment = Tokenizer(stopwords=None, normalize=False)
    hits = sizes = multiword = terms = 0
    per_theme, precision, seen, repeated, placeholders, generic, lengths = [], [], set(), 0, 0, 0, []
    for th in tc.themes_:
        if th["id"] == NOISE_THEME:
            continue
        phrases = th["name_phrases"]
        members = np.flatnonzero(labels == th["id"])
        covered = sum(any(p in clean[i] for p in phrases) for i in members)
        showing = sum(any(p in clean[i] for p in phrases) for i in named)  # every named complaint showing the name
        precision.append(covered / max(showing, 1))
        multiword, terms = multiword + sum(len(segment(p)) >= 2 for p in phrases), terms + len(phrases)
        hits, sizes = hits + covered, sizes + len(members)
        per_theme.append(covered / max(len(members), 1))
        repeated += sum(p in seen for p in phrases)
        seen.update(phrases)
        placeholders += bool(MASK_LEFTOVER.search(th["name"])) or any(w in th["name"] for w in ("手机号", "身份证号", "银行卡号"))
        generic += sum(p in GENERIC_TERMS for p in phrases)
        lengths.append(len(phrases))
    return {"coverage": hits / max(sizes, 1), "mean_coverage": float(np.mean(per_theme)) if per_theme else 0.0,
            "precision": float(np.mean(precision)) if precision else 0.0, "multiword": multiword, "terms": terms,
            "repeated": repeated, "placeholders": placeholders, "generic": generic, "phrases": (min(lengths, default=0), max(lengths, default=0))}


def show_themes(tc: ThemeClusterer, limit: int = 20) -> None:
    for th in tc.themes_[:limit]:
        print(f"  {th['id']:>3}  {th['size']:>6}  {th['share']:6.1%}  {th['name']}")


def small_batches(texts: list[str], sizes=(30, 100, 1000), samples: int = 20) -> None:
    """Every method on random samples: themes, noise share among texts ≥ 10 characters, coverage."""
    long = np.array([meaningful_chars(t, 10) >= 10 for t in as_normalized(texts)])
    for n in sizes:
        for method in ("mixture", "nmf", "kmeans"):
            noise, themes, cover, generic, errors = [], [], [], 0, 0
            runs = samples if n < 1000 else min(samples, 3)  # a 1,000-review k="auto" fit takes seconds
            for seed in range(runs):
                idx = np.random.RandomState(seed).choice(len(texts), n, replace=False)
                sample = [texts[i] for i in idx]
                try:
                    tc = ThemeClusterer(k="auto", method=method, random_state=0).fit(sample)
                except Exception:  # counted and shown: the target is none
                    errors += 1
                    traceback.print_exc(limit=2)
                    continue
                is_long = long[idx]
                noise.append(((tc.labels_ == NOISE_THEME) & is_long).sum() / max(is_long.sum(), 1))
                themes.append(tc.n_themes_)
                q = name_quality(tc, sample)
                cover.append(q["coverage"])
                generic += q["generic"]
            print(f"  n={n:<4} {method:<8} themes {np.mean(themes):4.1f} (min {min(themes)}, max {max(themes)})  "
                  f"noise among texts ≥ 10 chars {np.mean(noise):5.1%} (worst {max(noise):5.1%})  "
                  f"name coverage {np.mean(cover):.2f}  generic words in names {generic}  tracebacks {errors}/{runs}")


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


def cpu_seconds() -> float:
    """CPU time of this process and its finished workers (steadier than wall time on a shared machine)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def category_names_coverage(texts: list[str], cats: np.ndarray) -> float:
    """Coverage of names chosen the same way for the reference categories themselves (a ceiling)."""
    from feedback_mining.models.theme_names import PhraseNamer
    from feedback_mining.models.theme_text import ThemeDocuments

    norm = as_normalized(texts)
    docs = ThemeDocuments(norm)
    namer = PhraseNamer().fit(docs.words, docs.phrases(range(len(norm))), cats, ignore=())
    hits = sum(any(p in docs.cleaned[i] for p in namer.names_[c]) for i, c in enumerate(cats))
    return hits / len(cats)


def waimai_names(wneg: list[str]) -> None:
    wt = ThemeClusterer(k=10, random_state=0).fit(wneg)
    qw = name_quality(wt, wneg)
    print(f"\nwaimai_10k negatives ({len(wneg)}), k = 10: name coverage {qw['coverage']:.2f} overall, "
          f"{qw['mean_coverage']:.2f} mean; precision {qw['precision']:.2f}; {qw['multiword']} of {qw['terms']} name terms "
          f"of ≥ 2 words; repeated {qw['repeated']}; placeholders {qw['placeholders']}; generic words {qw['generic']}")
    show_themes(wt)


def scores(cats: np.ndarray, labels: np.ndarray) -> str:
    return f"NMI {normalized_mutual_info_score(cats, labels):.3f}  ARI {adjusted_rand_score(cats, labels):.3f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="../shared/corpora/online_shopping_10_cats.csv")
    ap.add_argument("--waimai", default="../shared/corpora/waimai_10k.csv")
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--skip-100k", action="store_true")
    ap.add_argument("--samples", type=int, default=20, help="random samples per small batch size")
    ap.add_argument("--names-only", action="store_true", help="k = 10 scores and names on both corpora, nothing else")
    args = ap.parse_args()
    df = negatives(args.corpus)
    texts, cats = df["review"].tolist(), df["cat"].to_numpy()
    print(f"online_shopping_10_cats negatives: {len(texts)} reviews, {len(set(cats))} categories")

    t0, c0 = time.perf_counter(), cpu_seconds()
    tc = ThemeClusterer(k=10, random_state=0).fit(texts)
    t_ours, cpu_ours = time.perf_counter() - t0, cpu_seconds() - c0
    ours = tc.labels_
    mask = ours != NOISE_THEME
    print(f"k = 10          : {scores(cats, ours)}  (noise theme: {(~mask).sum()} texts; on non-noise NMI "
          f"{normalized_mutual_info_score(cats[mask], ours[mask]):.3f})  fit {t_ours:.1f} s ({cpu_ours:.1f} s CPU)"
          "   [target NMI ≥ 0.60]")
    q = name_quality(tc, texts)
    print(f"names, k = 10   : coverage {q['coverage']:.2f} overall, {q['mean_coverage']:.2f} mean over themes "
          f"[target ≥ 0.70]; phrases used in two names {q['repeated']} [target 0]; placeholders {q['placeholders']} [target 0]; "
          f"generic words {q['generic']} [target 0]; "
          f"{q['phrases'][0]}–{q['phrases'][1]} phrases per name, {q['multiword']} of {q['terms']} of ≥ 2 words; "
          f"precision {q['precision']:.2f} (share of the complaints showing a name that are in its theme, mean)")
    print(f"                  ceiling: names chosen the same way for the 10 true categories cover "
          f"{category_names_coverage(texts, cats):.2f} of their reviews")
    show_themes(tc)
    if args.names_only:
        w = pd.read_csv(args.waimai, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        waimai_names(w[w["label"] == "0"]["review"].tolist())
        return
    t_base = None
    if not args.skip_naive:
        t0, c0 = time.perf_counter(), cpu_seconds()
        base = naive(texts)
        t_base, cpu_base = time.perf_counter() - t0, cpu_seconds() - c0
        print(f"naive baseline  : {scores(cats, base)}  fit {t_base:.1f} s ({cpu_base:.1f} s CPU)")

    t0 = time.perf_counter()
    auto = ThemeClusterer(k="auto", random_state=0).fit(texts)
    t_auto = time.perf_counter() - t0
    print(f"k = auto        : chose k = {auto.k_} ({auto.n_themes_} themes)  {scores(cats, auto.labels_)}  fit {t_auto:.1f} s"
          f"   [target NMI ≥ 0.55]\n                  {auto.k_criterion_}: "
          + ", ".join(f"{k}:{v:.2f}" for k, v in auto.k_scores_.items()))
    qa = name_quality(auto, texts)
    print(f"names, auto     : coverage {qa['coverage']:.2f} overall, {qa['mean_coverage']:.2f} mean; repeated {qa['repeated']}")

    print("\nsmall batches of shopping negatives (k = auto):")
    small_batches(texts, samples=args.samples)

    w = pd.read_csv(args.waimai, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    wneg = w[w["label"] == "0"]["review"].tolist()
    print("\nsmall batches of waimai negatives (k = auto):")
    small_batches(wneg, samples=args.samples)
    waimai_names(wneg)
    wa = ThemeClusterer(k="auto", random_state=0).fit(wneg)
    print(f"waimai k = auto : chose {wa.k_}; coverage {name_quality(wa, wneg)['coverage']:.2f}")

    if not args.skip_100k:
        big = vary(texts, 100_000)
        before = _pss(psutil.Process()) / 2**20
        with peak_memory() as peak:
            t0, c0 = time.perf_counter(), cpu_seconds()
            ThemeClusterer(k=10, random_state=0).fit(big)
            seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        ratio = f"; {seconds / t_base:.1f}× the naive baseline's wall time on 31k" if t_base else ""
        print(f"\n100k complaints : fit {seconds:.1f} s, {cpu:.1f} s CPU [target well under 60 s]{ratio}, peak memory {peak['mb']:.0f} MB "
              f"(PSS of the process and its workers; {before:.0f} MB before the fit)")


if __name__ == "__main__":
    main()
