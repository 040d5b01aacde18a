"""Theme names: covering words for the subject plus a problem phrase, on complaints written for these tests."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_mining.models.theme_names import PhraseNamer
from feedback_mining.models.theme_text import ThemeDocuments, words_and_phrases
from feedback_mining.models.themes import NOISE_THEME, ThemeClusterer
from feedback_mining.text.normalize import as_normalized

# Three themes of ten complaints. Every complaint of a theme names its subject (退款, 4S店 / 保养,
# 外卖 / 骑手); four of each also carry the theme's problem phrase (不到账, 发动机异响, 态度差),
# written in traditional characters, full-width forms or with emoji in some of them.
REFUND = [
    "申请退款已经两个星期了，退款不到账，客服每次都说系统处理中，订单状态一直显示退款中。",
    "退款說三到五個工作日原路返回，現在十天了退款還是不到賬，銀行那邊也查不到任何記錄😡",
    "商品缺货被取消了订单，平台说自动退款，结果退款不到账，打客服电话排队四十分钟没人接。",
    "退货寄回去一周了，商家签收后迟迟不给退款，问就说财务在审核，一点诚意都没有。",
    "退款金额少了十二块，说是扣了运费险，可我买的时候运费险是商家送的，凭什么扣我的钱。",
    "ＡＰＰ上点了退款按钮没反应，换了手机再点还是报错，只能一遍遍找在线客服提交退款申请。",
    "预售定金说好可以退款，到了尾款阶段又说定金不退，页面上的规则和客服说的完全不一样。",
    "退款退到了一张我早就注销的银行卡上，退款不到账，平台让我自己去银行查，来回折腾三次。",
    "重复扣款两次，申请退款一次只退了一笔，另一笔说要人工核实，已经等了二十多天还没消息。",
    "退款审核通过了，可是退到了余额里提现还要手续费，当初付款明明用的是信用卡，这不合理。",
]
CAR = [
    "新车开了三千公里发动机异响，去4S店检测说是正常现象，每次冷启动都咔咔响，心里很不踏实。",
    "4S店保养完第二天发动机異響更明顯了，回去找他們說要拆開檢查，還要我先交一千塊押金。",
    "在4S店做首保被强行加装了三百多的项目，工单上写的和实际做的对不上，销售顾问还不承认。",
    "保养时间约好上午十点，4S店让我等到下午三点才开始做，休息区连口热水都没有，太耽误事。",
    "车子发动机异响送修三次，4S店每次都换个小零件就让我开走，一周后又响，不给换发动机。",
    "4S店的保养报价比外面修理厂贵一倍，机油滤芯都是副厂件，问起来只说是原厂配套的供应商。",
    "刚提车一个月发动机异响伴随抖动，4S店说要等厂家技术员来看，等了半个月还没有安排。",
    "喷漆维修后车门颜色明显不一样，4S店说在合理色差范围内，拒绝返工，保养也不给优惠了。",
    "4S店保养后仪表盘提示胎压故障灯亮，回店说是我自己压到钉子，可是轮胎根本没有扎过的痕迹。",
    "车辆年检前去4S店保养，服务顾问推荐换刹车片说快磨没了，换下来一看还有一半多的厚度。",
]
DELIVERY = [
    "外卖骑手态度差，送到楼下打电话让我自己下去拿，我说腿受伤了下不去，他直接挂了电话。",
    "点的外卖晚了一个小时，骑手态度差还骂人，说是商家出餐慢关他什么事，餐盒都压扁了🙄",
    "外賣騎手態度差，把餐直接扔在門口就走了，湯灑了一地，打電話過去說不是他的問題。",
    "外卖送错了地址，骑手让我去隔壁小区拿，下着大雨走了十分钟，饭菜全凉了，要求退配送费。",
    "外卖备注了不要辣，送来的每道菜都放了辣椒，商家说骑手拿错了单，骑手说是商家做错了。",
    "中午点的外卖显示已送达，我根本没收到，骑手电话打不通，平台客服只说会核实再联系我。",
    "外卖骑手态度差，敲门一直很用力，我开门慢了一点他就在门外抱怨，还说以后不给我送了。",
    "外卖包装袋没封口，到手的时候筷子和餐巾纸都没有，饮料也少送了一杯，商家不承认少送。",
    "点外卖备注放门口别敲门，孩子在睡觉，骑手还是一直按门铃，把孩子吵醒哭了一个小时。",
    "外卖显示骑手已取餐半小时一动不动，联系骑手说他在送别的单，等拿到手饭已经坨了。",
]
THEMES = {"不到账": REFUND, "发动机异响": CAR, "态度差": DELIVERY}


def _name(texts: list[str], labels, **params) -> PhraseNamer:
    docs = ThemeDocuments(as_normalized(texts))
    return PhraseNamer(**params).fit(docs.words, docs.phrases(range(len(texts))), labels)


def _coverage(texts: list[str], labels: np.ndarray, names: dict) -> float:
    clean = ThemeDocuments(as_normalized(texts)).cleaned
    return float(np.mean([any(p in clean[i] for p in names[labels[i]]) for i in range(len(texts))]))


def test_each_name_carries_its_problem_phrase_and_covers_its_theme():
    texts = REFUND + CAR + DELIVERY
    labels = np.repeat([0, 1, 2], 10)
    namer = _name(texts, labels)
    for c, phrase in enumerate(THEMES):
        name = namer.names_[c]
        assert 2 <= len(name) <= 3, name
        # the problem phrase (4 complaints of 10) is in the name beside the covering words
        assert any(phrase in term for term in name), name
        members = np.flatnonzero(labels == c)
        assert sum(any(p in ThemeDocuments([texts[i]]).cleaned[0] for p in name) for i in members) >= 9, name
    # the covering words keep the whole theme named (names of phrases only would reach 4 in 10)
    assert _coverage(texts, labels, namer.names_) >= 0.9


def test_themes_fitted_on_the_complaints_are_named_by_their_problems():
    texts = REFUND + CAR + DELIVERY
    tc = ThemeClusterer(k=3, random_state=0).fit(texts)
    names = [th["name"] for th in tc.themes_ if th["id"] != NOISE_THEME]
    assert sum(any(phrase in n for n in names) for phrase in THEMES) >= 2, names
    for th in tc.themes_:
        # the first representative shows the name
        assert any(p in as_normalized([th["representatives"][0]])[0] for p in th["name_phrases"]), th


def test_an_evaluative_character_joins_the_word_it_judges():
    text = "骑手态度差，分量少，价格贵，异响修了三次"
    tokens = ["骑手", "态度", "差", "，", "分量", "少", "，", "价格", "贵", "，", "异响", "修", "了", "三次"]
    _, phrases = words_and_phrases(text, tokens, lambda t: len(t) > 1 and t not in "，了")
    assert {"态度差", "分量少", "价格贵", "骑手态度差"} <= set(phrases)
    assert not any("修" in p for p in phrases)  # 修 judges nothing: no 「异响修」


def test_one_function_word_may_sit_inside_a_phrase_never_at_its_ends():
    docs = ThemeDocuments(as_normalized(["送餐也太慢了😡，分量太少，騎手態度又差！"]))
    phrases = set(docs.phrases([0])[0])
    assert {"送餐也太慢", "分量太少", "态度又差"} <= phrases, phrases
    assert not any(p.startswith(("也", "太", "又")) or p.endswith(("也", "太", "又")) for p in phrases), phrases
    assert all(p in docs.cleaned[0] for p in phrases)


def test_praise_and_hedges_never_name_a_theme():
    words = [["味道", "送餐", "太慢"], ["味道", "送餐", "太慢"], ["味道", "好吃", "菜品"], ["味道", "好吃", "菜品"]]
    phrases = [["味道不错", "送餐太慢"], ["味道不错", "送餐太慢"], ["不怎么好吃", "怀疑是不是"], ["不怎么好吃", "怀疑是不是"]]
    names = PhraseNamer().fit(words, phrases, [0, 0, 1, 1]).names_
    assert "味道不错" not in names[0] and "送餐太慢" in names[0], names
    assert "怀疑是不是" not in names[1] and "不怎么好吃" in names[1], names


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 3), min_size=30, max_size=30))
def test_name_terms_occur_in_their_theme_and_in_no_other_name(labels):
    texts = REFUND + CAR + DELIVERY
    clean = ThemeDocuments(as_normalized(texts)).cleaned
    labels = np.array(labels)
    namer = _name(texts, labels)
    used = [t for name in namer.names_.values() for t in name]
    assert len(used) == len(set(used))
    for c, name in namer.names_.items():
        assert 1 <= len(name) <= 3
        for term in name:
            assert any(term in clean[i] for i in np.flatnonzero(labels == c)), (term, c)


def test_the_problem_phrase_names_a_problem_not_a_situation():
    """A phrase frequent in a theme that names no problem (「一到夏天」, a season; 「孩子上网」, a
    situation) or that is cut before what it describes (「冬天冷得」) is never part of a name; a phrase
    that names a problem (「外机漏水」) is, even when rarer."""
    words = [["空调", "夏天"]] * 6 + [["空调", "师傅"]] * 4 + [["酒店", "房间"]] * 5
    phrases = ([["一到夏天", "外机漏水"]] * 3 + [["一到夏天", "热得"]] * 3 + [["孩子上网", "冬天冷得"]] * 4
               + [["隔音太差"]] * 3 + [["早餐很丰富"]] * 2)
    names = PhraseNamer().fit(words, phrases, [0] * 10 + [1] * 5).names_
    assert "外机漏水" in names[0] and not {"一到夏天", "孩子上网", "冬天冷得"} & set(names[0]), names[0]
    assert "隔音太差" in names[1] and "早餐很丰富" not in names[1], names[1]
