"""Clause scores built from the whole texts' n-grams (models/clauses.py) equal scoring the clause
strings of split_clauses, bit for bit: rows, cue counts and the probabilities classify writes."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_mining.models.clauses import ClauseLayout, clause_cue_counts, clause_rows
from feedback_mining.models.gapmodel import GapModel, split_clauses
from feedback_mining.models.registry import default_model
from feedback_mining.models.taxonomy import Taxonomy
from feedback_mining.text.normalize import NormalizedTexts, normalize_many

REVIEWS = [
    "房间很旧，前台态度很差，早餐一般",
    "銷售顧問承諾送三次保養，現在不認賬！！客服電話打了五次沒人接，要求退款",
    "外卖洒了😡，骑手态度恶劣、还骂人；平台客服说这是规定不能退…等了三天",
    "ＡＰＰ闪退，登录不了 账号被冻结 客服 不理人",  # spaces between pieces, full-width letters
    "iPhone 保修被拒，说是人为损坏~~其实是电池鼓包",
    "好",  # one character
    "",  # empty
    "，，，。。。",  # separators only
    "宽带网速慢，",  # a trailing separator: one piece
    "物业费太贵，服务差",  # shorter than 12: one clause
    "退款三周没到账，一直说在处理，处理了二十天还是没有结果，太慢了",
    "Mixed English text, with commas, and 中文 complaints about 退款 delay",
    "價格欺詐 說好的優惠券不能用 套路太深了，再也不買了",
]

bits = st.sampled_from(["物业费太贵", "服务差", "骑手送餐超时", "外卖洒了😡", "客服电话打不通", "转人工难", "退款三周沒到賬",
                        "ＡＰＰ闪退", "酒店前台态度恶劣", "说好的赠品没给", "规定不能退", "a", "好"])
seps = st.sampled_from(["，", ",", "、", " ", "  ", "。", "！", "？", "…", "~", "～", "；", "，，", "。，", " ，", "!?"])
complaint = st.lists(st.tuples(bits, seps), min_size=0, max_size=7).map(lambda parts: "".join(a + b for a, b in parts))


@pytest.fixture(scope="module")
def model():
    return default_model()


def _string_path(model: GapModel, texts: NormalizedTexts) -> np.ndarray:
    """detector_proba as it was: each clause string scored on its own."""
    proba = model.calibrated(model.decision_function(texts))
    clauses, owner = split_clauses(texts)
    if clauses:
        clause_p = model.calibrated(model.decision_function(NormalizedTexts(clauses)))
        best = np.zeros_like(proba)
        np.maximum.at(best, owner, clause_p)
        has = np.unique(owner)
        proba[has] = (proba[has] + best[has]) / 2
    return proba


def _assert_same_clauses(model: GapModel, texts: NormalizedTexts) -> None:
    layout = ClauseLayout.of(texts)
    assert layout is not None
    clauses, owner = split_clauses(texts)
    np.testing.assert_array_equal(layout.owner, owner)
    expected = model.vocabulary_.rows(NormalizedTexts(clauses))
    got = clause_rows(layout, model.vocabulary_, model.vocabulary_.position_columns(layout.cps))
    for name in ("indptr", "cols", "vals"):
        np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))
    joined = "\n".join(texts)
    starts = [np.array([m.start() for m in rx.finditer(joined)], dtype=np.int64) for rx in model.taxonomy_.cue_patterns()]
    np.testing.assert_array_equal(clause_cue_counts(layout, starts), model.taxonomy_.cue_counts(NormalizedTexts(clauses)))


def test_layout_of_a_review():
    layout = ClauseLayout.of(NormalizedTexts(["房间很旧，前台态度很差。早餐一般，服务员不理人，退房慢"]))
    pieces = ["".join(map(chr, layout.cps[s:e])) for s, e in zip(layout.start, layout.end)]
    assert pieces == ["房间很旧", "前台态度很差", "早餐一般", "服务员不理人", "退房慢"]
    assert layout.paired.tolist() == [True, False, True, True, False]  # no clause spans 。


def test_real_looking_reviews_give_the_clause_strings_rows_and_counts(model):
    _assert_same_clauses(model, normalize_many(REVIEWS))


def test_detector_proba_is_the_string_paths_bit_for_bit(model):
    texts = normalize_many(REVIEWS * 3)
    np.testing.assert_array_equal(model.detector_proba(texts), _string_path(model, texts))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(complaint, min_size=1, max_size=12))
def test_any_batch_gives_the_clause_strings_rows_and_probabilities(model, batch):
    texts = normalize_many(batch)
    _assert_same_clauses(model, texts)
    np.testing.assert_array_equal(model.detector_proba(texts), _string_path(model, texts))


def test_texts_the_layout_does_not_handle_take_the_string_path(model):
    # not normalized: a line break, a tab, a run of spaces with a tab — split_clauses' rules apply
    texts = NormalizedTexts(["客服态度很差\n退款三周没到账，一直拖着", "物业费太贵\t服务差，保安不管事，电梯坏了", "前台不理人 \t 房间很脏，隔音差"])
    assert ClauseLayout.of(texts) is None
    np.testing.assert_array_equal(model.detector_proba(texts), _string_path(model, texts))


def test_a_cue_with_a_separator_takes_the_string_path(model):
    # a cue that spans a comma: counting it per piece would miss it, so the clause strings are scored
    labels = list(model.taxonomy_.labels)
    labels[0] = dataclasses.replace(labels[0], cues=labels[0].cues + ("赠品，没给",))
    other = GapModel(Taxonomy(tuple(labels), name="comma-cue"), model.classes_, vocabulary=model.vocabulary_, coef=model.coef_,
                     intercept=model.intercept_, calibration=model.calibration_, detectors=model.detectors_,
                     cue_weight=model.cue_weight, review_threshold=model.review_threshold_)
    texts = normalize_many(["说好的赠品，没给，销售不认账，太坑了", "赠品，没给"])
    np.testing.assert_array_equal(other.detector_proba(texts), _string_path(other, texts))
    assert other.taxonomy_.cue_counts(NormalizedTexts(["赠品，没给"]))[0, 0] == 1


def test_empty_batch_and_no_clauses(model):
    assert model.detector_proba(NormalizedTexts([])).shape == (0, len(model.detectors_))
    short = normalize_many(["服务差", "好", ""])
    np.testing.assert_array_equal(model.detector_proba(short), _string_path(model, short))
