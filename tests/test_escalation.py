"""Escalation risk cues with their negated forms, demands, and service-recovery figures."""
from __future__ import annotations

import pandas as pd
import pytest

from feedback_mining.analysis import service_recovery

from feedback_mining.models.escalation import annotate, customer_demands, escalation_risk


@pytest.mark.parametrize("text", [
    "再不解决我就找媒体曝光你们",
    "我已经联系了记者",
    "明天就去12315投诉",
    "已经向市场监管局反映了",
    "准备找律师起诉你们",
    "我会去法院起诉",
    "这事我要发微博让大家评评理",
    "我要发抖音曝光这家店",
    "小区业主准备集体维权",
    "我们几十个车主联名投诉",
    "开着开着刹车失灵，差点出事故",
    "车在停车场自燃了",
    "燃气热水器有安全隐患",
])
def test_each_high_cue(text):
    level, reasons = escalation_risk(text)
    assert level == "high" and reasons


@pytest.mark.parametrize("text", [
    "不想曝光，只想解决",
    "我不是要找媒体，就想要个说法",
    "没打算找律师，希望你们重视",
    "我不会去12315的，你们自己处理好",
    "我不想发微博闹大",
])
def test_negated_cues_are_watch_not_high(text):
    assert escalation_risk(text)[0] == "watch"


def test_taking_back_a_negation_is_high():
    assert escalation_risk("本来不想曝光的，但现在只能找媒体了")[0] == "high"


@pytest.mark.parametrize("text", ["这是我第三次打电话了", "多次投诉一直没人管", "拖了两个月至今没有结果"])
def test_repeated_contact_is_watch(text):
    assert escalation_risk(text)[0] == "watch"


@pytest.mark.parametrize("text", ["工商银行的信用卡年费太贵", "在抖音直播间买的裙子掉色", "胎压报警灯一直亮", "菜太咸了", "", None])
def test_look_alikes_are_none(text):
    assert escalation_risk(text)[0] == "none"


@pytest.mark.parametrize("text,expected", [
    ("要求退款并道歉", ["refund", "apology"]),
    ("赶紧给我修好，再赔偿误工费", ["repair", "compensation"]),
    ("要么换车要么退钱", ["refund", "replacement"]),
    ("请给个说法，为什么拖这么久", ["explanation"]),
    ("把那个骑手开除", ["staff_action"]),
    ("不要赔偿，只要一个道歉", ["apology"]),
    ("房间太吵了", ["other"]),
])
def test_demands(text, expected):
    assert customer_demands(text) == expected


def test_annotate_columns():
    out = annotate(["要求退款，不然去12315", ""])
    assert out.columns.tolist() == ["escalation_risk", "escalation_reasons", "customer_demand"]
    assert out["escalation_risk"].tolist() == ["high", "none"]
    assert out["customer_demand"].tolist() == ["refund", ""]


def test_service_recovery_known_answers():
    df = pd.DataFrame({
        "gap": ["process", "process", "behavior", "behavior"],
        "channel": ["电话", "电话", "微信", "微信"],
        "received_at": ["2026-01-01 08:00", "2026-01-01 08:00", "2026-01-02 09:00", "2026-01-02 09:00"],
        "responded_at": ["2026-01-01 18:00", "2026-01-02 20:00", "2026-01-02 19:00", "2026-01-05 09:00"],
        "customer_id": ["A", "A", "B", "C"],
    })
    fig = service_recovery(df)
    assert fig.overall["within_24h"] == 0.5 and fig.overall["within_12h"] == 0.5
    assert fig.overall["median_hours"] == pytest.approx((10 + 36) / 2)
    assert fig.by_gap.loc["process", "within_24h"] == 0.5 and fig.by_gap.loc["behavior", "median_hours"] == pytest.approx(41)
    assert fig.by_channel.loc["电话", "within_12h"] == 0.5
    assert fig.repeat_rate == pytest.approx(1 / 3)


def test_missing_timestamps_give_no_figure_and_no_error():
    fig = service_recovery(pd.DataFrame({"gap": ["process"], "内容": ["太慢"]}))
    assert fig.overall == {} and fig.by_gap is None and fig.repeat_rate is None
    assert any("skipped" in n for n in fig.notes)
