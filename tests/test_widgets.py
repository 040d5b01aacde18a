"""Widget logic without a browser: filters, queue, labels, undo, concurrent writers, count label, export."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from feedback_mining.models.registry import load_model

pytest.importorskip("ipywidgets")

from feedback_mining.analysis import categorical_columns, compare_periods, crosstab_theme_gap, distinctive_words, filter_frame
from feedback_mining.labelling import LabelSession, gap_margins, model_version, retrain_model, uncertainty_queue
from feedback_mining.notebook import Explorer, Labeller, PAGE_SIZE, RootCauseView
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


def _listed_ids(cell_html: str) -> list[str]:
    """The complaint ids in a cell's table (first column), in display order."""
    return re.findall(r"<tr><td[^>]*><span style='white-space:nowrap'>([^<]+)</span></td>", cell_html)


def test_root_cause_view_cell_lists_that_cells_complaints_most_confident_first(classified):
    df, _ = classified
    view = RootCauseView(df, max_rows=15)
    theme = view.counts.index[0]
    view.theme_pick.value = theme
    view.gap_pick.value = "process"
    cell = df[(df["theme_name"] == theme) & (df["gap"] == "process")]
    assert len(cell) > 15 and int(view.counts.at[theme, "process"]) == len(cell)
    assert f"：{len(cell)} 条，显示前 15 条" in view.cell_list.value
    shown = _listed_ids(view.cell_list.value)
    confidence = cell.set_index("complaint_id")["gap_confidence"].astype(float)
    assert len(shown) == 15 and set(shown) <= set(confidence.index)
    assert confidence[shown].is_monotonic_decreasing
    assert confidence.drop(shown).max() <= confidence[shown].min()
    view.gap_pick.value = ""  # the whole theme
    assert f"：{int(view.counts.loc[theme].sum())} 条" in view.cell_list.value
    assert set(_listed_ids(view.cell_list.value)) <= set(df.loc[df["theme_name"] == theme, "complaint_id"])
    # the row carrying a phone number is listed in its own cell, masked
    phone = df.set_index("complaint_id").loc["T-PHONE"]
    everything = RootCauseView(df, max_rows=len(df))
    everything.theme_pick.value = phone["theme_name"]
    everything.gap_pick.value = phone["gap"]
    assert "T-PHONE" in _listed_ids(everything.cell_list.value)
    assert PHONE not in everything.cell_list.value and "&lt;手机号&gt;" in everything.cell_list.value


def test_root_cause_view_shows_the_picked_gaps_distinctive_words(classified):
    df, _ = classified
    view = RootCauseView(df)
    ok = df["gap"].astype(str).ne("")
    expected = distinctive_words(df.loc[ok, "text"].tolist(), df.loc[ok, "gap"].tolist(), top=15)
    shown = {}
    for gap in [*view.codes[1:], view.codes[0]]:  # the first is shown on opening: pick it last
        view.words_gap.value = gap
        shown[gap] = re.findall(r"<span style='width:100px'>([^<]+)</span>", view.words.value)
        widths = [int(w) for w in re.findall(r"height:10px;width:(\d+)px", view.words.value)]
        assert shown[gap] == [w for w, _ in expected[gap]] and len(shown[gap]) == 15
        assert widths == sorted(widths, reverse=True) and widths[0] == 150
    assert len({tuple(words) for words in shown.values()}) == len(shown)  # five different lists
    assert {"赠品", "宣传", "承诺", "活动", "优惠", "广告"} & set(shown["promotion"])


def test_root_cause_view_compares_two_months_with_the_right_counts(classified):
    df, _ = classified
    view = RootCauseView(df)
    a, b = view.months[0], view.months[-1]
    view.period_a.value, view.period_b.value = a, b
    view.compare_by.value = "gap"
    month = pd.to_datetime(df["created_at"], format="mixed").dt.strftime("%Y-%m")
    count_a = df.loc[month.eq(a), "gap"].value_counts()
    count_b = df.loc[month.eq(b), "gap"].value_counts()
    assert f"{a}：{count_a.sum()} 条 → {b}：{count_b.sum()} 条" in view.compare.value
    cells = re.findall(r"<td[^>]*>(.*?)</td>", view.compare.value)
    rows = [cells[i:i + 7] for i in range(0, len(cells), 7)]
    tax = view.taxonomy
    assert {r[0] for r in rows} == {tax.zh(g) for g in view.codes}
    for name, na, nb, change, _, _, direction in rows:
        gap = next(g for g in view.codes if tax.zh(g) == name)
        assert (int(na), int(nb)) == (count_a.get(gap, 0), count_b.get(gap, 0))
        assert int(change) == int(nb) - int(na)
        pp = 100 * (count_b.get(gap, 0) / count_b.sum() - count_a.get(gap, 0) / count_a.sum())
        assert f"{pp:+.1f} 个百分点" in direction


# --- labelling ---------------------------------------------------------------------------------------
def test_uncertainty_queue_orders_by_margin(toy, classified):
    order = uncertainty_queue(toy)
    # margins: 0.70, 0.05, 0.35, 0.01, 0.00 (tie of two 0.30) ; the empty text is left out
    assert list(order) == [4, 3, 1, 2, 0]
    df, _ = classified
    margins = gap_margins(df).loc[uncertainty_queue(df)]
    assert margins.is_monotonic_increasing
    assert len(margins) == int((~df["empty_text"].astype(bool)).sum())


def test_labelling_writes_to_store_and_undo_removes_one(toy, tmp_path):
    store_path = tmp_path / "labels.sqlite"
    lab = Labeller(toy, store=store_path, who="wang")
    first = lab.session.current_row()["complaint_id"]
    assert first == "T4"  # most uncertain first
    lab.press("3")  # keyboard shortcut: third gap button
    lab.gap_buttons[0].click()  # a gap button
    lab.keys.value = "2"  # the shortcut box: typing 2 + Enter
    assert lab.keys.value == ""
    store = LabelStore(store_path)
    hist = store.history()
    assert hist["complaint_id"].tolist() == ["T4", "T3", "T1"]
    assert hist["gap"].tolist() == [lab.codes[2], lab.codes[0], lab.codes[1]]
    assert set(hist["who"]) == {"wang"} and hist["labelled_at"].str.len().min() >= 19
    store.add("T2", "process", who="li")  # someone else labels in between
    lab.undo_button.click()
    assert store.count() == 3  # exactly one label withdrawn …
    assert store.current().set_index("complaint_id").loc["T2", "who"] == "li"  # … and not li's
    assert "T1" not in set(store.current()["complaint_id"])
    assert lab.session.current_row()["complaint_id"] == "T1"  # back at the front of the queue
    lab.press("s")
    assert lab.session.current_row()["complaint_id"] != "T1"
    assert "没有可撤销" not in lab.press("u")
    assert store.count() == 2


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


# --- the explorer --------------------------------------------------------------------------------------
def _pareto_bars(svg: str) -> dict[str, int]:
    """{gap code: bar label} read back from the Pareto SVG."""
    codes = re.findall(r"font-size='10' fill='#666'>([^<]+)</text>", svg)
    counts = [int(n) for n in re.findall(r"font-size='11'>(\d+)</text>", svg)]
    assert len(codes) == len(counts)
    return dict(zip(codes, counts))


def _trend_cells(svg: str) -> dict[tuple[str, str], int]:
    """{(month, gap name): count} read back from the trend SVG's stacked bars."""
    return {(m, name): int(n) for m, name, n in re.findall(r"<title>(\S+) ([^:<]+): (\d+)</title>", svg)}


def test_explorer_gap_filter_redraws_count_charts_and_table(classified, tmp_path):
    df, model = classified
    ex = Explorer(df, model=model, output_dir=tmp_path)
    tax = ex.taxonomy
    month = pd.to_datetime(df["created_at"], format="mixed").dt.strftime("%Y-%m")

    def expected(gaps):
        sub = df["gap"].isin(gaps)
        bars = df.loc[sub, "gap"].value_counts().to_dict()
        trend = {(m, tax.zh(g)): n for (m, g), n in df[sub].groupby([month[sub], df.loc[sub, "gap"]]).size().items()}
        return bars, trend

    every = [g for g in ex.codes]
    assert ex.count_label.value == f"<b>显示 {len(df)} / {len(df)} 条投诉</b>"
    assert (_pareto_bars(ex.pareto_image.value), _trend_cells(ex.trend_image.value)) == expected(every)
    for gaps in (("process",), ("process", "behavior")):
        ex.gap_filter.value = gaps
        n = int(df["gap"].isin(gaps).sum())
        assert ex.count_label.value == f"<b>显示 {n} / {len(df)} 条投诉</b>"
        assert (_pareto_bars(ex.pareto_image.value), _trend_cells(ex.trend_image.value)) == expected(gaps)
        listed = _listed_ids(ex.table.value)
        assert listed == df.loc[df["gap"].isin(gaps), "complaint_id"].head(PAGE_SIZE).tolist()
    assert set(ex.last_timing) == {"filter_ms", "charts_ms", "table_ms", "total_ms"}
    ex.reset()
    assert ex.count_label.value == f"<b>显示 {len(df)} / {len(df)} 条投诉</b>"
    assert (_pareto_bars(ex.pareto_image.value), _trend_cells(ex.trend_image.value)) == expected(every)


def test_explorer_table_pages_and_detail(classified, tmp_path):
    df, model = classified
    ex = Explorer(df, model=model, output_dir=tmp_path)
    ex.set_filters(keyword="電話")
    assert ex.table.value.count("<tr>") == min(PAGE_SIZE, len(ex.rows)) + 1  # header + page rows
    assert PHONE not in ex.table.value
    phone_pos = int(np.flatnonzero(df["complaint_id"].eq("T-PHONE").to_numpy())[0])
    assert phone_pos in ex.rows
    ex.selector.value = next(v for _, v in ex.selector.options if v >= 0)
    assert "模型解释" in ex.detail.value and "%" in ex.detail.value
    ex.show_detail(phone_pos)
    assert "&lt;手机号&gt;" in ex.detail.value and PHONE not in ex.detail.value
    ex.reset()
    assert ex.pages == -(-len(df) // PAGE_SIZE)
    ex.show_page(ex.pages + 5)  # clipped to the last page
    assert ex.page == ex.pages - 1 and ex.next_button.disabled


def test_export_has_exactly_the_filtered_rows_and_no_phone(classified, tmp_path):
    df, _ = classified
    ex = Explorer(df, output_dir=tmp_path)
    ex.set_filters(keyword="態度", categories={"channel": [df["channel"].iloc[1]]})
    expected = filter_frame(df, keyword="態度", categories={"channel": [df["channel"].iloc[1]]})
    assert "T-PHONE" in set(expected["complaint_id"])  # the phone row is part of the view
    ex.export_button.click()
    csv_path, xlsx_path = ex.exported
    assert csv_path.suffix == ".csv" and xlsx_path.suffix == ".xlsx" and csv_path.parent == tmp_path
    assert str(csv_path) in ex.export_label.value
    raw = csv_path.read_text(encoding="utf-8-sig")
    assert PHONE not in raw and "<手机号>" in raw
    out = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert out["complaint_id"].tolist() == expected["complaint_id"].tolist()
    assert list(out.columns) == list(df.columns)
    xlsx = pd.read_excel(xlsx_path, dtype=str)
    assert len(xlsx) == len(expected) and not xlsx.astype(str).apply(lambda c: c.str.contains(PHONE)).any().any()


def test_explorer_on_a_minimal_table(toy, tmp_path):
    ex = Explorer(toy, output_dir=tmp_path)  # no themes, risk, review flags or model
    assert ex.count_label.value == "<b>显示 6 / 6 条投诉</b>"
    assert ex.review_only.disabled and ex.escalation_only.disabled and ex.theme_filter.disabled
    assert list(ex.category_filters) == ["channel"]
    ex.set_filters(date_range=("2025-11-01", "2025-11-15"), categories={"channel": ["电话"]})
    assert ex.count_label.value == "<b>显示 3 / 6 条投诉</b>"  # T2, T3 (whole 15th), T5
    assert "2025-11-01 至 2025-11-15" in ex.date_label.value
    no_dates = Explorer(toy.drop(columns="created_at"), output_dir=tmp_path)
    assert no_dates.date_slider is None and "趋势图" in no_dates.trend_note.value
    no_dates.set_filters(gaps=["behavior"], keyword="態度")
    assert no_dates.count_label.value == "<b>显示 1 / 6 条投诉</b>"


def test_explorer_theme_filter(classified, tmp_path):
    df, _ = classified
    ex = Explorer(df, output_dir=tmp_path)
    name = df["theme_name"].value_counts().index[1]
    ex.set_filters(theme=name)
    assert ex.count_label.value == f"<b>显示 {int((df['theme_name'] == name).sum())} / {len(df)} 条投诉</b>"
    ex.set_filters(theme=None)
    assert ex.filters()["theme"] is None and ex.count_label.value.startswith(f"<b>显示 {len(df)} /")


# --- retrain ----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_retrain_saves_a_new_version_and_reports_f1(classified, tmp_path):
    from feedback_mining.data.read import load_labeled_corpus

    df, model = classified
    corpus = load_labeled_corpus()
    store = LabelStore(tmp_path / "labels.sqlite")
    train = corpus[~corpus["heldout"]].head(3)
    for _, r in train.iterrows():
        store.add(r["complaint_id"], "perception", who="wang", text=r["text"])
    held = corpus[corpus["heldout"]].iloc[0]
    store.add(held["complaint_id"], held["gap"], who="wang", text=held["text"])  # must not leak into training
    models = tmp_path / "models"
    lab = Labeller(df, store=store, model=model, who="wang", models_dir=models)
    lab.retrain_button.click()  # the button: retrain, report, switch model
    first = lab.last_retrain
    assert first is not None, lab.retrain_status.value
    assert first.path == models / "gap-model-v001.npz" and first.path.exists()
    assert 0.5 < first.f1_before <= 1 and 0.5 < first.f1_after <= 1
    assert first.labels_used == 3 and first.labels_excluded == 1
    assert first.heldout_rows == int(corpus["heldout"].sum())
    assert "macro-F1" in lab.retrain_status.value and str(first.path) in lab.retrain_status.value
    assert lab.session.model_version == "v001" and model_version(lab.model) == "v001"
    meta = json.loads(Path(str(first.path) + ".json").read_text(encoding="utf-8"))
    assert meta["version"] == 1 and meta["metrics"]["heldout_macro_f1"] == pytest.approx(first.f1_after)
    assert meta["metrics"]["heldout_macro_f1_before"] == pytest.approx(first.f1_before)
    lab.press("1")
    assert store.history().iloc[-1]["model_version"] == "v001"  # later labels name the new model
    second = retrain_model(store, models, model=load_model(first.path))
    assert second.path.name == "gap-model-v002.npz" and first.path.exists()  # the old one is kept
    assert second.f1_before == pytest.approx(first.f1_after)


def test_repo_root_from_notebooks_or_root():
    assert repo_root(ROOT / "notebooks") == ROOT
    assert repo_root(ROOT) == ROOT
    assert repo_root("/") == PROJECT_ROOT
