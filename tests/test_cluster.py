"""Themes: stable, named without junk, explainable, editable, reusable — at any batch size."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from feedback_mining.data.read import load_labeled_corpus
from feedback_mining.models.themes import NOISE_THEME, ThemeClusterer
from feedback_mining.text.tokenizer import default_stopwords

# Complaints written for these tests (40–50 characters each): three planted topics, each with its
# phrase (送餐超时, 宽带断网, 电梯故障), and a fourth (充电桩) that only appears in the last month.
DELIVERY = [
    "点的午饭下单一个多小时才到，送餐超时也不提前说一声，汤都洒在袋子里了，饭菜全凉了，要求退配送费。",
    "骑手送餐超时四十分钟，打电话给他还说马上到，结果又等了二十分钟，餐盒都压扁了，这服务太差了😡",
    "今天晚上又是送餐超时，平台显示已送达但我根本没收到，联系客服半天没人回复，饿着肚子等到九点。",
    "送餐超时不是第一次了，每次都说天气原因，明明是骑手同时接了好几单绕路送，饭到手都是冷的。",
    "外賣送餐超時一個小時，騎手態度還很差，說再催就給差評，湯撒了一半，平台只賠了三塊錢紅包。",
    "中午十二点下的单，快两点才送到，送餐超时这么久商家和骑手互相推责任，奶茶也洒了，必须退款。",
    "送餐超时还把我的餐送错了地址，骑手让我自己下楼去隔壁小区拿，下着雨真的很无语，要投诉他。",
    "预计送达时间改了三次，最后送餐超时五十分钟，披萨都硬了，客服只会说抱歉不给任何补偿。",
    "Order 显示骑手已取餐，然后就一直不动，送餐超时一个半小时，最后还被取消了订单，钱也没退回来。",
    "送餐超时导致午饭没吃上，骑手连个电话都不打，ＡＰＰ上的投诉按钮点了没反应，太气人了！",
]
BROADBAND = [
    "家里宽带断网三天了，报修电话打了五次，每次都说会有人联系我，到现在都没人上门，影响在家办公。",
    "宽带断网是常事，晚上八点以后网速慢得连网页都打不开，套餐写的是三百兆，实际测速不到十兆。",
    "这个月宽带断网了好几次，每次重启光猫都没用，客服让我等待后台处理，话费照扣一分不少。",
    "寬帶斷網兩天，裝維人員說是外線問題要等工單，網課都上不了，請盡快修復並減免這個月的月租。",
    "宽带断网后打客服热线，机器人转人工排队半小时，人工说区域故障，可是邻居家的网都是好的。",
    "刚续费一年的宽带，续完就开始频繁掉线，宽带断网一次要半小时才恢复，打游戏根本没法玩。",
    "宽带断网报修后装维人员上门换了个路由器就走了，第二天又断，还收了我五十块上门费，太不合理。",
    "WiFi 信号满格但是宽带断网，光猫上的 LOS 灯一直闪红，报修工单显示已处理，实际根本没人来。",
    "合约期内宽带断网超过一周，要求退订却说要交违约金，明明是你们的服务不达标，凭什么让我赔钱。",
    "营业厅说宽带断网是因为小区线路改造，可是没有任何通知，整整四天没网，月租费也不给减免。",
]
ELEVATOR = [
    "小区电梯故障一个星期了，物业只在门口贴了张纸，老人每天要爬十八楼，物业费一分没少交。",
    "三号楼电梯故障把人困在里面二十分钟，按了紧急按钮没人应答，物业的值班电话也打不通。",
    "电梯故障频繁，这个月已经停了三次，每次维修都要好几天，物业说等厂家配件，也不说什么时候修好。",
    "電梯故障又停運了，物業管家一問三不知，每月物業費交得那麼準時，服務卻越來越差，要求給說法。",
    "电梯故障维修期间物业连个临时通知都没有，我拎着两箱水爬了十二层，腿都软了，真的太不负责。",
    "业主群里反映电梯故障好几天了，物业经理一直不回复，维保公司的人来看了一眼就走了，问题还在。",
    "电梯故障时发出异响还一直晃，我们多次向物业反映安全隐患，物业只说年检过了，出事谁负责？",
    "地下车库那部电梯故障两周没修，推着婴儿车只能绕到另一栋楼，物业说报修了但没有维修记录。",
    "晚上十点电梯故障停在半层，打物业电话二十分钟才有人来，保安也不会操作，最后叫了消防。",
    "电梯故障之后物业收了维修基金却迟迟不换新电梯，账目也不公开，业主们准备联名去住建局投诉。",
]
CHARGING = [
    "小区新装的充电桩扫码后一直显示充电中，实际电量一点没涨，钱却扣了二十块，客服电话没人接。",
    "充电桩车位天天被燃油车占着，管理处也不管，每天下班回来都没法充电，反映了好几次都说没办法。",
    "充电桩计费比公示的价格高了一倍，服务费也没有说明，申请退款三天没有任何回复，太坑了。",
    "公司楼下的充电桩充到一半自动断电，车都没充满，ＡＰＰ上显示订单异常，要联系客服才能退款。",
    "充电桩的枪头坏了一个多月没人修，每次去都要排队等另一个桩，晚上排队一小时才轮到我。",
    "充電樁掃碼支付成功卻啟動不了，錢被凍結了兩天才退回來，客服只會讓我重新掃碼試試看。",
    "充电桩显示功率七千瓦，实际只有三千瓦，充满要十几个小时，按时长收费的停车费还得我自己出。",
    "充电桩旁边的地锁坏了，车开不进去，打了管理方电话说明天处理，结果一个星期都没人来修。",
]


PLANTED = {"送餐超时": DELIVERY, "宽带断网": BROADBAND, "电梯故障": ELEVATOR}


def _recombined(n: int, seed: int = 0) -> list[str]:
    """``n`` complaints made of 2–4 clauses of one topic's complaints (four topics)."""
    rng = np.random.RandomState(seed)
    pools = [[c for t in topic for c in re.split("[，,]", t) if c] for topic in (DELIVERY, BROADBAND, ELEVATOR, CHARGING)]
    out = []
    for i in range(n):
        pool = pools[i % len(pools)]
        out.append("，".join(rng.choice(pool, size=rng.randint(2, 5), replace=False)).rstrip("。！？") + "。")
    return out


@pytest.fixture(scope="module")
def corpus():
    return load_labeled_corpus()


@pytest.fixture(scope="module")
def fitted(corpus):
    return ThemeClusterer(k=8, random_state=0).fit(corpus["text"].tolist(), gaps=corpus["gap"].tolist())


def test_themes_stable_under_reordering(corpus):
    texts = corpus["text"].tolist()
    order = np.random.RandomState(1).permutation(len(texts))
    a = ThemeClusterer(k=6, random_state=0).fit_predict(texts)
    b = ThemeClusterer(k=6, random_state=0).fit_predict([texts[i] for i in order])
    assert (a[order] == b).all()


def test_names_have_no_stopwords_or_punctuation(fitted):
    stop = set(default_stopwords().read_text(encoding="utf-8").split())
    for th in fitted.themes_:
        if th["id"] == NOISE_THEME:
            continue
        words = th["name"].split(" / ")
        assert 1 <= len(words) <= 3 and words == th["name_phrases"]
        for w in words:
            assert w not in stop and re.fullmatch(r"[\w\u3400-\u9fff]+", w), th["name"]


def test_representatives_belong_to_their_theme_and_are_masked(fitted, corpus):
    labels = fitted.labels_
    for th in fitted.themes_:
        assert len(th["representatives"]) == min(3, th["size"])
        assert all(labels[i] == th["id"] for i in th["representative_index"])
        assert not any(re.search(r"1[3-9]\d{9}", r) for r in th["representatives"])
    shares = sum(th["share"] for th in fitted.themes_)
    assert abs(shares - 1) < 1e-9
    assert all(th["dominant_gap"] in {"understanding", "process", "behavior", "promotion", "perception"} for th in fitted.themes_)


def test_short_and_empty_texts_go_to_noise():
    texts = ["物业费太贵了服务还差", "骑手送餐超时汤还洒了", "客服电话打不通转人工难"] * 5 + ["", "  ", "好", "😡😡"]
    labels = ThemeClusterer(k=3, random_state=0).fit_predict(texts)
    assert (labels[-4:] == NOISE_THEME).all() and (labels[:-4] != NOISE_THEME).all()


def test_rename_and_merge_persist_through_save_load(fitted, tmp_path, corpus):
    tc = ThemeClusterer(k=8, random_state=0).fit(corpus["text"].tolist(), gaps=corpus["gap"].tolist())
    a, b = [th["id"] for th in tc.themes_ if th["id"] != NOISE_THEME][:2]
    tc.rename(a, "售后维修").merge(a, b)
    path = tc.save(tmp_path / "themes.joblib")
    back = ThemeClusterer.load(path)
    assert back.theme_names()[a] == "售后维修" and b not in back.theme_names()
    pred = back.predict(corpus["text"].tolist()[:300])
    assert b not in set(pred.tolist())
    assert (pred == np.where(tc.labels_[:300] == b, a, tc.labels_[:300])).all()


def test_k_auto_reports_scores_inside_range(corpus):
    tc = ThemeClusterer(k="auto", k_range=(4, 7), random_state=0).fit(corpus["text"].tolist()[:600])
    assert 4 <= tc.k_ <= 7 and set(tc.k_scores_) == set(range(4, 8))
    best = max(tc.k_scores_, key=tc.k_scores_.get)
    assert tc.k_ <= best and "held-out likelihood" in tc.k_criterion_  # one-standard-error rule: never above the best


def test_nmf_method(corpus):
    labels = ThemeClusterer(k=5, method="nmf", random_state=0).fit_predict(corpus["text"].tolist()[:500])
    assert len(set(labels.tolist()) - {NOISE_THEME}) >= 3


def test_cluster_cli_writes_columns_and_summary(tmp_path):
    from feedback_mining.paths import corpus_file

    out, summary = tmp_path / "t.csv", tmp_path / "s.csv"
    r = run_cli("cluster", str(corpus_file("complaints_labeled.csv")), "-o", str(out), "--k", "6", "--summary", str(summary))
    assert r.returncode == 0, r.stderr
    import pandas as pd

    df = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert {"theme", "theme_name", "gap"} <= set(df.columns) and len(df) >= 1500
    s = pd.read_csv(summary, encoding="utf-8-sig")
    assert {"theme_name", "size", "share", "top_terms", "representative_ids", "gap_mix"} <= set(s.columns)
    assert s["size"].sum() == len(df)
    r = run_cli("cluster", str(corpus_file("complaints_labeled.csv")), "-o", str(out), "--k", "zero")
    assert r.returncode == 2


def test_kmeans_method(corpus):
    labels = ThemeClusterer(k=5, method="kmeans", random_state=0).fit_predict(corpus["text"].tolist()[:500])
    assert len(set(labels.tolist()) - {NOISE_THEME}) >= 3


def _planted(seed: int = 0):
    """Complaints about three different things, in mixed scripts and styles, with shared filler."""
    rng = np.random.RandomState(seed)
    topics = [
        ["骑手", "送餐", "超时", "洒了", "外卖", "餐盒", "凉了", "配送费"],
        ["房间", "前台", "隔音", "空调", "床单", "酒店", "入住", "退房"],
        ["宽带", "网速", "套餐", "话费", "營業廳", "流量", "扣费", "信號"],
    ]
    filler = ["真的", "服了", "😡", "太差", "无语", "OK", "，", "！！"]
    texts, truth = [], []
    for i in range(240):
        t = i % 3
        words = list(rng.choice(topics[t], size=rng.randint(2, 6))) + list(rng.choice(filler, size=2))
        rng.shuffle(words)
        texts.append("".join(words))
        truth.append(t)
    return texts, np.array(truth)


def test_mixture_recovers_planted_themes():
    from sklearn.metrics import adjusted_rand_score

    texts, truth = _planted()
    labels = ThemeClusterer(k=3, random_state=0).fit_predict(texts)
    assert (labels != NOISE_THEME).all()
    assert adjusted_rand_score(truth, labels) > 0.9


def test_multinomial_mixture_estimator_contract():
    import pickle

    from sklearn.base import clone
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.pipeline import make_pipeline

    from feedback_mining.models.mixture import MultinomialMixture

    texts, truth = _planted(1)
    X = CountVectorizer(analyzer="char", ngram_range=(2, 2)).fit_transform(texts)
    mm = MultinomialMixture(3, random_state=0)
    assert clone(mm).get_params() == mm.get_params() and not hasattr(clone(mm), "log_word_prob_")
    labels = mm.fit_predict(X)
    proba = mm.predict_proba(X)
    assert proba.shape == (240, 3) and np.allclose(proba.sum(1), 1) and (proba.argmax(1) == labels).all()
    assert (MultinomialMixture(3, random_state=0).fit(X).labels_ == labels).all()  # deterministic
    back = pickle.loads(pickle.dumps(mm))
    assert (back.predict(X) == labels).all() and back.score(X) == pytest.approx(mm.score(X))
    assert mm.score(X) > MultinomialMixture(1, random_state=0).fit(X).score(X)  # 3 themes explain more than 1
    pipe = make_pipeline(CountVectorizer(analyzer="char", ngram_range=(2, 2)), MultinomialMixture(3, random_state=0))
    assert (pipe.fit(texts).predict(texts) == labels).all()
    for bad in ({"n_components": 0}, {"alpha": 0}, {"cooling": 1.5}, {"temperature": 0.5}):
        with pytest.raises(ValueError):
            MultinomialMixture(**bad).fit(X)
    with pytest.raises(ValueError):
        MultinomialMixture(2).fit(-X)


def test_predict_puts_short_text_without_known_words_in_noise():
    texts, _ = _planted(2)
    tc = ThemeClusterer(k=3, random_state=0).fit(texts)
    pred = tc.predict(["量子纠缠示波器", "骑手送餐超时，外卖都凉了😡", "酒店房間隔音太差，前台不管", "酒店隔壁施工的噪音吵到凌晨两点睡不着"])
    assert pred[0] == NOISE_THEME  # 7 characters, no known word
    assert pred[1] != NOISE_THEME and pred[2] != NOISE_THEME and pred[1] != pred[2]
    assert pred[3] == pred[2]  # ≥ 10 characters: joins the theme it shares most characters with


# --- small batches, names, what is new (issue 15) --------------------------------------------------
def test_thirty_planted_complaints_give_their_themes_and_phrases():
    texts = DELIVERY + BROADBAND + ELEVATOR
    tc = ThemeClusterer(random_state=0).fit(texts)  # k="auto", as an analyst runs it
    assert tc.n_themes_ >= 3 and tc.k_ <= round(np.sqrt(len(texts)))
    assert (tc.labels_ == NOISE_THEME).mean() <= 0.10
    names = [th["name"] for th in tc.themes_ if th["id"] != NOISE_THEME]
    for phrase, topic in PLANTED.items():
        assert any(phrase in n for n in names), (phrase, names)
        # the theme named by the phrase holds (mostly) that topic's complaints
        tid = next(th["id"] for th in tc.themes_ if phrase in th["name"])
        members = {texts[i] for i in np.flatnonzero(tc.labels_ == tid)}
        assert len(members & set(topic)) >= 0.8 * len(members)


@pytest.mark.parametrize("method", ["mixture", "nmf", "kmeans"])
@pytest.mark.parametrize("n", [5, 31, 1000])
def test_every_method_handles_every_batch_size(method, n):
    texts = (DELIVERY + BROADBAND + ELEVATOR + ["差评"])[:n] if n < 100 else _recombined(n)
    tc = ThemeClusterer(method=method, random_state=0).fit(texts)
    labels = tc.labels_
    assert len(labels) == n and tc.n_themes_ >= 1
    long_enough = np.array([len(t) >= 10 for t in texts])
    assert (labels[long_enough] != NOISE_THEME).all()  # rare words never make a long complaint noise
    assert all(th["name"] and th["representatives"] for th in tc.themes_)
    summary = tc.summary()
    assert summary["size"].sum() == n and set(summary["theme"]) == set(labels.tolist())
    again = tc.predict(texts)
    assert (again == labels).mean() >= 0.95
    if n == 1000:
        assert tc.n_themes_ >= 4


def test_names_never_contain_placeholders_generic_words_or_one_complaint_names():
    rng = np.random.RandomState(3)
    masked = [t.replace("，", "，我家孩子说师傅不行，电话<手机号>，", 1) for t in DELIVERY + BROADBAND]
    masked += [f"联系人张XX，{t}，***已经反映过" for t in ELEVATOR]
    masked[0] = masked[0] + "在金鹰国际购物中心"  # a place in one complaint
    tc = ThemeClusterer(random_state=int(rng.randint(100))).fit(masked)
    used = []
    for th in tc.themes_:
        if th["id"] == NOISE_THEME:
            continue
        for bad in ("手机号", "<", ">", "*", "XX", "孩子", "我家", "师傅", "不行", "金鹰"):
            assert bad not in th["name"], th["name"]
        used += th["name_phrases"]
        for rep in th["representatives"]:
            assert not re.search(r"1[3-9]\d{9}", rep)
    assert len(used) == len(set(used))  # no phrase in two names


def test_representatives_show_the_name_and_the_dominant_gap_comes_from_gaps():
    texts = DELIVERY + BROADBAND + ELEVATOR
    gaps = ["process"] * 10 + ["behavior"] * 8 + ["process"] * 2 + ["perception"] * 10
    tc = ThemeClusterer(k=3, random_state=0).fit(texts, gaps=gaps)
    for th in tc.themes_:
        members = np.flatnonzero(tc.labels_ == th["id"])
        showing = [texts[i] for i in members if any(p in texts[i] for p in th["name_phrases"])]
        assert len(th["representatives"]) == min(3, th["size"])
        assert all(any(p in r for p in th["name_phrases"]) for r in th["representatives"][: len(showing)])
        mix = pd.Series([gaps[i] for i in members]).value_counts()
        assert th["dominant_gap"] == mix.index[0]


def test_fewer_themes_than_asked_is_said_in_the_summary_line_and_file(tmp_path):
    path = tmp_path / "six.csv"
    pd.DataFrame({"投诉内容": DELIVERY[:3] + ELEVATOR[:3]}).to_csv(path, index=False, encoding="utf-8-sig")
    out, summary = tmp_path / "t.csv", tmp_path / "themes.csv"
    r = run_cli("cluster", str(path), "-o", str(out), "--k", "8", "--summary", str(summary))
    assert r.returncode == 0, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert "rows read 6, written 6, rejected 0" in last and "fewer than the 8 asked for" in last
    s = pd.read_csv(summary, encoding="utf-8-sig")
    assert s["note"].str.contains("要求 8 个主题").all()
    assert s["dominant_gap"].astype(str).str.len().gt(0).all()  # from the default classifier
    tc = ThemeClusterer(k=2, random_state=0).fit(DELIVERY + ELEVATOR)
    assert tc.note_ == "" and tc.summary()["note"].eq("").all()


def test_nmf_on_thirty_one_rows_and_a_bad_k_from_the_command_line(tmp_path):
    path = tmp_path / "31.csv"
    pd.DataFrame({"投诉内容": DELIVERY + BROADBAND + ELEVATOR + ["差评"]}).to_csv(path, index=False, encoding="utf-8-sig")
    for method in ("nmf", "kmeans"):
        r = run_cli("cluster", str(path), "-o", str(tmp_path / "t.csv"), "--method", method)
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    r = run_cli("cluster", str(path), "-o", str(tmp_path / "t.csv"), "--k", "1")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1


def test_heldout_k_finds_the_planted_number_of_topics():
    from feedback_mining.models.mixture import heldout_k

    texts, truth = _planted(4)
    from sklearn.feature_extraction.text import CountVectorizer

    X = CountVectorizer(analyzer="char", ngram_range=(2, 2), binary=True, min_df=2).fit_transform(texts)
    k, scores = heldout_k(X, range(2, 9), random_state=0)
    assert k == 3 and set(scores) == set(range(2, 9))


def _months(n_last_new: int = 8) -> pd.DataFrame:
    """Three months of complaints: September and October split the three planted topics, November
    words them anew (clauses recombined) and adds the charging-pile topic, seen nowhere before."""
    rng = np.random.RandomState(7)

    def reworded(topic, n):
        clauses = [c for t in topic for c in re.split("[，,]", t) if c]
        return ["，".join(rng.choice(clauses, size=3, replace=False)) + "。" for _ in range(n)]

    months = (("2025-09", [t[:5] for t in (DELIVERY, BROADBAND, ELEVATOR)]),
              ("2025-10", [t[5:] for t in (DELIVERY, BROADBAND, ELEVATOR)]),
              ("2025-11", [reworded(t, 4) for t in (DELIVERY, BROADBAND, ELEVATOR)] + [CHARGING[:n_last_new]]))
    rows = []
    for month, topics in months:
        for topic in topics:
            for day, text in enumerate(topic, start=1):
                rows.append({"created_at": f"{month}-{day:02d} 10:00", "投诉内容": text})
    return pd.DataFrame(rows)


def test_a_theme_only_in_the_last_month_is_flagged_new():
    from feedback_mining.analysis import theme_changes
    from feedback_mining.pipeline import cluster_frame

    df = _months()
    themed, tc = cluster_frame(df, "投诉内容", k="auto")
    table = theme_changes(themed)
    assert list(table.columns)[:3] == ["theme", "theme_name", "status"]
    new = table[table["status"] == "new"]
    assert len(new) >= 1 and new["theme_name"].str.contains("充电桩").all(), table
    assert (new["count_previous"] == 0).all() and (new["novel_share"] > 0.5).all()
    old = table[~table["theme_name"].str.contains("充电桩")]
    assert not (old["status"] == "new").any()
    assert table.attrs["last"] == "2025-11" and table.attrs["previous"] == "2025-10"


def test_new_themes_chart_and_slide(tmp_path):
    import io

    from pptx import Presentation

    from feedback_mining.analysis import theme_changes
    from feedback_mining.pipeline import cluster_frame
    from feedback_mining.report.charts import new_themes
    from feedback_mining.report.deck import DeckData, new_themes_slide
    from feedback_mining.report.slides import Deck

    themed, _ = cluster_frame(_months(), "投诉内容")
    changes = theme_changes(themed)
    fig = new_themes(themed, changes=changes)
    assert fig.axes[0].get_title().startswith("本月新增/上升最快的问题")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any(lab.startswith("【新增】") and "充电桩" in lab for lab in labels)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    deck = Deck(method="", footer="")
    new_themes_slide(deck, DeckData(view=themed, text_col="投诉内容", title="t", subtitle="s",
                                    pngs={"new_themes": buf.getvalue()}, changes=changes))
    deck.save(tmp_path / "deck.pptx")
    slide = Presentation(tmp_path / "deck.pptx").slides[0]
    text = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
    assert "本月新增/上升最快的问题" in text and "新增「" in text and "充电桩" in text
    assert any(sh.shape_type == 13 for sh in slide.shapes)  # the chart is on the slide (13: picture)


def test_theme_changes_needs_two_periods():
    from feedback_mining.analysis import theme_changes
    from feedback_mining.errors import NotAvailable
    from feedback_mining.pipeline import cluster_frame

    df = _months()
    df = df[df["created_at"].str.startswith("2025-11")]
    themed, _ = cluster_frame(df, "投诉内容")
    with pytest.raises(NotAvailable):
        theme_changes(themed)


_PIECES = ["退款", "没到账", "客服", "打", "不通", "电话", "<手机号>", "***", "张XX", "，", "！", " ", "😡", "宽带", "断网",
           "師傅", "態度", "ＡＰＰ", "闪退", "了", "的", "三天", "13912345678", "发动机", "异响"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=25))
def test_phrases_are_literal_substrings_without_placeholders(pieces):
    from feedback_mining.models.theme_text import MAX_PHRASE_CHARS, ThemeDocuments
    from feedback_mining.text.normalize import as_normalized

    text = as_normalized(["".join(pieces)])
    docs = ThemeDocuments(text)
    for phrase in docs.phrases([0])[0]:
        assert phrase in docs.cleaned[0] and len(phrase) <= MAX_PHRASE_CHARS
    for term in docs.words[0] + docs.phrases([0])[0]:
        assert not any(bad in term for bad in ("手机号", "<", "*", "XX", "139"))


def test_namer_generic_terms_are_a_parameter():
    from feedback_mining.models.theme_names import PhraseNamer

    words = [["京东", "快递", "太慢"], ["京东", "快递"], ["酒店", "房间"], ["酒店", "房间", "隔音"]]
    assert "京东" not in PhraseNamer().fit(words, [[]] * 4, [0, 0, 1, 1]).names_[0]
    named = PhraseNamer(generic_terms=set(), stop_terms={"房间"}).fit(words, [[]] * 4, [0, 0, 1, 1]).names_
    assert "京东" in named[0] and "房间" not in named[1]
    with pytest.raises(ValueError):
        PhraseNamer(min_terms=4).fit(words, [[]] * 4, [0, 0, 1, 1])


def test_names_skip_phrases_of_generic_words_and_repeated_words():
    from feedback_mining.models.theme_names import PhraseNamer

    # every complaint shouts 垃圾垃圾垃圾 and 不太好使用; only 屏幕碎了 / 电池鼓包 say what went wrong
    words = [["垃圾", "不太好", "使用", "屏幕", "碎了"], ["垃圾", "不太好", "使用", "屏幕", "碎了"], ["垃圾", "不太好", "使用", "电池", "鼓包"],
             ["垃圾", "不太好", "使用", "电池", "鼓包"], ["酒店", "隔音"], ["酒店", "隔音"]]
    phrases = [["垃圾垃圾垃圾", "不太好使用", "屏幕碎了"], ["垃圾垃圾垃圾", "不太好使用", "屏幕碎了"],
               ["垃圾垃圾垃圾", "不太好使用", "电池鼓包"], ["垃圾垃圾垃圾", "不太好使用", "电池鼓包"], [], []]
    names = PhraseNamer().fit(words, phrases, [0, 0, 0, 0, 1, 1]).names_
    assert not {"垃圾垃圾垃圾", "不太好使用", "垃圾", "不太好", "使用"} & set(names[0]), names[0]
    assert {"屏幕碎了", "电池鼓包"} <= set(names[0]), names[0]


def test_a_theme_sharing_only_generic_words_is_named_by_what_its_complaints_say():
    from feedback_mining.models.theme_names import GENERIC_TERMS, PhraseNamer

    # theme 1: three complaints that share nothing but 不好 / 服务; theme 0 a clear one
    words = [["宽带", "断网"], ["宽带", "断网"], ["宽带", "断网"],
             ["不好", "服务", "一股", "霉味"], ["不好", "服务", "CPU", "发热量"], ["不好", "服务", "屏幕", "碎了"]]
    phrases = [["宽带断网"]] * 3 + [["一股霉味"], ["CPU发热量"], ["屏幕碎了"]]
    names = PhraseNamer().fit(words, phrases, [0, 0, 0, 1, 1, 1]).names_
    assert names[0] == ["宽带断网"] or "宽带断网" in names[0]
    assert names[1] and not set(names[1]) & GENERIC_TERMS, names[1]
    assert set(names[1]) <= {"一股霉味", "霉味", "CPU发热量", "发热量", "CPU", "屏幕碎了", "屏幕", "碎了"}, names[1]
    # nothing but generic words: a generic word is still better than no name
    only = PhraseNamer().fit([["不好", "服务"], ["不好", "服务"]], [[], []], [0, 0]).names_
    assert only[0] and set(only[0]) <= {"不好", "服务"}


def test_report_shows_new_themes_as_a_chart_and_a_slide(tmp_path):
    from pptx import Presentation

    from feedback_mining.pipeline import cluster_frame, ensure_classified
    from feedback_mining.report import build_report

    themed, _ = cluster_frame(ensure_classified(_months(), "投诉内容"), "投诉内容")
    res = build_report(themed, tmp_path, formats="png,pptx", text_column="投诉内容")
    assert (tmp_path / "new_themes.png").exists() and "new_themes" not in res.skipped
    slides = [" ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in Presentation(tmp_path / "deck.pptx").slides]
    new = [t for t in slides if t.startswith("本月新增/上升最快的问题")]
    assert len(new) == 1 and "新增「" in new[0] and "充电桩" in new[0], slides
