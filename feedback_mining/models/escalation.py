"""Escalation risk and customer demands, read from the complaint text.

>>> escalation_risk("再不处理我就去12315投诉，还要发抖音曝光你们")
('high', ['12315', '发抖音', '曝光'])
>>> escalation_risk("不想曝光，只想解决问题")[0]
'watch'
>>> customer_demands("要求退款并道歉")
['refund', 'apology']
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..text.batch import JoinedTexts, LiteralGate
from ..text.normalize import as_normalized

__all__ = [
    "ESCALATION_LEVELS",
    "DEMANDS",
    "escalation_risk",
    "customer_demands",
    "annotate",
]

ESCALATION_LEVELS = ("none", "watch", "high")

_STAFF_WORDS = "员工|人员|服务员|骑手|师傅|顾问|客服|快递员|保安|导游|前台|经理|销售|管家|技师|小哥|司机|工作人员|柜员|业务员"

# (category, pattern). A match that is not negated makes the complaint "high".
_HIGH = [
    ("media", r"曝光|公开\S{0,4}经过|(找|联系|请|叫|告诉|爆料给?|打给)\S{0,4}(媒体|记者|电视台|报社|新闻)|(媒体|记者|电视台)\S{0,2}(来|曝光|报道|采访)|上(新闻|电视)|315晚会|3\.15晚会"),
    ("regulator", r"(12315|12345|12301|12328|12321|12378|12363)(?<![\dA-Za-z·]\d{5})(?!\d)|10010投诉|消委会|消委|市场监(督)?管|消协|消费者协会|消保委|工商(?!银行)(局|部门|所)?|银保监|金融监管|银监|证监会|金管会|金融消费者权益|人民银行|工信部|通信管理局|住建(局|委|部门)|房管局|旅游局|文旅局|监管部门|有关部门|信访"),
    ("legal", r"律师|起诉|诉讼|打官司|法院|仲裁|法律途径|走法律|诉诸法律|法律程序|律师函|(要|去|已经|会|马上|我)报警|报了警|110(?<![\d.]110)(?![\dkKvV])"),
    ("social", r"(发|挂|晒|曝|贴|放|传|写)(到|在|上)?\S{0,2}(微博|抖音|小红书|朋友圈|网上|知乎|头条|黑猫|网络|贴吧|论坛|快手|B站)|(微博|抖音|小红书|朋友圈|知乎|黑猫投诉|快手)\S{0,3}(曝光|发帖|说说|评评理|让大家)|网上发帖|发帖|黑猫投诉|避雷帖|发全网|全网曝|让(大家|网友|全网)(看看|评评|知道)|(网上|小红书|抖音|微博|朋友圈|facebook|Facebook|全网)\S{0,3}发了|视频\S{0,4}发出来|拍了?\S{0,2}抖音"),
    ("collective", r"集体维权|集体投诉|联名|一起维权|一起投诉|拉横幅|业主(们)?(一起|联合|集体)|维权群|组织(大家|业主|车主)|联合\S{0,10}(投诉|维权)|一起(去)?\S{0,8}维权|(车主|业主|买家|会员)(群|们)\S{0,10}(维权|投诉)"),
    ("safety", r"自燃|刹车失灵|刹不住|安全隐患|漏电|触电|带电|麻手|(燃气|煤气|天然气)(泄(漏|露)|味)|食物中毒|中毒|差点(出(事|车祸)|撞|追尾)|出了?车祸|起火(?<!没起火)|着火(?<!没着火)|冒烟(?<!嗓子冒烟)|失控|断轴|爆胎|坠落|砸到|砸伤|住院|进了?医院|医院|送医|急诊|挂水|烫伤|烫红|摔伤|安全气囊|高速\S{0,4}熄火|被困|困在电梯|上吐下泻|呕吐|甲醛超标|出(了)?事谁负责|拿\S{0,6}命"),
]
# Matches that make a complaint "watch": repeated contact, long non-response, vague threats.
_WATCH = [
    ("repeat", r"第[二三四五六七八九十两几\d]+次|多次|反复|好几次|几次三番|无数次|一次又一次|一直没人|没人管|没人理|石沉大海|拖了|一拖再拖|至今|迟迟|再次投诉|又一次|三番五次"),
    ("threat", r"没完|别逼我|走着瞧|后果自负|闹大|不会善罢甘休|奉陪到底|维权到底|维权"),
]
_NEGATION = re.compile(r"(不想|(?<!会)不会|没打算|不打算|不是要|不是想|不是非要|不是我想|不是我们要|没说要|没想|不愿意?|不至于|并不想|没有要|无意|没必要|不必|不用|不准备|暂时不|也不去|不去|不找)[^，。！？；,.!?;]{0,6}$")
_CONTRAST_AFTER = re.compile(r"但|可是|可|现在|只能|只好|逼得|逼我|不得不")
# Literals every match of a category contains: rows without one are not scanned with the full pattern.
_ANCHORS = {
    "media": "曝光|公开|媒体|记者|电视台|上电视|报社|新闻|晚会",
    "regulator": "123|10010|消委|市场监|消协|消费者协会|消保委|工商|银保监|金融监管|银监|证监会|金管会|金融消费者|人民银行|工信部"
                 "|通信管理局|住建|房管局|旅游局|文旅局|监管部门|有关部门|信访",
    "legal": "律师|起诉|诉讼|官司|法院|仲裁|法律|报警|报了警|110",
    "social": "微博|抖音|小红书|朋友圈|网上|知乎|头条|黑猫|网络|贴吧|论坛|快手|B站|发帖|全网|让大家|让网友|acebook|发出来",
    "collective": "集体|联名|维权|投诉|横幅|业主|组织|联合",
    "safety": "自燃|刹车失灵|刹不住|安全隐患|漏电|触电|带电|麻手|燃气|煤气|天然气|中毒|差点|车祸|起火|着火|冒烟|失控|断轴|爆胎|坠落"
              "|砸到|砸伤|住院|医院|送医|急诊|挂水|烫伤|烫红|摔伤|安全气囊|熄火|被困|困在电梯|上吐下泻|呕吐|甲醛超标|谁负责|命",
}
_HIGH_RE = [(cat, re.compile(p)) for cat, p in _HIGH]
_WATCH_RE = [(cat, re.compile(p)) for cat, p in _WATCH]
_NOT_SAFETY = re.compile(r"(没有|不存在|无)\S{0,2}安全隐患")


def _negated(text: str, start: int, lo: int = 0, hi: int | None = None) -> bool:
    """Is the phrase at ``start`` negated (「不想曝光」)? ``lo``/``hi`` bound the complaint within ``text``."""
    window = max(lo, start - 12)
    m = _NEGATION.search(text[window:start])
    if not m:
        return False
    phrase_start = window + m.start()
    # 「本来不想曝光，但现在只能…」: the negation is taken back by what follows.
    if text[max(lo, phrase_start - 2):phrase_start] in ("本来", "原本", "原来") or text[max(lo, phrase_start - 1):phrase_start] == "本":
        return not _CONTRAST_AFTER.search(text, start, len(text) if hi is None else hi)
    return True


def _matches(texts: JoinedTexts, rx: re.Pattern, candidates: dict | None, key: str):
    """Matches of ``rx``: only in the rows :data:`_GATE` passed for ``key``, or (no candidates) over the batch."""
    return texts.finditer(rx) if candidates is None else texts.finditer_rows(rx, candidates[key])


def _risks(texts: JoinedTexts, candidates: dict | None = None) -> tuple[list[str], list[list[str]]]:
    """Risk level and evidence phrases for every complaint of a batch (one regex pass per
    category, or only over the ``candidates`` rows of each category)."""
    text, starts, ends = texts.text, texts.starts.tolist(), texts.ends.tolist()
    high: dict[int, list[str]] = {}
    watch: dict[int, list[str]] = {}
    for cat, rx in _HIGH_RE:
        for row, m in _matches(texts, rx, candidates, cat):
            lo, at = starts[row], m.start()
            if cat == "safety" and _NOT_SAFETY.search(text[max(lo, at - 4):m.end()]):
                continue
            (watch if _negated(text, at, lo, ends[row]) else high).setdefault(row, []).append(m.group(0))
    for cat, rx in _WATCH_RE:
        for row, m in _matches(texts, rx, candidates, cat):
            if row not in high:
                watch.setdefault(row, []).append(m.group(0))
    levels, reasons = ["none"] * texts.n_rows, [[] for _ in range(texts.n_rows)]
    for level, found in (("watch", watch), ("high", high)):
        for row, phrases in found.items():
            levels[row], reasons[row] = level, list(dict.fromkeys(phrases))
    return levels, reasons


def escalation_risk(text: object) -> tuple[str, list[str]]:
    """Risk level (none/watch/high) and the evidence phrases that set it."""
    texts = as_normalized([text])
    if not texts[0]:
        return "none", []
    levels, reasons = _risks(JoinedTexts(texts))
    return levels[0], reasons[0]


DEMANDS = {
    "refund": ("退款", "refund"),
    "repair": ("维修", "repair"),
    "replacement": ("换货/换车", "replacement"),
    "compensation": ("赔偿", "compensation"),
    "apology": ("道歉", "apology"),
    "explanation": ("解释/说法", "explanation"),
    "staff_action": ("投诉处理人员", "staff action"),
    "other": ("其他", "other"),
}
_STAFF = rf"({_STAFF_WORDS})"
_DEMAND_RE = {
    "refund": re.compile(r"退款|退钱|退费|退货|退还|返还|全额退|退回|退押金|退订|把钱退|钱退|退我|退给我|退差价|退一部分|不退"),
    "repair": re.compile(r"维修|修好|修理|检修|修一下|返修|上门修|抢修|修复|来修|给修|修了|处理好故障|重新安装|重新装"),
    "replacement": re.compile(r"换货|换车|换一台|换一辆|换新|换个新|换一个新|调换|换房|换一部|换一件|重新发|补发|重发|换一份|重做"),
    "compensation": re.compile(r"赔偿|补偿|赔钱|赔付|索赔|赔我|违约金|三倍|十倍|假一赔|退一赔|损失|精神损失|误工费"),
    "apology": re.compile(r"道歉|赔礼|致歉|认错|说声对不起|说对不起"),
    "explanation": re.compile(r"说法|解释|交代|说清楚|讲清楚|给个答复|书面答复|答复|回应|给个理由|合理的理由"),
    "staff_action": re.compile(rf"(处理|处分|开除|辞退|处罚|追责|严肃处理|批评|教育|投诉)(一下)?(这个|那个|该|这位|那位|这名|你们的?)?\S{{0,3}}{_STAFF}|{_STAFF}\S{{0,4}}(开除|辞退|处分|处罚|追责|严肃处理)|换(个|一个|位)?\S{{0,2}}{_STAFF}"),
}
_DEMAND_ANCHORS = {"staff_action": _STAFF_WORDS}  # as _ANCHORS: every match holds a staff word
_WATCH_ANCHORS = {"repeat": "次|反复|没人|石沉大海|拖了|一拖再拖|至今|迟迟"}  # 第三次, 多次, 三番五次 …


def _gate() -> tuple[list[str], LiteralGate]:
    """Per risk category and demand, the literals each of its matches contains, as one gate: a
    complaint is scanned only for the categories it may match (most complaints: none)."""
    groups = {cat: _ANCHORS[cat] for cat, _ in _HIGH}
    groups.update({cat: _WATCH_ANCHORS.get(cat, p) for cat, p in _WATCH})
    groups.update({code: _DEMAND_ANCHORS.get(code, rx.pattern) for code, rx in _DEMAND_RE.items()})
    if any(re.search(r"[\\\[\](){}.*+?^$]", w) for words in groups.values() for w in words.split("|")):  # pragma: no cover
        raise AssertionError("a risk/demand pattern that is not a plain alternation needs literal anchors")
    return list(groups), LiteralGate([words.split("|") for words in groups.values()])


_DEMAND_NEGATION = re.compile(r"(不要|不需要|不用|不图|不稀罕|不是为了|不在乎|不求)[^，。！？；,.!?;]{0,4}$")


def _demands(texts: JoinedTexts, candidates: dict | None = None) -> list[list[str]]:
    """Demand codes of every complaint of a batch; ``['other']`` where nothing is named."""
    text, starts = texts.text, texts.starts.tolist()
    found: dict[str, set[int]] = {}
    for code, rx in _DEMAND_RE.items():
        rows = found[code] = set()
        for row, m in _matches(texts, rx, candidates, code):
            at = m.start()
            if row not in rows and not _DEMAND_NEGATION.search(text[max(starts[row], at - 8):at]):
                rows.add(row)
    demands: list[list[str]] = [[] for _ in range(texts.n_rows)]
    for code, rows in found.items():  # codes in DEMANDS order
        for row in rows:
            demands[row].append(code)
    return [codes or ["other"] for codes in demands]


_GATE_KEYS, _GATE = _gate()


def customer_demands(text: object) -> list[str]:
    """What the customer asks for (multi-label, codes of :data:`DEMANDS`); ``['other']`` if nothing named."""
    return _demands(JoinedTexts(as_normalized([text])))[0]


def annotate(texts) -> pd.DataFrame:
    """``escalation_risk``, ``escalation_reasons`` and ``customer_demand`` columns for many texts."""
    texts = as_normalized(texts)
    batch = JoinedTexts(texts)
    gate = _GATE.rows(batch)  # rows × category: most complaints may match none
    candidates = {key: np.flatnonzero(gate[:, g]) for g, key in enumerate(_GATE_KEYS)}
    levels, why = _risks(batch, candidates)
    reasons = ["|".join(r) for r in why]
    demands = ["|".join(d) if t else "" for t, d in zip(texts, _demands(batch, candidates))]
    return pd.DataFrame({"escalation_risk": levels, "escalation_reasons": reasons, "customer_demand": demands})
