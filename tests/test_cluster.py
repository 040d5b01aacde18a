"""Themes: stable, named without junk, explainable, editable, reusable."""
from __future__ import annotations

import re

import numpy as np
import pytest

from conftest import run_cli
from feedback_mining.data.read import load_labeled_corpus
from feedback_mining.models.themes import NOISE_THEME, ThemeClusterer
from feedback_mining.text.tokenizer import default_stopwords


@pytest.fixture(scope="module")
def corpus():
    return load_labeled_corpus()


@pytest.fixture(scope="module")
def fitted(corpus):
    return ThemeClusterer(k=8, random_state=0).fit(corpus["text"].tolist(), gaps=corpus["gap"].tolist())


def test_themes_stable_under_reordering(corpus):
    texts = corpus["text"].tolist()
    order = np.random.RandomState(1).permutation(len(texts))
    a = ThemeClusterer(k=6, random_state=0).fit_predict(texts)
    b = ThemeClusterer(k=6, random_state=0).fit_predict([texts[i] for i in order])
    assert (a[order] == b).all()


def test_names_have_no_stopwords_or_punctuation(fitted):
    stop = set(default_stopwords().read_text(encoding="utf-8").split())
    for th in fitted.themes_:
        if th["id"] == NOISE_THEME:
            continue
        words = th["name"].split(" / ")
        assert 1 <= len(words) <= 4
        for w in words:
            assert w not in stop and re.fullmatch(r"[\w\u3400-\u9fff]+", w), th["name"]


def test_representatives_belong_to_their_theme_and_are_masked(fitted, corpus):
    labels = fitted.labels_
    for th in fitted.themes_:
        assert len(th["representatives"]) == min(5, th["size"])
        assert all(labels[i] == th["id"] for i in th["representative_index"])
        assert not any(re.search(r"1[3-9]\d{9}", r) for r in th["representatives"])
    shares = sum(th["share"] for th in fitted.themes_)
    assert abs(shares - 1) < 1e-9
    assert all(th["dominant_gap"] in {"understanding", "process", "behavior", "promotion", "perception"} for th in fitted.themes_)


def test_short_and_empty_texts_go_to_noise():
    texts = ["物业费太贵了服务还差", "骑手送餐超时汤还洒了", "客服电话打不通转人工难"] * 5 + ["", "  ", "好", "😡😡"]
    labels = ThemeClusterer(k=3, random_state=0).fit_predict(texts)
    assert (labels[-4:] == NOISE_THEME).all() and (labels[:-4] != NOISE_THEME).all()


def test_rename_and_merge_persist_through_save_load(fitted, tmp_path, corpus):
    tc = ThemeClusterer(k=8, random_state=0).fit(corpus["text"].tolist(), gaps=corpus["gap"].tolist())
    a, b = [th["id"] for th in tc.themes_ if th["id"] != NOISE_THEME][:2]
    tc.rename(a, "售后维修").merge(a, b)
    path = tc.save(tmp_path / "themes.joblib")
    back = ThemeClusterer.load(path)
    assert back.theme_names()[a] == "售后维修" and b not in back.theme_names()
    pred = back.predict(corpus["text"].tolist()[:300])
    assert b not in set(pred.tolist())
    assert (pred == np.where(tc.labels_[:300] == b, a, tc.labels_[:300])).all()


def test_k_auto_reports_scores_inside_range(corpus):
    tc = ThemeClusterer(k="auto", k_range=(4, 7), random_state=0).fit(corpus["text"].tolist()[:600])
    assert 4 <= tc.k_ <= 7 and set(tc.k_scores_) <= set(range(4, 8)) and tc.k_scores_
    assert tc.k_ == max(tc.k_scores_, key=tc.k_scores_.get)


def test_nmf_method(corpus):
    labels = ThemeClusterer(k=5, method="nmf", random_state=0).fit_predict(corpus["text"].tolist()[:500])
    assert len(set(labels.tolist()) - {NOISE_THEME}) >= 3


def test_cluster_cli_writes_columns_and_summary(tmp_path):
    from feedback_mining.paths import corpus_file

    out, summary = tmp_path / "t.csv", tmp_path / "s.csv"
    r = run_cli("cluster", str(corpus_file("complaints_labeled.csv")), "-o", str(out), "--k", "6", "--summary", str(summary))
    assert r.returncode == 0, r.stderr
    import pandas as pd

    df = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert {"theme", "theme_name", "gap"} <= set(df.columns) and len(df) >= 1500
    s = pd.read_csv(summary, encoding="utf-8-sig")
    assert {"theme_name", "size", "share", "top_terms", "representative_ids", "gap_mix"} <= set(s.columns)
    assert s["size"].sum() == len(df)
    r = run_cli("cluster", str(corpus_file("complaints_labeled.csv")), "-o", str(out), "--k", "zero")
    assert r.returncode == 2


def test_kmeans_method(corpus):
    labels = ThemeClusterer(k=5, method="kmeans", random_state=0).fit_predict(corpus["text"].tolist()[:500])
    assert len(set(labels.tolist()) - {NOISE_THEME}) >= 3


def _planted(seed: int = 0):
    """Complaints about three different things, in mixed scripts and styles, with shared filler."""
    rng = np.random.RandomState(seed)
    topics = [
        ["骑手", "送餐", "超时", "洒了", "外卖", "餐盒", "凉了", "配送费"],
        ["房间", "前台", "隔音", "空调", "床单", "酒店", "入住", "退房"],
        ["宽带", "网速", "套餐", "话费", "營業廳", "流量", "扣费", "信號"],
    ]
    filler = ["真的", "服了", "😡", "太差", "无语", "OK", "，", "！！"]
    texts, truth = [], []
    for i in range(240):
        t = i % 3
        words = list(rng.choice(topics[t], size=rng.randint(2, 6))) + list(rng.choice(filler, size=2))
        rng.shuffle(words)
        texts.append("".join(words))
        truth.append(t)
    return texts, np.array(truth)


def test_mixture_recovers_planted_themes():
    from sklearn.metrics import adjusted_rand_score

    texts, truth = _planted()
    labels = ThemeClusterer(k=3, random_state=0).fit_predict(texts)
    assert (labels != NOISE_THEME).all()
    assert adjusted_rand_score(truth, labels) > 0.9


def test_multinomial_mixture_estimator_contract():
    import pickle

    from sklearn.base import clone
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.pipeline import make_pipeline

    from feedback_mining.models.mixture import MultinomialMixture

    texts, truth = _planted(1)
    X = CountVectorizer(analyzer="char", ngram_range=(2, 2)).fit_transform(texts)
    mm = MultinomialMixture(3, random_state=0)
    assert clone(mm).get_params() == mm.get_params() and not hasattr(clone(mm), "log_word_prob_")
    labels = mm.fit_predict(X)
    proba = mm.predict_proba(X)
    assert proba.shape == (240, 3) and np.allclose(proba.sum(1), 1) and (proba.argmax(1) == labels).all()
    assert (MultinomialMixture(3, random_state=0).fit(X).labels_ == labels).all()  # deterministic
    back = pickle.loads(pickle.dumps(mm))
    assert (back.predict(X) == labels).all() and back.score(X) == pytest.approx(mm.score(X))
    assert mm.score(X) > MultinomialMixture(1, random_state=0).fit(X).score(X)  # 3 themes explain more than 1
    pipe = make_pipeline(CountVectorizer(analyzer="char", ngram_range=(2, 2)), MultinomialMixture(3, random_state=0))
    assert (pipe.fit(texts).predict(texts) == labels).all()
    for bad in ({"n_components": 0}, {"alpha": 0}, {"cooling": 1.5}, {"temperature": 0.5}):
        with pytest.raises(ValueError):
            MultinomialMixture(**bad).fit(X)
    with pytest.raises(ValueError):
        MultinomialMixture(2).fit(-X)


def test_predict_puts_text_without_known_words_in_noise():
    texts, _ = _planted(2)
    tc = ThemeClusterer(k=3, random_state=0).fit(texts)
    pred = tc.predict(["量子纠缠实验室的示波器", "骑手送餐超时，外卖都凉了😡", "酒店房間隔音太差，前台不管"])
    assert pred[0] == NOISE_THEME
    assert pred[1] != NOISE_THEME and pred[2] != NOISE_THEME and pred[1] != pred[2]
