"""Property-based tests: normalize, segment, classify and cluster never raise on arbitrary Unicode
and always return one result per input."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_mining.models.registry import default_model
from feedback_mining.models.themes import ThemeClusterer
from feedback_mining.models.escalation import annotate, customer_demands, escalation_risk
from feedback_mining.text.normalize import normalize_many, normalize_text
from feedback_mining.text.privacy import mask_many, mask_pii
from feedback_mining.text.tokenizer import segment

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


# --- batch helpers give exactly the one-at-a-time results ----------------------------------
pii_bits = st.sampled_from(["13912345678", "139-1234-5678", "wang@example.com", "粤B·D12345", "京A12345",
                            "\u00bd", "٣٤٥٦", "４５６７", "\ue000", "\x00", "\n", "\x01", "再不处理就去12315"])
mixed = st.lists(st.one_of(st.text(max_size=40), nasty, pii_bits), max_size=10).map("".join)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.one_of(mixed, st.none(), st.integers()), max_size=12))
def test_normalize_many_equals_normalize_text(values):
    single = [normalize_text(v) for v in values]
    assert normalize_many(values) == single
    assert normalize_many(values + ["长" * 5000])[:-1] == single  # a batch over 4096 characters: the array path


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.one_of(mixed, st.none()), max_size=12))
def test_mask_many_equals_mask_pii(values):
    single = [mask_pii(v) if isinstance(v, str) else v for v in values]
    assert mask_many(values) == single
    assert mask_many(values + ["长" * 5000])[:-1] == single  # a batch over 4096 characters: the array pre-checks


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(mixed, min_size=1, max_size=8))
def test_escalation_batch_equals_single(batch):
    norm = [normalize_text(t) for t in batch]
    table = annotate(norm)
    assert table["escalation_risk"].tolist() == [escalation_risk(t)[0] for t in norm]
    assert table["escalation_reasons"].tolist() == ["|".join(escalation_risk(t)[1]) for t in norm]
    assert table["customer_demand"].tolist() == ["|".join(customer_demands(t)) if t else "" for t in norm]
