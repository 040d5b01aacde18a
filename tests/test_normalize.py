"""Normalization and personal-data masking on real-looking complaint text."""
from __future__ import annotations

import pytest

from conftest import luhn_number, valid_id_number
from feedback_mining.text.normalize import normalize_text
from feedback_mining.text.privacy import mask_pii


def test_traditional_fullwidth_zero_width_and_controls():
    raw = "\ufeff這個服務顧問\u200b態度很差！！ＯＫ？\u3000\u3000太離譜了\x07\n\n😡"
    assert normalize_text(raw) == "这个服务顾问态度很差!!OK? 太离谱了 😡"


def test_emoji_and_mixed_english_stay_readable():
    assert normalize_text("App 一直闪退 🙄 bug 太多") == "App 一直闪退 🙄 bug 太多"


def test_none_nan_numbers():
    assert normalize_text(None) == "" and normalize_text(float("nan")) == "" and normalize_text(12315) == "12315"


def test_lone_surrogates_do_not_crash():
    assert "\ufffd" in normalize_text("坏了\ud800")


@pytest.mark.parametrize("text,placeholder,secret", [
    ("我的手机13912345678，快回电", "<手机号>", "13912345678"),
    ("电话 139 1234 5678 找王经理", "<手机号>", "139 1234 5678"),
    ("+86-138-0013-8000 打不通", "<手机号>", "138-0013-8000"),
    ("座机010-62345678转分机", "<电话>", "62345678"),
    (f"身份证号{valid_id_number()}已经提交", "<身份证号>", valid_id_number()),
    (f"扣款的卡是{luhn_number()}，请核实", "<银行卡号>", luhn_number()),
    ("邮件发到 wang.xiaoli@example.com.cn 吧", "<邮箱>", "wang.xiaoli@example.com.cn"),
    ("车牌京A12345在店里放了一周", "<车牌>", "京A12345"),
    ("身份证110105194912310020号码打错了一位", "<身份证号>", "110105194912310020"),  # wrong check digit: still an ID
    ("新能源车粤B·D12345充不进电", "<车牌>", "粤B·D12345"),
])
def test_each_pii_type_is_masked(text, placeholder, secret):
    masked = mask_pii(text)
    assert placeholder in masked and secret not in masked


@pytest.mark.parametrize("text", [
    "订单号2023110512345678，到现在没发货",      # 16 digits, fails Luhn: an order number, not a card
    "订单号 13912345678901 查不到",              # 14 digits starting like a phone
    "单号210105189913310020 错了",             # 18 digits, no real birth date (month 13)
    "花了12315块钱买的",                        # a hotline number is not personal data
    "4S店保养花了2680元，等了3小时",
    "型号XR-2000的热水器",
])
def test_look_alikes_are_not_masked(text):
    assert mask_pii(text) == text
