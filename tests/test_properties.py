"""Property-based tests: normalize, segment, classify and cluster never raise on arbitrary Unicode
and always return one result per input."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_mining.classify import default_model
from feedback_mining.cluster import ThemeClusterer
from feedback_mining.escalation import annotate
from feedback_mining.normalize import mask_pii, normalize_text
from feedback_mining.segment import segment

EXAMPLES = 300
# Any code point except surrogates (as they reach us after decoding with errors="replace"), plus
# the troublemakers by name: combining marks, RTL text and controls, emoji ZWJ sequences.
nasty = st.sampled_from(["\u0301", "\u200f", "\u202e", "مرحبا", "👨‍👩‍👧‍👦", "🏳️‍🌈", "\ufeff", "\u200b", "\x00", "\ufffd", "ｆｕｌｌ", "退款", "態度", " "])
texts = st.lists(st.one_of(st.text(max_size=80), nasty), max_size=8).map("".join)


@settings(max_examples=EXAMPLES, deadline=None)
@given(texts)
def test_normalize_and_mask_total(text):
    out = normalize_text(text)
    assert isinstance(out, str) and "\x00" not in out and out == out.strip()
    assert isinstance(mask_pii(out), str)


@settings(max_examples=EXAMPLES, deadline=None)
@given(texts)
def test_segment_total(text):
    toks = segment(text)
    assert all(isinstance(t, str) and t and not t.isspace() for t in toks)


@pytest.fixture(scope="module")
def model():
    return default_model()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(texts, min_size=1, max_size=6))
def test_classify_one_result_per_input(model, batch):
    proba = model.predict_proba(batch)
    assert proba.shape == (len(batch), len(model.classes_))
    assert len(model.predict(batch)) == len(batch)
    assert len(annotate(batch)) == len(batch)


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=3, max_size=12))
def test_cluster_one_label_per_input(batch):
    base = ["物业费太贵服务差", "骑手送餐超时还洒了", "客服电话打不通转人工难"] * 3
    docs = batch + base
    labels = ThemeClusterer(k=2, random_state=0).fit_predict(docs)
    assert len(labels) == len(docs)
