"""One regex pass over a whole batch (textbatch) must find exactly what one text at a time finds."""
from __future__ import annotations

import re

import numpy as np
import pytest

from feedback_mining.data.read import load_labeled_corpus
from feedback_mining.models.escalation import _DEMAND_RE, _GATE, _GATE_KEYS, _HIGH_RE, _WATCH_RE, annotate, customer_demands, escalation_risk
from feedback_mining.text.normalize import normalize_many, normalize_text
from feedback_mining.text.privacy import mask_many, mask_pii
from feedback_mining.models.taxonomy import load_taxonomy
from feedback_mining.text.batch import JoinedTexts, LiteralGate, trie_pattern

TEXTS = ["退款退款，还是退款😡", "", "客服不回复\n要求退款", "服務顧問態度差", "x\x01y 退款", "退款难退货难"]


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    return normalize_many(load_labeled_corpus()["text"].tolist())


def test_rows_and_counts_match_one_text_at_a_time():
    rx = re.compile("退款")
    batch = JoinedTexts(TEXTS)  # a text holds the marker character: the slow, exact path
    assert batch.count(rx).tolist() == [len(rx.findall(t)) for t in TEXTS]
    clean = JoinedTexts([t for t in TEXTS if "\x01" not in t])  # the array path
    assert clean.count(rx).tolist() == [3, 0, 1, 0, 1]
    assert [(row, m.group(0)) for row, m in clean.finditer(rx)] == [(0, "退款")] * 3 + [(2, "退款"), (4, "退款")]


def test_gate_skips_rows_but_finds_the_same_matches(corpus_texts):
    batch = JoinedTexts(corpus_texts)
    gate = _GATE.rows(batch)
    patterns = dict(_HIGH_RE + _WATCH_RE) | _DEMAND_RE
    assert set(patterns) == set(_GATE_KEYS)
    for g, key in enumerate(_GATE_KEYS):
        plain = [(row, m.span(), m.group(0)) for row, m in batch.finditer(patterns[key])]
        gated = [(row, m.span(), m.group(0)) for row, m in batch.finditer_rows(patterns[key], np.flatnonzero(gate[:, g]))]
        assert plain == gated, key
    assert sum(1 for _ in batch.finditer(_HIGH_RE[0][1])) > 0  # the corpus does contain media threats


def test_trie_pattern_matches_the_same_spans_as_the_alternation(corpus_texts):
    text = "\n".join(corpus_texts)
    for gap in load_taxonomy().labels:
        alternation = re.compile("|".join(re.escape(c) for c in sorted(gap.cues, key=len, reverse=True)))
        trie = re.compile(trie_pattern(gap.cues))
        spans = [m.span() for m in alternation.finditer(text)]
        assert spans and spans == [m.span() for m in trie.finditer(text)]
    assert trie_pattern(["退款", "退款难", "退货"]) == "退(?:款(?:难)?|货)"
    assert re.search(trie_pattern([]), "任何文本") is None  # no phrases: never matches


def test_batch_normalize_mask_and_escalation_equal_single_on_the_corpus(corpus_texts):
    raw = load_labeled_corpus()["text"].tolist() + ["＂１３９１２３４５６７８＂", "京A12345\ue000x", None, "٣٤٥٦٧٨٩٠١٢٣"]
    assert normalize_many(raw) == [normalize_text(t) for t in raw]  # long batch: the array translate path
    assert mask_many(raw) == [mask_pii(t) if isinstance(t, str) else t for t in raw]
    table = annotate(corpus_texts)
    levels = [escalation_risk(t)[0] for t in corpus_texts]
    assert table["escalation_risk"].tolist() == levels and "high" in levels
    assert table["escalation_reasons"].tolist() == ["|".join(escalation_risk(t)[1]) for t in corpus_texts]
    assert table["customer_demand"].tolist() == ["|".join(customer_demands(t)) for t in corpus_texts]


def test_empty_batch():
    batch = JoinedTexts([])
    assert batch.count(re.compile("a")).tolist() == [] and list(batch.finditer(re.compile("a"))) == []
    assert normalize_many([]) == [] and mask_many([]) == []
    assert np.asarray(annotate([]).shape).tolist() == [0, 3]


def test_literal_gate_passes_every_text_with_a_phrase(corpus_texts):
    groups = [["退款", "曝光"], ["命"], ["12315", "服务员"], ["x"], [f"词{i}" for i in range(20)]] + [["态度"]] * 12
    texts = corpus_texts + ["😡😡", "要退款!", "退 款", "曝", "12 315", "服務員", "xyz", "拿命换", "", "第\n行"]
    batch = JoinedTexts(texts)
    passed = LiteralGate(groups).rows(batch)  # 17 groups: 32-bit masks
    rows = batch.text.split("\n")
    holds = np.array([[any(w in t for w in words) for words in groups] for t in rows])
    assert passed.shape == (len(texts), 17)
    assert (passed >= holds).all() and holds.sum() > 50  # a superset: never skips a text with a phrase
    assert passed[-10:, :4].any(1).tolist() == [False, True, False, False, True, False, True, True, False, False]  # "12 315": "12"
    assert passed[-3, 1] and not passed[-3, 0] and passed[-4, 3] and not passed[-4, 1]
    with pytest.raises(ValueError):
        LiteralGate([["😡"]])
    assert LiteralGate([["退款"]]).rows(JoinedTexts([])).shape == (0, 1)
