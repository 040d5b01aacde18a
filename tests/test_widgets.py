"""Views and their logic without a browser: filters (Chinese values, demand split), clickable charts and grid,
labels that count (queue scope, one-key labelling, retrain through train_with_labels), live exports, fonts."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

from feedback_mining.analysis import (
    categorical_columns,
    compare_periods,
    contiguous_months,
    crosstab_theme_gap,
    filter_frame,
    split_values,
    value_label,
)
from feedback_mining.data.read import heldout_split, load_labeled_corpus
from feedback_mining.labelling import (
    KEY_ORDER,
    LabelSession,
    evaluation_set,
    gap_margins,
    label_scope,
    model_version,
    retrain_model,
    uncertainty_queue,
)
from feedback_mining.notebook import PAGE_SIZE, Explorer, Labeller, RootCauseView, fonts
from feedback_mining.notebook import html as nbhtml
from feedback_mining.notebook.report import chart_files, report_links_html
from feedback_mining.paths import PROJECT_ROOT, repo_root
from feedback_mining.pipeline import load_classified
from feedback_mining.errors import UserError  # noqa: E402
from feedback_mining.text.normalize import normalize_text  # noqa: E402
from feedback_mining.labelling.store import LabelStore  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PHONE = "13987654321"


@pytest.fixture(scope="module")
def classified():
    """The bundled corpus, classified and clustered, plus one row carrying a phone number."""
    df, model = load_classified()
    extra = df.iloc[[0]].copy()
    extra["complaint_id"] = "T-PHONE"
    extra["text"] = f"服務顧問態度惡劣，說好回電也不回，我的電話{PHONE}一直沒人打"
    extra["channel"] = df["channel"].iloc[1]
    df = pd.concat([df, extra], ignore_index=True)
    df.attrs["text_column"] = "text"
    return df, model


@pytest.fixture()
def toy():
    """Six complaints with known probabilities, two months, two channels."""
    df = pd.DataFrame({
        "complaint_id": [f"T{i}" for i in range(6)],
        "text": ["服务员态度很差", "说好的赠品没给", "退款流程太慢", "客服听不懂我要什么", "感觉被怠慢", ""],
        "channel": ["App", "App", "电话", "电话", "App", "电话"],
        "created_at": ["2025-10-03 10:00", "2025-10-20 09:00", "2025-11-01 00:00", "2025-11-15 12:00",
                       "2025-11-30 23:59", "2025-11-02 08:00"],
        "gap": ["behavior", "promotion", "process", "understanding", "perception", ""],
        "proba_promotion": [0.10, 0.50, 0.05, 0.20, 0.30, 0.0],
        "proba_behavior": [0.80, 0.45, 0.05, 0.20, 0.20, 0.0],
        "proba_process": [0.05, 0.03, 0.60, 0.20, 0.10, 0.0],
        "proba_understanding": [0.03, 0.01, 0.25, 0.21, 0.10, 0.0],
        "proba_perception": [0.02, 0.01, 0.05, 0.19, 0.30, 0.0],
        "empty_text": [False, False, False, False, False, True],
    })
    df.attrs["text_column"] = "text"
    return df


# --- filters ----------------------------------------------------------------------------------------
def _dates(df: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(df["created_at"], errors="coerce", format="mixed")


def _norm(df: pd.DataFrame) -> pd.Series:
    return df["text"].map(lambda t: normalize_text(t).lower())


CASES = {
    "one gap": (dict(gaps=["process"]), lambda d: d["gap"] == "process"),
    "gap by Chinese name": (dict(gaps=["程序差距"]), lambda d: d["gap"] == "process"),
    "two gaps + channel": (dict(gaps=["process", "behavior"], categories={"channel": ["App"]}),
                           lambda d: d["gap"].isin(["process", "behavior"]) & (d["channel"] == "App")),
    "traditional keyword": (dict(keyword="態度"), lambda d: _norm(d).str.contains("态度", regex=False)),
    "full-width keyword": (dict(keyword="ＡＰＰ"), lambda d: _norm(d).str.contains("app", regex=False)),
    "two keywords": (dict(keyword="態度 服务"), lambda d: _norm(d).str.contains("态度") & _norm(d).str.contains("服务")),
    "date range (whole end day)": (dict(date_range=("2025-11-01", "2025-11-30")),
                                   lambda d: (_dates(d) >= "2025-11-01") & (_dates(d) < "2025-12-01")),
    "open start": (dict(date_range=(None, "2025-10-31")), lambda d: _dates(d) < "2025-11-01"),
    "high risk + keyword": (dict(escalation_only=True, keyword="投訴"),
                            lambda d: (d["escalation_risk"] == "high") & _norm(d).str.contains("投诉")),
    "needs review": (dict(needs_review_only=True), lambda d: d["needs_review"].astype(bool)),
    "industry + gap + month": (dict(categories={"industry": ["auto", "food"]}, gaps=["perception"],
                                    date_range=("2025-12-01", "2025-12-31")),
                               lambda d: d["industry"].isin(["auto", "food"]) & (d["gap"] == "perception")
                               & (_dates(d) >= "2025-12-01") & (_dates(d) < "2026-01-01")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_filters_match_pandas(classified, case):
    df, _ = classified
    kwargs, expected = CASES[case]
    want = df[expected(df).to_numpy(dtype=bool)]
    got = filter_frame(df, **kwargs)
    assert len(got) == len(want)
    assert got["complaint_id"].tolist() == want["complaint_id"].tolist()


def test_traditional_keyword_finds_simplified_text(classified):
    df, _ = classified
    got = filter_frame(df, keyword="態度")
    simplified = got["text"].str.contains("态度", regex=False)
    assert simplified.sum() > 10  # the corpus is mostly simplified: the traditional query still finds it
    assert "T-PHONE" in set(got["complaint_id"])  # and the traditional row itself


def test_theme_filter_by_name_and_id(classified):
    df, _ = classified
    name = df["theme_name"].value_counts().index[0]
    theme_id = int(df.loc[df["theme_name"] == name, "theme"].iloc[0])
    assert len(filter_frame(df, theme=name)) == int((df["theme_name"] == name).sum())
    assert len(filter_frame(df, theme=theme_id)) == int((df["theme"] == theme_id).sum())


def test_filter_errors_are_clear(toy):
    with pytest.raises(UserError, match="no column named 'store'"):
        filter_frame(toy, categories={"store": "A"})
    with pytest.raises(UserError, match="escalation_risk"):
        filter_frame(toy, escalation_only=True)


def test_categorical_columns_found(classified):
    df, _ = classified
    cats = categorical_columns(df, "text")
    assert {"industry", "channel"} <= set(cats)
    assert not {"text", "gap", "created_at", "complaint_id", "theme_name"} & set(cats)


# --- root causes ------------------------------------------------------------------------------------
def test_crosstab_theme_gap(classified):
    df, _ = classified
    counts = crosstab_theme_gap(df)
    ok = df["gap"].astype(str).ne("")
    expected = pd.crosstab(df.loc[ok, "theme_name"], df.loc[ok, "gap"])
    assert int(counts.to_numpy().sum()) == int(ok.sum())
    for theme in counts.index:
        for gap in counts.columns:
            assert counts.at[theme, gap] == expected.at[theme, gap]
    shares = crosstab_theme_gap(df, share=True)
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert list(counts.columns)[:2] == ["promotion", "behavior"]  # taxonomy order


def test_compare_periods(toy):
    table = compare_periods(toy, "2025-10", "2025-11")
    assert table.attrs["total_a"] == 2 and table.attrs["total_b"] == 3
    assert table.loc["behavior", ["count_a", "count_b"]].tolist() == [1, 0]
    assert table.loc["process", "share_change_pp"] == pytest.approx(100 / 3, abs=0.01)
    assert table.loc["behavior", "share_change_pp"] == pytest.approx(-50.0)
    assert table.loc["behavior", "direction"] == "↓" and table.loc["process", "direction"] == "↑"
    assert table["share_change_pp"].is_monotonic_decreasing
    with pytest.raises(UserError, match="not a month"):
        compare_periods(toy, "2025-13", "2025-11")


# --- labelling ---------------------------------------------------------------------------------------
def test_uncertainty_queue_orders_by_margin(toy, classified):
    order = uncertainty_queue(toy)
    # margins: 0.70, 0.05, 0.35, 0.01, 0.00 (tie of two 0.30) ; the empty text is left out
    assert list(order) == [4, 3, 1, 2, 0]
    df, _ = classified
    margins = gap_margins(df).loc[uncertainty_queue(df)]
    assert margins.is_monotonic_increasing
    assert len(margins) == int((~df["empty_text"].astype(bool)).sum())


def test_label_session_skips_labelled_and_records_model_version(classified, tmp_path):
    df, model = classified
    store = LabelStore(tmp_path / "labels.sqlite")
    s1 = LabelSession(df, store, who="wang", model_version=model_version(model))
    cid = s1.current_row()["complaint_id"]
    s1.label("行为差距")  # Chinese names work too
    row = store.history().iloc[-1]
    assert row["model_version"] == model_version(model) and row["gap"] == "behavior"
    s2 = LabelSession(df, store, who="li")
    assert s2.current_row()["complaint_id"] != cid and len(s2) == len(s1)


_WRITER = textwrap.dedent("""
    import sys
    import pandas as pd
    from feedback_mining.labelling.session import LabelSession
    who, path = sys.argv[1], sys.argv[2]
    n = 1000
    df = pd.DataFrame({"complaint_id": [f"{who}-{i}" for i in range(n)], "text": ["客服态度差"] * n,
                       "proba_process": [0.6] * n, "proba_behavior": [0.4] * n})
    session = LabelSession(df, path, who=who, model_version="test")
    for i in range(n):
        session.label("process" if i % 2 else "behavior")
    print(session.given)
""")


def test_two_processes_write_1000_labels_each(tmp_path):
    path = tmp_path / "shared.sqlite"
    LabelStore(path)
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, who, str(path)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT) for who in ("alice", "bob")]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert out.strip() == "1000"
    store = LabelStore(path)
    hist = store.history()
    assert len(hist) == 2000 and store.count() == 2000
    assert hist["who"].value_counts().to_dict() == {"alice": 1000, "bob": 1000}
    assert store.integrity_check() == "ok"


def test_repo_root_from_notebooks_or_root():
    assert repo_root(ROOT / "notebooks") == ROOT
    assert repo_root(ROOT) == ROOT
    assert repo_root("/") == PROJECT_ROOT


# --- Chinese filter values ---------------------------------------------------------------------------
def test_filter_values_are_chinese_and_single(classified, tmp_path):
    df, _ = classified
    extra = df.assign(gap_input=df["gap"], channel_input=df["channel"])  # input columns kept beside outputs
    assert not {"gap_input", "channel_input", "gap_labelled", "customer_demand"} & set(categorical_columns(extra, "text"))
    ex = Explorer(extra, output_dir=tmp_path)
    assert set(ex.category_filters) == {"industry", "channel"}  # not the corpus's provenance (form, round)
    labels = [label for label, _ in ex.gap_filter.options]
    assert all(label.split(" · ")[0].endswith("差距") for label in labels)
    demand_values = [v for _, v in ex.demand_filter.options]
    assert demand_values and not any("|" in v for v in demand_values)
    assert set(demand_values) <= {"refund", "repair", "replacement", "compensation", "apology", "explanation", "staff_action", "other"}
    assert dict((v, lab) for lab, v in ex.demand_filter.options)["refund"].startswith("退款")
    industry = dict((v, lab) for lab, v in ex.category_filters["industry"].options)
    assert industry["auto"].startswith("汽车 (auto)")
    assert ex.category_filters["channel"].description == "渠道" and ex.category_filters["industry"].description == "行业"
    channel = dict((v, lab) for lab, v in ex.category_filters["channel"].options)
    assert channel["微信"].startswith("微信")  # values of the data shown as they are


def test_demand_filter_matches_single_values(classified):
    df, _ = classified
    parts = df["customer_demand"].astype(str).str.split("|")
    for wanted in (["refund"], ["apology", "compensation"]):
        expected = df[parts.map(lambda p: any(w in p for w in wanted))]
        got = filter_frame(df, demands=wanted)
        assert got["complaint_id"].tolist() == expected["complaint_id"].tolist() and len(got) > 0
    assert split_values(pd.Series(["refund|apology", "apology", None, "other"])) == ["apology", "refund", "other"]
    assert value_label("customer_demand", "apology") == "道歉" and value_label("gap", "process") == "程序差距"
    assert value_label("channel", "微博") == "微博" and value_label("industry", "hotel") == "酒店/旅游 (hotel)"


# --- charts: empty months, clicks ------------------------------------------------------------------------
def test_trend_counts_empty_months_as_zero(toy, tmp_path):
    gappy = toy.assign(created_at=["2025-10-03", "2025-10-20", "2026-01-01", "2026-01-15", "2026-01-30", "2026-01-02"])
    codes, months = contiguous_months(pd.to_datetime(gappy["created_at"]))
    assert [str(m) for m in months] == ["2025-10", "2025-11", "2025-12", "2026-01"] and codes.tolist() == [0, 0, 3, 3, 3, 3]
    ex = Explorer(gappy, output_dir=tmp_path)
    data = ex.trend.data
    assert data["x"] == ["2025-10", "2025-11", "2025-12", "2026-01"]
    totals = np.sum([s["values"] for s in data["series"]], axis=0).tolist()
    assert totals == [2, 0, 0, 3]  # the empty text has no gap; November and December are there, as zero
    assert [s["label"] for s in data["series"]] == ["促销差距", "行为差距", "程序差距", "理解差距", "感受差距"]


def test_pareto_and_trend_clicks_filter_the_view(classified, tmp_path):
    df, model = classified
    ex = Explorer(df, model=model, output_dir=tmp_path)
    keys = ex.pareto.data["keys"]
    assert ex.pareto.data["values"] == sorted(ex.pareto.data["values"], reverse=True)
    ex.pareto.click(x=keys[1])  # as a click on the second bar
    n = int((df["gap"] == keys[1]).sum())
    assert ex.gap_filter.value == (keys[1],) and ex.count_label.value == f"<b>显示 {n} / {len(df)} 条投诉</b>"
    assert ex.pareto.selected == {"x": [keys[1]]}
    ex.pareto.click(x=keys[1])  # the same bar again clears it
    assert ex.gap_filter.value == () and ex.count_label.value == f"<b>显示 {len(df)} / {len(df)} 条投诉</b>"
    month = ex.trend.data["x"][3]
    ex.trend.click(x=month, series="process")  # one gap's segment of one month
    dates = pd.to_datetime(df["created_at"], errors="coerce")
    want = int(((dates.dt.to_period("M").astype(str) == month) & (df["gap"] == "process")).sum())
    assert ex.count_label.value == f"<b>显示 {want} / {len(df)} 条投诉</b>" and want > 0
    assert ex.trend.data["x"] == [month]  # the trend follows the date filter
    ex.trend.click(series="behavior")  # a legend entry
    assert ex.gap_filter.value == ("behavior",)


# --- the grid -----------------------------------------------------------------------------------------
def test_grid_row_click_opens_detail_sorting_and_paging(classified, tmp_path):
    df, model = classified
    ex = Explorer(df, model=model, output_dir=tmp_path)
    ex.set_filters(keyword="電話")
    assert len(ex.grid.rows) == min(PAGE_SIZE, len(ex.rows)) and ex.grid.total == len(ex.rows)
    assert all(PHONE not in str(r) for r in ex.grid.rows)
    phone_pos = int(np.flatnonzero(df["complaint_id"].eq("T-PHONE").to_numpy())[0])
    assert phone_pos in ex.rows
    ex.grid.select(phone_pos)  # as a click on that row
    assert "T-PHONE" in ex.detail.value and "&lt;手机号&gt;" in ex.detail.value and PHONE not in ex.detail.value
    assert "模型解释" in ex.detail.value and "%" in ex.detail.value
    ex.reset()
    assert ex.detail.value == "" and ex.grid.pages == -(-len(df) // PAGE_SIZE)
    ex.grid.sort = {"key": "conf", "asc": False}  # a header click
    conf = pd.to_numeric(df["gap_confidence"])
    assert ex.grid.rows[0]["_rid"] in set(np.flatnonzero(conf.to_numpy() == conf.max()))
    first_page = [r["_rid"] for r in ex.grid.rows]
    ex.grid.page = 1  # the › button
    second = [r["_rid"] for r in ex.grid.rows]
    assert len(second) == PAGE_SIZE and not set(first_page) & set(second)
    assert conf.iloc[second].max() <= conf.iloc[first_page].min()
    ex.grid.page = ex.grid.pages + 5
    assert ex.grid.page == ex.grid.pages - 1


def test_grid_text_wraps_within_fixed_widths(classified, tmp_path):
    df, _ = classified
    ex = Explorer(df, output_dir=tmp_path)
    widths = [float(c["width"].rstrip("%")) for c in ex.grid.columns]
    assert sum(widths) == pytest.approx(100, abs=1)
    assert ex.grid.columns[-1]["key"] == "text" and widths[-1] >= 35  # the complaint keeps a third or more
    long = max(df["text"].astype(str), key=len)
    ex.set_filters(keyword=long[:12])
    assert any(len(r["text"]) > 100 for r in ex.grid.rows)  # long text is sent whole (wrapped by the browser)


# --- export follows the view ------------------------------------------------------------------------------
def test_export_has_exactly_the_filtered_rows_and_no_phone(classified, tmp_path):
    df, _ = classified
    ex = Explorer(df, output_dir=tmp_path)
    ex.set_filters(keyword="態度", categories={"channel": [df["channel"].iloc[1]]})
    expected = filter_frame(df, keyword="態度", categories={"channel": [df["channel"].iloc[1]]})
    assert "T-PHONE" in set(expected["complaint_id"])  # the phone row is part of the view
    ex.export_button.click()
    csv_path, xlsx_path = ex.exported
    assert csv_path.suffix == ".csv" and xlsx_path.suffix == ".xlsx" and csv_path.parent == tmp_path
    assert str(csv_path) in ex.export_label.value and f"已导出当前视图 {len(expected)} 条" in ex.export_label.value
    raw = csv_path.read_text(encoding="utf-8-sig")
    assert PHONE not in raw and "<手机号>" in raw
    out = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert out["complaint_id"].tolist() == expected["complaint_id"].tolist()
    assert list(out.columns) == list(df.columns)
    xlsx = pd.read_excel(xlsx_path, dtype=str)
    assert len(xlsx) == len(expected) and not xlsx.astype(str).apply(lambda c: c.str.contains(PHONE)).any().any()
    meta = json.loads(csv_path.with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["rows"] == len(expected) and meta["filters"]["keyword"] == "態度"
    ex.set_filters(keyword="退款")  # the view changes: the line no longer claims the export is this view
    assert "筛选已改变" in ex.export_label.value and "已导出当前视图" not in ex.export_label.value
    ex.reset()
    ex.auto_export.value = True  # follow the filters
    live = tmp_path / "current_view.csv"
    for kw in ("退款", "态度"):
        ex.set_filters(keyword=kw)
        got = pd.read_csv(live, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        assert got["complaint_id"].tolist() == filter_frame(df, keyword=kw)["complaint_id"].tolist()
        assert f"已自动导出当前视图 {len(got)} 条" in ex.export_label.value


def test_explorer_on_a_minimal_table(toy, tmp_path):
    ex = Explorer(toy, output_dir=tmp_path)  # no themes, risk, review flags, demand or model
    assert ex.count_label.value == "<b>显示 6 / 6 条投诉</b>"
    assert ex.review_only.disabled and ex.escalation_only.disabled and ex.theme_filter.disabled
    assert list(ex.category_filters) == ["channel"] and ex.demand_filter is None
    ex.set_filters(date_range=("2025-11-01", "2025-11-15"), categories={"channel": ["电话"]})
    assert ex.count_label.value == "<b>显示 3 / 6 条投诉</b>"  # T2, T3 (whole 15th), T5
    assert "2025-11-01 至 2025-11-15" in ex.date_label.value
    ex.set_filters(gaps=["behavior"], keyword="不存在的词")
    assert "没有符合筛选条件的投诉" in ex.pareto.empty and ex.grid.rows == []
    no_dates = Explorer(toy.drop(columns="created_at"), output_dir=tmp_path)
    assert no_dates.date_slider is None and "趋势图" in no_dates.trend.empty
    no_dates.set_filters(gaps=["behavior"], keyword="態度")
    assert no_dates.count_label.value == "<b>显示 1 / 6 条投诉</b>"
    with pytest.raises(UserError, match="未知筛选条件"):
        no_dates.set_filters(colour="red")


def test_explorer_theme_filter(classified, tmp_path):
    df, _ = classified
    ex = Explorer(df, output_dir=tmp_path)
    name = df["theme_name"].value_counts().index[1]
    ex.set_filters(theme=name)
    assert ex.count_label.value == f"<b>显示 {int((df['theme_name'] == name).sum())} / {len(df)} 条投诉</b>"
    ex.set_filters(theme=None)
    assert ex.filters()["theme"] is None and ex.count_label.value.startswith(f"<b>显示 {len(df)} /")


# --- root causes ---------------------------------------------------------------------------------------
def test_root_cause_cell_click_pages_its_complaints_and_comparison_follows(classified, tmp_path):
    df, model = classified
    view = RootCauseView(df, model=model, output_dir=tmp_path, page_size=15)
    theme = view.counts.index[0]
    n = int(view.counts.at[theme, "process"])
    assert n > 15  # more than one page
    view.heatmap.click(row=theme, col="process")  # a click on that cell
    assert f"程序差距：{n} 条投诉" in view.cell_title.value and view.cell_grid.total == n
    assert view.cell_grid.pages == -(-n // 15) and all(r["gap"] == "程序差距" for r in view.cell_grid.rows)
    view.cell_grid.page = view.cell_grid.pages - 1
    assert len(view.cell_grid.rows) == n - 15 * (view.cell_grid.pages - 1)
    view.cell_grid.select(view.cell_grid.rows[0]["_rid"])
    assert view.cell_grid.rows[0]["id"] in view.detail.value and PHONE not in view.detail.value
    view.heatmap.click(col="behavior")  # a gap heading: every theme
    assert view.cell_grid.total == int((df["gap"] == "behavior").sum())
    assert view.heatmap.data["counts"][0] == view.counts.iloc[0].tolist()
    assert (tmp_path / "theme_x_gap_counts.csv").exists() and (tmp_path / "theme_x_gap_shares.csv").exists()
    view.words_gap.value = "promotion"
    assert view.words.data["labels"] and view.words.title.startswith("促销差距")
    assert "个百分点" in view.compare.value
    view.period_a.value = view.months[0]  # the comparison file follows the months chosen
    current = pd.read_csv(tmp_path / "compare_current.csv", encoding="utf-8-sig")
    expected = compare_periods(df, view.months[0], view.period_b.value)
    assert current["count_a"].tolist() == expected["count_a"].tolist()
    assert (tmp_path / f"compare_{view.months[0]}_vs_{view.period_b.value}_by_gap.csv").exists()


# --- labels that count -----------------------------------------------------------------------------------
def _own_complaints(model) -> pd.DataFrame:
    """Complaints written for this test (an analyst's own data): not in the bundled corpus."""
    from feedback_mining.pipeline import classify_frame

    texts = ["4S店的销售顾问说好送三次保养，提车后说没有这回事😡", "客服電話打了五次都沒人接，問題到現在還沒解決",
             "外卖小哥把汤洒了一半，还说不是他的问题", "APP上显示有货，下单后又说缺货退款要七个工作日",
             "酒店前台态度冷淡，入住等了四十分钟也没人解释", "物业说维修要排队，漏水一个月了没人来",
             "银行理财经理没告诉我有封闭期，现在取不出来", "快递放驿站不通知，我一直以为没到",
             "你们到底懂不懂我要什么？我要的是发票不是收据", "餐厅的菜和图片完全不一样，分量少了一半"]
    df = pd.DataFrame({"complaint_id": [f"OWN{i:02d}" for i in range(len(texts))], "text": texts})
    return classify_frame(df, model, "text")


def test_queue_serves_own_complaints_first_and_never_evaluation_ones(classified, tmp_path):
    df, model = classified
    mixed = pd.concat([df, _own_complaints(model)], ignore_index=True)
    mixed.attrs["text_column"] = "text"
    lab = Labeller(mixed, store=tmp_path / "labels.sqlite", model=model, who="wang", models_dir=tmp_path / "models")
    queue = list(lab.session.queue)
    own = (mixed["complaint_id"].str.startswith("OWN") | mixed["complaint_id"].eq("T-PHONE")).to_numpy()  # not corpus texts
    assert own[queue[:11]].all() and not own[queue[11:]].any()  # the analyst's data first
    held = heldout_split(mixed["complaint_id"]) & ~own
    assert not held[queue].any() and lab.session.left_out >= int(held.sum())  # never the held-out split
    dev_keys = lab.evaluation.keys()
    from feedback_mining.labelling import match_keys
    assert not match_keys(mixed.loc[queue, "text"]).isin(dev_keys).any()  # nor a text of the evaluation set
    assert len(queue) == int((lab.session.scope != "evaluation").sum())
    assert "先出您自己的数据（11 条）" in lab.intro.value and lab.evaluation.describe() in lab.intro.value.replace("&quot;", '"')


def test_evaluation_set_is_the_devset_else_the_corpus_heldout(tmp_path):
    missing = evaluation_set(devset=tmp_path / "no_such.csv")
    corpus = load_labeled_corpus()
    assert missing.kind == "corpus_heldout" and len(missing) == int(corpus["heldout"].sum())
    assert "留出集" in missing.describe()
    dev = tmp_path / "dev.csv"
    pd.DataFrame({"id": ["D1", "D2", "D3"], "text": ["等了一个小时没人理", "赠品没给", ""],
                  "gap": ["behavior", "promotion", "process"]}).to_csv(dev, index=False)
    ev = evaluation_set(devset=dev)
    assert ev.kind == "devset" and ev.texts == ["等了一个小时没人理", "赠品没给"] and "真实开发集" in ev.describe()
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"内容": ["x"]}).to_csv(bad, index=False)
    with pytest.raises(UserError, match="text and gap"):
        evaluation_set(devset=bad)
    scope = label_scope(pd.DataFrame({"complaint_id": ["a", "b"], "text": ["赠品没给", "全新的投诉"]}), ev)
    assert scope.tolist() == ["evaluation", "own"]


def test_one_key_labels_in_readme_order_undo_and_chinese_messages(toy, tmp_path):
    store_path = tmp_path / "labels.sqlite"
    lab = Labeller(toy, store=store_path, who="wang", devset=tmp_path / "none.csv")
    assert lab.codes == list(KEY_ORDER)  # 1 理解 2 程序 3 行为 4 促销 5 感受, as the README lists them
    assert [b.description for b in lab.gap_buttons] == ["1 理解差距", "2 程序差距", "3 行为差距", "4 促销差距", "5 感受差距"]
    assert lab.session.current_row()["complaint_id"] == "T4"  # most uncertain first
    lab.pad.press("1")  # one key, no Enter
    lab.gap_buttons[3].click()  # the buttons are kept
    lab.pad.press("5")
    lab.pad.press("x")  # not a label key: ignored
    store = LabelStore(store_path)
    hist = store.history()
    assert hist["complaint_id"].tolist() == ["T4", "T3", "T1"]
    assert hist["gap"].tolist() == ["understanding", "promotion", "perception"]
    assert set(hist["who"]) == {"wang"} and hist["labelled_at"].str.len().min() >= 19
    assert "T1" in lab.history.value and "感受差距" in lab.history.value  # the live history follows
    store.add("T2", "process", who="li")  # someone else labels in between
    lab.pad.press("u")
    assert store.count() == 3 and store.current().set_index("complaint_id").loc["T2", "who"] == "li"
    assert lab.session.current_row()["complaint_id"] == "T1" and "已撤销 T1" in lab.status.value
    assert "已撤销" in lab.history.value
    lab.pad.press("s")
    assert lab.session.current_row()["complaint_id"] != "T1"
    msg = lab.press("9")
    assert "根因编号应为 1–5" in msg and "根因编号应为 1–5" in lab.status.value
    while lab.session.current is not None:
        lab.pad.press("2")
    assert "队列已空" in lab.press("3") and "队列已空" in lab.pad.html


@pytest.mark.slow
def test_five_labels_reach_the_model_through_train_with_labels(classified, tmp_path, monkeypatch):
    import feedback_mining.models.adapt as adapt

    df, model = classified
    own = _own_complaints(model)
    calls = []
    real = adapt.train_with_labels
    monkeypatch.setattr(adapt, "train_with_labels", lambda texts, gaps, **kw: calls.append(len(texts)) or real(texts, gaps, **kw))
    store = LabelStore(tmp_path / "labels.sqlite")
    held = load_labeled_corpus().query("heldout").iloc[0]
    store.add(held["complaint_id"], held["gap"], who="li", text=held["text"])  # must not reach training
    lab = Labeller(own, store=store, model=model, who="wang", models_dir=tmp_path / "models")
    wanted = []
    for _ in range(5):  # each label differs from the model's guess
        row = lab.session.current_row()
        guess = max(lab.codes, key=lambda c: row[f"proba_{c}"])
        code = next(c for c in lab.codes if c != guess)
        wanted.append((row["text"], code))
        lab.pad.press(str(lab.codes.index(code) + 1))
    lab.retrain_button.click()
    r = lab.last_retrain
    assert r is not None, lab.retrain_status.value
    assert calls == [5] and r.labels_used == 5 and r.labels_excluded == 1  # the function `train --add` uses
    assert r.labels_agree_before == 0 and r.labels_agree_after == 5 and r.predictions_changed == 5
    assert list(lab.model.predict([t for t, _ in wanted])) == [g for _, g in wanted]
    assert r.heldout_rows == len(lab.evaluation) and 0 < r.f1_before <= 1 and 0 < r.f1_after <= 1
    assert "使用标注 <b class='fm-labels-used'>5</b> 条" in lab.retrain_status.value
    assert lab.evaluation.describe() in lab.retrain_status.value.replace("&quot;", '"')
    assert r.path == tmp_path / "models" / "gap-model-v001.npz" and r.path.exists()
    meta = json.loads(Path(str(r.path) + ".json").read_text(encoding="utf-8"))
    assert meta["version"] == 1 and meta["metrics"]["heldout_macro_f1"] == pytest.approx(r.f1_after)
    assert meta["stored_labels"] == 5 and meta["evaluation"] == lab.evaluation.name
    assert lab.session.model_version == "v001" and model_version(lab.model) == "v001"
    second = retrain_model(store, tmp_path / "models", model=lab.model, evaluation=lab.evaluation)
    assert second.path.name == "gap-model-v002.npz" and r.path.exists()  # the old one is kept
    assert second.f1_before == pytest.approx(r.f1_after)


def test_retrain_without_usable_labels_says_so_in_chinese(toy, tmp_path):
    lab = Labeller(toy, store=tmp_path / "labels.sqlite", who="wang", models_dir=tmp_path / "models", devset=tmp_path / "none.csv")
    lab.retrain_button.click()
    assert "还没有可用于训练的标注" in lab.retrain_status.value and lab.last_retrain is None
    assert not list((tmp_path / "models").glob("*.npz"))  # no half model left behind


# --- fonts -----------------------------------------------------------------------------------------------
def test_shipped_font_subset_matches_its_recipe():
    import hashlib

    meta = json.loads(fonts.SUBSET_FILE.with_suffix(".json").read_text(encoding="utf-8"))
    data = fonts.SUBSET_FILE.read_bytes()
    assert meta["sha256"] == hashlib.sha256(data).hexdigest() and meta["bytes"] == len(data) < 1_500_000
    recipe = fonts.font_recipe()
    assert {k: meta[k] for k in recipe} == recipe  # rebuild with tools/build_cjk_font.py after changing the recipe
    assert data[:4] == b"wOF2" and (fonts.SUBSET_FILE.parent / "OFL.txt").read_text(encoding="utf-8").startswith(
        "NotoSansSC-gb2312.woff2")
    chars = fonts.subset_chars()
    assert all(fonts.in_subset(c) for c in "投诉服务态度差，退款ＡＰＰ！A") and len(chars) == meta["chars"]
    assert not any(fonts.in_subset(c) for c in "態這說還😤")


def test_font_loader_supplements_characters_outside_the_subset(tmp_path, monkeypatch):
    from fontTools.ttLib import TTFont
    import io

    monkeypatch.setenv("FEEDBACK_MINING_CACHE", str(tmp_path))
    assert fonts.missing_chars(["服務態度很差😤，這個還沒來", None, "普通的投诉"]) == "來個務態沒這還"
    loader = fonts.FontLoader(font=b"x")
    sent = loader.supplement(["這個還沒來", "態度"])
    assert sent == "來個態沒這還" and len(loader.extras) == 1
    cmap = TTFont(io.BytesIO(loader.extras[0])).getBestCmap()
    assert {ord(c) for c in sent} <= set(cmap) and ord("中") not in cmap
    assert list(tmp_path.glob("fonts/extra-*.otf"))  # cached for next time
    assert loader.supplement(["這個還沒來"]) == "" and len(loader.extras) == 1  # nothing sent twice
    assert fonts.font_loader() is fonts.font_loader() and fonts.font_loader().font[:4] == b"wOF2"


def test_emoji_show_a_placeholder_without_an_emoji_font(monkeypatch):
    monkeypatch.setattr(nbhtml, "emoji_font_available", lambda: False)
    assert nbhtml.plain("等了一个多小时😤 ★ 👍🏻 电话13912345678") == "等了一个多小时〔表情〕 ★ 〔表情〕 电话<手机号>"
    assert nbhtml.masked("太差了🤬<b>") == "太差了〔表情〕&lt;b&gt;"
    monkeypatch.setattr(nbhtml, "emoji_font_available", lambda: True)
    assert nbhtml.plain("等了一个多小时😤") == "等了一个多小时😤"


# --- notebook 04 ------------------------------------------------------------------------------------------
def test_report_links_and_one_picture_per_chart(tmp_path):
    files = [tmp_path / n for n in ("gap_pareto.png", "gap_pareto.svg", "gap_pareto.pdf", "gap_trend.svg", "deck.pptx",
                                      "summary.xlsx", "summary.html", "report.meta.json")]
    assert chart_files(files) == [tmp_path / "gap_pareto.png", tmp_path / "gap_trend.svg"]
    html = report_links_html(files, base=tmp_path / "notebooks")
    assert html.count("class='fm-report-link'") == 3
    assert "href='../deck.pptx' download" in html and "href='../summary.xlsx' download" in html
    assert "href='../summary.html' target='_blank'" in html and "汇报幻灯片" in html and "gap_pareto.pdf" not in html
    assert "没有生成" in report_links_html([tmp_path / "gap_pareto.png"])
