"""Escalation risk and customer demands, read from the complaint text.

>>> escalation_risk("再不处理我就去12315投诉，还要发抖音曝光你们")
('high', ['12315', '发抖音', '曝光'])
>>> escalation_risk("本来打算去消协，后来商家处理了就算了")
('watch', ['消协（已作罢）'])
>>> customer_demands("请尽快安排师傅上门，再给个说法")
['repair', 'explanation']
>>> customer_demands("赔偿就不必了，道个歉就行")
['apology']

Risk reads intent: a mention that is negated (「不想曝光」), hypothetical (「本来打算去消协」
「换了别人早就曝光了」), withdrawn (「…后来算了」), only advised by others (「有人劝我起诉，暂时不
考虑」) or about the past elsewhere (「上次在别的店闹到媒体」) makes a complaint ``watch``; a
present threat or act stays ``high``. The evidence keeps the reason in brackets (``消协（设想）``).
Demands read how people ask (「安排师傅上门」 is repair, 「给个说法」 explanation, 「换一台」
replacement), skip what is declined (「不要赔偿」「道歉就算了」) or only told as past or promised
(「退款已经到账」「客服说会有人上门」), and are ``other`` only when nothing is asked.
"""
from __future__ import annotations

import re

import numpy as np

try:  # the regex parser and compiler (internal modules: renamed in Python 3.11)
    from re import _compiler as _Comp, _constants as _C, _parser as _P
except ImportError:  # pragma: no cover - Python 3.10
    import sre_compile as _Comp
    import sre_constants as _C
    import sre_parse as _P
import pandas as pd

from ..text.batch import JoinedTexts, LiteralGate, trie_pattern
from ..text.normalize import as_normalized

__all__ = [
    "ESCALATION_LEVELS",
    "DEMANDS",
    "INTENT_LABELS",
    "RISK_CATEGORIES",
    "escalation_risk",
    "describe_evidence",
    "evidence_categories",
    "customer_demands",
    "annotate",
]

ESCALATION_LEVELS = ("none", "watch", "high")

_STAFF_WORDS = ("员工|人员|服务员|骑手|师傅|顾问|客服|快递员|保安|导游|前台|经理|销售|管家|技师|小哥|司机|工作人员|柜员|业务员"
                "|营业员|专员|领班|店员|配送员|收银员|保洁|电工|评估师|催收员|主播|接线员|地接|理赔员|安检员|抄表员|乘务员|空乘|安装工|维修工|代理人|老师|教练|医生|护士")

# (category, pattern). A present, un-negated match makes the complaint "high".
_HIGH = [
    ("media", r"曝光|公开\S{0,4}经过|(找|联系|联络|请|叫|告诉|爆料给?|打给|报给|交给|发给|寄给|@了?)\S{0,4}(媒体|记者|电视台|报社|新闻)|(媒体|记者|电视台)\S{0,8}(来|曝光|报道|采访)|闹到\S{0,3}(媒体|记者|电视台)|(?<!晚)上(新闻|电视)|315晚会|3\.15晚会"),
    ("regulator", r"(12315|12345|12301|12328|12321|12378|12363|12300)(?<![\dA-Za-z·]\d{5})(?!\d)|10010投诉|消委会|消委|消费者委员会|市场监(督)?管|消协|消费者协会|消保委|工商(?!银行|户)(局|部门|所)?|银保监|金融监管|银监|证监会|金管会|金融消费者权益|人民银行|工信部|工业和信息化部|通信管理局|卫健委|卫生健康委|纪检|纪委|邮政管理局|交通运输(局|部门)|金融监督管理|消费者权益保护委员会|住建(局|委|部门)|房管局|旅游局|文旅局|民航局|监管部门|有关部门|信访"),
    ("legal", r"(?<!我是)(?<!是名)(?<!做)(?<!公司)律师(?!费|事务所\S{0,2}(上班|工作|实习))|起诉|诉讼|打(过|了)?官司|法院(?!附近|旁边|对面|隔壁|门口|边上|家属|宿舍|路|站|小区)|仲裁|法律途径|走法律|诉诸法律|法律程序|律师函|(?<=[要去会我算备经想已])报警|追究\S{0,6}法律责任|做了?笔录|早就报警|马上报警|报了警|(已经|去|要|我|已|派出所|公安局?)报(了)?案(?!号|后保险|后理赔)|(打|拨|叫|报|找)(了|过)?(个)?110(?!\d)|(?<![\d.])110(?![\dkKvV])(?=\S{0,3}(来|出警|民警|警察|到场|介入))"),
    ("social", r"(发|挂|晒|曝|贴|放|传|写)(到|在|上)?\S{0,2}(微博|抖音|小红书|朋友圈|网上|知乎|头条|黑猫|网络|贴吧|论坛|快手|B站|Threads)(?!办|申请|预约|查|缴|买|操作|下单|报名)|(微博|抖音|小红书|朋友圈|知乎|黑猫投诉|快手)\S{0,3}(曝光|发帖|说说|评评理|让大家)|(微博|抖音|小红书|网上)\S{0,3}@|网上发帖|发帖|黑猫投诉|避雷(帖|视频)|发全网|全网曝|让(大家|网友|全网)(看看|评评|知道)|(网上|小红书|抖音|微博|朋友圈|facebook|Facebook|全网)\S{0,3}发了|视频\S{0,4}发出来|视频已发|拍了?\S{0,2}抖音|(去|到|在)网上(说|讲|乱说|吐槽|骂|发)|(大家|帮忙)转发|(就|准备|要|会|马上|明天|今晚|全)\S{0,3}(发|挂)出来|[Pp][Oo]\s?(到|上|在)|黑猫(?!警长)|发文(?!字|档|件)|(抖音|快手|视频号|网上)\S{0,3}直播(?!间|带货|购物|卡|画面|回放)|直播你们|(大家|各位|网友们)(看看|评评理)|(微博|抖音|小红书|网上)\S{0,3}发\S{0,2}(视频|帖|文|一篇)|@\S{0,10}官方"),
    ("collective", r"集体维权|集体投诉|联名|一起维权|一起投诉|拉横幅|业主(们)?(一起|联合|集体)|维权群|组织(大家|业主|车主)|联合\S{0,10}(投诉|维权)|一起(去)?\S{0,8}维权|(车主|业主|买家|会员)(群|们)\S{0,10}(维权|投诉)|集体(去|找)|(业主|车主|家长|住户|居民|老人|网友|团友|同事|邻居|买家|会员|学员)(们|群)?[^，。！？；,.!?;劝议叫]{0,12}(一起|统一|集体|联合)(去|找|投诉|维权|举报)"),
    ("safety", r"自燃|刹车失灵|刹不住|刹车\S{0,6}(发软|变软|踩不动|没反应|硬得|气压不足|踩到底)|(输|打|用|拿|开)错(了)?(液|药|针)|(燃气|煤气|天然气)\S{0,12}(漏|一股)|(燃气|煤气|天然气)[^。！？!?]{0,16}(一股气味|一直有味|有气味)|电梯\S{0,6}困(人|住)|失去动力|动力(中断|丢失)|踩油门没反应|黑烟|安全隐患|隐患(极大|很大)|(多|太|很|非常|极其|十分|特别)危险|漏电|触电|(?<!宽)带电(?!视|作业|机)|麻手|冒火花|(燃气|煤气|天然气)(泄(漏|露)|味)|食物中毒|中毒|(差点|险些|差一点)(出(大)?(事|车祸)|撞|追尾|被(撞|砸|烫|电|夹|压|烧|咬|卷|碾|刮|割|扎|追尾|吞|挤到|车|困|淹))|一条命|困了\S{0,3}(半|一|两|几|十)|出了?车祸|起火(?<!没起火)|(?<![不没吃])着火(?!锅)|烧焦|点着|烧起来|冒烟(?<!嗓子冒烟)(?<!辣得冒烟)|失控|断轴|爆胎|坠落|砸到|砸伤|住院|(去|送|进|到|在|住|跑)了?(趟|次)?\S{0,4}医院(?!附近|旁边|对面|门口|后门|停车|家属|宿舍)|医院(检查|诊断|看病|拍片|治疗)|送医|急诊|(?<!容易)(?<!不)挂水|烫伤|烫红|烫(得|出)\S{0,6}泡|摔伤|安全气囊|高速\S{0,4}熄火|被困|困在电梯|上吐下泻|呕吐|拉了\S{0,4}肚子|腹泻|甲醛超标|出(了)?事谁负责|拿\S{0,6}命|(要|出)人命|电死"),
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
                 "|和信息化|卫健委|生健康委|纪检|纪委|政管理局|通运输|融监督|益保护委|通信管理局|住建|房管局|旅游局|文旅局|民航局|监管部门|有关部门|信访",
    "legal": "法律责任|笔录|律师|起诉|诉讼|官司|打过|打了|法院|仲裁|法律|报警|报了|报案|110",
    "social": "微博|抖音|小红书|朋友圈|网上|知乎|头条|黑猫|网络|贴吧|论坛|快手|B站|Threads|发帖|全网|让大家|让网友|acebook|发出来"
              "|视频已发|避雷|转发|发文|大家|各位看|各位评|网友们看|网友们评|@|直播|发出来|挂出来|PO|Po|pO|po",
    "collective": "集体|联名|维权|投诉|横幅|业主|组织|联合|起去|起找|起举|一去|一找|一举",
    "safety": "自燃|刹车|刹不住|安全隐患|漏电|触电|带电|麻手|冒火花|燃气|煤气|天然气|中毒|差点|车祸|起火|着火|冒烟|失控|断轴|爆胎|坠落"
              "|砸到|砸伤|住院|医院|送医|急诊|挂水|烫|摔伤|安全气囊|熄火|被困|困在电梯|上吐下泻|呕吐|拉|腹泻|甲醛超标|谁负责|命|电死|隐患|危险|困了|困人|困住|失去动力|动力中|动力丢|踩油门|黑烟|烧起来|烧焦|点着|险些|输错|打错|用错|拿错|开错",
}


def _literal_first(items: list, state, depth: int = 0) -> list | None:
    """Alternatives equivalent to the regex items ``items`` that each start with one literal
    character, or None when that needs more than groups, classes, optional groups and fixed-width
    lookbehinds to unfold."""
    if not items:
        return None
    op, av = items[0]
    rest = items[1:]
    if op is _C.LITERAL:
        return [items]
    if depth > 6:
        return None
    if op is _C.SUBPATTERN and not av[1] and not av[2]:
        return _literal_first(list(av[3].data) + rest, state, depth + 1)
    if op is _C.BRANCH or op is _C.IN:
        subs = [list(alt.data) for alt in av[1]] if op is _C.BRANCH else [[x] for x in av]
        out: list = []
        for sub in subs:
            found = _literal_first(sub + rest, state, depth + 1)
            if found is None:
                return None
            out += found
        return out
    if op is _C.MAX_REPEAT and av[0] == 0 and av[1] == 1:  # an optional group: with it, then without
        with_it, without = _literal_first(list(av[2].data) + rest, state, depth + 1), _literal_first(rest, state, depth + 1)
        return None if with_it is None or without is None else with_it + without
    if op in (_C.ASSERT, _C.ASSERT_NOT) and av[0] == -1:  # (?<!不)要 ≡ 要(?<!不要)
        found = _literal_first(rest, state, depth + 1)
        if found is None:
            return None
        return [[alt[0], (op, (-1, _P.SubPattern(state, list(av[1].data) + [alt[0]])))] + alt[1:] for alt in found]
    return None


def unfolded(pattern: str) -> re.Pattern:
    """``re.compile(pattern)``, unfolded into alternatives that each start with a literal character
    when possible: the regex engine then skips every position whose character starts none of
    them (several times faster on these cue lists). Same matches; plain compile as a fallback."""
    try:
        parsed = _P.parse(pattern)
        top = parsed.data
        alts = [list(a.data) for a in top[0][1][1]] if len(top) == 1 and top[0][0] is _C.BRANCH else [list(top)]
        unfolded = [x for alt in alts for x in (_literal_first(alt, parsed.state) or [None])]
        if any(x is None for x in unfolded):
            return re.compile(pattern)
        branch = _P.SubPattern(parsed.state, [(_C.BRANCH, (None, [_P.SubPattern(parsed.state, x) for x in unfolded]))])
        return _Comp.compile(branch, 0)
    except Exception:  # pragma: no cover - the parser's internals differ in another Python
        return re.compile(pattern)


#: Batches of at least this many complaints scan with the unfolded cue patterns: unfolding all of
#: them costs ~0.08 s once and saves ~20 µs a complaint, so a one-row ``classify`` skips it.
UNFOLD_ROWS = 2_000
_UNFOLDED: dict[str, re.Pattern] = {}


def _compile(pattern: str) -> re.Pattern:
    """A cue pattern compiled as written (cheap: 15 of them take ~0.02 s); batches of
    :data:`UNFOLD_ROWS` or more scan with :func:`unfolded` instead (see :func:`_matches`)."""
    return re.compile(pattern)


_HIGH_RE = [(cat, _compile(p)) for cat, p in _HIGH]
_WATCH_RE = [(cat, _compile(p)) for cat, p in _WATCH]
_NOT_SAFETY = re.compile(r"(没有|不存在|无)\S{0,2}安全隐患")
#: A hospital named where the hospital or an insurer is the service complained about (a ward, a
#: claim, a referral) is the setting, not harm the service caused: 「我母亲在县医院住院，医保异地备案
#: 办不下来」. Harm stories keep their own cues (中毒、上吐下泻、摔伤、车祸 …), which stay high.
_CARE_MATCH = re.compile(r"医院|住院|急诊|挂水|送医")
#: A hospital, a ward or an emergency room counts as harm only when the complaint says what was
#: done to someone (「上吐下泻…在医院挂水」「被烫起水泡，送医院」); otherwise it is where the
#: service happened (「儿科夜间急诊等了三个多小时」「陪我妈住院一周」) or a pet's vet.
_HARM = re.compile(r"过敏|中毒|吐|腹泻|拉肚子|拉稀|肠胃炎|烫(伤|起|出|红|到)|水泡|摔(伤|倒|断|骨折|下|了一跤|了?一跤|跤)|受伤|伤(口|到|了)|流血|出血|渗血|骨折|缝\S?针|扎(进|伤|破|到)"
                   r"|划(伤|破)|割(伤|破)|咬(伤|了)|砸(伤|到)|撞(伤|到)|电(到|麻|伤)|触电|验伤|打人|被打|动手|推了|抢救|误诊|输错|心梗|呼吸困难"
                   r"|休克|晕倒|昏迷|窒息|呛|噎|异物|铁丝|玻璃|变质|车祸|吃了|喝了|吃完|喝完")
_PET = re.compile(r"宠物|猫|狗|泰迪")
_CARE_SETTING = re.compile(r"贵院|本院|我院|医保|报销|理赔|投保|保单|保险|挂号|转诊|门诊|科室|主治|病房|护工|床位|押金|结算|化疗|放疗")

# --- intent: is a media/regulator/legal/social/collective mention a present threat? ------------
#: Reasons a mention is not a present threat, as they appear in the evidence (「消协（设想）」).
INTENT_LABELS = {"negated": "否定", "hypothetical": "设想", "withdrawn": "已作罢", "advised": "他人建议", "past": "过去/别处"}
_SENTENCE_END = re.compile(r"[。!?;…\n]")
#: Before the mention, in its sentence: a counterfactual or unrealised plan, someone else's advice,
#: or the past somewhere else (each group names the reason).
_INTENT_BEFORE = re.compile(
    r"(?P<hypothetical>(要是|如果|假如|万一)真|可能|也许|或许|本来|(?<!原)原本(?!本)|原来(想|打算|准备)|本想|原想|原打算|差点|差一点|险些|要是放在|放在以前|要不是|如果是别人|要是别人|换(了|作|成|做)?\S{0,2}(别人|别的人|其他人|谁|同事|朋友)"
    r"|考虑过|想过|念头|犹豫)"
    r"|(?P<advised>(街道|社区|物业|客服|窗口|店里|店家|商家|平台|银行|开发商|工作人员|对方|保险公司|厂家|老板|经理|网点|学校|中介|房东)(就|只|还|都|也|又|再)?(让|叫|建议)(我|我们)"
    r"|(有人|有些人|有(业主|车主|家长|网友|邻居)|朋友|同事|家人|家里人|老公|老婆|爱人|媳妇|妹妹|姐姐|哥哥|弟弟|爸爸|妈妈|我爸|我妈|父母|儿子|女儿|孩子|网友|亲戚|邻居|大家|旁人|别人|同学|领导|律师朋友|身边的人)(都|也|一直|还)?"
    r"(劝|建议|说|让|叫|提醒|出主意|怂恿))"
    r"|(?P<past>(上次|上回|以前|之前|去年|前年|那次|曾经|当年|早年)\S{0,10}(别的|别家|另一家|另外一家|另一个|另外一个|其他|老家|外地|上一家|原来的)"
    r"|(在|去|跟|和)(别的|别家|另一家|另外一家|其他)\S{0,6}(店|家|平台|商家|品牌|银行|酒店|公司|4S店|物业|小区))")
#: Between that marker and the mention: the plan is back on (「本来不想闹大，但你们逼我的，明天就找媒体」).
_TAKEN_BACK = re.compile(r"但(是)?(现在|这次|今天|你们|我)|可是(现在|这次)|现在(只能|必须|决定|就|我就)|改主意|忍无可忍|逼(得|我)|不得不|只好|只能"
                         r"|(我|我们)已经|马上|立刻|明天就|今天就|这就|现在就")
#: After the mention, in its sentence: it was dropped (「…后来商家处理了就算了」「…被我拦下了」).
_WITHDRAWN_AFTER = re.compile(r"算了|打消|(最后|后来|还是|终究)\S{0,3}没(?!人|解决|结果|回复|用|有(人|结果|回复|解决|下文))|被\S{0,4}(拦|劝)(下|住)|没(参与|参加|跟着)|暂(时)?(不|没)(考虑|打算|去|想)|放弃|撤(回|销)了?"
                              r"|不了了之|没必要|不想(告|去|找|闹|搞)|再给你们一次机会|先(跟你们)?沟通|先看看|(不希望|不想|不愿|不愿意)(走|闹)到|没让|没同意|对谁都不好|没(这个|什么)必要")
#: Before the mention: something already done or about to be (「我已经…」「明天就…」) keeps it present.
#: After an advised or planned mention, in its sentence: the customer goes ahead (「朋友劝我去12315，我已经整理好了材料」).
_COMMITTED_AFTER = re.compile(r"(我|我们)已经|明天就|今天就|这周就|马上就|这就去|现在就")
_PRESENT = re.compile(r"已经|已|马上|立刻|明天|今天|现在就|这就|正在")
_CHANGED_MIND = re.compile(r"改主意|忍无可忍|(但|可)(是)?现在(只能|决定|就)|现在决定")
_INTENT_CATEGORIES = frozenset({"media", "regulator", "legal", "social", "collective"})


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


def _sentence(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """Offsets of the sentence around ``text[start:end]``, within the complaint ``[lo, hi)``."""
    before = [m.end() for m in _SENTENCE_END.finditer(text, lo, start)]
    after = _SENTENCE_END.search(text, end, hi)
    return (before[-1] if before else lo), (after.start() if after else hi)


def _not_present(text: str, start: int, end: int, lo: int, hi: int) -> str | None:
    """Why the mention ``text[start:end]`` is no present threat (a key of :data:`INTENT_LABELS`), or None."""
    if _negated(text, start, lo, hi):
        # 「之前说不会去12315，现在我改主意了」: the customer takes the negation back.
        return None if _CHANGED_MIND.search(text, end, hi) else "negated"
    s0, s1 = _sentence(text, start, end, lo, hi)
    marker = None
    for m in _INTENT_BEFORE.finditer(text, s0, start):
        marker = m
    if marker is not None and not _TAKEN_BACK.search(text, marker.end(), start) and not _COMMITTED_AFTER.search(text, end, s1):
        return marker.lastgroup
    if not _PRESENT.search(text, s0, start) and _WITHDRAWN_AFTER.search(text, end, s1):
        return "withdrawn"
    # The mention heads a clause that is itself a marker (「起诉的念头有过」「律师朋友说可以告」).
    tail = text[end:min(s1, end + 8)]
    if re.match(r"的?(念头|想法|打算)", tail):
        return "hypothetical"
    if re.match(r"(的)?朋友(说|建议|劝)", tail):
        return "advised"
    return None


#: After a regulator's name: it is quoted as a source, not threatened (「消协发布的测评」).
_AS_SOURCE = re.compile(r"的?(发布|公布|测评|推荐|认证|评测|数据)")
#: Before a name: someone pretends to be it (「催收冒充法院发律师函」), no one threatens with it.
_IMPERSONATED = re.compile(r"(冒充|假冒|假扮|自称|伪装成)[^，。！？；,.!?;]{0,6}$")
#: After a regulator's name: it acts in a procedure the customer describes (「住建部门让我们自己协调」
#: 「报街道和住建局审批」) — a threat only if the customer names an act of their own before it in the
#: clause (「打了12315，说会转交」) or it is a complaint desk, which answers only when contacted.
_AS_ACTOR = re.compile(r"[^，。！？；,.!?;]{0,3}?(又|也|还|就)?(说|让|要求|称|表示|回复|答复|认为|审批|审核|通知)")
_OWN_ACT, _COMPLAINT_DESK = re.compile(r"打了|打过|投诉|举报|反映|找了|找过|去了|向|报了|已经|已|联系|拨打|致电"), re.compile(r"\d|消协|消委|消保|市场监|消费者|信访")


def _elsewhere(text: str, start: int, end: int, lo: int, hi: int) -> bool:
    """Is the mention about the past somewhere else (「去年在另一家店…」)?"""
    s0, _ = _sentence(text, start, end, lo, hi)
    return any(m.lastgroup == "past" for m in _INTENT_BEFORE.finditer(text, s0, start))


def _acting(text: str, start: int, end: int, lo: int, hi: int) -> bool:
    """Is the regulator at ``text[start:end]`` an actor in the procedure told, not the customer's threat?"""
    if _COMPLAINT_DESK.search(text, start, end) or not _AS_ACTOR.match(text, end, hi):
        return False  # 「12315说会督促」: a complaint desk that answers was contacted
    clause = re.split(r"[，,；;]", text[_sentence(text, start, end, lo, hi)[0]:start])[-1]
    return not _OWN_ACT.search(clause)


def _matches(texts: JoinedTexts, rx: re.Pattern, candidates: dict | None, key: str):
    """Matches of ``rx``: only in the rows :data:`_GATE` passed for ``key``, or (no candidates) over the batch."""
    if texts.n_rows >= UNFOLD_ROWS:
        if rx.pattern not in _UNFOLDED:
            _UNFOLDED[rx.pattern] = unfolded(rx.pattern)
        rx = _UNFOLDED[rx.pattern]
    return texts.finditer(rx) if candidates is None else texts.finditer_rows(rx, candidates[key])


def _risks(texts: JoinedTexts, candidates: dict | None = None) -> tuple[list[str], list[list[str]]]:
    """Risk level and evidence phrases for every complaint of a batch (one regex pass per
    category, or only over the ``candidates`` rows of each category)."""
    text, starts, ends = texts.text, texts.starts.tolist(), texts.ends.tolist()
    high: dict[int, list[str]] = {}
    watch: dict[int, list[str]] = {}
    for cat, rx in _HIGH_RE:
        for row, m in _matches(texts, rx, candidates, cat):
            lo, hi, at = starts[row], ends[row], m.start()
            if cat == "safety":
                if _NOT_SAFETY.search(text[max(lo, at - 4):m.end()]):
                    continue
                if _CARE_MATCH.search(m.group(0)) and (_CARE_SETTING.search(text, lo, hi) or not _HARM.search(text, lo, hi)
                                                       or _PET.search(text, lo, hi)):
                    continue
                if _negated(text, at, lo, hi):
                    watch.setdefault(row, []).append(m.group(0))
                elif _elsewhere(text, at, m.end(), lo, hi):  # 「以前在老家那家店吃坏肚子进过医院」
                    watch.setdefault(row, []).append(f"{m.group(0)}（{INTENT_LABELS['past']}）")
                else:
                    high.setdefault(row, []).append(m.group(0))
                continue
            if cat == "regulator" and (_AS_SOURCE.match(text, m.end(), hi) or _acting(text, at, m.end(), lo, hi)):
                continue
            if _IMPERSONATED.search(text[max(lo, at - 10):at]):
                continue
            why = _not_present(text, at, m.end(), lo, hi) if cat in _INTENT_CATEGORIES else None
            if why is None:
                high.setdefault(row, []).append(m.group(0))
            else:
                watch.setdefault(row, []).append(f"{m.group(0)}（{INTENT_LABELS[why]}）")
    for cat, rx in _WATCH_RE:
        for row, m in _matches(texts, rx, candidates, cat):
            if row not in high:
                watch.setdefault(row, []).append(m.group(0))
    levels, reasons = ["none"] * texts.n_rows, [[] for _ in range(texts.n_rows)]
    for level, found in (("watch", watch), ("high", high)):
        for row, phrases in found.items():
            levels[row], reasons[row] = level, list(dict.fromkeys(phrases))
    return levels, reasons


#: Each risk category in Chinese, for evidence people read (「12315（监管部门）」).
RISK_CATEGORIES = {"media": "媒体", "regulator": "监管部门", "legal": "法律途径", "social": "网络曝光", "collective": "集体维权",
                   "safety": "安全隐患", "repeat": "多次反映", "threat": "情绪升级"}
_QUALIFIER = re.compile(r"（[^（）]*）$")


def _split_evidence(reasons: str | list[str]) -> list[tuple[str, str, str]]:
    """(phrase, category in Chinese, qualifier) for each evidence phrase."""
    out = []
    for phrase in (p for p in (reasons.split("|") if isinstance(reasons, str) else reasons) if p):
        qualifier = _QUALIFIER.search(phrase)
        bare = phrase[:qualifier.start()] if qualifier else phrase
        cat = next((RISK_CATEGORIES[c] for c, rx in _HIGH_RE + _WATCH_RE if rx.search(bare)), "")
        out.append((bare, cat, qualifier.group(0)[1:-1] if qualifier else ""))
    return out


def evidence_categories(reasons: str | list[str]) -> list[str]:
    """The Chinese risk categories named by ``escalation_reasons``, each once: 「监管部门」「媒体」."""
    return list(dict.fromkeys(cat for _, cat, _ in _split_evidence(reasons) if cat))


def describe_evidence(reasons: str | list[str]) -> str:
    """``escalation_reasons`` as Chinese a manager reads: each phrase with its category.

    >>> describe_evidence("12315|曝光")
    '12315（监管部门）、曝光（媒体）'
    >>> describe_evidence("消协（设想）")
    '消协（监管部门，设想）'
    """
    out = []
    for bare, cat, qualifier in _split_evidence(reasons):
        notes = [n for n in (cat, qualifier) if n]
        out.append(f"{bare}（{'，'.join(notes)}）" if notes else bare)
    return "、".join(out)


def escalation_risk(text: object) -> tuple[str, list[str]]:
    """Risk level (none/watch/high) and the evidence phrases that set it."""
    texts = as_normalized([text])
    if not texts[0]:
        return "none", []
    levels, reasons = _risks(JoinedTexts(texts))
    return levels[0], reasons[0]


# --- customer demands -------------------------------------------------------------------------
DEMANDS = {
    "refund": ("退款", "refund"),
    "repair": ("维修", "repair"),
    "replacement": ("换货/换车", "replacement"),
    "compensation": ("赔偿", "compensation"),
    "apology": ("道歉", "apology"),
    "explanation": ("解释/说法", "explanation"),
    "staff_action": ("处理责任人", "staff action"),
    "other": ("未提诉求", "other"),
}
_STAFF = f"(?:{trie_pattern(_STAFF_WORDS.split('|'))})"  # a prefix tree: one comparison per character
_WHO = r"(这个人|那个人|此人|这种人|该员工|这位|那位|这名|那名|这个|那个|他|她)"
_MONEY = r"(钱|款|费|块|元|押金|定金|订金|差价|年费|月费|房费|运费)"
_DEMAND_RE = {
    "refund": _compile(r"退款|退钱|退费|退货|退还|返还|全额退|(?<!被)退回(?!来了)|退押金|退定金|退订金|退订|把钱退|钱退|退我|退给我|退差价|退一部分|退一赔|退(?!的)[^\s,.。!?;:、]{0,4}(钱|款|费)(?!用|率)|(不|没|没有|拒)(给|予)?退(?![房出休群])|(?<![不没])(想|要)退(?![房出休群])|[Rr]efund"
                         r"|多收|多扣|扣了我|收了我|收我|被扣|重复扣|乱收|自动扣|直接扣|扣了两次"
                         rf"|(?<![不没])(必须|得|要|赶紧|马上|尽快|应该|给我)[^\s,.。!?;:、]{{0,3}}退(了|掉)?(?![房出休群订])|还钱|(要|拿)回[^\s,.。!?;:、]{{0,4}}(钱|款|押金|定金|订金)|{_MONEY}[^\s,.。!?;:、]{{0,3}}还给?我|还(给)?我[^\s,.。!?;:、]{{0,2}}{_MONEY}"),
    "repair": _compile(r"寄修|来人|(?<!次)(?<!自费)(?<!旁观)维修(?!款|费|记录|单|清单|工|师傅|人员|中心|站|点|厂|资金|基金|部|项目|技师|进度|后|时|报价|发票|事实|过|了|次|期间|的|方|史|合同|网点|商|服务|公司|店|价|完|三次|两次|四次|五次|多次)|修好|(?<!自)修理(?!厂|工|费|铺|店)|检修|修一下|返修|报修|上门(维修|修|检修)"
                         r"|(安排|派|请|尽快|赶紧|马上|需要|要求|麻烦|给我|能不能|希望|务必|立刻|今天|明天|约|预约)[^送\s]{0,6}上门(?!取|收|送|推销|催|执行|揽|堵|闹|自提)|抢修|修复|来修|给修|重新安装|重新装|重喷|返工"
                         r"|(?<!别再)(?<!不要再)(?<!不用再)(安排|派|约|叫|找)(个|一个|位|一位|名)?[^\s,.。!?;:、]{0,2}(师傅|技术员|工程师|维修工|人员|人(?=来|过来|上门|看|修|处理|疏通))(来|过来|上门|看|修|处理)?"
                         r"|(给我|赶紧|尽快|马上|帮我|得|要|必须|务必|彻底)[^\s,.。!?;:、]{0,3}修(?![改正订饰建养])|修(彻底|利索)|来看一眼|求\S{0,2}修(?![改正订饰建养])|(帮我|给我|赶紧|尽快|快点|马上|负责|得)[^\s,.。!?;:、]{0,3}(弄|搞|整|补)好|(要求|申请|请|麻烦|给我|帮我|需要)[^\s,.。!?;:、]{0,4}(检测|检查)(?!报告|结果|费|出)|(没|没有|不给)(人)?(来)?修(?![改正订饰建养])|(来|过来)(看看|看一下|检查)"),
    "replacement": _compile(r"换货|换车|(?<!以旧)(?<!卖了)换新(?!补贴|活动)|换个新|换一个新|调换|换房|换(个|一个|一间|间)房间|换(一|个|两)?(台|辆|部|件|双|份|只|张|套|条|箱|盒|把|块|批)(新的?)?"
                              r"|补发|补寄|补送|补(一|个)(杯|份|个|件|瓶|盒|袋)|重新发|重发|再发一|再(送|发|上)(一|个)|重做|重新做|重新上|再上一份|换门|换个?(配件|零件)"
                              r"|(给我|赶紧|帮我|要求|必须|不给|能不能|马上|尽快)[^\s,.。!?;:、]{0,3}换(?!了|个?人|别|回|个时间)"
                              rf"|把(?!(这个|那个|这位|那位)?({_STAFF_WORDS}))[^\s,.。!?;:、]{{1,10}}换(上|掉|成|回)"),
    "compensation": _compile(r"赔偿|补偿|赔钱|赔付|(?<!不予)(?<!不为)索赔(?!申请|额度|审核|流程|的?部门)|赔我|(支付|赔付|给付|赔|付|按合同)[^，。！？；,.!?;]{0,8}违约金|(赔|退一赔|假一赔)\S{0,2}(三|十)倍|(三|十)倍(赔|赔偿)|假一赔|退一赔|精神损失|误工费|(给我|给|你们|要|得|必须|帮|请)[^\s,.。!?;:、]{0,4}报销|报一下|补给我|给我补(?!发|办|签|录)|(?<!要我)(?<!让我)(?<!理)(?<!快)(?<!索)赔(?!礼|个?不是|罪|笑|款)"
                               r"|(损失|费用|医药费|医疗费|打车费|车费|修车钱|这个钱|这钱)[^\s,.。!?;:、]{0,8}(谁(来)?(出|负责|承担|补|赔|管)|你们[^\s,.。!?;:、]{0,4}(出|负责|承担|管)|(要|得|必须|应该)[^\s,.。!?;:、]{0,3}(出|承担|负责))"
                               r"|承担[^\s,.。!?;:、]{0,6}(损失|费用|责任)|由(你们|贵司|贵公司|店里|店家|商家|物业|平台|公司)[^\s,.。!?;:、]{0,4}(承担|负责|赔|出)|损失"),
    "apology": _compile(r"道(个|一个|声)?歉|赔礼|致歉|认错|说声?对不起|赔(个)?不是|赔罪|(没|没有|不)[^\s,.。!?;:、]{0,4}(对不起|抱歉|不好意思)|(对不起|抱歉|不好意思)[^\s,.。!?;:、]{0,3}(都没|也没|都不)"),
    "explanation": _compile(r"说法|(?<!不听)解释(?![权说道了])|交代|说清楚|讲清楚|(?<![这也只更正就])说明(?![书了])|答复|(请|给|尽快|书面|及时|正式|明确|合理|一个)[^\s,.。!?;:、]{0,3}(回复|回应)"
                              r"|回复(我|处理结果|处理意见|一下)|给(我)?(个|一个)?(准话|准信|结果|答案|期限)|准话|准日子|确切的?(时间|日期|答复)|怎么回事|什么意思|凭什么"
                              r"|什么时候(能|才|可以|给|有|办|退|修|交|解决)|何时|进度|查明|查清|调查清楚|请问|(想|要)知道(为什么|到底|怎么|凭什么|原因|什么时候|为啥)|(请|麻烦|能不能|能否|谁能|你们|务必|必须)\S{0,2}告诉我|告诉我(为什么|到底|怎么|凭什么|什么时候|原因)|想问问?|到底[^,。!;]{0,12}\?|正不正常|正常吗|是否正常|正常不正常"),
    "staff_action": _compile(rf"(处理|处分|开除|辞退|处罚|追责|严肃处理|批评|教育|投诉|追究|管管|核查|查一下)(一下)?(这个|那个|该|这位|那位|这名|你们的?)?[^\s,.。!?;:、]{{0,3}}{_STAFF}|投诉(一下)?(你们)?[^\s,.。!?;:、]{{1,10}}的{_STAFF}"
                               rf"|{_STAFF}[^\s,.。!?;:、]{{0,6}}(开除|辞退|处分|处罚|追责|严肃处理|批评教育|(必须|需要|应该|要|得)[^\s,.。!?;:、]{{0,2}}(处理|教育|批评|管))"
                               rf"|换(?!了)(个|一个|位)?[^\s,.。!?;:、]{{0,2}}{_STAFF}|换(个|一个)人|(别|不要)再(派|让)[^\s,.。!?;:、]{{0,3}}{_WHO}|(处理|处分|追究|管管|查查?|开除|辞退)(一下)?{_WHO}(?![们些样么])"
                               rf"|把(这个|那个|这位|那位)?{_STAFF}[^\s,.。!?;:、]{{0,3}}换(掉|走)|这种人(也配|还能|也能|怎么还)|(这种人|这个人|这人|此人)[^\s,.。!?;:、]{{0,8}}(管管|处理|开除|还留着)|(对|把)(该|这个|那个|这位|那位|这名)[^\s,.。!?;:、]{{0,8}}(予以|进行)?(处理|处分|处罚)|管不管|管管|管一管"),
}
# As _ANCHORS: literals (or their first two characters) that every match contains.
_DEMAND_ANCHORS = {
    "refund": "退|返还|要回|拿回|还钱|还给|还我|refund|Refund|多收|多扣|扣了|收了我|收我|被扣|重复扣|乱收|自动扣|直接扣",
    "repair": "来人|维修|修|检修|上门|弄好|搞好|整好|补好|检测|检查|报修|重新|重喷|返工|师傅|技术员|工程师|人员|人来|人过|人上|人看|人修|人处|人疏|来看|来检|过来",
    "replacement": "换|调换|补发|补寄|补送|补一|补个|再送|再上|重新|重发|再发|重做|再上",
    "compensation": "赔|由你|由贵|由店|由商|由物|由平|由公|补偿|补给|给我补|索赔|违约金|三倍|十倍|精神损失|误工费|报销|报了|报一|承担|损失|费用|医药费|医疗费|打车费|车费|修车钱|这个钱|这钱",
    "apology": "道歉|道个|道一|道声|赔礼|赔个|赔不|赔罪|致歉|认错|对不起|抱歉|不好意思",
    "explanation": "正不|正常|是否正常|说法|解释|交代|说清楚|讲清楚|说明|答复|回复|回应|给我|给个|给一|给准|给结|给答|给期|准话|准日子|确切|怎么回事|什么意思|凭什么|什么时候|何时|进度|查明|查清|调查|请问|告诉我|想问|到底|想知道|要知道",
    "staff_action": _STAFF_WORDS + "|换个人|换一个人|别再|不要再|处理|处分|追究|管管|查这|查那|查此|查该|查他|查她|查一|查查|开除|辞退"
                    "|这种人|这个人|这人|此人|对该|对这|对那|管不管|管一管",
}
_WATCH_ANCHORS = {"repeat": "次|反复|没人|石沉大海|拖了|一拖再拖|至今|迟迟"}  # 第三次, 多次, 三番五次 …

#: Before a demand, in its clause: the customer declines it (「不要赔偿」「用不着解释」).
_DEMAND_NEGATION = re.compile(r"(不接受|不是非要|拒绝|不要|不需要|不用|不图|不稀罕|不是为了|不在乎|不求|没想(过)?(让|要)?|也没想|用不着|不是要|不指望|不奢望|无需|不必|并非要|不是冲着)[^,。!?;:，。！？；]{0,6}$")
#: Right after it: declined afterwards (「赔偿就不必了」「道歉就算了」).
_DEMAND_DECLINED_AFTER = re.compile(r"[^,。!?;:]{0,5}?(就|也|倒|什么的|啥的)?(不必|不用|算了|免了|不需要|不要了|无所谓|不在乎|不在意|不想听|不听|不重要|(不要|不稀罕)(?=[,。!?;]|$))")
_CLAUSE_END = re.compile(r"[,。!?;:、…\n]")
#: In its clause, a demand only told as done or promised, not asked (「退款已经到账」「客服说会有人上门」).
_DONE_AFTER = re.compile(r"(已经|已)到了?(?![吗没])|(已经|已)?(到账|到了账|退回来了|办好了|办完|完成了|成功|搞定|谈妥|处理好了|修好了|换好了|倒是|倒挺)")
#: Done a few characters later (「退款今天到账了」), unless a negation comes between (「退款一直不到账」).
_DONE_SOON_AFTER, _NOT_YET = re.compile(r"(\S{0,3}?)(已经|已)?(到账|办好|办完|完成|谈妥|搞定)"), re.compile(r"[不没未]")
_DONE_BEFORE = re.compile(r"(上次|上回|之前|以前|那次|去年|当时|才|刚刚|已经|已)")
_REPORTED_BEFORE = re.compile(r"(说|称|答应|承诺|表示|同意|告诉我|保证|说好)(了)?(会|要|可以|能|给|帮|马上|尽快)?")
_ASK = re.compile(r"要求|请|麻烦|希望|必须|务必|赶紧|尽快|马上|立刻|能不能|能否|可否|可不可以|给我|帮我|应该|应当|得|要|须|让你们|吧|\?|呢")


def _declined(text: str, start: int, end: int, lo: int, hi: int) -> bool:
    """Is the demand at ``text[start:end]`` declined, or only told as done or promised?"""
    before = [m.end() for m in _CLAUSE_END.finditer(text, max(lo, start - 16), start)]
    c0 = before[-1] if before else max(lo, start - 16)
    after = _CLAUSE_END.search(text, end, hi)
    c1 = after.start() if after else hi
    if _DEMAND_NEGATION.search(text, max(lo, start - 8), start) or _DEMAND_DECLINED_AFTER.match(text, end, c1):
        return True
    if start > lo and text[start - 1] in "不没" and text[start:start + 2] in ("需要", "用给", "要求", "要你", "必须"):
        return True  # 「不需要你们上门」: the match began with the asking verb itself
    head, tail = text[c0:start], text[end:c1]
    refusal = text[start:start + 1] in ("不", "没", "拒")  # 「平台说过期不退」: a refusal reported is what the customer disputes
    if _REPORTED_BEFORE.search(head) and not refusal and not re.search(r"[?呢]", tail):
        return True
    done = _DONE_SOON_AFTER.match(tail)
    if _DONE_AFTER.match(tail) or (done and not _NOT_YET.search(done.group(1))):  # not 「退款一直不到账」
        return True
    return bool(_DONE_BEFORE.search(head)) and not _ASK.search(head + tail)


def _gate() -> tuple[list[str], LiteralGate]:
    """Per risk category and demand, the literals each of its matches contains, as one gate: a
    complaint is scanned only for the categories it may match (most complaints: none)."""
    groups = {cat: _ANCHORS[cat] for cat, _ in _HIGH}
    groups.update({cat: _WATCH_ANCHORS.get(cat, p) for cat, p in _WATCH})
    groups.update({code: _DEMAND_ANCHORS.get(code, rx.pattern) for code, rx in _DEMAND_RE.items()})
    if any(re.search(r"[\\\[\](){}.*+?^$]", w) for words in groups.values() for w in words.split("|")):  # pragma: no cover
        raise AssertionError("a risk/demand pattern that is not a plain alternation needs literal anchors")
    return list(groups), LiteralGate([words.split("|") for words in groups.values()])


def _demands(texts: JoinedTexts, candidates: dict | None = None) -> list[list[str]]:
    """Demand codes of every complaint of a batch; ``['other']`` where nothing is asked."""
    text, starts, ends = texts.text, texts.starts.tolist(), texts.ends.tolist()
    found: dict[str, set[int]] = {}
    for code, rx in _DEMAND_RE.items():
        rows = found[code] = set()
        for row, m in _matches(texts, rx, candidates, code):
            if row not in rows and not _declined(text, m.start(), m.end(), starts[row], ends[row]):
                rows.add(row)
    demands: list[list[str]] = [[] for _ in range(texts.n_rows)]
    for code, rows in found.items():  # codes in DEMANDS order
        for row in rows:
            demands[row].append(code)
    return [codes or ["other"] for codes in demands]


_GATE_KEYS, _GATE = _gate()
#: Second literals every match of a category also holds: a row is scanned only if it passes both
#: groups (a staff action names the action and the person: 「处理」 and 「客服」).
_ALSO = {"staff_action": ("换个人|换一个人|这种人|这个人|这人|此人|管不管|管管|管一管|" + _STAFF_WORDS
                          + "|这个|那个|这位|那位|这名|那名|该员工|他|她").split("|")}
_GATE_ALSO = LiteralGate(list(_ALSO.values()))


def customer_demands(text: object) -> list[str]:
    """What the customer asks for (multi-label, codes of :data:`DEMANDS`); ``['other']`` if nothing is asked."""
    return _demands(JoinedTexts(as_normalized([text])))[0]


def annotate(texts) -> pd.DataFrame:
    """``escalation_risk``, ``escalation_reasons`` and ``customer_demand`` columns for many texts."""
    texts = as_normalized(texts)
    batch = JoinedTexts(texts)
    gate = _GATE.rows(batch)  # rows × category: most complaints may match none
    also = _GATE_ALSO.rows(batch)
    for j, key in enumerate(_ALSO):
        gate[:, _GATE_KEYS.index(key)] &= also[:, j]
    candidates = {key: np.flatnonzero(gate[:, g]) for g, key in enumerate(_GATE_KEYS)}
    levels, why = _risks(batch, candidates)
    reasons = ["|".join(r) for r in why]
    demands = ["|".join(d) if t else "" for t, d in zip(texts, _demands(batch, candidates))]
    return pd.DataFrame({"escalation_risk": levels, "escalation_reasons": reasons, "customer_demand": demands})
