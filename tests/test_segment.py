"""Segmentation: dictionary terms whole, negations attached, no junk tokens, both backends."""
from __future__ import annotations

import pickle

import pytest

from feedback_mining.text.tokenizer import Tokenizer, available_backends, segment, segment_many

SAMPLE = [
    "4S店的服务顾问不专业，变速箱异响修了三次还没好！！",
    "物业费年年涨，电梯坏了一个月没人管 😡😡",
    "骑手送餐超时一小时，打客服热线一直占线，最后还不给退",
    "這家酒店的前台態度很差，押金到現在都沒有退",
    "App 登录不上，bug 太多了，客服机器人答非所问",
    "說好的延保送兩年，結果合同上根本沒寫",
]


@pytest.mark.parametrize("term", ["4S店", "服务顾问", "变速箱", "异响", "物业费", "骑手", "客服热线"])
def test_dictionary_terms_stay_whole(term):
    assert term in segment(f"我想投诉{term}的问题，太让人生气了")


@pytest.mark.parametrize("text,token", [
    ("这个师傅很不专业", "不专业"),
    ("发了邮件一直没有回复", "没有回复"),
    ("客服说就是不给退", "不给退"),
    ("电梯坏了没人管", "没人管"),
])
def test_negations_stay_attached(text, token):
    assert token in segment(text)


def test_no_whitespace_punctuation_or_emoji_tokens():
    for text in SAMPLE + ["  ，。！？…… 😡😡  ~~~ ", "\t\n"]:
        for tok in segment(text):
            assert tok.strip() == tok and tok
            assert any(ch.isalnum() for ch in tok), repr(tok)


def test_traditional_input_gives_simplified_tokens():
    toks = segment("這家酒店的前台態度很差")
    assert "酒店" in toks and "前台" in toks and "态度" in "".join(toks)


def test_stopwords_are_dropped_when_asked():
    full = Tokenizer()("我们的快递员把包裹扔在门口了")
    short = Tokenizer(stopwords="default")("我们的快递员把包裹扔在门口了")
    assert "的" in full and "的" not in short and "快递员" in short


def test_very_long_and_empty_texts():
    assert segment("") == [] and segment(None) == []
    long = "等配件等了两个月，" * 2000
    assert len(segment(long)) >= 4000


@pytest.mark.parametrize("backend", available_backends())
def test_tokenizer_survives_pickle(backend):
    tok = Tokenizer(backend=backend, stopwords="default")
    before = tok(SAMPLE[0])
    clone = pickle.loads(pickle.dumps(tok))
    assert clone == tok and clone(SAMPLE[0]) == before


@pytest.mark.skipif(len(available_backends()) < 2, reason="needs both jieba and rjieba")
def test_backends_agree_on_fixed_sample():
    a, b = Tokenizer(backend="jieba"), Tokenizer(backend="rjieba")
    ta = [t for s in SAMPLE for t in a(s)]
    tb = [t for s in SAMPLE for t in b(s)]
    agree = sum(x == y for x, y in zip(ta, tb)) / max(len(ta), len(tb))
    assert agree >= 0.99, (ta, tb)


def test_parallel_segmentation_keeps_order():
    texts = [f"第{i}条：{SAMPLE[i % len(SAMPLE)]}" for i in range(3000)]
    serial = [Tokenizer()(t) for t in texts]
    assert segment_many(texts, n_jobs=2, chunk_size=200) == serial


def test_tokenizer_params_validated():
    with pytest.raises(ValueError):
        Tokenizer(backend="nope")("测试")
