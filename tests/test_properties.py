"""Property-based tests: normalize, segment, classify and cluster never raise on arbitrary Unicode
and always return one result per input."""
from __future__ import annotations

from collections import Counter

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


complaint_bits = st.sampled_from(["物业费太贵", "服务差", "骑手送餐超时", "外卖洒了😡", "客服电话打不通", "转人工难",
                                  "退款三周沒到賬", "ＡＰＰ闪退", "酒店前台态度恶劣", "宽带网速慢", "iPhone 保修被拒"])
complaints = st.lists(st.one_of(complaint_bits, texts), min_size=1, max_size=4).map("，".join)


@settings(max_examples=40, deadline=None)
@given(st.lists(complaints, min_size=3, max_size=12), st.randoms(use_true_random=False))
def test_cluster_labels_follow_the_texts_not_their_order(batch, random):
    """A complaint's theme depends on the texts, not on where it sits in the input; predict agrees
    with fit; the theme sizes are the label counts."""
    docs = batch + ["物业费太贵服务差", "骑手送餐超时还洒了", "客服电话打不通转人工难"] * 3
    fitted = ThemeClusterer(k=2, random_state=0).fit(docs)
    labels = fitted.labels_
    order = list(range(len(docs)))
    random.shuffle(order)
    reordered = ThemeClusterer(k=2, random_state=0).fit_predict([docs[i] for i in order])
    assert reordered.tolist() == [labels[i] for i in order]
    by_text: dict[str, set] = {}
    for doc, label in zip(docs, labels.tolist()):
        by_text.setdefault(doc, set()).add(label)
    assert all(len(found) == 1 for found in by_text.values())  # the same text, the same theme
    assert fitted.predict(docs).tolist() == labels.tolist()
    assert Counter(labels.tolist()) == {th["id"]: th["size"] for th in fitted.themes_}


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
