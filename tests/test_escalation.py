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


@pytest.mark.parametrize("text,why", [
    ("本来打算去消协，后来商家处理了就算了", "设想"),
    ("有人劝我起诉，暂时不考虑", "他人建议"),
    ("上次在别的店闹到媒体那一步，这回不想再折腾", "过去/别处"),
    ("要是换了我同事，早就打12315了", "设想"),
    ("原本想发微博吐槽，后来客服主动道歉了", "设想"),
    ("老婆一直让我去法院告他们，我觉得没必要", "他人建议"),
    ("我也考虑过找律师，想想还是先跟你们沟通", "设想"),
    ("去年在另一家4S店打过官司，那次真是心累", "过去/别处"),
    ("举报到市场监管的材料我都写好了，最后没交", "已作罢"),
    ("差一点就去找电视台了，好在你们及时回了电话", "设想"),
    ("投诉到消委会的念头有过，后来打消了", "已作罢"),
    ("我不会去曝光的，只是希望尽快解决", "否定"),
])
def test_mentions_that_are_no_present_threat_are_watch(text, why):
    level, reasons = escalation_risk(text)
    assert level == "watch", (text, reasons)
    assert any(why in r for r in reasons), reasons


@pytest.mark.parametrize("text", [
    "本来不想闹大，但你们一直推脱，我现在就去找记者",
    "朋友劝我算了，可我已经向12315提交了投诉",
    "上周我已经在抖音发了视频，评论好几百条",
    "如果明天还不处理，我就去法院起诉",
    "之前说不去消协，现在我改主意了",
    "律师函已经寄出，请贵司法务查收",
    "再不退押金我就打110",
    "房东换了锁不让进，已經撥了110，民警说是经济纠纷",
    "装修工人堵门要钱，110出警了才走",
])
def test_present_threats_stay_high(text):
    assert escalation_risk(text)[0] == "high", escalation_risk(text)


@pytest.mark.parametrize("text", ["胎压报警灯一直亮", "后备箱关不严一直报警", "医院附近的分店太难停车",
                                  "order 110 ok please check", "订单尾号110的那单少送了饮料", "110平米的房子交房就漏水",
                                  "小区旁边110kV变电站没人告知"])
def test_alarms_and_places_are_not_threats(text):
    assert escalation_risk(text)[0] == "none"


@pytest.mark.parametrize("text", [
    "我爸在县医院住院快一个月了，医保异地备案到现在还没办下来",
    "住院押金退款要等出院结算后十五个工作日，太慢了",
    "贵院挂号系统天天崩，早上六点排队还挂不上专家号",
    "去年住院花了两万多，保险公司理赔拖了三个月还在审核",
    "在市人民医院做完化疗，病房空调坏了一周没人修",
    "兒科夜間急診等了三個多小時😤",
    "陪我妈住院一周，陪护床一晚20块",
    "打健康热线转来转去，最后让我自己去医院问",
    "这家洗车店做的镀晶，两周不到就不挂水了",
    "猫咪美容被剪破耳朵，带去宠物医院缝了两针",
])
def test_a_hospital_as_the_setting_is_not_a_safety_incident(text):
    """Healthcare and insurance complaints name the hospital as the service or the claim, not as harm;
    a ward, an emergency room or a vet is where the service happened unless someone was hurt."""
    assert escalation_risk(text)[0] != "high" and annotate([text])["escalation_risk"][0] != "high"


@pytest.mark.parametrize("text", [
    "吃了你们家的外卖上吐下泻，半夜去医院挂水，医保也报不了",
    "电梯突然下坠，我妈摔伤住院了，物业一句道歉都没有",
    "热水器漏电把孩子电到，送医院急诊，到现在没人来处理",
    "孩子吃了这款奶粉后住院三天",
])
def test_harm_that_sends_someone_to_hospital_stays_high(text):
    assert escalation_risk(text)[0] == "high" and annotate([text])["escalation_risk"][0] == "high"


@pytest.mark.parametrize("text", [
    "尊敬的工业和信息化部领导：运营商乱扣费，恳请督促退还",
    "已经向邮政管理局申诉，运单号ZT7723",
    "话费被乱扣，12300已经打过了",
    "我会向卫健委举报这位医生",
    "已报警，派出所说会联系平台",
    "我已经去派出所做了笔录",
    "本人保留追究贵酒店法律责任的权利",
    "视频我录下来了，给你们24小时，不然我就发出来",
    "再拖我就把聊天记录 po 到Weibo上",
    "已經投訴到黑貓了",
    "业主们周六统一去售楼部讨说法",
    "我们几个住户准备一起去物业公司投诉",
    "燃气灶一开火就一股臭鸡蛋味，燃气怕是漏了",
    "刹车要踩到底才有制动力",
    "护士给我爸输错了液",
    "高速上幽灵刹车，险些追尾",
    "客服说会转交，我已经打了12315",
    "吉利帝豪L行驶中动力突然中断，差点被追尾",
    "宽带师傅接线时带电操作，火花都冒出来了，差点被电到",
    "车质网投诉了，12315也打了，电池问题还是没人管",
    "朋友劝我直接去12315，我已经整理好了材料，这周就提交",
    "电梯又困人了 这个月第三回😡",
    "燃气公司的人把我家阀门拧坏了 现在一股气味",
    "各位评评理：搬到新小区以后信号只有一格",
    "宋Pro DM-i行驶中报动力系统故障，踩油门没反应",
    "配电房一声巨响，黑烟直冒",
])
def test_more_present_threats_and_hazards_are_high(text):
    assert escalation_risk(text)[0] == "high" and annotate([text])["escalation_risk"][0] == "high", escalation_risk(text)


@pytest.mark.parametrize("text", [
    "当时气得想报警，被同事劝住了",
    "群里有业主说要去住建局，我没参与",
    "有邻居劝我们去法院告，我觉得没必要",
    "举报到市场监管的材料我都写好了，最后还是没交",
    "客服让我打12315问问，可这不是你们该处理的吗？",
    "街道让我们去找住建局，住建局又让找物业",
    "找到开发商让我们找物业；街道又让我们去问住建部门",
])
def test_others_plans_and_talked_down_mentions_are_watch(text):
    assert escalation_risk(text)[0] == "watch", escalation_risk(text)


@pytest.mark.parametrize("text", ["黑猫警长的贴纸少发了一张", "柜员把我的存款金额输错了", "发现后备箱漏气的是备胎",
                                  "空气悬架漏气，4S店说要自费", "中国移动宽带电视频道少还老跳台", "两个晚上电视都没看成",
                                  "店里空调开得太低，吃着火锅都冷", "酸汤鱼辣得冒烟", "约会差点被我吃砸了", "燃气抄表员推销灶具，差点被忽悠了",
                                  "助教在群里发文档就算答疑", "能不能把更多事项放到网上办？", "热水器坏了一周，@海尔客服 三次电话",
                                  "我报案号是尾号0472那个，理赔到现在没消息", "我是开早餐店的个体工商户，补贴三个月没到账", "电梯按钮太小，老人看不清",
                                  "在摔门声里睡不着，医院旁边的酒店真吵",
                                  "后视镜也容易挂水", "视频号直播卡得根本没法看", "分期乐催收冒充法院发律师函恐吓",
                                  "有邻居劝我们集体去住建局，我没去"])
def test_look_alikes_of_the_new_cues_are_not_high(text):
    assert escalation_risk(text)[0] != "high", escalation_risk(text)


@pytest.mark.parametrize("text,level", [
    ("物业说没收到，住建部门让我们自己协调", "none"),
    ("维修资金要公示、审价、报街道和住建局审批", "none"),
    ("已经打了12315，工作人员说会转给你们处理", "high"),
    ("12315說了會督促你們，等着吧", "high"),
    ("消协说会帮我调解", "high"),
    ("我已向住建局反映，住建局说会约谈开发商", "high"),
])
def test_an_office_acting_in_a_procedure_is_no_threat_unless_the_customer_went_there(text, level):
    assert escalation_risk(text)[0] == level, escalation_risk(text)


@pytest.mark.parametrize("text", ["这是我第三次打电话了", "多次投诉一直没人管", "拖了两个月至今没有结果"])
def test_repeated_contact_is_watch(text):
    assert escalation_risk(text)[0] == "watch"


@pytest.mark.parametrize("text", ["工商银行的信用卡年费太贵", "在抖音直播间买的裙子掉色", "胎压报警灯一直亮", "菜太咸了", "", None])
def test_look_alikes_are_none(text):
    assert escalation_risk(text)[0] == "none"


@pytest.mark.parametrize("text,code", [
    ("空调不制冷，请尽快安排师傅上门", "repair"),
    ("楼道灯坏了一个月，物业赶紧派人来修", "repair"),
    ("这事你们必须给个说法", "explanation"),
    ("什么时候能发货？给个准话", "explanation"),
    ("多扣的两百块钱请退回", "refund"),
    ("不想要了，直接退钱", "refund"),
    ("屏幕有裂痕，给我换一台", "replacement"),
    ("漏发了一个杯子，麻烦补发", "replacement"),
    ("摔坏了我的行李箱，你们得赔", "compensation"),
    ("耽误的工资谁来补偿？", "compensation"),
    ("那个店员起码要给我道个歉", "apology"),
    ("这个骑手必须严肃处理", "staff_action"),
    ("请贵行对该员工进行处理", "staff_action"),
    ("这种人你们到底管不管", "staff_action"),
    ("新买的洗碗机一直渗水，求修🙏", "repair"),
    ("保养完中控屏老黑屏，4S店帮我弄好", "repair"),
    ("車子怠速抖得厲害，要求檢測", "repair"),
    ("装空调把墙打坏了，墙你们负责补好", "repair"),
    ("外卖少了一杯饮料，让商家补送一杯", "replacement"),
    ("发错了尺码，给我换成Ｌ码", "replacement"),
    ("送水师傅每次把桶扔门口就走，你们管一管", "staff_action"),
    ("理赔员电话不接，请换个理赔员跟进", "staff_action"),
    ("我要投诉你们××支行的柜员", "staff_action"),
    ("不是来要钱的，只想知道为什么扣我分", "explanation"),
    ("少送了一份米饭，退一份饭钱", "refund"),
    ("团购券一次没用，平台说过期不退", "refund"),
    ("退款一直不到账，再不处理就去12315", "refund"),  # not yet received: still asked, unlike 「已经到账」
    ("退款至今未到賬，請盡快處理", "refund"),
])
def test_each_way_of_asking_is_detected(text, code):
    assert code in customer_demands(text), (text, customer_demands(text))


@pytest.mark.parametrize("text,code", [
    ("不用上门了，我自己重启好了", "repair"),
    ("赔偿就不必了，下次注意", "compensation"),
    ("道歉就算了，我不想再跟他说话", "apology"),
    ("我不要退款，东西还能用", "refund"),
    ("用不着解释，我都明白", "explanation"),
    ("退款已经到账了，就是太慢", "refund"),
    ("退款今天到账了，谢谢", "refund"),
    ("客服说会派人上门，结果没人来", "repair"),
    ("上次换货换回来的也有划痕", "replacement"),
    ("赔偿什么的我不在乎，就想要一句道歉", "compensation"),
    ("解释我不想听，我只要退票", "explanation"),
    ("我也不是非要你们处理那个客服，只是流程该改改了", "staff_action"),
    ("以后别再派那个师傅来我家了", "repair"),
    ("参加了以旧换新，旧手机估价太低", "replacement"),
    ("旁边修理厂说副厂件当天就能换", "repair"),
    ("帕萨特天窗异响维修后问题加剧", "repair"),
    ("4S店提交索赔申请48天了没有结果", "compensation"),
    ("合约期内想换便宜套餐，要先交违约金", "compensation"),
    ("暑假一晚九百多，价格翻了三倍😓", "compensation"),
    ("运费险理赔要上传的材料比买东西还多", "compensation"),
    ("换完后才告诉我要交表具费580元", "explanation"),
    ("上回在另一个平台买到假货，是12315帮我退的款", "refund"),
    ("超市全换成自助收银，不收现金", "replacement"),
    ("营业执照变更材料交了三次都被退回", "refund"),
    ("给孩子报了两节游泳课，教练换了三个", "compensation"),
    ("换了个客服还是一样的话术", "staff_action"),
])
def test_declined_or_told_demands_are_not_detected(text, code):
    assert code not in customer_demands(text), (text, customer_demands(text))


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


def test_batch_gives_the_single_text_answers_on_these_sentences():
    texts = ["本来打算去消协，后来商家处理了就算了", "朋友劝我算了，可我已经向12315提交了投诉", "请尽快安排师傅上门",
             "赔偿就不必了，给个说法", "", "退款已经到账了", "我不会去曝光的，只是希望尽快解决", "医院附近的分店太难停车"]
    table = annotate(texts)
    assert table["escalation_risk"].tolist() == [escalation_risk(t)[0] for t in texts]
    assert table["escalation_reasons"].tolist() == ["|".join(escalation_risk(t)[1]) for t in texts]
    assert table["customer_demand"].tolist() == ["|".join(customer_demands(t)) if t else "" for t in texts]


def test_the_gate_never_hides_a_match_in_the_written_sentences():
    """The literal gate skips complaints without a category's literals: it must not skip one the
    full patterns match (the benchmark sentences hold phrasings the corpus lacks)."""
    from pathlib import Path

    data = Path(__file__).resolve().parent.parent / "benchmarks" / "data"
    texts = [t for f in sorted(data.glob("report_signals*.csv")) for t in pd.read_csv(f, dtype=str)["text"]]
    assert len(texts) > 200
    table = annotate(texts)
    assert table["customer_demand"].tolist() == ["|".join(customer_demands(t)) for t in texts]
    assert table["escalation_reasons"].tolist() == ["|".join(escalation_risk(t)[1]) for t in texts]


def test_large_and_small_batches_read_the_same(monkeypatch):
    """Batches of UNFOLD_ROWS complaints or more scan with unfolded cue patterns, smaller ones
    (a one-row classify) with the patterns as written: both give the same table."""
    from pathlib import Path

    from feedback_mining.models import escalation

    data = Path(__file__).resolve().parent.parent / "benchmarks" / "data"
    texts = [t for f in sorted(data.glob("report_signals*.csv")) for t in pd.read_csv(f, dtype=str)["text"]]
    texts += ["再不退款我就去12315投訴，還要發抖音曝光😡", "ＡＰＰ扣费了也不给个说法，请尽快安排师傅上门"]
    monkeypatch.setattr(escalation, "UNFOLD_ROWS", 10**9)
    as_written = annotate(texts)
    monkeypatch.setattr(escalation, "UNFOLD_ROWS", 1)
    fast = annotate(texts)
    pd.testing.assert_frame_equal(fast, as_written)
    assert set(escalation._UNFOLDED) and all(rx.pattern != p for p, rx in escalation._UNFOLDED.items())
    assert (fast["escalation_risk"] == "high").sum() > 10 and (fast["customer_demand"] != "other").sum() > 50


def test_unfolded_cue_patterns_match_what_their_source_matches():
    """Cue patterns are unfolded for large batches (each alternative starting with a literal, for
    speed): they must find exactly the spans the written regular expressions find."""
    from pathlib import Path

    from feedback_mining.models import escalation
    from feedback_mining.text.batch import JoinedTexts
    from feedback_mining.text.normalize import as_normalized

    data = Path(__file__).resolve().parent.parent / "benchmarks" / "data"
    from feedback_mining.data.read import load_labeled_corpus

    texts = load_labeled_corpus()["text"].tolist() + [t for f in sorted(data.glob("report_signals*.csv")) for t in pd.read_csv(f, dtype=str)["text"]]
    joined = JoinedTexts(as_normalized(texts)).text
    patterns = [rx for _, rx in escalation._HIGH_RE + escalation._WATCH_RE] + list(escalation._DEMAND_RE.values())
    assert len(patterns) == 15
    for rx in patterns:
        fast = escalation.unfolded(rx.pattern)
        assert fast.pattern != rx.pattern, rx.pattern[:40]  # really unfolded, not the fallback
        assert [m.span() for m in fast.finditer(joined)] == [m.span() for m in rx.finditer(joined)], rx.pattern[:40]
